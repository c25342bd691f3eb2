/**
 * drivers/infiniband/core/uverbs_cmd.c: the write() commands the model uses (alloc/dealloc PD,
 * reg/rereg/dereg MR) and opening a device file with every object type's destroy.
 */
import { EBUSY, EINVAL, EOPNOTSUPP } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import { IB_MR_REREG, type IbDevice, type IbMr, IbPd, ibCheckMrAccess, pageOffset } from "./ib_verbs.js";
import { type IbUverbsFile, ibUverbsFile, ibUverbsOpen, uobjGet, uobjGetRead } from "./uverbs_main.js";
import { uverbsFreeDmah } from "./uverbs_std_types_dmah.js";
import type { RegMrResp } from "./uverbs_std_types_mr.js";

/** Open /dev/infiniband/uverbsN of `device` (ibv_open_device): returns the fd. */
export function ibUverbsOpenDevice(k: Kernel, device: IbDevice): number {
  return ibUverbsOpen(k, device, { mr: destroyMr, dmah: uverbsFreeDmah, pd: destroyPd });
}

/** ib_uverbs_alloc_pd(): returns the PD handle or a negative errno. */
export function ibUverbsAllocPd(k: Kernel, ufd: number): number {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return ufile;
  const pd = new IbPd(ufile.device);
  const ret = ufile.device.ops.allocPd(k, pd);
  if (ret) return k.trace.ret("ib_uverbs_alloc_pd", { dev: ufile.device.name }, ret);
  const handle = ufile.add("pd", pd);
  k.trace.emit("ib_uverbs_alloc_pd", { dev: ufile.device.name, args: { handle, pdn: pd.pdn }, ret: 0 });
  return handle;
}

/** uverbs_free_pd(): -EBUSY while MRs use it (ib_destroy_usecnt). */
function destroyPd(k: Kernel, ufile: IbUverbsFile, handle: number): number {
  const pd = uobjGet(ufile, "pd", handle);
  if (typeof pd === "number") return pd;
  const fn = "ib_dealloc_pd_user";
  if (pd.usecnt)
    return k.trace.ret(fn, { dev: ufile.device.name, args: { handle, usecnt: pd.usecnt } }, -EBUSY);
  const ret = ufile.device.ops.deallocPd(k, pd);
  if (!ret) ufile.objects.delete(handle);
  return k.trace.ret(fn, { dev: ufile.device.name, args: { handle } }, ret);
}

/** ibv_dealloc_pd() */
export function ibUverbsDeallocPd(k: Kernel, ufd: number, handle: number): number {
  const ufile = ibUverbsFile(k, ufd);
  return typeof ufile === "number" ? ufile : destroyPd(k, ufile, handle);
}

/** ib_dereg_mr_user(): the driver's dereg, then the PD and DMAH use counts drop. */
function destroyMr(k: Kernel, ufile: IbUverbsFile, handle: number): number {
  const mr = uobjGet(ufile, "mr", handle);
  if (typeof mr === "number") return mr;
  const ret = ufile.device.ops.deregMr(k, mr);
  if (ret) return k.trace.ret("ib_dereg_mr_user", { dev: ufile.device.name, args: { handle } }, ret);
  mr.pd.usecnt--;
  if (mr.dmah) mr.dmah.usecnt--;
  ufile.objects.delete(handle);
  return k.trace.ret("ib_dereg_mr_user", { dev: ufile.device.name, args: { handle } }, 0);
}

/** ibv_dereg_mr() */
export function ibUverbsDeregMr(k: Kernel, ufd: number, handle: number): number {
  const ufile = ibUverbsFile(k, ufd);
  return typeof ufile === "number" ? ufile : destroyMr(k, ufile, handle);
}

/** The legacy IB_USER_VERBS_CMD_REG_MR (ibv_reg_mr): address only, never a DMAH. */
export function ibUverbsRegMr(
  k: Kernel,
  ufd: number,
  a: { pd: number; start: bigint; length: bigint; hcaVa: bigint; access: number },
): RegMrResp {
  const failed = (ret: number): RegMrResp => ({ ret, handle: -1, lkey: 0, rkey: 0 });
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return failed(ufile);
  const fn = "ib_uverbs_reg_mr";
  const dev = ufile.device;
  if (pageOffset(a.start) !== pageOffset(a.hcaVa)) return failed(k.trace.ret(fn, { dev: dev.name }, -EINVAL));
  const acc = ibCheckMrAccess(dev, a.access);
  if (acc) return failed(k.trace.ret(fn, { dev: dev.name }, acc));
  const pd = uobjGetRead(ufile, "pd", a.pd);
  if (typeof pd === "number") return failed(k.trace.ret(fn, { dev: dev.name }, pd));
  const mr = dev.ops.regUserMr(k, pd, a.start, a.length, a.hcaVa, a.access, undefined);
  if (typeof mr === "number") return failed(k.trace.ret(fn, { dev: dev.name }, mr));
  mr.pd = pd;
  pd.usecnt++;
  const handle = ufile.add("mr", mr);
  k.trace.emit(fn, { dev: dev.name, args: { handle, lkey: mr.lkey }, ret: 0 });
  return { ret: 0, handle, lkey: mr.lkey, rkey: mr.rkey };
}

/** Arguments of IB_USER_VERBS_CMD_REREG_MR. */
export interface ReregMrCmd {
  readonly handle: number;
  readonly flags: number;
  readonly start: bigint;
  readonly length: bigint;
  readonly hcaVa: bigint;
  readonly access: number;
  readonly pd?: number;
}

/**
 * ib_uverbs_rereg_mr(): flags 0 -> -EINVAL; unknown flags -> -EOPNOTSUPP; TRANS with page offsets
 * differing -> -EINVAL; bad MR handle; ACCESS checked; PD handle; then the driver (a TPH MR ->
 * -EOPNOTSUPP). A new MR replaces the old one under the same handle.
 */
export function ibUverbsReregMr(k: Kernel, ufd: number, c: ReregMrCmd): number {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return ufile;
  const fn = "ib_uverbs_rereg_mr";
  const dev = ufile.device;
  const r = (ret: number) =>
    k.trace.ret(fn, { dev: dev.name, args: { handle: c.handle, flags: c.flags } }, ret);
  if (!c.flags) return r(-EINVAL);
  if (c.flags & ~IB_MR_REREG.SUPPORTED) return r(-EOPNOTSUPP);
  if (c.flags & IB_MR_REREG.TRANS && pageOffset(c.start) !== pageOffset(c.hcaVa)) return r(-EINVAL);
  const mr = uobjGet(ufile, "mr", c.handle);
  if (typeof mr === "number") return r(mr);
  if (c.flags & IB_MR_REREG.ACCESS) {
    const acc = ibCheckMrAccess(dev, c.access);
    if (acc) return r(acc);
  }
  let pd = mr.pd;
  if (c.flags & IB_MR_REREG.PD) {
    const p = uobjGetRead(ufile, "pd", c.pd ?? -1);
    if (typeof p === "number") return r(p);
    pd = p;
  }
  if (!dev.ops.reregUserMr) return r(-EOPNOTSUPP);
  const res = dev.ops.reregUserMr(k, mr, c.flags, c.start, c.length, c.hcaVa, c.access, pd);
  if (typeof res === "number") return r(res);
  if (res) replaceMr(k, ufile, c.handle, mr, res, pd);
  else if (c.flags & IB_MR_REREG.PD) {
    mr.pd.usecnt--;
    mr.pd = pd;
    pd.usecnt++;
  }
  if (!res && c.flags & IB_MR_REREG.ACCESS) mr.access = c.access;
  return r(0);
}

/** The driver made a new MR: it takes the handle; the old one is deregistered. */
function replaceMr(k: Kernel, ufile: IbUverbsFile, handle: number, old: IbMr, mr: IbMr, pd: IbPd): void {
  mr.pd = pd;
  pd.usecnt++;
  ufile.device.ops.deregMr(k, old);
  old.pd.usecnt--;
  if (old.dmah) old.dmah.usecnt--;
  ufile.objects.set(handle, { type: "mr", obj: mr });
}

/** The MR object behind a handle (for tests and the facade). */
export function uverbsMrObject(k: Kernel, ufd: number, handle: number): IbMr | undefined {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return undefined;
  const mr = uobjGet(ufile, "mr", handle);
  return typeof mr === "number" ? undefined : mr;
}
