/**
 * The simulator against pcie-bench's measurements (calibration.md): every published point within
 * 10% with the measured device's DMA engine, and the engine is what makes the small sizes fit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CalibrationReport,
  PCIE_BENCH_DEVICE,
  PCIE_BENCH_MEASURED,
  runCalibration,
} from "../../../src/hw/fabric/calibration.js";
import { PCIE_BENCH_DMA } from "../../../src/hw/fabric/dma-params.js";
import { rig } from "./helpers.js";

let report: CalibrationReport;
beforeAll(() => {
  report = runCalibration();
}, 120_000);

describe("calibration against pcie-bench (Gen3 x8, calibration.md)", () => {
  it("transcribes calibration.md's figures", () => {
    expect(PCIE_BENCH_MEASURED.sizes).toEqual([64, 128, 256, 512, 1024, 2048]);
    expect(PCIE_BENCH_MEASURED.writeGbps).toEqual([24.3, 42.4, 50.5, 53.0, 53.0, 53.0]);
    expect(PCIE_BENCH_MEASURED.readGbps).toEqual([31.9, 43.8, 47.7, 55.0, 55.4, 55.6]);
    expect(PCIE_BENCH_MEASURED.latencyNs.map((l) => l.ns)).toEqual([600, 560, 1133]);
  });

  it("has every published point within 10%", () => {
    expect(report.points).toHaveLength(15);
    for (const p of report.points) {
      const what = `${p.metric} ${p.size} B ${p.cache}: model ${p.model} vs measured ${p.measured}`;
      expect(Number.isFinite(p.model), what).toBe(true);
      expect(Math.abs(p.model - p.measured) / p.measured, what).toBeLessThanOrEqual(0.1);
    }
    expect(report.worst).toBeLessThanOrEqual(report.limit);
  });

  it("needs the DMA engine: the default NIC is link-bound and misses the small sizes and the 2048 B latency", () => {
    const off = (metric: string, size: number) => {
      const p = report.points.find((q) => q.metric === metric && q.size === size)!;
      return Math.abs(p.defaultNic - p.measured) / p.measured;
    };
    expect(off("write", 64)).toBeGreaterThan(0.5); // 42.1 vs 24.3
    expect(off("read", 64)).toBeGreaterThan(0.3); // 44.1 vs 31.9
    expect(off("latency", 2048)).toBeGreaterThan(0.15); // ~913 vs 1133
    for (const p of report.points.filter((q) => q.linkBound !== null)) {
      expect(Math.abs(p.defaultNic - p.linkBound!) / p.linkBound!).toBeLessThan(0.01);
    }
  });

  it("never puts a bandwidth point above what the DMA engine or the link can carry", () => {
    const d = PCIE_BENCH_DMA;
    // One engine job per DMA (every size is at most an MTU): request cost plus the bytes at its rate.
    const engineGbps = (size: number, req: number, gBps: number) => (size * 8) / (req + size / gBps);
    for (const p of report.points.filter((q) => q.metric !== "latency")) {
      const engine =
        p.metric === "read"
          ? engineGbps(p.size, d.readRequestNs, d.readGBps)
          : engineGbps(p.size, d.writeRequestNs, d.writeGBps);
      const what = `${p.metric} ${p.size} B: model ${p.model}, engine ${engine}, link ${p.linkBound}`;
      expect(p.model, what).toBeLessThanOrEqual(engine * 1.001);
      expect(p.model, what).toBeLessThanOrEqual(p.linkBound! * 1.001);
    }
  });

  it("a closed-loop read stream completes no faster than the engine stores its data (256 B: 49.2 of the link's 53.7 Gb/s)", () => {
    const { fabric } = rig({
      shape: "host",
      target: "host",
      gen: 3,
      width: 8,
      params: { nic: { ...PCIE_BENCH_DEVICE.nic }, metrics: { warmupNs: 10_000 } },
      flows: (key) => [{ name: "r", op: "read", mkey: key, size: 256, queueDepth: 128, consumer: false }],
    });
    const r = fabric.run(40_000).flows.r!;
    const engine = (256 * 8) / (PCIE_BENCH_DMA.readRequestNs + 256 / PCIE_BENCH_DMA.readGBps);
    // The engine's backlog grows all run (the link is faster): it must not count messages early.
    expect(r.goodputGbps).toBeLessThanOrEqual(engine * 1.001);
    expect(r.goodputGbps).toBeGreaterThan(engine * 0.97);
    expect((r.messages * 256 * 8) / 40_000).toBeLessThanOrEqual(engine * 1.001);
  });

  it("an open-loop stream above the engine's rate is dropped at the NIC buffer, never queued without bound", () => {
    const { fabric } = rig({
      shape: "host",
      target: "host",
      gen: 3,
      width: 8,
      params: { nic: { ...PCIE_BENCH_DEVICE.nic, bufferBytes: 65536 }, metrics: { warmupNs: 20_000 } },
      flows: (key) => [{ name: "w", op: "write", mkey: key, size: 64, rateGbps: 100, consumer: false }],
    });
    const r = fabric.run(120_000).flows.w!;
    const engine = (64 * 8) / (18 + 64 / 20); // Gb/s: 64 B per (request + bytes at 20 GB/s) ns
    expect(Math.abs(r.goodputGbps - engine) / engine).toBeLessThan(0.01);
    expect(r.drops).toBeGreaterThan(0);
    expect(r.bytes.lost).toBeGreaterThan(0);
    expect(r.conserved).toBe(true);
    // What waits is at most the 64 KiB packet buffer plus a few packets on their way.
    expect(r.bytes.inFlight).toBeLessThan(65536 + 4096);
  });
});
