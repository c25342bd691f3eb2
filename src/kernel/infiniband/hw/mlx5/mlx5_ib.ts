/**
 * drivers/infiniband/hw/mlx5/mlx5_ib.h: the mlx5 IB device and the driver's MR and DMAH objects.
 */
import type { Kernel } from "../../../kernel.js";
import type { Mlx5CoreDev } from "../../../net/ethernet/mellanox/mlx5/core/main.js";
import { type IbDevice, IbDmah, IbMr, type IbPd } from "../../core/ib_verbs.js";
import type { IbUmemDmabuf } from "../../core/umem_dmabuf.js";

/** MLX5_IB_NO_PH: "no processing hint", the mkey gets no TPH. */
export const MLX5_IB_NO_PH = 0xff;

/** Fault-injection points for showing races (tests and `tphlab review`). */
export interface Mlx5IbFaults {
  /**
   * rfc time-of-check/time-of-use window: runs after the umem took its dma-buf from `fd` and
   * before the importer looks `fd` up a second time for the tag (e.g. to dup2 another dma-buf
   * onto the same fd number).
   */
  beforeTphFdLookup?: (k: Kernel, fd: number) => void;
}

/** struct mlx5_ib_dev */
export class Mlx5IbDev {
  ibdev!: IbDevice;
  readonly faults: Mlx5IbFaults = {};
  /** dev->odp_mkeys: MRs whose mkey may fault (ODP and dma-buf MRs), by key. */
  readonly odpMkeys = new Map<number, Mlx5IbMr>();
  /** Next protection domain number firmware hands out (ALLOC_PD). */
  nextPdn = 1;
  constructor(readonly mdev: Mlx5CoreDev) {}
  get name(): string {
    return this.mdev.name;
  }
}

/** struct mlx5_ib_dmah: the ST index a CPU-bound DMAH owns. */
export class Mlx5IbDmah extends IbDmah {
  stIndex = 0;
}

/** Where an MR's TPH fields came from. */
export type MrTphSource = "none" | "dmah" | "dmabuf";

/** The TPH an mkey is programmed with, and the ST-table reference the MR holds for it. */
export interface MrTph {
  readonly stIndex: number;
  /** MLX5_IB_NO_PH when the mkey gets no TPH. */
  readonly ph: number;
  /** An ST table index this MR allocated and must release (v11: "lives as long as the MR"). */
  readonly stRef: number | undefined;
  readonly source: MrTphSource;
  /** The tag the exporter gave, when it came from a dma-buf (for traces and review). */
  readonly tag?: number;
}

export const NO_TPH: MrTph = { stIndex: 0, ph: MLX5_IB_NO_PH, stRef: undefined, source: "none" };

/**
 * mr->ibmr.frmr.key as far as TPH goes: an MR whose mkey came from the FRMR pools carries its
 * ST index and PH in the pool key (kernel_vendor_key); a reg_create() MR has a zero key.
 */
export interface FrmrKey {
  readonly stIndex: number;
  readonly ph: number;
}

/** struct mlx5_ib_mr (user MR). */
export class Mlx5IbMr extends IbMr {
  tph: MrTph = NO_TPH;
  /** Undefined for an MR made by reg_create() (not from the FRMR pools). */
  frmrKey: FrmrKey | undefined = undefined;
  umemDmabuf: IbUmemDmabuf | undefined = undefined;
  constructor(
    readonly dev: Mlx5IbDev,
    pd: IbPd,
    /** mr->mmkey.key: lkey and rkey. */
    readonly key: number,
    iova: bigint,
    length: bigint,
    access: number,
  ) {
    super(dev.ibdev, pd, key, key, iova, length, access);
  }
}
