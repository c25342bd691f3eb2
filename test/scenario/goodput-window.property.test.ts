/**
 * Goodput is judged over a flow's active window: from its start (or the end of warm-up, if later)
 * to its stop (or the end of the run), and `activeNs` reports that window. Physical bound: bytes
 * counted as goodput landed inside the window, so goodput never exceeds what the path can carry
 * (the link's analytic payload rate for the message size, the NIC port's payload rate), however
 * short the window; and it never claims more bytes than were delivered.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linkModel } from "../../src/pcie/link.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { assertProperty } from "../support/fc.js";

const flow = fc.record({
  size: fc.constantFrom(256, 1024, 4096, 8192, 65536),
  /** Closed loop with this many messages outstanding, or open loop at this rate (Gb/s). */
  load: fc.oneof(
    fc.record({ queueDepth: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ rateGbps: fc.integer({ min: 50, max: 800 }) }),
  ),
  startUs: fc.integer({ min: 0, max: 15 }),
  /** Active for this long (clipped to the run), or to the end. */
  forUs: fc.option(fc.integer({ min: 1, max: 10 })),
});

const combo = fc.record({
  gen: fc.integer({ min: 3, max: 5 }),
  width: fc.constantFrom(4, 8, 16),
  mps: fc.constantFrom(256, 512),
  lineGbps: fc.constantFrom(100, 200, 400),
  topology: fc.constantFrom("switch", "root-complex"),
  warmupNs: fc.constantFrom(0, 0, 3000, 12000),
  durationUs: fc.integer({ min: 20, max: 30 }),
  flows: fc.array(flow, { minLength: 1, maxLength: 2 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});
type Combo = typeof combo extends fc.Arbitrary<infer T> ? T : never;
type Flow = Combo["flows"][number];

const stopNs = (o: Combo, f: Flow) =>
  f.forUs === null ? undefined : Math.min((f.startUs + f.forUs) * 1000, o.durationUs * 1000);

function yaml(o: Combo): string {
  const flows = o.flows.map((f, i) => {
    const load = "queueDepth" in f.load ? `queueDepth: ${f.load.queueDepth}` : `rate: ${f.load.rateGbps}Gb/s`;
    const stop = stopNs(o, f);
    const window = `start: ${f.startUs}us${stop === undefined ? "" : `, stop: ${stop}ns`}`;
    return `  - { name: f${i}, op: write, mr: acc, size: ${f.size}, ${load}, ${window}, offset: ${i * 4}MiB, length: 4MiB }`;
  });
  return `name: window
duration: ${o.durationUs}us
seed: ${o.seed}
revisions: [v11]
topology: ${o.topology}
link: { gen: ${o.gen}, width: ${o.width}, mps: ${o.mps}, mrrs: 512 }
nic: { lineRateGbps: ${o.lineGbps} }
metrics: { warmupNs: ${o.warmupNs} }
buffers: [{ name: hbm, length: 8MiB }]
mrs: [{ name: acc, buffer: hbm }]
flows:
${flows.join("\n")}
`;
}

describe("goodput over the active window", () => {
  it("activeNs is the window; goodput stays under the path and the port however short it is", () => {
    assertProperty(
      fc.property(combo, (o) => {
        const r = runScenario(parseScenario(yaml(o), "w.yaml", () => new Uint8Array())).report.results.v11!;
        const model = linkModel({ gen: o.gen, width: o.width, mps: o.mps, mrrs: 512 });
        o.flows.forEach((spec, i) => {
          const f = r.flows[`f${i}`]!;
          const from = Math.max(o.warmupNs, spec.startUs * 1000);
          const to = stopNs(o, spec) ?? o.durationUs * 1000;
          const window = Math.max(0, to - from);
          expect(f.activeNs, `f${i} activeNs`).toBe(window);
          if (window === 0) {
            expect(f.goodputGbps).toBe(0);
            return;
          }
          // A window opened by the warm-up may count one packet already on its way (the edge).
          const edge = from > spec.startUs * 1000 ? (Math.min(spec.size, 4096) * 8) / window : 0;
          expect(f.goodputGbps, `f${i} vs link`).toBeLessThanOrEqual(model.writeGbps(spec.size) + edge);
          const packet = Math.min(spec.size, 4096);
          expect(f.goodputGbps, `f${i} vs port`).toBeLessThanOrEqual(
            (o.lineGbps * packet) / (packet + 82) + edge,
          );
          // Goodput's bytes are delivered bytes (1 part in 1e6 for the 3-decimal rounding).
          expect((f.goodputGbps * window) / 8).toBeLessThanOrEqual(f.bytes.delivered * (1 + 1e-6) + 1);
        });
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});

describe("a flow active part of the run", () => {
  const run = (window: string) =>
    runScenario(
      parseScenario(
        `name: part
duration: 100us
revisions: [v11]
link: { gen: 5, width: 16 }
buffers: [{ name: hbm, length: 8MiB }]
mrs: [{ name: acc, buffer: hbm }]
flows:
  - { name: w, op: write, mr: acc, size: 8KiB, rate: 100Gb/s${window} }
`,
        "p.yaml",
        () => new Uint8Array(),
      ),
    ).report.results.v11!.flows.w!;

  it("is judged over its 10 us, not over the 100 us run: the same 100 Gb/s as when it runs throughout", () => {
    const whole = run("");
    const part = run(", start: 40us, stop: 50us");
    expect(whole.activeNs).toBe(100_000);
    expect(part.activeNs).toBe(10_000);
    expect(whole.goodputGbps).toBeGreaterThan(95);
    expect(part.goodputGbps).toBeGreaterThan(90);
    expect(part.goodputGbps).toBeLessThanOrEqual(101);
    // Its bytes (a tenth of the whole run's) over the whole run would have read ~10 Gb/s.
    expect(part.bytes.delivered).toBeLessThan(whole.bytes.delivered / 8);
  });
});
