/**
 * Each diagnostic appears when its cause is present (and only then), with its code, path and the
 * revisions it concerns, in the JSON report and in the text "notes" block.
 */
import { describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES, type Diagnostic } from "../../src/scenario/diagnostics.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { renderOutcome } from "../../src/scenario/table.js";

const BASE = {
  nic: "nic: { extended: true }",
  buffers: "buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]",
  mrs: "mrs: [{ name: acc, buffer: hbm }]",
  flows: "flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s }]",
  timeline: "timeline: []",
  metrics: "metrics: { warmupNs: 0 }",
};

function run(over: Partial<typeof BASE>, revisions = "[mainline, v11, proposed]") {
  const parts = { ...BASE, ...over };
  const text = `name: d\nduration: 10us\nrevisions: ${revisions}\n${Object.values(parts).join("\n")}\n`;
  return runScenario(parseScenario(text, "d.yaml"));
}

function codes(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

describe("diagnostics", () => {
  it("a scenario without causes has none", () => {
    expect(run({}).report.diagnostics).toEqual([]);
  });

  it("tag-not-sent: the NIC negotiated Extended TPH, the buffer publishes only the 8-bit tag", () => {
    const o = run({
      buffers: "buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, ph: 2, partition: 1 } }]",
    });
    const d = o.report.diagnostics.find((x) => x.code === "tag-not-sent");
    expect(d).toMatchObject({ severity: "warning", path: "flows[0].mr", revisions: ["v11", "proposed"] });
    expect(d?.message).toMatch(/negotiated 16-bit tags \(Extended TPH\).*publishes only 8-bit tags/);
    // The numbers it explains: no TLP of the flow carried a tag on those revisions.
    expect(o.report.results.v11?.tlps.withTph).toBe(0);
  });

  it("tag-not-sent: the reverse, an 8-bit NIC and a buffer with only the extended tag", () => {
    const o = run({
      nic: "nic: { extended: false }",
      buffers: "buffers: [{ name: hbm, length: 1MiB, tph: { stExt: 0x4321, ph: 2, partition: 1 } }]",
    });
    const d = o.report.diagnostics.find((x) => x.code === "tag-not-sent");
    expect(d?.message).toMatch(/negotiated 8-bit tags \(TPH\).*publishes only 16-bit tags/);
    // Both tags published: nothing to say.
    expect(codes(run({ nic: "nic: { extended: false }" }).report.diagnostics)).not.toContain("tag-not-sent");
  });

  it("flow-outside-mr: an offset past the MR, and a length running past its end", () => {
    const past = run({
      flows: "flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s, offset: 2MiB }]",
    });
    expect(past.report.diagnostics[0]).toMatchObject({ code: "flow-outside-mr", path: "flows[0].offset" });
    expect(past.report.results.v11?.flows.w?.goodputGbps).toBe(0);
    const long = run({
      flows:
        "flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s, offset: 512KiB, length: 1MiB }]",
    });
    expect(long.report.diagnostics.map((d) => d.path)).toContain("flows[0].length");
  });

  it("unrevoke-without-revoke: only when nothing is revoked at that time", () => {
    const alone = run({ timeline: "timeline: [{ at: 2us, action: unrevoke }]" });
    expect(alone.report.diagnostics).toEqual([
      expect.objectContaining({ code: "unrevoke-without-revoke", path: "timeline[0]" }),
    ]);
    const paired = run({
      timeline: "timeline: [{ at: 4us, action: unrevoke }, { at: 2us, action: revoke, by: memory-disable }]",
    });
    expect(codes(paired.report.diagnostics)).not.toContain("unrevoke-without-revoke");
  });

  it("buffers-overlap: two buffers sharing bytes of BAR 0", () => {
    const o = run({
      buffers:
        "buffers: [{ name: hbm, length: 1MiB }, { name: b2, offset: 512KiB, length: 1MiB }, { name: b3, offset: 2MiB, length: 1MiB }]",
    });
    expect(o.report.diagnostics.filter((d) => d.code === "buffers-overlap")).toEqual([
      expect.objectContaining({ path: "buffers[1].offset" }),
    ]);
  });

  it("warmup-past-end: a warm-up as long as the run", () => {
    const o = run({ metrics: "metrics: { warmupNs: 10us }" });
    expect(codes(o.report.diagnostics)).toContain("warmup-past-end");
    expect(codes(run({ metrics: "metrics: { warmupNs: 9us }" }).report.diagnostics)).toEqual([]);
  });

  it("flow-no-messages: a flow that completes nothing, per revision", () => {
    const o = run({ flows: "flows: [{ name: w, op: write, mr: acc, size: 512KiB, rate: 1Gb/s }]" });
    expect(o.report.diagnostics).toEqual([
      expect.objectContaining({ code: "flow-no-messages", path: "flows[0]" }),
    ]);
    // Seen on every revision run: no revision list.
    expect(o.report.diagnostics[0]?.revisions).toBeUndefined();
    expect(o.report.results.v11?.flows.w?.messages).toBe(0);
  });

  it("the text report has a notes block, one line per diagnostic", () => {
    const o = run({ timeline: "timeline: [{ at: 2us, action: unrevoke }]" });
    expect(renderOutcome(o)).toContain(
      "\nnotes:\n  warning unrevoke-without-revoke at timeline[0]: unrevoke at 2us with nothing revoked: it changes nothing\n",
    );
  });

  it("kernel calls failing alike on every revision are not listed as differences", () => {
    const o = run({
      timeline:
        "timeline: [{ at: 2us, action: revoke, by: memory-disable }, { at: 4us, action: set-tph, buffer: hbm, st: 0x22 }]",
    });
    const text = renderOutcome(o);
    const differ = text.split("kernel calls that differ")[1]?.split("\n\n")[0] ?? "";
    expect(differ).not.toMatch(/page fault/);
    expect(text).toContain(
      "kernel calls that fail the same way on every revision:\n  @2us nic: page fault on MR acc = -ENODEV\n",
    );
  });

  it("short-window: goodput above the NIC port in a window the warm-up opened mid-stream", () => {
    const o = runScenario(
      parseScenario(
        `name: sw
duration: 4us
revisions: [v11]
link: { gen: 5, width: 16 }
nic: { lineRateGbps: 25 }
metrics: { warmupNs: 3000 }
buffers: [{ name: hbm, length: 8MiB }]
mrs: [{ name: acc, buffer: hbm }]
flows: [{ name: w, op: write, mr: acc, size: 1KiB, rate: 100Gb/s, stop: 3200ns }]
`,
        "sw.yaml",
      ),
    );
    const w = o.report.results.v11!.flows.w!;
    expect(w.goodputGbps).toBeGreaterThan(25); // what the warning is for
    expect(o.report.diagnostics).toEqual([
      expect.objectContaining({ code: "short-window", path: "flows[0]" }),
    ]);
    expect(o.report.diagnostics[0]!.message).toMatch(
      /goodput 41\.0 Gb\/s is above its NIC port's payload rate \(23\.1 Gb\/s\): its window \(200ns/,
    );
  });

  it("every code is tested above", () => {
    expect([...DIAGNOSTIC_CODES].sort()).toEqual(
      [
        "buffers-overlap",
        "flow-no-messages",
        "flow-outside-mr",
        "short-window",
        "tag-not-sent",
        "unrevoke-without-revoke",
        "warmup-past-end",
      ].sort(),
    );
  });
});
