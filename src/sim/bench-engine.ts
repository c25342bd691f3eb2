/**
 * Micro-benchmarks of the engine (run by `npm run bench`; never by tests with a time limit).
 *
 * - hold-N: the classic "hold" model: N pending events, each reschedules itself after a random
 *   delay (uniform in 1 ps..2 us) when it runs. Measures the event queue (pop + push per event) at
 *   queue size N.
 * - pipe-chain: TLPs through a chain of HOPS Pipes computed at injection (no events), latency
 *   recorded in a Histogram. Measures the O(1) path, in TLPs and in TLP-hops.
 * - merge: the recommended device pattern: FLOWS sources, each TLP crosses a private pipe, then one
 *   event at a shared merge pipe (arrivals must be offered in time order), then two more pipes
 *   computed without events; latency into a Histogram. Measures simulated TLPs per wall second.
 * - links-heap / links-lane: LINKS saturated links, each with WINDOW TLPs in flight (a credit
 *   window: the far end's arrival event releases the next TLP), every TLP's latency recorded.
 *   Arrival events scheduled with at() (heap of ~LINKS x in-flight entries) versus atLane() (heap
 *   of LINKS entries). Same event order, same result.
 * - links-burst8: as links-lane, but senders hand 8 TLPs at a time to the link and the far end
 *   gets one event per 8 TLPs: the batching that takes a model past 20 M TLPs/s.
 *
 * Each result is the median of `repeat` timed runs after one untimed warm-up run.
 */
import { Simulator } from "./engine.js";
import { Histogram } from "./histogram.js";
import { Pipe } from "./pipe.js";
import { Rng } from "./random.js";
import { NS } from "./time.js";

export interface BenchOptions {
  /** Events (hold) or TLPs (the other workloads) per timed run. Default 2,000,000. */
  readonly size?: number;
  /** Pending-event counts for the hold model. Default [16, 1024, 65536]. */
  readonly holdSizes?: readonly number[];
  /** Timed runs per workload (median reported). Default 3. */
  readonly repeat?: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
}

export interface BenchResult {
  readonly name: string;
  /** Work items in one run (events or TLPs). */
  readonly ops: number;
  /** What an op is. */
  readonly unit: string;
  /** Median wall seconds per run. */
  readonly seconds: number;
  readonly opsPerSecond: number;
  /** Peak queue capacity (entries) where an engine is used, else 0. */
  readonly queueCapacity: number;
  /** A workload-specific check value (so the work cannot be optimised away; same seed -> same). */
  readonly checksum: number;
}

/** What one workload run returns. */
export interface BenchRun {
  readonly capacity: number;
  readonly checksum: number;
}

const HOPS = 4;
const FLOWS = 8;
const LINKS = 64;
const WINDOW = 32;
const LINK_PROPAGATION_PS = 100 * NS;
/** 256-byte TLP + 24 bytes of framing at ~63 GB/s (Gen5 x16, an illustrative rate): ~4.4 ns. */
const SERVICE_PS = 4_443;
const PROPAGATION_PS = 10 * NS;

/** Run every workload and return one result per workload (hold first, by size). */
export function benchEngine(opts: BenchOptions = {}): BenchResult[] {
  const size = opts.size ?? 2_000_000;
  const repeat = opts.repeat ?? 3;
  const seed = opts.seed ?? 1;
  const results: BenchResult[] = [];
  for (const pending of opts.holdSizes ?? [16, 1024, 65_536]) {
    results.push(measure(`hold-${pending}`, "events", size, repeat, () => holdModel(size, pending, seed)));
  }
  results.push(measure("pipe-chain", "TLPs", size, repeat, () => pipeChain(size, seed)));
  results.push(measure("merge", "TLPs", size, repeat, () => mergeModel(size, seed)));
  results.push(measure("links-heap", "TLPs", size, repeat, () => linksModel(size, false)));
  results.push(measure("links-lane", "TLPs", size, repeat, () => linksModel(size, true)));
  results.push(measure("links-burst8", "TLPs", size, repeat, () => linksModel(size, true, 8)));
  return results;
}

function measure(name: string, unit: string, ops: number, repeat: number, run: () => BenchRun): BenchResult {
  run(); // warm-up: let the JIT compile the hot paths
  const times: number[] = [];
  let out: BenchRun = { capacity: 0, checksum: 0 };
  for (let i = 0; i < Math.max(1, repeat); i++) {
    const t0 = performance.now();
    out = run();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((x, y) => x - y);
  const seconds = times[Math.floor(times.length / 2)]!;
  return { name, ops, unit, seconds, opsPerSecond: ops / seconds, queueCapacity: out.capacity, ...out };
}

/** `pending` self-rescheduling events; `events` executions in total. */
export function holdModel(events: number, pending: number, seed: number): BenchRun {
  const sim = new Simulator();
  const rng = new Rng(seed);
  let sum = 0;
  const tick = sim.register((a) => {
    sum = (Math.imul(sum, 31) + a) | 0; // order-sensitive
    sim.after(1 + (rng.nextU32() % 2_000_000), tick, a);
  }, "tick");
  for (let i = 0; i < pending; i++) sim.at(rng.nextU32() % 2_000_000, tick, i);
  sim.run({ maxEvents: events });
  return { capacity: sim.queueCapacity, checksum: (sum ^ sim.now) >>> 0 };
}

/** TLPs injected back to back (with random gaps) through HOPS pipes, no events at all. */
export function pipeChain(tlps: number, seed: number): BenchRun {
  const rng = new Rng(seed);
  const pipes = Array.from({ length: HOPS }, () => new Pipe());
  const latency = new Histogram();
  let t = 0;
  for (let k = 0; k < tlps; k++) {
    t += rng.nextU32() & 8191; // mean gap ~4.1 ns: close to the service time, so queues form
    let x = t;
    for (let h = 0; h < HOPS; h++) x = pipes[h]!.offer(x, SERVICE_PS) + PROPAGATION_PS;
    latency.record(x - t);
  }
  return { capacity: 0, checksum: latency.quantile(0.99) + latency.count };
}

/**
 * FLOWS sources with private first hops merging into a shared pipe; one event per TLP at the merge.
 * Each source injects its next TLP when the previous one has left its private pipe.
 */
export function mergeModel(tlps: number, seed: number): BenchRun {
  const sim = new Simulator();
  const rng = new Rng(seed);
  const privatePipes = Array.from({ length: FLOWS }, () => new Pipe());
  const shared = new Pipe();
  const tail = [new Pipe(), new Pipe()];
  const latency = new Histogram();
  const injectedAt = new Float64Array(FLOWS);
  let injected = 0;
  const atMerge = sim.register((flow) => {
    const now = sim.now;
    let x = shared.offer(now, SERVICE_PS) + PROPAGATION_PS;
    for (const p of tail) x = p.offer(x, SERVICE_PS) + PROPAGATION_PS;
    latency.record(x - injectedAt[flow]!);
    if (injected < tlps) inject(flow, now + (rng.nextU32() & 65535));
  }, "merge");
  const inject = (flow: number, t: number): void => {
    injected++;
    injectedAt[flow] = t;
    const dep = privatePipes[flow]!.offer(t, SERVICE_PS);
    sim.at(dep + PROPAGATION_PS, atMerge, flow);
  };
  for (let f = 0; f < FLOWS && injected < tlps; f++) inject(f, f);
  sim.run();
  return { capacity: sim.queueCapacity, checksum: latency.quantile(0.99) + latency.count };
}

/**
 * LINKS saturated links with WINDOW TLPs in flight each. Every TLP's latency is recorded. With
 * burst > 1 a sender hands `burst` TLPs to its link at once (offerBurst: per-TLP departures stay
 * exact) and the far end gets one event per burst; `lanes` selects atLane() over at().
 */
export function linksModel(tlps: number, lanes: boolean, burst = 1): BenchRun {
  const sim = new Simulator();
  const pipes = Array.from({ length: LINKS }, () => new Pipe());
  const laneIds = Array.from({ length: LINKS }, () => sim.newLane());
  const latency = new Histogram();
  let sent = 0;
  let received = 0;
  const send = (link: number, k: number): void => {
    const n = Math.min(burst, tlps - sent);
    sent += n;
    const now = sim.now;
    const last = pipes[link]!.offerBurst(now, n, SERVICE_PS) + LINK_PROPAGATION_PS;
    for (let i = 0; i < n; i++) latency.record(last - (n - 1 - i) * SERVICE_PS - now);
    if (lanes) sim.atLane(laneIds[link]!, last, arrive, link, k);
    else sim.at(last, arrive, link, k);
  };
  const arrive = sim.register((link, k) => {
    received = (Math.imul(received, 31) + k + link) | 0; // order-sensitive
    if (sent < tlps) send(link, k + WINDOW / burst);
  }, "arrive");
  for (let w = 0; w < WINDOW / burst; w++) for (let l = 0; l < LINKS && sent < tlps; l++) send(l, w);
  sim.run();
  return { capacity: sim.queueCapacity, checksum: (received ^ sim.now ^ latency.quantile(0.99)) >>> 0 };
}

/** One aligned line per result, e.g. "hold-16      16.39 M events/s  (4000000 in 0.244 s, queue 1024)". */
export function formatBench(results: readonly BenchResult[]): string[] {
  return results.map((r) => {
    const rate = (r.opsPerSecond / 1e6).toFixed(2).padStart(7);
    const queue = r.queueCapacity > 0 ? `, queue ${r.queueCapacity}` : "";
    return `${r.name.padEnd(12)} ${rate} M ${r.unit}/s  (${r.ops} in ${r.seconds.toFixed(3)} s${queue})`;
  });
}
