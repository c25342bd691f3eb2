/**
 * How `tphlab tlp decode` shows a TLP as text: a few protocol-analyser lines (one per field
 * group). The JSON view is the library's tlpToJson (src/pcie/tlp-json.ts).
 */
import { hex } from "../../pcie/bits.js";
import type { TlpAnalysis } from "../../pcie/tlp-decode.js";
import { tlpToJson } from "../../pcie/tlp-json.js";
import { stByteOf } from "../../pcie/tlp-prefix.js";
import {
  AT_NAMES,
  type CompletionTlp,
  formatRid,
  type MemRequestTlp,
  PH_NAMES,
  type Tlp,
  tlpTransactionBytes,
} from "../../pcie/tlp-types.js";

const b = (v: boolean) => (v ? 1 : 0);
const bin = (v: number, width: number) => v.toString(2).padStart(width, "0");

/** Where ST sits, in words, for the TH line. */
function stWhere(t: MemRequestTlp): string {
  const low = stByteOf(t.kind) === "tag" ? "ST[7:0] in the Tag byte" : "ST[7:0] in the BE byte";
  return t.tphPrefix ? `16-bit: ST[15:8] in the TPH prefix, ${low}` : low;
}

function memLines(t: MemRequestTlp, td: boolean): string[] {
  const lines: string[] = [];
  if (t.tphPrefix) lines.push(`TPH prefix ST[15:8]=0x${hex((t.st ?? 0) >> 8, 2)}`);
  const tag = t.tag !== undefined ? ` tag=${t.tag}` : "";
  const be = t.firstBe !== undefined ? ` BE first=${bin(t.firstBe, 4)} last=${bin(t.lastBe ?? 0, 4)}` : "";
  lines.push(
    `${t.kind}${t.addressBits} len=${t.lengthDw} req=${formatRid(t.requesterId)}${tag} addr=0x${t.address.toString(16)}${be}`,
  );
  if (t.th) {
    const ph = t.ph ?? 0;
    const stDigits = t.tphPrefix ? 4 : 2;
    const implied =
      t.firstBe === undefined ? `; BE implied ${t.lengthDw === 1 ? "1111/0000" : "1111/1111"}` : "";
    lines.push(`TH=1 PH=${ph} (${PH_NAMES[ph]}) ST=0x${hex(t.st ?? 0, stDigits)} (${stWhere(t)}${implied})`);
  } else {
    lines.push("TH=0");
  }
  lines.push(`${flagLine(t, td)} AT=${bin(t.at, 2)} (${AT_NAMES[t.at] ?? "reserved"})`);
  return lines;
}

function cplLines(t: CompletionTlp, td: boolean): string[] {
  const len = t.kind === "CplD" ? ` len=${t.lengthDw}` : "";
  return [
    `${t.kind}${len} cpl=${formatRid(t.completerId)} req=${formatRid(t.requesterId)} tag=${t.tag} status=${t.status}`,
    `byteCount=${t.byteCount} lowerAddr=0x${hex(t.lowerAddress, 2)} BCM=${b(t.bcm)}`,
    flagLine(t, td),
  ];
}

function flagLine(t: Tlp, td: boolean): string {
  return `TC=${t.tc} Attr=${bin(t.attr, 3)} (IDO=${t.attr >> 2} RO=${(t.attr >> 1) & 1} NS=${t.attr & 1}) LN=${b(t.ln)} TD=${b(td)} EP=${b(t.ep)}`;
}

/** What the capture held beyond the fields (see TlpAnalysis); a complete TLP by default. */
export interface Captured {
  readonly payload?: TlpAnalysis["payload"];
  readonly digest?: TlpAnalysis["digest"];
}

function payloadLines(t: Tlp, c: Captured): string[] {
  if (t.kind !== "MWr" && t.kind !== "CplD") return [];
  if (c.payload === "absent")
    return [`data absent: header only (Length = ${t.lengthDw} DW, ${t.lengthDw * 4} B)`];
  const shown = Array.from(t.data.subarray(0, 16), (x) => hex(x, 2)).join(" ");
  const more = t.data.length > 16 ? ` ... (${t.data.length - 16} more)` : "";
  return [`data ${t.data.length} B: ${shown}${more}`];
}

/** Lines of the text view, ending with the transaction-layer size (as the TLP says, captured or not). */
export function describeTlp(t: Tlp, c: Captured = {}): string[] {
  const td = t.ecrc !== undefined || c.digest === "absent";
  const lines = t.kind === "MRd" || t.kind === "MWr" ? memLines(t, td) : cplLines(t, td);
  lines.push(...payloadLines(t, c));
  if (t.ecrc !== undefined) lines.push(`ECRC=0x${hex(t.ecrc, 8)} (carried, not checked)`);
  if (c.digest === "absent") lines.push("ECRC absent: TD = 1 but the capture ends before the digest");
  const addressBits = t.kind === "MRd" || t.kind === "MWr" ? t.addressBits : 32;
  const payload = t.kind === "MWr" || t.kind === "CplD" ? t.lengthDw * 4 : 0;
  const hasPrefix = (t.kind === "MRd" || t.kind === "MWr") && t.tphPrefix === true;
  const s = tlpTransactionBytes(t.kind, addressBits, payload, hasPrefix, td);
  const parts = [
    s.prefix ? `prefix ${s.prefix}` : "",
    `header ${s.header}`,
    s.payload ? `data ${s.payload}` : "",
    s.digest ? `ECRC ${s.digest}` : "",
  ];
  lines.push(
    `size ${parts.filter(Boolean).join(" + ")} = ${s.total} B (before framing, sequence number and LCRC)`,
  );
  return lines;
}

/** The text view of an analysis: the TLP, then one line per violation. */
export function describeAnalysis(a: TlpAnalysis): string[] {
  const lines = describeTlp(a.tlp, a);
  if (a.violations.length > 0) {
    lines.push(`violations (${a.violations.length}):`);
    for (const v of a.violations) lines.push(`  ${v.rule}: ${v.path}: ${v.message}`);
  }
  return lines;
}

/** The JSON view of an analysis: the TLP's fields, what is absent, and `violations`. */
export function analysisJson(a: TlpAnalysis): Record<string, unknown> {
  const { data, ...fields } = tlpToJson(a.tlp);
  return {
    ...fields,
    ...(a.payload === "absent" ? { payload: "absent" } : data !== undefined ? { data } : {}),
    ...(a.digest === "absent" ? { digest: "absent" } : {}),
    violations: a.violations.map((v) => ({ rule: v.rule, path: v.path, message: v.message })),
  };
}
