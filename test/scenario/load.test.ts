/** Loading scenario files: every problem at once, with FILE:LINE:COL and path; nothing crashes. */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { loadScenario, parseScenario } from "../../src/scenario/load.js";
import { scenarioPlatform } from "../../src/scenario/platform.js";
import { assertProperty } from "../support/fc.js";
import { scenarioProblems } from "../support/problems.js";

const GOOD = `name: ok
duration: 50us
buffers:
  - name: hbm
    length: 2MiB
    tph: { st: 0x21, ph: 2 }
mrs:
  - { name: m, buffer: hbm }
flows:
  - { name: w, op: write, mr: m, size: 4KiB }
`;

const problems = (text: string) => scenarioProblems(text);

describe("parseScenario", () => {
  it("accepts a good file and fills defaults", () => {
    const s = parseScenario(GOOD, "f.yaml");
    expect(s.duration).toBe(50_000_000);
    expect(s.revisions).toEqual(["mainline", "v11", "proposed"]);
    expect(s.topology).toBeUndefined();
    expect(scenarioPlatform(s).source).toBe("switch"); // the shorthand's default
    expect(s.nic.stTable).toBe("table");
    expect(s.buffers[0]).toEqual({
      name: "hbm",
      offset: 0,
      length: 2097152,
      tph: { st: 0x21, stExt: undefined, ph: 2, partition: undefined, op: -1 },
    });
    expect(s.flows[0]).toMatchObject({
      rate: undefined,
      queueDepth: undefined,
      start: 0,
      size: 4096,
      arrival: "constant",
    });
    expect(s.switch.latencyNs).toBe(150);
    expect(s.host.cpus).toBe(16);
  });

  it("lists every schema problem with line:col, path, expected and found", () => {
    const bad = GOOD.replace("duration: 50us", "duration: 50\ncolour: red")
      .replace("length: 2MiB", "length: 2 MiBs")
      .replace("op: write", "op: wirte");
    expect(problems(bad)).toEqual([
      "f.yaml:2:11: duration: expected a time such as 150ns, in 1ps..10ms, found 50: a number needs a unit (ps, ns, us, µs, ms, s)",
      "f.yaml:3:1: colour: unknown key (allowed: name, description, seed, duration, revisions, topology, platform, link, switch, rootComplex, host, accelerator, nic, metrics, buffers, dmah, mrs, flows, timeline)",
      "f.yaml:6:13: buffers[0].length: expected a size such as 4KiB or 4096, in >= 4KiB, found \"2 MiBs\": unknown unit 'MiBs' (use B, KiB, MiB, GiB, KB, MB, GB)",
      "f.yaml:11:20: flows[0].op: expected one of write, read, send, found \"wirte\" (did you mean 'write'?)",
    ]);
  });

  it("checks references and ranges across fields", () => {
    const bad = GOOD.replace(
      "{ name: m, buffer: hbm }",
      "{ name: m, buffer: hmb }\n  - { name: m, host: 4KiB }",
    )
      .replace("mr: m,", "mr: nope,")
      .concat("timeline:\n  - { at: 1ms, action: reregister, mr: m }\n");
    expect(problems(bad)).toEqual([
      "f.yaml:8:24: mrs[0].buffer: no buffer named 'hmb' (known: hbm)",
      "f.yaml:9:13: mrs[1].name: duplicate name 'm' in mrs",
      "f.yaml:11:31: flows[0].mr: no MR named 'nope' (known: m)",
      "f.yaml:13:11: timeline[0].at: after the end of the run",
    ]);
  });

  it("checks device parameters against the link model, the fabric's tree and the partitions", () => {
    const bad = GOOD.replace(
      "duration: 50us",
      "duration: 50us\nlink: { width: 3, mps: 300 }\nhost: { ddioWays: 20 }",
    )
      .replace("tph: { st: 0x21, ph: 2 }", "tph: { st: 0x21, ph: 2, partition: 5 }")
      .replace("flows:", "accelerator: { stTable: [{ namespace: st8, st: 0x1234, partition: 0 }] }\nflows:");
    expect(problems(bad)).toEqual([
      "f.yaml:3:16: link.width: must be a link width of 1, 2, 4, 8, 12, 16, 32 lanes, found 3",
      "f.yaml:3:24: link.mps: must be a power of two from 128 to 4096 bytes, found 300",
      "f.yaml:3:24: link.mps: must be a power of two",
      "f.yaml:4:19: host.ddioWays: must not exceed llcWays",
      "f.yaml:8:40: buffers[0].tph.partition: partition 5 does not exist (accelerator.partitionWays has 3)",
      "f.yaml:11:48: accelerator.stTable[0].st: an st8 tag is 8 bits, found 4660",
    ]);
  });

  it("reports YAML syntax errors with line:col", () => {
    expect(problems("name: x\nflows: [\n  {a: 1\n")[0]).toMatch(/^f\.yaml:\d+:\d+: /);
    expect(problems("a: 1\na: 2\n")).toEqual(["f.yaml:2:1: Map keys must be unique"]);
    expect(problems("")).toEqual([
      "f.yaml:1:1: expected a mapping (keys: name, description, seed, duration, revisions, topology, platform, link, switch, rootComplex, host, accelerator, nic, metrics, buffers, dmah, mrs, flows, timeline), found nothing (an empty value)",
    ]);
  });

  it("refuses prototype keys, unknown tags, negative times and offsets, all at once with positions", () => {
    const text = `name: x
__proto__: 1
constructor: { a: 1 }
duration: !foo 5us
mrs: [{ name: m, host: 1MiB, toString: 2 }]
flows:
  - { name: w, op: write, mr: m, size: 4KiB, start: -1us, offset: -4096 }
timeline: [{ at: -2ns, action: unrevoke }]
`;
    expect(problems(text)).toEqual([
      expect.stringMatching(/^f\.yaml:2:1: __proto__: unknown key \(allowed: name, /),
      expect.stringMatching(/^f\.yaml:3:1: constructor: unknown key \(allowed: name, /),
      "f.yaml:4:16: duration: unsupported tag !foo (scenario files use plain YAML values)",
      expect.stringMatching(
        /^f\.yaml:5:30: mrs\[0\]\.toString: unknown key \(allowed: name, nic, buffer, host, dmah\)$/,
      ),
      "f.yaml:7:53: flows[0].start: expected a value in >= 0ps, found -1us",
      "f.yaml:7:67: flows[0].offset: expected a value in >= 0B, found -4096B",
      "f.yaml:8:18: timeline[0].at: expected a value in >= 0ps, found -2ns",
    ]);
  });

  it("refuses oversized files before parsing, and bounds alias expansion", () => {
    const big = `name: x\ndescription: "${"y".repeat(1024 * 1024)}"\n`;
    expect(problems(big)).toEqual(["f.yaml: file too large: 1048600 bytes, the limit is 1 MiB"]);
    const small = () => new TextEncoder().encode(big);
    expect(() => loadScenario("b.yaml", small)).toThrow("b.yaml: file too large");
    // A billion laughs in 300 bytes: refused after a bounded walk, not expanded.
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${"abcdefghij"[i]}: &${"abcdefghij"[i]} [${Array(10)
          .fill(`*${"abcdefghij"[i - 1]}`)
          .join(", ")}]`,
      );
    const t0 = Date.now();
    expect(problems(laughs.join("\n"))).toContainEqual(
      expect.stringMatching(/^f\.yaml:\d+:\d+: .*document too large or too deeply nested \(after aliases\)/),
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("names an unreadable file", () => {
    const fail = () =>
      loadScenario("/nonexistent.yaml", () => {
        throw Object.assign(new Error("x"), { code: "ENOENT" });
      });
    expect(fail).toThrow("/nonexistent.yaml: cannot read: ENOENT");
  });

  it("never crashes on random or mutated YAML: a Scenario or an InputError", () => {
    const lines = GOOD.split("\n");
    const mutated = fc
      .tuple(fc.nat(lines.length - 1), fc.string({ maxLength: 12 }), fc.nat(40))
      .map(([i, junk, at]) =>
        lines.map((l, j) => (j === i ? l.slice(0, at) + junk + l.slice(at) : l)).join("\n"),
      );
    const arb = fc.oneof(
      fc.string({ maxLength: 200 }),
      mutated,
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    assertProperty(
      fc.property(arb, (text) => {
        try {
          parseScenario(text, "f.yaml");
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          expect(e.issues.length).toBeGreaterThan(0);
          for (const i of e.issues) expect(i.path).toMatch(/^f\.yaml:\d+:\d+/);
        }
      }),
      { numRuns: 400 },
      [42],
    );
  });
});
