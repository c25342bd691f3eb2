/**
 * The generic sampler (src/sim/sampler.ts): sums survive coarsening exactly, time-weighted means
 * too, the cap holds, boundaries stay multiples of the doubled interval, `from` makes earlier
 * intervals null and counts from zero after a reset, a ceiling carries the excess forward, and the
 * default interval gives 200 to 500 samples. Expected values are computed here from the raw inputs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/sim/engine.js";
import { defaultSampleIntervalPs, merge, Sampler } from "../../src/sim/sampler.js";
import { assertProperty } from "../support/fc.js";

const meta = (metric: string) => ({ group: "tlps", subject: "all", metric, unit: "count" }) as const;

describe("Sampler", () => {
  it("merges by agg: sum adds, max maxes, mean weights by duration, last takes the later; null yields", () => {
    expect(merge("sum", 2, 3, 1, 1)).toBe(5);
    expect(merge("max", 2, 3, 1, 1)).toBe(3);
    expect(merge("mean", 1, 4, 3, 1)).toBe(1.75);
    expect(merge("last", 1, 4, 3, 1)).toBe(4);
    expect(merge("last", 1, null, 3, 1)).toBe(1);
    expect(merge("sum", null, 3, 1, 1)).toBe(3);
    expect(merge("mean", 2, null, 1, 1)).toBe(2);
    expect(merge("max", null, null, 1, 1)).toBeNull();
  });

  it("keeps sums and time-weighted means through coarsening; the cap holds; t is the boundaries", () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }).map((n) => n * 2),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 40 }),
        (interval, max, incs, tail) => {
          const s = new Sampler({ intervalPs: interval, maxSamples: max });
          let counter = 0;
          s.add(meta("n"), { kind: "sum", read: () => counter });
          s.add(meta("rate"), { kind: "rate", read: () => counter, scale: 1000 });
          let now = 0;
          for (const inc of incs) {
            counter += inc;
            now = s.nextPs; // every boundary, as attach() schedules them
            s.sample(now);
          }
          counter += 7;
          const end = now + tail;
          s.close(end);
          const out = s.series();
          const n = out.tracks["tlps.all.n"]!.values as number[];
          const rate = out.tracks["tlps.all.rate"]!.values as number[];
          expect(n.reduce((a, v) => a + v, 0)).toBe(counter);
          expect(out.t.length).toBeLessThanOrEqual(max);
          expect(out.t.at(-1)).toBe(end / 1000);
          // Boundaries are multiples of the (doubled) interval, but the last.
          const iv = out.intervalNs * 1000;
          expect(Math.log2(iv / interval) % 1).toBe(0);
          for (const t of out.t.slice(0, -1)) expect(Math.round(t * 1000) % iv).toBe(0);
          // Rate x duration adds up to the counter x scale (the mean is kept).
          const area = rate.reduce(
            (a, v, i) => a + v * (out.t[i]! - (i === 0 ? 0 : out.t[i - 1]!)) * 1000,
            0,
          );
          expect(area).toBeCloseTo(counter * 1000, 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a level keeps the value at each boundary; after coarsening the later one", () => {
    const s = new Sampler({ intervalPs: 10, maxSamples: 4 });
    let level = 0;
    s.add(meta("l"), { kind: "level", read: () => level });
    for (let i = 1; i <= 4; i++) {
      level = i * 10;
      s.sample(i * 10);
    }
    expect(s.series()).toEqual({
      intervalNs: 0.02,
      t: [0.02, 0.04],
      tracks: { "tlps.all.l": { ...meta("l"), agg: "last", values: [20, 40] } },
    });
  });

  it("from: intervals ending by then are null; the counter counts from zero after its reset", () => {
    const s = new Sampler({ intervalPs: 10 });
    let c = 0;
    s.add(meta("c"), { kind: "sum", read: () => c, from: 15 });
    c = 5;
    s.sample(10); // before: null
    c = 0 + 2; // reset at 15, then 2 more
    s.sample(20);
    c = 6;
    s.sample(30);
    expect(s.series().tracks["tlps.all.c"]!.values).toEqual([null, 2, 4]);
  });

  it("a ceiling carries the excess into the next intervals, and back into the last ones at the end", () => {
    const s = new Sampler({ intervalPs: 10 });
    let busy = 0;
    s.add(meta("u"), { kind: "rate", read: () => busy, scale: 1, ceiling: 1 });
    busy = 5;
    s.sample(10); // 0.5
    busy = 22; // 17 in 10 ps: 1, and 7 carried
    s.sample(20);
    busy = 24; // 2 + 7 carried: 0.9
    s.sample(30);
    busy = 37; // 13 in the last 10: 1, and 3 go back: 1 into 20..30, 2 into 0..10
    s.close(40);
    const u = s.series().tracks["tlps.all.u"]!.values as number[];
    expect(u).toEqual([0.7, 1, 1, 1]);
    expect(u.reduce((a, v) => a + v * 10, 0)).toBeCloseTo(37, 9);
  });

  it("schedules itself on the engine after the other events of each moment", () => {
    const sim = new Simulator();
    const s = new Sampler({ intervalPs: 100 });
    let n = 0;
    s.add(meta("n"), { kind: "sum", read: () => n });
    const h = sim.register(() => n++);
    for (let t = 0; t <= 1000; t += 50) sim.at(t, h);
    s.attach(sim, 1000);
    sim.run({ until: 1000 });
    s.close(1000);
    // Events at a boundary count in the interval it ends: 1 at 0 + 2 per interval.
    expect(s.series().tracks["tlps.all.n"]!.values).toEqual([3, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it("default interval: a 1-2-5 step giving 200 to 500 samples, at least 1 ns", () => {
    for (const ns of [500, 1000, 7_000, 200_000, 999_999, 10_000_000]) {
      const iv = defaultSampleIntervalPs(ns * 1000);
      const n = Math.ceil((ns * 1000) / iv);
      expect(n, `${ns} ns`).toBeGreaterThan(200);
      expect(n, `${ns} ns`).toBeLessThanOrEqual(500);
      expect(String(iv)).toMatch(/^[125]0*$/);
    }
    expect(defaultSampleIntervalPs(200_000_000)).toBe(500_000);
    expect(defaultSampleIntervalPs(50_000)).toBe(1000);
  });

  it("refuses an interval under 1 ps and an odd or tiny cap", () => {
    expect(() => new Sampler({ intervalPs: 0 })).toThrow(/interval/);
    expect(() => new Sampler({ intervalPs: 1.5 })).toThrow(/interval/);
    expect(() => new Sampler({ intervalPs: 10, maxSamples: 5 })).toThrow(/maxSamples/);
  });
});
