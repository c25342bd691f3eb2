/**
 * drivers/infiniband/core/umem.c: pinning user memory for an MR (struct ib_umem).
 *
 * Model: every user address below TASK_SIZE is mapped and pinnable, and there is no IOMMU, so a
 * page's DMA address is its user address (identity). A dma-buf umem (umem_dmabuf.ts) takes its
 * segments from the exporter's mapping instead.
 */
import type { DmaSegment } from "../../../hw/mlx5/device.js";
import { EFAULT, EINVAL, EOPNOTSUPP } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { IB_ACCESS, type IbDevice, ibAccessWritable, PAGE_SIZE } from "./ib_verbs.js";

/** TASK_SIZE of x86-64 with 4-level paging: user addresses are below 2^47 - 4096. */
export const TASK_SIZE = (1n << 47n) - PAGE_SIZE;

/** struct ib_umem */
export class IbUmem {
  isDmabuf = false;
  isOdp = false;
  constructor(
    readonly ibdev: IbDevice,
    /** User address (or offset into the dma-buf). */
    readonly address: bigint,
    readonly length: bigint,
    readonly writable: boolean,
  ) {}
  /** The DMA segments the device may use now (empty while not mapped). */
  segments(): readonly DmaSegment[] {
    return [];
  }
}

/** A umem of pinned user pages. */
export class IbUmemPinned extends IbUmem {
  override segments(): readonly DmaSegment[] {
    return [{ addr: this.address, len: this.length }];
  }
}

/** struct ib_umem_odp: pages are faulted in on demand; nothing is mapped at registration. */
export class IbUmemOdp extends IbUmem {
  override isOdp = true;
  /** Set once the pages were faulted in (the model maps the whole range at the first fault). */
  faulted = false;
  override segments(): readonly DmaSegment[] {
    return this.faulted ? [{ addr: this.address, len: this.length }] : [];
  }
}

/** ib_umem_num_pages() */
export function ibUmemNumPages(address: bigint, length: bigint): bigint {
  if (length === 0n) return 0n;
  const first = address / PAGE_SIZE;
  const last = (address + length - 1n) / PAGE_SIZE;
  return last - first + 1n;
}

/** ib_umem_get(): pin [addr, addr+size). -EINVAL on wrap, zero pages or beyond user space. */
export function ibUmemGet(
  k: Kernel,
  device: IbDevice,
  addr: bigint,
  size: bigint,
  access: number,
): IbUmem | number {
  const fn = "ib_umem_get";
  const args = { addr, size };
  // ODP memory goes through ib_umem_odp_get(), never here.
  if (access & IB_ACCESS.ON_DEMAND) return k.trace.ret(fn, { args }, -EOPNOTSUPP);
  const end = addr + size;
  if (end >= 1n << 64n || ((end + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n)) >= 1n << 64n)
    return k.trace.ret(fn, { args }, -EINVAL);
  if (ibUmemNumPages(addr, size) === 0n) return k.trace.ret(fn, { args }, -EINVAL);
  // pin_user_pages_fast() fails on addresses outside the process's address space.
  if (end > TASK_SIZE) return k.trace.ret(fn, { args, note: "beyond TASK_SIZE" }, -EFAULT);
  k.trace.emit(fn, { args, ret: 0 });
  return new IbUmemPinned(device, addr, size, ibAccessWritable(access));
}

/** ib_umem_odp_get(): an on-demand umem; same range checks, nothing pinned. */
export function ibUmemOdpGet(
  k: Kernel,
  device: IbDevice,
  addr: bigint,
  size: bigint,
  access: number,
): IbUmem | number {
  const end = addr + size;
  if (size === 0n || end >= 1n << 64n || end > TASK_SIZE)
    return k.trace.ret("ib_umem_odp_get", { args: { addr, size } }, -EINVAL);
  k.trace.emit("ib_umem_odp_get", { args: { addr, size }, ret: 0 });
  return new IbUmemOdp(device, addr, size, ibAccessWritable(access));
}
