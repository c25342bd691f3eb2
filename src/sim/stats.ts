/**
 * Streaming statistics with constant memory: counters and time-weighted averages. (Distributions
 * live in ./histogram.ts.) Nothing here keeps per-event records, so memory stays flat however long
 * the simulation runs.
 */
import { ModelError } from "../base/errors.js";

/** A monotonic count (TLPs, bytes, drops). */
export class Counter {
  private n = 0;
  get value(): number {
    return this.n;
  }
  add(n = 1): void {
    this.n += n;
  }
  /** Per-second rate over `elapsedPs` picoseconds of simulated time (0 when elapsed is 0). */
  ratePerSecond(elapsedPs: number): number {
    return elapsedPs > 0 ? (this.n * 1e12) / elapsedPs : 0;
  }
  reset(): void {
    this.n = 0;
  }
}

/**
 * The time average of a step function (queue depth, credits in use, 0/1 busy for utilization):
 * integral of level over time divided by elapsed time. Call set() whenever the level changes.
 *
 * Accuracy: the integral is exact while it stays below 2^53 (e.g. a 0/1 busy level for 2.5 h of
 * picoseconds); beyond that each step adds a relative rounding error of at most 2^-53.
 */
export class TimeAverage {
  private readonly start: number;
  private last: number;
  private level: number;
  private area = 0;
  private peak: number;

  constructor(start = 0, level = 0) {
    this.start = start;
    this.last = start;
    this.level = level;
    this.peak = level;
  }

  /** Current level. */
  get value(): number {
    return this.level;
  }

  /** Highest level seen. */
  get max(): number {
    return this.peak;
  }

  /** The level becomes `level` at time `now` (non-decreasing). */
  set(now: number, level: number): void {
    if (now < this.last) throw new ModelError(`TimeAverage.set at ${now} is before ${this.last}`);
    this.area += this.level * (now - this.last);
    this.last = now;
    this.level = level;
    if (level > this.peak) this.peak = level;
  }

  /** Shorthand for set(now, value + delta). */
  add(now: number, delta: number): void {
    this.set(now, this.level + delta);
  }

  /** Integral of the level over [start, now]. `now` must not precede the last change. */
  integral(now: number): number {
    if (now < this.last) throw new ModelError(`TimeAverage read at ${now} is before ${this.last}`);
    return this.area + this.level * (now - this.last);
  }

  /** Time-weighted mean over [start, now]; the current level when no time has passed. */
  mean(now: number): number {
    const elapsed = now - this.start;
    return elapsed > 0 ? this.integral(now) / elapsed : this.level;
  }
}
