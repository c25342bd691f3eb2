/**
 * Rules a modelled TLP must obey, checked before encoding and after decoding, so the codec never
 * emits and never accepts what the specification forbids. Every issue names the TLP field.
 *
 * Sources (PCIe Base 6.x, read for this module unless marked): section 2.2.1.1 (Length, 0 = 1024
 * DW), 2.2.4.1 (below 4 GiB use the 32-bit form), 2.2.5.1 (byte enables), 2.2.6.2 (Tag[9:8]
 * reserved in posted requests), 2.2.7.1 (4 KiB boundary), 2.2.7.1.1 (TPH), 2.2.9.1 (completions),
 * Table 2-3 (CplD is for successful read completions only; others use Cpl).
 */
import type { Issue } from "../base/errors.js";
import { checkTph, impliedByteEnables, stByteOf } from "./tlp-prefix.js";
import {
  type CompletionTlp,
  CPL_STATUS,
  isIntIn,
  type MemRequestTlp,
  type RequesterEnable,
  type Tlp,
} from "./tlp-types.js";

export interface EncodeOptions {
  /** The requester's TPH Requester Enable; default "ext-tph" (allows everything TPH can carry). */
  readonly requesterEnable?: RequesterEnable;
}

type Add = (path: string, message: string, code?: string) => void;

/** Require an integer field in [min, max]; returns whether it is one. */
function intField(add: Add, path: string, v: unknown, min: number, max: number, why = ""): v is number {
  if (isIntIn(v, min, max)) return true;
  const found = v === undefined ? "it is missing" : `found ${String(v)}`;
  add(path, `must be an integer ${min}..${max}${why}, ${found}`, v === undefined ? "required" : "range");
  return false;
}

/** Check every rule; returns all issues found (empty = valid). */
export function validateTlp(t: Tlp, opts: EncodeOptions = {}): Issue[] {
  const out: Issue[] = [];
  const add: Add = (path, message, code = "rule") => out.push({ code, path, message });
  intField(add, "tc", t.tc, 0, 7);
  intField(add, "attr", t.attr, 0, 7);
  if (typeof t.ln !== "boolean") add("ln", "must be true or false", "type");
  if (typeof t.ep !== "boolean") add("ep", "must be true or false", "type");
  if (t.ecrc !== undefined) intField(add, "ecrc", t.ecrc, 0, 0xffffffff);
  switch (t.kind) {
    case "MRd":
    case "MWr":
      checkMemRequest(t, opts.requesterEnable ?? "ext-tph", add, out);
      break;
    case "Cpl":
    case "CplD":
      checkCompletion(t, add);
      break;
    default:
      add("kind", `must be MRd, MWr, Cpl or CplD, found ${String((t as { kind: unknown }).kind)}`, "kind");
  }
  return out;
}

function checkMemRequest(t: MemRequestTlp, reqEn: RequesterEnable, add: Add, out: Issue[]): void {
  const lenOk = intField(add, "lengthDw", t.lengthDw, 1, 1024);
  const addrOk = checkAddress(t, add);
  if (lenOk && addrOk) {
    // Section 2.2.7.1: an Address/Length combination must not cross a 4 KiB boundary.
    const end = Number(t.address & 0xfffn) + t.lengthDw * 4;
    if (end > 0x1000) {
      add("lengthDw", `${t.lengthDw} DW from 0x${t.address.toString(16)} crosses a 4 KiB boundary`, "4k");
    }
  }
  intField(add, "requesterId", t.requesterId, 0, 0xffff);
  intField(add, "at", t.at, 0, 2, " (AT 11b is reserved)");
  checkTph(t, reqEn, out);
  const stByte = stByteOf(t.kind);
  checkTag(t, t.th === true && stByte === "tag", add);
  if (t.th === true && stByte === "be") checkImpliedBe(t, lenOk, add);
  else checkByteEnables(t, lenOk && addrOk, add);
  if (t.kind === "MWr") {
    if (!(t.data instanceof Uint8Array)) add("data", "must be a Uint8Array", "type");
    else if (lenOk && t.data.length !== t.lengthDw * 4) {
      add(
        "data",
        `payload is ${t.data.length} bytes but Length = ${t.lengthDw} DW needs ${t.lengthDw * 4}`,
        "length",
      );
    }
  }
}

/**
 * DW aligned, 64-bit at most, and in the header form the spec requires for its value. Returns
 * whether the address value is usable by the other rules (a wrong form alone does not stop them).
 */
function checkAddress(t: MemRequestTlp, add: Add): boolean {
  if (t.addressBits !== 32 && t.addressBits !== 64) {
    add("addressBits", `must be 32 or 64, found ${String(t.addressBits)}`, "range");
    return false;
  }
  if (typeof t.address !== "bigint" || t.address < 0n || t.address >= 1n << 64n) {
    add("address", "must be a bigint 0..2^64-1", "range");
    return false;
  }
  const a = `0x${t.address.toString(16)}`;
  let ok = true;
  if ((t.address & 3n) !== 0n) {
    add("address", `${a} is not DW aligned (address bits 1:0 are not sent; they hold PH)`, "align");
    ok = false;
  }
  if (t.addressBits === 32 && t.address >= 1n << 32n) {
    add("addressBits", `${a} is at or above 4 GiB and needs the 64-bit (4 DW) form`, "form");
  }
  if (t.addressBits === 64 && t.address < 1n << 32n) {
    add(
      "addressBits",
      `${a} is below 4 GiB: requesters must use the 32-bit (3 DW) form (section 2.2.4.1)`,
      "form",
    );
  }
  // A wrong header form leaves the address itself usable: the boundary and byte-enable rules
  // still apply, so an analyzer lists every rule the TLP breaks.
  return ok;
}

/** MRd: Tag[9:0]. MWr: Tag[7:0] (Tag[9:8] reserved for posted requests), absent when it carries ST. */
function checkTag(t: MemRequestTlp, stInTag: boolean, add: Add): void {
  if (stInTag) {
    if (t.tag !== undefined) add("tag", "MWr with TH = 1 carries ST[7:0] in the Tag byte: leave tag out");
    return;
  }
  if (t.kind === "MRd") intField(add, "tag", t.tag, 0, 1023);
  else intField(add, "tag", t.tag, 0, 255, " (Tag[9:8] are reserved in posted requests)");
}

/** MRd with TH = 1: the BE byte is ST[7:0]; explicit byte enables must match the implied ones. */
function checkImpliedBe(t: MemRequestTlp, lenOk: boolean, add: Add): void {
  if (!lenOk) return;
  const implied = impliedByteEnables(t.lengthDw);
  for (const f of ["firstBe", "lastBe"] as const) {
    const v = t[f];
    if (v !== undefined && v !== implied[f]) {
      const want = implied[f].toString(2).padStart(4, "0");
      add(f, `MRd with TH = 1 implies ${want}b (its BE byte carries ST[7:0]), found ${fmtBe(v)}`, "be");
    }
  }
}

const FIRST_CONTIGUOUS = [0b1111, 0b1110, 0b1100, 0b1000];
const LAST_CONTIGUOUS = [0b0001, 0b0011, 0b0111, 0b1111];

function fmtBe(v: unknown): string {
  return isIntIn(v, 0, 15) ? `${v.toString(2).padStart(4, "0")}b` : String(v);
}

/** Section 2.2.5.1 byte-enable rules (verified against the PCIe 6.x text). */
function checkByteEnables(t: MemRequestTlp, shapeOk: boolean, add: Add): void {
  const fOk = intField(add, "firstBe", t.firstBe, 0, 15);
  const lOk = intField(add, "lastBe", t.lastBe, 0, 15);
  if (!shapeOk || !fOk || !lOk) return;
  const { lengthDw: len, firstBe, lastBe } = t as MemRequestTlp & { firstBe: number; lastBe: number };
  if (len === 1) {
    if (lastBe !== 0) add("lastBe", `must be 0000b when Length = 1 DW, found ${fmtBe(lastBe)}`, "be");
    return; // any First DW BE, including 0000b (zero-length read/write) and non-contiguous ones
  }
  if (firstBe === 0) add("firstBe", "must not be 0000b when Length > 1 DW", "be");
  if (lastBe === 0) add("lastBe", "must not be 0000b when Length > 1 DW", "be");
  // Non-contiguous enables are allowed only in a QW-aligned 2 DW request.
  const qwAligned2 = len === 2 && (t.address & 7n) === 0n;
  if (qwAligned2 || firstBe === 0 || lastBe === 0) return;
  const why = len === 2 ? "a non-QW-aligned 2 DW request" : "a request of 3 DW or more";
  if (!FIRST_CONTIGUOUS.includes(firstBe)) {
    add("firstBe", `${fmtBe(firstBe)} is not contiguous up to byte 3, required in ${why}`, "be");
  }
  if (!LAST_CONTIGUOUS.includes(lastBe)) {
    add("lastBe", `${fmtBe(lastBe)} is not contiguous from byte 0, required in ${why}`, "be");
  }
}

function checkCompletion(t: CompletionTlp, add: Add): void {
  intField(add, "completerId", t.completerId, 0, 0xffff);
  intField(add, "requesterId", t.requesterId, 0, 0xffff);
  if (!Object.hasOwn(CPL_STATUS, t.status)) {
    add("status", `must be one of ${Object.keys(CPL_STATUS).join(", ")}, found ${String(t.status)}`, "range");
  } else if (t.kind === "CplD" && t.status !== "SC") {
    add("status", `CplD carries data only with SC; a ${t.status} completion is a Cpl (Table 2-3)`);
  }
  if (typeof t.bcm !== "boolean") add("bcm", "must be true or false", "type");
  intField(add, "byteCount", t.byteCount, 1, 4096);
  intField(add, "tag", t.tag, 0, 1023);
  intField(add, "lowerAddress", t.lowerAddress, 0, 127);
  if (t.kind === "CplD" && intField(add, "lengthDw", t.lengthDw, 1, 1024)) {
    if (!(t.data instanceof Uint8Array)) add("data", "must be a Uint8Array", "type");
    else if (t.data.length !== t.lengthDw * 4) {
      add(
        "data",
        `payload is ${t.data.length} bytes but Length = ${t.lengthDw} DW needs ${t.lengthDw * 4}`,
        "length",
      );
    }
  }
}
