/**
 * The simulator against queueing theory, on one bottleneck: Poisson 4 KiB WRITEs through a Gen3 x4
 * link (the NIC's 400 Gb/s port and the rest of the path far faster) form an M/D/1 queue whose
 * server is the link, with a message's service time from pcie-bench's model (src/pcie/link.ts,
 * what `tphlab bw` prints). Pollaczek-Khinchine gives the mean wait, W = rho S / (2 (1 - rho)),
 * on top of the zero-load latency; the link's measured busy fraction is rho. Offered far above
 * the link (open loop, finite NIC buffer), goodput is the link's payload rate, the link is busy
 * at most all the time, and what the NIC could not hold is counted lost.
 */
import { describe, expect, it } from "vitest";
import { linkModel } from "../../src/pcie/link.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RevisionResult } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import { expectResultBounds } from "../support/result-bounds.js";

const LINK = { gen: 3, width: 4, mps: 256, mrrs: 512 };
const SIZE = 4096;
const CAP_GBPS = linkModel(LINK).writeGbps(SIZE);
/** A message's service time on the link, ns. */
const S = (SIZE * 8) / CAP_GBPS;

function run(rate: string, seed: number, extra = ""): RevisionResult {
  const text = `name: q
duration: 5ms
seed: ${seed}
revisions: [v11]
topology: root-complex
link: { gen: ${LINK.gen}, width: ${LINK.width}, mps: ${LINK.mps}, mrrs: ${LINK.mrrs} }
nic: { lineRateGbps: 400, bufferBytes: ${extra ? "256KiB" : "64MiB"} }
mrs: [{ name: m, host: 64MiB }]
flows:
  - { name: f, op: write, mr: m, size: ${SIZE}, rate: ${rate}, arrival: poisson, consumer: none }
`;
  return runScenario(parseScenario(text, "q.yaml")).report.results.v11!;
}

describe("queueing theory", () => {
  it("Poisson writes through one slow link wait as M/D/1 says (Pollaczek-Khinchine, within 12%)", () => {
    const zeroLoad = run(`${(CAP_GBPS * 0.002).toFixed(4)}Gb/s`, 1).flows.f!.latencyNs.p50!;
    for (const rho of [0.3, 0.6, 0.8]) {
      let wait = 0;
      let busy = 0;
      const seeds = [1, 2, 3, 4];
      for (const seed of seeds) {
        const r = run(`${(CAP_GBPS * rho).toFixed(4)}Gb/s`, seed);
        wait += r.flows.f!.latencyNs.mean! - zeroLoad;
        busy += r.links["rp0-nic0"]!.up;
      }
      wait /= seeds.length;
      busy /= seeds.length;
      // The offered load is rho; what the seeds drew is within a few percent of it.
      expect(busy, `rho ${rho}`).toBeCloseTo(rho, 1);
      const pk = (busy * S) / (2 * (1 - busy));
      expect(Math.abs(wait - pk) / pk, `rho ${rho}: waited ${wait} ns, M/D/1 ${pk} ns`).toBeLessThan(0.12);
    }
  }, 120_000);

  it("offered at 3x the link: goodput is the link's payload rate, the link is busy at most all the time, the excess is lost", () => {
    const r = run(`${(CAP_GBPS * 3).toFixed(3)}Gb/s`, 1, "small buffer");
    const f = r.flows.f!;
    expect(Math.abs(f.goodputGbps - CAP_GBPS) / CAP_GBPS).toBeLessThan(0.02);
    expect(r.links["rp0-nic0"]!.up).toBeGreaterThan(0.97);
    expect(f.bytes.lost / f.bytes.offered).toBeGreaterThan(0.6);
    expectResultBounds(r, (w) => w);
  }, 60_000);
});
