import { randomInt } from "node:crypto";
import { configDefaults, defineConfig } from "vitest/config";

// One fast-check seed per run, inherited by the workers (test/support/fc.ts); FC_SEED replays one.
process.env.FC_SEED ??= String(randomInt(2 ** 31 - 1));

/**
 * Under `npm run mutate` (stryker.config.mjs sets TPHLAB_MUTATE to a folder) each folder is
 * judged by the tests written for it: the rest of the suite reaches the same code through slow
 * end-to-end paths and would make a run take hours.
 */
const MUTATION_TESTS: Record<string, string[]> = {
  pcie: ["test/pcie/**/*.test.ts", "test/report/lspci-fixtures.test.ts", "test/report/lspci-render.test.ts"],
  kernel: ["test/kernel/**/*.test.ts"],
  uapi: ["test/uapi/**/*.test.ts"],
};
const mutating = process.env.TPHLAB_MUTATE;

export default defineConfig({
  test: {
    include: (mutating && MUTATION_TESTS[mutating]) || ["test/**/*.test.ts"],
    // The live lspci comparison tests this machine's lspci, never a mutant.
    exclude: [...configDefaults.exclude, ...(mutating ? ["test/report/lspci-live.test.ts"] : [])],
    pool: "threads",
    maxWorkers: 2,
    // Correctness only: speed lives in the benchmarks, and a loaded 2-core machine (or Stryker's
    // instrumented code) can be several times slower than a quiet one.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ["default"],
    setupFiles: ["test/support/fc-setup.ts"],
  },
});
