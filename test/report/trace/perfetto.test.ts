/**
 * `run --trace FILE.pftrace`: the file decoded with Perfetto's TrackEvent schema (written apart in
 * perfetto-schema.ts) and checked for what a Perfetto user looks at: a track per link direction
 * with TLP slices and their arguments, device tracks, counter tracks, kernel calls as instants
 * with return values, flow arrows from a message to its TLPs, the window and the event cap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../../../src/cli/io.js";
import { main } from "../../../src/cli/main.js";
import { arg, type DecodedEvent, type DecodedPacket, decodeTrace, TYPE } from "./perfetto-schema.js";

async function run(args: string[]) {
  const io = captureIo();
  const code = await main(["run", "demo", ...args], io);
  return { code, io };
}

interface Decoded {
  packets: DecodedPacket[];
  tracks: Map<number, { name: string; parent?: number; counter: boolean }>;
  events: { ts: number; e: DecodedEvent }[];
  stderr: string;
}

async function traced(args: string[]): Promise<Decoded> {
  const { code, io } = await run(["--trace", "out.pftrace", ...args]);
  expect(code, io.err).toBe(0);
  const bytes = io.written["out.pftrace"];
  expect(bytes).toBeInstanceOf(Uint8Array);
  const packets = decodeTrace(bytes as Uint8Array);
  const tracks = new Map<number, { name: string; parent?: number; counter: boolean }>();
  const events: { ts: number; e: DecodedEvent }[] = [];
  for (const p of packets) {
    const d = p.trackDescriptor;
    if (d)
      tracks.set(d.uuid, {
        name: d.name ?? "",
        ...(d.parentUuid ? { parent: d.parentUuid } : {}),
        counter: !!d.counter,
      });
    if (p.trackEvent) events.push({ ts: p.timestamp ?? -1, e: p.trackEvent });
  }
  return { packets, tracks, events, stderr: io.err };
}

const trackName = (d: Decoded, uuid: number) => d.tracks.get(uuid)?.name ?? "?";
const revisionOf = (d: Decoded, uuid: number) => trackName(d, d.tracks.get(uuid)?.parent ?? 0);

describe("run --trace FILE.pftrace (window 85us..105us: the new SET at 90us, the un-revoke and its page fault at 100us)", () => {
  let d: Decoded;
  beforeAll(async () => {
    d = await traced(["--trace-window", "85us..105us"]);
  }, 60_000);

  it("declares a root track per revision and nests every other track under one", () => {
    const roots = [...d.tracks.values()].filter((t) => t.parent === undefined).map((t) => t.name);
    expect(roots).toEqual(["revision mainline", "revision v11", "revision proposed"]);
    for (const t of d.tracks.values()) if (t.parent !== undefined) expect(d.tracks.has(t.parent)).toBe(true);
    for (const { e } of d.events)
      expect(d.tracks.has(e.trackUuid), `event on undeclared track ${e.trackUuid}`).toBe(true);
  });

  it("keeps every event inside the window (Perfetto timestamps are ns)", () => {
    expect(d.events.length).toBeGreaterThan(1000);
    for (const { ts } of d.events) {
      expect(ts).toBeGreaterThanOrEqual(85_000);
      expect(ts).toBeLessThanOrEqual(105_000 + 100);
    }
    // Sorted, as trace processors read a sequence.
    const ts = d.events.map((x) => x.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it("has a track per link direction with TLP slices carrying kind, length, TH/PH/ST, flow and stale", () => {
    const linkTracks = [...d.tracks.entries()].filter(([, t]) => t.name.startsWith("link "));
    const names = new Set(linkTracks.map(([, t]) => t.name.replace(/ \(.*$/, "")));
    for (const n of ["link sw0-nic0 up", "link sw0-nic0 down", "link sw0-acc0 down", "link sw0-acc0 up"])
      expect(names).toContain(n);
    const slices = d.events.filter(
      ({ e }) => e.type === TYPE.SLICE_BEGIN && trackName(d, e.trackUuid).startsWith("link "),
    );
    expect(slices.length).toBeGreaterThan(500);
    for (const { e } of slices.slice(0, 200)) {
      expect(["MWr", "MRd", "CplD"]).toContain(arg(e, "kind"));
      expect(arg(e, "length")).toBeGreaterThan(0);
      expect([0, 1]).toContain(arg(e, "TH"));
      expect(typeof arg(e, "flow")).toBe("string");
      expect(typeof arg(e, "stale")).toBe("boolean");
      if (arg(e, "TH") === 1) expect(String(arg(e, "ST"))).toMatch(/^0x[0-9a-f]+$/);
    }
    // v11 keeps the old tag after the new SET: stale TLPs from the un-revoke on (7048 in the whole run).
    const staleV11 = slices.filter(
      ({ e }) => arg(e, "stale") === true && revisionOf(d, e.trackUuid) === "revision v11",
    );
    const staleMainline = slices.filter(
      ({ e }) => arg(e, "stale") === true && revisionOf(d, e.trackUuid) === "revision mainline",
    );
    expect(staleV11.length).toBeGreaterThan(0);
    expect(staleMainline.length).toBe(0);
  });

  it("balances slice begins and ends on each track, never overlapping", () => {
    const open = new Map<number, number>();
    for (const { e } of d.events) {
      if (e.type === TYPE.SLICE_BEGIN) {
        expect(open.get(e.trackUuid) ?? 0, trackName(d, e.trackUuid)).toBe(0);
        open.set(e.trackUuid, 1);
      }
      if (e.type === TYPE.SLICE_END) {
        expect(open.get(e.trackUuid)).toBe(1);
        open.set(e.trackUuid, 0);
      }
    }
    for (const v of open.values()) expect(v).toBe(0);
  });

  it("has device tracks with their records", () => {
    const dev = d.events.filter(({ e }) => trackName(d, e.trackUuid).startsWith("device "));
    expect(dev.length).toBeGreaterThan(0);
    expect(new Set(dev.map(({ e }) => e.name?.split(" ")[0]))).toContain("land");
  });

  it("has counter tracks from the run's series (link utilization, backlog, hit rates, stale TLPs) with values in range", () => {
    const counters = [...d.tracks.entries()].filter(([, t]) => t.counter);
    const names = counters.map(([, t]) => t.name);
    expect(names).toContain("link.sw0-nic0.up.utilization (ratio)");
    expect(names).toContain("tlps.all.stale (count)");
    expect(names).toContain("consumer.write.backlog (count)");
    expect(names.some((n) => /^hit rate acc0\/p\d (write|read) \(ratio\)$/.test(n))).toBe(true);
    const ids = new Set(counters.map(([id]) => id));
    const values = d.events.filter(({ e }) => e.type === TYPE.COUNTER);
    expect(values.length).toBeGreaterThan(100);
    for (const { e } of values) expect(ids.has(e.trackUuid)).toBe(true);
    const util = values.filter(({ e }) => /utilization|hit rate/.test(trackName(d, e.trackUuid)));
    for (const { e } of util) {
      expect(e.doubleCounterValue ?? 0).toBeGreaterThanOrEqual(0);
      expect(e.doubleCounterValue ?? 0).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...util.map(({ e }) => e.doubleCounterValue ?? 0))).toBeGreaterThan(0.05);
  });

  it("marks kernel calls as instants with arguments and return values (mainline has no SET ioctl: -ENOTTY)", () => {
    const kernel = d.events.filter(
      ({ e }) => e.type === TYPE.INSTANT && trackName(d, e.trackUuid) === "kernel calls",
    );
    const set = kernel.filter(({ e }) => e.name === "SET TPH on hbm");
    expect(set.map(({ ts }) => ts)).toEqual([90_000, 90_000, 90_000]);
    const byRev = Object.fromEntries(set.map(({ e }) => [revisionOf(d, e.trackUuid), e]));
    expect(arg(byRev["revision mainline"]!, "ret")).toBe(-25);
    expect(arg(byRev["revision mainline"]!, "errno")).toBe("-ENOTTY");
    expect(arg(byRev["revision v11"]!, "ret")).toBe(0);
    expect(arg(byRev["revision v11"]!, "who")).toBe("owner");
    const faults = kernel.filter(({ e, ts }) => ts === 100_000 && e.name === "page fault on MR acc");
    expect(faults.map(({ e }) => arg(e, "ret"))).toEqual([0, 0, 0]);
  });

  it("links each message to its TLPs with flow ids", () => {
    // Messages that put bytes on the fabric (those lost to the revoked MR's page fault never do).
    const messages = d.events.filter(
      ({ e, ts }) =>
        trackName(d, e.trackUuid).startsWith("flow ") && (arg(e, "bytes") as number) > 0 && ts < 104_000,
    );
    expect(messages.length).toBeGreaterThan(10);
    const tlpFlows = new Set(
      d.events.filter(({ e }) => e.type === TYPE.SLICE_BEGIN).flatMap(({ e }) => e.flowIds ?? []),
    );
    const linked = messages.filter(({ e }) => tlpFlows.has(e.flowIds![0]!));
    expect(linked.length / messages.length).toBeGreaterThan(0.9);
    // Ids are per message: two messages never share one.
    const ids = messages.map(({ e }) => e.flowIds![0]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("says on stderr where the trace went", () => {
    expect(d.stderr).toMatch(/^trace: out\.pftrace \(Perfetto, \d+ events\)\n$/);
  });
});

describe("run --trace with --trace-max-events", () => {
  it("stops at the cap, keeps the kernel calls, and says how many were left out", async () => {
    const d = await traced(["--trace-max-events", "400"]);
    const begins = d.events.filter(({ e }) => e.type !== TYPE.SLICE_END).length;
    expect(begins).toBeLessThanOrEqual(400);
    expect(begins).toBeGreaterThan(300);
    expect(d.events.some(({ e }) => e.name === "SET TPH on hbm")).toBe(true);
    expect(d.stderr).toMatch(/; \d+ more left out by --trace-max-events 400\)\n$/);
  }, 60_000);

  it("refuses bad trace flags naming the flag, before running", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--trace", "t.pftrace", "--trace-window", "60us..40us"],
        /--trace-window: the end must come after the start/,
      ],
      [
        ["--trace", "t.pftrace", "--trace-window", "40..60us"],
        /--trace-window: '40': a number needs a unit|missing unit/,
      ],
      [["--trace", "t.pftrace", "--trace-window", "40us"], /--trace-window: expected A\.\.B/],
      [["--trace-window", "1us..2us"], /--trace-window: needs --trace FILE/],
      [["--trace", "t.pftrace", "--trace-max-events", "0"], /--trace-max-events: must be between 1/],
      [
        ["--trace", "t.pftrace", "--trace-window", "300us..400us"],
        /--trace-window: starts after the run ends \(200us\)/,
      ],
    ];
    for (const [args, re] of cases) {
      const { code, io } = await run(args);
      expect(code, args.join(" ")).toBe(2);
      expect(io.err).toMatch(re);
      expect(io.err.split("\n").length).toBe(2);
    }
  }, 60_000);
});
