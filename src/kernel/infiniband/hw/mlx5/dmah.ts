/**
 * drivers/infiniband/hw/mlx5/dmah.c: the driver side of a DMA handle. PH is mandatory; CPU_ID and
 * MEM_TYPE come together or not at all, and then the CPU's steering tag gets an ST index
 * (mlx5_st_alloc_index) that the DMAH owns until it is freed (linux-tph-stack.md section 3).
 */
import { EINVAL } from "../../../errno.js";
import type { Kernel } from "../../../kernel.js";
import { mlx5StAllocIndex, mlx5StDeallocIndex } from "../../../net/ethernet/mellanox/mlx5/core/lib/st.js";
import {
  IB_DMAH_CPU_ID_EXISTS,
  IB_DMAH_MEM_TYPE_EXISTS,
  IB_DMAH_PH_EXISTS,
  type IbDmah,
} from "../../core/ib_verbs.js";
import { type Mlx5IbDev, Mlx5IbDmah } from "./mlx5_ib.js";

/** mlx5_ib_alloc_dmah() */
export function mlx5IbAllocDmah(k: Kernel, dev: Mlx5IbDev, ibdmah: IbDmah): number {
  const dmah = ibdmah as Mlx5IbDmah;
  const stBits = (1 << IB_DMAH_CPU_ID_EXISTS) | (1 << IB_DMAH_MEM_TYPE_EXISTS);
  const fn = "mlx5_ib_alloc_dmah";
  if (!dmah.has(IB_DMAH_PH_EXISTS))
    return k.trace.ret(fn, { dev: dev.name, note: "PH is mandatory" }, -EINVAL);
  const st = dmah.validFields & stBits;
  if (st) {
    if (st !== stBits)
      return k.trace.ret(fn, { dev: dev.name, note: "CPU_ID needs MEM_TYPE and back" }, -EINVAL);
    const r = mlx5StAllocIndex(k, dev.mdev, dmah.memType, dmah.cpuId);
    if (r.ret) return k.trace.ret(fn, { dev: dev.name, args: { cpu: dmah.cpuId } }, r.ret);
    dmah.stIndex = r.index;
  }
  return k.trace.ret(fn, { dev: dev.name, args: { ph: dmah.ph, st_index: dmah.stIndex } }, 0);
}

/** mlx5_ib_dealloc_dmah(): releases the ST index of a CPU-bound DMAH. */
export function mlx5IbDeallocDmah(k: Kernel, dev: Mlx5IbDev, ibdmah: IbDmah): number {
  const dmah = ibdmah as Mlx5IbDmah;
  if (dmah.has(IB_DMAH_CPU_ID_EXISTS)) return mlx5StDeallocIndex(k, dev.mdev, dmah.stIndex);
  return 0;
}

/** rdma_zalloc_drv_obj(ib_dev, ib_dmah) for mlx5. */
export function mlx5IbNewDmah(dev: Mlx5IbDev): Mlx5IbDmah {
  return new Mlx5IbDmah(dev.ibdev);
}
