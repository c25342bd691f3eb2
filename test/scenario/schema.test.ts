import { describe, expect, it } from "vitest";
import { BAD, integer, list, oneOf, quantity, type Reporter, union } from "../../src/scenario/schema.js";
import {
  defaultsOf,
  object,
  optional,
  required,
  tagged,
  withDefault,
} from "../../src/scenario/schema-object.js";
import { formatQuantity, parseQuantity } from "../../src/scenario/units.js";

function collect(): Reporter & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    report(path, code, message) {
      got.push(`${path.join(".")}|${code}|${message}`);
    },
  };
}

describe("units", () => {
  it("parses times to picoseconds, bandwidths to b/s, sizes to bytes", () => {
    expect(parseQuantity("time", "150ns")).toBe(150_000);
    expect(parseQuantity("time", "2.5 us")).toBe(2_500_000);
    expect(parseQuantity("time", "0.1us")).toBe(100_000);
    expect(parseQuantity("bandwidth", "100Gb/s")).toBe(100e9);
    expect(parseQuantity("bandwidth", "2GB/s")).toBe(16e9);
    expect(parseQuantity("size", "4KiB")).toBe(4096);
    expect(parseQuantity("size", 1500)).toBe(1500);
    expect(parseQuantity("size", "2MB")).toBe(2e6);
  });
  it("explains what is wrong", () => {
    expect(parseQuantity("time", 150)).toMatch(/needs a unit/);
    expect(parseQuantity("time", "150")).toMatch(/missing unit/);
    expect(parseQuantity("time", "150 parsecs")).toMatch(/unknown unit 'parsecs'/);
    expect(parseQuantity("bandwidth", "fast")).toMatch(/not a number/);
    expect(parseQuantity("size", true)).toMatch(/not a quantity/);
  });
  it("formats back in the largest unit", () => {
    expect(formatQuantity("time", 150_000)).toBe("150ns");
    expect(formatQuantity("time", 1_500_000)).toBe("1.5us");
    expect(formatQuantity("bandwidth", 100e9)).toBe("100Gb/s");
    expect(formatQuantity("size", 2 * 1024 * 1024)).toBe("2MiB");
    expect(formatQuantity("size", 1500)).toBe("1500B");
  });
});

describe("schema", () => {
  const s = object({
    name: required(oneOf(["a", "b"] as const), "name"),
    delay: withDefault(quantity("time", { min: 1 }), 150_000, "delay", "calibration.md"),
    n: optional(integer({ min: 0, max: 3 }), "n"),
    xs: withDefault(list(integer()), [], "xs"),
  });

  it("fills defaults and leaves optional fields undefined", () => {
    expect(s.parse({ name: "a" }, [], collect())).toEqual({
      name: "a",
      delay: 150_000,
      n: undefined,
      xs: [],
    });
  });
  it("reports every problem at once, with paths", () => {
    const r = collect();
    const v = s.parse({ nmae: "a", delay: "0ns", n: 7, xs: [1, "x", 2.5] }, ["top"], r);
    expect(v).toBe(BAD);
    expect(r.got).toEqual([
      "top.nmae|unknown-key|unknown key (did you mean 'name'?)",
      "top.name|required|missing required key (expected one of a, b)",
      "top.delay|range|expected a value in >= 1ps, found 0ps",
      "top.n|range|expected a value in 0..3, found 7",
      'top.xs.1|type|expected an integer, found "x"',
      "top.xs.2|type|expected an integer, found 2.5",
    ]);
  });
  it("says what was found for the wrong kind of value", () => {
    const r = collect();
    expect(s.parse([1, 2], [], r)).toBe(BAD);
    expect(r.got[0]).toMatch(/expected a mapping \(keys: name, delay, n, xs\), found a list of 2 items/);
  });
  it("unions pick the member that fits; tagged unions check the fields of their variant", () => {
    const u = union<"max" | number>([oneOf(["max"] as const), quantity("bandwidth")]);
    expect(u.parse("max", [], collect())).toBe("max");
    expect(u.parse("10Gb/s", [], collect())).toBe(10e9);
    const r = collect();
    expect(u.parse("fast", ["rate"], r)).toBe(BAD);
    expect(r.got).toEqual(['rate|type|expected one of max, or a bandwidth such as 100Gb/s, found "fast"']);
    const t = tagged(
      "action",
      { go: { at: required(quantity("time"), "at") }, stop: {} },
      { go: "", stop: "" },
    );
    expect(t.parse({ action: "go", at: "1us" }, [], collect())).toEqual({ action: "go", at: 1_000_000 });
    const r2 = collect();
    expect(t.parse({ action: "stop", at: "1us" }, ["e"], r2)).toBe(BAD);
    expect(r2.got).toEqual(["e.at|unknown-key|unknown key (no other keys allowed here)"]);
  });
  it("derives documentation rows with defaults and sources", () => {
    const rows = s.rows!("");
    expect(rows.find((x) => x.path === "delay")).toEqual({
      path: "delay",
      type: "time (ps, ns, us, µs, ms, s) >= 1ps",
      default: "150ns",
      source: "calibration.md",
      doc: "delay",
    });
    expect(rows.find((x) => x.path === "name")?.default).toBe("required");
  });
  it("defaultsOf refuses a schema with required fields", () => {
    expect(() => defaultsOf(s)).toThrow(/incomplete/);
    expect(defaultsOf(object({ a: withDefault(integer(), 3, "") }))).toEqual({ a: 3 });
  });
});
