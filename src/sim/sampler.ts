/**
 * A time-series sampler with bounded memory (issue 11). Probes read state the model already keeps
 * (cumulative counters, levels, per-interval statistics) at the end of each sampling interval, so
 * nothing is added to the hot paths: one engine event per interval.
 *
 * Bounded memory: when a run reaches `maxSamples` samples, neighbouring pairs are merged (each
 * track by its agg: sum adds, max keeps the larger, mean weights by duration, last keeps the later)
 * and the interval doubles. Boundaries stay multiples of the interval, so merging keeps every
 * "sum" track's total and the series stays aligned.
 */
import { ModelError } from "../base/errors.js";
import { PRIORITY_MAX, type Simulator } from "./engine.js";
import type { Series, Track, TrackAgg, TrackGroup, TrackUnit } from "./series.js";

/** The sample cap when none is given: past it, pairs of samples merge and the interval doubles. */
export const DEFAULT_MAX_SAMPLES = 1000;
/** The default interval aims at about this many samples (between 200 and 500 of them). */
const TARGET_SAMPLES = 500;

export interface TrackMeta {
  readonly group: TrackGroup;
  readonly subject: string;
  readonly metric: string;
  readonly unit: TrackUnit;
}

/**
 * What a track reads. `from` (ps): the probe measures from that time on (a counter is zero, or is
 * reset to zero, then); intervals ending at or before it are null.
 * - sum: a cumulative counter; the sample is its increase over the interval (agg "sum").
 * - rate: a cumulative counter; the sample is its increase x scale / interval in ps (agg "mean").
 *   With a `ceiling` (a busy fraction's 1), an amount above it in one interval carries into the
 *   next ones: models that compute work after the moment it happened (a completion for a request
 *   that arrived just before a boundary) may add to an interval already closed. What is still
 *   carried at the end goes back into the last intervals with room, so the total is kept.
 * - level: a value read at the end of the interval (agg "last").
 * - stat: a statistic of the interval the probe computes and resets itself (agg "mean" or "max").
 */
export type Probe =
  | { readonly kind: "sum"; readonly read: () => number; readonly from?: number }
  | {
      readonly kind: "rate";
      readonly read: () => number;
      readonly scale: number;
      readonly from?: number;
      readonly ceiling?: number;
    }
  | { readonly kind: "level"; readonly read: () => number | null }
  | {
      readonly kind: "stat";
      readonly take: () => number | null;
      readonly agg: "mean" | "max";
      readonly from?: number;
    };

export interface SamplerOptions {
  /** Sampling interval in ps (integer >= 1). */
  readonly intervalPs: number;
  /** Most samples kept (even, >= 2; default DEFAULT_MAX_SAMPLES). */
  readonly maxSamples?: number;
  /** Time of the first interval's start (ps, default 0). */
  readonly startPs?: number;
}

interface Column {
  readonly key: string;
  readonly meta: TrackMeta;
  readonly probe: Probe;
  readonly agg: TrackAgg;
  /** One value per sample, NaN for null (typed storage keeps a sample cheap: no boxing). */
  values: Float64Array;
  /** The counter at the previous boundary (sum, rate). */
  prev: number;
  /** Rate above the ceiling not shown yet, as rate x ps. */
  carry: number;
}

export class Sampler {
  private interval: number;
  readonly maxSamples: number;
  private readonly start: number;
  private prevT: number;
  private t: number[] = [];
  private readonly cols: Column[] = [];

  constructor(o: SamplerOptions) {
    if (!(Number.isInteger(o.intervalPs) && o.intervalPs >= 1))
      throw new ModelError(`sampling interval must be an integer >= 1 ps, got ${o.intervalPs}`);
    const max = o.maxSamples ?? DEFAULT_MAX_SAMPLES;
    if (!(Number.isInteger(max) && max >= 2 && max % 2 === 0))
      throw new ModelError(`maxSamples must be an even integer >= 2, got ${max}`);
    this.interval = o.intervalPs;
    this.maxSamples = max;
    this.start = o.startPs ?? 0;
    this.prevT = this.start;
  }

  /** The current interval (ps): the one asked for, doubled at each coarsening. */
  get intervalPs(): number {
    return this.interval;
  }

  /** Samples kept now. */
  get length(): number {
    return this.t.length;
  }

  /** End of the last interval sampled (the start while none was). */
  get lastPs(): number {
    return this.prevT;
  }

  /** End of the next interval (ps). */
  get nextPs(): number {
    return this.prevT + this.interval;
  }

  /** Add a track (before the first sample). The key is `${group}.${subject}.${metric}`. */
  add(meta: TrackMeta, probe: Probe): void {
    if (this.t.length > 0) throw new ModelError("tracks must be added before the first sample");
    const key = `${meta.group}.${meta.subject}.${meta.metric}`;
    if (this.cols.some((c) => c.key === key)) throw new ModelError(`duplicate track ${key}`);
    const agg = aggOf(probe);
    const prev = probe.kind === "sum" || probe.kind === "rate" ? probe.read() : 0;
    this.cols.push({ key, meta, probe, agg, values: new Float64Array(16), prev, carry: 0 });
  }

  /** Close the interval ending at `now` (ps); nothing when no time passed since the last one. */
  sample(now: number): void {
    const dt = now - this.prevT;
    if (dt <= 0) return;
    const first = this.prevT;
    const n = this.t.length;
    for (const c of this.cols) {
      if (n === c.values.length) {
        const grown = new Float64Array(Math.min(2 * n, this.maxSamples));
        grown.set(c.values);
        c.values = grown;
      }
      c.values[n] = this.value(c, first, now, dt) ?? Number.NaN;
    }
    this.t.push(now);
    this.prevT = now;
    if (this.t.length >= this.maxSamples) this.coarsen();
  }

  private value(c: Column, first: number, now: number, dt: number): number | null {
    const p = c.probe;
    if (p.kind === "level") return p.read();
    if (p.kind === "stat") {
      const v = p.take();
      return p.from !== undefined && now <= p.from ? null : v;
    }
    const cur = p.read();
    const base = p.from !== undefined && first <= p.from ? 0 : c.prev;
    c.prev = cur;
    if (p.from !== undefined && now <= p.from) return null;
    if (p.kind === "sum") return cur - base;
    const v = ((cur - base) * p.scale + c.carry) / dt;
    if (p.ceiling === undefined || v <= p.ceiling) {
      c.carry = 0;
      return v;
    }
    c.carry = (v - p.ceiling) * dt;
    return p.ceiling;
  }

  /** The last sample at `now`; what a ceiling still holds back goes into the last intervals with room. */
  close(now: number): void {
    this.sample(now);
    for (const c of this.cols) {
      const p = c.probe;
      if (p.kind !== "rate" || p.ceiling === undefined) continue;
      for (let i = this.t.length - 1; i >= 0 && c.carry > 0; i--) {
        const v = c.values[i]!;
        if (Number.isNaN(v)) continue;
        const d = this.t[i]! - (i === 0 ? this.start : this.t[i - 1]!);
        const add = Math.min(c.carry, (p.ceiling - v) * d);
        c.values[i] = v + add / d;
        c.carry -= add;
      }
    }
  }

  /** Merge neighbouring pairs and double the interval. */
  private coarsen(): void {
    const n = this.t.length;
    const dur = this.t.map((t, i) => t - (i === 0 ? this.start : this.t[i - 1]!));
    const val = (c: Column, i: number) => (Number.isNaN(c.values[i]!) ? null : c.values[i]!);
    for (const c of this.cols) {
      let k = 0;
      for (let i = 0; i + 1 < n; i += 2)
        c.values[k++] = merge(c.agg, val(c, i), val(c, i + 1), dur[i]!, dur[i + 1]!) ?? Number.NaN;
      if (n % 2 === 1) c.values[k++] = c.values[n - 1]!;
    }
    const t: number[] = [];
    for (let i = 1; i < n; i += 2) t.push(this.t[i]!);
    if (n % 2 === 1) t.push(this.t[n - 1]!);
    this.t = t;
    this.interval *= 2;
  }

  /**
   * Sample at every boundary up to `endPs` on `sim` (after the other events of each moment), with
   * `before(now)` run before each sample and `after(next)` after it.
   */
  attach(
    sim: Simulator,
    endPs: number,
    hooks: { before?: (now: number) => void; after?: (next: number) => void } = {},
  ): void {
    const tick = () => {
      hooks.before?.(sim.now);
      this.sample(sim.now);
      hooks.after?.(this.nextPs);
      if (this.nextPs <= endPs) sim.scheduleAt(this.nextPs, tick, PRIORITY_MAX);
    };
    if (this.nextPs <= endPs) sim.scheduleAt(this.nextPs, tick, PRIORITY_MAX);
  }

  /** The series so far (times and the interval in ns; values rounded to 6 decimals). */
  series(): Series {
    const tracks: Record<string, Track> = {};
    for (const c of this.cols) {
      const values = Array.from(c.values.subarray(0, this.t.length), (v) =>
        Number.isNaN(v) ? null : round6(v),
      );
      tracks[c.key] = { ...c.meta, agg: c.agg, values };
    }
    return { intervalNs: this.interval / 1000, t: this.t.map((x) => x / 1000), tracks };
  }
}

function aggOf(p: Probe): TrackAgg {
  switch (p.kind) {
    case "sum":
      return "sum";
    case "rate":
      return "mean";
    case "level":
      return "last";
    case "stat":
      return p.agg;
  }
}

/** Two neighbouring samples (durations da, db) as one; null is "no data" and yields to a value. */
export function merge(
  agg: TrackAgg,
  a: number | null,
  b: number | null,
  da: number,
  db: number,
): number | null {
  if (agg === "last") return b ?? a;
  if (a === null) return b;
  if (b === null) return a;
  if (agg === "sum") return a + b;
  if (agg === "max") return Math.max(a, b);
  return (a * da + b * db) / (da + db);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * A default interval for a run of `durationPs`: the 1-2-5 step (1 ns at least) that gives at most
 * 500 samples, so between 200 and 500 of them on runs of 200 ns or more.
 */
export function defaultSampleIntervalPs(durationPs: number): number {
  const want = Math.max(1000, durationPs / TARGET_SAMPLES);
  let decade = 1000;
  while (decade * 10 <= want) decade *= 10;
  for (const m of [1, 2, 5, 10]) if (decade * m >= want) return decade * m;
  return decade * 10;
}

/** Run `fn(now)` every `periodPs` up to `endPs` on `sim`, after the other events of each moment. */
export function schedulePeriodic(
  sim: Simulator,
  periodPs: number,
  endPs: number,
  fn: (now: number) => void,
): void {
  if (!(Number.isInteger(periodPs) && periodPs >= 1))
    throw new ModelError(`period must be an integer >= 1 ps, got ${periodPs}`);
  const tick = () => {
    fn(sim.now);
    if (sim.now + periodPs <= endPs) sim.scheduleAt(sim.now + periodPs, tick, PRIORITY_MAX);
  };
  if (sim.now + periodPs <= endPs) sim.scheduleAt(sim.now + periodPs, tick, PRIORITY_MAX);
}
