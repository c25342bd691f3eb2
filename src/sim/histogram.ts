/**
 * A log-linear histogram in the spirit of HdrHistogram (G. Tene): bounded memory, O(1) record,
 * mergeable, with a fixed relative error.
 *
 * Layout, with P = subBucketBits and SUB = 2^P:
 * - values 0 .. 2*SUB-1 each have their own bucket (exact);
 * - every higher octave [2^m, 2^(m+1)) is split into SUB equal buckets of width 2^(m-P).
 * Accuracy: a quantile is reported as the midpoint of the bucket holding the exact order statistic
 * (rounded down, clamped to the observed min/max; the lowest and highest ranks return min and max
 * exactly), so it is within 2^-(P+1) of the exact value,
 * relative: 0.78% for the default P = 6 (64 sub-buckets), 1.6% for P = 5. count, min, max are exact;
 * sum and mean are exact while the sum stays below 2^53.
 * Memory: SUB counters per octave actually reached; at most (54 - P) * SUB doubles (24 KiB for
 * P = 6) for values up to 2^53, however many values are recorded.
 *
 * Values are non-negative integers (picoseconds, bytes, queue depths).
 */
import { ModelError } from "../base/errors.js";

const TWO_32 = 4_294_967_296;
/** 2^i for i in [0, 53): exact divisors for values at or above 2^32 (Math.pow is slow). */
const POW2 = Array.from({ length: 53 }, (_, i) => 2 ** i);

/** Quantiles every report shows. */
export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

export class Histogram {
  readonly subBucketBits: number;
  private readonly sub: number;
  private counts: Float64Array;
  private n = 0;
  private total = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** subBucketBits in [1, 12]: relative error 2^-(bits+1). */
  constructor(subBucketBits = 6) {
    if (!(Number.isInteger(subBucketBits) && subBucketBits >= 1 && subBucketBits <= 12)) {
      throw new ModelError(`histogram subBucketBits must be an integer in [1, 12], got ${subBucketBits}`);
    }
    this.subBucketBits = subBucketBits;
    this.sub = 2 ** subBucketBits;
    this.counts = new Float64Array(2 * this.sub);
  }

  /** Guaranteed bound on |reported quantile - exact| / exact. */
  get relativeError(): number {
    return 2 ** -(this.subBucketBits + 1);
  }

  get count(): number {
    return this.n;
  }
  get sum(): number {
    return this.total;
  }
  /** Smallest recorded value (NaN when empty). */
  get min(): number {
    return this.n === 0 ? Number.NaN : this.lo;
  }
  /** Largest recorded value (NaN when empty). */
  get max(): number {
    return this.n === 0 ? Number.NaN : this.hi;
  }
  /** Arithmetic mean (NaN when empty). */
  get mean(): number {
    return this.n === 0 ? Number.NaN : this.total / this.n;
  }

  /** Record `value` (a non-negative safe integer) `times` times (default once). */
  record(value: number, times = 1): void {
    if (!(Number.isSafeInteger(value) && value >= 0 && Number.isSafeInteger(times) && times >= 1)) {
      throw badRecord(value, times);
    }
    const idx = this.indexOf(value);
    if (idx >= this.counts.length) this.grow(idx);
    this.counts[idx] = this.counts[idx]! + times;
    this.n += times;
    this.total += value * times;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  /**
   * The value at quantile q in [0, 1]: the bucket midpoint of the order statistic of rank
   * max(1, ceil(q * count)), clamped to [min, max]; ranks 1 and count give min and max exactly.
   * NaN when empty.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new ModelError(`quantile ${q} must be in [0, 1]`);
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    // The extreme order statistics are known exactly.
    if (rank === 1) return this.lo;
    if (rank === this.n) return this.hi;
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      if (seen >= rank) {
        const [lo, hi] = this.bucketRange(i);
        const mid = lo + Math.floor((hi - lo) / 2);
        return Math.min(Math.max(mid, this.lo), this.hi);
      }
    }
    return this.hi; // unreachable: counts sum to n
  }

  summary(): HistogramSummary {
    return {
      count: this.n,
      min: this.min,
      max: this.max,
      mean: this.mean,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
    };
  }

  /** Add every value recorded in `other` (same subBucketBits) to this histogram. */
  merge(other: Histogram): void {
    if (other.subBucketBits !== this.subBucketBits) {
      throw new ModelError(
        `cannot merge histograms of ${other.subBucketBits} and ${this.subBucketBits} bits`,
      );
    }
    if (other.n === 0) return;
    if (other.counts.length > this.counts.length) this.grow(other.counts.length - 1);
    other.counts.forEach((c, i) => {
      this.counts[i] = this.counts[i]! + c;
    });
    this.n += other.n;
    this.total += other.total;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
  }

  /** Forget every value (memory is kept). */
  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.total = 0;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
  }

  /** Bucket index of a value (see the layout above). */
  indexOf(value: number): number {
    const sub = this.sub;
    if (value < 2 * sub) return value;
    // value >> shift is in [SUB, 2*SUB); octave m = shift + P gets bucket block shift + 1.
    if (value < TWO_32) {
      const shift = 31 - Math.clz32(value) - this.subBucketBits;
      return (shift + 1) * sub + ((value >>> shift) - sub);
    }
    const shift = 63 - Math.clz32(value / TWO_32) - this.subBucketBits;
    return (shift + 1) * sub + (Math.floor(value / POW2[shift]!) - sub);
  }

  /** Smallest and largest value of bucket `i`. */
  bucketRange(i: number): [number, number] {
    const sub = this.sub;
    if (i < 2 * sub) return [i, i];
    const shift = Math.floor(i / sub) - 1;
    const lo = (sub + (i % sub)) * 2 ** shift;
    return [lo, lo + 2 ** shift - 1];
  }

  /** Grow the counts to hold index `idx`, a whole octave at a time. */
  private grow(idx: number): void {
    const len = (Math.floor(idx / this.sub) + 1) * this.sub;
    const next = new Float64Array(len);
    next.set(this.counts);
    this.counts = next;
  }
}

function badRecord(value: number, times: number): ModelError {
  return new ModelError(`histogram record(${value}, ${times}): integers required, value >= 0, times >= 1`);
}
