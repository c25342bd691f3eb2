/**
 * A TLP as plain JSON: every number a number, the address and ECRC as hex strings, data as one hex
 * string, Requester/Completer IDs as bb:dd.f. Fields exist only where the TLP has them (no `tag`
 * when the Tag byte carries ST, no `firstBe`/`lastBe` when the BE byte does, `ph`/`st` only with
 * TH). Decoded TLPs carry it as their toJSON, so JSON.stringify works on them (a bigint address
 * would throw otherwise).
 */
import { hex } from "./bits.js";
import { formatRid, type Tlp } from "./tlp-types.js";

const hexStr = (bytes: Uint8Array) => Array.from(bytes, (x) => hex(x, 2)).join("");

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
