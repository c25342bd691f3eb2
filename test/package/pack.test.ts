/**
 * The package as users get it: `npm pack`, then in a scratch folder `npm install` of the tarball
 * (from the npm cache when it can: --prefer-offline; with --ignore-scripts: better-sqlite3, the sweep
 * store, would compile its native addon again, minutes on 2 busy cores, and the repository's own
 * install already builds and tests it; everything else the package runs is JavaScript), the `tphlab`
 * binary run from there (no source tree nearby), and a library import. Also what the tarball holds:
 * no tests, no source maps to missing files, every relative import and every file read at run time
 * present. The slowest test of the suite (a build and an install): one build, one install.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(".");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

let scratch = "";
let files: string[] = [];
let installed = "";

function tphlab(args: readonly string[]) {
  return spawnSync(join(scratch, "node_modules", ".bin", "tphlab"), args, { cwd: scratch, encoding: "utf8" });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tphlab-pack-"));
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "pipe" });
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  files = info.files.map((f) => f.path).sort();
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  execFileSync(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      join(scratch, info.filename),
    ],
    { cwd: scratch, stdio: "pipe" },
  );
  installed = join(scratch, "node_modules", "tphlab");
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("holds the build, the examples, LICENSE and README, and no tests", () => {
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/internal.js",
      "dist/cli/bin.js",
    ]) {
      expect(files, f).toContain(f);
    }
    const examples = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
    expect(examples.length).toBeGreaterThan(0);
    for (const e of examples) expect(files).toContain(`examples/${e}`);
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|\.tgz$|^src\//.test(f))).toEqual([]);
  });

  it("has no source map pointing at a missing file and no relative import of a missing file", () => {
    const shipped = new Set(files);
    const broken: string[] = [];
    for (const f of files.filter((p) => /\.(js|d\.ts|map)$/.test(p))) {
      const text = readFileSync(join(installed, f), "utf8");
      const refs = [
        ...[...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!),
        ...[...text.matchAll(/sourceMappingURL=(\S+)/g)].map((m) => m[1]!),
        ...(f.endsWith(".map") ? ((JSON.parse(text) as { sources?: string[] }).sources ?? []) : []),
      ];
      for (const r of refs) {
        const target = normalize(join(dirname(f), r));
        if (!shipped.has(target)) broken.push(`${f} -> ${r}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("the installed package", () => {
  it("runs `tphlab demo` and names a shipped example that `tphlab run` finds from anywhere", {
    timeout: 60_000,
  }, () => {
    const demo = tphlab(["demo"]);
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    expect(demo.stdout.split("\n")[0]).toBe("$ tphlab run demo");
    const run = tphlab(["run", "demo", "--revision", "v11,proposed", "--json"]);
    expect(run.status).toBe(0);
    expect(Object.keys(JSON.parse(run.stdout).results)).toEqual(["v11", "proposed"]);
  });

  it("has the sweep command, whose modules load without the store's native addon built", () => {
    const help = tphlab(["sweep", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: tphlab sweep FILE/);
    expect(readdirSync(join(installed, "examples", "sweeps"))).toContain("stale-tags.yaml");
  });

  it("writes the HTML report with the chart library inlined from the installed uplot", {
    timeout: 60_000,
  }, () => {
    const r = tphlab(["run", "p2p-write-switch", "--revision", "v11", "--report", "r.html"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("report: r.html\n");
    const html = readFileSync(join(scratch, "r.html"), "utf8");
    expect(html).toContain("uPlot");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it("knows its version", () => {
    expect(tphlab(["--version"]).stdout).toBe(`tphlab ${pkg.version}\n`);
  });

  it("ends quietly, exit 0, when the reader closes the pipe (`tphlab abi | head -1`)", async () => {
    const child = spawn(join(scratch, "node_modules", ".bin", "tphlab"), ["abi"], { cwd: scratch });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    expect(err).toBe("");
    expect(code).toBe(0);
  });

  it("imports as a library, and decoded TLPs survive JSON.stringify", () => {
    const script = `
      import { analyzeTlp, decodeTlp, REVISION_NAMES } from "tphlab";
      import * as internal from "tphlab/internal";
      const hex = "00 00 00 01 03 00 07 0f 00 00 10 00";
      const bytes = Uint8Array.from(hex.split(" "), (x) => parseInt(x, 16));
      const a = analyzeTlp(bytes.subarray(0, 12));
      console.log(JSON.stringify({ tlp: decodeTlp(bytes), violations: a.violations,
        revisions: REVISION_NAMES, internal: typeof internal.walkCapabilities }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: scratch,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      tlp: expect.objectContaining({ kind: "MRd", address: "0x1000", tag: 7, requesterId: "03:00.0" }),
      violations: [],
      revisions: ["mainline", "rfc", "v11", "proposed"],
      internal: "function",
    });
  });
});
