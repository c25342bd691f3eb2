/**
 * A sweep point runs as `tphlab run` would: the same result with or without the worker's arena
 * (arrays reused from point to point, of another geometry in between), and a platform scenario
 * takes the platform path.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { parseYaml } from "../../src/scenario/yaml.js";
import { Int32Arena } from "../../src/sim/arena.js";
import { runPoint } from "../../src/sweep/run-point.js";
import type { SweepPoint } from "../../src/sweep/types.js";
import { TINY } from "./fixtures.js";

function point(doc: unknown, revision: string, seed: number): SweepPoint {
  return { hash: "h", index: 0, values: {}, scenario: doc, revision, seed, version: "t", metrics: [] };
}

describe("runPoint", () => {
  it("gives the same result with a reused arena as with fresh arrays", () => {
    const tiny = parseYaml(TINY, "tiny.yaml").source.value;
    const other = { ...(tiny as object), accelerator: { cacheSets: 512, partitionWays: [4, 4, 8] } };
    const arena = new Int32Arena();
    for (const [doc, rev, seed] of [
      [tiny, "v11", 1],
      [other, "proposed", 2],
      [tiny, "v11", 3],
      [tiny, "v11", 3],
    ] as const) {
      const fresh = runPoint(point(doc, rev, seed));
      const reused = runPoint(point(doc, rev, seed), arena);
      expect(fresh.error).toBeUndefined();
      expect(reused.result).toEqual(fresh.result);
    }
    expect(arena.heldBytes).toBeGreaterThan(0);
  });

  it("runs a platform scenario as `run` does (the platform path)", () => {
    const file = "examples/two-nics-one-accelerator.yaml";
    const doc = parseYaml(readFileSync(file, "utf8"), file).source.value;
    const s = loadScenario(file, (p) => readFileSync(p));
    const r = runPoint(point(doc, "proposed", s.seed));
    expect(r.error).toBeUndefined();
    const run = runScenario(s, { revisions: ["proposed"] }).report.results.proposed;
    expect(r.result).toEqual(run);
  });
});
