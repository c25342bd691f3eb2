/**
 * Results people read: per point of the grid, per revision, per metric, the mean over seeds, the
 * sample standard deviation and a 95% confidence interval of the mean (Student's t, n - 1 degrees
 * of freedom; with one seed there is no interval).
 */
import { round } from "../scenario/result.js";
import type { SweepPlan } from "./plan.js";
import { metricsOf } from "./run-point.js";
import type { StoredResult } from "./store.js";

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
/** Beyond 30: (df, t) points, interpolated in 1/df (t tends to 1.96). */
const T95_TAIL: readonly (readonly [number, number])[] = [
  [30, 2.042],
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
  [Number.POSITIVE_INFINITY, 1.96],
];

export function t95(df: number): number {
  if (df <= 30) return T95[df - 1] ?? Number.NaN;
  for (let i = 1; i < T95_TAIL.length; i++) {
    const [d1, t1] = T95_TAIL[i]!;
    if (df > d1) continue;
    const [d0, t0] = T95_TAIL[i - 1]!;
    const x = (1 / d0 - 1 / df) / (1 / d0 - 1 / d1);
    return t0 + (t1 - t0) * x;
  }
  return 1.96;
}

export interface Summary {
  /** Seeds with a number for this metric. */
  readonly n: number;
  readonly mean: number | null;
  readonly stddev: number | null;
  /** The 95% confidence interval of the mean; null with fewer than two values. */
  readonly ci95: readonly [number, number] | null;
}

export function summarize(xs: readonly number[]): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: null, stddev: null, ci95: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean: round(mean, 6), stddev: null, ci95: null };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (t95(n - 1) * sd) / Math.sqrt(n);
  return {
    n,
    mean: round(mean, 6),
    stddev: round(sd, 6),
    ci95: [round(mean - half, 6), round(mean + half, 6)],
  };
}

export interface AggregateRow {
  readonly values: Readonly<Record<string, unknown>>;
  readonly revision: string;
  readonly metric: string;
  /** Seeds whose run failed, with the first error. */
  readonly failed: number;
  readonly error?: string;
  readonly summary: Summary;
}

/** The metrics of one stored point (read from its whole result when stored, so any metric works). */
export function storedMetrics(s: StoredResult, metrics: readonly string[]): Record<string, number | null> {
  return s.result === undefined ? { ...s.metrics } : metricsOf(s.result, metrics);
}

/** Rows in plan order: grid point, then revision, then metric. `get` reads a point's stored result. */
export function aggregate(plan: SweepPlan, get: (hash: string) => StoredResult | undefined): AggregateRow[] {
  const groups = new Map<string, { values: Record<string, unknown>; revision: string; hashes: string[] }>();
  for (const p of plan.points) {
    const key = JSON.stringify([p.values, p.revision]);
    const g = groups.get(key) ?? { values: { ...p.values }, revision: p.revision, hashes: [] };
    g.hashes.push(p.hash);
    groups.set(key, g);
  }
  const rows: AggregateRow[] = [];
  for (const g of groups.values()) {
    const stored = g.hashes.map(get).filter((s): s is StoredResult => s !== undefined);
    const ok = stored.filter((s) => s.error === undefined);
    const errors = stored.filter((s) => s.error !== undefined);
    const per = ok.map((s) => storedMetrics(s, plan.metrics));
    for (const metric of plan.metrics) {
      const xs = per.map((m) => m[metric]).filter((x): x is number => typeof x === "number");
      rows.push({
        values: g.values,
        revision: g.revision,
        metric,
        failed: errors.length,
        ...(errors[0]?.error ? { error: errors[0].error } : {}),
        summary: summarize(xs),
      });
    }
  }
  return rows;
}
