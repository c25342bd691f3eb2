/**
 * Long single streams: the simulated goodput equals the analytic link model (src/pcie/link.ts)
 * within 1% for writes and reads, Gen3 x8 and Gen5 x16, MPS 256 and 512, several sizes. The NIC's
 * network port and DMA engine are made very fast so the PCIe link is the bottleneck.
 */
import { describe, expect, it } from "vitest";
import { linkModel } from "../../../src/pcie/link.js";
import { rig } from "./helpers.js";

const LINKS = [
  { gen: 3, width: 8, runNs: 60_000 },
  { gen: 5, width: 16, runNs: 25_000 },
] as const;
const SIZES = [64, 256, 1500, 4096] as const;
const FAST_ENGINE = { dmaWriteRequestNs: 0, dmaWriteGBps: 10_000, dmaReadRequestNs: 0, dmaReadGBps: 10_000 };

describe("fabric goodput vs the analytic link model", () => {
  for (const l of LINKS) {
    for (const mps of [256, 512]) {
      for (const op of ["write", "read"] as const) {
        it(`Gen${l.gen} x${l.width} MPS ${mps} ${op}: ${SIZES.join("/")} B within 1%`, () => {
          const model = linkModel({ gen: l.gen, width: l.width, mps, mrrs: 512 });
          for (const size of SIZES) {
            const { fabric } = rig({
              gen: l.gen,
              width: l.width,
              params: {
                link: { mps },
                nic: { lineRateGbps: 100_000, maxOutstandingReads: 4096, ...FAST_ENGINE },
                metrics: { warmupNs: 5000 },
              },
              // Keep the bytes in flight under the NIC's 1 MiB packet buffer (no drops).
              flows: (key) => [
                {
                  name: "s",
                  op,
                  mkey: key,
                  size,
                  queueDepth: Math.min(8192, Math.floor(2 ** 19 / size)),
                  consumer: false,
                },
              ],
            });
            const r = fabric.run(l.runNs);
            const want = op === "write" ? model.writeGbps(size) : model.readGbps(size);
            const got = r.flows.s!.goodputGbps;
            expect(Math.abs(got - want) / want, `${size} B: ${got} vs ${want} Gb/s`).toBeLessThan(0.01);
            expect(r.flows.s!.bytes.lost).toBe(0);
          }
        });
      }
    }
  }
});
