/**
 * Speed benchmarks of the TLP-level fabric (for `npm run bench`; never a timed test):
 * - write-400g: remote peers WRITE 64 KiB messages at 400 Gb/s into the accelerator's BAR through
 *   a Gen5 x16 switch, steered by TPH into partition 1 and read by a compute engine;
 * - read-gen5: the NIC answers RDMA READs of 64 KiB from the accelerator (MRd out, CplD back) at
 *   the network's 400 Gb/s;
 * - write-host-dmah: WRITEs into host memory with a CPU steering tag (TPH injection) on Gen5 x16.
 * Default parameters otherwise. Each result: simulated TLPs, simulated time, wall time, TLPs per
 * wall second and the process's peak resident set.
 */
import { buildFabric, type FabricDesc } from "./fabric.js";
import type { FlowSpec } from "./flow-spec.js";
import { buildTestbed, enableNicTph, registerMr } from "./testbed.js";

export interface FabricBenchResult {
  readonly scenario: string;
  readonly tlps: number;
  readonly simulatedNs: number;
  readonly wallSeconds: number;
  readonly tlpsPerSecond: number;
  readonly peakRssMiB: number;
  /** Goodput of the scenario's flow (a sanity check that the run did real work). */
  readonly goodputGbps: number;
}

export interface FabricBenchOptions {
  /** Simulated time per scenario in microseconds. Default 5000 (5 ms, about 1.5 M TLPs each). */
  readonly simulatedUs?: number;
  /** Scenario names to run (default all). */
  readonly only?: readonly string[];
}

const MIB = 2 ** 20;

/** Run the benchmark scenarios one after the other. */
export function benchScenarios(opts: FabricBenchOptions = {}): FabricBenchResult[] {
  const us = opts.simulatedUs ?? 5000;
  const all: [string, () => FabricDesc][] = [
    ["write-400g", () => accelScenario("write")],
    ["read-gen5", () => accelScenario("read")],
    ["write-host-dmah", hostScenario],
  ];
  return all
    .filter(([name]) => !opts.only || opts.only.includes(name))
    .map(([name, make]) => measure(name, make, us));
}

function measure(name: string, make: () => FabricDesc, us: number): FabricBenchResult {
  buildFabric(make()).run(Math.min(us, 200)); // warm-up: let the JIT compile the hot paths
  const fabric = buildFabric(make());
  const t0 = performance.now();
  const r = fabric.run(us * 1000);
  const wall = (performance.now() - t0) / 1000;
  const flow = Object.values(r.flows)[0];
  return {
    scenario: name,
    tlps: r.tlps.total,
    simulatedNs: r.simulatedNs,
    wallSeconds: wall,
    tlpsPerSecond: r.tlps.total / wall,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    goodputGbps: flow?.goodputGbps ?? 0,
  };
}

function accelScenario(op: "write" | "read"): FabricDesc {
  const tb = buildTestbed({ shape: "switch", gen: 5, width: 16 });
  enableNicTph(tb.nic, false, [[1, 0x21]]);
  const key = registerMr(tb.nic, {
    segments: [{ addr: BigInt(tb.accelBar), len: 256n * BigInt(MIB) }],
    tph: { ph: 2, stIndex: 1 },
  });
  const flow: FlowSpec =
    op === "write"
      ? { name: "write", op, mkey: key, size: 65536, rateGbps: 400 }
      : { name: "read", op, mkey: key, size: 65536, queueDepth: 32, consumer: false };
  return {
    topology: tb.topology,
    nic: tb.nic,
    accelerator: { fn: tb.accelerator!, stTable: [{ namespace: "st8", st: 0x21, partition: 1, op: 7 }] },
    flows: [flow],
    seed: 1,
  };
}

function hostScenario(): FabricDesc {
  const tb = buildTestbed({ shape: "host", gen: 5, width: 16 });
  enableNicTph(tb.nic, false, [[1, 0x43]]);
  const key = registerMr(tb.nic, {
    segments: [{ addr: BigInt(tb.hostMemory), len: 64n * BigInt(MIB) }],
    tph: { ph: 0, stIndex: 1 },
  });
  return {
    topology: tb.topology,
    nic: tb.nic,
    host: { cpuTags: [{ cpu: 3, st8: 0x43 }] },
    flows: [{ name: "host", op: "write", mkey: key, size: 16384, rateGbps: 400, consumer: { cpu: 3 } }],
    seed: 1,
  };
}

/** One line per result, e.g. "write-400g  12.3 M TLPs/s  (1500000 TLPs, 5000000 ns simulated, 0.12 s, 80 MiB)". */
export function formatFabricBench(results: readonly FabricBenchResult[]): string[] {
  return results.map(
    (r) =>
      `${r.scenario.padEnd(16)} ${(r.tlpsPerSecond / 1e6).toFixed(2).padStart(6)} M TLPs/s  (${r.tlps} TLPs, ` +
      `${r.simulatedNs} ns simulated, ${r.wallSeconds.toFixed(3)} s, goodput ${r.goodputGbps.toFixed(1)} Gb/s, ` +
      `peak RSS ${r.peakRssMiB.toFixed(0)} MiB)`,
  );
}
