/**
 * A platform's hardware for the fabric's tests and benchmarks (../testbed.ts does the three fixed
 * shapes): the PCI tree layoutPlatform() gives, built as a hw Topology with each link at its own
 * speed and width, an mlx5 NIC per `nic` device and a model accelerator per `accelerator` device,
 * each with its own BAR (accelerator i's 16 GiB BAR 0 at 256 GiB + i x 16 GiB). The scenario layer
 * gets the same tree from the kernel model instead.
 */
import { Mlx5Device, mlx5FunctionDesc } from "../../mlx5/device.js";
import type { PciFunction } from "../../pci-function.js";
import type { PlatformDesc, PlatformLayout } from "../../platform.js";
import { layoutPlatform } from "../../platform.js";
import { buildTopology, type Topology, type TopologyNodeDesc } from "../../topology.js";
import { acceleratorFunctionDesc } from "../testbed.js";

export interface PlatformTestbedOptions {
  /** The NICs can send 16-bit tags (TPH Requester Extended). Default false. */
  readonly nicExtTph?: boolean;
  /** DevCap2 TPH Completer Supported of the accelerators (default 3) and of Root Port N (default 3). */
  readonly accelCompleter?: 0 | 1 | 3;
  readonly rootPortCompleter?: (rootPort: number) => 0 | 1 | 3;
}

export interface PlatformTestbed {
  readonly layout: PlatformLayout;
  readonly topology: Topology;
  readonly nics: readonly { readonly name: string; readonly device: Mlx5Device }[];
  readonly accelerators: readonly { readonly name: string; readonly fn: PciFunction; readonly bar: number }[];
  /** A host memory area for MRs. */
  readonly hostMemory: number;
}

const ACCEL_BAR = 0x40_0000_0000;
const ACCEL_BAR_STRIDE = 16 * 2 ** 30;
const NIC_BAR = 0x20_0000_0000;
const NIC_BAR_STRIDE = 32 * 2 ** 20;
const HOST_MEMORY = 0x2_0000_0000;

/** The bus address of accelerator `i`'s BAR 0 in a platform testbed. */
export function platformAccelBar(i: number): number {
  return ACCEL_BAR + i * ACCEL_BAR_STRIDE;
}

/** Lay `desc` out (InputError on a bad one) and build its hardware. */
export function buildPlatformTestbed(desc: PlatformDesc, o: PlatformTestbedOptions = {}): PlatformTestbed {
  const layout = layoutPlatform(desc);
  const nodeOf = new Map(layout.nodes.map((n) => [n.bdf, n]));
  const rootPortOf = new Map(layout.nodes.map((n) => [n.name, n.rootPort]));
  let nics = 0;
  const bars = new Map<string, number>();
  const devices: TopologyNodeDesc[] = layout.functions.map((f) => {
    const link = { speed: f.link.gen, width: f.link.width };
    const parent = f.parent === undefined ? {} : { parent: f.parent };
    if (f.type !== "endpoint") {
      const rp = f.type === "root-port" ? (rootPortOf.get(f.owner) ?? 0) : -1;
      return {
        bdf: f.bdf,
        type: f.type,
        vendor: 0x8086,
        device: 0x2030,
        link,
        tphCompleter: rp >= 0 ? (o.rootPortCompleter?.(rp) ?? 3) : 0,
        ...parent,
      };
    }
    if (nodeOf.get(f.bdf)?.kind === "nic") {
      const d = mlx5FunctionDesc({
        bdf: f.bdf,
        tph: { modes: ["ns", "ds"], location: "cap", tableSize: 64, ext: o.nicExtTph ?? false },
        barAddress: NIC_BAR + nics++ * NIC_BAR_STRIDE,
      });
      return { ...d, link, ...parent };
    }
    const bar = platformAccelBar(bars.size);
    bars.set(f.bdf, bar);
    return { ...acceleratorFunctionDesc(f.bdf, o.accelCompleter ?? 3, bar), link, ...parent };
  });
  const topology = buildTopology({ devices });
  const ends = layout.nodes.filter((n) => n.kind === "nic" || n.kind === "accelerator");
  return {
    layout,
    topology,
    nics: ends
      .filter((n) => n.kind === "nic")
      .map((n) => ({ name: n.name, device: new Mlx5Device(topology.get(n.bdf)!) })),
    accelerators: ends
      .filter((n) => n.kind === "accelerator")
      .map((n) => ({ name: n.name, fn: topology.get(n.bdf)!, bar: bars.get(n.bdf)! })),
    hostMemory: HOST_MEMORY,
  };
}
