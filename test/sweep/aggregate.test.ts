import { describe, expect, it } from "vitest";
import { summarize, t95 } from "../../src/sweep/aggregate.js";
import { type ExportTable, toCsv } from "../../src/sweep/export.js";

describe("aggregate over seeds", () => {
  it("mean, sample standard deviation and Student's t 95% interval", () => {
    // 1, 2, 3, 4: mean 2.5, s = sqrt(5/3) = 1.290994; t(0.975, 3) = 3.182 (printed tables).
    const s = summarize([1, 2, 3, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.stddev).toBeCloseTo(1.290994, 6);
    expect(s.ci95![0]).toBeCloseTo(2.5 - (3.182 * 1.290994) / 2, 3);
    expect(s.ci95![1]).toBeCloseTo(2.5 + (3.182 * 1.290994) / 2, 3);
  });

  it("no interval from one value, nothing from none", () => {
    expect(summarize([7])).toEqual({ n: 1, mean: 7, stddev: null, ci95: null });
    expect(summarize([])).toEqual({ n: 0, mean: null, stddev: null, ci95: null });
  });

  it("t quantiles from printed tables, tending to 1.96", () => {
    expect([t95(1), t95(9), t95(30), t95(60), t95(120)]).toEqual([12.706, 2.262, 2.042, 2.0, 1.98]);
    expect(t95(45)).toBeGreaterThan(2.0);
    expect(t95(45)).toBeLessThan(2.021);
    expect(t95(1e9)).toBeCloseTo(1.96, 3);
  });
});

describe("csv export", () => {
  it("quotes what needs quoting and leaves missing values empty", () => {
    const t: ExportTable = {
      columns: ["a", "b", "c"],
      rows: [
        ["4KiB", null, 1.5],
        ['x,"y"', 2, "[8,4]"],
      ],
    };
    expect(toCsv(t)).toBe('a,b,c\n4KiB,,1.5\n"x,""y""",2,"[8,4]"\n');
  });
});
