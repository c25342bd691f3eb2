/**
 * Every number a run prints is possible and conserved, over random valid scenarios on every
 * revision (issue 7, "Done means"): the byte ledger balances; every utilization is in [0, 1];
 * goodput never exceeds the path's analytic bandwidth (src/pcie/link.ts) nor the network port's
 * payload capacity; cache hits and misses are never negative; the same seed gives the same bytes;
 * nothing throws (the CLI's exit 70). Short simulated times keep it fast.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linkModel } from "../../src/pcie/link.js";
import { parseScenario } from "../../src/scenario/load.js";
import { type RevisionResult, reportJson } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import { expectResultBounds } from "../support/result-bounds.js";

const ACTIONS = [
  "{ at: 3us, action: revoke, by: flr }",
  "{ at: 3us, action: revoke, by: memory-disable }",
  "{ at: 3us, action: revoke, by: d3hot }",
  "{ at: 3us, action: revoke, by: close }",
  "{ at: 5us, action: unrevoke }",
  "{ at: 4us, action: set-tph, buffer: hbm, st: 0x33, ph: 1, partition: 2 }",
  "{ at: 6us, action: reregister, mr: acc }",
];

const flow = fc.record({
  op: fc.constantFrom("write", "read", "send"),
  mr: fc.constantFrom("acc", "h"),
  size: fc.constantFrom(64, 200, 1500, 4096, 9000, 16384),
  load: fc.oneof(
    fc.record({ rateGbps: fc.integer({ min: 1, max: 500 }) }),
    fc.record({ queueDepth: fc.integer({ min: 1, max: 32 }) }),
  ),
  startNs: fc.constantFrom(0, 0, 1000, 4000),
});

const scenario = fc.record({
  topology: fc.constantFrom("switch", "root-complex"),
  gen: fc.integer({ min: 1, max: 5 }),
  width: fc.constantFrom(1, 4, 8, 16),
  mps: fc.constantFrom(128, 256, 512),
  mrrs: fc.constantFrom(128, 512, 4096),
  tags: fc.constantFrom(1, 4, 16, 256),
  mtu: fc.constantFrom(256, 1024, 4096),
  lineGbps: fc.constantFrom(25, 100, 400),
  bufferKiB: fc.constantFrom(4, 64, 1024),
  memoryGBps: fc.constantFrom(5, 100),
  ingressGBps: fc.constantFrom(5, 128),
  warmupNs: fc.constantFrom(0, 0, 2000),
  durationUs: fc.integer({ min: 7, max: 10 }),
  flows: fc.array(flow, { minLength: 1, maxLength: 3 }),
  timeline: fc.subarray(ACTIONS, { maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Combo = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function yaml(o: Combo): string {
  const flows = o.flows.map((f, i) => {
    const load = "rateGbps" in f.load ? `rate: ${f.load.rateGbps}Gb/s` : `queueDepth: ${f.load.queueDepth}`;
    return `  - { name: f${i}, op: ${f.op}, mr: ${f.mr}, size: ${f.size}, ${load}, start: ${f.startNs}ns }`;
  });
  return `name: prop
duration: ${o.durationUs}us
seed: ${o.seed}
revisions: [mainline, rfc, v11, proposed]
topology: ${o.topology}
link: { gen: ${o.gen}, width: ${o.width}, mps: ${o.mps}, mrrs: ${o.mrrs} }
nic: { maxOutstandingReads: ${o.tags}, mtu: ${o.mtu}, lineRateGbps: ${o.lineGbps}, bufferBytes: ${o.bufferKiB}KiB }
host: { memoryGBps: ${o.memoryGBps}, steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
accelerator: { ingressGBps: ${o.ingressGBps} }
metrics: { warmupNs: ${o.warmupNs} }
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
dmah: [{ name: d, cpu: 1, ph: 2 }]
mrs: [{ name: acc, buffer: hbm }, { name: h, host: 1MiB, dmah: d }]
flows:
${flows.join("\n")}
timeline: [${o.timeline.join(", ")}]
`;
}

/** Payload per second the network port carries at most: packets as full as the messages allow (82 B each). */
function portPayloadGbps(o: Combo, size: number): number {
  const packet = Math.min(size, o.mtu);
  return (o.lineGbps * packet) / (packet + 82);
}

/**
 * The path's analytic bandwidth for messages of `size`: a window may hold only a message's full
 * TLPs (not its short last one), so the better of `size` and its MPS-aligned part.
 */
function pathGbps(o: Combo, op: string, size: number): number {
  const model = linkModel({ gen: o.gen, width: o.width, mps: o.mps, mrrs: o.mrrs });
  const bw = (n: number) => (op === "read" ? model.readGbps(n) : model.writeGbps(n));
  const full = size >= o.mps ? Math.floor(size / o.mps) * o.mps : size;
  return Math.max(bw(size), bw(full));
}

function check(o: Combo, rev: string, r: RevisionResult): void {
  const at = (what: string) => `${rev} ${what}`;
  for (const [name, f] of Object.entries(r.flows)) {
    const b = f.bytes;
    expect(b.offered, at(`${name} ledger`)).toBe(b.delivered + b.lost + b.inFlight);
    expect(Math.min(b.delivered, b.lost, b.inFlight), at(`${name} ledger`)).toBeGreaterThanOrEqual(0);
    const spec = o.flows[Number(name.slice(1))]!;
    // A window that opens mid-stream (warm-up) may hold one more delivery than its length carries
    // (a fencepost: the first one's bytes crossed the path just before it opened).
    const window = o.durationUs * 1000 - Math.max(o.warmupNs, spec.startNs);
    const unit = Math.min(spec.size, Math.max(o.mtu, o.mps, o.mrrs));
    const edge = o.warmupNs > 0 ? (unit * 8) / window : 0;
    expect(f.goodputGbps, at(`${name} goodput vs link`)).toBeLessThanOrEqual(
      pathGbps(o, spec.op, spec.size) + edge,
    );
    expect(f.goodputGbps, at(`${name} goodput vs port`)).toBeLessThanOrEqual(
      portPayloadGbps(o, spec.size) + edge,
    );
    if (o.warmupNs === 0 && spec.startNs === 0) {
      // Goodput and messages agree: bytes of completed messages over the run.
      const want = (f.messages * spec.size * 8) / (o.durationUs * 1000);
      expect(f.goodputGbps, at(`${name} goodput vs messages`)).toBeCloseTo(want, 6);
    }
    expect(f.messages + f.messagesLost, at(name)).toBeLessThanOrEqual(f.messagesOffered);
  }
  expectResultBounds(r, at);
}

describe("numbers that hold up", () => {
  it("random valid scenarios on every revision: ledger, utilization, goodput bounds, counts", () => {
    fc.assert(
      fc.property(scenario, (o) => {
        const text = yaml(o);
        const out = runScenario(parseScenario(text, "p.yaml"));
        for (const [rev, r] of Object.entries(out.report.results)) check(o, rev, r);
      }),
      { numRuns: 20, seed: 7 },
    );
  }, 300_000);

  it("the same seed gives the same bytes", () => {
    fc.assert(
      fc.property(scenario, (o) => {
        const s = parseScenario(yaml(o), "p.yaml");
        const a = reportJson(runScenario(s, { revisions: ["v11"] }).report);
        expect(reportJson(runScenario(s, { revisions: ["v11"] }).report)).toBe(a);
      }),
      { numRuns: 8, seed: 8 },
    );
  }, 300_000);
});
