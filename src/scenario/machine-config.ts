/**
 * The PCI functions of the machine a scenario describes, as booted for one revision (drivers
 * bound, before any flow): each function's live config space, for `tphlab lspci --scenario`.
 * Single-machine scenarios boot through system.ts, platforms through platform-run.ts, as `run`
 * does.
 */

import type { RevisionName } from "../kernel/revision.js";
import type { ConfigSpace } from "../pcie/config-space.js";
import { singleMachineShape } from "./platform.js";
import { bootScenarioPlatform } from "./platform-run.js";
import type { Scenario } from "./scenario-schema.js";
import { bootSystem } from "./system.js";

export interface MachineFunction {
  /** pci_name(): "0000:02:00.0". */
  readonly bdf: string;
  readonly config: ConfigSpace;
  /** The driver bound at boot, if any. */
  readonly driver?: string;
}

/** Boot `s` on `revision` (default: its first) and list its functions in bus order. */
export function scenarioFunctions(s: Scenario, revision?: RevisionName): MachineFunction[] {
  const r = revision ?? s.revisions[0]!;
  const k = singleMachineShape(s) ? bootSystem(s, r).k : bootScenarioPlatform(s, r).k;
  return k.pciDevs.map((d) => ({
    bdf: d.name,
    config: d.cfg,
    ...(d.driver === undefined ? {} : { driver: d.driver }),
  }));
}
