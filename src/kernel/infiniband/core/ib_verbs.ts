/**
 * include/rdma/ib_verbs.h (the slice the model uses): the IB device with its driver ops, and the
 * core objects a user context owns: protection domain (ib_pd), DMA handle (ib_dmah), memory region
 * (ib_mr). Drivers extend IbMr/IbDmah with their private state, as C embeds the core struct.
 */
import { EINVAL, EOPNOTSUPP } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import type { IbUmem } from "./umem.js";

/** enum ib_access_flags (IB_ACCESS_*, values of include/uapi/rdma/ib_user_ioctl_verbs.h). */
export const IB_ACCESS = {
  LOCAL_WRITE: 1 << 0,
  REMOTE_WRITE: 1 << 1,
  REMOTE_READ: 1 << 2,
  REMOTE_ATOMIC: 1 << 3,
  MW_BIND: 1 << 4,
  ZERO_BASED: 1 << 5,
  ON_DEMAND: 1 << 6,
  HUGETLB: 1 << 7,
  FLUSH_GLOBAL: 1 << 8,
  FLUSH_PERSISTENT: 1 << 9,
  /** IB_UVERBS_ACCESS_OPTIONAL_FIRST: the only optional flag so far. */
  RELAXED_ORDERING: 1 << 20,
} as const;
/** IB_ACCESS_SUPPORTED: every flag up to FLUSH_PERSISTENT plus the optional range. */
export const IB_ACCESS_SUPPORTED = ((IB_ACCESS.FLUSH_PERSISTENT << 1) - 1) | IB_ACCESS.RELAXED_ORDERING;
/** Access flags allowed on a dma-buf MR (uverbs_std_types_mr.c). */
export const IB_ACCESS_DMABUF_VALID =
  IB_ACCESS.LOCAL_WRITE |
  IB_ACCESS.REMOTE_READ |
  IB_ACCESS.REMOTE_WRITE |
  IB_ACCESS.REMOTE_ATOMIC |
  IB_ACCESS.RELAXED_ORDERING;

/** enum ib_dmah_valid_fields: bit numbers in ib_dmah.valid_fields. */
export const IB_DMAH_CPU_ID_EXISTS = 0;
export const IB_DMAH_MEM_TYPE_EXISTS = 1;
export const IB_DMAH_PH_EXISTS = 2;

/** IB_MR_REREG_* flags of ib_uverbs_rereg_mr. */
export const IB_MR_REREG = { TRANS: 1, PD: 2, ACCESS: 4, SUPPORTED: 7 } as const;

/** PAGE_SIZE of the modelled x86-64 kernel. */
export const PAGE_SIZE = 4096n;
/** offset_in_page() for 64-bit user values. */
export function pageOffset(v: bigint): bigint {
  return v & (PAGE_SIZE - 1n);
}

/** struct ib_device_ops: the driver entry points the model uses. */
export interface IbDeviceOps {
  allocPd(k: Kernel, pd: IbPd): number;
  deallocPd(k: Kernel, pd: IbPd): number;
  /** rdma_zalloc_drv_obj(ib_dev, ib_dmah): the driver's object, core fields blank. */
  newDmah?(device: IbDevice): IbDmah;
  allocDmah?(k: Kernel, dmah: IbDmah): number;
  deallocDmah?(k: Kernel, dmah: IbDmah): number;
  regUserMr(
    k: Kernel,
    pd: IbPd,
    start: bigint,
    length: bigint,
    iova: bigint,
    access: number,
    dmah: IbDmah | undefined,
  ): IbMr | number;
  regUserMrDmabuf?(
    k: Kernel,
    pd: IbPd,
    offset: bigint,
    length: bigint,
    iova: bigint,
    fd: number,
    access: number,
    dmah: IbDmah | undefined,
  ): IbMr | number;
  /** Returns a new MR, null when the MR was changed in place, or a negative errno. */
  reregUserMr?(
    k: Kernel,
    mr: IbMr,
    flags: number,
    start: bigint,
    length: bigint,
    iova: bigint,
    access: number,
    pd: IbPd | undefined,
  ): IbMr | null | number;
  deregMr(k: Kernel, mr: IbMr): number;
}

/** struct ib_device */
export class IbDevice {
  /** attrs.kernel_cap_flags & IBK_ON_DEMAND_PAGING; device_cap_flags FLUSH bits. */
  readonly attrs = { odp: true, flushGlobal: false, flushPersistent: false };
  constructor(
    readonly name: string,
    readonly ops: IbDeviceOps,
  ) {}
}

/** struct ib_pd */
export class IbPd {
  usecnt = 0;
  /** Driver's PD number (pdn) for the mkey context. */
  pdn = 0;
  constructor(readonly device: IbDevice) {}
}

/** struct ib_dmah: a DMA handle steering an MR's DMA toward a CPU (CPU-side TPH). */
export class IbDmah {
  cpuId = 0;
  memType = 0;
  ph = 0;
  /** BIT(IB_DMAH_*_EXISTS) */
  validFields = 0;
  usecnt = 0;
  constructor(readonly device: IbDevice) {}
  has(bit: number): boolean {
    return (this.validFields & (1 << bit)) !== 0;
  }
}

/** struct ib_mr (user MR). */
export class IbMr {
  pd: IbPd;
  dmah: IbDmah | undefined = undefined;
  umem: IbUmem | undefined = undefined;
  constructor(
    readonly device: IbDevice,
    pd: IbPd,
    public lkey: number,
    public rkey: number,
    public iova: bigint,
    public length: bigint,
    public access: number,
  ) {
    this.pd = pd;
  }
}

/** ib_check_mr_access(): the access rules every MR registration obeys, in the kernel's order. */
export function ibCheckMrAccess(device: IbDevice, flags: number): number {
  // Remote write or atomic needs local write permission.
  if (flags & (IB_ACCESS.REMOTE_ATOMIC | IB_ACCESS.REMOTE_WRITE) && !(flags & IB_ACCESS.LOCAL_WRITE))
    return -EINVAL;
  if (flags & ~IB_ACCESS_SUPPORTED) return -EINVAL;
  if (flags & IB_ACCESS.ON_DEMAND && !device.attrs.odp) return -EOPNOTSUPP;
  if (
    (flags & IB_ACCESS.FLUSH_GLOBAL && !device.attrs.flushGlobal) ||
    (flags & IB_ACCESS.FLUSH_PERSISTENT && !device.attrs.flushPersistent)
  ) {
    return -EOPNOTSUPP;
  }
  return 0;
}

/** ib_access_writable() */
export function ibAccessWritable(access: number): boolean {
  return (
    (access &
      (IB_ACCESS.LOCAL_WRITE | IB_ACCESS.REMOTE_WRITE | IB_ACCESS.REMOTE_ATOMIC | IB_ACCESS.MW_BIND)) !==
    0
  );
}
