/**
 * The machine a scenario describes, booted for one revision: the P2P machine of
 * src/kernel/p2p-system.ts (Root Ports, a switch or not, the mlx5 NIC, the accelerator, the ACPI
 * firmware answering CPU steering tags) with the scenario's links, TPH capabilities and tags, and
 * the drivers bound (mlx5_core + mlx5_ib on the NIC, vfio-pci on the accelerator).
 */
import type { TphRequesterDesc } from "../hw/pci-function-desc.js";
import type { PlatformFirmwareDesc, StInfoFields } from "../hw/platform-firmware.js";
import {
  bootP2pSystem,
  type P2pAddresses,
  type P2pSystem,
  type P2pSystemOptions,
  p2pFirmware,
} from "../kernel/p2p-system.js";
import type { RevisionName } from "../kernel/revision.js";
import { fabricParamsOf } from "./fabric-params.js";
import { singleMachineShape } from "./platform.js";
import { COMPLETER_NAMES, type Scenario } from "./scenario-schema.js";

/** The PCI addresses of a scenario's functions. */
export type SystemAddresses = P2pAddresses;

/** A booted system with its drivers bound. */
export type BootedSystem = P2pSystem;

export function nicTph(s: Scenario): TphRequesterDesc {
  const base = { modes: ["ns", "ds"] as const, ext: s.nic.extended };
  return s.nic.stTable === "table"
    ? { ...base, location: "cap", tableSize: s.nic.tableSize }
    : { ...base, location: "none" };
}

/** st_info per CPU from the scenario's steering tags (volatile -> vm, else pm). */
export function stInfo(s: Scenario): Record<string, StInfoFields> {
  const out: Record<string, StInfoFields> = {};
  for (const t of s.host.steeringTags) {
    const half = {
      ...(t.st === undefined ? {} : { st: t.st }),
      ...(t.xst === undefined ? {} : { xst: t.xst }),
    };
    const prev = out[String(t.cpu)] ?? {};
    out[String(t.cpu)] = t.memType === "volatile" ? { ...prev, vm: half } : { ...prev, pm: half };
  }
  return out;
}

/** The machine `s` describes (no register BAR 2, no sibling function). */
function systemOptions(s: Scenario): Omit<P2pSystemOptions, "revision"> {
  return {
    topology: singleMachineShape(s) ?? "switch",
    link: { speed: s.link.gen, width: s.link.width },
    rpCompleter: COMPLETER_NAMES[s.host.rootPortCompleter],
    accCompleter: COMPLETER_NAMES[s.accelerator.completer],
    accBarSize: s.accelerator.barSize,
    accMmioBar: false,
    accFlr: s.accelerator.flr,
    nicTph: nicTph(s),
    nicCaps: { mkeyPcieTph: s.nic.mkeyPcieTph },
    acsRedirect: s.switch.acsRedirect,
    stInfo: stInfo(s),
    nrCpuIds: fabricParamsOf(s).host.cpus,
  };
}

/** ACPI: every Root Port answers the _DSM with the scenario's per-CPU tags. */
export function firmwareDesc(s: Scenario): PlatformFirmwareDesc {
  return p2pFirmware(systemOptions(s));
}

/** Boot `s` on `revision` and bind the drivers. */
export function bootSystem(s: Scenario, revision: RevisionName): BootedSystem {
  return bootP2pSystem({ ...systemOptions(s), revision });
}
