/**
 * One point, run: the scenario document validated again (a point may come from another machine),
 * the revision simulated with the point's seed, the metrics read from the result. Pure and
 * deterministic apart from `elapsedMs`; both executors (local threads, Redis workers) call it.
 * A problem of the input becomes `error` (the point is done: running it again gives the same).
 */
import { InputError, ModelError } from "../base/errors.js";
import { isRevisionName } from "../kernel/revision.js";
import { runScenario } from "../scenario/run.js";
import type { Int32Arena } from "../sim/arena.js";
import { isMiss, metricValue } from "./paths.js";
import { docIssueText, validateScenarioValue } from "./scenario-value.js";
import type { PointResult, SweepPoint } from "./types.js";

/** Everything a run reports for the point (kept in the store, so new metrics need no rerun). */
export interface FullPointResult extends PointResult {
  readonly result?: unknown;
}

function failed(p: SweepPoint, error: string, t0: number): FullPointResult {
  return { hash: p.hash, index: p.index, metrics: {}, error, elapsedMs: performance.now() - t0 };
}

/** Run point `p`; `arena`: the caller's (its thread's) arrays to reuse from point to point. */
export function runPoint(p: SweepPoint, arena?: Int32Arena): FullPointResult {
  const t0 = performance.now();
  const v = validateScenarioValue(p.scenario);
  if (!v.scenario) return failed(p, `invalid scenario: ${v.issues.map(docIssueText).join("; ")}`, t0);
  if (!isRevisionName(p.revision)) return failed(p, `unknown revision '${p.revision}'`, t0);
  let result: unknown;
  try {
    // As `tphlab run` runs it (a platform scenario takes the platform path), without time series.
    const o = { revisions: [p.revision], seed: p.seed, series: false, ...(arena ? { arena } : {}) };
    const out = runScenario(v.scenario, o);
    result = out.report.results[p.revision];
  } catch (e) {
    if (!(e instanceof InputError || e instanceof ModelError)) throw e;
    return failed(p, `${e.name}: ${e.message}`, t0);
  }
  return {
    hash: p.hash,
    index: p.index,
    metrics: metricsOf(result, p.metrics),
    result,
    elapsedMs: performance.now() - t0,
  };
}

/** The metrics of a stored or fresh result; a path the result lacks is null. */
export function metricsOf(result: unknown, metrics: readonly string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of metrics) {
    const v = metricValue(result, m);
    out[m] = isMiss(v) ? null : v;
  }
  return out;
}
