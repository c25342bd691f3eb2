/**
 * When a flow's messages arrive and how large they are: the remote peers' side of the workload.
 *
 * - Open loop (rateGbps): message k+1 arrives size_k x 8 / rate after message k, a constant or an
 *   exponential (Poisson) gap. With bursts the clock that gap is measured on runs only during
 *   on-periods, so the rate holds while the source is on and the long-run mean is rate x on/(on+off).
 * - Trace: message k arrives at the recorded time after the flow's start, with the recorded size.
 * - Closed loop (queueDepth): the NIC decides when (a permit per finished message); this only
 *   draws sizes and says whether a time is allowed.
 * Every message starts inside an on-period (bursts) and before the stop time: admit() moves a
 * start that falls in an off-period to the next on-period, and refuses one at or after the stop.
 * Times are integer picoseconds; randomness comes from the flow's own seeded stream, in the order
 * the model always used (the size, then the gap), so flows without these shapes draw as before.
 */
import type { Rng } from "../../sim/random.js";

/** On/off source: on for onNs, then off for offNs, repeating from the flow's start. */
export interface BurstSpec {
  readonly onNs: number;
  readonly offNs: number;
}

/** A recorded arrival sequence: message i at timesPs[i] after the flow's start, sizes[i] bytes. */
export interface TraceSpec {
  /** Non-decreasing integer picoseconds from the flow's start. */
  readonly timesPs: readonly number[];
  /** Integer bytes, each >= 1. */
  readonly sizes: readonly number[];
}

/** What Arrivals reads from a flow description (a subset of FlowSpec). */
export interface ArrivalSpec {
  readonly rateGbps?: number;
  readonly arrival?: "constant" | "poisson";
  readonly startNs?: number;
  readonly stopNs?: number;
  readonly burst?: BurstSpec;
  readonly trace?: TraceSpec;
}

/** Draws message sizes (see flow-spec.ts SizeSampler). */
interface Sizes {
  sample(rng: Rng): number;
}

const ps = (ns: number) => Math.round(ns * 1000);

/** The arrival process of one flow, consumed message by message. */
export class Arrivals {
  /** Messages arrive on their own clock (rate or trace), not when earlier ones finish. */
  readonly openLoop: boolean;
  readonly startPs: number;
  /** No message starts at or after this time (Infinity: no stop). */
  readonly stopPs: number;
  private readonly onPs: number;
  private readonly periodPs: number;
  /** Open loop by rate: on-time elapsed from the start to the next arrival. */
  private active = 0;
  /** Trace: index of the next message. */
  private next = 0;

  constructor(
    private readonly spec: ArrivalSpec,
    private readonly sizes: Sizes | undefined,
    private readonly rng: Rng,
  ) {
    this.openLoop = spec.rateGbps !== undefined || spec.trace !== undefined;
    this.startPs = ps(spec.startNs ?? 0);
    this.stopPs = spec.stopNs === undefined ? Number.POSITIVE_INFINITY : ps(spec.stopNs);
    this.onPs = spec.burst ? ps(spec.burst.onNs) : Number.POSITIVE_INFINITY;
    this.periodPs = spec.burst ? this.onPs + ps(spec.burst.offNs) : Number.POSITIVE_INFINITY;
  }

  /** When the next message arrives (open loop), in ps; Infinity when the trace is exhausted. */
  get due(): number {
    const t = this.spec.trace;
    if (t)
      return this.next < t.timesPs.length ? this.startPs + t.timesPs[this.next]! : Number.POSITIVE_INFINITY;
    return this.startPs + this.onClock(this.active);
  }

  /** The next message's size; an open-loop flow's clock moves past it. Call when it starts. */
  take(): number {
    const t = this.spec.trace;
    if (t) return t.sizes[this.next++]!;
    const size = this.sizes!.sample(this.rng);
    const rate = this.spec.rateGbps;
    if (rate !== undefined) {
      const mean = (size * 8000) / rate;
      this.active += Math.round(this.spec.arrival === "poisson" ? this.rng.exponential(mean) : mean);
    }
    return size;
  }

  /**
   * The first time >= t at which a message may start: inside an on-period and before the stop;
   * -1 when there is none.
   */
  admit(t: number): number {
    let at = t;
    if (this.periodPs !== Number.POSITIVE_INFINITY && at >= this.startPs) {
      const phase = (at - this.startPs) % this.periodPs;
      if (phase >= this.onPs) at += this.periodPs - phase;
    }
    // Past the stop, or beyond integer time (a trace or burst clock that never comes due).
    return at >= this.stopPs || !(at <= Number.MAX_SAFE_INTEGER) ? -1 : at;
  }

  /** Wall time from the start for `on` ps of on-time: the off-periods in between added. */
  private onClock(on: number): number {
    if (this.periodPs === Number.POSITIVE_INFINITY) return on;
    return Math.floor(on / this.onPs) * this.periodPs + (on % this.onPs);
  }
}

/** Whether `t` (ps) falls inside one of the on-periods of a burst that started at `startPs`. */
export function inOnPeriod(burst: BurstSpec, startPs: number, t: number): boolean {
  const period = ps(burst.onNs) + ps(burst.offNs);
  return t >= startPs && (t - startPs) % period < ps(burst.onNs);
}
