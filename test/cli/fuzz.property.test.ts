/**
 * Every entry point of the CLI under hostile input: random argv built from each command's own
 * option specs (so a new option is fuzzed the day it is added), with values that are empty,
 * negative, NaN, Infinity, huge, hex, unicode, option-like, or paths to a directory, a binary
 * file, a missing file; and input files mutated from valid ones (scenarios, sweep files, trace
 * CSVs, lspci hex dumps, TLP hex). Every case ends with exit 0, 1 or 2, never 70; exit 2 prints
 * at least one line, each `tphlab COMMAND: ...`, no stack trace, no engine wording.
 *
 * Skipped on purpose: `worker` with a reachable broker (it would wait for jobs) and `sweep`
 * points that run (a mutated sweep names a missing scenario, so it stops at loading).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import type { OptionSpec } from "../../src/cli/spec.js";
import { assertAsyncProperty } from "../support/fc.js";

const CI = Boolean(process.env.CI);
const RUNS = Number(process.env.CLI_FUZZ_RUNS) || (CI ? 40 : 150);

const scratch = mkdtempSync(join(tmpdir(), "tphlab-fuzz-"));
const BINARY = join(scratch, "binary.dat");
writeFileSync(BINARY, Uint8Array.from([0, 1, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0, 0, 0xc3]));

const LSPCI = readFileSync(
  new URL("../../../shared/fixtures/pciutils/cap-MSI-mapping", import.meta.url),
  "utf8",
);
const SCENARIO = `name: t
duration: 3us
revisions: [v11]
mrs: [{ name: m, host: 1MiB }]
flows:
  - { name: f, op: write, mr: m, size: 4KiB, rate: 10Gb/s }
  - { name: g, op: write, mr: m, trace: t.csv }
`;
const TRACE = "time,size\n0ns,64\n100ns,4KiB\n250ns,1500\n";
const SWEEP = "scenario: missing.yaml\nvary:\n  flows.f.rate: [1Gb/s, 2Gb/s]\nrevisions: [v11]\nseeds: 2\n";

/** Values a user (or a script gone wrong) might pass to any option or as an argument. */
const HOSTILE = [
  "",
  " ",
  "-1",
  "0",
  "1",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "1e-400",
  "9007199254740993",
  "0x",
  "0xffffffffffff",
  "--",
  "-",
  "--json",
  "-h",
  "☃",
  "é\u0301",
  "\u0000",
  "a".repeat(5000),
  "5us..1us",
  "1us..",
  "v11+",
  "mainline,rfc,v11,proposed",
  "redis://",
  "nonexistent.yaml",
  scratch,
  BINARY,
  "s.yaml",
  "t.csv",
  "dump.txt",
  "sweep.yaml",
];

/** One random edit of a text: delete, duplicate, or insert a hostile token at a random place. */
const mutation = fc.record({
  at: fc.nat(),
  len: fc.integer({ min: 0, max: 40 }),
  kind: fc.constantFrom("delete", "insert", "duplicate", "replace-digit"),
  token: fc.constantFrom(
    "[",
    "{",
    "]",
    ":",
    "-",
    "\n",
    "\t",
    ",",
    "NaN",
    "-1",
    "1e400",
    "\u00ff",
    "ffff",
    "*a",
    "&a ",
  ),
});

function mutate(text: string, edits: readonly (typeof mutation extends fc.Arbitrary<infer T> ? T : never)[]) {
  let t = text;
  for (const e of edits) {
    const i = e.at % (t.length + 1);
    if (e.kind === "delete") t = t.slice(0, i) + t.slice(i + e.len);
    else if (e.kind === "insert") t = t.slice(0, i) + e.token + t.slice(i);
    else if (e.kind === "duplicate") t = t.slice(0, i) + t.slice(i, i + e.len).repeat(3) + t.slice(i);
    else t = t.slice(0, i) + t.slice(i).replace(/\d/, String((e.len * 7) % 10));
  }
  return t;
}

const files = fc
  .record({
    scenario: fc.array(mutation, { maxLength: 3 }),
    trace: fc.array(mutation, { maxLength: 3 }),
    sweep: fc.array(mutation, { maxLength: 3 }),
    dump: fc.array(mutation, { maxLength: 4 }),
  })
  .map((m) => ({
    "s.yaml": mutate(SCENARIO, m.scenario),
    "t.csv": mutate(TRACE, m.trace),
    "sweep.yaml": mutate(SWEEP, m.sweep),
    "dump.txt": mutate(LSPCI, m.dump),
  }));

/** `tphlab worker` with a broker it could reach would wait for jobs: keep its URLs unreachable. */
const SAFE = COMMANDS.filter((c) => c.name !== "worker");

function optionArb(o: OptionSpec): fc.Arbitrary<string[]> {
  const name = fc.constantFrom(`--${o.name}`, ...(o.short ? [`-${o.short}`] : []));
  if (!o.value) return name.map((n) => [n]);
  const plausible = Array.isArray(o.complete) ? o.complete : [];
  const value = fc.oneof(
    fc.constantFrom(...HOSTILE),
    ...(plausible.length ? [fc.constantFrom(...plausible)] : []),
    fc.integer({ min: -5, max: 5000 }).map(String),
    fc.string({ maxLength: 8 }),
  );
  return fc
    .tuple(name, value, fc.boolean())
    .map(([n, v, eq]) => (eq && n.startsWith("--") ? [`${n}=${v}`] : [n, v]));
}

function commandArgv(cmd: Command): fc.Arbitrary<string[]> {
  if (cmd.subcommands)
    return fc.oneof(...cmd.subcommands.map((s) => commandArgv(s).map((a) => [s.name, ...a])));
  const opts = cmd.options.length
    ? fc.array(fc.constantFrom(...cmd.options).chain(optionArb), { maxLength: 4 })
    : fc.constant([]);
  const positional = fc.array(
    fc.constantFrom(
      ...HOSTILE,
      ...(Array.isArray(cmd.args?.complete) ? (cmd.args.complete as readonly string[]) : []),
    ),
    {
      maxLength: 2,
    },
  );
  return fc
    .tuple(opts, positional, fc.boolean())
    .map(([o, p, json]) => [...o.flat(), ...p, ...(json ? ["--json"] : [])]);
}

const argvArb = fc.oneof(...SAFE.map((c) => commandArgv(c).map((a) => [c.name, ...a])));

/** A sweep that would run points, or a run long enough to matter, is out of scope here. */
function tooSlow(argv: readonly string[]): boolean {
  if (argv[0] === "sweep") return argv.some((a) => a.includes("examples") || /^(--workers=?)?[1-9]/.test(a));
  return argv[0] === "calibrate" || argv[0] === "tour" || argv[0] === "review";
}

function judge(argv: readonly string[], code: number, err: string): void {
  const what = `${JSON.stringify(argv)} -> ${code}\n${err.slice(0, 2000)}`;
  expect([0, 1, 2], what).toContain(code);
  expect(err, what).not.toMatch(
    /\n\s+at |Maximum call stack|TypeError|RangeError|undefined|\[object Object\]/,
  );
  if (code !== 2) return;
  const lines = err.trimEnd().split("\n");
  expect(lines.length, what).toBeGreaterThan(0);
  // The command that refused names itself (subcommands: "tphlab tlp decode: ...").
  for (const l of lines) expect(l, what).toMatch(/^tphlab( [a-z-]+)*: \S/);
}

describe("CLI fuzz", () => {
  it("random argv from every command's options, with hostile values and mutated files: exit 0/1/2, one-line errors", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(argvArb, files, async (argv, fileMap) => {
        fc.pre(!tooSlow(argv));
        const io = captureIo(fileMap, "");
        const code = await main(argv, io);
        judge(argv, code, io.err);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("mutated scenario, trace, sweep and lspci files: loaded, or refused at a position", async () => {
    const ok = new Map<string, number>();
    await assertAsyncProperty(
      fc.asyncProperty(files, fc.constantFrom("run", "sweep", "lspci"), async (fileMap, cmd) => {
        const argv =
          cmd === "run"
            ? ["run", "s.yaml"]
            : cmd === "sweep"
              ? ["sweep", "sweep.yaml", "--workers", "0"]
              : ["lspci", "-F", "dump.txt", "-vv"];
        const io = captureIo(fileMap);
        const code = await main(argv, io);
        judge(argv, code, io.err);
        if (code === 0) ok.set(cmd, (ok.get(cmd) ?? 0) + 1);
        if (code === 2 && cmd !== "lspci")
          for (const l of io.err.trimEnd().split("\n"))
            expect(l, `${argv.join(" ")}\n${io.err}`).toMatch(
              /^tphlab \w+: (s\.yaml|t\.csv|sweep\.yaml|missing\.yaml)[:\s]/,
            );
      }),
      { numRuns: RUNS },
    );
    // The mutations must leave some files valid, or the runner and the decoder are never reached.
    expect(ok.get("run") ?? 0).toBeGreaterThan(0);
    expect(ok.get("lspci") ?? 0).toBeGreaterThan(0);
  }, 600_000);

  it("sweep files over a real scenario with random axes and values: exit 0 or 2, one-line errors", async () => {
    const base = `name: b
duration: 2us
revisions: [v11]
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, ph: 2, partition: 1 } }]
mrs: [{ name: m, buffer: hbm }]
flows:
  - { name: f, op: write, mr: m, size: 4KiB, rate: 50Gb/s }
`;
    writeFileSync(join(scratch, "base.yaml"), base);
    /** Per path, values that should load (most of the time) beside the hostile ones. */
    const PLAUSIBLE: Record<string, string[]> = {
      "flows.f.rate": ["1Gb/s", "400Gb/s"],
      "flows.f.size": ["64", "1MiB", "{ dist: uniform, min: 1, max: 9000 }"],
      "flows.f": ["{ name: f, op: read, mr: m, size: 64, queueDepth: 2 }"],
      "flows.f.burst": ["{ on: 1us, off: 1us }"],
      timeline: [
        "[]",
        "[{ at: 1us, action: revoke, by: flr }]",
        "[{ at: 1us, action: set-tph, buffer: hbm, st: 0x30 }]",
      ],
      "nic.tableSize": ["2", "64"],
      duration: ["1ps", "1us", "3us"],
      seed: ["0", "4294967295"],
      "link.gen": ["1", "5"],
      "buffers.hbm.tph.partition": ["0", "2"],
      "nope.path": ["1"],
      "flows.g.rate": ["1Gb/s"],
    };
    const HOSTILE_VALUES = ["0", "-1", "NaN", ".inf", "null", "true", "[]", "{}", "'x'"];
    const axis = fc
      .constantFrom(...Object.keys(PLAUSIBLE))
      .chain((p) =>
        fc.tuple(
          fc.constant(p),
          fc.array(
            fc.oneof(
              { weight: 5, arbitrary: fc.constantFrom(...PLAUSIBLE[p]!) },
              { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
            ),
            { minLength: 1, maxLength: 2 },
          ),
        ),
      );
    const metric = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("flows.f.goodputGbps", "tlps.stale", "bytes.offered") },
      { weight: 1, arbitrary: fc.constantFrom("links", "flows.x.messages") },
    );
    let ran = 0;
    await assertAsyncProperty(
      fc.asyncProperty(
        fc.uniqueArray(axis, { minLength: 1, maxLength: 2, selector: ([p]) => p }),
        fc.uniqueArray(metric, { minLength: 1, maxLength: 2 }),
        fc.nat(),
        async (axes, metrics, n) => {
          const vary = axes.map(([p, vs]) => `  ${p}: [${vs.join(", ")}]`).join("\n");
          const text = `scenario: base.yaml\nvary:\n${vary}\nseeds: 1\nmetrics: [${metrics.join(", ")}]\n`;
          const file = join(scratch, `sw${n}.yaml`);
          writeFileSync(file, text);
          const argv = ["sweep", file, "--workers", "0", "--out", join(scratch, `sw${n}.db`)];
          const io = captureIo();
          const code = await main(argv, io);
          judge(argv, code, io.err);
          if (code === 0) ran++;
          else expect(code, `${text}\n${io.err}`).toBe(2);
        },
      ),
      { numRuns: CI ? 25 : 60 },
    );
    expect(ran).toBeGreaterThan(0);
  }, 600_000);

  it("tlp decode of random bytes (headers biased to the kinds tphlab knows, TPH prefixes): exit 0, 1 or 2", async () => {
    const first = fc.constantFrom(0x00, 0x20, 0x40, 0x60, 0x0a, 0x4a, 0x91, 0x90, 0xff, 0x01);
    await assertAsyncProperty(
      fc.asyncProperty(
        first,
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.boolean(),
        async (b0, rest, json) => {
          const hex = [b0, ...rest].map((b) => b.toString(16).padStart(2, "0")).join(" ");
          const argv = ["tlp", "decode", hex, ...(json ? ["--json"] : [])];
          const io = captureIo();
          judge(argv, await main(argv, io), io.err);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
