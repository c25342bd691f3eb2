/**
 * `run --trace FILE.json` (Chrome's trace event format), and the trace model's counters from the
 * sampler's series (constructed here per src/sim/series.ts, so this holds before the sampler lands).
 */
import { describe, expect, it } from "vitest";
import { captureIo } from "../../../src/cli/io.js";
import { main } from "../../../src/cli/main.js";
import { buildTraceModel, chromeJsonTrace } from "../../../src/report/trace/index.js";
import type { Series } from "../../../src/sim/series.js";

interface ChromeEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  s?: string;
  id?: number;
  args?: Record<string, unknown>;
}

describe("run --trace FILE.json", () => {
  it("writes Chrome trace events: named processes and threads, X slices, instants, counters, flows, in the window", async () => {
    const io = captureIo();
    const code = await main(["run", "demo", "--trace", "t.json", "--trace-window", "110us..114us"], io);
    expect(code, io.err).toBe(0);
    expect(io.err).toMatch(/^trace: t\.json \(Chrome JSON, \d+ events\)\n$/);
    const doc = JSON.parse(io.written["t.json"] as string) as {
      traceEvents: ChromeEvent[];
      displayTimeUnit: string;
    };
    const evs = doc.traceEvents;
    expect(new Set(evs.map((e) => e.ph))).toEqual(new Set(["M", "X", "i", "C", "s", "t", "f"]));
    const procs = evs
      .filter((e) => e.ph === "M" && e.name === "process_name")
      .map((e) => [e.pid, e.args?.name]);
    expect(procs).toEqual([
      [1, "revision mainline"],
      [2, "revision v11"],
      [3, "revision proposed"],
    ]);
    const threads = new Map(
      evs
        .filter((e) => e.ph === "M" && e.name === "thread_name")
        .map((e) => [`${e.pid}/${e.tid}`, String(e.args?.name)]),
    );
    for (const e of evs.filter((x) => x.ph !== "M")) {
      expect(threads.has(`${e.pid}/${e.tid}`), `${e.ph} ${e.name} on an unnamed thread`).toBe(true);
      // Microseconds: the window is 110..114 us.
      expect(e.ts!).toBeGreaterThanOrEqual(110);
      expect(e.ts!).toBeLessThan(114);
    }
    const slices = evs.filter((e) => e.ph === "X");
    expect(slices.length).toBeGreaterThan(100);
    for (const e of slices) {
      expect(threads.get(`${e.pid}/${e.tid}`)).toMatch(/^link /);
      expect(e.dur!).toBeGreaterThan(0);
      expect(e.dur!).toBeLessThan(0.2); // one TLP on a Gen5 x16 link: tens of ns at most
      expect(e.args).toHaveProperty("kind");
      expect(e.args).toHaveProperty("stale");
    }
    // Slices on one thread never overlap (the viewer would nest them).
    const byThread = new Map<string, ChromeEvent[]>();
    for (const e of slices)
      byThread.set(`${e.pid}/${e.tid}`, [...(byThread.get(`${e.pid}/${e.tid}`) ?? []), e]);
    for (const list of byThread.values())
      for (let i = 1; i < list.length; i++)
        expect(list[i]!.ts!).toBeGreaterThanOrEqual(list[i - 1]!.ts! + list[i - 1]!.dur! - 1e-9);
    const counters = evs.filter((e) => e.ph === "C");
    expect(counters.some((e) => e.name === "link.sw0-nic0.up.utilization (ratio)")).toBe(true);
    // Every flow starts once ("s") and finishes once ("f").
    const starts = evs.filter((e) => e.ph === "s").map((e) => e.id);
    const ends = evs.filter((e) => e.ph === "f").map((e) => e.id);
    expect(starts.length).toBeGreaterThan(0);
    expect(new Set(starts).size).toBe(starts.length);
    expect([...ends].sort()).toEqual([...starts].sort());
  }, 60_000);
});

/** Series as the sampler's contract describes them: 4 samples of 10 us. */
function series(util: number[], hits: number[], misses: number[], stale: number[]): Series {
  const t = [10_000, 20_000, 30_000, 40_000];
  return {
    intervalNs: 10_000,
    t,
    tracks: {
      "link.nic.up.utilization": {
        group: "link",
        subject: "nic.up",
        metric: "utilization",
        unit: "ratio",
        agg: "mean",
        values: util,
      },
      "partition.acc/1.writeHits": {
        group: "partition",
        subject: "acc/1",
        metric: "writeHits",
        unit: "count",
        agg: "sum",
        values: hits,
      },
      "partition.acc/1.writeMisses": {
        group: "partition",
        subject: "acc/1",
        metric: "writeMisses",
        unit: "count",
        agg: "sum",
        values: misses,
      },
      "tlps.all.stale": {
        group: "tlps",
        subject: "all",
        metric: "stale",
        unit: "count",
        agg: "sum",
        values: stale,
      },
      "flow.write.goodputGbps": {
        group: "flow",
        subject: "write",
        metric: "goodputGbps",
        unit: "Gb/s",
        agg: "mean",
        values: [1, 2, 3, 4],
      },
    },
  };
}

describe("trace counters from series", () => {
  const input = {
    revisions: ["v11"],
    traces: {},
    steps: {},
    events: {
      v11: [{ atNs: 25_000, who: "owner", call: "ioctl(SET)", kind: "set-tph", ret: -22, args: { st: 34 } }],
    },
    series: {
      v11: series([0.1, 0.5, null as unknown as number, 0.9], [0, 3, 9, 1], [0, 1, 1, 3], [0, 0, 5, 7]),
    },
    links: new Map(),
    durationPs: 40_000_000,
  };

  it("makes a counter per link/TLP track and a hit rate per partition path, valued at each interval's start", () => {
    const m = buildTraceModel(input);
    const name = (uuid: number) => m.tracks.find((t) => t.uuid === uuid)?.name;
    const values = (n: string) =>
      m.events
        .filter((e) => e.type === "counter" && name(e.track) === n)
        .map((e) => [e.tsPs / 1e6, (e as { value: number }).value]);
    expect(values("link.nic.up.utilization (ratio)")).toEqual([
      [0, 0.1],
      [10, 0.5],
      [30, 0.9],
    ]);
    expect(values("hit rate acc/1 write (ratio)")).toEqual([
      [10, 0.75],
      [20, 0.9],
      [30, 0.25],
    ]);
    expect(values("tlps.all.stale (count)").map(([, v]) => v)).toEqual([0, 0, 5, 7]);
    // Flow goodput is a chart in the report, not a counter track.
    expect(m.tracks.some((t) => t.name.startsWith("flow.write"))).toBe(false);
    for (const t of m.tracks.filter((x) => x.kind === "counter")) expect(t.parent).toBeDefined();
  });

  it("derives link utilization and stale TLPs from the TLP trace when there are no series", () => {
    // Two 256 B MWr on a 64 Gb/s link in the first 1 us bucket: 2 x 280 B x 8 / 64 Gb/s = 70 ns busy.
    const rec = (t: number, ev: "send" | "link", stale: boolean) => ({
      t,
      ev,
      where: ev === "link" ? "0000:03:00.0 up" : "write",
      kind: "MWr" as const,
      flow: "write",
      msg: 0,
      tlp: 0,
      bytes: 256,
      ...(stale ? { stale: true as const } : {}),
    });
    const m = buildTraceModel(
      {
        revisions: ["v11"],
        traces: {
          v11: [
            rec(0, "send", true),
            rec(0, "link", false),
            rec(100_000, "link", false),
            rec(1_500_000, "send", false),
          ],
        },
        steps: {},
        links: new Map([["0000:03:00.0", { role: "nic", bdf: "0000:03:00.0", tlpGbps: 64 }]]),
        durationPs: 2_000_000,
      },
      { window: { fromPs: 0, toPs: 2_000_000 } },
    );
    const name = (uuid: number) => m.tracks.find((t) => t.uuid === uuid)?.name;
    const values = (n: string) =>
      m.events
        .filter((e) => e.type === "counter" && name(e.track) === n)
        .map((e) => (e as { value: number }).value);
    const util = values("utilization nic up (ratio)");
    // Buckets of 10 ns: the first TLP fills 0..35 ns (1, 1, 1, 0.5), the second 100..135 ns.
    expect(util.slice(0, 5)).toEqual([1, 1, 1, 0.5, 0]);
    expect(util.slice(10, 14)).toEqual([1, 1, 1, 0.5]);
    expect(util.reduce((a, b) => a + b, 0) * 10).toBeCloseTo(70, 5);
    expect(values("stale TLPs (count)").reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("takes kernel events from the series' events, with their arguments and errno", () => {
    const m = buildTraceModel(input);
    const k = m.events.filter((e) => e.type === "instant");
    expect(k).toHaveLength(1);
    expect(k[0]).toMatchObject({
      tsPs: 25_000_000,
      name: "ioctl(SET)",
      args: { st: 34, ret: -22, errno: "-EINVAL", kind: "set-tph" },
    });
    const json = JSON.parse(chromeJsonTrace(m)) as { traceEvents: ChromeEvent[] };
    expect(json.traceEvents.find((e) => e.ph === "i")).toMatchObject({ ts: 25, name: "ioctl(SET)" });
  });
});
