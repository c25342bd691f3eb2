/** The benchmark workloads at a tiny size: shapes, determinism, and lane/heap equivalence (no timing). */
import { describe, expect, it } from "vitest";
import {
  benchEngine,
  formatBench,
  holdModel,
  linksModel,
  mergeModel,
  pipeChain,
} from "../../src/sim/bench-engine.js";

describe("benchEngine", () => {
  it("returns one result per workload with consistent numbers", () => {
    const results = benchEngine({ size: 2000, holdSizes: [4, 64], repeat: 1 });
    expect(results.map((r) => r.name)).toEqual([
      "hold-4",
      "hold-64",
      "pipe-chain",
      "merge",
      "links-heap",
      "links-lane",
      "links-burst8",
    ]);
    for (const r of results) {
      expect(r.ops).toBe(2000);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.opsPerSecond).toBeCloseTo(r.ops / r.seconds, 6);
    }
    const lines = formatBench(results);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^hold-4 +\d+\.\d\d M events\/s {2}\(2000 in \d+\.\d{3} s, queue 1024\)$/);
    expect(lines[2]).toMatch(/^pipe-chain .* M TLPs\/s {2}\(2000 in \d+\.\d{3} s\)$/);
    const [hold4, hold64] = results;
    expect(hold4!.queueCapacity).toBe(1024);
    expect(hold64!.unit).toBe("events");
  });

  it("workloads are deterministic for a seed and depend on it", () => {
    expect(holdModel(5000, 100, 1)).toEqual(holdModel(5000, 100, 1));
    expect(holdModel(5000, 100, 1).checksum).not.toBe(holdModel(5000, 100, 2).checksum);
    expect(pipeChain(5000, 3)).toEqual(pipeChain(5000, 3));
    expect(pipeChain(5000, 3).checksum).not.toBe(pipeChain(5000, 4).checksum);
    expect(mergeModel(5000, 3)).toEqual(mergeModel(5000, 3));
  });

  it("links through lanes give the same result as through the heap, with a smaller heap", () => {
    const heap = linksModel(50_000, false);
    const lane = linksModel(50_000, true);
    expect(lane.checksum).toBe(heap.checksum);
    expect(heap.capacity).toBeGreaterThan(1024); // ~64 links x ~23 TLPs in flight
    expect(lane.capacity).toBe(1024); // 64 lane heads: the initial capacity suffices
    // Bursts of 1 are the per-TLP model; bursts of 8 move the same TLPs with 1/8 of the events.
    expect(linksModel(50_000, true, 1)).toEqual(lane);
    expect(linksModel(50_000, true, 8).checksum).not.toBe(lane.checksum);
  });
});
