/**
 * The P2P machine every part of tphlab boots (driver tests, the review catalogue, scenarios): an
 * mlx5 NIC and an accelerator below one Root Port complex, the ACPI firmware answering CPU steering
 * tags (_DSM st_info), booted with the drivers bound as at probe time: mlx5_core + mlx5_ib on the
 * NIC, vfio-pci on the accelerator (and its sibling function when asked).
 *
 * Addresses: switch = Root Port 00:01.0 -> switch 01:00.0 -> ports 02:00.0 / 02:01.0 -> NIC
 * 03:00.0, accelerator 04:00.0 (sibling 04:00.1); root-complex = NIC 01:00.0 below Root Port
 * 00:01.0, accelerator 02:00.0 (sibling 02:00.1) below Root Port 00:02.0.
 */
import { ModelError } from "../base/errors.js";
import { DEFAULT_MLX5_CAPS, type Mlx5Caps, Mlx5Device, mlx5FunctionDesc } from "../hw/mlx5/device.js";
import type { TphRequesterDesc } from "../hw/pci-function-desc.js";
import type { DsmFailure, PlatformFirmwareDesc, StInfoDesc } from "../hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../hw/topology.js";
import { errnoName } from "./errno.js";
import { mlx5IbAdd } from "./infiniband/hw/mlx5/main.js";
import type { Mlx5IbDev } from "./infiniband/hw/mlx5/mlx5_ib.js";
import { bootKernel, type Kernel } from "./kernel.js";
import { type Mlx5CoreDev, mlx5Probe } from "./net/ethernet/mellanox/mlx5/core/main.js";
import type { RevisionName } from "./revision.js";
import {
  type VfioPciCoreDevice,
  type VfioTphTagLimit,
  vfioPciCoreRegisterDevice,
} from "./vfio/pci/vfio_pci_core.js";

export type P2pTopology = "switch" | "root-complex";
type TphCompleter = 0 | 1 | 2 | 3;

/** The PCI addresses of a P2P machine's functions. */
export interface P2pAddresses {
  readonly rootPorts: readonly string[];
  /** Upstream port, then the NIC's and the accelerator's downstream ports (none without a switch). */
  readonly switchPorts: readonly string[];
  readonly nic: string;
  readonly accelerator: string;
  /** Function 1 of the accelerator's device (same bus: hot reset scope). */
  readonly sibling: string;
}

export const P2P_ADDRESSES: Readonly<Record<P2pTopology, P2pAddresses>> = {
  switch: {
    rootPorts: ["0000:00:01.0"],
    switchPorts: ["0000:01:00.0", "0000:02:00.0", "0000:02:01.0"],
    nic: "0000:03:00.0",
    accelerator: "0000:04:00.0",
    sibling: "0000:04:00.1",
  },
  "root-complex": {
    rootPorts: ["0000:00:01.0", "0000:00:02.0"],
    switchPorts: [],
    nic: "0000:01:00.0",
    accelerator: "0000:02:00.0",
    sibling: "0000:02:00.1",
  },
};

/** Where the platform put the BARs (64-bit, naturally aligned; extrapolation: a large aperture). */
export const P2P_NIC_BAR = 0x38_0000_0000;
export const P2P_ACC_BAR = 0x40_0000_0000;
/** The accelerator's BAR 0 by default: 256 MiB of device memory its owner exports. */
export const P2P_ACC_BAR_SIZE = 256 * 1024 * 1024;
/** The accelerator's 64 KiB register BAR 2 (32-bit), per function. */
const ACC_MMIO_BAR = 0xe000_0000;
const ACC_MMIO_SIZE = 0x10000;

/** NIC TPH Requester: Extended TPH, ST table of 8 entries in the capability. */
export const P2P_NIC_TPH_TABLE: TphRequesterDesc = {
  modes: ["ns", "ds"],
  ext: true,
  location: "cap",
  tableSize: 8,
};
/** NIC TPH Requester: Extended TPH, no ST table (direct mode). */
export const P2P_NIC_TPH_DIRECT: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "none" };

export interface P2pSystemOptions {
  readonly revision: RevisionName;
  readonly topology?: P2pTopology;
  /** Every link's speed (generation) and width; default the function default (Gen4 x16). */
  readonly link?: { readonly speed: number; readonly width: number };
  /** TPH Completer Supported (DevCap2 bits 13:12) of the Root Ports and the accelerator; default 3. */
  readonly rpCompleter?: TphCompleter;
  readonly accCompleter?: TphCompleter;
  /** Size of the accelerator's BAR 0 (default P2P_ACC_BAR_SIZE). */
  readonly accBarSize?: number;
  /** The accelerator has its 64 KiB register BAR 2 (default true). */
  readonly accMmioBar?: boolean;
  readonly accFlr?: boolean;
  /** vfio-pci on the accelerator can export dma-bufs (default true). */
  readonly accDmaBuf?: boolean;
  /** The highest 8/16-bit steering tags the accelerator declares (default: full width). */
  readonly accTagLimit?: VfioTphTagLimit;
  /** A second accelerator function: absent, present without a driver, or bound to vfio-pci. */
  readonly sibling?: "none" | "unbound" | "vfio-pci";
  /** The NIC's TPH Requester (default P2P_NIC_TPH_TABLE). */
  readonly nicTph?: TphRequesterDesc | "none";
  readonly nicCaps?: Partial<Mlx5Caps>;
  /** st_info per ACPI Processor UID, answered by every Root Port's _DSM. */
  readonly stInfo?: Readonly<Record<string, StInfoDesc>>;
  readonly dsmFail?: DsmFailure;
  /** The firmware describes no ACPI companion for the Root Ports (no _DSM to ask). */
  readonly noAcpi?: boolean;
  readonly nrCpuIds?: number;
  readonly cmdline?: string;
}

/** A booted P2P machine with its drivers bound. */
export interface P2pSystem {
  readonly k: Kernel;
  readonly addresses: P2pAddresses;
  /** mlx5_core's device, and the NIC's hardware (mkey table, what it stamps on TLPs). */
  readonly nic: Mlx5CoreDev;
  readonly nicHw: Mlx5Device;
  readonly ib: Mlx5IbDev;
  /** The accelerator bound to vfio-pci. */
  readonly acc: VfioPciCoreDevice;
  /** Every accelerator function bound to vfio-pci, `acc` first. */
  readonly accs: readonly VfioPciCoreDevice[];
}

function rootPort(bdf: string, o: P2pSystemOptions): TopologyNodeDesc {
  const tphCompleter = o.rpCompleter ?? 3;
  return { bdf, type: "root-port", vendor: 0x8086, device: 0x352a, label: "Root Port", tphCompleter };
}

function switchPort(bdf: string, parent: string, upstream: boolean): TopologyNodeDesc {
  const type = upstream ? "upstream-port" : "downstream-port";
  return { bdf, parent, type, vendor: 0x1000, device: 0xc030, label: "PCIe switch port" };
}

/** Accelerator function `fn` (0 or 1): BAR 0 device memory, optional register BAR 2. */
function accelerator(a: P2pAddresses, parent: string, fn: 0 | 1, o: P2pSystemOptions): TopologyNodeDesc {
  const size = o.accBarSize ?? P2P_ACC_BAR_SIZE;
  const bar2 = { index: 2, size: ACC_MMIO_SIZE, address: ACC_MMIO_BAR + fn * ACC_MMIO_SIZE, bits64: false };
  return {
    bdf: fn === 0 ? a.accelerator : a.sibling,
    parent,
    type: "endpoint",
    vendor: 0x10ee,
    device: 0x903f,
    classCode: 0x120000,
    label: "Processing accelerator",
    bars: [
      { index: 0, size, address: P2P_ACC_BAR + fn * size, bits64: true, prefetchable: true },
      ...(o.accMmioBar === false ? [] : [bar2]),
    ],
    tphCompleter: o.accCompleter ?? 3,
    flr: o.accFlr ?? true,
  };
}

/** The topology description (parents first). */
export function p2pTopology(o: P2pSystemOptions): TopologyNodeDesc[] {
  const a = P2P_ADDRESSES[o.topology ?? "switch"];
  const [usp, dspNic, dspAcc] = a.switchPorts;
  const sw = usp !== undefined && dspNic !== undefined && dspAcc !== undefined;
  const rp0 = a.rootPorts[0]!;
  const nicParent = sw ? dspNic : rp0;
  const accParent = sw ? dspAcc : a.rootPorts[1]!;
  const nic = mlx5FunctionDesc({ bdf: a.nic, tph: o.nicTph ?? P2P_NIC_TPH_TABLE, barAddress: P2P_NIC_BAR });
  const all: TopologyNodeDesc[] = [
    ...a.rootPorts.map((bdf) => rootPort(bdf, o)),
    ...(sw
      ? [switchPort(usp, rp0, true), switchPort(dspNic, usp, false), switchPort(dspAcc, usp, false)]
      : []),
    { ...nic, parent: nicParent },
    accelerator(a, accParent, 0, o),
    ...((o.sibling ?? "none") === "none" ? [] : [accelerator(a, accParent, 1, o)]),
  ];
  const link = o.link;
  return link ? all.map((d) => ({ ...d, link })) : all;
}

/** ACPI: every Root Port's companion answers the _DSM with `stInfo` (or fails as asked). */
export function p2pFirmware(
  o: Pick<P2pSystemOptions, "topology" | "stInfo" | "dsmFail" | "noAcpi">,
): PlatformFirmwareDesc {
  if (o.noAcpi) return { rootPorts: {} };
  const rp = { stInfo: o.stInfo ?? {}, ...(o.dsmFail ? { fail: o.dsmFail } : {}) };
  const a = P2P_ADDRESSES[o.topology ?? "switch"];
  return { rootPorts: Object.fromEntries(a.rootPorts.map((bdf) => [bdf, rp])) };
}

/** Probe `bdf` with vfio-pci; a failure is a model bug. */
function bindVfio(k: Kernel, bdf: string, dmabuf: boolean, limit?: VfioTphTagLimit): VfioPciCoreDevice {
  const pdev = k.pciDev(bdf);
  if (!pdev) throw new ModelError(`${bdf} was not enumerated`);
  const v = vfioPciCoreRegisterDevice(k, pdev, limit ? { dmabuf, tphTagLimit: limit } : { dmabuf });
  if (typeof v === "number") throw new ModelError(`vfio-pci probe of ${bdf} failed: ${errnoName(v)}`);
  return v;
}

/** Boot the machine and bind the drivers: NIC first (mlx5_core, mlx5_ib), then vfio-pci. */
export function bootP2pSystem(o: P2pSystemOptions): P2pSystem {
  const addresses = P2P_ADDRESSES[o.topology ?? "switch"];
  const k = bootKernel({
    revision: o.revision,
    nrCpuIds: o.nrCpuIds ?? 8,
    cmdline: o.cmdline ?? "",
    firmware: p2pFirmware(o),
    topology: { devices: p2pTopology(o) },
  });
  const nicPdev = k.pciDev(addresses.nic);
  if (!nicPdev) throw new ModelError(`${addresses.nic} was not enumerated`);
  const nicHw = new Mlx5Device(nicPdev.fn, { ...DEFAULT_MLX5_CAPS, ...o.nicCaps });
  const nic = mlx5Probe(k, nicPdev, nicHw);
  if (typeof nic === "number") throw new ModelError(`mlx5 probe failed: ${errnoName(nic)}`);
  const ib = mlx5IbAdd(k, nic);
  const acc = bindVfio(k, addresses.accelerator, o.accDmaBuf ?? true, o.accTagLimit);
  const accs = o.sibling === "vfio-pci" ? [acc, bindVfio(k, addresses.sibling, true, o.accTagLimit)] : [acc];
  return { k, addresses, nic, nicHw, ib, acc, accs };
}
