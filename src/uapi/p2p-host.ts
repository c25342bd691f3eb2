/**
 * A booted P2P machine (src/kernel/p2p-system.ts) as its programs see it: a Host whose devfs has
 * the accelerators' VFIO nodes and the NIC's uverbs node, and the two VFIO_DEVICE_FEATURE calls the
 * accelerator's owner makes through its C library (export a dma-buf, SET its steering tag).
 */
import type { VfioDmaBufStruct } from "../kernel/include/uapi/linux/vfio.js";
import type { P2pSystem } from "../kernel/p2p-system.js";
import { Host } from "./host.js";
import type { Libc } from "./libc.js";
import {
  type DmaBufArgs,
  type DmaBufTphArgs,
  dmaBufExportArg,
  dmaBufTphSetArg,
  VFIO_DEVICE_FEATURE,
} from "./vfio.js";

export interface P2pHost {
  readonly host: Host;
  /** Device nodes: the accelerators' VFIO nodes (same order as `sys.accs`) and the NIC's uverbs node. */
  readonly paths: { readonly accs: readonly string[]; readonly uverbs: string };
}

/** The Host of `sys` with its device nodes (VFIO nodes first, as udev would number them). */
export function p2pHost(sys: P2pSystem): P2pHost {
  const host = new Host(sys.k);
  const accs = sys.accs.map((v) => host.devfs.addVfio(v));
  return { host, paths: { accs, uverbs: host.devfs.addUverbs(sys.ib.ibdev) } };
}

/** ioctl(devFd, VFIO_DEVICE_FEATURE, GET | DMA_BUF): the dma-buf fd, or -1 with errno. */
export function vfioExportDmaBuf(
  libc: Libc,
  devFd: number,
  layout: VfioDmaBufStruct,
  a: DmaBufArgs,
  featureFlags?: number,
): number {
  return libc.ioctl(devFd, VFIO_DEVICE_FEATURE, dmaBufExportArg(layout, a, featureFlags));
}

/** ioctl(devFd, VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH): 0, or -1 with errno. */
export function vfioSetDmaBufTph(libc: Libc, devFd: number, a: DmaBufTphArgs, featureFlags?: number): number {
  return libc.ioctl(devFd, VFIO_DEVICE_FEATURE, dmaBufTphSetArg(a, featureFlags));
}
