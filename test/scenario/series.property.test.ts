/**
 * Time series over random valid scenarios on every revision (issue 11): topology, links, warm-up,
 * flows that start late, bursts and stops, revokes, new SETs and re-registrations, a random
 * sampling interval and sample cap. Every run must pass test/support/series-checks.ts: "sum" tracks add up to the
 * results exactly, utilization in [0, 1] with the results' mean, t strictly increasing to the
 * duration, at most the cap, events matching the kernel calls; and the same input, the same bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { reportJson } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import { DEFAULT_MAX_SAMPLES } from "../../src/sim/sampler.js";
import { assertProperty } from "../support/fc.js";
import { checkRunSeries } from "../support/series-checks.js";

const ACTIONS = [
  "{ at: 3us, action: revoke, by: flr }",
  "{ at: 3us, action: revoke, by: memory-disable }",
  "{ at: 3500ns, action: revoke, by: d3hot }",
  "{ at: 5us, action: unrevoke }",
  "{ at: 4us, action: set-tph, buffer: hbm, st: 0x33, stExt: 0x3333, ph: 1, partition: 2 }",
  "{ at: 6us, action: reregister, mr: acc }",
  "{ at: 6us, action: reregister, mr: h }",
];

const flow = fc.record({
  op: fc.constantFrom("write", "read", "send"),
  mr: fc.constantFrom("acc", "acc", "h"),
  size: fc.constantFrom(64, 1500, 4096, 16384),
  load: fc.oneof(
    fc.record({ rateGbps: fc.integer({ min: 1, max: 400 }) }),
    fc.record({ queueDepth: fc.integer({ min: 1, max: 16 }) }),
  ),
  startNs: fc.constantFrom(0, 0, 1000, 2500),
  consumer: fc.constantFrom("", "consumer: none, ", "consumer: { engines: 2 }, "),
  shape: fc.constantFrom("", "", "burst: { on: 1us, off: 1500ns }, ", "stop: 4us, "),
});

const scenario = fc.record({
  topology: fc.constantFrom("switch", "root-complex"),
  gen: fc.integer({ min: 2, max: 5 }),
  width: fc.constantFrom(4, 8, 16),
  warmupNs: fc.constantFrom(0, 0, 1000, 1700),
  durationNs: fc.integer({ min: 6000, max: 9000 }),
  flows: fc.array(flow, { minLength: 1, maxLength: 3 }),
  timeline: fc.subarray(ACTIONS, { maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  samplePs: fc.option(fc.integer({ min: 1000, max: 3_000_000 }), { nil: undefined }),
  maxSamples: fc.option(
    fc.integer({ min: 1, max: 300 }).map((n) => n * 2),
    { nil: undefined },
  ),
});

type Combo = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function yaml(o: Combo): string {
  const flows = o.flows.map((f, i) => {
    const load = "rateGbps" in f.load ? `rate: ${f.load.rateGbps}Gb/s` : `queueDepth: ${f.load.queueDepth}`;
    return `  - { name: f${i}, op: ${f.op}, mr: ${f.mr}, size: ${f.size}, ${f.consumer}${f.shape}${load}, start: ${f.startNs}ns }`;
  });
  return `name: series-prop
duration: ${o.durationNs}ns
seed: ${o.seed}
revisions: [mainline, rfc, v11, proposed]
topology: ${o.topology}
link: { gen: ${o.gen}, width: ${o.width} }
host: { steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
metrics: { warmupNs: ${o.warmupNs} }
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
dmah: [{ name: d, cpu: 1, ph: 2 }]
mrs: [{ name: acc, buffer: hbm }, { name: h, host: 1MiB, dmah: d }]
flows:
${flows.join("\n")}
timeline: [${o.timeline.join(", ")}]
`;
}

function options(o: Combo) {
  return {
    ...(o.samplePs === undefined ? {} : { samplePs: o.samplePs }),
    ...(o.maxSamples === undefined ? {} : { maxSamples: o.maxSamples }),
  };
}

describe("time series of random scenarios", () => {
  it("sums equal the results, utilization in [0, 1], the time axis, the cap, events = kernel calls", () => {
    assertProperty(
      fc.property(scenario, (o) => {
        const s = parseScenario(yaml(o), "p.yaml");
        const out = runScenario(s, options(o));
        checkRunSeries(out, {
          durationNs: o.durationNs,
          warmupNs: o.warmupNs,
          flowStartNs: Object.fromEntries(o.flows.map((f, i) => [`f${i}`, f.startNs])),
          timelineActions: o.timeline.length,
          maxSamples: o.maxSamples ?? DEFAULT_MAX_SAMPLES,
        });
      }),
      { numRuns: 12 },
    );
  }, 300_000);

  it("the same input gives the same bytes (series and events included)", () => {
    assertProperty(
      fc.property(scenario, (o) => {
        const s = parseScenario(yaml(o), "p.yaml");
        const a = reportJson(runScenario(s, { ...options(o), revisions: ["v11"] }).report);
        expect(reportJson(runScenario(s, { ...options(o), revisions: ["v11"] }).report)).toBe(a);
      }),
      { numRuns: 4 },
    );
  }, 300_000);
});
