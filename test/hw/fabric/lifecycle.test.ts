/**
 * Conservation (bytes sent = landed + lost + in flight, for every flow, at any time), determinism
 * (same seed -> deep-equal results, another seed -> different), and hardware behaviour across
 * timeline callbacks: a zapped mkey faults and loses bytes, a re-pointed one works again, a tag the
 * owner no longer publishes is stale, a device that stops decoding memory drops writes.
 */
import { describe, expect, it } from "vitest";
import type { Fabric } from "../../../src/hw/fabric/fabric.js";
import {
  buildFabric,
  buildTestbed,
  choiceSize,
  enableNicTph,
  registerMr,
  uniformSize,
} from "../../../src/hw/fabric/index.js";
import { HEADER } from "../../../src/pcie/registers.js";
import { rig } from "./helpers.js";

function mixed(seed: number): Fabric {
  const tb = buildTestbed({ shape: "switch", gen: 4, width: 16 });
  enableNicTph(tb.nic, false, [[1, 0x21]]);
  const acc = registerMr(tb.nic, {
    segments: [{ addr: BigInt(tb.accelBar), len: 64n << 20n }],
    tph: { ph: 2, stIndex: 1 },
  });
  const host = registerMr(tb.nic, { segments: [{ addr: BigInt(tb.hostMemory), len: 16n << 20n }] });
  return buildFabric({
    topology: tb.topology,
    nic: tb.nic,
    accelerator: { fn: tb.accelerator!, stTable: [{ namespace: "st8", st: 0x21, partition: 1, op: 1 }] },
    seed,
    flows: [
      { name: "w", op: "write", mkey: acc, size: uniformSize(64, 20_000), rateGbps: 150, arrival: "poisson" },
      {
        name: "r",
        op: "read",
        mkey: acc,
        offset: 32 << 20,
        size: choiceSize([512, 4096, 65536], [1, 2, 1]),
        queueDepth: 8,
      },
      {
        name: "s",
        op: "send",
        mkey: host,
        size: uniformSize(100, 9000),
        slotBytes: 9216,
        rateGbps: 80,
        arrival: "poisson",
      },
    ],
  });
}

function expectConserved(f: Fabric): void {
  const r = f.results();
  for (const [name, fl] of Object.entries(r.flows)) {
    expect(fl.bytes.offered, name).toBe(fl.bytes.delivered + fl.bytes.lost + fl.bytes.inFlight);
    expect(fl.conserved, name).toBe(true);
  }
  for (const [name, inv] of Object.entries(r.invariants))
    expect(inv, name).toEqual({ ok: true, violations: 0 });
}

describe("conservation and determinism", () => {
  it("every flow conserves its bytes at every stop, with traffic in flight", () => {
    const f = mixed(3);
    for (const t of [7_000, 15_000, 31_000]) {
      f.run(t);
      expectConserved(f);
    }
    const r = f.results();
    expect(r.flows.w!.bytes.inFlight).toBeGreaterThan(0);
    expect(Object.values(r.flows).every((x) => x.messages > 0)).toBe(true);
    expect(r.flows.s!.dest).toBe("host");
  });

  it("same seed gives a deep-equal results object; another seed differs", () => {
    const a = mixed(7).run(20_000);
    const b = mixed(7).run(20_000);
    const c = mixed(8).run(20_000);
    expect(JSON.parse(JSON.stringify(a))).toEqual(b);
    expect(a).toEqual(b);
    expect(c.flows.w!.bytes.offered).not.toBe(a.flows.w!.bytes.offered);
    expect(c).not.toEqual(a);
  });
});

describe("timeline callbacks change what the hardware does", () => {
  const tagRig = (published: { tag: number }) =>
    rig({
      tph: { ph: 2, stIndex: 1 },
      stTable: [[1, 0x21]],
      ownerTable: [
        { namespace: "st8", st: 0x21, partition: 1, op: 1 },
        { namespace: "st8", st: 0x22, partition: 2, op: 2 },
      ],
      flows: (key) => [{ name: "w", op: "write", mkey: key, size: 8192, rateGbps: 100 }],
      extra: { publishedTag: () => published.tag },
    });

  it("a zapped mkey faults (bytes lost, counted); re-pointing it resumes traffic", () => {
    const { fabric, key, tb } = tagRig({ tag: 0x21 });
    const index = key >>> 8;
    fabric.at(20_000, () => tb.nic.umr(index, { xlt: "zap" }));
    fabric.at(40_000, () =>
      tb.nic.umr(index, { xlt: [{ addr: BigInt(tb.accelBar + 2 ** 30), len: 64n << 20n }] }),
    );
    const before = fabric.run(20_000).flows.w!;
    expect(before.bytes.lost).toBe(0);
    const zapped = fabric.run(39_000).flows.w!;
    expect(zapped.fault).toBe("mkey translation zapped");
    expect(zapped.faults).toBeGreaterThan(0);
    expect(zapped.bytes.lost).toBeGreaterThan(0);
    expect(zapped.failedMessages).toBeGreaterThan(0);
    const after = fabric.run(60_000).flows.w!;
    expect(after.fault).toBe("");
    expect(after.bytes.landed).toBeGreaterThan(zapped.bytes.landed + 100_000);
    expectConserved(fabric);
  });

  it("after the owner publishes a new tag, the NIC's old tag is stale and its bytes misdirected", () => {
    const published = { tag: 0x21 };
    const { fabric } = tagRig(published);
    fabric.at(30_000, () => {
      published.tag = 0x22;
    });
    const early = fabric.run(30_000).flows.w!;
    expect(early.tlps.stale).toBe(0);
    const late = fabric.run(60_000).flows.w!;
    expect(late.tlps.stale).toBeGreaterThan(0);
    expect(late.tlps.stale).toBeLessThan(late.tlps.total);
    expect(late.bytes.misdirected).toBeGreaterThan(0);
  });

  it("an accelerator that stops decoding memory drops writes (Unsupported Request)", () => {
    const { fabric, tb } = tagRig({ tag: 0x21 });
    fabric.at(20_000, () => tb.accelerator!.cfg.write16(HEADER.COMMAND.offset, 0));
    const r = fabric.run(40_000);
    expect(r.accelerator!.unsupportedRequestBytes).toBeGreaterThan(0);
    expect(r.flows.w!.bytes.lost).toBe(r.accelerator!.unsupportedRequestBytes);
    expectConserved(fabric);
  });

  it("user invariants are checked after callbacks and reported", () => {
    const { fabric } = tagRig({ tag: 0x21 });
    let calls = 0;
    fabric.addInvariant("never", () => {
      calls++;
      return calls === 1 ? 2 : 0;
    });
    fabric.at(10_000, () => undefined);
    const r = fabric.run(20_000);
    expect(r.invariants.never).toEqual({ ok: false, violations: 2 });
    expect(calls).toBe(2);
  });
});
