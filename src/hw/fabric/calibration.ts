/**
 * The simulator against pcie-bench's measurements (../../../../shared/reference/calibration.md):
 * a Gen3 x8 device DMAing to and from host memory, bandwidth at 64..2048 B and read latency at 64 B
 * (cold and warm) and 2048 B. Every model figure comes from running the fabric simulator (the same
 * code `tphlab run` uses) in pcie-bench's set-up, never from a formula:
 * - bandwidth: one closed-loop stream of DMAs of one size with QUEUE_DEPTH outstanding, to a host
 *   buffer a write has just filled (warm: in the LLC, as pcie-bench measured): DMAs completed per
 *   second after warm-up;
 * - latency: one DMA read alone, from its MRd to the DMA engine storing the data (readDmaNs: the
 *   PCIe round trip plus the engine's store), to a cold buffer or one a write has left in the LLC.
 * pcie-bench drives the DMA engine from the device itself, so the harness takes the network side out
 * of the loop (no network or receive latency; the 400 GbE port is far faster than the link); the rest is the
 * parameters under test: the measured device's DMA engine (PCIE_BENCH_DMA) over the defaults.
 */
import { linkModel } from "../../pcie/link.js";
import { DMA_SCALE, PCIE_BENCH_DMA } from "./dma-params.js";
import { buildFabric } from "./fabric.js";
import type { FlowSpec } from "./flow-spec.js";
import { type FabricParamsInput, fabricDefaults } from "./params.js";
import { buildTestbed, registerMr } from "./testbed.js";

/** One published figure and the simulator's value for it. */
export interface CalibrationPoint {
  readonly metric: "write" | "read" | "latency";
  /** DMA size in bytes. */
  readonly size: number;
  /** Host cache state of the buffer. */
  readonly cache: "warm" | "cold";
  readonly unit: "Gb/s" | "ns";
  readonly measured: number;
  readonly model: number;
  /** (model - measured) / measured. */
  readonly error: number;
  /** pcie-bench's analytic bound for the link (`tphlab bw`), bandwidth points only. */
  readonly linkBound: number | null;
  /** The simulator with the default NIC instead of the measured device. */
  readonly defaultNic: number;
}

export interface CalibrationReport {
  readonly points: readonly CalibrationPoint[];
  /** The parameters the measured device differs from the defaults by. */
  readonly device: FabricParamsInput;
  /** The largest |error|, and the limit every point must be within. */
  readonly worst: number;
  readonly limit: number;
}

/** Every point must be within 10% of the measurement (issue 7). */
export const CALIBRATION_LIMIT = 0.1;

/** pcie-bench's published figures (calibration.md, "Link bandwidth" and "Latency anchors"). */
export const PCIE_BENCH_MEASURED = {
  sizes: [64, 128, 256, 512, 1024, 2048],
  writeGbps: [24.3, 42.4, 50.5, 53.0, 53.0, 53.0],
  readGbps: [31.9, 43.8, 47.7, 55.0, 55.4, 55.6],
  /**
   * Median DMA read latency, Xeon E5: 64 B cold and warm; 2048 B, for which the cache state is
   * not stated: compared cold, like the 600 ns headline (warm would model 40 ns less).
   */
  latencyNs: [
    { size: 64, cache: "cold", ns: 600 },
    { size: 64, cache: "warm", ns: 560 },
    { size: 2048, cache: "cold", ns: 1133 },
  ],
} as const;

/** The measured device: the defaults with its DMA engine (./dma-params.ts). */
export const PCIE_BENCH_DEVICE: FabricParamsInput = {
  nic: {
    dmaWriteRequestNs: PCIE_BENCH_DMA.writeRequestNs,
    dmaWriteGBps: PCIE_BENCH_DMA.writeGBps,
    dmaReadRequestNs: PCIE_BENCH_DMA.readRequestNs,
    dmaReadGBps: PCIE_BENCH_DMA.readGBps,
  },
};

/** DMAs kept outstanding by the bandwidth runs (pcie-bench keeps its engine busy). */
const QUEUE_DEPTH = 128;
/** The host buffer DMAs go to, 16 KiB: well inside the LLC's DDIO ways. */
const WINDOW = 16384;
/** Simulated time of a bandwidth run and the warm-up excluded from it, ns. */
const RUN_NS = 35_000;
const WARMUP_NS = 10_000;
/** When the measured stream starts (after the write that warms the buffer), ns. */
const START_NS = 5_000;

/** Run every published point through the simulator, with the measured device and the default NIC. */
export function runCalibration(device: FabricParamsInput = PCIE_BENCH_DEVICE): CalibrationReport {
  const m = PCIE_BENCH_MEASURED;
  const link = linkModel({ gen: 3, width: 8, mps: 256, mrrs: 512 });
  const points: CalibrationPoint[] = [];
  const add = (
    metric: CalibrationPoint["metric"],
    size: number,
    cache: "warm" | "cold",
    measured: number,
    sim: (d: FabricParamsInput) => number,
  ) => {
    const model = sim(device);
    const bound = metric === "write" ? link.writeGbps(size) : metric === "read" ? link.readGbps(size) : null;
    points.push({
      metric,
      size,
      cache,
      unit: metric === "latency" ? "ns" : "Gb/s",
      measured,
      model,
      error: (model - measured) / measured,
      linkBound: bound,
      defaultNic: sim({}),
    });
  };
  m.sizes.forEach((size, i) => {
    add("write", size, "warm", m.writeGbps[i]!, (d) => bandwidth(d, "write", size));
  });
  m.sizes.forEach((size, i) => {
    add("read", size, "warm", m.readGbps[i]!, (d) => bandwidth(d, "read", size));
  });
  for (const l of m.latencyNs) add("latency", l.size, l.cache, l.ns, (d) => readLatency(d, l.size, l.cache));
  const worst = Math.max(...points.map((p) => Math.abs(p.error)));
  return { points, device, worst, limit: CALIBRATION_LIMIT };
}

/** Harness parameters: the network side out of the loop, then the device under test. */
function harness(device: FabricParamsInput, warmupNs: number): FabricParamsInput {
  return {
    ...device,
    nic: { networkLatencyNs: 0, rxLatencyNs: 0, ...device.nic },
    metrics: { warmupNs },
  };
}

/** A Gen3 x8 NIC alone on a root port, an MR over WINDOW bytes of host memory, and `flows`. */
function runHost(params: FabricParamsInput, flows: (key: number) => FlowSpec[], untilNs: number) {
  const tb = buildTestbed({ shape: "host", gen: 3, width: 8 });
  const key = registerMr(tb.nic, { segments: [{ addr: BigInt(tb.hostMemory), len: BigInt(WINDOW) }] });
  return buildFabric({ topology: tb.topology, nic: tb.nic, params, flows: flows(key), seed: 1 }).run(untilNs);
}

/** A write of the whole window at time 0: afterwards its lines are in the LLC (DDIO). */
function warmer(key: number): FlowSpec {
  return { name: "warm", op: "write", mkey: key, size: WINDOW, messages: 1, consumer: false };
}

function bandwidth(device: FabricParamsInput, op: "write" | "read", size: number): number {
  const tb = buildTestbed({ shape: "host", gen: 3, width: 8 });
  const key = registerMr(tb.nic, { segments: [{ addr: BigInt(tb.hostMemory), len: BigInt(WINDOW) }] });
  const flows: FlowSpec[] = [
    warmer(key),
    { name: "dma", op, mkey: key, size, queueDepth: QUEUE_DEPTH, startNs: START_NS, consumer: false },
  ];
  const fabric = buildFabric({
    topology: tb.topology,
    nic: tb.nic,
    params: harness(device, 0),
    flows,
    seed: 1,
  });
  // Steady state: the DMAs completed between the end of the warm-up and the end of the run, timed
  // from the first of them to the last (a count over the fixed window would be off by up to one
  // DMA: 0.66 Gb/s at 2048 B, enough to put a point above the link). The NIC (which sets onDone)
  // exists from the first run(); DMAs finish in the order the model settles them, so those seen
  // from the warm-up on are a consecutive run of completions.
  fabric.run(WARMUP_NS);
  const dma = fabric.flows.find((f) => f.name === "dma")!;
  const times: number[] = [];
  const nicDone = dma.onDone;
  dma.onDone = (f, ok, when) => {
    if (ok && when >= WARMUP_NS * 1000 && when <= RUN_NS * 1000) times.push(when);
    nicDone?.(f, ok, when);
  };
  fabric.run(RUN_NS);
  times.sort((a, b) => a - b);
  const span = times.at(-1)! - times[0]!;
  return times.length < 2 || span <= 0 ? Number.NaN : ((times.length - 1) * size * 8 * 1000) / span;
}

function readLatency(device: FabricParamsInput, size: number, cache: "warm" | "cold"): number {
  const r = runHost(
    harness(device, 0),
    (key) => [
      ...(cache === "warm" ? [warmer(key)] : []),
      { name: "dma", op: "read", mkey: key, size, messages: 1, startNs: START_NS, consumer: false },
    ],
    START_NS + 20_000,
  );
  return r.flows.dma!.readDmaNs.max ?? Number.NaN;
}

/** What a reader needs to judge the table: the bounds, the one gap, the extrapolations. */
export function calibrationNotes(r: CalibrationReport): string[] {
  const link = linkModel({ gen: 3, width: 8, mps: 256, mrrs: 512 });
  const over = r.points.filter((p) => p.metric === "read" && p.measured > p.linkBound!);
  const excess = Math.max(0, ...over.map((p) => p.measured / p.linkBound! - 1));
  const l = link.linkLayer;
  // A read stream's completion direction: 2 CplD of 256 B per 512 B MRd, one Ack and one UpdateFC each.
  const cpl = 2 * (256 + link.perTlp.CplD);
  const readDllpBound = (link.rawGbps * (1 - l.skpShare) * 512) / (cpl + 16);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const h = fabricDefaults().host;
  const w = r.points.filter((p) => p.metric === "write").at(-1)!;
  const notes = [
    "link bound: pcie-bench's analytic model of the link (`tphlab bw`), which the simulated links follow.",
  ];
  if (over.length > 0)
    notes.push(
      `measured reads at ${over.map((p) => p.size).join("/")} B exceed that bound (by up to ${pct(excess)}): ` +
        `it charges both directions the Ack and UpdateFC DLLPs of the spec tables (${pct(l.ackShare + l.updateFcShare)} ` +
        "of the link), but in a read stream the completion direction only carries those answering the device's " +
        `MRds, about one Ack and one UpdateFC per 512 B MRd (bound ${readDllpBound.toFixed(1)} Gb/s); the ` +
        `measurements lie between the two bounds. Writes sit on the bound (${w.measured.toFixed(1)} vs ${w.linkBound!.toFixed(2)}; unlike ` +
        "completions, which an endpoint accepts with unlimited credits, they are also paced by the root port's " +
        `posted credits), so the model keeps the symmetric link model and reads ${pct(-Math.max(...over.map((p) => p.error)))}-` +
        `${pct(-Math.min(...over.map((p) => p.error)))} low there rather than fit a per-direction DLLP cost to ${over.length} points.`,
    );
  notes.push(
    "the 2048 B latency's cache state is not published; it is compared cold, like the 600 ns headline " +
      `(warm models ${h.dramLatencyNs - h.llcLatencyNs} ns less: host.dramLatencyNs - host.llcLatencyNs).`,
    `default NIC: a 400 GbE device on Gen5 x16, its DMA engine taken ${DMA_SCALE}x faster than the measured one ` +
      "(extrapolated), so at Gen3 x8 it is link-bound from 64 B; the host latencies are the calibrated defaults.",
  );
  return notes;
}
