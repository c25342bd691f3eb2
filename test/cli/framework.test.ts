/**
 * The CLI as one tool: one option parser (./src/cli/spec.ts) behind every command, so the same
 * option means the same everywhere, unknown options are refused, every error is one line in
 * tphlab's words with exit 2, `--json` works on every command and subcommand, and completion
 * offers what the parser accepts.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { bashCompletion } from "../../src/cli/completion.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseOptions } from "../../src/cli/spec.js";

async function tphlab(argv: readonly string[], stdin = "") {
  const io = captureIo({}, stdin);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const FIXTURE = "../shared/fixtures/pciutils/bridge-ctl-vga16";
/** Every command and subcommand, with arguments that make it cheap. */
const CHEAP: readonly (readonly string[])[] = [
  ["demo"],
  ["run", "demo", "--revision", "v11"],
  ["run", "--params"],
  ["review", "--check", "st-index-no-leak", "--revision", "v11"],
  ["review", "--trace", "st-index-no-leak", "--revision", "v11"],
  ["abi", "--revision", "v11"],
  ["lspci", "-F", FIXTURE, "-vv"],
  ["tlp", "decode", "00 00 00 01 03 00 07 0f 00 00 10 00"],
  ["tlp", "encode", "--kind", "MRd", "--addr", "0x1000", "--len-dw", "1"],
  ["bw", "--gen", "4", "--width", "8", "--mps", "256", "--mrrs", "512", "--size", "64,4096"],
  ["tour"],
  ["version"],
  ["completion", "bash"],
];

describe("the option parser", () => {
  const opts = [
    { name: "file", short: "F", value: "FILE", help: "" },
    { name: "verbose", short: "v", repeat: true, help: "" },
    { name: "seed", value: "N", help: "" },
  ];
  it("takes --name value, --name=value, -Xvalue, bundled flags, and -- to end options", () => {
    const f = parseOptions(["--seed", "-1", "-vvF", "x", "--", "--seed"], opts, "t");
    expect(f.string("seed")).toBe("-1"); // a value is a value, whatever it looks like
    expect(f.count("verbose")).toBe(2);
    expect(f.positionals).toEqual(["--seed"]);
    expect(() => parseOptions(["-F", "a", "--file", "b"], opts, "t")).toThrow(/-F|--file/);
    expect(parseOptions(["-Fz"], opts, "t").string("file")).toBe("z");
    expect(parseOptions(["--file=a=b"], opts, "t").string("file")).toBe("a=b");
    expect(parseOptions(["-"], opts, "t").positionals).toEqual(["-"]);
  });
  it("refuses in its own words: unknown option, missing value, value on a flag, given twice", () => {
    const msg = (argv: string[]) => {
      try {
        parseOptions(argv, opts, "t");
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(msg(["--bogus"])).toBe("unknown option '--bogus' (see 'tphlab t --help')");
    expect(msg(["-x"])).toBe("unknown option '-x' (see 'tphlab t --help')");
    expect(msg(["-F"])).toBe("-F: expects a value (FILE)");
    expect(msg(["--verbose=3"])).toBe("--verbose: takes no value");
    expect(msg(["--seed", "1", "--seed", "2"])).toBe("--seed: given more than once");
  });
});

describe("every command", () => {
  const paths = COMMANDS.flatMap((c) => [[c.name], ...(c.subcommands ?? []).map((s) => [c.name, s.name])]);

  it("prints its help with --help and refuses an unknown option with one line, exit 2", async () => {
    for (const p of paths) {
      const help = await tphlab([...p, "--help"]);
      expect(help.code, p.join(" ")).toBe(0);
      expect(help.out, p.join(" ")).toMatch(new RegExp(`^usage: tphlab ${p.join(" ")}`));
      expect(help.out, p.join(" ")).toMatch(/--json/);
      const bogus = await tphlab([...p, ...(p[0] === "tlp" && p.length === 1 ? ["decode"] : []), "--bogus"]);
      expect(bogus, p.join(" ")).toMatchObject({ code: 2, out: "" });
      expect(bogus.err, p.join(" ")).toMatch(
        /^tphlab \w+: unknown option '--bogus' \(see 'tphlab [\w ]+ --help'\)\n$/,
      );
    }
  });

  it("prints JSON with --json, subcommands and modes included", { timeout: 120_000 }, async () => {
    for (const argv of CHEAP) {
      const r = await tphlab([...argv, "--json"]);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(() => JSON.parse(r.out), argv.join(" ")).not.toThrow();
    }
  });

  it("takes --revision as a comma list that may repeat, on run, review and abi alike", {
    timeout: 60_000,
  }, async () => {
    const json = async (argv: string[]) => JSON.parse((await tphlab([...argv, "--json"])).out);
    const abi = await json(["abi", "--revision", "proposed,rfc", "--revision", "v11"]);
    const review = await json([
      "review",
      "--check",
      "st-index-no-leak",
      "--revision",
      "proposed,rfc",
      "--revision",
      "v11",
    ]);
    const run = await json(["run", "demo", "--revision", "proposed,rfc", "--revision", "v11"]);
    expect(review.revisions).toEqual(["rfc", "v11", "proposed"]);
    expect(Object.keys(run.results)).toEqual(["rfc", "v11", "proposed"]);
    expect(Object.keys(abi).some((k) => k.endsWith("@rfc"))).toBe(true);
    for (const cmd of [["abi"], ["review"], ["run", "demo"]]) {
      const bad = await tphlab([...cmd, "--revision", "v11,v12"]);
      expect(bad.err).toBe(
        `tphlab ${cmd[0]}: --revision: unknown revision 'v12' (known revisions: mainline, rfc, v11, proposed)\n`,
      );
      expect((await tphlab([...cmd, "--revision", "v11,,rfc"])).err).toMatch(
        /--revision: empty name in 'v11,,rfc'/,
      );
    }
  });

  it("never shows a parser's or runtime's wording: random arguments give 0, 1 or 2 and tphlab lines", async () => {
    const token = fc.constantFrom(
      "--json",
      "--seed",
      "-1",
      "--kind",
      "MWr",
      "-F",
      "--addr",
      "0x1000",
      "--len-dw",
      "=",
      "--",
      "-",
      "--gen",
      "x",
      "--size",
      "1,,2",
      "-vvv",
      "--bogus",
      "-h",
      "zsh",
      "bash",
      "decode",
      "encode",
      "00",
    );
    const cmd = fc.constantFrom(
      ["tlp"],
      ["tlp", "encode"],
      ["tlp", "decode"],
      ["bw"],
      ["version"],
      ["completion"],
    );
    await fc.assert(
      fc.asyncProperty(cmd, fc.array(token, { maxLength: 6 }), async (c, args) => {
        const r = await tphlab([...c, ...args]);
        expect([0, 1, 2]).toContain(r.code);
        for (const line of r.err.split("\n").filter(Boolean)) {
          expect(line).toMatch(/^tphlab /);
          expect(line).not.toMatch(/ambiguous|ERR_|Option '|TypeError|undefined/);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("takes `help COMMAND` for `COMMAND --help`", async () => {
    expect((await tphlab(["help", "tlp", "decode"])).out).toBe(
      (await tphlab(["tlp", "decode", "--help"])).out,
    );
    expect((await tphlab(["help", "bw"])).out).toMatch(/^usage: tphlab bw /);
  });

  it("answers --version and version alike", async () => {
    const a = await tphlab(["--version"]);
    expect(a.out).toMatch(/^tphlab \d+\.\d+\.\d+\n$/);
    expect((await tphlab(["version"])).out).toBe(a.out);
    expect(JSON.parse((await tphlab(["version", "--json"])).out)).toMatchObject({ name: "tphlab" });
  });
});

describe("tlp decode as an analyzer", () => {
  it("exit 1 with the violations listed, in text and JSON", async () => {
    const hex = "00 00 00 80 03 00 05 ff 00 00 1f 00"; // MRd 512 B from 0x1f00: crosses 4 KiB
    const text = await tphlab(["tlp", "decode", hex]);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(
      /^violations \(1\):\n {2}4k-boundary: lengthDw: 128 DW from 0x1f00 crosses a 4 KiB boundary$/m,
    );
    const json = await tphlab(["tlp", "decode", hex, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).violations).toEqual([
      { rule: "4k-boundary", path: "lengthDw", message: "128 DW from 0x1f00 crosses a 4 KiB boundary" },
    ]);
  });
  it("says the payload is absent for a header without it, exit 0", async () => {
    const r = await tphlab(["tlp", "decode", "40 00 00 10 01 00 00 ff 00 00 10 00"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^data absent: header only \(Length = 16 DW, 64 B\)$/m);
    const j = JSON.parse(
      (await tphlab(["tlp", "decode", "40 00 00 10 01 00 00 ff 00 00 10 00", "--json"])).out,
    );
    expect(j).toMatchObject({ kind: "MWr", lengthDw: 16, payload: "absent", violations: [] });
    expect(j).not.toHaveProperty("data");
  });
  it("reads one TLP per line from stdin with '-': the worst status, bad lines on stderr", async () => {
    const capture = [
      "# a capture",
      "40 00 00 10 01 00 00 ff 00 00 10 00",
      "",
      "zz",
      "00 00 00 80 03 00 05 ff 00 00 1f 00",
    ].join("\n");
    const text = await tphlab(["tlp", "decode", "-"], capture);
    expect(text.code).toBe(2);
    expect(text.err).toBe("tphlab tlp: line 4: not hex: 'zz'\n");
    expect(text.out).toMatch(/^line 2:\nMWr32 len=16/);
    expect(text.out).toMatch(/\n\nline 5:\nMRd32 len=128/);
    const json = await tphlab(["tlp", "decode", "-", "--json"], capture);
    const lines = json.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.kind, l.violations.length])).toEqual([
      [2, "MWr", 0],
      [5, "MRd", 1],
    ]);
    expect((await tphlab(["tlp", "decode", "-"], "00 00 00 80 03 00 05 ff 00 00 1f 00\n")).code).toBe(1);
  });
  it("encode --json gives the bytes and the fields", async () => {
    const r = await tphlab([
      "tlp",
      "encode",
      "--kind",
      "MRd",
      "--addr",
      "0x1000",
      "--len-dw",
      "1",
      "--tag",
      "7",
      "--first-be",
      "0xf",
      "--json",
    ]);
    expect(JSON.parse(r.out)).toMatchObject({
      hex: "00 00 00 01 00 00 07 0f 00 00 10 00",
      bytes: 12,
      tlp: { kind: "MRd", tag: 7 },
    });
  });
});

/** Run the generated bash completion for a command line ending in the word being completed. */
function complete(words: readonly string[]): string[] {
  const script = bashCompletion(COMMANDS);
  const arr = words.map((w) => `'${w}'`).join(" ");
  const r = spawnSync(
    "bash",
    [
      "-c",
      `${script}\nCOMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _tphlab; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

describe("shell completion", () => {
  it.skipIf(spawnSync("bash", ["--version"]).status !== 0)(
    "bash: commands, subcommands, options and their values (needs bash)",
    () => {
      expect(complete(["tphlab", "r"])).toEqual(["run", "review"]);
      expect(complete(["tphlab", "--v"])).toEqual(["--version"]);
      expect(complete(["tphlab", "tlp", ""])).toEqual(["decode", "encode"]);
      expect(complete(["tphlab", "tlp", "encode", "--k"])).toEqual(["--kind"]);
      expect(complete(["tphlab", "tlp", "encode", "--kind", "C"])).toEqual(["Cpl", "CplD"]);
      const revisions = complete(["tphlab", "review", "--revision", ""]);
      expect(revisions.slice(0, 4)).toEqual(["mainline", "rfc", "v11", "proposed"]);
      expect(revisions).toContain("v11+requery-after-invalidate");
      expect(complete(["tphlab", "review", "--trace", "st-index"])).toEqual(["st-index-no-leak"]);
      expect(complete(["tphlab", "tour", "--"])).toEqual(["--json", "--help"]);
      expect(complete(["tphlab", "completion", ""])).toEqual(["bash", "zsh"]);
      expect(complete(["tphlab", "lspci", "-F", "package.js"])).toEqual(["package.json"]);
      expect(complete(["tphlab", "run", "READ"])).toEqual(["README.md"]);
    },
  );
  it.skipIf(spawnSync("zsh", ["--version"]).status !== 0)(
    "zsh: the function offers the same words (needs zsh)",
    async () => {
      const script = (await tphlab(["completion", "zsh"])).out;
      const words = (line: string) => {
        const r = spawnSync(
          "zsh",
          [
            "-c",
            `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$(( \${#COMP_WORDS} - 1 )); _tphlab; print -l -- $COMPREPLY`,
          ],
          { encoding: "utf8" },
        );
        return r.stdout.split("\n").filter(Boolean);
      };
      // zsh itself filters by the typed prefix afterwards, so the function offers every candidate.
      expect(words("tphlab tlp encode --kind C")).toEqual(["MWr", "MRd", "Cpl", "CplD"]);
      expect(words("tphlab tlp ''")).toEqual(["decode", "encode"]);
      expect(words("tphlab review --revision ''").slice(0, 5)).toEqual([
        "mainline",
        "rfc",
        "v11",
        "proposed",
        "v11+requery-after-invalidate",
      ]);
    },
  );
  it("zsh: the same function through bashcompinit", async () => {
    const r = await tphlab(["completion", "zsh"]);
    expect(r.out).toMatch(/^#compdef tphlab\n/);
    expect(r.out).toContain("bashcompinit");
    expect(r.out).toContain(bashCompletion(COMMANDS).split("\n").slice(1).join("\n"));
    expect((await tphlab(["completion", "fish"])).err).toBe(
      "tphlab completion: SHELL: expected bash or zsh, found 'fish'\n",
    );
  });
});
