/** Flow descriptions: validation paths, samplers, and what a bad mkey or area does at run time. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import { choiceSize, constantSize, uniformSize, validateFlowSpec } from "../../../src/hw/fabric/index.js";
import { Rng } from "../../../src/sim/random.js";
import { rig } from "./helpers.js";

describe("flow specs", () => {
  it("collects every problem with its path", () => {
    const issues = validateFlowSpec(
      {
        name: "",
        op: "copy" as never,
        mkey: -1,
        size: 0,
        rateGbps: 10,
        queueDepth: 4,
        consumer: { engines: 0 },
      },
      "flows[2]",
    );
    expect(issues.map((i) => i.path)).toEqual([
      "flows[2].name",
      "flows[2].op",
      "flows[2].mkey",
      "flows[2].size",
      "flows[2].queueDepth",
      "flows[2].consumer.engines",
    ]);
  });

  it("duplicate names and late flows are InputErrors", () => {
    const f = { name: "a", op: "write" as const, mkey: 0x142, size: 64 };
    expect(() => rig({ flows: () => [f, f] })).toThrow(InputError);
    const { fabric } = rig({ flows: () => [f] });
    fabric.run(1000);
    expect(() => fabric.addFlow({ ...f, name: "b" })).toThrow(/before the first run/);
  });

  it("samplers draw within their range, deterministically", () => {
    const rng = new Rng(5);
    expect(constantSize(100).sample(rng)).toBe(100);
    const u = uniformSize(10, 20);
    const draws = Array.from({ length: 200 }, () => u.sample(rng));
    expect(Math.min(...draws)).toBe(10);
    expect(Math.max(...draws)).toBe(20);
    const c = choiceSize([64, 4096], [3, 1]);
    expect(c.mean).toBe(64 * 0.75 + 4096 * 0.25);
    const a = Array.from({ length: 50 }, () => c.sample(new Rng(9)));
    expect(new Set(a).size).toBe(1);
  });

  it("a missing mkey, denied access, or an area beyond the MR fault: bytes lost, flow reports why", () => {
    const cases: [string, (key: number) => object][] = [
      ["no such mkey", (key) => ({ mkey: key + 0x100 })],
      ["flow area outside the MR", () => ({ offset: 128 << 20 })],
    ];
    for (const [why, patch] of cases) {
      const { fabric } = rig({
        flows: (key) => [{ name: "w", op: "write", mkey: key, size: 4096, messages: 4, ...patch(key) }],
      });
      const f = fabric.run(20_000).flows.w!;
      expect(f.fault).toBe(why);
      expect(f.bytes.lost).toBe(4 * 4096);
      expect(f.failedMessages).toBe(4);
      expect(f.conserved).toBe(true);
    }
  });

  it("a SEND longer than its receive buffer is lost", () => {
    const { fabric } = rig({
      target: "host",
      shape: "host",
      flows: (key) => [
        {
          name: "s",
          op: "send",
          mkey: key,
          size: choiceSize([1000, 3000]),
          slotBytes: 2048,
          messages: 40,
          queueDepth: 8,
        },
      ],
    });
    const f = fabric.run(30_000).flows.s!;
    expect(f.messages + f.failedMessages).toBe(40);
    expect(f.failedMessages).toBeGreaterThan(0);
    expect(f.bytes.lost).toBe(f.failedMessages * 3000);
  });
});
