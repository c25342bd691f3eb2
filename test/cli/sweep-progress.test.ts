import { describe, expect, it } from "vitest";
import { formatDuration, progressLine, progressReporter } from "../../src/cli/sweep-progress.js";

describe("sweep progress", () => {
  it("says done/todo, share, rate and the ETA from the rate so far", () => {
    // 30 of 120 in 10 s: 3 points/s, 90 left: 30 s.
    expect(progressLine({ done: 30, todo: 120, reused: 8, failed: 1 }, 10_000)).toBe(
      "sweep: 30/120 points (25%), 8 stored, 1 failed, 3.0/s, ETA 0:30",
    );
    expect(progressLine({ done: 0, todo: 5, reused: 0, failed: 0 }, 0)).toMatch(/ETA \?$/);
    expect([formatDuration(59.6), formatDuration(3725), formatDuration(Number.NaN)]).toEqual([
      "1:00",
      "1:02:05",
      "?",
    ]);
  });

  it("draws on a terminal only, at most every 200 ms, and clears its line at the end", () => {
    let t = 0;
    const out: string[] = [];
    const tty = progressReporter(
      (s) => out.push(s),
      true,
      () => t,
    );
    tty.update({ done: 1, todo: 4, reused: 0, failed: 0 });
    t = 100;
    tty.update({ done: 2, todo: 4, reused: 0, failed: 0 }); // too soon
    t = 300;
    tty.update({ done: 3, todo: 4, reused: 0, failed: 0 });
    tty.update({ done: 4, todo: 4, reused: 0, failed: 0 }); // the last one always
    tty.end();
    expect(out.map((s) => s.replace(/\r\x1b\[2K/, "").split(" (")[0])).toEqual([
      "sweep: 1/4 points",
      "sweep: 3/4 points",
      "sweep: 4/4 points",
      "",
    ]);
    const log: string[] = [];
    const pipe = progressReporter((s) => log.push(s), false);
    pipe.update({ done: 1, todo: 1, reused: 0, failed: 0 });
    pipe.end();
    expect(log).toEqual([]);
  });
});
