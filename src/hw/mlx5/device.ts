/**
 * An mlx5 (ConnectX) NIC as the kernel sees it: a PCI function plus firmware with capabilities
 * and a memory-key (mkey) table that only firmware commands and UMR work requests change.
 *
 * The data path (a later layer) reads `mkeys` to translate an access and `tlpHints()` to know
 * what TH/PH/ST the NIC stamps on the TLPs it sends for an mkey: the mkey's 8-bit ST index is a
 * tag itself when the function has no ST table (direct mode) and an index into the TPH
 * capability's ST table otherwise (linux-tph-stack.md section 2; pcie-tph.md section 1).
 */
import { ModelError } from "../../base/errors.js";
import { getField } from "../../pcie/bits.js";
import { TPH } from "../../pcie/registers.js";
import type { PciFunction } from "../pci-function.js";
import type { PciFunctionDesc, TphRequesterDesc } from "../pci-function-desc.js";
import {
  MKC,
  MKC_BYTES,
  type MkcFieldName,
  MLX5_CMD_OP,
  MLX5_CMD_STAT,
  type Mlx5CmdStatus,
  mkeyFromIndex,
  mlx5Get,
  mlx5GetBig,
} from "./ifc.js";

/** A DMA address range an mkey translates to (bus addresses: host memory or a peer's BAR). */
export interface DmaSegment {
  readonly addr: bigint;
  readonly len: bigint;
}

/** Firmware capabilities the driver reads (MLX5_CAP_GEN). */
export interface Mlx5Caps {
  /** `mkey_pcie_tph`: the mkey context's TPH fields are honoured. */
  readonly mkeyPcieTph: boolean;
  /** `log_max_mkey`: the mkey table holds 2^n entries (index 0 is never handed out). */
  readonly logMaxMkey: number;
  /** `umr_extended_translation_offset`: UMR can load translations of 2^16 pages and more (default true). */
  readonly umrExtendedTranslationOffset?: boolean;
  /** `umr_modify_entity_size_disabled`: UMR cannot load PAS lists at all (default false). */
  readonly umrModifyEntitySizeDisabled?: boolean;
}

export const DEFAULT_MLX5_CAPS: Mlx5Caps = { mkeyPcieTph: true, logMaxMkey: 10 };

/** An mkey context decoded from its bytes (what the hardware acts on). */
export interface MkcFields {
  readonly free: boolean;
  readonly pd: number;
  readonly start: bigint;
  readonly len: bigint;
  readonly access: {
    readonly lr: boolean;
    readonly lw: boolean;
    readonly rr: boolean;
    readonly rw: boolean;
    readonly a: boolean;
  };
  readonly accessMode: number;
  readonly tphEn: boolean;
  /** 2-bit Processing Hint. */
  readonly tphPh: number;
  /** 8-bit ST index (a tag in direct mode, a table index otherwise). */
  readonly tphStIndex: number;
}

/** One entry of the mkey table. */
export interface Mkey {
  readonly index: number;
  /** The 32-bit key (index << 8 | variant) software uses as lkey/rkey. */
  readonly key: number;
  readonly fields: MkcFields;
  /** Translation entries; empty after a UMR "zap" (accesses then fault). */
  readonly xlt: readonly DmaSegment[];
  readonly xltValid: boolean;
}

/** What a UMR work request changes: the translation, and/or fields of the context (by mask). */
export interface UmrUpdate {
  readonly xlt?: readonly DmaSegment[] | "zap";
  readonly mkc?: Uint8Array;
  readonly mask?: readonly MkcFieldName[];
}

/** TH/PH/ST the NIC puts on a TLP it sends for an mkey. `prefix`: the 16-bit ST needs the TPH prefix. */
export type TlpHints =
  | { readonly th: false; readonly why: string }
  | { readonly th: true; readonly ph: number; readonly st: number; readonly prefix: boolean };

/** Decode an mkey context (MLX5_GET of each field the model uses). */
export function decodeMkc(mkc: Uint8Array): MkcFields {
  const bit = (f: (typeof MKC)[MkcFieldName]) => mlx5Get(mkc, f) === 1;
  return {
    free: bit(MKC.free),
    pd: mlx5Get(mkc, MKC.pd),
    start: mlx5GetBig(mkc, MKC.start_addr),
    len: mlx5GetBig(mkc, MKC.len),
    access: { lr: bit(MKC.lr), lw: bit(MKC.lw), rr: bit(MKC.rr), rw: bit(MKC.rw), a: bit(MKC.a) },
    accessMode: mlx5Get(mkc, MKC.access_mode_1_0),
    tphEn: bit(MKC.pcie_tph_en),
    tphPh: mlx5Get(mkc, MKC.pcie_tph_ph),
    tphStIndex: mlx5Get(mkc, MKC.pcie_tph_steering_tag_index),
  };
}

interface MkeySlot {
  variant: number;
  mkc: Uint8Array;
  xlt: readonly DmaSegment[];
  xltValid: boolean;
}

export class Mlx5Device {
  readonly fn: PciFunction;
  readonly caps: Mlx5Caps;
  /** Firmware commands executed, oldest first (opcode and status), for tests and traces. */
  readonly commandLog: { readonly opcode: number; readonly status: Mlx5CmdStatus }[] = [];
  private readonly table = new Map<number, MkeySlot>();

  constructor(fn: PciFunction, caps: Mlx5Caps = DEFAULT_MLX5_CAPS) {
    if (!Number.isInteger(caps.logMaxMkey) || caps.logMaxMkey < 1 || caps.logMaxMkey > 24) {
      throw new ModelError(`log_max_mkey must be 1..24, got ${caps.logMaxMkey}`);
    }
    this.fn = fn;
    this.caps = caps;
    // A function reset (FLR, hot reset) reinitialises the firmware: every mkey is gone.
    fn.onReset(() => this.table.clear());
  }

  get name(): string {
    return this.fn.bdf;
  }

  /** The mkey table, read-only, by index. */
  get mkeys(): ReadonlyMap<number, Mkey> {
    const out = new Map<number, Mkey>();
    for (const [index, s] of [...this.table].sort((a, b) => a[0] - b[0])) out.set(index, this.view(index, s));
    return out;
  }
  /** One mkey by its 32-bit key or undefined (the variant byte must match). */
  mkeyByKey(key: number): Mkey | undefined {
    const index = key >>> 8;
    const s = this.table.get(index);
    return s && s.variant === (key & 0xff) ? this.view(index, s) : undefined;
  }

  /** CREATE_MKEY: validates the context and returns the index firmware chose. */
  createMkey(mkc: Uint8Array, variant: number): { status: Mlx5CmdStatus; index: number } {
    if (mkc.length !== MKC_BYTES)
      return { status: this.log(MLX5_CMD_OP.CREATE_MKEY, MLX5_CMD_STAT.BAD_PARAM_ERR), index: 0 };
    // TPH fields are reserved bits on firmware without mkey_pcie_tph: setting them is rejected.
    if (!this.caps.mkeyPcieTph && mlx5Get(mkc, MKC.pcie_tph_en)) {
      return { status: this.log(MLX5_CMD_OP.CREATE_MKEY, MLX5_CMD_STAT.BAD_PARAM_ERR), index: 0 };
    }
    const max = 2 ** this.caps.logMaxMkey;
    let index = 1;
    while (index < max && this.table.has(index)) index++;
    if (index >= max) return { status: this.log(MLX5_CMD_OP.CREATE_MKEY, MLX5_CMD_STAT.LIM_ERR), index: 0 };
    this.table.set(index, { variant: variant & 0xff, mkc: mkc.slice(), xlt: [], xltValid: false });
    return { status: this.log(MLX5_CMD_OP.CREATE_MKEY, MLX5_CMD_STAT.OK), index };
  }

  /** DESTROY_MKEY. */
  destroyMkey(index: number): Mlx5CmdStatus {
    if (!this.table.delete(index)) return this.log(MLX5_CMD_OP.DESTROY_MKEY, MLX5_CMD_STAT.BAD_RES_ERR);
    return this.log(MLX5_CMD_OP.DESTROY_MKEY, MLX5_CMD_STAT.OK);
  }

  /** QUERY_MKEY: a copy of the stored context. */
  queryMkey(index: number): { status: Mlx5CmdStatus; mkc: Uint8Array } {
    const s = this.table.get(index);
    if (!s)
      return {
        status: this.log(MLX5_CMD_OP.QUERY_MKEY, MLX5_CMD_STAT.BAD_RES_ERR),
        mkc: new Uint8Array(MKC_BYTES),
      };
    return { status: this.log(MLX5_CMD_OP.QUERY_MKEY, MLX5_CMD_STAT.OK), mkc: s.mkc.slice() };
  }

  /**
   * A UMR work request on the driver's UMR QP (not a firmware command): replace the translation
   * (or zap it) and/or copy the masked context fields. A completion error maps to BAD_RES.
   * Extrapolation: the TPH fields are treated as UMR-modifiable like pd/access.
   */
  umr(index: number, u: UmrUpdate): Mlx5CmdStatus {
    const s = this.table.get(index);
    if (!s) return MLX5_CMD_STAT.BAD_RES_ERR;
    if (u.mkc && u.mask) {
      if (!this.caps.mkeyPcieTph && u.mask.includes("pcie_tph_en") && mlx5Get(u.mkc, MKC.pcie_tph_en)) {
        return MLX5_CMD_STAT.BAD_PARAM_ERR;
      }
      for (const name of u.mask) copyField(u.mkc, s.mkc, MKC[name]);
    }
    if (u.xlt === "zap") {
      s.xlt = [];
      s.xltValid = false;
    } else if (u.xlt) {
      s.xlt = [...u.xlt];
      s.xltValid = true;
    }
    return MLX5_CMD_STAT.OK;
  }

  /** What the NIC stamps on TLPs for the mkey `index` (TH, PH, ST), from the mkey and the TPH registers. */
  tlpHints(index: number): TlpHints {
    const s = this.table.get(index);
    if (!s) return { th: false, why: "no such mkey" };
    const f = decodeMkc(s.mkc);
    if (!this.caps.mkeyPcieTph || !f.tphEn) return { th: false, why: "pcie_tph_en=0" };
    const cap = this.fn.caps.tph;
    if (!cap) return { th: false, why: "no TPH Requester capability" };
    const ctrl = this.fn.cfg.read32(cap + TPH.CTRL.offset);
    const reqEn = getField(ctrl, TPH.CTRL.fields.REQ_EN.mask);
    if (reqEn === TPH.CTRL.fields.REQ_EN.values.DISABLE)
      return { th: false, why: "TPH Requester Enable = 0" };
    const st = this.steeringTag(cap, getField(ctrl, TPH.CTRL.fields.MODE_SEL.mask), f.tphStIndex);
    // Only Requester Enable 11b permits the TPH prefix that carries ST[15:8] (pcie-tph.md section 3).
    const ext = reqEn === TPH.CTRL.fields.REQ_EN.values.EXT_TPH;
    const tag = ext ? st : st & 0xff;
    return { th: true, ph: f.tphPh, st: tag, prefix: ext && tag > 0xff };
  }

  private steeringTag(cap: number, mode: number, index: number): number {
    if (mode !== TPH.CTRL.fields.MODE_SEL.values.DS) return 0; // No ST mode: ST is 0; IV is for interrupts.
    const capReg = this.fn.cfg.read32(cap + TPH.CAP.offset);
    const loc = getField(capReg, TPH.CAP.fields.LOC.mask);
    if (loc === TPH.CAP.fields.LOC.values.NONE) return index; // direct mode: the index field is the tag
    if (loc !== TPH.CAP.fields.LOC.values.CAP) return 0; // mlx5 never programs an MSI-X located table
    const size = getField(capReg, TPH.CAP.fields.ST_SIZE.mask) + 1;
    // Extrapolation: an index past the table selects no tag (ST 0).
    return index < size ? this.fn.cfg.read16(cap + TPH.ST_TABLE + 2 * index) : 0;
  }

  private view(index: number, s: MkeySlot): Mkey {
    return {
      index,
      key: mkeyFromIndex(index, s.variant),
      fields: decodeMkc(s.mkc),
      xlt: s.xlt,
      xltValid: s.xltValid,
    };
  }
  private log(opcode: number, status: Mlx5CmdStatus): Mlx5CmdStatus {
    this.commandLog.push({ opcode, status });
    return status;
  }
}

function copyField(from: Uint8Array, to: Uint8Array, f: { off: number; bits: number }): void {
  for (let i = 0; i < f.bits; i++) {
    const bit = f.off + i;
    const m = 1 << (7 - (bit & 7));
    const byte = bit >> 3;
    to[byte] = from[byte]! & m ? to[byte]! | m : to[byte]! & ~m;
  }
}

/** Options for a ConnectX-like function description. */
export interface Mlx5FunctionOptions {
  readonly bdf: string;
  /** ST table location and size; default: 64 entries in the TPH capability, no Extended TPH. */
  readonly tph?: TphRequesterDesc | "none";
  readonly tphCompleter?: 0 | 1 | 2 | 3;
  /** Where the platform put BAR 0 (32 MiB aligned); default 0. */
  readonly barAddress?: number;
}

/**
 * A PciFunctionDesc for a ConnectX-6 Dx (vendor 0x15b3, device 0x101d, Ethernet controller) with
 * a 32 MiB 64-bit BAR 0, 64 MSI-X vectors and a TPH Requester capability.
 */
export function mlx5FunctionDesc(o: Mlx5FunctionOptions): PciFunctionDesc {
  const tph: TphRequesterDesc = { modes: ["ns", "ds"], location: "cap", tableSize: 64 };
  return {
    bdf: o.bdf,
    type: "endpoint",
    vendor: 0x15b3,
    device: 0x101d,
    classCode: 0x020000,
    label: "Mellanox Technologies MT2892 Family [ConnectX-6 Dx]",
    bars: [
      { index: 0, size: 32 * 1024 * 1024, address: o.barAddress ?? 0, bits64: true, prefetchable: true },
    ],
    msix: { vectors: 64, bar: 0, offset: 0x2000 },
    ...(o.tph === "none" ? {} : { tphRequester: o.tph ?? tph }),
    tphCompleter: o.tphCompleter ?? 0,
  };
}
