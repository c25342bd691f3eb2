/**
 * The machine a scenario describes, booted for one revision: PCI functions (Root Ports, a switch,
 * the mlx5 NIC, the accelerator), the ACPI firmware answering CPU steering tags, and the drivers
 * bound (mlx5_core + mlx5_ib on the NIC, vfio-pci on the accelerator).
 *
 * Addresses: switch topology = Root Port 00:01.0 -> switch 01:00.0 -> ports 02:00.0 / 02:01.0 ->
 * NIC 03:00.0, accelerator 04:00.0; root-complex topology = NIC 01:00.0 below Root Port 00:01.0,
 * accelerator 02:00.0 below Root Port 00:02.0.
 */
import { ModelError } from "../base/errors.js";
import { DEFAULT_MLX5_CAPS, Mlx5Device, mlx5FunctionDesc } from "../hw/mlx5/device.js";
import type { TphRequesterDesc } from "../hw/pci-function-desc.js";
import type { PlatformFirmwareDesc, StInfoFields } from "../hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../hw/topology.js";
import { mlx5IbAdd } from "../kernel/infiniband/hw/mlx5/main.js";
import type { Mlx5IbDev } from "../kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { bootKernel, type Kernel } from "../kernel/kernel.js";
import { type Mlx5CoreDev, mlx5Probe } from "../kernel/net/ethernet/mellanox/mlx5/core/main.js";
import type { RevisionName } from "../kernel/revision.js";
import { type VfioPciCoreDevice, vfioPciCoreRegisterDevice } from "../kernel/vfio/pci/vfio_pci_core.js";
import { fabricParamsOf } from "./fabric-params.js";
import { COMPLETER_NAMES, type Scenario } from "./scenario-schema.js";

/** Where the platform put the BARs (64-bit, naturally aligned). */
export const NIC_BAR_ADDRESS = 0x38_0000_0000;
export const ACC_BAR_ADDRESS = 0x40_0000_0000;

/** The PCI addresses of a scenario's functions. */
export interface SystemAddresses {
  readonly rootPorts: readonly string[];
  readonly switchPorts: readonly string[];
  readonly nic: string;
  readonly accelerator: string;
}

export function systemAddresses(s: Scenario): SystemAddresses {
  return s.topology === "switch"
    ? {
        rootPorts: ["0000:00:01.0"],
        switchPorts: ["0000:01:00.0", "0000:02:00.0", "0000:02:01.0"],
        nic: "0000:03:00.0",
        accelerator: "0000:04:00.0",
      }
    : {
        rootPorts: ["0000:00:01.0", "0000:00:02.0"],
        switchPorts: [],
        nic: "0000:01:00.0",
        accelerator: "0000:02:00.0",
      };
}

function nicTph(s: Scenario): TphRequesterDesc {
  const base = { modes: ["ns", "ds"] as const, ext: s.nic.extended };
  return s.nic.stTable === "table"
    ? { ...base, location: "cap", tableSize: s.nic.tableSize }
    : { ...base, location: "none" };
}

/** The topology description (parents first). */
export function topologyDevices(s: Scenario): TopologyNodeDesc[] {
  const a = systemAddresses(s);
  const rpCompleter = COMPLETER_NAMES[s.host.rootPortCompleter];
  const rp = (bdf: string): TopologyNodeDesc => ({
    bdf,
    type: "root-port",
    vendor: 0x8086,
    device: 0x352a,
    label: "Root Port",
    tphCompleter: rpCompleter,
  });
  const sw = (bdf: string, type: "upstream-port" | "downstream-port", parent: string): TopologyNodeDesc => ({
    bdf,
    parent,
    type,
    vendor: 0x1000,
    device: 0xc030,
    label: "PCIe switch port",
  });
  const sw3 = a.switchPorts;
  const nicParent = s.topology === "switch" ? sw3[1]! : a.rootPorts[0]!;
  const accParent = s.topology === "switch" ? sw3[2]! : a.rootPorts[1]!;
  const nic = mlx5FunctionDesc({ bdf: a.nic, tph: nicTph(s), barAddress: NIC_BAR_ADDRESS });
  const accelerator: TopologyNodeDesc = {
    bdf: a.accelerator,
    parent: accParent,
    type: "endpoint",
    vendor: 0x10ee,
    device: 0x903f,
    classCode: 0x120000,
    label: "Processing accelerator",
    bars: [
      { index: 0, size: s.accelerator.barSize, address: ACC_BAR_ADDRESS, bits64: true, prefetchable: true },
    ],
    tphCompleter: COMPLETER_NAMES[s.accelerator.completer],
    flr: s.accelerator.flr,
  };
  const link = { speed: s.link.gen, width: s.link.width };
  const all: TopologyNodeDesc[] = [
    ...a.rootPorts.map(rp),
    ...(s.topology === "switch"
      ? [
          sw(sw3[0]!, "upstream-port", a.rootPorts[0]!),
          sw(sw3[1]!, "downstream-port", sw3[0]!),
          sw(sw3[2]!, "downstream-port", sw3[0]!),
        ]
      : []),
    { ...nic, parent: nicParent },
    accelerator,
  ];
  return all.map((d) => ({ ...d, link }));
}

/** ACPI: every Root Port answers the _DSM with the scenario's per-CPU tags. */
export function firmwareDesc(s: Scenario): PlatformFirmwareDesc {
  const stInfo: Record<string, StInfoFields> = {};
  for (const t of s.host.steeringTags) {
    const half = {
      ...(t.st === undefined ? {} : { st: t.st }),
      ...(t.xst === undefined ? {} : { xst: t.xst }),
    };
    const prev = stInfo[String(t.cpu)] ?? {};
    stInfo[String(t.cpu)] = t.memType === "volatile" ? { ...prev, vm: half } : { ...prev, pm: half };
  }
  const rootPorts = Object.fromEntries(systemAddresses(s).rootPorts.map((bdf) => [bdf, { stInfo }]));
  return { rootPorts };
}

/** A booted system with its drivers bound. */
export interface BootedSystem {
  readonly k: Kernel;
  readonly addresses: SystemAddresses;
  /** The NIC's hardware (mkey table, TLP hints). */
  readonly nicHw: Mlx5Device;
  readonly mdev: Mlx5CoreDev;
  readonly ib: Mlx5IbDev;
  readonly acc: VfioPciCoreDevice;
}

/** Boot `s` on `revision` and bind the drivers. */
export function bootSystem(s: Scenario, revision: RevisionName): BootedSystem {
  const addresses = systemAddresses(s);
  const k = bootKernel({
    revision,
    nrCpuIds: fabricParamsOf(s).host.cpus,
    firmware: firmwareDesc(s),
    topology: { devices: topologyDevices(s) },
  });
  const nicPdev = k.pciDev(addresses.nic)!;
  const nicHw = new Mlx5Device(nicPdev.fn, { ...DEFAULT_MLX5_CAPS, mkeyPcieTph: s.nic.mkeyPcieTph });
  const mdev = mlx5Probe(k, nicPdev, nicHw);
  if (typeof mdev === "number") throw new ModelError(`mlx5 probe failed: ${mdev}`);
  const ib = mlx5IbAdd(k, mdev);
  const acc = vfioPciCoreRegisterDevice(k, k.pciDev(addresses.accelerator)!);
  if (typeof acc === "number") throw new ModelError(`vfio-pci probe failed: ${acc}`);
  return { k, addresses, nicHw, mdev, ib, acc };
}
