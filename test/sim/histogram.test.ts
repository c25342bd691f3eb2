/** Histogram quantiles against exact order statistics, bucket layout, merging, bounded memory. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/base/errors.js";
import { Histogram } from "../../src/sim/histogram.js";
import { Rng } from "../../src/sim/random.js";

/** The exact order statistic the histogram approximates: rank max(1, ceil(q * n)). */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

function checkAgainstExact(h: Histogram, values: readonly number[]): void {
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QS) {
    const exact = exactQuantile(sorted, q);
    const got = h.quantile(q);
    expect(Number.isInteger(got)).toBe(true);
    expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * h.relativeError);
  }
  expect(h.count).toBe(values.length);
  expect(h.min).toBe(sorted[0]);
  expect(h.max).toBe(sorted[sorted.length - 1]);
  expect(h.quantile(0)).toBe(sorted[0]);
  expect(h.quantile(1)).toBe(sorted[sorted.length - 1]);
  expect(h.mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 6);
}

/** Values spread over many octaves: small exact ones up to 2^53 - 1. */
const valueArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.constantFrom(0, 127, 128, 129, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
);

describe("Histogram", () => {
  it("reports quantiles within the relative error bound of the exact order statistics", () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 500 }),
        fc.integer({ min: 1, max: 8 }),
        (vs, bits) => {
          const h = new Histogram(bits);
          for (const v of vs) h.record(v);
          checkAgainstExact(h, vs);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stays within 0.78% on 100k log-normal latencies (default 6 sub-bucket bits)", () => {
    const rng = new Rng(99);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 100_000; i++) {
      // Box-Muller normal -> log-normal around 1 us in picoseconds.
      const z = Math.sqrt(-2 * Math.log1p(-rng.float())) * Math.cos(2 * Math.PI * rng.float());
      const v = Math.round(Math.exp(13.8 + 1.2 * z));
      values.push(v);
      h.record(v);
    }
    expect(h.relativeError).toBe(1 / 128);
    checkAgainstExact(h, values);
  });

  it("keeps small values exact and puts every value inside its own bucket, buckets contiguous", () => {
    const h = new Histogram(3); // SUB = 8: values below 16 are exact
    for (let v = 0; v < 16; v++) expect(h.bucketRange(h.indexOf(v))).toEqual([v, v]);
    expect(h.bucketRange(h.indexOf(16))).toEqual([16, 17]);
    expect(h.bucketRange(h.indexOf(1000))).toEqual([960, 1023]);
    let expectedLo = 0;
    for (let i = 0; i < 200; i++) {
      const [lo, hi] = h.bucketRange(i);
      expect(lo).toBe(expectedLo);
      expect(h.indexOf(lo)).toBe(i);
      expect(h.indexOf(hi)).toBe(i);
      expectedLo = hi + 1;
    }
    for (const v of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 3 * 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const [lo, hi] = h.bucketRange(h.indexOf(v));
      expect(lo <= v && v <= hi).toBe(true);
    }
  });

  it("merges to the same result as recording everything in one histogram", () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { maxLength: 200 }),
        fc.array(valueArb, { maxLength: 200 }),
        (xs, ys) => {
          const a = new Histogram();
          const b = new Histogram();
          const all = new Histogram();
          for (const x of xs) a.record(x);
          for (const y of ys) b.record(y);
          for (const v of [...xs, ...ys]) all.record(v);
          a.merge(b);
          // Sums past 2^53 round, in an order-dependent way: equal up to float rounding.
          expect(Math.abs(a.sum - all.sum)).toBeLessThanOrEqual(all.sum * 2 ** -50);
          if (all.count > 0) expect({ ...a.summary(), mean: 0 }).toEqual({ ...all.summary(), mean: 0 });
          expect(a.count).toBe(all.count);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("records repeated values with `times`, resets, and bounds memory by the value range", () => {
    const h = new Histogram();
    h.record(1000, 3);
    h.record(10);
    expect(h.count).toBe(4);
    expect(h.quantile(0.25)).toBe(10);
    expect(h.quantile(0.5)).toBe(h.quantile(1));
    h.reset();
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBeNaN();
    expect(h.summary().mean).toBeNaN();
    for (let i = 0; i < 1_000_000; i++) h.record(i * 9_007_199);
    // At most (54 - 6) octaves of 64 counters, however many values.
    expect(h.bucketRange((54 - 6) * 64 - 1)[1]).toBe(2 ** 53 - 1);
    expect(h.indexOf(Number.MAX_SAFE_INTEGER)).toBe((54 - 6) * 64 - 1);
  });

  it("rejects bad values, quantiles and merges", () => {
    const h = new Histogram();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => h.record(bad)).toThrow(ModelError);
    expect(() => h.record(1, 0)).toThrow(ModelError);
    expect(() => h.quantile(1.1)).toThrow(ModelError);
    expect(() => h.merge(new Histogram(5))).toThrow(ModelError);
    expect(() => new Histogram(0)).toThrow(ModelError);
  });
});
