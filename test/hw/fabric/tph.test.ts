/**
 * Steering: with TPH the accelerator's consumers hit their partition; without TPH they miss; with
 * a stale tag bytes are counted misdirected; PH Requester bypasses the cache; the ST selects the
 * partition a read looks up first; 16-bit tags travel in the TPH prefix; a DMAH-tagged MR in host
 * memory shows injection hits.
 */
import { describe, expect, it } from "vitest";
import type { FlowSpec, StTableEntry } from "../../../src/hw/fabric/index.js";
import {
  buildFabric,
  buildTestbed,
  enableNicTph,
  fabricDefaults,
  registerMr,
} from "../../../src/hw/fabric/index.js";
import { ps, rig } from "./helpers.js";

const P = fabricDefaults();
const OWNER: StTableEntry[] = [
  { namespace: "st8", st: 0x21, partition: 1, op: 7 },
  { namespace: "st8", st: 0x22, partition: 2, op: 9 },
];
const MSG = 65536;
const LINES = MSG / P.accelerator.lineBytes;
const writes = (key: number): FlowSpec[] => [{ name: "w", op: "write", mkey: key, size: MSG, queueDepth: 4 }];

function steered(published: number | null, ph = 2) {
  return rig({
    tph: { ph, stIndex: 1 },
    stTable: [[1, 0x21]],
    ownerTable: OWNER,
    flows: writes,
    extra: { publishedTag: (ns) => (ns === "st8" ? published : undefined) },
  }).fabric.run(100_000);
}

describe("accelerator steering", () => {
  it("with TPH the consumer reads every line from its own partition", () => {
    const r = steered(0x21);
    const f = r.flows.w!;
    expect(f.messages).toBeGreaterThan(10);
    expect(f.tlps.withTph).toBe(f.tlps.total);
    expect(f.tlps.stale).toBe(0);
    expect(f.consumedLines.miss).toBe(0);
    expect(f.consumedLines.remote).toBe(0);
    expect(f.consumedLines.local).toBe(f.consumeNs.count * LINES);
    expect(f.bytes.misdirected).toBe(0);
    // start + one local hit per line
    expect(f.consumeNs.p50).toBeCloseTo(
      P.accelerator.consumer.startNs + LINES * P.accelerator.consumer.localNsPerLine,
      0,
    );
    expect(r.accelerator!.partitions[1]!.allocations).toBeGreaterThan(0);
    expect(r.accelerator!.partitions[2]!.allocations).toBe(0);
  });

  it("without TPH the data bypasses the cache and the consumer misses", () => {
    const r = rig({ ownerTable: OWNER, flows: writes, extra: { publishedTag: () => 0x21 } }).fabric.run(
      100_000,
    );
    const f = r.flows.w!;
    expect(f.tlps.withTph).toBe(0);
    expect(f.consumedLines.local).toBe(0);
    expect(f.consumedLines.miss).toBe(f.consumeNs.count * LINES);
    expect(f.bytes.unsteered).toBe(f.bytes.landed);
    const c = P.accelerator.consumer;
    expect(f.consumeNs.p50!).toBeGreaterThan(c.startNs + LINES * c.hbmNsPerLine + c.hbmLatencyNs - 50);
    expect(r.accelerator!.hbmWriteBytes).toBe(f.bytes.landed);
  });

  it("a stale tag is counted on every TLP and its bytes are misdirected", () => {
    const r = steered(0x22); // the owner now publishes 0x22 (partition 2, op 9); the mkey still says 0x21
    const f = r.flows.w!;
    expect(f.tlps.stale).toBe(f.tlps.total);
    expect(r.tlps.stale).toBe(f.tlps.total);
    expect(f.bytes.misdirected).toBe(f.bytes.landed);
    expect(r.bytesMisdirected).toBe(f.bytes.landed);
    // The consumer reads partition 2 first and finds the data in partition 1.
    expect(f.consumedLines.remote).toBe(f.consumeNs.count * LINES);
  });

  it("nothing published (null) makes any tag stale", () => {
    const f = steered(null).flows.w!;
    expect(f.tlps.stale).toBe(f.tlps.total);
    expect(f.bytes.misdirected).toBe(f.bytes.landed);
  });

  it("PH Requester bypasses the partition", () => {
    const r = steered(0x21, 1);
    expect(r.flows.w!.consumedLines.local).toBe(0);
    expect(r.accelerator!.partitions[1]!.misses).toBeGreaterThan(0);
    expect(r.accelerator!.hbmWriteBytes).toBe(r.flows.w!.bytes.landed);
  });
});

describe("read cache selection", () => {
  /** Write one message into partition 1, then read it back with ST `readTag`. */
  function readBack(readTag: number): number {
    const tb = buildTestbed({ shape: "switch" });
    enableNicTph(tb.nic, false, [
      [1, 0x21],
      [2, readTag],
    ]);
    const seg = [{ addr: BigInt(tb.accelBar), len: 1n << 20n }];
    const wkey = registerMr(tb.nic, { segments: seg, tph: { ph: 2, stIndex: 1 } });
    const rkey = registerMr(tb.nic, { segments: seg, tph: { ph: 2, stIndex: 2 } });
    const fab = buildFabric({
      topology: tb.topology,
      nic: tb.nic,
      accelerator: { fn: tb.accelerator!, stTable: OWNER },
      flows: [
        { name: "w", op: "write", mkey: wkey, size: 256, messages: 1, consumer: false },
        { name: "r", op: "read", mkey: rkey, size: 256, messages: 1, startNs: 5000, consumer: false },
      ],
    });
    return ps(fab.run(20_000).flows.r!.readRoundTripNs.max!);
  }

  it("a read whose ST selects the partition holding the data is faster by exactly the cross-partition penalty", () => {
    expect(readBack(0x22) - readBack(0x21)).toBe(ps(P.accelerator.remotePartitionPenaltyNs));
  });
});

describe("16-bit steering tags", () => {
  it("travel in the TPH prefix (4 more bytes per TLP) and select the 16-bit table", () => {
    const r = rig({
      nicExtTph: true,
      tph: { ph: 2, stIndex: 1 },
      stTable: [[1, 0x1234]],
      ownerTable: [{ namespace: "st16", st: 0x1234, partition: 2, op: 3 }],
      flows: (key) => [{ name: "w", op: "write", mkey: key, size: 4096, messages: 8 }],
      extra: { publishedTag: (ns) => (ns === "st16" ? 0x1234 : null) },
    }).fabric.run(50_000);
    const f = r.flows.w!;
    expect(f.tlps.total).toBe(8 * 16);
    expect(r.links["0000:03:00.0"]!.up.bytes).toBe(8 * 16 * (24 + 256 + 4));
    expect(f.tlps.stale).toBe(0);
    expect(f.bytes.misdirected).toBe(0);
    expect(f.consumedLines.local).toBe(8 * (4096 / P.accelerator.lineBytes));
    expect(r.accelerator!.partitions[2]!.allocations).toBeGreaterThan(0);
  });

  it("a completer without Extended TPH looks the low byte up in the 8-bit table", () => {
    const r = rig({
      nicExtTph: true,
      accelCompleter: 1,
      tph: { ph: 2, stIndex: 1 },
      stTable: [[1, 0x1234]],
      ownerTable: [
        { namespace: "st16", st: 0x1234, partition: 2, op: 3 },
        { namespace: "st8", st: 0x34, partition: 1, op: 5 },
      ],
      flows: (key) => [
        { name: "w", op: "write", mkey: key, size: 4096, messages: 4, expect: { partition: 2, op: 3 } },
      ],
    }).fabric.run(50_000);
    expect(r.flows.w!.bytes.misdirected).toBe(4 * 4096);
    expect(r.accelerator!.partitions[1]!.allocations).toBe(4 * (4096 / P.accelerator.lineBytes));
  });
});

describe("host memory (DMAH path)", () => {
  function hostRun(tagged: boolean) {
    return rig({
      shape: "host",
      target: "host",
      ...(tagged ? { tph: { ph: 0, stIndex: 1 }, stTable: [[1, 0x43]] as const } : {}),
      flows: (key) => [
        {
          name: "h",
          op: "write",
          mkey: key,
          size: 16384,
          queueDepth: 2,
          consumer: { cpu: 3 },
          expect: { cpu: 3 },
        },
      ],
      extra: { host: { cpuTags: [{ cpu: 3, st8: 0x43 }] } },
    }).fabric.run(50_000);
  }

  it("a CPU steering tag injects into that CPU's L2: the consumer hits there", () => {
    const r = hostRun(true);
    const f = r.flows.h!;
    expect(r.host.injectionHits).toBeGreaterThan(0);
    expect(f.consumedLines.local).toBe(f.consumeNs.count * (16384 / 64));
    expect(f.bytes.misdirected).toBe(0);
  });

  it("without a tag DDIO leaves the data in the LLC: no injection hits, slower consumption", () => {
    const tagged = hostRun(true).flows.h!;
    const r = hostRun(false);
    expect(r.host.injectionHits).toBe(0);
    expect(r.flows.h!.consumedLines.remote).toBe(r.flows.h!.consumeNs.count * (16384 / 64));
    expect(r.flows.h!.bytes.unsteered).toBe(r.flows.h!.bytes.landed);
    expect(r.flows.h!.consumeNs.p50!).toBeGreaterThan(tagged.consumeNs.p50!);
  });

  it("firmware _DSM st_info gives the CPU tags", async () => {
    const { cpuTagsFromFirmware } = await import("../../../src/hw/fabric/index.js");
    const tags = cpuTagsFromFirmware(
      {
        cpuUids: [10, 11],
        rootPorts: { "00:01.0": { stInfo: { "11": { vm: { st: 0x43, xst: 0x4321 } }, "10": "0x0" } } },
      },
      "0000:00:01.0",
      2,
    );
    expect(tags).toEqual([{ cpu: 1, st8: 0x43, st16: 0x4321 }]);
  });
});
