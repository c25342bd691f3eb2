/**
 * TLP decoding (the layout picture is in ./tlp.ts), in two manners:
 *
 * - analyzeTlp, as a protocol analyzer reads a capture: a header without its payload (or without
 *   its ECRC DW) decodes, with the payload marked absent; a TLP that breaks a rule (reserved bits
 *   set, a 4 KiB crossing, wrong byte enables, a misplaced TPH prefix) decodes, with every broken
 *   rule listed as a violation. Only bytes that are not a modelled TLP at all throw a TlpError:
 *   a header cut short, a payload cut short, bytes after the end, a reserved or unmodelled
 *   (Fmt, Type) or prefix type, a reserved Completion Status (no value to show).
 * - decodeTlp, strict: anything analyzeTlp would report (a violation, an absent payload) throws,
 *   so decodeTlp(encodeTlp(x)) round-trips and nothing invalid gets in.
 *
 * Decoded TLPs carry tlpToJson (./tlp-json.ts) as a non-enumerable toJSON: JSON.stringify works.
 */
import type { Issue } from "../base/errors.js";
import { getField } from "./bits.js";
import { tlpToJson } from "./tlp-json.js";
import { decodeTphPrefix, stByteOf } from "./tlp-prefix.js";
import { validateTlp } from "./tlp-rules.js";
import {
  type CompletionTlp,
  CPL_STATUS,
  type CplStatus,
  type MemRequestTlp,
  TLP_ADDR_LO,
  TLP_CPL_DW1,
  TLP_CPL_DW2,
  TLP_DW0,
  TLP_FMT,
  TLP_REQ_DW1,
  type Tlp,
  TlpError,
  type TlpTypeRow,
  tlpError,
  tlpTypeOf,
} from "./tlp-types.js";

/** A rule the TLP breaks: a short rule name, where (a byte or a field), and what. */
export interface TlpViolation {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

/** What analyzeTlp found. */
export interface TlpAnalysis {
  /**
   * The fields as read. When `payload` is "absent", an MWr's or CplD's `data` is empty (Length
   * still says how much the TLP carried); when `digest` is "absent", `ecrc` is missing though TD = 1.
   */
  readonly tlp: Tlp;
  /** "none" for TLPs without data (MRd, Cpl). */
  readonly payload: "present" | "absent" | "none";
  /** "none" when TD = 0. */
  readonly digest: "present" | "absent" | "none";
  /** Every rule broken, in header order; empty for a valid TLP. */
  readonly violations: readonly TlpViolation[];
}

/** Rule names for the codes of ./tlp-rules.ts and of this decoder. */
const RULE_OF: Readonly<Record<string, string>> = {
  "4k": "4k-boundary",
  be: "byte-enables",
  form: "address-form",
  reserved: "reserved-bits",
  duplicate: "single-tph-prefix",
  tph: "tph",
  rule: "completion-status",
  range: "field-range",
};

/** Where a decode finding goes: thrown (strict) or collected (analyze). */
type Flag = (path: string, message: string, code: string) => void;

/** A cursor over the input that names absolute byte offsets in its errors. */
class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  dw(offset: number, what: string): number {
    if (offset + 4 > this.bytes.length) {
      throw tlpError(
        `byte ${offset}`,
        `TLP truncated: ${what} needs bytes ${offset}..${offset + 3}, have ${this.bytes.length}`,
        "truncated",
      );
    }
    return this.view.getUint32(offset);
  }
}

const bits = (v: number, width: number) => `${v.toString(2).padStart(width, "0")}b`;

/** Look up DW0's (Fmt, Type); unknown or unmodelled encodings are errors naming the byte. */
function rowAt(dw0: number, offset: number): TlpTypeRow {
  const fmt = getField(dw0, TLP_DW0.FMT);
  const type = getField(dw0, TLP_DW0.TYPE);
  const row = tlpTypeOf(fmt, type);
  const what = `Fmt ${bits(fmt, 3)}, Type ${bits(type, 5)}`;
  if (!row) throw tlpError(`byte ${offset}`, `reserved/unknown TLP encoding (${what})`, "unknown-type");
  if (!row.modelled)
    throw tlpError(`byte ${offset}`, `${row.name} TLP (${what}) is not modelled`, "unsupported");
  return row;
}

/** Fields of DW0 every TLP shares. */
function commonFields(dw0: number) {
  return {
    tc: getField(dw0, TLP_DW0.TC),
    attr: (getField(dw0, TLP_DW0.ATTR2) << 2) | getField(dw0, TLP_DW0.ATTR10),
    ln: getField(dw0, TLP_DW0.LN) === 1,
    ep: getField(dw0, TLP_DW0.EP) === 1,
  };
}

interface Tail {
  readonly data: Uint8Array;
  readonly ecrc?: number;
  readonly payload: TlpAnalysis["payload"];
  readonly digest: TlpAnalysis["digest"];
}

/**
 * Payload and digest after a header ending at `end`. The input ends after the header (both
 * absent), after the data (digest absent), or after everything; `lenient` allows the first two.
 */
function tail(r: Reader, end: number, dataDw: number, td: boolean, lenient: boolean): Tail {
  const have = r.bytes.length - end;
  const dataBytes = dataDw * 4;
  const need = dataBytes + (td ? 4 : 0);
  const none = { payload: dataDw > 0 ? "absent" : "none", digest: td ? "absent" : "none" } as const;
  if (lenient && have === 0) return { data: new Uint8Array(0), ...none };
  const data = r.bytes.slice(end, end + dataBytes);
  const payload = dataDw > 0 ? "present" : "none";
  if (lenient && td && have === dataBytes) return { data, payload, digest: "absent" };
  if (have < need) {
    const what = `${dataDw > 0 ? `${dataDw} DW of data` : ""}${dataDw > 0 && td ? " and " : ""}${td ? "the ECRC DW (TD = 1)" : ""}`;
    throw tlpError(
      `byte ${end}`,
      `TLP truncated: expected ${what} (${need} bytes), have ${have}`,
      "truncated",
    );
  }
  if (have > need) {
    throw tlpError(`byte ${end + need}`, `${have - need} bytes after the end of the TLP`, "trailing");
  }
  return td
    ? { data, ecrc: r.view.getUint32(end + need - 4), payload, digest: "present" }
    : { data, payload, digest: "none" };
}

function decodeMem(
  r: Reader,
  row: TlpTypeRow,
  at: number,
  stHigh: number | undefined,
  flag: Flag,
  lenient: boolean,
) {
  const dw0 = r.dw(at, "DW0");
  const dw1 = r.dw(at + 4, "DW1");
  const hi = row.addressBits === 64 ? r.dw(at + 8, "DW2") : 0;
  const lo = r.dw(at + (row.headerDw - 1) * 4, `DW${row.headerDw - 1}`);
  const kind = row.name as MemRequestTlp["kind"];
  const th = getField(dw0, TLP_DW0.TH) === 1;
  const tagHigh = (getField(dw0, TLP_DW0.T9) << 1) | getField(dw0, TLP_DW0.T8);
  const ph = getField(lo, TLP_ADDR_LO.PH);
  const posted = row.flow === "posted";
  if (posted && tagHigh !== 0) {
    const m = `T9/T8 (Tag[9:8]) are reserved in posted requests, found ${bits(tagHigh, 2)}`;
    flag(`byte ${at + 1}`, m, "reserved");
  }
  if (!th && ph !== 0) {
    const m = `bits 1:0 (PH) are reserved when TH = 0, found ${bits(ph, 2)}`;
    flag(`byte ${at + row.headerDw * 4 - 1}`, m, "reserved");
  }
  if (!th && stHigh !== undefined) flag(`byte ${at + 1}`, "TPH prefix present but TH = 0", "tph");
  const lengthDw = getField(dw0, TLP_DW0.LENGTH) || 1024;
  const stByte = th ? stByteOf(kind) : undefined;
  const tagLow = getField(dw1, TLP_REQ_DW1.TAG);
  const beByte = getField(dw1, TLP_REQ_DW1.BE);
  const stLow = stByte === "tag" ? tagLow : beByte;
  const end = at + row.headerDw * 4;
  const t = tail(r, end, row.hasData ? lengthDw : 0, getField(dw0, TLP_DW0.TD) === 1, lenient);
  const base = {
    ...commonFields(dw0),
    ...(t.ecrc !== undefined ? { ecrc: t.ecrc } : {}),
    addressBits: row.addressBits ?? 32,
    address: (BigInt(hi) << 32n) | BigInt((lo & TLP_ADDR_LO.ADDR) >>> 0),
    lengthDw,
    requesterId: getField(dw1, TLP_REQ_DW1.REQUESTER_ID),
    at: getField(dw0, TLP_DW0.AT),
    th,
    ...(th ? { ph, st: ((stHigh ?? 0) << 8) | stLow } : {}),
    ...(th && stHigh !== undefined ? { tphPrefix: true as const } : {}),
    // Tag[9:8] of a posted request were flagged above; the value keeps the 8 bits it may have.
    ...(stByte === "tag" ? {} : { tag: ((posted ? 0 : tagHigh) << 8) | tagLow }),
    ...(stByte === "be" ? {} : { firstBe: beByte & 0xf, lastBe: beByte >> 4 }),
  };
  const tlp: MemRequestTlp = kind === "MWr" ? { kind, ...base, data: t.data } : { kind, ...base };
  return { tlp, tail: t };
}

function completionStatus(dw1: number, at: number): CplStatus {
  const statusBits = getField(dw1, TLP_CPL_DW1.STATUS);
  const status = (Object.keys(CPL_STATUS) as CplStatus[]).find((k) => CPL_STATUS[k] === statusBits);
  if (!status)
    throw tlpError(`byte ${at + 6}`, `Completion Status ${bits(statusBits, 3)} is reserved`, "reserved");
  return status;
}

function decodeCpl(
  r: Reader,
  row: TlpTypeRow,
  at: number,
  stHigh: number | undefined,
  flag: Flag,
  lenient: boolean,
) {
  const dw0 = r.dw(at, "DW0");
  const dw1 = r.dw(at + 4, "DW1");
  const dw2 = r.dw(at + 8, "DW2");
  if (stHigh !== undefined)
    flag(`byte ${at}`, `TPH prefix on a ${row.name}: TPH is for memory requests`, "tph");
  if (getField(dw0, TLP_DW0.TH) !== 0)
    flag(`byte ${at + 1}`, "bit 0 (TH) is reserved in completions", "reserved");
  const atField = getField(dw0, TLP_DW0.AT);
  if (atField !== 0)
    flag(`byte ${at + 2}`, `bits 3:2 (AT) must be 00b in completions, found ${bits(atField, 2)}`, "reserved");
  const lengthField = getField(dw0, TLP_DW0.LENGTH);
  if (!row.hasData && lengthField !== 0)
    flag(`byte ${at + 3}`, `Length is reserved in a Cpl (no data), found ${lengthField}`, "reserved");
  const status = completionStatus(dw1, at);
  if (getField(dw2, TLP_CPL_DW2.RESERVED) !== 0)
    flag(`byte ${at + 11}`, "bit 7 (before Lower Address) is reserved", "reserved");
  const lengthDw = lengthField || 1024;
  const t = tail(r, at + 12, row.hasData ? lengthDw : 0, getField(dw0, TLP_DW0.TD) === 1, lenient);
  const tagHigh = (getField(dw0, TLP_DW0.T9) << 1) | getField(dw0, TLP_DW0.T8);
  const base = {
    ...commonFields(dw0),
    ...(t.ecrc !== undefined ? { ecrc: t.ecrc } : {}),
    completerId: getField(dw1, TLP_CPL_DW1.COMPLETER_ID),
    status,
    bcm: getField(dw1, TLP_CPL_DW1.BCM) === 1,
    byteCount: getField(dw1, TLP_CPL_DW1.BYTE_COUNT) || 4096,
    requesterId: getField(dw2, TLP_CPL_DW2.REQUESTER_ID),
    tag: (tagHigh << 8) | getField(dw2, TLP_CPL_DW2.TAG),
    lowerAddress: getField(dw2, TLP_CPL_DW2.LOWER_ADDRESS),
  };
  const tlp: CompletionTlp = row.hasData
    ? { kind: "CplD", ...base, lengthDw, data: t.data }
    : { kind: "Cpl", ...base };
  return { tlp, tail: t };
}

function decode(bytes: Uint8Array, flag: Flag, lenient: boolean): { tlp: Tlp; tail: Tail } {
  const r = new Reader(bytes);
  let at = 0;
  let stHigh: number | undefined;
  let dw0 = r.dw(0, "DW0");
  while (getField(dw0, TLP_DW0.FMT) === TLP_FMT.PREFIX) {
    const st = decodeTphPrefix(dw0, at, stHigh, flag);
    stHigh ??= st;
    at += 4;
    dw0 = r.dw(at, "the header after a prefix");
  }
  const row = rowAt(dw0, at);
  return row.flow === "completion"
    ? decodeCpl(r, row, at, stHigh, flag, lenient)
    : decodeMem(r, row, at, stHigh, flag, lenient);
}

/** Give the value the JSON form of ./tlp-json.ts (non-enumerable: equality is unaffected). */
function jsonSafe<T extends Tlp>(tlp: T): T {
  Object.defineProperty(tlp, "toJSON", { value: () => tlpToJson(tlp), enumerable: false });
  return tlp;
}

/**
 * Decode as a protocol analyzer does (see the module comment). Throws TlpError only for bytes that
 * are not a modelled TLP.
 */
export function analyzeTlp(bytes: Uint8Array): TlpAnalysis {
  const found: TlpViolation[] = [];
  const flag: Flag = (path, message, code) => found.push({ rule: RULE_OF[code] ?? code, path, message });
  const { tlp, tail: t } = decode(bytes, flag, true);
  const absentData = t.payload === "absent";
  for (const i of validateTlp(tlp)) {
    if (absentData && i.path === "data") continue; // no payload captured, nothing to compare
    found.push({ rule: RULE_OF[i.code] ?? i.code, path: i.path, message: i.message });
  }
  return {
    tlp: jsonSafe(tlp),
    payload: t.payload,
    digest: t.digest,
    violations: found,
  };
}

/**
 * Decode wire bytes (prefix first, big-endian) into a TLP value. Throws TlpError, and nothing
 * else, for anything that is not exactly one valid, complete, modelled TLP.
 */
export function decodeTlp(bytes: Uint8Array): Tlp {
  const strict: Flag = (path, message, code) => {
    throw tlpError(path, message, code);
  };
  const { tlp } = decode(bytes, strict, false);
  const issues: Issue[] = validateTlp(tlp);
  if (issues.length > 0) throw new TlpError(issues);
  return jsonSafe(tlp);
}
