/**
 * What runs a point in `tphlab worker`. The sweep's runPoint (issue 12 section 2) is not in this
 * build yet: until it is, the worker refuses to start with a clear message rather than take points
 * it cannot run. Wiring: return { runPoint, close } over the sweep's worker-thread pool here.
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
