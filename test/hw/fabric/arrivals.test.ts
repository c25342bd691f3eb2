/**
 * Traffic shapes on the fabric: on/off bursts, size distributions, trace replay, start and stop.
 * Each test watches the messages the remote peers actually start (FlowState.open) in a real run,
 * and compares them with what the shape promises, computed here by hand.
 */
import { describe, expect, it } from "vitest";
import { Arrivals } from "../../../src/hw/fabric/arrivals.js";
import type { FabricResults, FlowSpec } from "../../../src/hw/fabric/index.js";
import { choiceSize, uniformSize, validateFlowSpec } from "../../../src/hw/fabric/index.js";
import { Rng } from "../../../src/sim/random.js";
import { ps, rig } from "./helpers.js";

type Started = { t: number; size: number }[];

/** Run `spec` (with the given key) for `ns`; the messages started (time ps, bytes) and the results. */
function started(
  spec: (key: number) => FlowSpec,
  ns: number,
  target: "accelerator" | "host" = "accelerator",
): { msgs: Started; res: FabricResults } {
  const { fabric } = rig({
    target,
    ...(target === "host" ? { shape: "host" as const } : {}),
    flows: (key) => [spec(key)],
  });
  const msgs: Started = [];
  const f = fabric.flows[0]!;
  const open = f.open.bind(f);
  // READ messages open at the request's arrival at the port (its rx latency before the NIC sees it).
  f.open = (now, size, slots) => {
    msgs.push({ t: now, size });
    return open(now, size, slots);
  };
  const res = fabric.run(ns);
  return { msgs, res };
}

describe("on/off bursts", () => {
  const on = 2000; // ns
  const off = 6000;
  const inOn = (t: number, start = 0) => (t - ps(start)) % ps(on + off) < ps(on);

  it("an open-loop WRITE flow starts messages only in on-periods, at its rate while on", () => {
    const { msgs, res } = started(
      (key) => ({
        name: "b",
        op: "write",
        mkey: key,
        size: 4096,
        rateGbps: 100,
        burst: { onNs: on, offNs: off },
      }),
      40_000,
    );
    expect(msgs.length).toBeGreaterThan(20);
    for (const m of msgs) expect(inOn(m.t), `message at ${m.t} ps`).toBe(true);
    // 4096 B at 100 Gb/s: one message every 327.68 ns of on-time, the clock running only while on:
    // 5 on-periods of 2 us in 40 us hold ceil(10 us / 327.68 ns) = 31 arrivals.
    const gapPs = (4096 * 8 * 1000) / 100;
    const onTime = Math.ceil(40_000 / (on + off)) * ps(on);
    expect(msgs.length).toBe(Math.ceil(onTime / gapPs));
    // Within an on-period the messages are one gap apart; across an off-period, gap + off.
    for (let k = 1; k < msgs.length; k++) {
      const d = msgs[k]!.t - msgs[k - 1]!.t;
      expect([gapPs, gapPs + ps(off)], `gap before message ${k}`).toContain(d);
    }
    // Offered bytes over the run: the rate x the on-time, not x the whole run.
    expect(res.flows.b!.bytes.offered).toBe(msgs.length * 4096);
    expect(res.flows.b!.conserved).toBe(true);
  });

  it("the clock skips off-periods: message k arrives at k gaps of on-time", () => {
    const a = new Arrivals(
      { rateGbps: 8, burst: { onNs: 10, offNs: 30 }, startNs: 5 },
      choiceSize([1]),
      new Rng(1),
    );
    const due: number[] = [];
    for (let k = 0; k < 25; k++) {
      due.push(a.admit(a.due));
      a.take(); // 1 byte at 8 Gb/s: 1 ns of on-time each
    }
    // On from 5..15 ns, 45..55, 85..95: 10 messages per period, 1 ns apart.
    const want = Array.from({ length: 25 }, (_, k) => ps(5 + Math.floor(k / 10) * 40 + (k % 10)));
    expect(due).toEqual(want);
  });

  it("a late start in an off-period waits for the next on-period; closed-loop flows obey the gate too", () => {
    const a = new Arrivals({ burst: { onNs: 10, offNs: 30 }, startNs: 100 }, choiceSize([64]), new Rng(1));
    expect(a.admit(ps(100))).toBe(ps(100));
    expect(a.admit(ps(109.999))).toBe(ps(109.999));
    expect(a.admit(ps(110))).toBe(ps(140));
    expect(a.admit(ps(139))).toBe(ps(140));
    const { msgs } = started(
      (key) => ({
        name: "c",
        op: "read",
        mkey: key,
        size: 1024,
        queueDepth: 4,
        startNs: 1000,
        burst: { onNs: on, offNs: off },
      }),
      30_000,
    );
    expect(msgs.length).toBeGreaterThan(10);
    for (const m of msgs) expect(inOn(m.t, 1000), `read request at ${m.t} ps`).toBe(true);
  });
});

describe("message size distributions", () => {
  it("a weighted list: the empirical mix over many messages follows the weights (fixed seed)", () => {
    const sizes = [64, 1500, 9000];
    const weights = [6, 3, 1];
    const { msgs } = started(
      (key) => ({
        name: "m",
        op: "write",
        mkey: key,
        size: choiceSize(sizes, weights),
        rateGbps: 200,
        messages: 6000,
      }),
      1_000_000,
    );
    expect(msgs.length).toBe(6000);
    const total = weights.reduce((a, b) => a + b, 0);
    sizes.forEach((s, i) => {
      const share = msgs.filter((m) => m.size === s).length / msgs.length;
      // Binomial standard deviation at n = 6000 is at most 0.0065: 0.02 is three of them.
      expect(Math.abs(share - weights[i]! / total), `share of ${s} B`).toBeLessThan(0.02);
    });
    expect(new Set(msgs.map((m) => m.size))).toEqual(new Set(sizes));
  });

  it("uniform sizes cover [min, max] with the mean in the middle, and the gaps follow each size", () => {
    const { msgs } = started(
      (key) => ({
        name: "u",
        op: "write",
        mkey: key,
        size: uniformSize(100, 300),
        rateGbps: 50,
        messages: 3000,
      }),
      1_000_000,
    );
    const s = msgs.map((m) => m.size);
    expect(Math.min(...s)).toBe(100);
    expect(Math.max(...s)).toBe(300);
    expect(Math.abs(s.reduce((a, b) => a + b, 0) / s.length - 200)).toBeLessThan(3);
    // Constant arrivals: message k+1 starts size_k x 8 / rate after message k (rounded to ps).
    for (let k = 1; k < 50; k++)
      expect(msgs[k]!.t - msgs[k - 1]!.t).toBe(Math.round((s[k - 1]! * 8000) / 50));
  });
});

describe("trace replay", () => {
  const timesPs = [0, 0, 1_500_000, 1_500_001, 7_000_000, 30_000_000];
  const sizes = [64, 4096, 1, 65536, 333, 2048];

  it("a WRITE flow starts each message at its recorded time (after start) with its recorded size", () => {
    const { msgs, res } = started(
      (key) => ({ name: "t", op: "write", mkey: key, startNs: 2000, trace: { timesPs, sizes } }),
      20_000,
    );
    // The peer sends at line rate (400 Gb/s: 20 ps per wire byte, 82 B per packet, MTU 4096):
    // a message recorded while the previous one is still arriving starts when it has arrived.
    const wirePs = (n: number) => 20 * (n + 82 * Math.ceil(n / 4096));
    const want: number[] = [];
    timesPs.slice(0, 5).forEach((t, k) => {
      want.push(Math.max(ps(2000) + t, k === 0 ? 0 : want[k - 1]! + wirePs(sizes[k - 1]!)));
    });
    expect(want).toEqual([2_000_000, 2_002_920, 3_500_000, 3_501_660, 9_000_000]);
    expect(msgs.map((m) => m.size)).toEqual(sizes.slice(0, 5));
    expect(msgs.map((m) => m.t)).toEqual(want);
    expect(res.flows.t!.bytes.offered).toBe(64 + 4096 + 1 + 65536 + 333);
    expect(res.flows.t!.conserved).toBe(true);
  });

  it("a READ flow replays times exactly, and a trace ends the flow when it runs out", () => {
    const { msgs, res } = started(
      (key) => ({ name: "r", op: "read", mkey: key, trace: { timesPs, sizes }, consumer: false }),
      60_000,
    );
    expect(msgs).toEqual(timesPs.map((t, i) => ({ t, size: sizes[i] })));
    expect(res.flows.r!.messagesOffered).toBe(6);
    expect(res.flows.r!.messages).toBe(6);
  });
});

describe("start and stop", () => {
  it("bound the first and last message of open- and closed-loop flows", () => {
    for (const load of [{ rateGbps: 40 }, { queueDepth: 2 }, { rateGbps: 40, arrival: "poisson" as const }]) {
      const { msgs, res } = started(
        (key) => ({ name: "s", op: "write", mkey: key, size: 2048, startNs: 3000, stopNs: 9000, ...load }),
        20_000,
      );
      expect(msgs[0]!.t, JSON.stringify(load)).toBe(ps(3000));
      expect(msgs.at(-1)!.t, JSON.stringify(load)).toBeLessThan(ps(9000));
      // The flow ran until its stop: the last gap reaches past it.
      expect(msgs.at(-1)!.t, JSON.stringify(load)).toBeGreaterThan(ps(8000));
      expect(res.flows.s!.bytes.offered).toBe(msgs.length * 2048);
    }
  });

  it("stop cuts a trace; nothing starts at the stop time itself", () => {
    const { msgs } = started(
      (key) => ({
        name: "t",
        op: "read",
        mkey: key,
        stopNs: 1500,
        trace: { timesPs: [0, 1_499_999, 1_500_000], sizes: [64, 64, 64] },
      }),
      10_000,
    );
    expect(msgs.map((m) => m.t)).toEqual([0, 1_499_999]);
  });
});

describe("shape validation", () => {
  const base = { name: "f", op: "write" as const, mkey: 1 };
  const paths = (f: FlowSpec) => validateFlowSpec(f, "flows[0]").map((i) => i.path);

  it("names the field of each bad shape", () => {
    expect(paths({ ...base, size: 64, burst: { onNs: 0, offNs: -1 } })).toEqual([
      "flows[0].burst.onNs",
      "flows[0].burst.offNs",
    ]);
    expect(paths({ ...base, size: 64, startNs: 10, stopNs: 10 })).toEqual(["flows[0].stopNs"]);
    expect(paths({ ...base, rateGbps: 1, trace: { timesPs: [5, 4], sizes: [1, 0] } })).toEqual([
      "flows[0].rateGbps",
      "flows[0].trace.timesPs[1]",
      "flows[0].trace.sizes[1]",
    ]);
    expect(paths({ ...base, trace: { timesPs: [1], sizes: [] } })).toEqual(["flows[0].trace"]);
    expect(paths({ ...base })).toEqual(["flows[0].size"]);
  });
});
