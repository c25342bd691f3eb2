// Mutation testing (`npm run mutate`; not part of CI: it is slow) of src/pcie, src/kernel and
// src/uapi, one folder per Stryker run, each judged by its own tests (vitest.config.ts) and with
// its own incremental file so a rerun only retests mutants whose code or tests changed.
// `MUTATE=kernel npm run mutate` runs one folder; scripts/mutation-summary.mjs prints the scores.
import fs from "node:fs";

const folder = process.env.MUTATE ?? "pcie";
const out = `reports/mutation/${folder}`;

// Tests read ../shared/fixtures relative to the worktree; Stryker runs them two directories
// deeper (.stryker-tmp/sandbox-*), so give the sandbox the same view of ../shared.
fs.mkdirSync(".stryker-tmp", { recursive: true });
if (!fs.existsSync(".stryker-tmp/shared")) fs.symlinkSync("../../shared", ".stryker-tmp/shared");
process.env.TPHLAB_MUTATE = folder;
// A mutant's verdict must not depend on the run: pin the property tests' seed.
process.env.FC_SEED ??= "20261203";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  mutate: [`src/${folder}/**/*.ts`],
  coverageAnalysis: "perTest",
  // Static mutants (module-level tables) would each rerun every test; Stryker reports them as ignored.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `${out}.incremental.json`,
  concurrency: 2,
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: `${out}.html` },
  jsonReporter: { fileName: `${out}.json` },
};
