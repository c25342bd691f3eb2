/** Runs are deterministic, the JSON has exactly the documented shape, and options apply. */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { reportJson } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";

const YAML = `
name: small
duration: 30us
buffers:
  - { name: hbm, length: 2MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }
dmah:
  - { name: cpu1, cpu: 1, ph: 2 }
host: { steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
mrs:
  - { name: acc, buffer: hbm }
  - { name: hostmem, host: 1MiB, dmah: cpu1 }
flows:
  - { name: w, op: write, mr: acc, size: { dist: uniform, min: 512, max: 8KiB }, rate: 40Gb/s, arrival: poisson }
  - { name: r, op: read, mr: acc, size: 4KiB, queueDepth: 4 }
  - { name: h, op: write, mr: hostmem, size: { dist: choice, values: [256, 4KiB], weights: [1, 3] }, queueDepth: 2 }
timeline:
  - { at: 10us, action: revoke, by: flr }
  - { at: 12us, action: set-tph, buffer: hbm, stExt: 0x5555, ph: 1, partition: 2 }
  - { at: 20us, action: reregister, mr: acc }
`;

const s = parseScenario(YAML, "small.yaml");

describe("runScenario", () => {
  it("is deterministic: the same scenario and seed give byte-identical JSON", () => {
    const a = reportJson(runScenario(s).report);
    const b = reportJson(runScenario(s).report);
    expect(a).toBe(b);
    expect(reportJson(runScenario(s, { seed: 7 }).report)).not.toBe(a);
    expect(reportJson(runScenario(s, { seed: 7 }).report)).toBe(
      reportJson(runScenario(s, { seed: 7 }).report),
    );
  });

  it("has exactly the documented JSON shape", () => {
    const r = JSON.parse(reportJson(runScenario(s, { revisions: ["v11", "rfc"], seed: 3 }).report));
    expect(Object.keys(r)).toEqual([
      "scenario",
      "seed",
      "config",
      "results",
      "series",
      "events",
      "diagnostics",
      "kernelCalls",
    ]);
    expect(Object.keys(r.series)).toEqual(["v11", "rfc"]);
    expect(Object.keys(r.series.v11)).toEqual(["intervalNs", "t", "tracks"]);
    expect(Object.keys(r.events)).toEqual(["v11", "rfc"]);
    expect(r.scenario).toBe("small");
    expect(r.seed).toBe(3);
    expect(Object.keys(r.config)).toEqual(["durationNs", "topology", "links", "params"]);
    expect(r.config.durationNs).toBe(30_000);
    expect(r.config.links["sw0-nic0"]).toEqual({ bdf: "0000:03:00.0", gen: 4, width: 16 }); // the schema's default link
    expect(r.config.params.link.mps).toBe(256);
    for (const c of r.kernelCalls) {
      expect(Object.keys(c)).toEqual(["atNs", "who", "call", "differs", "returns"]);
      expect(Object.keys(c.returns)).toEqual(["v11", "rfc"]);
    }
    expect(Object.keys(r.results)).toEqual(["v11", "rfc"]);
    const v = r.results.v11;
    expect(Object.keys(v)).toEqual([
      "flows",
      "links",
      "completers",
      "consumers",
      "tlps",
      "bytesMisdirected",
      "bytesUnsteered",
      "bytesLost",
      "invariants",
      "bytes",
      "messagesOffered",
      "messagesLost",
    ]);
    expect(Object.keys(v.bytes)).toEqual(["offered", "delivered", "lost", "inFlight"]);
    expect(Object.keys(v.flows)).toEqual(["w", "r", "h"]);
    for (const [name, f] of Object.entries(v.flows) as [string, Record<string, unknown>][]) {
      const read = name === "r" ? ["roundTripNs"] : [];
      expect(Object.keys(f)).toEqual([
        "goodputGbps",
        "activeNs",
        "messages",
        "latencyNs",
        "messagesOffered",
        "messagesLost",
        "bytes",
        ...read,
      ]);
      expect(Object.keys(f.latencyNs as object)).toEqual(["p50", "p99", "max", "mean"]);
      expect(Object.keys(f.bytes as object)).toEqual(["offered", "delivered", "lost", "inFlight"]);
    }
    expect(Object.keys(v.flows.r.roundTripNs)).toEqual(["p50", "p99"]);
    expect(Object.keys(v.links).sort()).toEqual(["rp0-sw0", "sw0-acc0", "sw0-nic0"]);
    for (const l of Object.values(v.links))
      expect(Object.keys(l as object)).toEqual(["utilization", "up", "down", "gen", "width", "tlpGbps"]);
    expect(Object.keys(v.completers)).toEqual(["acc0", "host"]);
    expect(Object.keys(v.completers.acc0)).toEqual(["partitions", "hbmBytes"]);
    expect(Object.keys(v.completers.acc0.partitions)).toEqual(["p0", "p1", "p2"]);
    expect(Object.keys(v.completers.acc0.partitions.p1)).toEqual(["hits", "misses", "write", "read"]);
    expect(Object.keys(v.completers.host.partitions)).toEqual(["l2", "llc"]);
    for (const c of Object.values(v.consumers)) {
      expect(Object.keys(c as object)).toEqual(["timeToConsumeNs", "utilization", "maxBacklog"]);
      expect(Object.keys((c as { timeToConsumeNs: object }).timeToConsumeNs)).toEqual(["p50", "p99"]);
    }
    expect(Object.keys(v.tlps)).toEqual(["total", "withTph", "stale", "unsteered"]);
    expect(typeof v.bytesMisdirected).toBe("number");
    expect(typeof v.bytesLost).toBe("number");
    const names = Object.keys(v.invariants);
    expect(names).toContain("kernel.no-st-leak");
    expect(names).toContain("kernel.lockdep-clean");
    expect(names).toContain("fabric.conservation");
    for (const i of Object.values(v.invariants))
      expect(Object.keys(i as object)).toEqual(["ok", "violations"]);
  });

  it("runs every revision through the kernel and the fabric with the invariants holding", () => {
    const o = runScenario(s, { revisions: ["mainline", "rfc", "v11", "proposed"] });
    for (const [rev, r] of Object.entries(o.report.results)) {
      expect(r.flows.w!.messages, rev).toBeGreaterThan(0);
      expect(r.invariants["fabric.conservation"]!.ok, rev).toBe(true);
      expect(r.invariants["kernel.lockdep-clean"]!.ok, rev).toBe(true);
      expect(r.invariants["kernel.no-ref-leak"]!.ok, rev).toBe(true);
      expect(r.invariants["kernel.locks-released"]!.ok, rev).toBe(true);
    }
    // The DMAH MR carries CPU 1's tag on every revision; the dma-buf MR only where a SET exists.
    const steps = (rev: "mainline" | "v11") => o.steps[rev]!.map((x) => `${x.call}=${x.ret}`);
    expect(steps("mainline")).toContain("SET TPH on hbm=-25");
    expect(steps("v11")).toContain("SET TPH on hbm=0");
    expect(steps("v11")).toContain("deregister MR acc=0");
    expect(o.report.results.mainline!.tlps.withTph).toBeGreaterThan(0);
  });
});
