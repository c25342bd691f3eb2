/**
 * drivers/infiniband/core/uverbs_std_types_dmah.c: UVERBS_METHOD_DMAH_ALLOC and the DMAH destroy
 * (linux-tph-stack.md section 3). Checks in the kernel's order:
 * device without alloc_dmah -> -EPROTONOSUPPORT (UAPI_DEF_OBJ_NEEDS_FN drops the method, and
 * the uverbs ioctl dispatcher answers a missing method slot so); mem_type not in the enum ->
 * -EOPNOTSUPP (uverbs_process_attr() for ENUM_IN), both before the handler;
 * cpu_id >= nr_cpu_ids -> -EINVAL; cpu not in the caller's allowed CPUs -> -EPERM;
 * ph & 0xFC -> -EINVAL (PCIe 6.2: only two PH bits); then the driver's alloc_dmah.
 * Freeing a DMAH an MR still uses -> -EBUSY.
 */
import { EBUSY, EINVAL, EOPNOTSUPP, EPERM, EPROTONOSUPPORT } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import {
  IB_DMAH_CPU_ID_EXISTS,
  IB_DMAH_MEM_TYPE_EXISTS,
  IB_DMAH_PH_EXISTS,
  type IbDmah,
} from "./ib_verbs.js";
import { type IbUverbsFile, ibUverbsFile, uobjGet } from "./uverbs_main.js";

/** The method's optional attributes (UVERBS_ATTR_ALLOC_DMAH_CPU_ID, _TPH_MEM_TYPE, _PH). */
export interface DmahAllocAttrs {
  readonly cpuId?: number;
  /** enum ib_uverbs_tph_mem_type: 0 volatile (VM), 1 persistent (PM). */
  readonly memType?: number;
  readonly ph?: number;
}

/** Number of elements of enum ib_uverbs_tph_mem_type. */
const TPH_MEM_TYPE_NUM = 2;

function dmahRet(k: Kernel, ufile: IbUverbsFile, attrs: DmahAllocAttrs, ret: number): number {
  const args: Record<string, number> = {};
  if (attrs.cpuId !== undefined) args.cpu = attrs.cpuId;
  if (attrs.memType !== undefined) args.mem_type = attrs.memType;
  if (attrs.ph !== undefined) args.ph = attrs.ph;
  return k.trace.ret("uverbs_dmah_alloc", { dev: ufile.device.name, args }, ret);
}

/** UVERBS_HANDLER(UVERBS_METHOD_DMAH_ALLOC): returns the new handle or a negative errno. */
export function uverbsDmahAlloc(k: Kernel, ufd: number, attrs: DmahAllocAttrs): number {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return ufile;
  const dev = ufile.device;
  // A device without alloc_dmah does not expose the method at all (UAPI_DEF_OBJ_NEEDS_FN), so
  // ib_uverbs_cmd_verbs() finds no method slot: -EPROTONOSUPPORT (drivers/infiniband/core/uverbs_ioctl.c).
  if (!dev.ops.allocDmah || !dev.ops.newDmah) return dmahRet(k, ufile, attrs, -EPROTONOSUPPORT);
  if (attrs.memType !== undefined && (attrs.memType < 0 || attrs.memType >= TPH_MEM_TYPE_NUM)) {
    return dmahRet(k, ufile, attrs, -EOPNOTSUPP);
  }
  const dmah = dev.ops.newDmah(dev);
  if (attrs.cpuId !== undefined) {
    if (attrs.cpuId < 0 || attrs.cpuId >= k.nrCpuIds) return dmahRet(k, ufile, attrs, -EINVAL);
    if (!k.current.allowedCpus.has(attrs.cpuId)) return dmahRet(k, ufile, attrs, -EPERM);
    dmah.cpuId = attrs.cpuId;
    dmah.validFields |= 1 << IB_DMAH_CPU_ID_EXISTS;
  }
  if (attrs.memType !== undefined) {
    dmah.memType = attrs.memType;
    dmah.validFields |= 1 << IB_DMAH_MEM_TYPE_EXISTS;
  }
  if (attrs.ph !== undefined) {
    if (attrs.ph & 0xfc) return dmahRet(k, ufile, attrs, -EINVAL);
    dmah.ph = attrs.ph;
    dmah.validFields |= 1 << IB_DMAH_PH_EXISTS;
  }
  const ret = dev.ops.allocDmah(k, dmah);
  if (ret) return dmahRet(k, ufile, attrs, ret);
  const handle = ufile.add("dmah", dmah);
  dmahRet(k, ufile, attrs, 0);
  return handle;
}

/** uverbs_free_dmah(): -EBUSY while an MR uses it, else the driver's dealloc_dmah. */
export function uverbsFreeDmah(k: Kernel, ufile: IbUverbsFile, handle: number): number {
  const dmah = uobjGet(ufile, "dmah", handle);
  if (typeof dmah === "number") return dmah;
  const fn = "uverbs_free_dmah";
  if (dmah.usecnt)
    return k.trace.ret(fn, { dev: ufile.device.name, args: { handle, usecnt: dmah.usecnt } }, -EBUSY);
  const ret = ufile.device.ops.deallocDmah ? ufile.device.ops.deallocDmah(k, dmah) : 0;
  if (ret) return k.trace.ret(fn, { dev: ufile.device.name, args: { handle } }, ret);
  ufile.objects.delete(handle);
  return k.trace.ret(fn, { dev: ufile.device.name, args: { handle } }, 0);
}

/** UVERBS_METHOD_DMAH_FREE (ibv_dealloc_dmah) on the uverbs file `ufd`. */
export function uverbsDmahFree(k: Kernel, ufd: number, handle: number): number {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return ufile;
  return uverbsFreeDmah(k, ufile, handle);
}

/** The DMAH object behind a handle (for tests and the facade). */
export function uverbsDmahObject(k: Kernel, ufd: number, handle: number): IbDmah | undefined {
  const ufile = ibUverbsFile(k, ufd);
  if (typeof ufile === "number") return undefined;
  const d = uobjGet(ufile, "dmah", handle);
  return typeof d === "number" ? undefined : d;
}
