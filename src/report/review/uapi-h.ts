/**
 * The uAPI as a C program compiles it in, written out by hand from the headers
 * (include/uapi/linux/vfio.h with the series, rdma-core's verbs.h; linux-tph-stack.md sections 3
 * and 5) rather than imported from the model the review checks: if the model renumbers a feature,
 * moves a flag bit or changes a struct's size, the programs built here no longer agree with it and
 * the catalogue says so. Structs are packed little-endian byte by byte, holes left zero.
 */

/** vfio.h: ioctl numbers are _IO(VFIO_TYPE ';' = 0x3b, VFIO_BASE 100 + n). */
export const VFIO = {
  /** _IO(';', 100 + 17) */
  DEVICE_FEATURE: 0x3b75,
  /** _IO(';', 100 + 11) */
  DEVICE_RESET: 0x3b6f,
  /** _IO(';', 100 + 13) */
  DEVICE_PCI_HOT_RESET: 0x3b71,
  FEATURE_GET: 0x10000,
  FEATURE_SET: 0x20000,
  FEATURE_PROBE: 0x40000,
  FEATURE_DMA_BUF: 11,
  FEATURE_DMA_BUF_TPH: 13,
  DMA_BUF_TPH_ST: 0x1,
  DMA_BUF_TPH_ST_EXT: 0x2,
  /** Region 7 is config space; the index sits in bits 63:40 of the file offset. */
  PCI_CONFIG_REGION_INDEX: 7,
  PCI_OFFSET_SHIFT: 40n,
} as const;

/** sizeof() of the structs, from the headers. */
export const SIZEOF = {
  vfio_device_feature: 8,
  vfio_device_feature_dma_buf: 16,
  /** rfc layout: `__u16 steering_tag; __u8 ph;` after open_flags push the ranges to 24. */
  vfio_device_feature_dma_buf_rfc: 24,
  vfio_region_dma_range: 16,
  vfio_device_feature_dma_buf_tph: 12,
  ibv_dmah_init_attr: 12,
  ibv_mr_init_attr: 64,
} as const;

/** rdma-core verbs.h */
export const IBV = {
  ACCESS_LOCAL_WRITE: 0x1,
  ACCESS_REMOTE_WRITE: 0x2,
  ACCESS_REMOTE_READ: 0x4,
  ACCESS_REMOTE_ATOMIC: 0x8,
  ACCESS_MW_BIND: 0x10,
  ACCESS_ZERO_BASED: 0x20,
  ACCESS_ON_DEMAND: 0x40,
  ACCESS_RELAXED_ORDERING: 0x100000,
  REG_MR_MASK_IOVA: 0x1,
  REG_MR_MASK_ADDR: 0x2,
  REG_MR_MASK_FD: 0x4,
  REG_MR_MASK_FD_OFFSET: 0x8,
  REG_MR_MASK_DMAH: 0x10,
  DMAH_INIT_ATTR_MASK_CPU_ID: 0x1,
  DMAH_INIT_ATTR_MASK_PH: 0x2,
  DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE: 0x4,
  REREG_MR_CHANGE_ACCESS: 0x4,
  REREG_MR_ERR_CMD: -4,
} as const;

/** A struct under construction: little-endian stores at byte offsets. */
function packer(size: number) {
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  return {
    bytes,
    u8: (at: number, x: number) => v.setUint8(at, x & 0xff),
    u16: (at: number, x: number) => v.setUint16(at, x & 0xffff, true),
    u32: (at: number, x: number) => v.setUint32(at, x >>> 0, true),
    s32: (at: number, x: number) => v.setInt32(at, x | 0, true),
    u64: (at: number, x: bigint) => v.setBigUint64(at, BigInt.asUintN(64, x), true),
  };
}

/**
 * struct vfio_device_feature { __u32 argsz; __u32 flags; __u8 data[]; } followed by `payload`;
 * `argsz` defaults to the whole size, `readable` cuts the bytes a program has mapped.
 */
export function featureArg(
  flags: number,
  payload: Uint8Array,
  o: { readonly argsz?: number; readonly readable?: number } = {},
): Uint8Array {
  const p = packer(SIZEOF.vfio_device_feature + payload.length);
  p.u32(0, o.argsz ?? p.bytes.length);
  p.u32(4, flags);
  p.bytes.set(payload, SIZEOF.vfio_device_feature);
  return p.bytes.subarray(0, o.readable ?? p.bytes.length);
}

export interface TphArg {
  readonly fd: number;
  readonly flags: number;
  readonly st?: number | undefined;
  readonly stExt?: number | undefined;
  readonly ph?: number | undefined;
}

/** struct vfio_device_feature_dma_buf_tph { __s32 dmabuf_fd; __u32 flags; __u16 steering_tag_ext; __u8 steering_tag; __u8 ph; } */
export function dmaBufTph(a: TphArg): Uint8Array {
  const p = packer(SIZEOF.vfio_device_feature_dma_buf_tph);
  p.s32(0, a.fd);
  p.u32(4, a.flags);
  p.u16(8, a.stExt ?? 0);
  p.u8(10, a.st ?? 0);
  p.u8(11, a.ph ?? 0);
  return p.bytes;
}

/** VFIO_DMA_BUF_TPH_ST / _ST_EXT for the namespaces a tag gives. */
export function tphFlags(t: { readonly st?: number; readonly stExt?: number }): number {
  return (
    (t.st === undefined ? 0 : VFIO.DMA_BUF_TPH_ST) | (t.stExt === undefined ? 0 : VFIO.DMA_BUF_TPH_ST_EXT)
  );
}

export interface DmaBufArg {
  readonly bar?: number;
  readonly openFlags?: number;
  readonly flags?: number;
  readonly ranges: readonly { readonly offset: bigint | number; readonly length: bigint | number }[];
  readonly nrRanges?: number;
  /** rfc layout only */
  readonly st?: number;
  readonly ph?: number;
}

/**
 * struct vfio_device_feature_dma_buf with its ranges: { region_index, open_flags, flags,
 * nr_ranges } then 16-byte ranges at 16; the rfc layout has steering_tag at 8, ph at 10, flags at
 * 12, nr_ranges at 16 and the ranges at 24.
 */
export function dmaBuf(a: DmaBufArg, rfc = false): Uint8Array {
  const head = rfc ? SIZEOF.vfio_device_feature_dma_buf_rfc : SIZEOF.vfio_device_feature_dma_buf;
  const p = packer(head + a.ranges.length * SIZEOF.vfio_region_dma_range);
  p.u32(0, a.bar ?? 0);
  p.u32(4, a.openFlags ?? 0);
  if (rfc) {
    p.u16(8, a.st ?? 0);
    p.u8(10, a.ph ?? 0);
  }
  p.u32(rfc ? 12 : 8, a.flags ?? 0);
  p.u32(rfc ? 16 : 12, a.nrRanges ?? a.ranges.length);
  a.ranges.forEach((r, i) => {
    p.u64(head + 16 * i, BigInt(r.offset));
    p.u64(head + 16 * i + 8, BigInt(r.length));
  });
  return p.bytes;
}

/** struct ibv_dmah_init_attr { uint32_t comp_mask; uint32_t cpu_id; uint8_t ph; uint8_t tph_mem_type; } */
export function dmahInitAttr(a: { readonly cpu?: number; readonly ph?: number; readonly memType?: number }) {
  const p = packer(SIZEOF.ibv_dmah_init_attr);
  const mask =
    (a.cpu !== undefined ? IBV.DMAH_INIT_ATTR_MASK_CPU_ID : 0) |
    (a.ph !== undefined ? IBV.DMAH_INIT_ATTR_MASK_PH : 0) |
    (a.memType !== undefined ? IBV.DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE : 0);
  p.u32(0, mask);
  p.u32(4, a.cpu ?? 0);
  p.u8(8, a.ph ?? 0);
  p.u8(9, a.memType ?? 0);
  return p.bytes;
}

export interface MrInitArg {
  readonly length: bigint;
  readonly access: number;
  readonly iova?: bigint | undefined;
  readonly addr?: bigint | undefined;
  readonly fd?: number | undefined;
  readonly fdOffset?: bigint | undefined;
  /** The struct ibv_dmah pointer, when given. */
  readonly dmah?: bigint | undefined;
  readonly compMask?: number | undefined;
}

/**
 * struct ibv_mr_init_attr { size_t length; int access; uint64_t comp_mask; uint64_t iova;
 * void *addr; int fd; uint64_t fd_offset; struct ibv_dmah *dmah; } on LP64: holes after access
 * and fd.
 */
export function mrInitAttr(a: MrInitArg): Uint8Array {
  const p = packer(SIZEOF.ibv_mr_init_attr);
  const mask =
    (a.iova !== undefined ? IBV.REG_MR_MASK_IOVA : 0) |
    (a.addr !== undefined ? IBV.REG_MR_MASK_ADDR : 0) |
    (a.fd !== undefined ? IBV.REG_MR_MASK_FD | IBV.REG_MR_MASK_FD_OFFSET : 0) |
    (a.dmah !== undefined ? IBV.REG_MR_MASK_DMAH : 0);
  p.u64(0, a.length);
  p.s32(8, a.access);
  p.u64(16, BigInt(a.compMask ?? mask));
  p.u64(24, a.iova ?? 0n);
  p.u64(32, a.addr ?? 0n);
  p.s32(40, a.fd ?? 0);
  p.u64(48, a.fdOffset ?? 0n);
  p.u64(56, a.dmah ?? 0n);
  return p.bytes;
}

/** VFIO_PCI_INDEX_TO_OFFSET(index) + `offset`. */
export function regionOffset(index: number, offset = 0): bigint {
  return (BigInt(index) << VFIO.PCI_OFFSET_SHIFT) + BigInt(offset);
}

/** include/uapi/linux/pci_regs.h (and the mem types of include/linux/pci-tph.h). */
export const PCI = {
  COMMAND: 0x04,
  COMMAND_MEMORY: 0x2,
  CAPABILITY_LIST: 0x34,
  CAP_ID_PM: 0x01,
  /** PMCSR, and its PowerState field (D0 0, D3hot 3). */
  PM_CTRL: 4,
  PM_CTRL_STATE_MASK: 0x0003,
  PM_D0: 0,
  PM_D3HOT: 3,
  TPH_CTRL: 8,
  TPH_CTRL_REQ_EN_MASK: 0x300,
  TPH_ST_NS_MODE: 0x0,
  TPH_ST_IV_MODE: 0x1,
  TPH_ST_DS_MODE: 0x2,
  /** PCI_TPH_BASE_SIZEOF: the ST table follows the 12-byte capability header. */
  TPH_ST_TABLE: 0xc,
  TPH_MEM_TYPE_VM: 0,
  TPH_MEM_TYPE_PM: 1,
} as const;
