/**
 * Progress on stderr (issue 11 section 4): drawn only when stderr is a terminal and the run has
 * taken more than a second, rewritten in place, erased at the end; nothing otherwise. `run
 * --sample` and the series and events in `run --json`. A fake terminal: an Io whose stderr is a
 * TTY and whose clock moves 50 ms per reading.
 */
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/run.js";
import { type CapturedIo, captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { formatSeconds, Progress } from "../../src/cli/progress.js";

const SMALL = `name: small
duration: 20us
revisions: [v11, proposed]
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: hbm }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s }]
timeline: [{ at: 10us, action: revoke, by: flr }]
`;

/** A captured Io; `tty`: stderr is a terminal whose clock advances `stepMs` per reading. */
function fakeIo(tty: boolean, stepMs = 50, env: Record<string, string> = {}): CapturedIo {
  const io = captureIo({ "s.yaml": SMALL });
  let now = 0;
  return Object.assign(io, {
    stderrIsTTY: tty,
    env,
    clock: () => {
      now += stepMs;
      return now;
    },
  });
}

describe("Progress", () => {
  it("draws after the delay, at most every 100 ms, with percent and ETA; done() erases the line", () => {
    const io = fakeIo(true, 0);
    let t = 0;
    Object.assign(io, { clock: () => t });
    const p = new Progress(io, "tphlab run");
    p.update(0.1, "a");
    expect(io.err).toBe(""); // under a second
    t = 2000;
    p.update(0.5, "b");
    expect(io.err).toBe("\rtphlab run: b, 50%, ETA 2s\x1b[K");
    t = 2050;
    p.update(0.6, "c"); // too soon
    t = 3000;
    p.update(0.75, "d");
    expect(io.err).toBe("\rtphlab run: b, 50%, ETA 2s\x1b[K\rtphlab run: d, 75%, ETA 1s\x1b[K");
    p.done();
    expect(io.err.endsWith("\r\x1b[K")).toBe(true);
  });

  it("draws nothing when stderr is not a terminal, or the terminal is dumb", () => {
    for (const io of [fakeIo(false, 5000), fakeIo(true, 5000, { TERM: "dumb" })]) {
      const p = new Progress(io, "x");
      p.update(0.5, "y");
      p.done();
      expect(io.err).toBe("");
      expect(p.enabled).toBe(false);
    }
  });

  it("formats the ETA in seconds, minutes, hours", () => {
    expect(formatSeconds(0.2)).toBe("1s");
    expect(formatSeconds(59)).toBe("59s");
    expect(formatSeconds(65)).toBe("1m05s");
    expect(formatSeconds(7380)).toBe("2h03m");
  });
});

describe("tphlab run: progress, --sample, series and events", () => {
  it("on a terminal, a slow run shows simulated time, revision, percent and ETA on stderr, then erases it", async () => {
    const io = fakeIo(true);
    const quiet = fakeIo(false);
    expect(await main(["run", "s.yaml"], io, [runCommand])).toBe(0);
    expect(await main(["run", "s.yaml"], quiet, [runCommand])).toBe(0);
    expect(io.out).toBe(quiet.out); // stdout is the same
    expect(quiet.err).toBe("");
    const lines = io.err.split("\r").filter((l) => l !== "" && l !== "\x1b[K");
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[0]).toMatch(/^tphlab run: v11 \(1\/2\): [\d.]+us of 20us simulated, \d+%, ETA \d+s\x1b\[K$/);
    expect(lines.at(-1)).toMatch(/^tphlab run: proposed \(2\/2\): /);
    const pct = lines.map((l) => Number(/, (\d+)%/.exec(l)![1]));
    expect(pct).toEqual([...pct].sort((a, b) => a - b));
    expect(io.err.endsWith("\r\x1b[K")).toBe(true);
  });

  it("--json carries series and events by revision; --sample sets the interval", async () => {
    const io = fakeIo(false);
    expect(await main(["run", "s.yaml", "--json", "--sample", "2us"], io, [runCommand])).toBe(0);
    const j = JSON.parse(io.out);
    expect(Object.keys(j)).toEqual([
      "scenario",
      "seed",
      "config",
      "results",
      "series",
      "events",
      "diagnostics",
      "kernelCalls",
    ]);
    expect(j.series.v11.intervalNs).toBe(2000);
    expect(j.series.v11.t).toEqual([2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000]);
    expect(j.series.v11.tracks["link.sw0-nic0.up.utilization"].agg).toBe("mean");
    expect(j.events.v11.map((e: { kind: string }) => e.kind)).toContain("revoke");
    // A track's numbers are one line of the JSON text.
    expect(io.out).toMatch(/\n {6}"t": \[2000, 4000, 6000, [\d, ]+\],\n/);
  });

  it("refuses a bad --sample with one line naming the flag, exit 2", async () => {
    for (const [v, msg] of [
      ["3", /--sample: missing unit/],
      ["0.5ns", /--sample: must be a whole number of picoseconds, at least 1ns/],
      ["fast", /--sample: not a number with a unit/],
    ] as const) {
      const io = fakeIo(false);
      expect(await main(["run", "s.yaml", "--sample", v], io, [runCommand])).toBe(2);
      expect(io.err).toMatch(msg);
      expect(io.err.trim().split("\n")).toHaveLength(1);
      expect(io.out).toBe("");
    }
  });
});
