/** `tphlab run` and `tphlab demo`: output, exit statuses, one line per problem, never a crash. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { demoCommand } from "../../src/cli/commands/demo.js";
import { runCommand } from "../../src/cli/commands/run.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { DEMO_YAML } from "../../src/scenario/demo.js";
import { assertAsyncProperty } from "../support/fc.js";

const EX = new URL("../../examples/", import.meta.url).pathname;
const cmds = [runCommand, demoCommand];

async function tphlab(argv: string[], files: Record<string, string> = {}) {
  const io = captureIo(files);
  const code = await main(argv, io, cmds);
  return { code, out: io.out, err: io.err };
}

const SMALL = `name: small
duration: 20us
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: hbm }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s }]
`;

describe("tphlab run", () => {
  it("prints the metrics with the revisions side by side", async () => {
    const r = await tphlab(["run", "s.yaml"], { "s.yaml": SMALL });
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^scenario small: 20us simulated, seed 1\n/);
    expect(r.out).toMatch(/\n {2,}mainline +v11 +proposed\n/);
    expect(r.out).toMatch(/\nflow w\n {2}goodput Gb\/s /);
    expect(r.out).toMatch(/\n {2}owner: SET TPH on hbm +-ENOTTY +0 +0\n/);
  });

  it("--json, --revision (repeated or comma separated) and --seed", async () => {
    const r = await tphlab(
      ["run", "s.yaml", "--json", "--revision", "proposed,rfc", "--revision", "v11", "--seed", "9"],
      {
        "s.yaml": SMALL,
      },
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.seed).toBe(9);
    expect(Object.keys(j.results)).toEqual(["rfc", "v11", "proposed"]); // canonical order
  });

  it("a bad file: exit 2, every problem on its own line with file:line:col and path", async () => {
    const bad = SMALL.replace("duration: 20us", "duration: 20 lightyears\nextra: 1").replace(
      "op: write",
      "op: erase",
    );
    const r = await tphlab(["run", "s.yaml"], { "s.yaml": bad });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toEqual([
      "tphlab run: s.yaml:2:11: duration: expected a time such as 150ns, in 1ps..10ms, found \"20 lightyears\": unknown unit 'lightyears' (use ps, ns, us, µs, ms, s)",
      "tphlab run: s.yaml:3:1: extra: unknown key (allowed: name, description, seed, duration, revisions, topology, platform, link, switch, rootComplex, host, accelerator, nic, metrics, buffers, dmah, mrs, flows, timeline)",
      'tphlab run: s.yaml:6:24: flows[0].op: expected one of write, read, send, found "erase"',
    ]);
  });

  it("bad flags and missing files are exit 2 with one line", async () => {
    for (const argv of [
      ["run"],
      ["run", "/no/such.yaml"],
      ["run", "s.yaml", "--revision", "v12"],
      ["run", "s.yaml", "--seed=-1"],
      ["run", "s.yaml", "--frobnicate"],
    ]) {
      const r = await tphlab(argv, { "s.yaml": SMALL });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err.trimEnd().split("\n"), argv.join(" ")).toHaveLength(1);
      expect(r.err).toMatch(/^tphlab run: /);
    }
    expect((await tphlab(["run", "/no/such.yaml"])).err).toBe(
      "tphlab run: /no/such.yaml: cannot read: ENOENT\n",
    );
    expect((await tphlab(["run", "x", "--revision", "v12"], { x: SMALL })).err).toBe(
      "tphlab run: --revision: unknown revision 'v12' (known revisions: mainline, rfc, v11, proposed)\n",
    );
  });

  it("refuses special and oversized files before parsing: exit 2, one line", async () => {
    expect(await tphlab(["run", "/dev/zero"])).toMatchObject({
      code: 2,
      err: "tphlab run: /dev/zero: cannot read: a character device, expected a regular file\n",
    });
    const big = await tphlab(["run", "big.yaml"], { "big.yaml": `name: x\n#${"y".repeat(1 << 20)}\n` });
    expect(big).toMatchObject({
      code: 2,
      err: "tphlab run: big.yaml: file too large: 1048586 bytes, the limit is 1 MiB\n",
    });
  });

  it("--params lists every parameter with its default and the default's source", async () => {
    const r = await tphlab(["run", "--params"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "switch.latencyNs  (time (a number in ns, or with a unit) 0ps..10ms; default 150)\n",
    );
    expect(r.out).toContain(
      "    source: calibration.md: Broadcom/PLX PEX8796, at most 150 ns port to port\n",
    );
    expect(r.out).toContain("accelerator.completer  (none | tph | ext; default ext)\n");
    expect(r.out).toContain("flows[].size  (");
    expect(r.out).toContain("timeline[](action=set-tph).stExt  (");
  });

  it("never crashes on garbage: exit 0 or 2, and with 2 every stderr line names the command", async () => {
    const lines = SMALL.split("\n");
    const junk = fc
      .tuple(fc.nat(lines.length - 1), fc.string({ maxLength: 10 }), fc.nat(30))
      .map(([i, s, at]) => lines.map((l, j) => (j === i ? l.slice(0, at) + s + l.slice(at) : l)).join("\n"));
    await assertAsyncProperty(
      fc.asyncProperty(fc.oneof(junk, fc.string({ maxLength: 80 })), async (text) => {
        const r = await tphlab(["run", "f.yaml", "--revision", "v11"], { "f.yaml": text });
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) for (const l of r.err.trimEnd().split("\n")) expect(l).toMatch(/^tphlab run: \S/);
      }),
      { numRuns: 60 },
      [7],
    );
  });
});

describe("tphlab demo", () => {
  it("is examples/demo.yaml, run on mainline, v11 and proposed, with a summary from the numbers", async () => {
    expect(DEMO_YAML).toBe(readFileSync(`${EX}demo.yaml`, "utf8"));
    const r = await tphlab(["demo"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2,}mainline +v11 +proposed\n/);
    expect(r.out).toMatch(/\n- TLPs carrying TPH: mainline 0%, v11 \d+%, proposed \d+%\.\n/);
    expect(r.out).toMatch(/proposed 0 \(0 bytes misdirected\)/);
    const json = await tphlab(["demo", "--json"]);
    const viaRun = await tphlab(["run", `${EX}demo.yaml`, "--json"]);
    expect(json.out).toBe(viaRun.out);
  });
});
