/**
 * Speed benchmarks of the TLP-level fabric (for `npm run bench`; never a timed test):
 * - write-400g: remote peers WRITE 64 KiB messages at 400 Gb/s into the accelerator's BAR through
 *   a Gen5 x16 switch, steered by TPH into partition 1 and read by a compute engine;
 * - read-gen5: the NIC answers RDMA READs of 64 KiB from the accelerator (MRd out, CplD back) at
 *   the network's 400 Gb/s;
 * - write-host-dmah: WRITEs into host memory with a CPU steering tag (TPH injection) on Gen5 x16;
 * - ai-server-8x8: the preset platform (8 NICs, 8 accelerators, 4 switches, 2 Root Ports) with 16
 *   flows: NIC i WRITEs 64 KiB messages at 400 Gb/s into accelerator i (its switch) with TPH, and
 *   answers READs of 64 KiB from accelerator i+4 (behind the other Root Port: across the root
 *   complex), 32 outstanding, as read-gen5 does.
 * Default parameters otherwise. Each result (the median of `repeat` timed runs after a warm-up run):
 * simulated TLPs, simulated time, wall time, TLPs per wall second and the process's peak resident
 * set so far.
 */

import { PLATFORM_PRESETS } from "../platform-presets.js";
import { buildFabric, type FabricDesc } from "./fabric.js";
import type { FlowSpec } from "./flow-spec.js";
import { buildPlatformTestbed } from "./platform/testbed.js";
import type { FabricResults } from "./results.js";
import { buildTestbed, enableNicTph, registerMr } from "./testbed.js";

export interface FabricBenchResult {
  readonly scenario: string;
  readonly tlps: number;
  readonly simulatedNs: number;
  readonly wallSeconds: number;
  readonly tlpsPerSecond: number;
  /** CPU time of the run (user + system) and TLPs per CPU second: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly tlpsPerCpuSecond: number;
  readonly peakRssMiB: number;
  /** Goodput of the scenario's flows, summed (a sanity check that the run did real work). */
  readonly goodputGbps: number;
}

export interface FabricBenchOptions {
  /** Simulated time per scenario in microseconds. Default 5000 (5 ms, about 1.5 M TLPs each). */
  readonly simulatedUs?: number;
  /** Scenario names to run (default all). */
  readonly only?: readonly string[];
  /** Timed runs per scenario; the median is reported. Default 3. */
  readonly repeat?: number;
}

const MIB = 2 ** 20;

/** Run the benchmark scenarios one after the other. */
export function benchScenarios(opts: FabricBenchOptions = {}): FabricBenchResult[] {
  const us = opts.simulatedUs ?? 5000;
  const all: [string, () => FabricDesc][] = [
    ["write-400g", () => accelScenario("write")],
    ["read-gen5", () => accelScenario("read")],
    ["write-host-dmah", hostScenario],
    ["ai-server-8x8", aiServerScenario],
  ];
  const repeat = Math.max(1, opts.repeat ?? 3);
  return all
    .filter(([name]) => !opts.only || opts.only.includes(name))
    .map(([name, make]) => measure(name, make, us, repeat));
}

function measure(name: string, make: () => FabricDesc, us: number, repeat: number): FabricBenchResult {
  buildFabric(make()).run(Math.min(us, 1000) * 1000); // warm-up (up to 1 ms): let the JIT compile the hot paths
  const runs: { wall: number; cpu: number; r: FabricResults }[] = [];
  for (let k = 0; k < repeat; k++) {
    const fabric = buildFabric(make());
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = fabric.run(us * 1000);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    runs.push({ wall, cpu: (c.user + c.system) / 1e6, r });
  }
  runs.sort((a, b) => a.wall - b.wall);
  const { wall, r } = runs[Math.floor(runs.length / 2)]!;
  const cpu = [...runs].sort((a, b) => a.cpu - b.cpu)[Math.floor(runs.length / 2)]!.cpu;
  return {
    scenario: name,
    tlps: r.tlps.total,
    simulatedNs: r.simulatedNs,
    wallSeconds: wall,
    tlpsPerSecond: r.tlps.total / wall,
    cpuSeconds: cpu,
    tlpsPerCpuSecond: r.tlps.total / cpu,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    goodputGbps: Math.round(Object.values(r.flows).reduce((a, f) => a + f.goodputGbps, 0) * 1e6) / 1e6,
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

function aiServerScenario(): FabricDesc {
  const tb = buildPlatformTestbed({ link: { gen: 5, width: 16 }, ...PLATFORM_PRESETS["ai-server-8x8"] });
  const nicIndex = (name: string) => tb.nics.findIndex((n) => n.name === name);
  const acc = (name: string) => tb.accelerators.find((a) => a.name === name)!;
  const flows: FlowSpec[] = [];
  for (let i = 0; i < 8; i++) {
    const nic = nicIndex(`nic${i}`);
    const dev = tb.nics[nic]!.device;
    enableNicTph(dev, false, [[1, 0x21]]);
    const mr = (a: string, tph: boolean) =>
      registerMr(dev, {
        segments: [{ addr: BigInt(acc(a).bar), len: 256n * BigInt(MIB) }],
        ...(tph ? { tph: { ph: 2, stIndex: 1 } } : {}),
      });
    flows.push({ name: `w${i}`, nic, op: "write", mkey: mr(`acc${i}`, true), size: 65536, rateGbps: 400 });
    const far = `acc${(i + 4) % 8}`;
    flows.push({
      name: `r${i}`,
      nic,
      op: "read",
      mkey: mr(far, false),
      size: 65536,
      queueDepth: 32,
      consumer: false,
    });
  }
  return {
    topology: tb.topology,
    nics: tb.nics.map((n) => ({ device: n.device })),
    accelerators: tb.accelerators.map((a) => ({
      fn: a.fn,
      stTable: [{ namespace: "st8" as const, st: 0x21, partition: 1, op: 7 }],
    })),
    layout: tb.layout,
    flows,
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
