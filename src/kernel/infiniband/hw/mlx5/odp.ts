/**
 * drivers/infiniband/hw/mlx5/odp.c: mapping a dma-buf MR's pages at registration
 * (mlx5_ib_init_dmabuf_mr) and again when the NIC faults on a zapped mkey (pagefault_dmabuf_mr),
 * and faulting in ODP pages. The proposed fix re-queries the exporter's TPH here.
 */
import { EFAULT } from "../../../errno.js";
import type { Kernel } from "../../../kernel.js";
import { traceHex } from "../../../trace.js";
import { IbUmemOdp } from "../../core/umem.js";
import { ibUmemDmabufMapPages, ibUmemDmabufUnmapPages } from "../../core/umem_dmabuf.js";
import { type Mlx5IbDev, type Mlx5IbMr, NO_TPH } from "./mlx5_ib.js";
import { mlx5IbDmabufRequeryTph, mlx5IbPutTph } from "./mr_tph.js";
import { mlx5rUmrUpdateMrPas, mlx5rUmrUpdateTph } from "./umr.js";

/**
 * Map the pages and load the translation; resv held. At a re-map (`requery`) the proposed fix asks
 * the exporter again first: its previous answer died with the invalidation.
 */
function mapAndLoad(k: Kernel, mr: Mlx5IbMr, requery: boolean): number {
  const umem = mr.umemDmabuf!;
  const ret = ibUmemDmabufMapPages(k, umem);
  if (ret) return ret;
  if (
    requery &&
    k.b.mlx5RequeryAfterInvalidate &&
    mr.tph.source !== "dmah" &&
    k.b.dmaBufTph === "get-pci-tph"
  ) {
    const rq = mlx5IbDmabufRequeryTph(k, mr.dev, umem, mr.tph);
    if (rq) {
      const err = mlx5rUmrUpdateTph(k, mr, rq.next);
      if (err) {
        mlx5IbPutTph(k, mr.dev, rq.next);
        // The old index may already be gone: the mkey must not point at an entry it does not own.
        if (rq.oldReleased) {
          mlx5rUmrUpdateTph(k, mr, NO_TPH);
          mr.tph = NO_TPH;
        }
      } else {
        if (!rq.oldReleased) mlx5IbPutTph(k, mr.dev, mr.tph);
        mr.tph = rq.next;
      }
    }
  }
  const err = mlx5rUmrUpdateMrPas(k, mr, "enable");
  if (err) ibUmemDmabufUnmapPages(k, umem);
  return err;
}

/** mlx5_ib_init_dmabuf_mr(): map under the reservation lock and enable the translation. */
export function mlx5IbInitDmabufMr(k: Kernel, mr: Mlx5IbMr): number {
  const resv = mr.umemDmabuf!.dmabuf.resv;
  resv.lock("mlx5_ib_init_dmabuf_mr");
  const ret = mapAndLoad(k, mr, false);
  resv.unlock();
  return k.trace.ret("mlx5_ib_init_dmabuf_mr", { dev: mr.dev.name, args: { mkey: traceHex(mr.key) } }, ret);
}

/** pagefault_dmabuf_mr(): the NIC touched a zapped dma-buf MR; map again (-ENODEV while revoked). */
export function mlx5IbPagefaultDmabufMr(k: Kernel, mr: Mlx5IbMr): number {
  const resv = mr.umemDmabuf!.dmabuf.resv;
  resv.lock("pagefault_dmabuf_mr");
  const ret = mapAndLoad(k, mr, true);
  resv.unlock();
  return k.trace.ret("pagefault_dmabuf_mr", { dev: mr.dev.name, args: { mkey: traceHex(mr.key) } }, ret);
}

/**
 * mlx5_ib_page_fault entry for the data path: the NIC accessed mkey `key` and found no
 * translation. Returns 0 when the mkey is usable again, else a negative errno (-EFAULT for an
 * mkey that is not an ODP or dma-buf MR).
 */
export function mlx5IbPageFault(k: Kernel, dev: Mlx5IbDev, key: number): number {
  const mr = dev.odpMkeys.get(key);
  if (!mr)
    return k.trace.ret("mlx5_ib_page_fault", { dev: dev.name, args: { mkey: traceHex(key) } }, -EFAULT);
  if (mr.umemDmabuf) return mlx5IbPagefaultDmabufMr(k, mr);
  if (mr.umem instanceof IbUmemOdp) {
    // ODP: pin and map the user pages on demand (identity DMA addresses, see umem.ts).
    mr.umem.faulted = true;
    const ret = mlx5rUmrUpdateMrPas(k, mr, "enable");
    return k.trace.ret("pagefault_real_mr", { dev: dev.name, args: { mkey: traceHex(key) } }, ret);
  }
  return k.trace.ret("mlx5_ib_page_fault", { dev: dev.name, args: { mkey: traceHex(key) } }, -EFAULT);
}
