/** benchScenarios runs its scenarios and reports well-formed numbers (speed is measured by `npm run bench`, not here). */
import { describe, expect, it } from "vitest";
import { benchScenarios, formatFabricBench } from "../../../src/hw/fabric/index.js";

describe("fabric benchmarks", () => {
  it("runs the WRITE, READ, host and ai-server-8x8 scenarios", () => {
    const r = benchScenarios({ simulatedUs: 20, repeat: 1 });
    expect(r.map((x) => x.scenario)).toEqual(["write-400g", "read-gen5", "write-host-dmah", "ai-server-8x8"]);
    for (const x of r) {
      expect(x.tlps).toBeGreaterThan(1000);
      expect(x.simulatedNs).toBe(20_000);
      expect(x.tlpsPerSecond).toBeGreaterThan(0);
      expect(x.peakRssMiB).toBeGreaterThan(0);
      expect(x.goodputGbps).toBeGreaterThan(100);
    }
    expect(formatFabricBench(r)[0]).toMatch(/^write-400g +[\d.]+ M TLPs\/s/);
  });
});
