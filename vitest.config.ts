import { configDefaults, defineConfig } from "vitest/config";

// Set by stryker.config.mjs (`npm run mutate`).
const mutationRun = process.env.TPHLAB_MUTATION_RUN === "1";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...(mutationRun ? ["test/report/lspci-live.test.ts"] : [])],
    pool: "threads",
    maxWorkers: 2,
    reporters: ["default"],
    // Instrumented code runs several times slower.
    testTimeout: mutationRun ? 60_000 : 5_000,
  },
});
