/**
 * libibverbs as a program sees it (include/infiniband/verbs.h; linux-tph-stack.md section 3):
 * open a device, allocate a PD and a DMA handle, register and deregister MRs. Each call returns
 * what rdma-core returns: an object or NULL (`null`) with errno set; `ibv_dealloc_*` and
 * `ibv_dereg_mr` return 0 or the errno value. Struct arguments are the bytes of
 * `struct ibv_dmah_init_attr` / `struct ibv_mr_init_attr` (src/uapi/rdma/verbs-structs.ts).
 *
 * Library behaviour the model fixes (documented choices where rdma-core is not the reference):
 * - a struct buffer shorter than the struct, a pointer in it that names no live object of the
 *   process, or an object used after it was freed: NULL / EFAULT (C: undefined behaviour);
 * - comp_mask bits the library does not know: NULL / EINVAL;
 * - ibv_reg_mr_ex without IBV_REG_MR_MASK_IOVA uses addr (ADDR) or fd_offset (FD_OFFSET) as iova.
 */
import { EFAULT, EINVAL } from "../kernel/errno.js";
import { decode } from "../kernel/include/uapi/codec.js";
import {
  ibUverbsAllocPd,
  ibUverbsDeallocPd,
  ibUverbsDeregMr,
  ibUverbsRegMr,
  ibUverbsReregMr,
  uverbsMrObject,
} from "../kernel/infiniband/core/uverbs_cmd.js";
import { uverbsDmahAlloc, uverbsDmahFree } from "../kernel/infiniband/core/uverbs_std_types_dmah.js";
import {
  type RegMrAttrs,
  type RegMrResp,
  uverbsRegDmabufMr,
  uverbsRegMr,
} from "../kernel/infiniband/core/uverbs_std_types_mr.js";
import type { Libc } from "./libc.js";
import {
  IBV_DMAH_INIT_ATTR_MASK_CPU_ID,
  IBV_DMAH_INIT_ATTR_MASK_PH,
  IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE,
  IBV_REG_MR_MASK_ADDR,
  IBV_REG_MR_MASK_DMAH,
  IBV_REG_MR_MASK_FD,
  IBV_REG_MR_MASK_FD_OFFSET,
  IBV_REG_MR_MASK_IOVA,
  ibv_dmah_init_attr,
  ibv_mr_init_attr,
} from "./rdma/verbs-structs.js";

/** enum ibv_rereg_mr_flags and the error codes ibv_rereg_mr() returns. */
export const IBV_REREG_MR_CHANGE_TRANSLATION = 1;
export const IBV_REREG_MR_CHANGE_PD = 2;
export const IBV_REREG_MR_CHANGE_ACCESS = 4;
export const IBV_REREG_MR_FLAGS_SUPPORTED = 7;
export const IBV_REREG_MR_ERR_INPUT = -1;
export const IBV_REREG_MR_ERR_CMD = -4;

const DMAH_MASKS =
  IBV_DMAH_INIT_ATTR_MASK_CPU_ID | IBV_DMAH_INIT_ATTR_MASK_PH | IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE;
const MR_MASKS = BigInt(
  IBV_REG_MR_MASK_IOVA |
    IBV_REG_MR_MASK_ADDR |
    IBV_REG_MR_MASK_FD |
    IBV_REG_MR_MASK_FD_OFFSET |
    IBV_REG_MR_MASK_DMAH,
);

/** struct ibv_device as ibv_get_device_list() lists it. */
export interface IbvDevice {
  readonly name: string;
  /** The uverbs node opened by ibv_open_device(). */
  readonly path: string;
}

/** An object the library allocated: its user-space address and whether it was freed. */
abstract class IbvObject {
  freed = false;
  ptr = 0n;
}

/** struct ibv_context: the open uverbs file. */
export class IbvContext extends IbvObject {
  constructor(
    readonly libc: Libc,
    readonly device: IbvDevice,
    readonly cmdFd: number,
  ) {
    super();
  }
}
/** struct ibv_pd */
export class IbvPd extends IbvObject {
  constructor(
    readonly context: IbvContext,
    readonly handle: number,
  ) {
    super();
  }
}
/** struct ibv_dmah */
export class IbvDmah extends IbvObject {
  constructor(
    readonly context: IbvContext,
    readonly handle: number,
  ) {
    super();
  }
}
/** struct ibv_mr: `addr` is the registered address (or the dma-buf offset), lkey is the mkey. */
export class IbvMr extends IbvObject {
  constructor(
    readonly context: IbvContext,
    public pd: IbvPd,
    readonly handle: number,
    public lkey: number,
    public rkey: number,
    public addr: bigint,
    public length: bigint,
  ) {
    super();
  }
}

/** Set errno and return `v` (NULL or -1), as a C library does on a failure it detects itself. */
function err<T>(libc: Libc, errno: number, v: T): T {
  libc.errno = errno;
  return v;
}

function track<T extends IbvObject>(libc: Libc, obj: T): T {
  obj.ptr = libc.alloc(obj);
  return obj;
}
function untrack(libc: Libc, obj: IbvObject): void {
  obj.freed = true;
  libc.release(obj.ptr);
}
/** A live object, or undefined after setting EFAULT (use after free / closed context). */
function live<T extends IbvObject>(obj: T, ctx: IbvContext): T | undefined {
  if (!obj.freed && !ctx.freed) return obj;
  return err(ctx.libc, EFAULT, undefined);
}

/** One uverbs method, traced as the ioctl rdma-core issues on the context's fd. */
function method(ctx: IbvContext, name: string, fn: () => number): number {
  return ctx.libc.syscall("ioctl", { fd: ctx.cmdFd, cmd: "RDMA_VERBS_IOCTL", method: name }, fn);
}

/** ibv_get_device_list(): the host's uverbs devices. */
export function ibv_get_device_list(libc: Libc): IbvDevice[] {
  return libc.host.devfs
    .list()
    .filter((n) => n.kind === "uverbs")
    .map((n) => ({ name: n.name, path: n.path }));
}

/** ibv_open_device() */
export function ibv_open_device(libc: Libc, device: IbvDevice): IbvContext | null {
  const fd = libc.open(device.path);
  return fd < 0 ? null : track(libc, new IbvContext(libc, device, fd));
}

/** ibv_close_device(): closes the command fd; the kernel destroys what is left. Returns 0. */
export function ibv_close_device(ctx: IbvContext): number {
  if (ctx.freed) return err(ctx.libc, EFAULT, -1);
  ctx.libc.close(ctx.cmdFd);
  untrack(ctx.libc, ctx);
  return 0;
}

/** ibv_alloc_pd() */
export function ibv_alloc_pd(context: IbvContext): IbvPd | null {
  if (context.freed) return err(context.libc, EFAULT, null);
  const h = method(context, "PD_ALLOC", () => ibUverbsAllocPd(context.libc.k, context.cmdFd));
  return h < 0 ? null : track(context.libc, new IbvPd(context, h));
}

/** ibv_dealloc_pd(): 0 or the errno value. */
export function ibv_dealloc_pd(pd: IbvPd): number {
  const { libc } = pd.context;
  if (!live(pd, pd.context)) return libc.errno;
  const ret = method(pd.context, "PD_DESTROY", () => ibUverbsDeallocPd(libc.k, pd.context.cmdFd, pd.handle));
  if (ret < 0) return libc.errno;
  untrack(libc, pd);
  return 0;
}

/** ibv_alloc_dmah(context, attr): `attr` holds the bytes of struct ibv_dmah_init_attr. */
export function ibv_alloc_dmah(context: IbvContext, attr: Uint8Array): IbvDmah | null {
  const { libc } = context;
  if (context.freed) return err(libc, EFAULT, null);
  const d = decode(ibv_dmah_init_attr, attr);
  if (!d.ok) return err(libc, EFAULT, null);
  const a = d.value;
  if (a.comp_mask & ~DMAH_MASKS) return err(libc, EINVAL, null);
  const attrs = {
    ...(a.comp_mask & IBV_DMAH_INIT_ATTR_MASK_CPU_ID ? { cpuId: a.cpu_id } : {}),
    ...(a.comp_mask & IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE ? { memType: a.tph_mem_type } : {}),
    ...(a.comp_mask & IBV_DMAH_INIT_ATTR_MASK_PH ? { ph: a.ph } : {}),
  };
  const h = method(context, "DMAH_ALLOC", () => uverbsDmahAlloc(libc.k, context.cmdFd, attrs));
  return h < 0 ? null : track(libc, new IbvDmah(context, h));
}

/** ibv_dealloc_dmah(): 0 or the errno value (EBUSY while an MR uses it). */
export function ibv_dealloc_dmah(dmah: IbvDmah): number {
  const { libc } = dmah.context;
  if (!live(dmah, dmah.context)) return libc.errno;
  const ret = method(dmah.context, "DMAH_FREE", () =>
    uverbsDmahFree(libc.k, dmah.context.cmdFd, dmah.handle),
  );
  if (ret < 0) return libc.errno;
  untrack(libc, dmah);
  return 0;
}

function newMr(pd: IbvPd, r: RegMrResp, addr: bigint, length: bigint): IbvMr | null {
  const { libc } = pd.context;
  if (libc.fail(r.ret) < 0) return null;
  return track(libc, new IbvMr(pd.context, pd, r.handle, r.lkey, r.rkey, addr, length));
}

/** ibv_reg_mr(pd, addr, length, access): user memory, iova = addr (IB_USER_VERBS_CMD_REG_MR). */
export function ibv_reg_mr(pd: IbvPd, addr: bigint, length: bigint, access: number): IbvMr | null {
  const { libc } = pd.context;
  if (!live(pd, pd.context)) return null;
  let r: RegMrResp = { ret: 0, handle: -1, lkey: 0, rkey: 0 };
  method(pd.context, "REG_MR", () => {
    r = ibUverbsRegMr(libc.k, pd.context.cmdFd, { pd: pd.handle, start: addr, length, hcaVa: addr, access });
    return r.ret;
  });
  return newMr(pd, r, addr, length);
}

/** ibv_reg_dmabuf_mr(pd, offset, length, iova, fd, access): no DMA handle argument. */
export function ibv_reg_dmabuf_mr(
  pd: IbvPd,
  offset: bigint,
  length: bigint,
  iova: bigint,
  fd: number,
  access: number,
): IbvMr | null {
  const { libc } = pd.context;
  if (!live(pd, pd.context)) return null;
  let r: RegMrResp = { ret: 0, handle: -1, lkey: 0, rkey: 0 };
  method(pd.context, "REG_DMABUF_MR", () => {
    r = uverbsRegDmabufMr(libc.k, pd.context.cmdFd, { pd: pd.handle, offset, length, iova, fd, access });
    return r.ret;
  });
  return newMr(pd, r, offset, length);
}

/** The kernel attributes ibv_reg_mr_ex passes for `attr`, or a positive errno. */
function regMrExAttrs(pd: IbvPd, attr: Uint8Array): RegMrAttrs | number {
  const d = decode(ibv_mr_init_attr, attr);
  if (!d.ok) return EFAULT;
  const a = d.value;
  const m = a.comp_mask;
  if (m & ~MR_MASKS) return EINVAL;
  const has = (bit: number) => (m & BigInt(bit)) !== 0n;
  let dmah: number | undefined;
  if (has(IBV_REG_MR_MASK_DMAH)) {
    const obj = pd.context.libc.deref(a.dmah);
    if (!(obj instanceof IbvDmah) || obj.freed) return EFAULT;
    dmah = obj.handle;
  }
  const iova = has(IBV_REG_MR_MASK_IOVA)
    ? a.iova
    : has(IBV_REG_MR_MASK_ADDR)
      ? a.addr
      : has(IBV_REG_MR_MASK_FD_OFFSET)
        ? a.fd_offset
        : 0n;
  return {
    pd: pd.handle,
    iova,
    length: a.length,
    access: a.access,
    ...(has(IBV_REG_MR_MASK_ADDR) ? { addr: a.addr } : {}),
    ...(has(IBV_REG_MR_MASK_FD) ? { fd: a.fd } : {}),
    ...(has(IBV_REG_MR_MASK_FD_OFFSET) ? { fdOffset: a.fd_offset } : {}),
    ...(dmah === undefined ? {} : { dmah }),
  };
}

/** ibv_reg_mr_ex(pd, attr): `attr` holds the bytes of struct ibv_mr_init_attr (address or fd, optional DMAH). */
export function ibv_reg_mr_ex(pd: IbvPd, attr: Uint8Array): IbvMr | null {
  const { libc } = pd.context;
  if (!live(pd, pd.context)) return null;
  const attrs = regMrExAttrs(pd, attr);
  if (typeof attrs === "number") return err(libc, attrs, null);
  let r: RegMrResp = { ret: 0, handle: -1, lkey: 0, rkey: 0 };
  method(pd.context, "REG_MR", () => {
    r = uverbsRegMr(libc.k, pd.context.cmdFd, attrs);
    return r.ret;
  });
  return newMr(pd, r, attrs.addr ?? attrs.fdOffset ?? 0n, attrs.length);
}

/**
 * ibv_rereg_mr(mr, flags, pd, addr, length, access): 0, IBV_REREG_MR_ERR_INPUT (-1, bad flags)
 * or IBV_REREG_MR_ERR_CMD (-4, the kernel refused), errno set on failure.
 */
export function ibv_rereg_mr(
  mr: IbvMr,
  flags: number,
  pd: IbvPd | null,
  addr: bigint,
  length: bigint,
  access: number,
): number {
  const { libc } = mr.context;
  const bad = (): number => err(libc, EINVAL, IBV_REREG_MR_ERR_INPUT);
  if (!live(mr, mr.context)) return IBV_REREG_MR_ERR_INPUT;
  if (flags & ~IBV_REREG_MR_FLAGS_SUPPORTED) return bad();
  if (flags & IBV_REREG_MR_CHANGE_TRANSLATION && (!length || !addr)) return bad();
  if (access && !(flags & IBV_REREG_MR_CHANGE_ACCESS)) return bad();
  const cmd = {
    handle: mr.handle,
    flags,
    start: addr,
    length,
    hcaVa: addr,
    access,
    ...(pd && flags & IBV_REREG_MR_CHANGE_PD ? { pd: pd.handle } : {}),
  };
  const ret = method(mr.context, "REREG_MR", () => ibUverbsReregMr(libc.k, mr.context.cmdFd, cmd));
  if (ret < 0) return IBV_REREG_MR_ERR_CMD;
  if (pd && flags & IBV_REREG_MR_CHANGE_PD) mr.pd = pd;
  // A new translation gives a new mkey under the same handle: read the keys back.
  const now = uverbsMrObject(libc.k, mr.context.cmdFd, mr.handle);
  if (now) {
    mr.lkey = now.lkey;
    mr.rkey = now.rkey;
  }
  if (flags & IBV_REREG_MR_CHANGE_TRANSLATION) {
    mr.addr = addr;
    mr.length = length;
  }
  return 0;
}

/** ibv_dereg_mr(): 0 or the errno value. */
export function ibv_dereg_mr(mr: IbvMr): number {
  const { libc } = mr.context;
  if (!live(mr, mr.context)) return libc.errno;
  const ret = method(mr.context, "MR_DESTROY", () => ibUverbsDeregMr(libc.k, mr.context.cmdFd, mr.handle));
  if (ret < 0) return libc.errno;
  untrack(libc, mr);
  return 0;
}
