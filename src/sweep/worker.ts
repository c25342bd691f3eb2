/**
 * The piscina worker: one point per task. Runs from the compiled build (dist/sweep/worker.js);
 * see local-pool.ts for how the pool finds it.
 */
import { type FullPointResult, runPoint } from "./run-point.js";
import type { SweepPoint } from "./types.js";

export default function runTask(point: SweepPoint): FullPointResult {
  return runPoint(point);
}
