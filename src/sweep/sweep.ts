/**
 * Running a plan: the points the store lacks go to an executor (local threads or Redis workers);
 * each result is stored the moment it arrives. Points are deduplicated by hash first (two
 * spellings of one scenario run once). Interrupted (the signal), the store keeps what finished;
 * the next run of the same sweep runs only the rest.
 */
import type { SweepPlan } from "./plan.js";
import type { FullPointResult } from "./run-point.js";
import type { ResultStore } from "./store.js";
import type { PointExecutor, SweepPoint } from "./types.js";

export interface SweepProgress {
  /** Points run in this session so far, and how many this session has to run. */
  readonly done: number;
  readonly todo: number;
  /** Points found in the store before starting. */
  readonly reused: number;
  readonly failed: number;
}

export interface SweepRunOptions {
  readonly executor: PointExecutor;
  readonly store: ResultStore;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SweepProgress) => void;
}

export interface SweepOutcome extends SweepProgress {
  /** Distinct points of the plan (by hash). */
  readonly total: number;
  readonly interrupted: boolean;
}

/** One point per hash, in plan order. */
export function distinctPoints(points: readonly SweepPoint[]): SweepPoint[] {
  const seen = new Set<string>();
  return points.filter((p) => !seen.has(p.hash) && seen.add(p.hash));
}

export async function runSweep(plan: SweepPlan, o: SweepRunOptions): Promise<SweepOutcome> {
  const distinct = distinctPoints(plan.points);
  const todo = o.store.missing(distinct);
  const byHash = new Map(todo.map((p) => [p.hash, p]));
  const state = { done: 0, todo: todo.length, reused: distinct.length - todo.length, failed: 0 };
  o.onProgress?.({ ...state });
  const onResult = (r: FullPointResult) => {
    const p = byHash.get(r.hash);
    // A result for a point not asked for (a stray message from a broker) is not ours to store.
    if (!p || !o.store.put(p, r)) return;
    state.done++;
    if (r.error !== undefined) state.failed++;
    o.onProgress?.({ ...state });
  };
  if (todo.length) await o.executor.run(todo, onResult, o.signal);
  return { ...state, total: distinct.length, interrupted: state.done < todo.length };
}
