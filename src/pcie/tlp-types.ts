/**
 * TLP vocabulary for the non-flit (PCIe 1.x-5.x, and 6.x Non-Flit Mode) transaction layer:
 * the one table that classifies TLPs by (Fmt, Type), the field masks of the header DWs, the typed
 * in-memory TLP values, and sizes derived from the table. The codec is in ./tlp.ts (with an ASCII
 * picture of the header), TPH-specific rules in ./tlp-prefix.ts.
 *
 * Sources: PCIe Base Specification 6.x section 2.2 (Table 2-2 Fmt, Table 2-3 Fmt/Type encodings,
 * Table 2-37 Completion Status, Table 2-38/2-39 TLP prefix types), read for this module;
 * ../../shared/reference/pcie-tph.md section 3 for TPH.
 */
import { InputError, type Issue } from "../base/errors.js";
import { hex } from "./bits.js";

/** Fmt[2:0] (Table 2-2): bit 0 = 4 DW header, bit 1 = with data, 100b = TLP prefix. */
export const TLP_FMT = {
  DW3_NO_DATA: 0b000,
  DW4_NO_DATA: 0b001,
  DW3_DATA: 0b010,
  DW4_DATA: 0b011,
  PREFIX: 0b100,
} as const;

/** TLP kinds this codec encodes and decodes. */
export type TlpKind = "MRd" | "MWr" | "Cpl" | "CplD";
export type AddressBits = 32 | 64;
/** Flow-control / ordering class (section 2.4): what a Switch and the link model care about. */
export type TlpFlow = "posted" | "non-posted" | "completion" | "prefix";
/** Where ST[7:0] travels when TH = 1 (Table 2-19): the Tag byte (6) or the byte-enable byte (7). */
export type StByte = "tag" | "be";

/** One row of the classification table. */
export interface TlpTypeRow {
  /** Spec mnemonic (Table 2-3, 2-38, 2-39). For modelled rows it is the TlpKind, or "TPH". */
  readonly name: string;
  readonly fmt: number;
  readonly type: number;
  /** Type bits that identify the row: Msg/MsgD carry the routing sub-field in Type[2:0]. */
  readonly typeMask: number;
  /** True when this codec encodes/decodes it (MRd, MWr, Cpl, CplD and the TPH prefix). */
  readonly modelled: boolean;
  /** Header size in DW; 1 for a prefix. */
  readonly headerDw: 1 | 3 | 4;
  readonly hasData: boolean;
  readonly flow: TlpFlow;
  /** Address width for address-routed requests, null for ID-routed TLPs and prefixes. */
  readonly addressBits: AddressBits | null;
  /** Where ST[7:0] goes when TH = 1; null where TH is reserved (or, for unmodelled rows, not claimed). */
  readonly stByte: StByte | null;
}

const F = TLP_FMT;
type RowArgs = [name: string, fmt: number, type: number, flow: TlpFlow, addr: AddressBits | null];

/** Build a row; header size and data presence come from Fmt (Table 2-2), so they cannot disagree. */
function row(
  args: RowArgs,
  extra: { modelled?: boolean; stByte?: StByte; typeMask?: number } = {},
): TlpTypeRow {
  const [name, fmt, type, flow, addressBits] = args;
  const prefix = fmt === F.PREFIX;
  return {
    name,
    fmt,
    type,
    typeMask: extra.typeMask ?? 0x1f,
    modelled: extra.modelled ?? false,
    headerDw: prefix ? 1 : fmt & 1 ? 4 : 3,
    hasData: !prefix && (fmt & 2) !== 0,
    flow,
    addressBits,
    stByte: extra.stByte ?? null,
  };
}

const M = { modelled: true } as const;
const MSG = { typeMask: 0x18 } as const;

/**
 * THE table: every non-flit (Fmt, Type) pair of PCIe 6.x Table 2-3, plus the TLP prefix types of
 * Tables 2-38/2-39. Everything about a TLP's shape derives from here. stByte per Table 2-19 and
 * section 2.2.7.1 (MWr: Tag byte; MRd, AtomicOps, DMWr: byte-enable byte).
 */
export const TLP_TYPES: readonly TlpTypeRow[] = [
  row(["MRd", F.DW3_NO_DATA, 0b00000, "non-posted", 32], { ...M, stByte: "be" }),
  row(["MRd", F.DW4_NO_DATA, 0b00000, "non-posted", 64], { ...M, stByte: "be" }),
  row(["MRdLk", F.DW3_NO_DATA, 0b00001, "non-posted", 32]),
  row(["MRdLk", F.DW4_NO_DATA, 0b00001, "non-posted", 64]),
  row(["MWr", F.DW3_DATA, 0b00000, "posted", 32], { ...M, stByte: "tag" }),
  row(["MWr", F.DW4_DATA, 0b00000, "posted", 64], { ...M, stByte: "tag" }),
  row(["IORd", F.DW3_NO_DATA, 0b00010, "non-posted", 32]),
  row(["IOWr", F.DW3_DATA, 0b00010, "non-posted", 32]),
  row(["CfgRd0", F.DW3_NO_DATA, 0b00100, "non-posted", null]),
  row(["CfgWr0", F.DW3_DATA, 0b00100, "non-posted", null]),
  row(["CfgRd1", F.DW3_NO_DATA, 0b00101, "non-posted", null]),
  row(["CfgWr1", F.DW3_DATA, 0b00101, "non-posted", null]),
  row(["TCfgRd (deprecated)", F.DW3_NO_DATA, 0b11011, "non-posted", null]),
  row(["DMWr", F.DW3_DATA, 0b11011, "non-posted", 32], { stByte: "be" }),
  row(["DMWr", F.DW4_DATA, 0b11011, "non-posted", 64], { stByte: "be" }),
  row(["Msg", F.DW4_NO_DATA, 0b10000, "posted", null], MSG),
  row(["MsgD", F.DW4_DATA, 0b10000, "posted", null], MSG),
  row(["Cpl", F.DW3_NO_DATA, 0b01010, "completion", null], M),
  row(["CplD", F.DW3_DATA, 0b01010, "completion", null], M),
  row(["CplLk", F.DW3_NO_DATA, 0b01011, "completion", null]),
  row(["CplDLk", F.DW3_DATA, 0b01011, "completion", null]),
  row(["FetchAdd", F.DW3_DATA, 0b01100, "non-posted", 32], { stByte: "be" }),
  row(["FetchAdd", F.DW4_DATA, 0b01100, "non-posted", 64], { stByte: "be" }),
  row(["Swap", F.DW3_DATA, 0b01101, "non-posted", 32], { stByte: "be" }),
  row(["Swap", F.DW4_DATA, 0b01101, "non-posted", 64], { stByte: "be" }),
  row(["CAS", F.DW3_DATA, 0b01110, "non-posted", 32], { stByte: "be" }),
  row(["CAS", F.DW4_DATA, 0b01110, "non-posted", 64], { stByte: "be" }),
  // TLP prefixes, Fmt 100b: Type[4] = 0 local (Table 2-38), 1 end-to-end (Table 2-39).
  row(["MR-IOV prefix", F.PREFIX, 0b00000, "prefix", null]),
  row(["FlitModePrefix", F.PREFIX, 0b01101, "prefix", null]),
  row(["VendPrefixL0", F.PREFIX, 0b01110, "prefix", null]),
  row(["VendPrefixL1", F.PREFIX, 0b01111, "prefix", null]),
  row(["TPH", F.PREFIX, 0b10000, "prefix", null], M),
  row(["PASID prefix", F.PREFIX, 0b10001, "prefix", null]),
  row(["IDE prefix", F.PREFIX, 0b10010, "prefix", null]),
  row(["VendPrefixE0", F.PREFIX, 0b11110, "prefix", null]),
  row(["VendPrefixE1", F.PREFIX, 0b11111, "prefix", null]),
];

/** The row for a (Fmt, Type) pair, or undefined when the encoding is reserved. */
export function tlpTypeOf(fmt: number, type: number): TlpTypeRow | undefined {
  return TLP_TYPES.find((r) => r.fmt === fmt && (type & r.typeMask) === r.type);
}

/** The row a modelled TLP is encoded with (address width matters for MRd/MWr only). */
export function tlpRowFor(kind: TlpKind, addressBits?: AddressBits): TlpTypeRow {
  const r = TLP_TYPES.find(
    (t) => t.modelled && t.name === kind && (t.addressBits ?? 32) === (addressBits ?? 32),
  );
  if (!r) {
    const form = addressBits === undefined ? "" : ` with a ${addressBits}-bit address`;
    throw tlpError("kind", `no modelled ${kind}${form}`, "kind");
  }
  return r;
}

/** The TPH end-to-end prefix row (Fmt 100b, Type 1_0000b: byte 0 = 0x90). */
export const TPH_PREFIX_ROW: TlpTypeRow = TLP_TYPES.find((r) => r.name === "TPH")!;

/**
 * Header field masks on big-endian DWs (byte 0 of the DW = bits 31:24), used with getField/setField
 * from ./bits.ts. DW0 is common to every TLP (section 2.2.1.1).
 */
export const TLP_DW0 = {
  FMT: 0xe0000000,
  TYPE: 0x1f000000,
  T9: 0x00800000,
  TC: 0x00700000,
  T8: 0x00080000,
  ATTR2: 0x00040000,
  /** Lightweight Notification; PCIe 6.x made this bit Reserved ("formerly LN"). */
  LN: 0x00020000,
  TH: 0x00010000,
  TD: 0x00008000,
  EP: 0x00004000,
  ATTR10: 0x00003000,
  AT: 0x00000c00,
  LENGTH: 0x000003ff,
} as const;

/** DW1 of a memory request; when TH = 1 ST[7:0] replaces TAG (MWr) or LAST_BE|FIRST_BE (MRd). */
export const TLP_REQ_DW1 = {
  REQUESTER_ID: 0xffff0000,
  TAG: 0x0000ff00,
  BE: 0x000000ff,
  LAST_BE: 0x000000f0,
  FIRST_BE: 0x0000000f,
} as const;

/** The DW holding Address[31:2]: DW2 of a 3 DW header, DW3 of a 4 DW one. PH is bits 1:0. */
export const TLP_ADDR_LO = { ADDR: 0xfffffffc, PH: 0x00000003 } as const;

/** Completion DW1 and DW2 (section 2.2.9.1). */
export const TLP_CPL_DW1 = {
  COMPLETER_ID: 0xffff0000,
  STATUS: 0x0000e000,
  BCM: 0x00001000,
  BYTE_COUNT: 0x00000fff,
} as const;
export const TLP_CPL_DW2 = {
  REQUESTER_ID: 0xffff0000,
  TAG: 0x0000ff00,
  RESERVED: 0x00000080,
  LOWER_ADDRESS: 0x0000007f,
} as const;

/**
 * TPH TLP prefix (section 2.2.7.1.1, Table 2-16): byte 1 = ST[15:8]; bytes 2-3 reserved as far as
 * this model goes (PCIe 6.x puts AMA in byte 2 bits 7:5 and AV in bit 4; not modelled).
 */
export const TLP_TPH_PREFIX = {
  FMT: 0xe0000000,
  TYPE: 0x1f000000,
  ST_HIGH: 0x00ff0000,
  RESERVED: 0x0000ffff,
} as const;

/** Completion Status (Table 2-37). RRS was called CRS (Configuration Request Retry Status) before 6.0. */
export const CPL_STATUS = { SC: 0b000, UR: 0b001, RRS: 0b010, CA: 0b100 } as const;
export type CplStatus = keyof typeof CPL_STATUS;

/** Processing Hint names (Table 2-18). */
export const PH_NAMES = ["Bi-directional", "Requester", "Target", "Target with Priority"] as const;

/** Address Type (section 2.2.4.1): 11b is reserved. */
export const AT_NAMES = ["untranslated", "translation request", "translated"] as const;

/** TPH Requester Enable as the requester is configured (TPH Requester Control bits 9:8). */
export type RequesterEnable = "disabled" | "tph-only" | "ext-tph";

// ---------------------------------------------------------------------------------------------
// Typed TLP values. Fields that do not exist in a given TLP are absent (never undefined), so
// decodeTlp(encodeTlp(x)) deep-equals x for canonical x.

/** Header bits every modelled TLP carries. */
interface TlpCommon {
  /** Traffic Class, 0..7. */
  readonly tc: number;
  /** Attr[2:0]: bit 2 = IDO (byte 1 bit 2), bit 1 = RO, bit 0 = No Snoop (byte 2 bits 5:4). */
  readonly attr: number;
  readonly ln: boolean;
  readonly ep: boolean;
  /** The TLP Digest (ECRC) DW, present iff TD = 1. Carried as given: not computed or checked. */
  readonly ecrc?: number;
}

/** MRd and MWr. */
interface MemRequestCommon extends TlpCommon {
  readonly addressBits: AddressBits;
  /** Byte address, DW aligned (bits 1:0 of the address field hold PH). */
  readonly address: bigint;
  /** 1..1024 (wire 0 = 1024). */
  readonly lengthDw: number;
  readonly requesterId: number;
  /** Address Type, 0..2. */
  readonly at: number;
  readonly th: boolean;
  /** Processing Hint, 0..3; only with th. */
  readonly ph?: number;
  /** Steering Tag: 0..0xff, or 0..0xffff with tphPrefix; only with th. */
  readonly st?: number;
  /** True when the TPH prefix carries ST[15:8] (Extended TPH); absent otherwise. */
  readonly tphPrefix?: true;
  /** Tag[9:0] (MRd) or Tag[7:0] (MWr with TH = 0); absent when the Tag byte carries ST. */
  readonly tag?: number;
  /** Byte enables; absent for MRd with TH = 1 (that byte carries ST and they are implied). */
  readonly firstBe?: number;
  readonly lastBe?: number;
}
export interface MRdTlp extends MemRequestCommon {
  readonly kind: "MRd";
}
export interface MWrTlp extends MemRequestCommon {
  readonly kind: "MWr";
  /** Payload, exactly lengthDw * 4 bytes. */
  readonly data: Uint8Array;
}

/** Cpl and CplD (section 2.2.9.1). */
interface CplCommon extends TlpCommon {
  readonly completerId: number;
  readonly status: CplStatus;
  /** Byte Count Modified: set only by PCI-X completers. */
  readonly bcm: boolean;
  /** Remaining byte count, 1..4096 (wire 0 = 4096). */
  readonly byteCount: number;
  readonly requesterId: number;
  /** Tag[9:0]. */
  readonly tag: number;
  /** Lower Address[6:0]. */
  readonly lowerAddress: number;
}
export interface CplTlp extends CplCommon {
  readonly kind: "Cpl";
}
export interface CplDTlp extends CplCommon {
  readonly kind: "CplD";
  readonly lengthDw: number;
  readonly data: Uint8Array;
}

export type MemRequestTlp = MRdTlp | MWrTlp;
export type CompletionTlp = CplTlp | CplDTlp;
export type Tlp = MemRequestTlp | CompletionTlp;

/**
 * A TLP that breaks a rule (encode) or bytes that are not a valid TLP (decode). An InputError, so
 * the CLI prints one line per issue and exits 2; `path` is the field (`st`, `lengthDw`) or, for
 * decoding, the byte (`byte 11`).
 */
export class TlpError extends InputError {
  override name = "TlpError";
}

/** True for an integer in [min, max] (values may come from untyped callers). */
export function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** Shorthand for a single-issue TlpError. */
export function tlpError(path: string, message: string, code = "tlp"): TlpError {
  return new TlpError({ code, path, message } satisfies Issue);
}

// ---------------------------------------------------------------------------------------------
// Routing IDs.

/** Format a 16-bit Requester/Completer ID as bb:dd.f (non-ARI: bus 8, device 5, function 3 bits). */
export function formatRid(id: number): string {
  return `${hex(id >>> 8, 2)}:${hex((id >>> 3) & 0x1f, 2)}.${id & 7}`;
}

/** Parse bb:dd.f (hex bus and device, function 0..7) into a 16-bit ID; undefined if malformed. */
export function parseRid(text: string): number | undefined {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text.trim());
  if (!m) return undefined;
  const dev = Number.parseInt(m[2]!, 16);
  if (dev > 0x1f) return undefined;
  return (Number.parseInt(m[1]!, 16) << 8) | (dev << 3) | Number(m[3]);
}

// ---------------------------------------------------------------------------------------------
// Sizes for the link model and simulator.

/** Transaction-layer bytes of one TLP, by part. */
export interface TlpBytes {
  readonly prefix: number;
  readonly header: number;
  readonly payload: number;
  readonly digest: number;
  readonly total: number;
}

/**
 * Size of a TLP as the transaction layer hands it down: TPH prefix + header + payload (+ ECRC
 * digest). Framing (STP/END) and the sequence number + LCRC are added by the data link and
 * physical layers and are NOT included (see ./link.ts). The payload is rounded up to whole DWs,
 * as a TLP always carries DWs (section 2.2.1.1). Cheap: a table lookup and a few additions.
 */
export function tlpTransactionBytes(
  kind: TlpKind,
  addressBits: AddressBits,
  payloadBytes: number,
  hasPrefix: boolean,
  ecrc: boolean,
): TlpBytes {
  const r = tlpRowFor(kind, kind === "MRd" || kind === "MWr" ? addressBits : undefined);
  const max = r.hasData ? 4096 : 0;
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < (r.hasData ? 1 : 0) || payloadBytes > max) {
    throw tlpError(
      "payloadBytes",
      `${kind} carries ${r.hasData ? "1" : "0"}..${max} payload bytes, got ${payloadBytes}`,
    );
  }
  if (hasPrefix && r.flow === "completion")
    throw tlpError("hasPrefix", `${kind} never carries the TPH prefix`);
  const prefix = hasPrefix ? 4 : 0;
  const header = r.headerDw * 4;
  const payload = Math.ceil(payloadBytes / 4) * 4;
  const digest = ecrc ? 4 : 0;
  return { prefix, header, payload, digest, total: prefix + header + payload + digest };
}
