/**
 * `tphlab calibrate`: the model vs measured table, its exit status, its JSON, and the README's copy
 * of the table (which must be the command's real output).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { calibrateCommand } from "../../src/cli/commands/calibrate.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function tphlab(argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io, [calibrateCommand]);
  return { code, out: io.out, err: io.err };
}

let text: Awaited<ReturnType<typeof tphlab>>;
beforeAll(async () => {
  text = await tphlab(["calibrate"]);
}, 120_000);

describe("tphlab calibrate", () => {
  it("prints model vs measured for every published point and exits 0 when all are within 10%", () => {
    expect(text.code).toBe(0);
    expect(text.err).toBe("");
    const rows = text.out.split("\n").filter((l) => /^(write|read)/.test(l));
    expect(rows).toHaveLength(15);
    for (const row of rows) {
      const error = Number(/ ([+-]\d+\.\d)% /.exec(row)?.[1]);
      expect(Math.abs(error), row).toBeLessThanOrEqual(10);
    }
    expect(text.out).toMatch(/every point within 10%/);
  });

  it("is the table in the README, character for character", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /```\n\$ tphlab calibrate\n([\s\S]*?)```/.exec(readme);
    expect(block, "README has a ```$ tphlab calibrate``` block").not.toBeNull();
    expect(block![1]).toBe(text.out);
  });

  it("--json gives every point with measured, model, error, link bound and default NIC", async () => {
    const r = await tphlab(["calibrate", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      ok: boolean;
      worst: number;
      limit: number;
      points: Record<string, unknown>[];
      notes: string[];
    };
    expect(j.ok).toBe(true);
    expect(j.limit).toBe(0.1);
    expect(j.points).toHaveLength(15);
    expect(Object.keys(j.points[0]!)).toEqual([
      "metric",
      "size",
      "cache",
      "unit",
      "measured",
      "model",
      "error",
      "linkBound",
      "defaultNic",
    ]);
    expect(j.notes.length).toBeGreaterThan(0);
  }, 120_000);

  it("rejects unknown flags with exit 2", async () => {
    const r = await tphlab(["calibrate", "--fast"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--fast/);
  });
});
