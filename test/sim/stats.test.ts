/** Counters, time-weighted averages and time helpers, against hand computations. */
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/base/errors.js";
import { Counter, TimeAverage } from "../../src/sim/stats.js";
import { checkTime, formatTime, isTime, MAX_TIME, MS, NS, SEC, toPs, US } from "../../src/sim/time.js";

describe("Counter", () => {
  it("counts and converts to a per-second rate of simulated time", () => {
    const c = new Counter();
    c.add();
    c.add(4);
    expect(c.value).toBe(5);
    expect(c.ratePerSecond(10 * US)).toBe(500_000);
    expect(c.ratePerSecond(0)).toBe(0);
    c.reset();
    expect(c.value).toBe(0);
  });
});

describe("TimeAverage", () => {
  it("integrates a step function: level 0 on [0,10), 2 on [10,15), 1 on [15,40)", () => {
    const q = new TimeAverage();
    q.set(10, 2);
    q.add(15, -1);
    expect(q.value).toBe(1);
    expect(q.integral(40)).toBe(10 + 25);
    expect(q.mean(40)).toBe(35 / 40);
    expect(q.max).toBe(2);
  });

  it("serves as a utilization accumulator from a later start", () => {
    const busy = new TimeAverage(100, 1);
    busy.set(130, 0);
    busy.set(150, 1);
    expect(busy.mean(200)).toBe(80 / 100);
    expect(busy.mean(100)).toBe(1); // no time elapsed: the current level
  });

  it("rejects going back in time", () => {
    const q = new TimeAverage();
    q.set(10, 1);
    expect(() => q.set(9, 0)).toThrow(ModelError);
    expect(() => q.integral(5)).toThrow(ModelError);
  });
});

describe("time", () => {
  it("has picosecond units and a 2^53 ps limit", () => {
    expect([NS, US, MS, SEC]).toEqual([1e3, 1e6, 1e9, 1e12]);
    expect(MAX_TIME / SEC / 3600).toBeCloseTo(2.5, 1);
    expect(isTime(MAX_TIME)).toBe(true);
    expect(isTime(MAX_TIME + 1)).toBe(false);
    expect(isTime(-1)).toBe(false);
    expect(isTime(0.5)).toBe(false);
    expect(checkTime(7, "x")).toBe(7);
    expect(() => checkTime(1.5, "delay")).toThrow(/delay must be an integer/);
  });

  it("converts from units with rounding, and formats exactly", () => {
    expect(toPs(2.5, NS)).toBe(2500);
    expect(toPs(0.1, NS)).toBe(100);
    expect(() => toPs(-1, NS)).toThrow(ModelError);
    expect(formatTime(2)).toBe("2 ps");
    expect(formatTime(1500)).toBe("1.5 ns");
    expect(formatTime(1_234_567)).toBe("1.234 us");
    expect(formatTime(3 * MS + 5)).toBe("3 ms");
    expect(formatTime(90 * SEC)).toBe("90 s");
    expect(formatTime(MAX_TIME)).toBe("9007.199 s");
    expect(formatTime(-1500)).toBe("-1.5 ns");
  });
});
