/** A fabric on a platform testbed: one MR per flow on its completer, registered on the flow's NIC. */
import type { Fabric } from "../../../src/hw/fabric/fabric.js";
import type { FabricParamsInput, FlowSpec } from "../../../src/hw/fabric/index.js";
import { buildFabric, registerMr } from "../../../src/hw/fabric/index.js";
import {
  buildPlatformTestbed,
  type PlatformTestbed,
  type PlatformTestbedOptions,
} from "../../../src/hw/fabric/platform/testbed.js";
import type { PlatformDesc } from "../../../src/hw/platform.js";

export interface PlatformFlow extends Omit<FlowSpec, "mkey" | "nic"> {
  /** The NIC's and the completer's platform names (`host`: host memory). */
  readonly nic: string;
  readonly to: string;
}

export interface PlatformRig {
  readonly fabric: Fabric;
  readonly tb: PlatformTestbed;
}

const MR_BYTES = 16n << 20n;

export function platformRig(
  desc: PlatformDesc,
  flows: readonly PlatformFlow[],
  o: { params?: FabricParamsInput; trace?: boolean; tb?: PlatformTestbedOptions } = {},
): PlatformRig {
  const tb = buildPlatformTestbed(desc, o.tb);
  const specs: FlowSpec[] = flows.map((f, i) => {
    const nic = tb.nics.findIndex((n) => n.name === f.nic);
    if (nic < 0) throw new Error(`no NIC ${f.nic}`);
    const acc = tb.accelerators.find((a) => a.name === f.to);
    if (!acc && f.to !== "host") throw new Error(`no accelerator ${f.to}`);
    // Each flow its own area of its completer, so flows never share lines by accident.
    const base = BigInt(acc ? acc.bar : tb.hostMemory) + BigInt(i) * MR_BYTES;
    const mkey = registerMr(tb.nics[nic]!.device, { segments: [{ addr: base, len: MR_BYTES }] });
    const { to: _to, nic: _nic, ...rest } = f;
    return { ...rest, nic, mkey };
  });
  const fabric = buildFabric({
    topology: tb.topology,
    nics: tb.nics.map((n) => ({ device: n.device })),
    accelerators: tb.accelerators.map((a) => ({ fn: a.fn })),
    layout: tb.layout,
    flows: specs,
    ...(o.params ? { params: o.params } : {}),
    ...(o.trace ? { trace: true } : {}),
  });
  return { fabric, tb };
}
