/** `tphlab sweep` in process, points run in this thread (`--workers 0`); threads: test/sweep/local.test.ts. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { scratch } from "../sweep/fixtures.js";

const SWEEP = `scenario: tiny.yaml
vary: { flows.write.rate: [50Gb/s, 100Gb/s] }
revisions: [v11, proposed]
seeds: 2
metrics: [tlps.stale, flows.write.goodputGbps]
`;

describe("tphlab sweep", () => {
  const dir = scratch({ "s.yaml": SWEEP });
  const file = join(dir, "s.yaml");
  const db = join(dir, "s.db");

  it("runs every point, prints mean ±CI per point and revision, and reuses the store next time", async () => {
    const io = captureIo();
    expect(await main(["sweep", file, "--workers", "0", "--out", db], io)).toBe(0);
    expect(io.err).toBe(
      `sweep: 8 points: 8 run (in this thread), 0 reused from ${db}, ${io.err.split(", ").at(-1)}`,
    );
    expect(io.err).toMatch(/, \d+s\n$/);
    const lines = io.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^flows\.write\.rate\s+revision\s+tlps\.stale\s+flows\.write\.goodputGbps$/);
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^50Gb\/s\s+proposed\s+0 ±0\s+[\d.]+ ±[\d.]+$/);
    const again = captureIo();
    expect(await main(["sweep", file, "--workers", "0", "--out", db, "--json"], again)).toBe(0);
    expect(again.err).toMatch(/^sweep: 8 points: 0 run \(in this thread\), 8 reused/);
    const out = JSON.parse(again.out) as {
      rows: { revision: string; metric: string; summary: { mean: number } }[];
    };
    expect(out.rows).toHaveLength(2 * 2 * 2);
    const stale = out.rows.filter((r) => r.metric === "tlps.stale");
    expect(stale.filter((r) => r.revision === "v11").every((r) => r.summary.mean > 0)).toBe(true);
    expect(stale.filter((r) => r.revision === "proposed").every((r) => r.summary.mean === 0)).toBe(true);
    // The text table is the same whether the points ran now or came from the store.
    const third = captureIo();
    await main(["sweep", file, "--workers", "0", "--out", db], third);
    expect(third.out).toBe(io.out);
  });

  it("refuses bad flags and files with exit 2, one line each", async () => {
    const io = captureIo();
    expect(await main(["sweep", file, "--workers", "-1", "--out", db], io)).toBe(2);
    expect(await main(["sweep", file, "--export", "xlsx"], io)).toBe(2);
    expect(await main(["sweep", join(dir, "none.yaml")], io)).toBe(2);
    const lines = io.err.trimEnd().split("\n");
    expect(lines[0]).toBe("tphlab sweep: --workers: must be between 0 and 1024, found -1");
    expect(lines[1]).toBe("tphlab sweep: --export: expected one of csv, json, parquet, found 'xlsx'");
    expect(lines[2]).toMatch(/^tphlab sweep: .*none\.yaml: cannot read/);
    expect(lines).toHaveLength(3);
  });

  it("prints an axis whose values are lists or mappings (a varied timeline) as JSON, not exit 70", async () => {
    // Found by the CLI fuzz: String() of a null-prototype mapping threw "Cannot convert object to
    // primitive value" after every point had run.
    const sweep = `scenario: tiny.yaml
vary:
  timeline: [[], [{ at: 1us, action: revoke, by: flr }]]
revisions: [v11]
seeds: 1
metrics: [flows.write.goodputGbps]
`;
    const d = scratch({ "t.yaml": sweep });
    const io = captureIo();
    expect(await main(["sweep", join(d, "t.yaml"), "--workers", "0", "--out", join(d, "t.db")], io)).toBe(0);
    const lines = io.out.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\[\]\s+v11\s/);
    expect(lines[2]).toMatch(/^\[\{"at":"1us","action":"revoke","by":"flr"\}\]\s+v11\s/);
  });

  it("a binary sweep file, or a sweep naming a binary scenario, is not a text file (as tphlab run says)", async () => {
    const d = scratch({
      "bin.yaml": "\u0000\u0001binary",
      "s.yaml": "scenario: bin.yaml\nseeds: 1\nmetrics: [tlps.stale]\n",
    });
    const io = captureIo();
    expect(await main(["sweep", join(d, "bin.yaml"), "--workers", "0"], io)).toBe(2);
    expect(await main(["sweep", join(d, "s.yaml"), "--workers", "0"], io)).toBe(2);
    expect(io.err.trimEnd().split("\n")).toEqual([
      `tphlab sweep: ${join(d, "bin.yaml")}: not a text file`,
      `tphlab sweep: ${join(d, "s.yaml")}:1:11: scenario: ${join(d, "bin.yaml")}: not a text file`,
    ]);
  });
});
