/**
 * How `tphlab tlp decode` shows a TLP: a few protocol-analyser lines (one per field group) or a
 * JSON object whose fields exist only where the TLP has them (no `tag` when the Tag byte carries
 * ST, no `firstBe`/`lastBe` when the BE byte does, `ph`/`st` only with TH).
 */
import { hex } from "../../pcie/bits.js";
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
const hexStr = (bytes: Uint8Array) => Array.from(bytes, (x) => hex(x, 2)).join("");

/** Where ST sits, in words, for the TH line. */
function stWhere(t: MemRequestTlp): string {
  const low = stByteOf(t.kind) === "tag" ? "ST[7:0] in the Tag byte" : "ST[7:0] in the BE byte";
  return t.tphPrefix ? `16-bit: ST[15:8] in the TPH prefix, ${low}` : low;
}

function memLines(t: MemRequestTlp): string[] {
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
  lines.push(`${flagLine(t)} AT=${bin(t.at, 2)} (${AT_NAMES[t.at] ?? "reserved"})`);
  return lines;
}

function cplLines(t: CompletionTlp): string[] {
  const len = t.kind === "CplD" ? ` len=${t.lengthDw}` : "";
  return [
    `${t.kind}${len} cpl=${formatRid(t.completerId)} req=${formatRid(t.requesterId)} tag=${t.tag} status=${t.status}`,
    `byteCount=${t.byteCount} lowerAddr=0x${hex(t.lowerAddress, 2)} BCM=${b(t.bcm)}`,
    flagLine(t),
  ];
}

function flagLine(t: Tlp): string {
  return `TC=${t.tc} Attr=${bin(t.attr, 3)} (IDO=${t.attr >> 2} RO=${(t.attr >> 1) & 1} NS=${t.attr & 1}) LN=${b(t.ln)} TD=${b(t.ecrc !== undefined)} EP=${b(t.ep)}`;
}

/** Lines of the text view, ending with the transaction-layer size. */
export function describeTlp(t: Tlp): string[] {
  const lines = t.kind === "MRd" || t.kind === "MWr" ? memLines(t) : cplLines(t);
  if (t.kind === "MWr" || t.kind === "CplD") {
    const shown = Array.from(t.data.subarray(0, 16), (x) => hex(x, 2)).join(" ");
    const more = t.data.length > 16 ? ` ... (${t.data.length - 16} more)` : "";
    lines.push(`data ${t.data.length} B: ${shown}${more}`);
  }
  if (t.ecrc !== undefined) lines.push(`ECRC=0x${hex(t.ecrc, 8)} (carried, not checked)`);
  const addressBits = t.kind === "MRd" || t.kind === "MWr" ? t.addressBits : 32;
  const payload = t.kind === "MWr" || t.kind === "CplD" ? t.data.length : 0;
  const hasPrefix = (t.kind === "MRd" || t.kind === "MWr") && t.tphPrefix === true;
  const s = tlpTransactionBytes(t.kind, addressBits, payload, hasPrefix, t.ecrc !== undefined);
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

/** The JSON view (see the module comment for which fields appear when). */
export function tlpToJson(t: Tlp): Record<string, unknown> {
  const common = { tc: t.tc, attr: t.attr, ln: t.ln, td: t.ecrc !== undefined, ep: t.ep };
  const tail = {
    ...(t.ecrc !== undefined ? { ecrc: `0x${hex(t.ecrc, 8)}` } : {}),
    ...(t.kind === "MWr" || t.kind === "CplD" ? { data: hexStr(t.data) } : {}),
  };
  if (t.kind === "Cpl" || t.kind === "CplD") {
    return {
      kind: t.kind,
      ...(t.kind === "CplD" ? { lengthDw: t.lengthDw } : {}),
      completerId: formatRid(t.completerId),
      requesterId: formatRid(t.requesterId),
      tag: t.tag,
      status: t.status,
      bcm: t.bcm,
      byteCount: t.byteCount,
      lowerAddress: t.lowerAddress,
      ...common,
      ...tail,
    };
  }
  return {
    kind: t.kind,
    addressBits: t.addressBits,
    address: `0x${t.address.toString(16)}`,
    lengthDw: t.lengthDw,
    requesterId: formatRid(t.requesterId),
    tc: t.tc,
    th: t.th,
    ...(t.th ? { ph: t.ph, st: t.st } : {}),
    ...(t.tag !== undefined ? { tag: t.tag } : {}),
    ...(t.firstBe !== undefined ? { firstBe: t.firstBe, lastBe: t.lastBe } : {}),
    ...(t.tphPrefix ? { prefix: "TPH" } : {}),
    attr: t.attr,
    ln: t.ln,
    td: t.ecrc !== undefined,
    ep: t.ep,
    at: t.at,
    ...tail,
  };
}
