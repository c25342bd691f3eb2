/**
 * Regression tests for results that were impossible or contradicted each other (issue 7 section
 * 1): each scenario below gave the wrong number (or crashed) before the fix it names.
 */
import { describe, expect, it } from "vitest";
import { linkModel } from "../../src/pcie/link.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RevisionResult } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";

const ALL = ["mainline", "rfc", "v11", "proposed"] as const;

function run(yaml: string, revisions: readonly (typeof ALL)[number][] = ALL) {
  return runScenario(parseScenario(yaml, "t.yaml"), { revisions });
}

/** The ledger balances for every flow and in total. */
function expectLedger(r: RevisionResult, what: string): void {
  for (const [name, f] of Object.entries(r.flows)) {
    const b = f.bytes;
    expect(b.offered, `${what} ${name}`).toBe(b.delivered + b.lost + b.inFlight);
    expect(Math.min(b.delivered, b.lost, b.inFlight), `${what} ${name}`).toBeGreaterThanOrEqual(0);
  }
  expect(r.bytes.offered).toBe(r.bytes.delivered + r.bytes.lost + r.bytes.inFlight);
}

const readFlow = (extra: string, flow = "size: 4KiB, queueDepth: 16", link = "gen: 5, width: 16") => `name: t
duration: 50us
topology: switch
link: { ${link} }
${extra}
buffers: [{ name: b, length: 4MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: b }]
flows: [{ name: r, op: read, mr: acc, ${flow} }]
`;

describe("READ engine with fewer tags than one MTU of requests", () => {
  it("issues what its tags allow: goodput follows tags x MRRS / round trip (MRRS 128, 16 tags, 4 KiB MTU)", () => {
    const o = run(readFlow("nic: { maxOutstandingReads: 16 }", undefined, "gen: 5, width: 16, mrrs: 128"), [
      "v11",
    ]);
    const f = o.report.results.v11!.flows.r!;
    expect(f.messages).toBeGreaterThan(10);
    // Every round trip returns at most 16 x 128 bytes.
    const bound = (16 * 128 * 8) / f.roundTripNs!.p50!;
    expect(f.goodputGbps).toBeGreaterThan(0.8 * bound);
    expect(f.goodputGbps).toBeLessThanOrEqual(1.01 * bound);
  });
});

describe("READ in flight when the BAR stops decoding", () => {
  for (const by of ["memory-disable", "d3hot", "close"]) {
    it(`${by} with 32 reads of 64 KiB outstanding ends them as hardware does, on every revision`, () => {
      const yaml = `${readFlow("", "size: 64KiB, queueDepth: 32")}timeline:
  - { at: 20us, action: revoke, by: ${by} }
  - { at: 35us, action: unrevoke }
`;
      const o = run(yaml);
      for (const rev of ALL) {
        const r = o.report.results[rev]!;
        expectLedger(r, `${by} ${rev}`);
        expect(r.invariants["fabric.conservation"]!.ok).toBe(true);
        // The revoke ends messages that were under way: their bytes are lost, not delivered.
        expect(r.flows.r!.messagesLost, `${by} ${rev}`).toBeGreaterThan(0);
        expect(r.bytesLost, `${by} ${rev}`).toBeGreaterThan(0);
        expect(r.flows.r!.messages, `${by} ${rev}`).toBeGreaterThan(0);
      }
    });
  }
});

describe("goodput never above the wire, and it agrees with the messages", () => {
  it("a host READ at 400 GbE stays under the port's payload capacity", () => {
    const o = run(
      `name: t
duration: 50us
topology: switch
link: { gen: 5, width: 16 }
mrs: [{ name: h, host: 4MiB }]
flows: [{ name: r, op: read, mr: h, size: 64KiB, queueDepth: 32 }]
`,
      ["v11"],
    );
    const f = o.report.results.v11!.flows.r!;
    const payload = (400 * 4096) / (4096 + 82); // 392.15 Gb/s: MTU payload per wire bytes
    expect(f.goodputGbps).toBeLessThanOrEqual(payload);
    expect(f.goodputGbps).toBeGreaterThan(0.8 * payload);
    expect(f.goodputGbps).toBeCloseTo((f.messages * 65536 * 8) / 50_000, 6);
  });

  it("a READ through a Gen3 x16 link stays under the analytic read bandwidth", () => {
    const o = run(readFlow("", "size: 64KiB, queueDepth: 32", "gen: 3, width: 16"), ["v11"]);
    const f = o.report.results.v11!.flows.r!;
    const bw = linkModel({ gen: 3, width: 16, mps: 256, mrrs: 512 }).readGbps(65536);
    expect(f.goodputGbps).toBeLessThanOrEqual(bw);
    expect(f.goodputGbps).toBeGreaterThan(0.8 * bw);
  });

  it("under overload counts only the bytes of completed messages", () => {
    const o = run(
      `name: t
duration: 50us
topology: switch
link: { gen: 3, width: 4 }
nic: { bufferBytes: 64KiB }
buffers: [{ name: b, length: 16MiB }]
mrs: [{ name: acc, buffer: b }]
flows: [{ name: w, op: write, mr: acc, size: 64KiB, rate: 100Gb/s }]
`,
      ["v11"],
    );
    const r = o.report.results.v11!;
    const f = r.flows.w!;
    expect(f.messagesLost).toBeGreaterThan(0);
    expect(f.goodputGbps).toBeCloseTo((f.messages * 65536 * 8) / 50_000, 6);
    expect(f.goodputGbps).toBeLessThanOrEqual(
      linkModel({ gen: 3, width: 4, mps: 256, mrrs: 512 }).writeGbps(65536),
    );
    expectLedger(r, "overload");
  });
});

describe("utilization and cache counts are possible", () => {
  it("an overloaded Gen1 x1 fabric: every link direction is busy at most 100% of the time", () => {
    // Work queued far past the end of the run used to count as busy time before it.
    const o = run(`name: t
duration: 7us
topology: switch
link: { gen: 1, width: 1 }
buffers: [{ name: b, length: 1MiB }]
mrs: [{ name: acc, buffer: b }, { name: h, host: 1MiB }]
flows:
  - { name: a, op: write, mr: acc, size: 64, rate: 1Gb/s }
  - { name: h, op: write, mr: h, size: 64, rate: 2Gb/s }
`);
    for (const rev of ALL) {
      const links = o.report.results[rev]!.links;
      expect(links["sw0-nic0"]!.up, rev).toBeGreaterThan(0.9); // the NIC's link is the bottleneck
      for (const l of Object.values(links))
        for (const u of [l.up, l.down, l.utilization]) expect(u, rev).toBeLessThanOrEqual(1);
    }
  });

  it("three flows on one host MR without TPH: no L2 injection, no negative misses", () => {
    const flow = (n: string) =>
      `{ name: ${n}, op: write, mr: h, size: 4KiB, rate: 20Gb/s, consumer: { cpu: 1 } }`;
    const o = run(`name: t
duration: 20us
topology: switch
link: { gen: 5, width: 16 }
mrs: [{ name: h, host: 1MiB }]
flows: [${flow("a")}, ${flow("b")}, ${flow("c")}]
`);
    for (const rev of ALL) {
      const host = o.report.results[rev]!.completers.host!;
      const l2 = host.partitions.l2!;
      expect(l2.write, rev).toEqual({ hits: 0, misses: 0 }); // nothing injected without TPH
      for (const p of Object.values(host.partitions))
        for (const x of [p, p.write, p.read])
          expect(Math.min(x.hits, x.misses), rev).toBeGreaterThanOrEqual(0);
      for (const l of Object.values(o.report.results[rev]!.links))
        for (const u of [l.up, l.down, l.utilization]) expect(u).toBeLessThanOrEqual(1);
    }
  });

  it("a steered write stream hits on the read path; its write path allocates", () => {
    const o = run(
      `name: t
duration: 20us
topology: switch
link: { gen: 5, width: 16 }
buffers: [{ name: b, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: b }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 100Gb/s }]
`,
      ["proposed"],
    );
    const p1 = o.report.results.proposed!.completers.acc0!.partitions.p1!;
    expect(p1.read.hits).toBeGreaterThan(0);
    expect(p1.read.misses).toBe(0);
    expect(p1.hits).toBe(p1.write.hits + p1.read.hits);
    expect(p1.misses).toBe(p1.write.misses + p1.read.misses);
  });
});

describe("memory bandwidth is charged for reads where they are read", () => {
  const cap = 10 * 8; // 10 GB/s
  it("host.memoryGBps holds host READs as it holds WRITEs", () => {
    for (const op of ["read", "write"]) {
      const o = run(
        `name: t
duration: 50us
topology: switch
link: { gen: 5, width: 16 }
host: { memoryGBps: 10 }
mrs: [{ name: h, host: 4MiB }]
flows: [{ name: f, op: ${op}, mr: h, size: 4KiB, queueDepth: 32 }]
`,
        ["v11"],
      );
      expect(o.report.results.v11!.flows.f!.goodputGbps, op).toBeLessThanOrEqual(cap);
      expect(o.report.results.v11!.flows.f!.goodputGbps, op).toBeGreaterThan(0.8 * cap);
    }
  });

  it("accelerator.ingressGBps holds READs from the accelerator", () => {
    const o = run(readFlow("accelerator: { ingressGBps: 10 }", "size: 64KiB, queueDepth: 32"), ["v11"]);
    expect(o.report.results.v11!.flows.r!.goodputGbps).toBeLessThanOrEqual(cap);
    expect(o.report.results.v11!.flows.r!.goodputGbps).toBeGreaterThan(0.8 * cap);
  });
});

describe("stale means: not the tag the owner publishes now, in the namespace the TLP uses", () => {
  it("an 8-bit tag sent without the prefix, equal to the owner's 8-bit tag, is not stale", () => {
    // The buffer publishes only the 8-bit tag; the accelerator completes TPH without Extended TPH.
    const o = run(
      `name: t
duration: 20us
topology: switch
link: { gen: 5, width: 16 }
accelerator: { completer: tph }
buffers: [{ name: b, length: 1MiB, tph: { st: 0x21, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: b }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 100Gb/s }]
`,
      ["proposed"],
    );
    const r = o.report.results.proposed!;
    expect(r.tlps.withTph).toBeGreaterThan(0);
    expect(r.tlps.stale).toBe(0);
    expect(r.bytesMisdirected).toBe(0);
    expect(r.completers.acc0!.partitions.p1!.read.hits).toBeGreaterThan(0);
  });

  it("after a new SET the old tag is stale and, mapping elsewhere, misdirected", () => {
    const o = run(
      `name: t
duration: 40us
topology: switch
link: { gen: 5, width: 16 }
buffers: [{ name: b, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: b }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 100Gb/s }]
timeline: [{ at: 20us, action: set-tph, buffer: b, st: 0x22, stExt: 0x5555, ph: 2, partition: 2 }]
`,
      ["v11"],
    );
    const r = o.report.results.v11!;
    expect(r.tlps.stale).toBeGreaterThan(0);
    expect(r.bytesMisdirected).toBeGreaterThan(0);
  });
});
