/**
 * What runs a point in `tphlab worker`: the sweep's worker-thread pool (src/sweep/local-pool.ts),
 * one thread per concurrent point. Points run off the main thread so a long simulation never holds
 * up the renewal of the job's lock (a blocked event loop would make a live worker look stalled,
 * and its point would run twice).
 */
import { LocalPool } from "../../sweep/local-pool.js";
import type { PointResult } from "../../sweep/types.js";
import type { WorkerDeps } from "./worker.js";
import { processStopRequested } from "./worker.js";

export const CLI_WORKER_DEPS: WorkerDeps = {
  runner(concurrency) {
    const pool = new LocalPool({ workers: concurrency });
    return {
      async runPoint(point, signal) {
        let out: PointResult | undefined;
        await pool.run(
          [point],
          (r) => {
            out = r;
          },
          signal,
        );
        if (!out) throw new Error("stopped before the point finished");
        return out;
      },
      close: () => pool.close(),
    };
  },
  stopRequested: processStopRequested,
};
