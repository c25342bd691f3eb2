/**
 * Traffic shapes in scenario files: burst, stop and trace keys, validated with FILE:LINE:COL (the
 * scenario) or FILE:LINE (the CSV trace); the example bursty-writes.yaml and its claim.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { flowBound } from "../../src/scenario/budget.js";
import { parameterReference } from "../../src/scenario/docs.js";
import { loadScenario, parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { MAX_TRACE_BYTES, parseTraceCsv } from "../../src/scenario/trace-file.js";
import { assertProperty } from "../support/fc.js";

const HEAD = `name: s
duration: 50us
revisions: [v11]
buffers: [{ name: hbm, length: 2MiB, tph: { st: 0x21, ph: 2, partition: 1 } }]
mrs: [{ name: m, buffer: hbm }]
flows:
`;

/** A reader over in-memory files (paths as the loader builds them). */
function files(map: Record<string, string>) {
  return (p: string) => {
    const text = map[p];
    if (text === undefined) throw new InputError({ code: "read", path: p, message: "cannot read: ENOENT" });
    return new TextEncoder().encode(text);
  };
}

function problems(flows: string, csv: Record<string, string> = {}): string[] {
  try {
    parseScenario(HEAD + flows, "dir/f.yaml", files(csv));
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("burst, start and stop in a scenario", () => {
  it("parse to integer picoseconds", () => {
    const s = parseScenario(
      `${HEAD}  - { name: w, op: write, mr: m, size: 4KiB, rate: 100Gb/s, burst: { on: 10us, off: 30us }, start: 2us, stop: 40us }\n`,
      "f.yaml",
    );
    expect(s.flows[0]).toMatchObject({
      burst: { on: 10_000_000, off: 30_000_000 },
      start: 2_000_000,
      stop: 40_000_000,
    });
  });

  it("a bad burst or stop is an error at its line:col", () => {
    expect(
      problems("  - { name: w, op: write, mr: m, size: 4KiB, burst: { on: 10, offf: 30us } }\n"),
    ).toEqual([
      "dir/f.yaml:7:53: flows[0].burst.off: missing required key (expected a time such as 150ns, in <= 10ms)",
      "dir/f.yaml:7:59: flows[0].burst.on: expected a time such as 150ns, in 1ps..10ms, found 10: a number needs a unit (ps, ns, us, µs, ms, s)",
      "dir/f.yaml:7:63: flows[0].burst.offf: unknown key (did you mean 'off'?)",
    ]);
    expect(problems("  - { name: w, op: write, mr: m, size: 4KiB, burst: { on: 0us, off: 1s } }\n")).toEqual([
      "dir/f.yaml:7:59: flows[0].burst.on: expected a value in 1ps..10ms, found 0ps",
      "dir/f.yaml:7:69: flows[0].burst.off: expected a value in 0ps..10ms, found 1s",
    ]);
    expect(problems("  - { name: w, op: write, mr: m, size: 4KiB, start: 5us, stop: 5us }\n")).toEqual([
      "dir/f.yaml:7:64: flows[0].stop: stop (5us) must be after start (5us)",
    ]);
    expect(problems("  - { name: w, op: write, mr: m, size: 4KiB, stop: 60us }\n")).toEqual([
      "dir/f.yaml:7:52: flows[0].stop: after the end of the run",
    ]);
  });

  it("the parameter reference lists the new keys", () => {
    const doc = parameterReference();
    for (const key of [
      "flows[].burst",
      "flows[].burst.on",
      "flows[].burst.off",
      "flows[].stop",
      "flows[].trace",
    ])
      expect(doc).toContain(`\n${key}  (`);
    expect(doc).toMatch(/flows\[\]\.trace .*\n.*one 'time,size' line per message/);
  });
});

describe("trace files", () => {
  const flow = "  - { name: t, op: write, mr: m, trace: t.csv }\n";

  it("are read relative to the scenario file, with an optional header, comments and units", () => {
    const csv = "# recorded\ntime,size\n0ns,64\n1.5us, 4KiB\n\n1.5us,1\n";
    const s = parseScenario(HEAD + flow, "dir/f.yaml", files({ "dir/t.csv": csv }));
    expect(s.flows[0]!.trace).toEqual({
      file: "t.csv",
      timesPs: [0, 1_500_000, 1_500_000],
      sizes: [64, 4096, 1],
    });
    const crlf = parseScenario(HEAD + flow, "dir/f.yaml", files({ "dir/t.csv": "0ns,64\r\n3ns,64\r\n" }));
    expect(crlf.flows[0]!.trace!.timesPs).toEqual([0, 3000]);
    // A unit in the header gives bare times that unit (a unit on a value still counts).
    const bare = parseTraceCsv("Time_ns, Size\n1500,4096\n2000.5,1\n3us,2\n", "x.csv");
    expect(bare).toEqual({ timesPs: [1_500_000, 2_000_500, 3_000_000], sizes: [4096, 1, 2], issues: [] });
    expect(
      parseTraceCsv("time_us,size\n1,1\n0.5,1\n", "x.csv").issues.map((i) => `${i.path}: ${i.message}`),
    ).toEqual(["x.csv:3: time 500ns is before the previous line's 1us"]);
  });

  it("a bad line is an error naming file:line and what is wrong", () => {
    const csv = "time,size\n0ns,64\n10,64\n5ns,64\n2ns,64\n6ns,0\n7ns,4096,1\n8ns,2GiB\n9ns,lots\n";
    expect(problems(flow, { "dir/t.csv": csv })).toEqual([
      'dir/t.csv:3: time: expected a time such as 1.5us, found "10": missing unit (ps, ns, us, µs, ms, s)',
      "dir/t.csv:5: time 2ns is before the previous line's 5ns",
      'dir/t.csv:6: size: expected a whole number of bytes in 1..1GiB, found "0"',
      "dir/t.csv:7: expected 2 fields 'time,size', found 3",
      'dir/t.csv:8: size: expected a whole number of bytes in 1..1GiB, found "2GiB"',
      'dir/t.csv:9: size: expected a size such as 4096 or 4KiB, found "lots": not a number with a unit',
    ]);
    expect(problems(flow, { "dir/t.csv": "when,bytes\n0ns,1\n" })).toEqual([
      "dir/t.csv:1: expected the header 'time,size' (or time_ns,size for bare times in ns) or a first line such as '0ns,4096', found \"when,bytes\"",
    ]);
    expect(problems(flow, { "dir/t.csv": "time,size\n# nothing\n" })).toEqual([
      "dir/t.csv: no messages: expected time,size lines",
    ]);
    const many = `${Array.from({ length: 30 }, () => "x,1").join("\n")}\n`;
    expect(problems(flow, { "dir/t.csv": `0ns,1\n${many}` }).at(-1)).toBe(
      "dir/t.csv: stopped after 10 bad lines",
    );
  });

  it("a missing file, or a trace with size/rate, is an error at the flow's line:col", () => {
    expect(problems(flow)).toEqual(["dir/f.yaml:7:41: flows[0].trace: dir/t.csv: cannot read: ENOENT"]);
    expect(
      problems("  - { name: t, op: write, mr: m, trace: t.csv, size: 64, rate: 1Gb/s, arrival: poisson }\n", {
        "dir/t.csv": "0ns,1\n",
      }),
    ).toEqual([
      "dir/f.yaml:7:54: flows[0].size: a trace gives the messages' times and sizes: remove 'size'",
      "dir/f.yaml:7:64: flows[0].rate: a trace gives the messages' times and sizes: remove 'rate'",
      "dir/f.yaml:7:80: flows[0].arrival: a trace gives the messages' times: remove 'arrival'",
    ]);
    expect(problems("  - { name: t, op: write, mr: m }\n")).toEqual([
      "dir/f.yaml:7:5: flows[0].size: missing required key (expected a message size, or a trace file giving sizes and times)",
    ]);
    // Without a file reader (text given directly), a trace cannot be resolved.
    expect(() => parseScenario(HEAD + flow, "f.yaml")).toThrow(/read relative to its scenario file/);
  });

  it("are read with the trace limit, refused above it, and budgeted by their actual messages", () => {
    const asked: (number | undefined)[] = [];
    const big = (p: string, max?: number) => {
      asked.push(max);
      return p.endsWith(".csv") ? new Uint8Array(MAX_TRACE_BYTES + 1) : new Uint8Array();
    };
    expect(() => parseScenario(HEAD + flow, "dir/f.yaml", big)).toThrow(
      "dir/f.yaml:7:41: flows[0].trace: dir/t.csv: file too large: 16777217 bytes, the limit is 16 MiB",
    );
    expect(asked).toEqual([MAX_TRACE_BYTES]);
    const csv = "0ns,4096\n1us,64KiB\n60us,1\n";
    const s = parseScenario(
      `${HEAD}  - { name: t, op: write, mr: m, trace: t.csv, start: 5us }\n`,
      "dir/f.yaml",
      files({ "dir/t.csv": csv }),
    );
    // The third line arrives after the run's end (5us + 60us > 50us).
    expect(flowBound(s, s.flows[0]!)).toEqual({ messages: 2, bytes: 4096 + 65536 });
  });

  it("the parser alone: CRLF, spaces around fields, units on sizes", () => {
    expect(parseTraceCsv(" 1us , 2KiB \r\n2us,3\r\n", "x.csv")).toEqual({
      timesPs: [1_000_000, 2_000_000],
      sizes: [2048, 3],
      issues: [],
    });
  });

  it("the plain-line fast path reads what the general quantity parser reads", () => {
    const line = fc.record({
      whole: fc.integer({ min: 0, max: 99_999 }),
      frac: fc.option(fc.integer({ min: 0, max: 999 })),
      unit: fc.constantFrom("ps", "ns", "us", "ms", "s", ""),
      size: fc.integer({ min: 0, max: 2 ** 31 }),
    });
    const header = fc.constantFrom("", "time,size\n", "time_ns,size\n", "time_us,size\n");
    assertProperty(
      fc.property(header, fc.array(line, { minLength: 1, maxLength: 20 }), (head, ls) => {
        const text = (sep: string) =>
          head +
          ls
            .map((l) => `${l.whole}${l.frac === null ? "" : `.${l.frac}`}${l.unit}${sep}${l.size}`)
            .join("\n");
        // A space after the comma takes every line through the general parser.
        const fast = parseTraceCsv(text(","), "x.csv");
        const general = parseTraceCsv(text(" , "), "x.csv");
        expect(fast.timesPs).toEqual(general.timesPs);
        expect(fast.sizes).toEqual(general.sizes);
        expect(fast.issues.map((i) => i.message)).toEqual(general.issues.map((i) => i.message));
      }),
      { numRuns: 200 },
    );
  });

  it("a run replays the trace: offered messages and bytes are the trace's before the stop", () => {
    const csv = "0ns,4096\n1us,1000\n2us,64KiB\n30us,512\n";
    const s = parseScenario(
      `${HEAD}  - { name: t, op: write, mr: m, trace: t.csv, start: 5us, stop: 35us }\n`,
      "dir/f.yaml",
      files({ "dir/t.csv": csv }),
    );
    const f = runScenario(s).report.results.v11!.flows.t!;
    expect(f.messagesOffered).toBe(3); // 30us + 5us start = 35us: at the stop, so not sent
    expect(f.bytes.offered).toBe(4096 + 1000 + 65536);
    expect(f.messages).toBe(3);
  });
});

describe("examples/bursty-writes.yaml", () => {
  it("loads through the CLI's reader (trace relative to the example) and shows what its comment says", () => {
    const path = new URL("../../examples/bursty-writes.yaml", import.meta.url).pathname;
    const s = loadScenario(path, (p) => readFileSync(p));
    expect(s.flows.map((f) => f.name)).toEqual(["steady", "bursty", "incast"]);
    expect(s.flows[2]!.trace!.sizes).toHaveLength(160);
    const out = runScenario(s, { revisions: ["mainline", "v11"] }).report.results;
    const v11 = out.v11!;
    const backlog = (n: string) => v11.consumers[n]!.maxBacklog;
    expect(backlog("steady")).toBe(1);
    expect(backlog("bursty")).toBeGreaterThan(1);
    expect(backlog("incast")).toBeGreaterThan(1);
    const steady = v11.flows.steady!.latencyNs;
    expect(steady.p99!).toBeGreaterThan(5 * steady.p50!);
    // The bursty flow offers its rate only while on: 10 us of every 30 us from 20 us to 150 us.
    expect(v11.flows.bursty!.bytes.offered).toBeLessThan((300e9 * 50e-6) / 8 + 65536);
    expect(out.mainline!.completers.acc0!.partitions.p1!.read.hits).toBe(0);
    for (const r of [out.mainline!, v11])
      expect(r.bytes.offered).toBe(r.bytes.delivered + r.bytes.lost + r.bytes.inFlight);
  });
});
