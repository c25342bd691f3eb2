/**
 * A P2P testbed for the driver tests: Root Port -> switch -> { mlx5 NIC, accelerator }, booted,
 * with mlx5_core + mlx5_ib on the NIC and vfio-pci on the accelerator; plus the userspace side
 * of each call, building the argument bytes with the uapi layouts as a C program would.
 */

import type { Mkey } from "../../../src/hw/mlx5/device.js";
import {
  DEFAULT_MLX5_CAPS,
  type Mlx5Caps,
  Mlx5Device,
  mlx5FunctionDesc,
} from "../../../src/hw/mlx5/device.js";
import type { TphRequesterDesc } from "../../../src/hw/pci-function-desc.js";
import type { StInfoDesc } from "../../../src/hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../../../src/hw/topology.js";
import { encode } from "../../../src/kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_SET,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
  vfioFeatureArg,
} from "../../../src/kernel/include/uapi/linux/vfio.js";
import { ibUverbsOpenDevice, uverbsMrObject } from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import { mlx5IbAdd } from "../../../src/kernel/infiniband/hw/mlx5/main.js";
import type { Mlx5IbDev, Mlx5IbMr } from "../../../src/kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { bootKernel, type Kernel } from "../../../src/kernel/kernel.js";
import { type Mlx5CoreDev, mlx5Probe } from "../../../src/kernel/net/ethernet/mellanox/mlx5/core/main.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import {
  type VfioPciCoreDevice,
  vfioPciCoreRegisterDevice,
  vfioPciOpen,
} from "../../../src/kernel/vfio/pci/vfio_pci_core.js";
import { vfioDeviceFeature } from "../../../src/kernel/vfio/vfio_main.js";

export const RP = "0000:00:01.0";
export const USP = "0000:01:00.0";
export const DSP_NIC = "0000:02:00.0";
export const DSP_ACC = "0000:02:01.0";
export const NIC = "0000:03:00.0";
export const ACC = "0000:04:00.0";
export const ACC_BAR = 0x40_0000_0000;
export const ACC_BAR_SIZE = 256 * 1024 * 1024;
export const NIC_BAR = 0x38_0000_0000;

export interface TestbedOptions {
  readonly revision?: RevisionName;
  readonly rpCompleter?: 0 | 1 | 2 | 3;
  readonly accCompleter?: 0 | 1 | 2 | 3;
  readonly nicTph?: TphRequesterDesc | "none";
  readonly nicCaps?: Partial<Mlx5Caps>;
  /** st_info per ACPI Processor UID, answered by the Root Port's _DSM. */
  readonly stInfo?: Readonly<Record<string, StInfoDesc>>;
  readonly nrCpuIds?: number;
  readonly cmdline?: string;
  readonly accFlr?: boolean;
  /** Put a second accelerator on the accelerator's bus (hot reset scope). */
  readonly accSibling?: boolean;
}

export interface Testbed {
  readonly k: Kernel;
  readonly nic: Mlx5CoreDev;
  readonly hw: Mlx5Device;
  readonly ib: Mlx5IbDev;
  readonly acc: VfioPciCoreDevice;
}

/** Table mode with 8 entries, Extended TPH requester. */
export const NIC_TPH_TABLE: TphRequesterDesc = {
  modes: ["ns", "ds"],
  ext: true,
  location: "cap",
  tableSize: 8,
};
/** Direct mode (no ST table), Extended TPH requester. */
export const NIC_TPH_DIRECT: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "none" };

function accelerator(
  bdf: string,
  parent: string,
  o: TestbedOptions,
  address: number,
  bar2: number,
): TopologyNodeDesc {
  return {
    bdf,
    parent,
    type: "endpoint",
    vendor: 0x10ee,
    device: 0x903f,
    classCode: 0x120000,
    label: "Processing accelerator",
    bars: [
      { index: 0, size: ACC_BAR_SIZE, address, bits64: true, prefetchable: true },
      { index: 2, size: 0x10000, address: bar2, bits64: false },
    ],
    tphCompleter: o.accCompleter ?? 3,
    flr: o.accFlr ?? true,
  };
}

/** Boot the testbed and bind the drivers. */
export function bootTestbed(o: TestbedOptions = {}): Testbed {
  const devices: TopologyNodeDesc[] = [
    { bdf: RP, type: "root-port", vendor: 0x8086, device: 0x352a, tphCompleter: o.rpCompleter ?? 3 },
    { bdf: USP, parent: RP, type: "upstream-port", vendor: 0x1000, device: 0xc030 },
    { bdf: DSP_NIC, parent: USP, type: "downstream-port", vendor: 0x1000, device: 0xc030 },
    { bdf: DSP_ACC, parent: USP, type: "downstream-port", vendor: 0x1000, device: 0xc030 },
    {
      ...mlx5FunctionDesc({ bdf: NIC, tph: o.nicTph ?? NIC_TPH_TABLE, barAddress: NIC_BAR }),
      parent: DSP_NIC,
    },
    accelerator(ACC, DSP_ACC, o, ACC_BAR, 0xe000_0000),
    ...(o.accSibling ? [accelerator("0000:04:00.1", DSP_ACC, o, ACC_BAR + ACC_BAR_SIZE, 0xe001_0000)] : []),
  ];
  const k = bootKernel({
    revision: o.revision ?? "v11",
    nrCpuIds: o.nrCpuIds ?? 8,
    cmdline: o.cmdline ?? "",
    firmware: { rootPorts: { [RP]: { stInfo: o.stInfo ?? {} } } },
    topology: { devices },
  });
  const nicPdev = k.pciDev(NIC)!;
  const hw = new Mlx5Device(nicPdev.fn, { ...DEFAULT_MLX5_CAPS, ...o.nicCaps });
  const nic = mlx5Probe(k, nicPdev, hw);
  if (typeof nic === "number") throw new Error(`mlx5 probe failed: ${nic}`);
  const ib = mlx5IbAdd(k, nic);
  const acc = vfioPciCoreRegisterDevice(k, k.pciDev(ACC)!);
  if (typeof acc === "number") throw new Error(`vfio-pci probe failed: ${acc}`);
  return { k, nic, hw, ib, acc };
}

/* ---- the userspace side: argument bytes as a C program builds them ---- */

export interface ExportOpts {
  readonly bar?: number;
  readonly ranges?: readonly { readonly offset: bigint | number; readonly length: bigint | number }[];
  readonly openFlags?: number;
  readonly flags?: number;
  /** rfc layout only: the inserted tag and PH. */
  readonly st?: number;
  readonly ph?: number;
  /** Override the feature flags word (default GET | DMA_BUF). */
  readonly featureFlags?: number;
}

/** The payload of VFIO_DEVICE_FEATURE_DMA_BUF in the layout of `k`'s revision. */
export function dmaBufPayload(k: Kernel, o: ExportOpts = {}): Uint8Array {
  const ranges = (o.ranges ?? [{ offset: 0, length: 0x10000 }]).map((r) => ({
    offset: r.offset,
    length: r.length,
  }));
  const base = {
    region_index: o.bar ?? 0,
    open_flags: o.openFlags ?? 0,
    flags: o.flags ?? 0,
    nr_ranges: ranges.length,
    dma_ranges: ranges,
  };
  return k.b.vfioDmaBufLayout === "rfc"
    ? encode(vfio_device_feature_dma_buf_rfc, { ...base, steering_tag: o.st ?? 0, ph: o.ph ?? 0 })
    : encode(vfio_device_feature_dma_buf_mainline, base);
}

/** ioctl(VFIO_DEVICE_FEATURE, GET | DMA_BUF): the new dma-buf fd or -errno. */
export function exportDmaBuf(k: Kernel, devFd: number, o: ExportOpts = {}): number {
  const flags = o.featureFlags ?? VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
  return vfioDeviceFeature(k, devFd, vfioFeatureArg(flags, dmaBufPayload(k, o)));
}

export interface TphOpts {
  readonly fd: number;
  readonly flags: number;
  readonly st?: number;
  readonly stExt?: number;
  readonly ph?: number;
  readonly featureFlags?: number;
}

/** The 12-byte payload of VFIO_DEVICE_FEATURE_DMA_BUF_TPH. */
export function tphPayload(o: TphOpts): Uint8Array {
  return encode(vfio_device_feature_dma_buf_tph, {
    dmabuf_fd: o.fd,
    flags: o.flags,
    steering_tag_ext: o.stExt ?? 0,
    steering_tag: o.st ?? 0,
    ph: o.ph ?? 0,
  });
}

/** ioctl(VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH): 0 or -errno. */
export function setDmaBufTph(k: Kernel, devFd: number, o: TphOpts): number {
  const flags = o.featureFlags ?? VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_TPH;
  return vfioDeviceFeature(k, devFd, vfioFeatureArg(flags, tphPayload(o)));
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
  return mr ? t.hw.mkeyByKey(mr.key) : undefined;
}
