import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { canonicalJson } from "../../src/sweep/hash.js";
import { planSweep } from "../../src/sweep/plan.js";
import { plan, readFile, scratch } from "./fixtures.js";

const dir = scratch();

function issues(text: string): string[] {
  try {
    plan(dir, text);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path.replace(`${dir}/`, "")}: ${i.message}`);
    throw e;
  }
  throw new Error("expected the sweep file to be refused");
}

describe("sweep plan", () => {
  it("expands the grid (first axis slowest), zip groups in lockstep, revisions and seeds", () => {
    const p = plan(
      dir,
      `scenario: tiny.yaml
vary: { link.gen: [3, 4], flows.write.rate: [50Gb/s, 100Gb/s, 150Gb/s] }
zip: [{ flows.write.size: [1KiB, 4KiB], flows.write.length: [64KiB, 256KiB] }]
revisions: [v11, proposed]
seeds: 2
metrics: [flows.write.goodputGbps, bytesMisdirected]
`,
    );
    expect(p.points).toHaveLength(2 * 3 * 2 * 2 * 2);
    expect(p.points.map((x) => x.index)).toEqual(p.points.map((_, i) => i));
    const first = p.points[0]!;
    expect(first.values).toEqual({
      "link.gen": 3,
      "flows.write.rate": "50Gb/s",
      "flows.write.size": "1KiB",
      "flows.write.length": "64KiB",
    });
    expect([first.revision, first.seed, p.points[1]!.seed, p.points[2]!.revision]).toEqual([
      "v11",
      1,
      2,
      "proposed",
    ]);
    expect(p.points.at(-1)!.values).toMatchObject({
      "link.gen": 4,
      "flows.write.size": "4KiB",
      "flows.write.length": "256KiB",
    });
    // The value lands in the named flow of the scenario document.
    const doc = first.scenario as { flows: { name: string; size: unknown }[]; link: { gen: number } };
    expect(doc.flows[0]).toMatchObject({ name: "write", size: "1KiB", length: "64KiB" });
    expect(doc.link.gen).toBe(3);
    expect(new Set(p.points.map((x) => x.hash)).size).toBe(p.points.length);
  });

  it("collects every problem of a bad sweep file at once, each at file:line:col", () => {
    const found = issues(`scenario: tiny.yaml
vary:
  link.gen: [4, 9]
  flows.wirte.size: [4KiB]
  accelerator.partitionWays: [[8, 4, 4], fast]
revisions: [v11, v12]
seeds: 0
metrics: [flows.write.goodputGbps, flows.write.goodput, bytesMisdirected.x]
colour: blue
`);
    expect(found).toEqual([
      's.yaml:3:17: vary["link.gen"][1]: link.gen: expected a value in 1..6, found 9',
      expect.stringMatching(
        /^s\.yaml:4:3: vary\["flows\.wirte\.size"\]: not a path of the scenario: flows: no item named 'wirte' \(did you mean 'write'\?\)/,
      ),
      expect.stringMatching(
        /^s\.yaml:5:42: vary\["accelerator\.partitionWays"\]\[1\]: accelerator\.partitionWays: expected/,
      ),
      expect.stringMatching(/^s\.yaml:6:18: revisions\[1\]: .*v12/),
      "s.yaml:7:8: seeds: expected a count 1..1000 or a list of seeds, found 0",
      expect.stringMatching(
        /^s\.yaml:8:36: metrics\[1\]: not a metric of a run's result: flows\.write: no 'goodput' \(there: goodputGbps, /,
      ),
      "s.yaml:8:57: metrics[2]: not a metric of a run's result: bytesMisdirected is a number, not a mapping",
      "s.yaml:9:1: colour: unknown key (allowed: scenario, set, vary, zip, revisions, seeds, metrics)",
    ]);
  });

  it("refuses metric paths a run's result does not have, with a hint", () => {
    const found = issues(`scenario: tiny.yaml
metrics: [flows.write.goodputGbps, flows.write.goodput, bytesMisdirected.x, flows.write.latencyNs, tlps.stale]
`);
    expect(found).toEqual([
      expect.stringMatching(
        /^s\.yaml:2:36: metrics\[1\]: not a metric of a run's result: flows\.write: no 'goodput'/,
      ),
      "s.yaml:2:57: metrics[2]: not a metric of a run's result: bytesMisdirected is a number, not a mapping",
      expect.stringMatching(
        /^s\.yaml:2:77: metrics\[3\]: .*flows\.write\.latencyNs is not a number: pick one of p50, p99, max, mean/,
      ),
    ]);
  });

  it("checks every combination of the grid, naming the point", () => {
    // Each value alone is valid; a 2MiB buffer at 255MiB leaves the 256MiB BAR.
    const found = issues(`scenario: tiny.yaml
vary: { buffers.hbm.offset: [0, 255MiB], buffers.hbm.length: [1MiB, 2MiB] }
metrics: [bytesMisdirected]
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^s\.yaml:2:1: vary: the point buffers\.hbm\.offset="255MiB", buffers\.hbm\.length="2MiB": buffers\[0\]\.length/,
    );
  });

  it("reports the base scenario's own problems in its own file", () => {
    const d = scratch({ "bad.yaml": "name: bad\nduration: 1fortnight\nmrs: []\nflows: []\n" });
    try {
      plan(d, "scenario: bad.yaml\nmetrics: [bytesMisdirected]\n");
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).issues[0]!.path).toMatch(/bad\.yaml:2:11: duration$/);
    }
    expect(issues("scenario: nowhere.yaml\nmetrics: [bytesMisdirected]\n")[0]).toMatch(
      /^s\.yaml:1:11: scenario: .*nowhere\.yaml/,
    );
  });
});

describe("point hashes", () => {
  const base = `scenario: tiny.yaml
vary: { flows.write.size: [4KiB] }
revisions: [v11]
seeds: [7]
metrics: [bytesMisdirected]
`;
  const hashOf = (text: string, version?: string) => plan(dir, text, version).points[0]!.hash;

  it("are the same for the same inputs, however they are spelled", () => {
    const h = hashOf(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(base)).toBe(h);
    expect(hashOf(base.replace("[4KiB]", "[4096]"))).toBe(h);
    // What a run does not depend on: the metrics kept, how the sweep is laid out.
    expect(hashOf(base.replace("[bytesMisdirected]", "[tlps.stale]"))).toBe(h);
    expect(
      hashOf(base.replace("vary: { flows.write.size: [4KiB] }", "set: { flows.write.size: 4KiB }")),
    ).toBe(h);
  });

  it("change with each input: a scenario value, the revision, the seed, the version", () => {
    const h = hashOf(base);
    const others = [
      hashOf(base.replace("[4KiB]", "[8KiB]")),
      hashOf(base.replace("[v11]", "[proposed]")),
      hashOf(base.replace("[7]", "[8]")),
      hashOf(base, "0.0.1-test"),
      hashOf(`${base}set: { link.width: 8 }\n`),
    ];
    expect(new Set([h, ...others]).size).toBe(6);
  });

  it("hash canonical JSON: key order does not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: null, c: "x" }], u: undefined })).toBe(
      '{"a":[1,{"c":"x","d":null}],"b":1}',
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/no JSON form/);
  });
});

describe("shipped sweeps (examples/sweeps)", () => {
  const shipped = ["st-table", "working-set", "stale-tags"];
  it.each(shipped)("%s plans without a problem, small enough to run in seconds", (name) => {
    const file = `examples/sweeps/${name}.yaml`;
    const text = readFileSync(file, "utf8");
    const p = planSweep(text, file, { version: "0.0.0-test", readFile: (f) => readFileSync(f) });
    expect(p.points.length).toBeGreaterThan(10);
    expect(p.points.length).toBeLessThanOrEqual(40);
    expect(text.split("\n")[0]).toMatch(/^# /); // says what it shows
  });
});

describe("zip groups", () => {
  it("are judged step by step with their values together, problems at the value concerned", () => {
    const ok = plan(
      dir,
      `scenario: tiny.yaml
zip: [{ accelerator.partitionWays: [[8, 8, 8], [4, 4, 4, 4]], buffers.hbm.tph.partition: [1, 3] }]
metrics: [bytesMisdirected]
`,
    );
    expect(ok.points).toHaveLength(2 * 3); // the scenario's three revisions
    const found = issues(`scenario: tiny.yaml
zip: [{ accelerator.partitionWays: [[8, 8, 8], [4, 4, 4, 4]], buffers.hbm.tph.partition: [3, 1, 0] }]
metrics: [bytesMisdirected]
`);
    expect(found).toEqual([
      expect.stringMatching(/^s\.yaml:2:7: zip\[0\]: a zip group's lists must have equal lengths/),
    ]);
    const bad = issues(`scenario: tiny.yaml
zip: [{ accelerator.partitionWays: [[8, 8, 8], [4, 4, 4, 4]], buffers.hbm.tph.partition: [3, 1] }]
metrics: [bytesMisdirected]
`);
    expect(bad).toEqual([
      expect.stringMatching(
        /^s\.yaml:2:91: zip\[0\]\["buffers\.hbm\.tph\.partition"\]\[0\]: buffers\[0\]\.tph\.partition: partition 3 does not exist/,
      ),
    ]);
  });

  it("checks metrics against a platform scenario's own result (devices and links by name)", () => {
    const file = `${process.cwd()}/examples/ai-server-8x8.yaml`;
    const p = plan(
      dir,
      `scenario: ${file}
vary: { link.gen: [4, 5] }
revisions: [proposed]
metrics: [completers.acc5.partitions.p1.write.hits, links.sw3-acc7.up]
`,
    );
    expect(p.points).toHaveLength(2);
  });

  it("takes a shipped example's name as the base scenario, as 'tphlab run NAME' does", () => {
    const text =
      "scenario: two-nics-one-accelerator\nvary: { link.gen: [4, 5] }\nrevisions: [proposed]\nmetrics: [bytesMisdirected]\n";
    const file = `${dir}/by-name.yaml`;
    const examplesDir = `${process.cwd()}/examples`;
    const p = planSweep(text, file, { version: "t", readFile, examplesDir });
    expect(p.scenarioName).toBe("two-nics-one-accelerator");
    expect(() => planSweep(text, file, { version: "t", readFile })).toThrow(/by-name.yaml:1:11: .*ENOENT/);
  });
});
