// Mutation testing (`npm run mutate`; not part of CI: it is slow), scoped to the layers whose
// numbers users rely on. MUTATE=pcie (or kernel, uapi) runs one folder with its own incremental
// file, so a rerun only retests mutants whose code or tests changed.
import fs from "node:fs";

const folder = process.env.MUTATE ?? "all";
const scope = folder === "all" ? ["pcie", "kernel", "uapi"] : [folder];
const out = `reports/mutation/${folder}`;

// Tests read ../shared/fixtures relative to the worktree; Stryker runs them two directories
// deeper (.stryker-tmp/sandbox-*), so give the sandbox the same view of ../shared.
fs.mkdirSync(".stryker-tmp", { recursive: true });
if (!fs.existsSync(".stryker-tmp/shared")) fs.symlinkSync("../../shared", ".stryker-tmp/shared");
// Leaves out the live lspci comparison (it tests this machine's lspci, not the mutant) and pins
// the property tests' seed so a mutant's verdict does not depend on the run.
process.env.TPHLAB_MUTATION_RUN = "1";
process.env.FC_SEED ??= "20261203";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  mutate: scope.map((f) => `src/${f}/**/*.ts`),
  coverageAnalysis: "perTest",
  // Static mutants (module-level tables) would each rerun the whole suite; Stryker reports them as ignored.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: `${out}.incremental.json`,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: `${out}.html` },
  jsonReporter: { fileName: `${out}.json` },
};
