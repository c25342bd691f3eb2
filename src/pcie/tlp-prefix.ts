/**
 * TPH in the TLP (non-flit mode): the TPH end-to-end prefix that carries ST[15:8], the rules tying
 * TH, PH and ST together, and the byte enables an MRd implies when its BE byte carries ST[7:0].
 *
 * Sources: PCIe Base 6.x section 2.2.7.1.1 (TPH Rules, Table 2-16 prefix bit mapping, Table 2-19
 * ST[7:0] location), section 2.2.5.1 (implied byte enables), section 2.2.10.4 (end-to-end prefixes);
 * ../../shared/reference/pcie-tph.md section 3 (TPH Requester Enable 01b must not send the prefix).
 */
import type { Issue } from "../base/errors.js";
import { getField, hex, setField } from "./bits.js";
import {
  isIntIn,
  type MemRequestTlp,
  type RequesterEnable,
  TLP_FMT,
  TLP_TPH_PREFIX,
  TLP_TYPES,
  TPH_PREFIX_ROW,
  tlpError,
  tlpTypeOf,
} from "./tlp-types.js";

/** Byte 0 of the TPH prefix: Fmt 100b, Type 1_0000b = 0x90 (derived from the table). */
export const TPH_PREFIX_BYTE0 = (TPH_PREFIX_ROW.fmt << 5) | TPH_PREFIX_ROW.type;

/** The prefix DW carrying ST[15:8]. */
export function encodeTphPrefix(stHigh: number): number {
  let dw = setField(0, TLP_TPH_PREFIX.FMT, TPH_PREFIX_ROW.fmt);
  dw = setField(dw, TLP_TPH_PREFIX.TYPE, TPH_PREFIX_ROW.type);
  return setField(dw, TLP_TPH_PREFIX.ST_HIGH, stHigh);
}

/**
 * Decode one prefix DW found at byte `offset` (its Fmt is 100b). Returns ST[15:8] for the TPH
 * prefix; any other prefix type is an error: the model carries no PASID/vendor/IDE prefixes. A
 * second TPH prefix or set reserved bits (AMA/AV are not modelled, PCIe 6.x byte 2 bits 7:4) break
 * a rule: reported through `flag` when given (the decoder goes on), else thrown.
 */
export function decodeTphPrefix(
  dw: number,
  offset: number,
  seenStHigh: number | undefined,
  flag: (path: string, message: string, code: string) => void = (path, message, code) => {
    throw tlpError(path, message, code);
  },
): number {
  const type = getField(dw, TLP_TPH_PREFIX.TYPE);
  const row = tlpTypeOf(TLP_FMT.PREFIX, type);
  const typeBits = type.toString(2).padStart(5, "0");
  if (!row)
    throw tlpError(`byte ${offset}`, `reserved TLP prefix type ${typeBits}b (Fmt 100b)`, "unknown-type");
  if (row !== TPH_PREFIX_ROW) {
    throw tlpError(
      `byte ${offset}`,
      `${row.name} (Fmt 100b, Type ${typeBits}b) is not modelled`,
      "unsupported",
    );
  }
  if (seenStHigh !== undefined) flag(`byte ${offset}`, "second TPH prefix in one TLP", "duplicate");
  const reserved = getField(dw, TLP_TPH_PREFIX.RESERVED);
  if (reserved !== 0) {
    flag(
      `byte ${offset + 2}`,
      `TPH prefix bytes 2-3 are reserved in this model (AMA/AV not modelled), found 0x${hex(reserved, 4)}`,
      "reserved",
    );
  }
  return getField(dw, TLP_TPH_PREFIX.ST_HIGH);
}

/**
 * Byte enables implied for an MRd with TH = 1, whose BE byte carries ST[7:0] (section 2.2.5.1):
 * 1 DW: First 1111b, Last 0000b; more: 1111b and 1111b.
 */
export function impliedByteEnables(lengthDw: number): { firstBe: number; lastBe: number } {
  return { firstBe: 0b1111, lastBe: lengthDw === 1 ? 0b0000 : 0b1111 };
}

/** Where ST[7:0] travels for this kind when TH = 1 (Table 2-19), from the table. */
export function stByteOf(kind: MemRequestTlp["kind"]): "tag" | "be" {
  return TLP_TYPES.find((r) => r.modelled && r.name === kind)?.stByte ?? "be";
}

const WITHOUT_TH = {
  ph: "PH is only sent with TH = 1 (address bits 1:0 are reserved otherwise)",
  st: "ST is only sent with TH = 1",
  tphPrefix: "the TPH prefix carries ST[15:8], which needs TH = 1 (AMA/AV not modelled)",
} as const;

/**
 * TH / PH / ST / prefix rules for a memory request:
 * - PH, ST and the prefix exist only with TH = 1 (section 2.2.7.1.1: with TH clear PH is reserved);
 * - PH is 2 bits; ST is 8 bits, or 16 bits with the TPH prefix (ST[15:8] has no room in the header);
 * - a requester whose TPH Requester Enable is 00b sends no TPH, 01b sends no prefix.
 */
export function checkTph(t: MemRequestTlp, requesterEnable: RequesterEnable, out: Issue[]): void {
  const add = (path: string, message: string, code = "tph") => out.push({ code, path, message });
  if (t.th !== true && t.th !== false) add("th", "must be true or false");
  if (!t.th) {
    for (const f of ["ph", "st", "tphPrefix"] as const) {
      if (t[f] !== undefined) add(f, `given without TH: ${WITHOUT_TH[f]}`);
    }
    return;
  }
  if (requesterEnable === "disabled")
    add("th", "TPH Requester Enable is 00b: the requester must not send TPH");
  if (!isIntIn(t.ph, 0, 3))
    add(
      "ph",
      t.ph === undefined
        ? "is required when TH = 1"
        : `must be an integer 0..3 when TH = 1, found ${String(t.ph)}`,
      "range",
    );
  if (!isIntIn(t.st, 0, 0xffff)) {
    add(
      "st",
      t.st === undefined
        ? "is required when TH = 1"
        : `must be an integer 0..0xffff when TH = 1, found ${String(t.st)}`,
      "range",
    );
  } else if (t.st > 0xff && t.tphPrefix !== true) {
    add("st", `0x${hex(t.st, 4)} needs 16 bits: only the TPH prefix (Extended TPH) carries ST[15:8]`);
  }
  if (t.tphPrefix !== undefined && t.tphPrefix !== true) add("tphPrefix", "must be true or absent");
  if (t.tphPrefix === true && requesterEnable === "tph-only") {
    add("tphPrefix", "TPH Requester Enable 01b (TPH only): the requester must not send the TPH prefix");
  }
}
