/**
 * Traffic shapes keep the numbers possible and conserved: random valid scenarios whose flows have
 * size distributions, on/off bursts, start/stop times and CSV traces, on every revision. The byte
 * ledger balances per flow and in total; utilizations are in [0, 1]; goodput, over the flow's
 * active window (start or warm-up to stop or the end), stays under the path's analytic bandwidth
 * and the network port's payload rate for the flow's largest message;
 * counts are never negative; a flow offers no more than its shape allows (a trace: its lines before
 * the stop; a constant rate: one message per smallest gap of on-time between start and stop).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { linkModel } from "../../src/pcie/link.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RevisionResult } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import { assertProperty } from "../support/fc.js";
import { expectResultBounds } from "../support/result-bounds.js";

const SIZES = [64, 200, 1500, 4096, 9000, 16384];

const size = fc.oneof(
  fc.record({ kind: fc.constant("fixed" as const), values: fc.constantFrom(...SIZES).map((s) => [s]) }),
  fc.record({
    kind: fc.constant("uniform" as const),
    values: fc.uniqueArray(fc.integer({ min: 1, max: 16384 }), { minLength: 2, maxLength: 2 }),
  }),
  fc.record({
    kind: fc.constant("choice" as const),
    values: fc.uniqueArray(fc.constantFrom(...SIZES), { minLength: 1, maxLength: 4 }),
    weights: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 4, maxLength: 4 }),
  }),
);

const trace = fc.array(
  fc.record({ gapNs: fc.integer({ min: 0, max: 800 }), size: fc.constantFrom(...SIZES, 1, 333) }),
  {
    minLength: 1,
    maxLength: 40,
  },
);

const flow = fc.record({
  op: fc.constantFrom("write", "read", "send"),
  mr: fc.constantFrom("acc", "h"),
  shape: fc.oneof(
    fc.record({
      size,
      load: fc.oneof(
        fc.record({ rateGbps: fc.integer({ min: 1, max: 500 }), poisson: fc.boolean() }),
        fc.record({ queueDepth: fc.integer({ min: 1, max: 32 }) }),
      ),
      burst: fc.option(
        fc.record({ onNs: fc.integer({ min: 1, max: 4000 }), offNs: fc.integer({ min: 0, max: 4000 }) }),
      ),
    }),
    fc.record({ trace }),
  ),
  startNs: fc.constantFrom(0, 0, 1000, 2500),
  /** Stop this long after the start (clipped to the run), or none. */
  stopAfterNs: fc.option(fc.integer({ min: 1, max: 8000 })),
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
  warmupNs: fc.constantFrom(0, 0, 2000),
  durationUs: fc.integer({ min: 7, max: 10 }),
  flows: fc.array(flow, { minLength: 1, maxLength: 3 }),
  revoke: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Combo = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
type Flow = Combo["flows"][number];

function sizeYaml(s: Extract<Flow["shape"], { size: unknown }>["size"]): string {
  if (s.kind === "fixed") return `${s.values[0]}`;
  if (s.kind === "uniform")
    return `{ dist: uniform, min: ${Math.min(...s.values)}, max: ${Math.max(...s.values)} }`;
  return `{ dist: choice, values: [${s.values.join(", ")}], weights: [${s.weights.slice(0, s.values.length).join(", ")}] }`;
}

function stopNs(o: Combo, f: Flow): number | undefined {
  return f.stopAfterNs === null ? undefined : Math.min(f.startNs + f.stopAfterNs, o.durationUs * 1000);
}

function flowYaml(o: Combo, f: Flow, i: number): string {
  const parts = [`name: f${i}`, `op: ${f.op}`, `mr: ${f.mr}`, `start: ${f.startNs}ns`];
  const stop = stopNs(o, f);
  if (stop !== undefined) parts.push(`stop: ${stop}ns`);
  if ("trace" in f.shape) parts.push(`trace: t${i}.csv`);
  else {
    parts.push(`size: ${sizeYaml(f.shape.size)}`);
    const l = f.shape.load;
    if ("rateGbps" in l)
      parts.push(`rate: ${l.rateGbps}Gb/s`, `arrival: ${l.poisson ? "poisson" : "constant"}`);
    else parts.push(`queueDepth: ${l.queueDepth}`);
    const b = f.shape.burst;
    if (b) parts.push(`burst: { on: ${b.onNs}ns, off: ${b.offNs}ns }`);
  }
  return `  - { ${parts.join(", ")} }`;
}

/** Trace i's lines: cumulative times from the gaps. */
function traceLines(t: Extract<Flow["shape"], { trace: unknown }>["trace"]): { t: number; size: number }[] {
  let at = 0;
  return t.map((x) => {
    at += x.gapNs;
    return { t: at, size: x.size };
  });
}

function files(o: Combo): Record<string, string> {
  const out: Record<string, string> = {};
  o.flows.forEach((f, i) => {
    if ("trace" in f.shape)
      out[`t${i}.csv`] = `time,size\n${traceLines(f.shape.trace)
        .map((l) => `${l.t}ns,${l.size}`)
        .join("\n")}\n`;
  });
  return out;
}

function yaml(o: Combo): string {
  return `name: shapes
duration: ${o.durationUs}us
seed: ${o.seed}
revisions: [mainline, rfc, v11, proposed]
topology: ${o.topology}
link: { gen: ${o.gen}, width: ${o.width}, mps: ${o.mps}, mrrs: ${o.mrrs} }
nic: { maxOutstandingReads: ${o.tags}, mtu: ${o.mtu}, lineRateGbps: ${o.lineGbps}, bufferBytes: ${o.bufferKiB}KiB }
host: { steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
metrics: { warmupNs: ${o.warmupNs} }
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
dmah: [{ name: d, cpu: 1, ph: 2 }]
mrs: [{ name: acc, buffer: hbm }, { name: h, host: 1MiB, dmah: d }]
flows:
${o.flows.map((f, i) => flowYaml(o, f, i)).join("\n")}
timeline: [${o.revoke ? "{ at: 3us, action: revoke, by: flr }, { at: 5us, action: unrevoke }" : ""}]
`;
}

/** Every message size the flow can send. */
function sizesOf(f: Flow): number[] {
  if ("trace" in f.shape) return f.shape.trace.map((x) => x.size);
  const s = f.shape.size;
  if (s.kind !== "uniform") return s.values;
  const lo = Math.min(...s.values);
  return Array.from({ length: Math.max(...s.values) - lo + 1 }, (_, k) => lo + k);
}

/** The best payload rate of the path over the flow's sizes (a mix is never better than its best size). */
function pathGbps(o: Combo, f: Flow): number {
  const model = linkModel({ gen: o.gen, width: o.width, mps: o.mps, mrrs: o.mrrs });
  const bw = (n: number) => (f.op === "read" ? model.readGbps(n) : model.writeGbps(n));
  let best = 0;
  for (const n of new Set(sizesOf(f))) {
    const full = n >= o.mps ? Math.floor(n / o.mps) * o.mps : n;
    best = Math.max(best, bw(n), bw(full));
  }
  return best;
}

/** The most messages the shape can offer, when it says (a trace, or a constant rate). */
function offerBound(o: Combo, f: Flow): { messages: number; bytes: number } | undefined {
  const end = Math.min(stopNs(o, f) ?? Number.POSITIVE_INFINITY, o.durationUs * 1000);
  if ("trace" in f.shape) {
    const lines = traceLines(f.shape.trace).filter((l) => f.startNs + l.t < end);
    return { messages: lines.length, bytes: lines.reduce((a, l) => a + l.size, 0) };
  }
  const l = f.shape.load;
  if (!("rateGbps" in l) || l.poisson) return undefined;
  // On-time (ps) between start and end, and the smallest gap of that clock.
  const span = (end - f.startNs) * 1000;
  const b = f.shape.burst;
  const period = b ? (b.onNs + b.offNs) * 1000 : span;
  const on = b ? b.onNs * 1000 : span;
  const onTime = Math.floor(span / period) * on + Math.min(span % period, on);
  const minGap = Math.round((Math.min(...sizesOf(f)) * 8000) / l.rateGbps);
  const messages = Math.floor(Math.max(0, onTime - 1) / minGap) + 1;
  return { messages, bytes: messages * Math.max(...sizesOf(f)) };
}

function check(o: Combo, rev: string, r: RevisionResult): void {
  const at = (what: string) => `${rev} ${what}`;
  for (const [name, f] of Object.entries(r.flows)) {
    const spec = o.flows[Number(name.slice(1))]!;
    const b = f.bytes;
    expect(b.offered, at(`${name} ledger`)).toBe(b.delivered + b.lost + b.inFlight);
    expect(
      Math.min(b.delivered, b.lost, b.inFlight, f.messages, f.messagesLost),
      at(name),
    ).toBeGreaterThanOrEqual(0);
    expect(f.messages + f.messagesLost, at(name)).toBeLessThanOrEqual(f.messagesOffered);
    const maxSize = Math.max(...sizesOf(spec));
    // The active window: from the start (or warm-up) to the stop (or the run's end).
    const window = Math.max(0, (stopNs(o, spec) ?? o.durationUs * 1000) - Math.max(o.warmupNs, spec.startNs));
    expect(f.activeNs, at(`${name} active window`)).toBe(window);
    if (window === 0) expect(f.goodputGbps, at(`${name} goodput of an empty window`)).toBe(0);
    const unit = Math.min(maxSize, Math.max(o.mtu, o.mps, o.mrrs));
    const edge = o.warmupNs > 0 ? (unit * 8) / window : 0;
    expect(f.goodputGbps, at(`${name} goodput vs link`)).toBeLessThanOrEqual(pathGbps(o, spec) + edge);
    const packet = Math.min(maxSize, o.mtu);
    expect(f.goodputGbps, at(`${name} goodput vs port`)).toBeLessThanOrEqual(
      (o.lineGbps * packet) / (packet + 82) + edge,
    );
    const bound = offerBound(o, spec);
    if (bound) {
      expect(f.messagesOffered, at(`${name} messages offered vs shape`)).toBeLessThanOrEqual(bound.messages);
      expect(b.offered, at(`${name} bytes offered vs shape`)).toBeLessThanOrEqual(bound.bytes);
    }
  }
  expectResultBounds(r, at);
}

function load(o: Combo) {
  const map = files(o);
  return parseScenario(yaml(o), "p.yaml", (p) => {
    const text = map[p];
    if (text === undefined) throw new InputError({ code: "read", path: p, message: "cannot read: ENOENT" });
    return new TextEncoder().encode(text);
  });
}

describe("traffic shapes keep the numbers possible", () => {
  it("random scenarios with bursts, size mixes, traces and start/stop: ledger, utilization, goodput, counts", () => {
    assertProperty(
      fc.property(scenario, (o) => {
        const out = runScenario(load(o));
        for (const [rev, r] of Object.entries(out.report.results)) check(o, rev, r);
      }),
      { numRuns: 15 },
      [11],
    );
  }, 300_000);
});
