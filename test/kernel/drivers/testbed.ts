/**
 * The P2P machine for the driver tests (src/kernel/p2p-system.ts, switch topology): Root Port ->
 * switch -> { mlx5 NIC, accelerator }, booted, with mlx5_core + mlx5_ib on the NIC and vfio-pci on
 * the accelerator; plus the userspace side of each call, with the argument bytes of src/uapi/vfio.ts
 * handed straight to the kernel's ioctl entry (no C library in between).
 */

import type { Mkey } from "../../../src/hw/mlx5/device.js";
import { vfioDmaBufStruct } from "../../../src/kernel/include/uapi/linux/vfio.js";
import { ibUverbsOpenDevice, uverbsMrObject } from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import type { Mlx5IbMr } from "../../../src/kernel/infiniband/hw/mlx5/mlx5_ib.js";
import type { Kernel } from "../../../src/kernel/kernel.js";
import {
  bootP2pSystem,
  P2P_ACC_BAR_SIZE,
  P2P_ADDRESSES,
  P2P_NIC_TPH_DIRECT,
  type P2pSystem,
  type P2pSystemOptions,
} from "../../../src/kernel/p2p-system.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { vfioPciOpen } from "../../../src/kernel/vfio/pci/vfio_pci_core.js";
import { vfioDeviceFeature } from "../../../src/kernel/vfio/vfio_main.js";
import {
  type DmaBufArgs,
  type DmaBufTphArgs,
  dmaBufExportArg,
  dmaBufTphSetArg,
  encodeDmaBuf,
} from "../../../src/uapi/vfio.js";

/** The accelerator's second function (04:00.1), on its bus; and the size of its BAR 0. */
export const ACC_SIBLING = P2P_ADDRESSES.switch.sibling;
export const ACC_BAR_SIZE = P2P_ACC_BAR_SIZE;
/** Direct mode (no ST table), Extended TPH requester. */
export const NIC_TPH_DIRECT = P2P_NIC_TPH_DIRECT;

/** The machine's options; revision v11 unless told. */
export type TestbedOptions = Omit<P2pSystemOptions, "revision" | "topology"> & {
  readonly revision?: RevisionName;
};
export type Testbed = P2pSystem;

/** Boot the testbed and bind the drivers. */
export function bootTestbed(o: TestbedOptions = {}): Testbed {
  return bootP2pSystem({ ...o, revision: o.revision ?? "v11" });
}

/* ---- the userspace side: argument bytes as a C program builds them ---- */

export interface ExportOpts extends Partial<DmaBufArgs> {
  /** Override the feature flags word (default GET | DMA_BUF). */
  readonly featureFlags?: number;
}

/** The export asked for unless told: 64 KiB at the start of BAR 0. */
function exportArgs(o: ExportOpts): DmaBufArgs {
  return { ranges: [{ offset: 0, length: 0x10000 }], ...o };
}

/** The payload of VFIO_DEVICE_FEATURE_DMA_BUF in the layout of `k`'s revision. */
export function dmaBufPayload(k: Kernel, o: ExportOpts = {}): Uint8Array {
  return encodeDmaBuf(vfioDmaBufStruct(k.b), exportArgs(o));
}

/** ioctl(VFIO_DEVICE_FEATURE, GET | DMA_BUF): the new dma-buf fd or -errno. */
export function exportDmaBuf(k: Kernel, devFd: number, o: ExportOpts = {}): number {
  return vfioDeviceFeature(k, devFd, dmaBufExportArg(vfioDmaBufStruct(k.b), exportArgs(o), o.featureFlags));
}

export interface TphOpts extends DmaBufTphArgs {
  readonly featureFlags?: number;
}

/** ioctl(VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH): 0 or -errno. */
export function setDmaBufTph(k: Kernel, devFd: number, o: TphOpts): number {
  return vfioDeviceFeature(k, devFd, dmaBufTphSetArg(o, o.featureFlags));
}

/** Open the accelerator's VFIO device and the NIC's verbs device. */
export function openBoth(t: Testbed): { devFd: number; ufd: number } {
  const devFd = vfioPciOpen(t.k, t.acc);
  const ufd = ibUverbsOpenDevice(t.k, t.ib.ibdev);
  return { devFd, ufd };
}

/** The mkey of MR `handle` as the NIC holds it. */
export function mkeyOf(t: Testbed, ufd: number, handle: number): Mkey | undefined {
  const mr = uverbsMrObject(t.k, ufd, handle) as Mlx5IbMr | undefined;
  return mr ? t.nicHw.mkeyByKey(mr.key) : undefined;
}
