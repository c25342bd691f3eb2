/**
 * drivers/infiniband/core/uverbs_std_types_mr.c: UVERBS_METHOD_REG_MR (rdma-core's
 * ibv_reg_mr_ex: address or dma-buf fd, optional DMA handle) and UVERBS_METHOD_REG_DMABUF_MR
 * (ibv_reg_dmabuf_mr, no DMAH). Checks in the kernel's order (linux-tph-stack.md section 3);
 * object handles are looked up while the attributes are parsed, before the handler runs.
 */
import { EINVAL, EOPNOTSUPP } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import {
  IB_ACCESS_DMABUF_VALID,
  IB_ACCESS_SUPPORTED,
  type IbDmah,
  type IbMr,
  type IbPd,
  ibCheckMrAccess,
  pageOffset,
} from "./ib_verbs.js";
import { type IbUverbsFile, ibUverbsFile, uobjGet } from "./uverbs_main.js";

/** Attributes of UVERBS_METHOD_REG_MR; optional ones absent = not passed. */
export interface RegMrAttrs {
  readonly pd: number;
  readonly iova: bigint;
  readonly length: bigint;
  readonly access: number;
  readonly addr?: bigint;
  readonly fd?: number;
  readonly fdOffset?: bigint;
  readonly dmah?: number;
}

/** Attributes of UVERBS_METHOD_REG_DMABUF_MR. */
export interface RegDmabufMrAttrs {
  readonly pd: number;
  readonly offset: bigint;
  readonly length: bigint;
  readonly iova: bigint;
  readonly fd: number;
  readonly access: number;
}

/** The method's result: the MR handle and keys, or ret < 0. */
export interface RegMrResp {
  readonly ret: number;
  readonly handle: number;
  readonly lkey: number;
  readonly rkey: number;
}

const fail = (ret: number): RegMrResp => ({ ret, handle: -1, lkey: 0, rkey: 0 });

/** uverbs_get_flags32(): any bit outside `allowed` -> -EINVAL. */
function getFlags32(flags: number, allowed: number): number {
  return flags & ~allowed ? -EINVAL : 0;
}

/** The common tail: access checks, the driver call, then the core's bookkeeping (usecnts, handle). */
function finishRegMr(
  k: Kernel,
  ufile: IbUverbsFile,
  pd: IbPd,
  dmah: IbDmah | undefined,
  mr: IbMr | number,
  fn: string,
): RegMrResp {
  const dev = ufile.device.name;
  if (typeof mr === "number") return fail(k.trace.ret(fn, { dev }, mr));
  mr.pd = pd;
  pd.usecnt++;
  if (dmah) {
    mr.dmah = dmah;
    dmah.usecnt++;
  }
  const handle = ufile.add("mr", mr);
  k.trace.emit(fn, { dev, args: { handle, lkey: mr.lkey }, ret: 0 });
  return { ret: 0, handle, lkey: mr.lkey, rkey: mr.rkey };
}

/** UVERBS_HANDLER(UVERBS_METHOD_REG_MR) */
export function uverbsRegMr(k: Kernel, ufd: number, a: RegMrAttrs): RegMrResp {
  const fn = "uverbs_reg_mr";
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return fail(ufile);
  const dev = ufile.device;
  const pd = uobjGet(ufile, "pd", a.pd);
  if (typeof pd === "number") return fail(k.trace.ret(fn, { dev: dev.name, note: "pd handle" }, pd));
  let dmah: IbDmah | undefined;
  if (a.dmah !== undefined) {
    const d = uobjGet(ufile, "dmah", a.dmah);
    if (typeof d === "number") return fail(k.trace.ret(fn, { dev: dev.name, note: "dmah handle" }, d));
    dmah = d;
  }
  let valid = IB_ACCESS_SUPPORTED;
  if (a.fd !== undefined) {
    if (!dev.ops.regUserMrDmabuf) return fail(k.trace.ret(fn, { dev: dev.name }, -EOPNOTSUPP));
    // An fd needs its offset and excludes an address.
    if (a.fdOffset === undefined || a.addr !== undefined)
      return fail(k.trace.ret(fn, { dev: dev.name, note: "fd needs fd_offset, no addr" }, -EINVAL));
    if (pageOffset(a.fdOffset) !== pageOffset(a.iova))
      return fail(k.trace.ret(fn, { dev: dev.name, note: "fd_offset/iova page offsets differ" }, -EINVAL));
    valid = IB_ACCESS_DMABUF_VALID;
  } else {
    if (a.addr === undefined || a.fdOffset !== undefined)
      return fail(k.trace.ret(fn, { dev: dev.name, note: "addr needed, fd_offset without fd" }, -EINVAL));
    if (pageOffset(a.addr) !== pageOffset(a.iova))
      return fail(k.trace.ret(fn, { dev: dev.name, note: "addr/iova page offsets differ" }, -EINVAL));
  }
  const flagsRet = getFlags32(a.access, valid) || ibCheckMrAccess(dev, a.access);
  if (flagsRet) return fail(k.trace.ret(fn, { dev: dev.name, args: { access: a.access } }, flagsRet));
  const mr =
    a.fd !== undefined
      ? dev.ops.regUserMrDmabuf!(k, pd, a.fdOffset!, a.length, a.iova, a.fd, a.access, dmah)
      : dev.ops.regUserMr(k, pd, a.addr!, a.length, a.iova, a.access, dmah);
  return finishRegMr(k, ufile, pd, dmah, mr, fn);
}

/** UVERBS_HANDLER(UVERBS_METHOD_REG_DMABUF_MR): ibv_reg_dmabuf_mr() has no DMAH. */
export function uverbsRegDmabufMr(k: Kernel, ufd: number, a: RegDmabufMrAttrs): RegMrResp {
  const fn = "uverbs_reg_dmabuf_mr";
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return fail(ufile);
  const dev = ufile.device;
  const pd = uobjGet(ufile, "pd", a.pd);
  if (typeof pd === "number") return fail(k.trace.ret(fn, { dev: dev.name, note: "pd handle" }, pd));
  if (!dev.ops.regUserMrDmabuf) return fail(k.trace.ret(fn, { dev: dev.name }, -EOPNOTSUPP));
  if (pageOffset(a.offset) !== pageOffset(a.iova))
    return fail(k.trace.ret(fn, { dev: dev.name, note: "offset/iova page offsets differ" }, -EINVAL));
  const flagsRet = getFlags32(a.access, IB_ACCESS_DMABUF_VALID) || ibCheckMrAccess(dev, a.access);
  if (flagsRet) return fail(k.trace.ret(fn, { dev: dev.name, args: { access: a.access } }, flagsRet));
  const mr = dev.ops.regUserMrDmabuf(k, pd, a.offset, a.length, a.iova, a.fd, a.access, undefined);
  return finishRegMr(k, ufile, pd, undefined, mr, fn);
}
