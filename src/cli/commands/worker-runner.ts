/**
 * What runs a point in `tphlab worker`. The sweep's runPoint and worker-thread pool (issue 12
 * section 2, src/sweep/local-pool.ts) were not on main when this was written: until they are
 * wired in here, the worker refuses to start with a clear message rather than take points it
 * cannot run. The wiring, once LocalPool is on main (points run off the main thread, so a long
 * simulation never holds up the renewal of the job's lock):
 *
 *   runner(concurrency) {
 *     const pool = new LocalPool({ workers: concurrency });
 *     return {
 *       async runPoint(point, signal) {
 *         let out: PointResult | undefined;
 *         await pool.run([point], (r) => { out = r; }, signal);
 *         if (!out) throw new Error("stopped before the point finished");
 *         return out;
 *       },
 *       close: () => pool.close(),
 *     };
 *   },
 */
import { inputError } from "../../base/errors.js";
import type { WorkerDeps } from "./worker.js";
import { processStopRequested } from "./worker.js";

export const CLI_WORKER_DEPS: WorkerDeps = {
  runner() {
    throw inputError(
      "",
      "this build has no sweep point runner yet (tphlab sweep, issue 12 section 2)",
      "unavailable",
    );
  },
  stopRequested: processStopRequested,
};
