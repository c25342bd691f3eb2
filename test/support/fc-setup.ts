/** Vitest setup file: every property uses this run's seed; a failing test says how to replay it. */
import fc from "fast-check";
import { beforeEach } from "vitest";
import { runSeed } from "./fc.js";

const seed = runSeed();
fc.configureGlobal({ seed });

beforeEach((ctx) => {
  ctx.onTestFailed(() => {
    console.error(`fast-check seed of this run: ${seed} (replay: FC_SEED=${seed} npm test)`);
  });
});
