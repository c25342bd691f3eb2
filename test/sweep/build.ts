/**
 * Worker threads load compiled JavaScript, so the tests that start them build the package once
 * into a scratch folder (never into dist/, which other tests rebuild) laid out like an installed
 * package: dist/, package.json, and links to examples/ and node_modules/.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface Build {
  readonly root: string;
  readonly bin: string;
  readonly workerFile: string;
}

export function buildScratchPackage(): Build {
  const repo = resolve(".");
  const root = mkdtempSync(join(tmpdir(), "tphlab-build-"));
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", join(root, "dist")], {
    cwd: repo,
    stdio: "pipe",
  });
  copyFileSync(join(repo, "package.json"), join(root, "package.json"));
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
  symlinkSync(join(repo, "examples"), join(root, "examples"));
  return {
    root,
    bin: join(root, "dist", "cli", "bin.js"),
    workerFile: join(root, "dist", "sweep", "worker.js"),
  };
}
