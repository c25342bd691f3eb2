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
 * decodeTlp is strict: bytes that do not map onto a valid TLP value (reserved bits set, rules
 * broken) are TlpErrors naming the byte or field. A real receiver ignores reserved bits (section
 * 2.3); the model flags them because it cannot represent them and must re-encode byte-exactly.
 */
import { getField, hex, setField } from "./bits.js";
import { decodeTphPrefix, encodeTphPrefix, stByteOf } from "./tlp-prefix.js";
import { type EncodeOptions, validateTlp } from "./tlp-rules.js";
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
  tlpRowFor,
  tlpTypeOf,
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

// ---------------------------------------------------------------------------------------------
// Decode.

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

/** Payload and digest after a header ending at `end`; the input must end exactly after them. */
function tail(r: Reader, end: number, dataDw: number, td: boolean): { data: Uint8Array; ecrc?: number } {
  const need = end + dataDw * 4 + (td ? 4 : 0);
  if (r.bytes.length < need) {
    const what = `${dataDw > 0 ? `${dataDw} DW of data` : ""}${dataDw > 0 && td ? " and " : ""}${td ? "the ECRC DW (TD = 1)" : ""}`;
    throw tlpError(
      `byte ${end}`,
      `TLP truncated: expected ${what} (${need - end} bytes), have ${r.bytes.length - end}`,
      "truncated",
    );
  }
  if (r.bytes.length > need) {
    throw tlpError(`byte ${need}`, `${r.bytes.length - need} bytes after the end of the TLP`, "trailing");
  }
  const data = r.bytes.slice(end, end + dataDw * 4);
  return td ? { data, ecrc: r.view.getUint32(need - 4) } : { data };
}

function decodeMem(r: Reader, row: TlpTypeRow, at: number, stHigh: number | undefined): MemRequestTlp {
  const dw0 = r.dw(at, "DW0");
  const dw1 = r.dw(at + 4, "DW1");
  const hi = row.addressBits === 64 ? r.dw(at + 8, "DW2") : 0;
  const lo = r.dw(at + (row.headerDw - 1) * 4, `DW${row.headerDw - 1}`);
  const kind = row.name as MemRequestTlp["kind"];
  const th = getField(dw0, TLP_DW0.TH) === 1;
  const tagHigh = (getField(dw0, TLP_DW0.T9) << 1) | getField(dw0, TLP_DW0.T8);
  const ph = getField(lo, TLP_ADDR_LO.PH);
  if (row.flow === "posted" && tagHigh !== 0) {
    throw tlpError(
      `byte ${at + 1}`,
      `T9/T8 (Tag[9:8]) are reserved in posted requests, found ${bits(tagHigh, 2)}`,
      "reserved",
    );
  }
  if (!th && ph !== 0) {
    throw tlpError(
      `byte ${at + row.headerDw * 4 - 1}`,
      `bits 1:0 (PH) are reserved when TH = 0, found ${bits(ph, 2)}`,
      "reserved",
    );
  }
  if (!th && stHigh !== undefined) throw tlpError(`byte ${at + 1}`, "TPH prefix present but TH = 0", "tph");
  const lengthDw = getField(dw0, TLP_DW0.LENGTH) || 1024;
  const stByte = th ? stByteOf(kind) : undefined;
  const tagLow = getField(dw1, TLP_REQ_DW1.TAG);
  const beByte = getField(dw1, TLP_REQ_DW1.BE);
  const stLow = stByte === "tag" ? tagLow : beByte;
  const { data, ecrc } = tail(
    r,
    at + row.headerDw * 4,
    row.hasData ? lengthDw : 0,
    getField(dw0, TLP_DW0.TD) === 1,
  );
  const base = {
    ...commonFields(dw0),
    ...(ecrc !== undefined ? { ecrc } : {}),
    addressBits: row.addressBits ?? 32,
    address: (BigInt(hi) << 32n) | BigInt((lo & TLP_ADDR_LO.ADDR) >>> 0),
    lengthDw,
    requesterId: getField(dw1, TLP_REQ_DW1.REQUESTER_ID),
    at: getField(dw0, TLP_DW0.AT),
    th,
    ...(th ? { ph, st: ((stHigh ?? 0) << 8) | stLow } : {}),
    ...(stHigh !== undefined ? { tphPrefix: true as const } : {}),
    ...(stByte === "tag" ? {} : { tag: (tagHigh << 8) | tagLow }),
    ...(stByte === "be" ? {} : { firstBe: beByte & 0xf, lastBe: beByte >> 4 }),
  };
  return kind === "MWr" ? { kind, ...base, data } : { kind, ...base };
}

function decodeCpl(r: Reader, row: TlpTypeRow, at: number, stHigh: number | undefined): CompletionTlp {
  const dw0 = r.dw(at, "DW0");
  const dw1 = r.dw(at + 4, "DW1");
  const dw2 = r.dw(at + 8, "DW2");
  if (stHigh !== undefined)
    throw tlpError(`byte ${at}`, `TPH prefix on a ${row.name}: TPH is for memory requests`, "tph");
  if (getField(dw0, TLP_DW0.TH) !== 0)
    throw tlpError(`byte ${at + 1}`, "bit 0 (TH) is reserved in completions", "reserved");
  const atField = getField(dw0, TLP_DW0.AT);
  if (atField !== 0)
    throw tlpError(
      `byte ${at + 2}`,
      `bits 3:2 (AT) must be 00b in completions, found ${bits(atField, 2)}`,
      "reserved",
    );
  const lengthField = getField(dw0, TLP_DW0.LENGTH);
  if (!row.hasData && lengthField !== 0) {
    throw tlpError(
      `byte ${at + 3}`,
      `Length is reserved in a Cpl (no data), found ${lengthField}`,
      "reserved",
    );
  }
  const statusBits = getField(dw1, TLP_CPL_DW1.STATUS);
  const status = (Object.keys(CPL_STATUS) as CplStatus[]).find((k) => CPL_STATUS[k] === statusBits);
  if (!status)
    throw tlpError(`byte ${at + 6}`, `Completion Status ${bits(statusBits, 3)} is reserved`, "reserved");
  if (getField(dw2, TLP_CPL_DW2.RESERVED) !== 0)
    throw tlpError(`byte ${at + 11}`, "bit 7 (before Lower Address) is reserved", "reserved");
  const lengthDw = lengthField || 1024;
  const { data, ecrc } = tail(r, at + 12, row.hasData ? lengthDw : 0, getField(dw0, TLP_DW0.TD) === 1);
  const tagHigh = (getField(dw0, TLP_DW0.T9) << 1) | getField(dw0, TLP_DW0.T8);
  const base = {
    ...commonFields(dw0),
    ...(ecrc !== undefined ? { ecrc } : {}),
    completerId: getField(dw1, TLP_CPL_DW1.COMPLETER_ID),
    status,
    bcm: getField(dw1, TLP_CPL_DW1.BCM) === 1,
    byteCount: getField(dw1, TLP_CPL_DW1.BYTE_COUNT) || 4096,
    requesterId: getField(dw2, TLP_CPL_DW2.REQUESTER_ID),
    tag: (tagHigh << 8) | getField(dw2, TLP_CPL_DW2.TAG),
    lowerAddress: getField(dw2, TLP_CPL_DW2.LOWER_ADDRESS),
  };
  return row.hasData ? { kind: "CplD", ...base, lengthDw, data } : { kind: "Cpl", ...base };
}

/**
 * Decode wire bytes (prefix first, big-endian) into a TLP value. Throws TlpError, and nothing
 * else, for anything that is not exactly one valid modelled TLP.
 */
export function decodeTlp(bytes: Uint8Array): Tlp {
  const r = new Reader(bytes);
  let at = 0;
  let stHigh: number | undefined;
  let dw0 = r.dw(0, "DW0");
  while (getField(dw0, TLP_DW0.FMT) === TLP_FMT.PREFIX) {
    stHigh = decodeTphPrefix(dw0, at, stHigh);
    at += 4;
    dw0 = r.dw(at, "the header after a prefix");
  }
  const row = rowAt(dw0, at);
  const tlp = row.flow === "completion" ? decodeCpl(r, row, at, stHigh) : decodeMem(r, row, at, stHigh);
  const issues = validateTlp(tlp);
  if (issues.length > 0) throw new TlpError(issues);
  return tlp;
}

/** Bytes as spaced lowercase hex ("60 00 00 10 ..."), the CLI's and tests' notation. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => hex(b, 2)).join(" ");
}
