/**
 * The load-time budget counts every device's model state (src/scenario/budget-devices.ts): on a
 * platform with many accelerators, each one's own cache; a refusal names the parameter, and the
 * device when the value is the device's own.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { cacheBytes, deviceStateTerms } from "../../src/scenario/budget-devices.js";
import { parseScenario } from "../../src/scenario/load.js";

const AI = readFileSync(new URL("../../examples/ai-server-8x8.yaml", import.meta.url), "utf8");
/** ai-server-8x8 with every accelerator's cache at `sets` sets. */
const aiServer = (sets: number) =>
  AI.replace(/^duration: 40us$/m, `duration: 40us\naccelerator: { cacheSets: ${sets} }`);

function problems(text: string): string[] {
  try {
    parseScenario(text, "f.yaml");
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

// 4 B x sets x (4 + 3 partitions + 2 x 16 ways): 156 B per set with the default partitions.
const PER_SET = 4 * (4 + 3 + 32);

describe("the budget counts every accelerator's cache", () => {
  it("cacheBytes is the layout of src/hw/fabric/cache.ts: 156 B per set with 16 ways in 3 partitions", () => {
    expect(cacheBytes(1, 16, 3)).toBe(PER_SET);
  });

  it("ai-server-8x8: 8 caches of 1,000,000 sets (149 MiB each, 1.2 GiB) are refused, naming accelerator.cacheSets", () => {
    // One such cache fits (a single-accelerator scenario with it loads, below); eight do not.
    expect(8 * PER_SET * 1_000_000).toBeGreaterThan(1024 ** 3);
    const p = problems(aiServer(1_000_000));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      /^f\.yaml:12:27: accelerator\.cacheSets: model state would need up to 1\.2 GiB \(limit 1\.0 GiB\); the largest part is the caches of 8 accelerators \(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7; 149\.\d MiB each\)/,
    );
  });

  it("ai-server-8x8: 8 caches of 800,000 sets (0.93 GiB in all) are accepted", () => {
    expect(problems(aiServer(800_000))).toEqual([]);
  });

  it("one accelerator with the same 1,000,000-set cache is accepted (the refusal above is the count of devices)", () => {
    const one = `name: one
duration: 10us
accelerator: { cacheSets: 1000000 }
buffers: [{ name: hbm, length: 1MiB }]
mrs: [{ name: acc, buffer: hbm }]
flows:
  - { name: w, op: write, mr: acc, size: 4KiB, messages: 4 }
`;
    expect(problems(one)).toEqual([]);
  });

  const custom = (acc1: string) => `name: two
duration: 10us
platform:
  switches: [{ name: sw0, upstream: rc }]
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: acc0, kind: accelerator, at: sw0 }
    - { name: acc1, kind: accelerator, at: sw0${acc1} }
buffers: [{ name: hbm, device: acc0, length: 1MiB }]
mrs: [{ name: acc, buffer: hbm }]
flows:
  - { name: w, op: write, mr: acc, size: 4KiB, messages: 4 }
`;

  it("a device's own cacheSets is counted for that device and named in the refusal", () => {
    expect(problems(custom(", cacheSets: 4000000"))).toEqual([]);
    const p = problems(custom(", cacheSets: 8000000"));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      /^f\.yaml:8:60: platform\.devices\[2\]\.cacheSets: model state would need up to 1\.2 GiB \(limit 1\.0 GiB\); the largest part is acc1's cache: 1\.2 GiB$/,
    );
  });

  it("per-device terms: each accelerator and NIC counted, own values apart from the section's", () => {
    const s = parseScenario(custom(", cacheSets: 65536"), "f.yaml");
    const terms = deviceStateTerms(s);
    const acc1 = terms.find((t) => t.what === "acc1's cache")!;
    const acc0 = terms.find((t) => t.what === "acc0's cache")!;
    expect(acc1.path).toEqual(["platform", "devices", 2, "cacheSets"]);
    expect(acc0.path).toEqual(["accelerator", "cacheSets"]);
    expect(acc1.bytes - acc0.bytes).toBe(PER_SET * (65536 - 16384));
    expect(terms.some((t) => t.what === "nic0's ST table")).toBe(true);
  });
});
