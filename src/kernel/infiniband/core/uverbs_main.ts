/**
 * drivers/infiniband/core/uverbs_main.c and rdma_core.c: the uverbs file a process opens on an IB
 * device (/dev/infiniband/uverbsN) and the objects it owns, by handle (struct ib_uobject in the
 * file's xarray). Closing the file destroys every object still alive (uverbs_destroy_ufile_hw).
 */
import { EBADF, EINVAL, ENOENT } from "../../errno.js";
import { File, fput, type Kernel } from "../../kernel.js";
import type { IbDevice, IbDmah, IbMr, IbPd } from "./ib_verbs.js";

/** Object types with their uobject. */
export interface UobjTypes {
  pd: IbPd;
  mr: IbMr;
  dmah: IbDmah;
}
export type UobjType = keyof UobjTypes;
export type Uobject = { [T in UobjType]: { readonly type: T; obj: UobjTypes[T] } }[UobjType];

/** struct ib_uverbs_file with its ucontext. */
export class IbUverbsFile {
  /** ufile->idr: handle -> object; handles are allocated from 0 upward (xa_alloc). */
  readonly objects = new Map<number, Uobject>();
  constructor(readonly device: IbDevice) {}

  /** Allocate a handle for a new object (alloc_commit). */
  add<T extends UobjType>(type: T, obj: UobjTypes[T]): number {
    let h = 0;
    while (this.objects.has(h)) h++;
    this.objects.set(h, { type, obj } as Uobject);
    return h;
  }
}

/** What a destroy hook does for each type at close (set by the modules that own the types). */
export type UobjDestroyer = (k: Kernel, ufile: IbUverbsFile, handle: number) => number;
const destroyOrder: readonly UobjType[] = ["mr", "dmah", "pd"];

/** ib_uverbs_open(): a new uverbs file on `device`; returns the fd. */
export function ibUverbsOpen(
  k: Kernel,
  device: IbDevice,
  destroy: Readonly<Record<UobjType, UobjDestroyer>>,
): number {
  const ufile = new IbUverbsFile(device);
  const file = new File("uverbs", ufile, (kk) => ibUverbsRelease(kk, ufile, destroy));
  const fd = k.fdInstall(file);
  k.trace.emit("ib_uverbs_open", { dev: device.name, args: { fd }, ret: 0 });
  return fd;
}

/** uverbs_destroy_ufile_hw(RDMA_REMOVE_CLOSE): MRs first, then DMA handles, then PDs. */
function ibUverbsRelease(
  k: Kernel,
  ufile: IbUverbsFile,
  destroy: Readonly<Record<UobjType, UobjDestroyer>>,
): void {
  for (const type of destroyOrder) {
    for (const [h, u] of [...ufile.objects].reverse()) if (u.type === type) destroy[type](k, ufile, h);
  }
  k.trace.emit("ib_uverbs_release", { dev: ufile.device.name, args: { left: ufile.objects.size } });
}

/** The uverbs file behind `fd` (fdget + type check), or -EBADF. The file reference is dropped at once. */
export function ibUverbsFile(k: Kernel, fd: number): IbUverbsFile | number {
  const file = k.fdGet(fd);
  if (!file) return -EBADF;
  fput(k, file);
  return file.kind === "uverbs" ? (file.priv as IbUverbsFile) : -EBADF;
}

/**
 * rdma_lookup_get_uobject() for an ioctl attribute: -ENOENT for an unknown handle, -EINVAL for a
 * handle of another type.
 */
export function uobjGet<T extends UobjType>(
  ufile: IbUverbsFile,
  type: T,
  handle: number,
): UobjTypes[T] | number {
  const u = ufile.objects.get(handle);
  if (!u) return -ENOENT;
  if (u.type !== type) return -EINVAL;
  return u.obj as UobjTypes[T];
}

/** uobj_get_obj_read() of the legacy write() commands: NULL (-EINVAL) for any bad handle. */
export function uobjGetRead<T extends UobjType>(
  ufile: IbUverbsFile,
  type: T,
  handle: number,
): UobjTypes[T] | number {
  const r = uobjGet(ufile, type, handle);
  return typeof r === "number" ? -EINVAL : r;
}
