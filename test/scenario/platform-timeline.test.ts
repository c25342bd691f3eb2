/**
 * Timeline events on a platform (issue 10): each revoke or unrevoke is made by one accelerator's
 * owner through its own VFIO fd, so only that accelerator's dma-bufs go, and only the NICs whose
 * MRs map them fault; a set-tph reprograms and re-judges only the buffer's accelerator and flows;
 * a re-registration lands on the MR's NIC's PD. Names are checked at line:col.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/scenario/load.js";
import { bootScenarioPlatform, setupPlatform } from "../../src/scenario/platform-run.js";
import type { RevisionResult, RunOutcome } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import type { Scenario } from "../../src/scenario/scenario-schema.js";
import { runTimelineEvent } from "../../src/scenario/timeline/actions.js";
import { scenarioProblems } from "../support/problems.js";

const ENODEV = -19;

const problems = (text: string) => scenarioProblems(text);

/**
 * ai-server-8x8 with four accelerators in use: nicN writes into accN (N = 0..3) and nic4, behind
 * the other Root Port, also writes into acc1.
 */
const AI = (timeline: string, revisions = "[v11, proposed]") => `name: ai
duration: 30us
revisions: ${revisions}
link: { gen: 5, width: 16 }
platform: { preset: ai-server-8x8 }
buffers:
${[0, 1, 2, 3].map((i) => `  - { name: b${i}, device: acc${i}, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }`).join("\n")}
mrs:
${[0, 1, 2, 3].map((i) => `  - { name: m${i}, buffer: b${i}, nic: nic${i} }`).join("\n")}
  - { name: m41, buffer: b1, nic: nic4 }
flows:
${[0, 1, 2, 3].map((i) => `  - { name: f${i}, op: write, mr: m${i}, size: 4KiB, rate: 50Gb/s }`).join("\n")}
  - { name: f41, op: write, mr: m41, offset: 512KiB, size: 4KiB, rate: 50Gb/s }
timeline: ${timeline}
`;

const run = (text: string): RunOutcome => runScenario(parseScenario(text, "f.yaml"));
const EX = new URL("../../examples/", import.meta.url).pathname;
/** An example file, with `tweak` applied to its text. */
const example = (file: string, tweak: (t: string) => string = (t) => t): RunOutcome =>
  runScenario(loadScenario(`${EX}${file}`, (p) => new TextEncoder().encode(tweak(readFileSync(p, "utf8")))));
const faults = (o: RunOutcome, rev: string) =>
  o.steps[rev]!.filter((s) => s.who === "nic").map((s) => `@${s.at / 1e6}us ${s.call} = ${s.ret}`);

describe("timeline on a platform", () => {
  it("ai-server-8x8: revoking acc1 stops and faults only the flows into acc1; the others keep their goodput", () => {
    const base = run(AI("[]"));
    const o = run(
      AI(`
  - { at: 10us, action: revoke, device: acc1, by: memory-disable }
  - { at: 20us, action: unrevoke, device: acc1 }`),
    );
    for (const rev of ["v11", "proposed"]) {
      const r = o.report.results[rev]!;
      const b = base.report.results[rev]!;
      // Both NICs whose MRs map acc1's buffer fault on it while it is revoked, then re-map.
      expect(faults(o, rev)).toEqual([
        `@10us page fault on MR m1 (nic1) = ${ENODEV}`,
        `@10us page fault on MR m41 (nic4) = ${ENODEV}`,
        "@20us page fault on MR m1 (nic1) = 0",
        "@20us page fault on MR m41 (nic4) = 0",
      ]);
      for (const f of ["f1", "f41"]) {
        expect(r.flows[f]!.bytes.lost, `${rev} ${f}`).toBeGreaterThan(0);
        // About a third of the run (10 of 30 us) is lost.
        const share = r.flows[f]!.bytes.lost / r.flows[f]!.bytes.offered;
        expect(share, `${rev} ${f}`).toBeGreaterThan(0.25);
        expect(share, `${rev} ${f}`).toBeLessThan(0.4);
      }
      for (const f of ["f0", "f2", "f3"]) {
        expect(r.flows[f]!.bytes.lost, `${rev} ${f}`).toBe(0);
        expect(r.flows[f]!.goodputGbps, `${rev} ${f}`).toBeCloseTo(b.flows[f]!.goodputGbps, 1);
      }
      // The owner's calls name its device; the timeline markers carry it.
      expect(o.steps[rev]!.filter((s) => s.at > 0 && s.who === "owner").map((s) => [s.call, s.ret])).toEqual([
        ["revoke acc1 (memory-disable)", 0],
        ["unrevoke acc1 (memory on, D0)", 0],
      ]);
      const marks = o.report.events[rev]!.filter((e) => e.who === "timeline");
      expect(marks.map((e) => [e.call, e.args?.device])).toEqual([
        ["revoke acc1 by memory-disable", "acc1"],
        ["unrevoke acc1", "acc1"],
      ]);
    }
  }, 60_000);

  it("a set-tph on acc1's buffer reprograms acc1 only and re-judges only acc1's flows", () => {
    // acc0 maps the very tag acc1's owner moves to partition 2 into its partition 1.
    const text = (timeline: string) =>
      AI(timeline, "[v11, proposed]").replace(
        "name: b0, device: acc0, length: 1MiB, tph: { st: 0x21, stExt: 0x4321,",
        "name: b0, device: acc0, length: 1MiB, tph: { st: 0x22, stExt: 0x5555,",
      );
    const base = run(text("[]"));
    const o = run(
      text("[{ at: 10us, action: set-tph, buffer: b1, st: 0x22, stExt: 0x5555, ph: 2, partition: 2 }]"),
    );
    const p = (r: RevisionResult, acc: string, part: string) => r.completers[acc]!.partitions[part]!;
    for (const rev of ["v11", "proposed"]) {
      const r = o.report.results[rev]!;
      const b = base.report.results[rev]!;
      for (const acc of ["acc0", "acc2", "acc3"])
        expect(r.completers[acc], `${rev} ${acc}`).toEqual(b.completers[acc]);
      for (const f of ["f0", "f2", "f3"]) expect(r.flows[f], `${rev} ${f}`).toEqual(b.flows[f]);
      expect(p(b, "acc1", "p2").write.hits + p(b, "acc1", "p2").write.misses).toBe(0);
    }
    // proposed re-queries the new tag: acc1's writes move to partition 2, as its owner intends.
    const prop = o.report.results.proposed!;
    expect(p(prop, "acc1", "p2").write.misses).toBeGreaterThan(0);
    // Only what was already on its way under the old tag lands against the new intent.
    expect(prop.bytesMisdirected).toBeLessThanOrEqual(2 * 4096);
    // v11 keeps the tag the MR was registered with: judged against the new intent, acc1's bytes
    // after 10us are misdirected (about two thirds of f1's and f41's), nobody else's.
    const v11 = o.report.results.v11!;
    const acc1Bytes = v11.flows.f1!.bytes.delivered + v11.flows.f41!.bytes.delivered;
    expect(base.report.results.v11!.bytesMisdirected).toBe(0);
    expect(v11.bytesMisdirected / acc1Bytes).toBeGreaterThan(0.55);
    expect(v11.bytesMisdirected / acc1Bytes).toBeLessThan(0.7);
  }, 60_000);

  it("a re-registration of an MR on nic1 goes to nic1's PD; the flow runs on under the new key", () => {
    const text = `name: two
duration: 30us
revisions: [v11]
link: { gen: 5, width: 16 }
platform:
  switches: [{ name: sw0, upstream: rc }]
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: nic1, kind: nic, at: sw0 }
    - { name: acc0, kind: accelerator, at: sw0 }
buffers: [{ name: a, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs:
  - { name: ma, buffer: a, nic: nic0 }
  - { name: mb, buffer: a, nic: nic1 }
flows:
  - { name: from-nic0, op: write, mr: ma, size: 4KiB, rate: 50Gb/s }
  - { name: from-nic1, op: write, mr: mb, size: 4KiB, rate: 50Gb/s }
timeline: [{ at: 10us, action: reregister, mr: mb }]
`;
    const s: Scenario = parseScenario(text, "f.yaml");
    const ses = setupPlatform(s, bootScenarioPlatform(s, "v11"));
    const [nic0, nic1] = [ses.nics.get("nic0")!, ses.nics.get("nic1")!];
    const old = ses.mrs.get("mb")!.key;
    expect(runTimelineEvent(s, ses, s.timeline[0]!, 10_000_000)).toBe(0);
    const key = ses.mrs.get("mb")!.key;
    expect(key).not.toBe(old);
    expect(nic1.hw.mkeyByKey(key)).toBeDefined();
    expect(nic0.hw.mkeyByKey(key)).toBeUndefined();
    expect(ses.steps.slice(-2).map((x) => [x.who, x.call, x.ret])).toEqual([
      ["app", "deregister MR mb", 0],
      ["app", "register MR mb", 0],
    ]);
    // In a run, nic1's flow keeps going under the new key and loses nothing.
    const r = run(text).report.results.v11!;
    expect(r.flows["from-nic1"]!.bytes.lost).toBe(0);
    expect(r.flows["from-nic1"]!.goodputGbps).toBeCloseTo(r.flows["from-nic0"]!.goodputGbps, 0);
    // The invariant sweep after the event ran: v11's re-registration leaks the old ST bookkeeping.
    expect(r.invariants["kernel.no-st-leak"]!.violations[0]).toMatch(/^@10us: /);
  }, 60_000);

  it("names each event's accelerator, defaulting to the only one; bad names at line:col", () => {
    expect(
      problems(
        AI("[{ at: 5us, action: set-tph, buffer: b2, st: 1 }, { at: 6us, action: reregister, mr: m41 }]"),
      ),
    ).toEqual([]);
    const bad = AI(`
  - { at: 5us, action: revoke, by: flr }
  - { at: 6us, action: unrevoke, device: acc9 }
  - { at: 7us, action: revoke, by: d3hot, device: nic3 }
  - { at: 8us, action: unrevoke, device: sw1 }`);
    expect(problems(bad)).toEqual([
      "f.yaml:24:5: timeline[0]: the platform has 8 accelerators (acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7): name one with device:",
      "f.yaml:25:42: timeline[1].device: no accelerator named 'acc9' on the platform (known: acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7)",
      "f.yaml:26:51: timeline[2].device: 'nic3' is a NIC, not an accelerator (accelerators: acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7)",
      "f.yaml:27:42: timeline[3].device: 'sw1' is a switch, not an accelerator (accelerators: acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7)",
    ]);
    // A buffer and an MR naming a device of the wrong kind say so too.
    const wrong = AI("[]")
      .replace("name: b3, device: acc3", "name: b3, device: nic3")
      .replace("nic: nic4", "nic: acc4");
    expect(problems(wrong)).toEqual([
      "f.yaml:10:25: buffers[3].device: 'nic3' is a NIC, not an accelerator (accelerators: acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7)",
      "f.yaml:16:35: mrs[4].nic: 'acc4' is an accelerator, not a NIC (NICs: nic0, nic1, nic2, nic3, nic4, nic5, nic6, nic7)",
    ]);
  });

  it("two-nics-one-accelerator: revoking the only accelerator (no device: needed) faults both NICs' MRs", () => {
    const o = example(
      "two-nics-one-accelerator.yaml",
      (t) =>
        `${t.replace("duration: 100us", "duration: 30us")}timeline:
  - { at: 10us, action: revoke, by: d3hot }
  - { at: 20us, action: unrevoke }
`,
    );
    for (const rev of ["v11", "proposed"]) {
      expect(faults(o, rev)).toEqual([
        `@10us page fault on MR ma (nic0) = ${ENODEV}`,
        `@10us page fault on MR mb (nic1) = ${ENODEV}`,
        "@20us page fault on MR ma (nic0) = 0",
        "@20us page fault on MR mb (nic1) = 0",
      ]);
      for (const f of ["from-nic0", "from-nic1"]) {
        const r = o.report.results[rev]!.flows[f]!;
        expect(r.bytes.lost / r.bytes.offered, `${rev} ${f}`).toBeGreaterThan(0.25);
        expect(r.messages, `${rev} ${f}: completes again after the unrevoke`).toBeGreaterThan(0);
      }
    }
  }, 60_000);

  it("revoke-one-accelerator (example): only acc1's flows stop; v11 misdirects after the re-map, proposed does not", () => {
    const o = example("revoke-one-accelerator.yaml");
    for (const rev of ["mainline", "v11", "proposed"]) {
      const r = o.report.results[rev]!;
      expect(r.flows.near0!.bytes.lost, rev).toBe(0);
      expect(r.flows.near0!.goodputGbps, rev).toBeGreaterThan(99);
      // 20 of 200 us revoked: a tenth of the bytes into acc1 lost.
      for (const f of ["near1", "cross"]) {
        const share = r.flows[f]!.bytes.lost / r.flows[f]!.bytes.offered;
        expect(share, `${rev} ${f}`).toBeGreaterThan(0.08);
        expect(share, `${rev} ${f}`).toBeLessThan(0.12);
      }
      expect(faults(o, rev).filter((x) => x.endsWith(`= ${ENODEV}`))).toEqual([
        `@40us page fault on MR m1 (nic1) = ${ENODEV}`,
        `@40us page fault on MR m01 (nic0) = ${ENODEV}`,
        `@50us page fault on MR m1 (nic1) = ${ENODEV}`,
        `@50us page fault on MR m01 (nic0) = ${ENODEV}`,
      ]);
    }
    expect(o.report.results.v11!.bytesMisdirected).toBeGreaterThan(0);
    expect(o.report.results.proposed!.bytesMisdirected).toBe(0);
    expect(o.report.results.proposed!.completers.acc1!.partitions.p2!.read.hits).toBeGreaterThan(0);
    // acc0's table has the same tag value, untouched: its data stays in partition 1.
    expect(o.report.results.proposed!.completers.acc0!.partitions.p2!.write.misses).toBe(0);
  }, 60_000);

  it("unrevoke-without-revoke is judged per accelerator", () => {
    const notes = (timeline: string) =>
      run(AI(timeline))
        .report.diagnostics.filter((d) => d.code === "unrevoke-without-revoke")
        .map((d) => `${d.path}: ${d.message}`);
    expect(
      notes(`
  - { at: 5us, action: revoke, device: acc1, by: memory-disable }
  - { at: 6us, action: unrevoke, device: acc2 }
  - { at: 7us, action: unrevoke, device: acc1 }`),
    ).toEqual(["timeline[1]: unrevoke of acc2 at 6us with nothing of acc2 revoked: it changes nothing"]);
  }, 60_000);
});
