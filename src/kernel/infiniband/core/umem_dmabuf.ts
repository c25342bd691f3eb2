/**
 * drivers/infiniband/core/umem_dmabuf.c: an MR's memory taken from a dma-buf (the importer side of
 * linux-tph-stack.md section 4). The umem holds the dma_buf_get() reference for its whole life and
 * a dynamic attachment whose importer ops are the driver's (allow_peer2peer + invalidate_mappings).
 */
import type { DmaSegment } from "../../../hw/mlx5/device.js";
import {
  type DmaBuf,
  type DmaBufAttachment,
  type DmaBufAttachOps,
  dmaBufDetach,
  dmaBufDynamicAttach,
  dmaBufGet,
  dmaBufMapAttachment,
  dmaBufPut,
  dmaBufUnmapAttachment,
  type SgTable,
} from "../../dma-buf/dma-buf.js";
import { EINVAL } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { type IbDevice, ibAccessWritable, PAGE_SIZE } from "./ib_verbs.js";
import { IbUmem, ibUmemNumPages } from "./umem.js";

/** struct ib_umem_dmabuf */
export class IbUmemDmabuf extends IbUmem {
  override isDmabuf = true;
  attach!: DmaBufAttachment;
  /** The exporter's mapping while mapped. */
  sgt: SgTable | undefined = undefined;
  /** umem_dmabuf->private: the driver's MR. */
  priv: unknown = undefined;

  get dmabuf(): DmaBuf {
    return this.attach.dmabuf;
  }

  /** The mapped segments that fall inside [address, address+length) of the buffer, page-rounded. */
  override segments(): readonly DmaSegment[] {
    if (!this.sgt) return [];
    const start = (this.address / PAGE_SIZE) * PAGE_SIZE;
    const end = ((this.address + this.length + PAGE_SIZE - 1n) / PAGE_SIZE) * PAGE_SIZE;
    const out: DmaSegment[] = [];
    let cur = 0n;
    for (const sg of this.sgt.sgl) {
      const len = BigInt(sg.length);
      const lo = cur > start ? cur : start;
      const hi = cur + len < end ? cur + len : end;
      if (hi > lo) out.push({ addr: BigInt(sg.dmaAddress) + (lo - cur), len: hi - lo });
      cur += len;
    }
    return out;
  }
}

const U64 = 1n << 64n;

/**
 * ib_umem_dmabuf_get(): in the kernel's order: offset + size wraps -> -EINVAL; importer ops
 * without invalidate_mappings -> -EINVAL; dma_buf_get(fd) error as is; the range ends past the
 * buffer -> -EINVAL; zero pages -> -EINVAL; the dynamic attach's error as is.
 */
export function ibUmemDmabufGet(
  k: Kernel,
  device: IbDevice,
  dev: string,
  offset: bigint,
  size: bigint,
  fd: number,
  access: number,
  ops: DmaBufAttachOps,
): IbUmemDmabuf | number {
  const fn = "ib_umem_dmabuf_get";
  const args = { offset, size, fd };
  const end = offset + size;
  if (end >= U64) return k.trace.ret(fn, { dev, args }, -EINVAL);
  if (!ops.invalidateMappings) return k.trace.ret(fn, { dev, args }, -EINVAL);
  const { ret, dmabuf } = dmaBufGet(k, fd);
  if (ret || !dmabuf) return k.trace.ret(fn, { dev, args }, ret);
  const fail = (err: number) => {
    dmaBufPut(k, dmabuf);
    return k.trace.ret(fn, { dev, args }, err);
  };
  if (BigInt(dmabuf.size) < end) return fail(-EINVAL);
  const umem = new IbUmemDmabuf(device, offset, size, ibAccessWritable(access));
  if (ibUmemNumPages(offset, size) === 0n) return fail(-EINVAL);
  const a = dmaBufDynamicAttach(k, dmabuf, dev, ops, umem);
  if (a.ret || !a.attach) return fail(a.ret);
  umem.attach = a.attach;
  k.trace.emit(fn, { dev, args: { ...args, dmabuf: dmabuf.id }, ret: 0 });
  return umem;
}

/** ib_umem_dmabuf_map_pages(): resv held; map once, then wait for the exporter's fences. */
export function ibUmemDmabufMapPages(k: Kernel, umem: IbUmemDmabuf): number {
  const resv = umem.dmabuf.resv;
  resv.assertHeld(k, "ib_umem_dmabuf_map_pages", umem.attach.dev);
  if (!umem.sgt) {
    const { ret, sgt } = dmaBufMapAttachment(k, umem.attach, "bidirectional");
    if (ret || !sgt) return ret || -EINVAL;
    umem.sgt = sgt;
  }
  // The pages may still be moving: wait for the exporter's fences before the device uses them.
  resv.waitFences();
  return 0;
}

/** ib_umem_dmabuf_unmap_pages(): resv held; no-op when not mapped. */
export function ibUmemDmabufUnmapPages(k: Kernel, umem: IbUmemDmabuf): void {
  umem.dmabuf.resv.assertHeld(k, "ib_umem_dmabuf_unmap_pages", umem.attach.dev);
  if (!umem.sgt) return;
  dmaBufUnmapAttachment(k, umem.attach, umem.sgt, "bidirectional");
  umem.sgt = undefined;
}

/** ib_umem_dmabuf_release(): unmap under the lock, detach, drop the dma_buf_get() reference. */
export function ibUmemDmabufRelease(k: Kernel, umem: IbUmemDmabuf): void {
  const dmabuf = umem.dmabuf;
  dmabuf.resv.lock("ib_umem_dmabuf_release");
  ibUmemDmabufUnmapPages(k, umem);
  dmabuf.resv.unlock();
  dmaBufDetach(k, dmabuf, umem.attach);
  dmaBufPut(k, dmabuf);
}
