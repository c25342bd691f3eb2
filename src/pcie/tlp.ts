/**
 * TLP codec (non-flit mode): typed TLP values <-> bytes in wire order (big-endian, prefix first).
 * Classification comes from the one table in ./tlp-types.ts; rules from ./tlp-rules.ts and
 * ./tlp-prefix.ts. Framing, sequence number and LCRC belong to the data link layer: not here.
 *
 * Layout (PCIe Base 6.x sections 2.2.1.1, 2.2.4.1, 2.2.7.1.1, 2.2.9.1; bit 7 = MSB of each byte):
 *
 *             byte +0         byte +1         byte +2         byte +3
 *         |7 6 5 4 3 2 1 0|7 6 5 4 3 2 1 0|7 6 5 4 3 2 1 0|7 6 5 4 3 2 1 0|
 *         +-----+---------+---------------+---------------+---------------+
 *  prefix |1 0 0|1 0 0 0 0|   ST[15:8]    |   reserved    |   reserved    |  TPH prefix, 0x90
 *         +-----+---------+-+-----+-+-+-+-+-+-+---+---+---+---------------+
 *  DW0    | Fmt |  Type   |9| TC  |8|A|L|T|T|E|Att|AT |Len|  Length[7:0]  |  9, 8 = Tag[9], Tag[8]
 *         |     |         | |     | |2|N|H|D|P|1:0|   |9:8|               |  A2 = Attr[2] (IDO)
 *         +-----+---------+-+-----+-+-+-+-+-+-+---+---+---+---------------+
 *  memory request (MRd, MWr)
 *  DW1    |         Requester ID          |   Tag[7:0]    |LastBE |FirstBE|
 *         |                               |MWr TH=1: ST7:0|MRd TH=1: ST7:0|
 *  DW2    | 3 DW header: Address[31:2]                                |PH |  PH only when TH=1, else 00b
 *         | 4 DW header: Address[63:32]                                   |
 *  DW3    | 4 DW header: Address[31:2]                                |PH |
 *  completion (Cpl, CplD)
 *  DW1    |         Completer ID          |Sts  |B|   Byte Count[11:0]    |  B = BCM
 *  DW2    |         Requester ID          |   Tag[7:0]    |R|Lower Addr   |  R = reserved
 *         +-------------------------------+---------------+---------------+
 *  then Length DW of data (MWr, CplD), then the ECRC DW when TD = 1.
 *
 * Decoding is in ./tlp-decode.ts: decodeTlp is strict (bytes that do not map onto a valid TLP value
 * are TlpErrors naming the byte or field); analyzeTlp decodes as a protocol analyzer does, listing
 * the rules a TLP breaks and accepting a header without its payload. A real receiver ignores
 * reserved bits (section 2.3); the model flags them because it cannot represent them.
 */
import { hex, setField } from "./bits.js";
import { encodeTphPrefix, stByteOf } from "./tlp-prefix.js";
import { type EncodeOptions, validateTlp } from "./tlp-rules.js";
import {
  type CompletionTlp,
  CPL_STATUS,
  type MemRequestTlp,
  TLP_ADDR_LO,
  TLP_CPL_DW1,
  TLP_CPL_DW2,
  TLP_DW0,
  TLP_REQ_DW1,
  type Tlp,
  TlpError,
  type TlpTypeRow,
  tlpRowFor,
} from "./tlp-types.js";

export type { EncodeOptions } from "./tlp-rules.js";

// ---------------------------------------------------------------------------------------------
// Encode.

/** DW0 from the row and the common fields. `tag` supplies T9/T8 (absent: 0). */
function encodeDw0(
  row: TlpTypeRow,
  t: Tlp,
  f: { tag: number; th: boolean; at: number; lengthDw: number },
): number {
  let v = setField(0, TLP_DW0.FMT, row.fmt);
  v = setField(v, TLP_DW0.TYPE, row.type);
  v = setField(v, TLP_DW0.T9, f.tag >> 9);
  v = setField(v, TLP_DW0.TC, t.tc);
  v = setField(v, TLP_DW0.T8, f.tag >> 8);
  v = setField(v, TLP_DW0.ATTR2, t.attr >> 2);
  v = setField(v, TLP_DW0.LN, t.ln ? 1 : 0);
  v = setField(v, TLP_DW0.TH, f.th ? 1 : 0);
  v = setField(v, TLP_DW0.TD, t.ecrc !== undefined ? 1 : 0);
  v = setField(v, TLP_DW0.EP, t.ep ? 1 : 0);
  v = setField(v, TLP_DW0.ATTR10, t.attr);
  v = setField(v, TLP_DW0.AT, f.at);
  return setField(v, TLP_DW0.LENGTH, f.lengthDw); // 1024 wraps to 0, as the spec encodes it
}

function encodeMemHeader(t: MemRequestTlp): number[] {
  const row = tlpRowFor(t.kind, t.addressBits);
  const st = t.th ? (t.st ?? 0) : 0;
  const stByte = t.th ? stByteOf(t.kind) : undefined;
  const tag = stByte === "tag" ? 0 : (t.tag ?? 0);
  const dws: number[] = [];
  if (t.tphPrefix) dws.push(encodeTphPrefix(st >> 8));
  dws.push(encodeDw0(row, t, { tag, th: t.th, at: t.at, lengthDw: t.lengthDw }));
  let dw1 = setField(0, TLP_REQ_DW1.REQUESTER_ID, t.requesterId);
  dw1 = setField(dw1, TLP_REQ_DW1.TAG, stByte === "tag" ? st : tag);
  const be = ((t.lastBe ?? 0) << 4) | (t.firstBe ?? 0);
  dws.push(setField(dw1, TLP_REQ_DW1.BE, stByte === "be" ? st : be));
  const lo = setField(Number(t.address & 0xfffffffcn), TLP_ADDR_LO.PH, t.th ? (t.ph ?? 0) : 0);
  if (t.addressBits === 64) dws.push(Number(t.address >> 32n));
  dws.push(lo);
  return dws;
}

function encodeCplHeader(t: CompletionTlp): number[] {
  const row = tlpRowFor(t.kind);
  const lengthDw = t.kind === "CplD" ? t.lengthDw : 0; // Length is reserved in a Cpl
  const dw0 = encodeDw0(row, t, { tag: t.tag, th: false, at: 0, lengthDw });
  let dw1 = setField(0, TLP_CPL_DW1.COMPLETER_ID, t.completerId);
  dw1 = setField(dw1, TLP_CPL_DW1.STATUS, CPL_STATUS[t.status]);
  dw1 = setField(dw1, TLP_CPL_DW1.BCM, t.bcm ? 1 : 0);
  dw1 = setField(dw1, TLP_CPL_DW1.BYTE_COUNT, t.byteCount); // 4096 wraps to 0
  let dw2 = setField(0, TLP_CPL_DW2.REQUESTER_ID, t.requesterId);
  dw2 = setField(dw2, TLP_CPL_DW2.TAG, t.tag);
  dw2 = setField(dw2, TLP_CPL_DW2.LOWER_ADDRESS, t.lowerAddress);
  return [dw0, dw1, dw2];
}

/**
 * Encode a TLP into wire bytes: [TPH prefix] header [data] [ECRC]. Throws TlpError listing every
 * rule the value breaks (see ./tlp-rules.ts).
 */
export function encodeTlp(tlp: Tlp, opts: EncodeOptions = {}): Uint8Array {
  const issues = validateTlp(tlp, opts);
  if (issues.length > 0) throw new TlpError(issues);
  const dws = tlp.kind === "MRd" || tlp.kind === "MWr" ? encodeMemHeader(tlp) : encodeCplHeader(tlp);
  const data = tlp.kind === "MWr" || tlp.kind === "CplD" ? tlp.data : new Uint8Array(0);
  const out = new Uint8Array(dws.length * 4 + data.length + (tlp.ecrc !== undefined ? 4 : 0));
  const view = new DataView(out.buffer);
  for (const [i, dw] of dws.entries()) view.setUint32(i * 4, dw);
  out.set(data, dws.length * 4);
  if (tlp.ecrc !== undefined) view.setUint32(out.length - 4, tlp.ecrc);
  return out;
}

/** Bytes as spaced lowercase hex ("60 00 00 10 ..."), the CLI's and tests' notation. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => hex(b, 2)).join(" ");
}

export { analyzeTlp, decodeTlp, type TlpAnalysis, type TlpViolation } from "./tlp-decode.js";
