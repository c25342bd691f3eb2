/**
 * The P2P machine every part of tphlab boots (driver tests, the review catalogue, scenarios): an
 * mlx5 NIC and an accelerator below one Root Port complex, the ACPI firmware answering CPU steering
 * tags (_DSM st_info), booted with the drivers bound as at probe time: mlx5_core + mlx5_ib on the
 * NIC, vfio-pci on the accelerator (and its sibling function when asked).
 *
 * A thin wrapper over bootPlatformSystem() (platform-system.ts) on the `switch` and `root-complex`
 * presets, which lay out at exactly these addresses.
 *
 * Addresses: switch = Root Port 00:01.0 -> switch 01:00.0 -> ports 02:00.0 / 02:01.0 -> NIC
 * 03:00.0, accelerator 04:00.0 (sibling 04:00.1); root-complex = NIC 01:00.0 below Root Port
 * 00:01.0, accelerator 02:00.0 (sibling 02:00.1) below Root Port 00:02.0.
 */

import type { Mlx5Caps, Mlx5Device } from "../hw/mlx5/device.js";
import type { TphRequesterDesc } from "../hw/pci-function-desc.js";
import { layoutPlatform, type PlatformLayout } from "../hw/platform.js";
import type { DsmFailure, PlatformFirmwareDesc, StInfoDesc } from "../hw/platform-firmware.js";
import { PLATFORM_PRESETS } from "../hw/platform-presets.js";
import type { TopologyNodeDesc } from "../hw/topology.js";
import type { Mlx5IbDev } from "./infiniband/hw/mlx5/mlx5_ib.js";
import type { Kernel } from "./kernel.js";
import type { Mlx5CoreDev } from "./net/ethernet/mellanox/mlx5/core/main.js";
import {
  bootPlatformSystem,
  P2P_NIC_TPH_TABLE,
  type PlatformSystemOptions,
  platformFirmware,
  platformTopology,
} from "./platform-system.js";
import type { RevisionName } from "./revision.js";
import type { VfioPciCoreDevice, VfioTphTagLimit } from "./vfio/pci/vfio_pci_core.js";

export {
  P2P_ACC_BAR,
  P2P_ACC_BAR_SIZE,
  P2P_NIC_BAR,
  P2P_NIC_TPH_DIRECT,
  P2P_NIC_TPH_TABLE,
} from "./platform-system.js";

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
  /** The switch's downstream ports have ACS P2P Request/Completion Redirect on (default false). */
  readonly acsRedirect?: boolean;
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

/** The preset's layout with every link at `link` (default Gen4 x16, the function default). */
export function p2pLayout(o: Pick<P2pSystemOptions, "topology" | "link">): PlatformLayout {
  const p = PLATFORM_PRESETS[o.topology ?? "switch"];
  const link = o.link ? { gen: o.link.speed, width: o.link.width } : { gen: 4, width: 16 };
  return layoutPlatform({ link, switches: p.switches, devices: p.devices });
}

/** The platform options a P2P machine stands for. */
function platformOptions(o: P2pSystemOptions): PlatformSystemOptions {
  const opt = <K extends string, V>(key: K, v: V | undefined) =>
    v === undefined ? {} : ({ [key]: v } as Record<K, V>);
  return {
    revision: o.revision,
    layout: p2pLayout(o),
    ...opt("rpCompleter", o.rpCompleter),
    nic: { tph: o.nicTph ?? P2P_NIC_TPH_TABLE, ...opt("caps", o.nicCaps) },
    accelerator: {
      ...opt("completer", o.accCompleter),
      ...opt("barSize", o.accBarSize),
      ...opt("mmioBar", o.accMmioBar),
      ...opt("flr", o.accFlr),
      ...opt("dmaBuf", o.accDmaBuf),
      ...opt("tagLimit", o.accTagLimit),
      ...opt("sibling", o.sibling),
    },
    ...opt("acsRedirect", o.acsRedirect),
    ...opt("stInfo", o.stInfo),
    ...opt("dsmFail", o.dsmFail),
    ...opt("noAcpi", o.noAcpi),
    ...opt("nrCpuIds", o.nrCpuIds),
    ...opt("cmdline", o.cmdline),
  };
}

/** The topology description (parents first). */
export function p2pTopology(o: P2pSystemOptions): TopologyNodeDesc[] {
  return platformTopology(platformOptions(o)).desc;
}

/** ACPI: every Root Port's companion answers the _DSM with `stInfo` (or fails as asked). */
export function p2pFirmware(
  o: Pick<P2pSystemOptions, "topology" | "stInfo" | "dsmFail" | "noAcpi">,
): PlatformFirmwareDesc {
  const opt = { layout: p2pLayout(o), ...(o.noAcpi ? { noAcpi: true } : {}) };
  return platformFirmware({
    ...opt,
    ...(o.stInfo ? { stInfo: o.stInfo } : {}),
    ...(o.dsmFail ? { dsmFail: o.dsmFail } : {}),
  });
}

/** Boot the machine and bind the drivers: NIC first (mlx5_core, mlx5_ib), then vfio-pci. */
export function bootP2pSystem(o: P2pSystemOptions): P2pSystem {
  const sys = bootPlatformSystem(platformOptions(o));
  const nic = sys.nics[0]!;
  const acc = sys.accelerators[0]!;
  const accs = acc.sibling ? [acc.vfio, acc.sibling] : [acc.vfio];
  return {
    k: sys.k,
    addresses: P2P_ADDRESSES[o.topology ?? "switch"],
    nic: nic.core,
    nicHw: nic.hw,
    ib: nic.ib,
    acc: acc.vfio,
    accs,
  };
}
