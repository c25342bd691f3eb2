import { describe, expect, it } from "vitest";
import { pairwise } from "./pairwise.js";

const FACTORS = { a: [1, 2, 3], b: ["x", "y"], c: [true, false], d: [0, 1, 2], e: ["p", "q"] } as const;

describe("pairwise covering set", () => {
  it("covers every pair of values of every two factors", () => {
    const rows = pairwise(FACTORS);
    const names = Object.keys(FACTORS) as (keyof typeof FACTORS)[];
    for (const f of names)
      for (const g of names.filter((n) => n > f))
        for (const vf of FACTORS[f])
          for (const vg of FACTORS[g])
            expect(
              rows.some((r) => r[f] === vf && r[g] === vg),
              `${f}=${vf} with ${g}=${vg}`,
            ).toBe(true);
  });

  it("is deterministic and far smaller than the full product (72 rows)", () => {
    const rows = pairwise(FACTORS);
    expect(pairwise(FACTORS)).toEqual(rows);
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(rows.length).toBeLessThanOrEqual(12);
  });
});
