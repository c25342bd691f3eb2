/**
 * The piscina worker: one point per task. Runs from the compiled build (dist/sweep/worker.js);
 * see local-pool.ts for how the pool finds it.
 */
import { Int32Arena } from "../sim/arena.js";
import { type FullPointResult, runPoint } from "./run-point.js";
import type { SweepPoint } from "./types.js";

/** This thread's arrays, reused from point to point (one task at a time runs on a thread). */
const arena = new Int32Arena();

export default function runTask(point: SweepPoint): FullPointResult {
  return runPoint(point, arena);
}
