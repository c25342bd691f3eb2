/**
 * drivers/infiniband/hw/mlx5/mr.c: user MRs on mlx5 (linux-tph-stack.md sections 2 and 3).
 *
 * An MR is an mkey created by firmware with the context reg_create() fills: access, PD, address,
 * length and the TPH block (tph_en, 2-bit PH, 8-bit ST index). A dma-buf MR is mapped at
 * registration and zapped by the exporter's invalidate_mappings; the NIC's next access faults and
 * re-maps it (odp.ts). ODP with a DMAH, and re-registration of an FRMR-pool MR with PH, are
 * -EOPNOTSUPP. The FRMR pools themselves (mkeys recycled on dereg) are not modelled: each MR
 * gets a fresh mkey; only the pool key, which decides re-registration, is kept.
 */

import { newMkc } from "../../../../hw/mlx5/ifc.js";
import type { DmaBufAttachment } from "../../../dma-buf/dma-buf.js";
import { EINVAL, EOPNOTSUPP } from "../../../errno.js";
import type { Kernel } from "../../../kernel.js";
import { mlx5CoreCreateMkey, mlx5CoreDestroyMkey } from "../../../net/ethernet/mellanox/mlx5/core/mr.js";
import { traceHex } from "../../../trace.js";
import { IB_ACCESS, IB_MR_REREG, type IbDmah, type IbPd } from "../../core/ib_verbs.js";
import { type IbUmem, ibUmemGet, ibUmemOdpGet } from "../../core/umem.js";
import {
  type IbUmemDmabuf,
  ibUmemDmabufGet,
  ibUmemDmabufRelease,
  ibUmemDmabufUnmapPages,
} from "../../core/umem_dmabuf.js";
import { setMkcAccessPdAddr, setMkcTph } from "./mkc.js";
import { MLX5_IB_NO_PH, type Mlx5IbDev, Mlx5IbMr, type MrTph, NO_TPH } from "./mlx5_ib.js";
import { mlx5IbDmabufTph, mlx5IbDmahTph, mlx5IbPutTph } from "./mr_tph.js";
import { mlx5IbInitDmabufMr } from "./odp.js";
import { mlx5rUmrCanLoadPas, mlx5rUmrReregPdAccess, mlx5rUmrUpdateMrPas } from "./umr.js";

const U64_MAX = (1n << 64n) - 1n;

/** reg_create(): CREATE_MKEY with the TPH block; `populate` loads the translation at once. */
function regCreate(
  k: Kernel,
  dev: Mlx5IbDev,
  pd: IbPd,
  umem: IbUmem,
  iova: bigint,
  access: number,
  tph: MrTph,
  populate: boolean,
): Mlx5IbMr | number {
  const mkc = newMkc();
  setMkcAccessPdAddr(mkc, access, iova, pd.pdn, umem.length);
  setMkcTph(mkc, tph.stIndex, tph.ph);
  const { ret, key } = mlx5CoreCreateMkey(k, dev.mdev, mkc);
  const args = { iova, length: umem.length, ph: tph.ph, st_index: tph.stIndex, tph: tph.source };
  if (ret) return k.trace.ret("mlx5_ib_reg_create", { dev: dev.name, args }, ret);
  const mr = new Mlx5IbMr(dev, pd, key, iova, umem.length, access);
  mr.umem = umem;
  mr.tph = tph;
  if (populate) {
    const err = mlx5rUmrUpdateMrPas(k, mr, "enable");
    if (err) {
      mlx5CoreDestroyMkey(k, dev.mdev, key);
      return k.trace.ret("mlx5_ib_reg_create", { dev: dev.name, args }, err);
    }
  }
  k.trace.emit("mlx5_ib_reg_create", { dev: dev.name, args: { ...args, mkey: traceHex(key) }, ret: 0 });
  return mr;
}

/** create_user_odp_mr(): an on-demand MR (no TPH: ODP and DMAH do not combine). */
function createUserOdpMr(
  k: Kernel,
  dev: Mlx5IbDev,
  pd: IbPd,
  start: bigint,
  length: bigint,
  iova: bigint,
  access: number,
) {
  const fn = "create_user_odp_mr";
  if (!dev.ibdev.attrs.odp) return k.trace.ret(fn, { dev: dev.name }, -EOPNOTSUPP);
  // Implicit ODP (the whole address space) is not modelled.
  if (start === 0n && length === U64_MAX)
    return k.trace.ret(fn, { dev: dev.name, note: "implicit ODP" }, -EOPNOTSUPP);
  const umem = ibUmemOdpGet(k, dev.ibdev, start, length, access);
  if (typeof umem === "number") return umem;
  const mr = regCreate(k, dev, pd, umem, iova, access, NO_TPH, false);
  if (typeof mr !== "number") dev.odpMkeys.set(mr.key, mr);
  return mr;
}

/** mlx5_ib_reg_user_mr(): ODP with a DMAH -> -EOPNOTSUPP; a DMAH gives PH and CPU ST index. */
export function mlx5IbRegUserMr(
  k: Kernel,
  dev: Mlx5IbDev,
  pd: IbPd,
  start: bigint,
  length: bigint,
  iova: bigint,
  access: number,
  dmah: IbDmah | undefined,
): Mlx5IbMr | number {
  if (access & IB_ACCESS.ON_DEMAND && dmah) {
    return k.trace.ret("mlx5_ib_reg_user_mr", { dev: dev.name, note: "ODP with a DMA handle" }, -EOPNOTSUPP);
  }
  if (access & IB_ACCESS.ON_DEMAND) return createUserOdpMr(k, dev, pd, start, length, iova, access);
  const umem = ibUmemGet(k, dev.ibdev, start, length, access);
  if (typeof umem === "number") return umem;
  const tph = dmah ? mlx5IbDmahTph(k, dev, dmah) : NO_TPH;
  if (typeof tph === "number") return tph;
  // create_real_mr(): a translation UMR can load comes from the FRMR pools (keyed by ST index
  // and PH); a larger one is made by reg_create() and carries a zero pool key.
  const mr = regCreate(k, dev, pd, umem, iova, access, tph, true);
  if (typeof mr === "number") {
    mlx5IbPutTph(k, dev, tph);
    return mr;
  }
  if (mlx5rUmrCanLoadPas(dev, umem.length)) mr.frmrKey = { stIndex: tph.stIndex, ph: tph.ph };
  return mr;
}

/** mlx5_ib_dmabuf_invalidate_cb(): resv held; zap the mkey and unmap (the TPH fields stay). */
export function mlx5IbDmabufInvalidateCb(k: Kernel, attach: DmaBufAttachment): void {
  const umem = attach.importerPriv as IbUmemDmabuf;
  const mr = umem.priv as Mlx5IbMr | undefined;
  attach.dmabuf.resv.assertHeld(k, "mlx5_ib_dmabuf_invalidate_cb", attach.dev);
  if (!umem.sgt || !mr) return;
  mlx5rUmrUpdateMrPas(k, mr, "zap");
  ibUmemDmabufUnmapPages(k, umem);
  k.trace.emit("mlx5_ib_dmabuf_invalidate_cb", { dev: attach.dev, args: { mkey: traceHex(mr.key) } });
}

/**
 * mlx5_ib_reg_user_mr_dmabuf() / reg_user_mr_dmabuf(): take the buffer (umem), decide the TPH
 * (a DMAH wins; else the revision's importer path, mr_tph.ts), create the mkey, map the pages.
 */
export function mlx5IbRegUserMrDmabuf(
  k: Kernel,
  dev: Mlx5IbDev,
  pd: IbPd,
  offset: bigint,
  length: bigint,
  iova: bigint,
  fd: number,
  access: number,
  dmah: IbDmah | undefined,
): Mlx5IbMr | number {
  // mlx5_ib_reg_user_mr_dmabuf(): a dma-buf MR always takes an FRMR-pool mkey, so UMR must be
  // able to load its whole translation.
  if (!mlx5rUmrCanLoadPas(dev, length)) {
    const args = { length, fd };
    return k.trace.ret(
      "mlx5_ib_reg_user_mr_dmabuf",
      { dev: dev.name, args, note: "!mlx5r_umr_can_load_pas" },
      -EINVAL,
    );
  }
  const ops = {
    allowPeer2peer: true,
    invalidateMappings: (a: DmaBufAttachment) => mlx5IbDmabufInvalidateCb(k, a),
  };
  const umem = ibUmemDmabufGet(k, dev.ibdev, dev.name, offset, length, fd, access, ops);
  if (typeof umem === "number") return umem;
  const tph = dmah ? mlx5IbDmahTph(k, dev, dmah) : mlx5IbDmabufTph(k, dev, umem, fd);
  if (typeof tph === "number") {
    ibUmemDmabufRelease(k, umem);
    return tph;
  }
  const mr = regCreate(k, dev, pd, umem, iova, access, tph, false);
  if (typeof mr === "number") {
    mlx5IbPutTph(k, dev, tph);
    ibUmemDmabufRelease(k, umem);
    return mr;
  }
  mr.frmrKey = { stIndex: tph.stIndex, ph: tph.ph };
  mr.umemDmabuf = umem;
  umem.priv = mr;
  dev.odpMkeys.set(mr.key, mr);
  const err = mlx5IbInitDmabufMr(k, mr);
  if (err) {
    mlx5IbDeregMr(k, dev, mr);
    return err;
  }
  return mr;
}

/** mlx5_ib_dereg_mr(): stop invalidations, destroy the mkey, release the umem, then the ST reference. */
export function mlx5IbDeregMr(k: Kernel, dev: Mlx5IbDev, mr: Mlx5IbMr): number {
  const umem = mr.umemDmabuf;
  if (umem) {
    umem.dmabuf.resv.lock("mlx5_ib_dereg_mr");
    umem.priv = undefined;
    umem.dmabuf.resv.unlock();
  }
  const ret = mlx5CoreDestroyMkey(k, dev.mdev, mr.key);
  if (ret) {
    if (umem) umem.priv = mr;
    return ret;
  }
  dev.odpMkeys.delete(mr.key);
  if (umem) ibUmemDmabufRelease(k, umem);
  mlx5IbPutTph(k, dev, mr.tph);
  return 0;
}

/**
 * mlx5_ib_rereg_user_mr(): -EOPNOTSUPP only for an MR whose FRMR-pool key carries PH bits
 * (`frmr.key.kernel_vendor_key & MLX5_FRMR_POOLS_KERNEL_KEY_PH_MASK`); a reg_create() MR has a
 * zero key and goes on. PD/access only: changed in place by UMR (returns null, TPH kept). A new
 * translation: a new MR is registered without a DMAH, so it comes back without TPH (the core
 * destroys the old one).
 */
export function mlx5IbReregUserMr(
  k: Kernel,
  dev: Mlx5IbDev,
  mr: Mlx5IbMr,
  flags: number,
  start: bigint,
  length: bigint,
  iova: bigint,
  access: number,
  newPd: IbPd | undefined,
): Mlx5IbMr | null | number {
  if (mr.frmrKey && mr.frmrKey.ph !== MLX5_IB_NO_PH) {
    return k.trace.ret("mlx5_ib_rereg_user_mr", { dev: dev.name, note: "FRMR key has PH" }, -EOPNOTSUPP);
  }
  const acc = flags & IB_MR_REREG.ACCESS ? access : mr.access;
  const pd = flags & IB_MR_REREG.PD && newPd ? newPd : mr.pd;
  if (!(flags & IB_MR_REREG.TRANS)) {
    const err = mlx5rUmrReregPdAccess(k, mr, pd, acc);
    if (err) return err;
    mr.access = acc;
    return null;
  }
  return mlx5IbRegUserMr(k, dev, pd, start, length, iova, acc, undefined);
}
