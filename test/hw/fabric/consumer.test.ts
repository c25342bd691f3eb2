/**
 * Consumers: a miss's latency delays its message but overlaps the engine's work on earlier
 * messages (throughput = per-line costs); a small window of outstanding lines serialises the
 * latency again; utilization and backlog show when the engines saturate.
 */
import { describe, expect, it } from "vitest";
import type { FabricParamsInput, FlowResult } from "../../../src/hw/fabric/index.js";
import { fabricDefaults } from "../../../src/hw/fabric/index.js";
import { rig } from "./helpers.js";

const C = fabricDefaults().accelerator.consumer;
const MSG = 4096;
const LINES = MSG / fabricDefaults().accelerator.lineBytes;
/** Gap between 4 KiB messages at 100 Gb/s, ns. */
const GAP = (MSG * 8) / 100;

/** Untagged WRITEs into the accelerator (they bypass its cache: every consumer line misses). */
function plain(params: FabricParamsInput, gbps = 100, engines = 1, tph = false): FlowResult {
  return rig({
    ...(tph ? { tph: { ph: 2, stIndex: 1 }, stTable: [[1, 0x21]] as const } : {}),
    ownerTable: [{ namespace: "st8", st: 0x21, partition: 1, op: 7 }],
    extra: { publishedTag: () => 0x21 },
    params,
    flows: (key) => [{ name: "w", op: "write", mkey: key, size: MSG, rateGbps: gbps, consumer: { engines } }],
  }).fabric.run(100_000).flows.w!;
}

const near = (x: number, want: number, rel = 0.01) =>
  expect(Math.abs(x - want)).toBeLessThanOrEqual(want * rel);

describe("consumers", () => {
  it("overlap a miss's latency with earlier work: an engine keeps up with misses at half its capacity", () => {
    const f = plain({});
    expect(f.consumedLines.miss).toBe(f.consumeNs.count * LINES);
    const busy = C.startNs + LINES * C.hbmNsPerLine;
    // Each message waits the first-miss latency once, never for the previous message's latency.
    near(f.consumeNs.p50!, busy + C.hbmLatencyNs);
    near(f.consumeNs.p99!, busy + C.hbmLatencyNs);
    near(f.consumer!.utilization, busy / GAP, 0.02);
    expect(f.consumer!.maxBacklog).toBeLessThanOrEqual(1);
    expect(f.consumer!.backlog).toBe(0);
  });

  it("hits cost no latency", () => {
    const f = plain({}, 100, 1, true);
    expect(f.consumedLines.local).toBe(f.consumeNs.count * LINES);
    const busy = C.startNs + LINES * C.localNsPerLine;
    near(f.consumeNs.p50!, busy);
    near(f.consumer!.utilization, busy / GAP, 0.02);
  });

  it("with room for one message's lines the latency is serialised again and the backlog grows", () => {
    const f = plain({ accelerator: { consumer: { maxOutstandingLines: LINES } } });
    // Misses stream at most LINES per latency; the next message is taken only when one is done.
    const busy = C.startNs + LINES * Math.max(C.hbmNsPerLine, C.hbmLatencyNs / LINES);
    near(f.consumer!.utilization, busy / (busy + C.hbmLatencyNs), 0.02);
    expect(f.consumer!.backlog).toBeGreaterThan(50);
    expect(f.consumer!.maxBacklog).toBeGreaterThanOrEqual(f.consumer!.backlog);
    expect(f.consumeNs.p99!).toBeGreaterThan(20 * (busy + C.hbmLatencyNs));
  });

  it("a slower engine saturates (utilization 1, queueing dominates); a second engine absorbs it", () => {
    const slow = { accelerator: { consumer: { hbmNsPerLine: 12 } }, metrics: { warmupNs: 5000 } };
    const busy = C.startNs + LINES * 12;
    const one = plain(slow);
    expect(busy).toBeGreaterThan(GAP);
    expect(one.consumer!.utilization).toBeGreaterThan(0.99);
    expect(one.consumer!.backlog).toBeGreaterThan(50);
    expect(one.consumeNs.p99!).toBeGreaterThan(20 * (busy + C.hbmLatencyNs));
    const two = plain(slow, 100, 2);
    expect(two.consumer!.engines).toBe(2);
    near(two.consumer!.utilization, busy / (2 * GAP), 0.02);
    expect(two.consumer!.maxBacklog).toBeLessThanOrEqual(1);
    near(two.consumeNs.p99!, busy + C.hbmLatencyNs);
  });

  it("inside one message misses stream at most maxOutstandingLines per latency (Little's law)", () => {
    const r = rig({
      params: { accelerator: { consumer: { maxOutstandingLines: 16 } } },
      flows: (key) => [{ name: "w", op: "write", mkey: key, size: 65536, messages: 1 }],
    }).fabric.run(100_000);
    const lines = 65536 / fabricDefaults().accelerator.lineBytes;
    const want = C.startNs + lines * Math.max(C.hbmNsPerLine, C.hbmLatencyNs / 16) + C.hbmLatencyNs;
    expect(r.flows.w!.consumeNs.max).toBe(want);
  });

  it("flows nobody consumes report no consumer", () => {
    const r = rig({
      flows: (key) => [
        { name: "w", op: "write", mkey: key, size: MSG, messages: 4, consumer: false },
        { name: "r", op: "read", mkey: key, size: MSG, messages: 4 },
      ],
    }).fabric.run(50_000);
    expect(r.flows.w!.consumer).toBeNull();
    expect(r.flows.r!.consumer).toBeNull();
    expect(r.flows.w!.messages).toBe(4);
  });
});
