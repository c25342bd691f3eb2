/** Shared set-up for the fabric tests: a testbed, an MR on the accelerator or host, a fabric. */

import type { Fabric } from "../../../src/hw/fabric/fabric.js";
import type {
  FabricDesc,
  FabricParamsInput,
  FlowSpec,
  StTableEntry,
  TestbedOptions,
} from "../../../src/hw/fabric/index.js";
import { buildFabric, buildTestbed, enableNicTph, registerMr } from "../../../src/hw/fabric/index.js";

export interface Rig {
  readonly fabric: Fabric;
  readonly key: number;
  readonly tb: ReturnType<typeof buildTestbed>;
}

export interface RigOptions extends Partial<TestbedOptions> {
  /** Where the MR lives. Default the accelerator. */
  readonly target?: "accelerator" | "host";
  /** MR bytes. Default 64 MiB. */
  readonly mrBytes?: bigint;
  /** mkey TPH: PH and ST index (direct: the tag). Absent: no TPH. */
  readonly tph?: { readonly ph: number; readonly stIndex: number };
  /** NIC ST table entries (index, tag), programmed with TPH enabled. */
  readonly stTable?: readonly (readonly [number, number])[];
  readonly ownerTable?: readonly StTableEntry[];
  readonly params?: FabricParamsInput;
  readonly flows: (key: number) => FlowSpec[];
  readonly extra?: Partial<FabricDesc>;
}

export function rig(o: RigOptions): Rig {
  const tb = buildTestbed({ shape: o.shape ?? "switch", ...o });
  if (o.tph || o.stTable) enableNicTph(tb.nic, o.nicExtTph ?? false, o.stTable ?? []);
  const base = o.target === "host" ? tb.hostMemory : tb.accelBar;
  const key = registerMr(tb.nic, {
    segments: [{ addr: BigInt(base), len: o.mrBytes ?? 64n << 20n }],
    ...(o.tph ? { tph: o.tph } : {}),
  });
  const fabric = buildFabric({
    topology: tb.topology,
    nic: tb.nic,
    ...(tb.accelerator
      ? { accelerator: { fn: tb.accelerator, ...(o.ownerTable ? { stTable: o.ownerTable } : {}) } }
      : {}),
    ...(o.params ? { params: o.params } : {}),
    flows: o.flows(key),
    ...o.extra,
  });
  return { fabric, key, tb };
}

/** Integer picoseconds of `ns`. */
export function ps(ns: number): number {
  return Math.round(ns * 1000);
}
