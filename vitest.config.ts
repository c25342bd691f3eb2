import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "threads",
    maxWorkers: 2,
    reporters: ["default"],
    // Simulation tests take a few seconds alone; the 2-core CI machine is often shared.
    testTimeout: 30_000,
  },
});
