import { describe, expect, it } from "vitest";
import {
  ackLimit,
  DERIVED_WIDTHS,
  GEN_INFO,
  LINK_WIDTHS,
  type LinkWidth,
  PAYLOAD_SIZES,
  type PayloadSize,
  PCIE_BENCH_TYPOS,
  PCIE_GENS,
  type PcieGen,
  updateFcInterval,
} from "../../src/pcie/link-tables.js";

/**
 * The spec's pacing formula, in integer arithmetic (factor in tenths):
 * floor((MPS + 28) * Factor / width + InternalDelay). See the header of link-tables.ts.
 */
function formula(gen: PcieGen, width: LinkWidth, mps: PayloadSize): number {
  const delay = gen === 1 ? 19 : gen === 2 ? 70 : 115;
  const small = mps <= 256;
  const factor10 = small ? (width <= 4 ? 14 : width === 8 ? 25 : 30) : width <= 8 ? 10 : 20;
  return Math.floor(((mps + 28) * factor10) / (10 * width)) + delay;
}

describe("Ack/UpdateFC pacing tables", () => {
  it("every cell of every generation matches the spec formula", () => {
    let cells = 0;
    for (const gen of PCIE_GENS) {
      for (const width of LINK_WIDTHS) {
        for (const mps of PAYLOAD_SIZES) {
          expect(ackLimit(gen, width, mps), `Gen${gen} x${width} MPS ${mps}`).toBe(formula(gen, width, mps));
          expect(updateFcInterval(gen, width, mps)).toBe(ackLimit(gen, width, mps));
          cells++;
        }
      }
    }
    expect(cells).toBe(6 * 7 * 6);
  });

  it("has the calibration.md Gen3-5 x4/x8/x16 values", () => {
    const expected: Record<number, number[]> = {
      4: [169, 214, 250, 378, 634, 1146],
      8: [163, 203, 182, 246, 374, 630],
      16: [144, 168, 182, 246, 374, 630],
    };
    for (const gen of [3, 4, 5] as const) {
      for (const [w, row] of Object.entries(expected)) {
        expect(PAYLOAD_SIZES.map((mps) => ackLimit(gen, Number(w) as LinkWidth, mps))).toEqual(row);
      }
    }
  });

  it("lists pcie-bench typos only where its value differs from ours", () => {
    for (const t of PCIE_BENCH_TYPOS) {
      expect(t.pcieBench).not.toBe(ackLimit(t.gen, t.width, t.mps));
    }
  });

  it("marks Gen6 pacing as extrapolated and x12 as derived, nothing else", () => {
    expect(PCIE_GENS.filter((g) => GEN_INFO[g].pacingExtrapolated)).toEqual([6]);
    expect(DERIVED_WIDTHS).toEqual([12]);
  });
});
