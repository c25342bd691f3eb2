/**
 * What submitter and worker agree on over Redis: queue and job names, the job's data (a
 * SweepPoint, as JSON), the result a job returns (a PointResult), and the one message that
 * refuses a point planned by another tphlab version. Neither side trusts what it reads from Redis:
 * another program (or another version) may have written it.
 */
import { inputError } from "../../base/errors.js";
import type { PointResult, SweepPoint } from "../types.js";

/** The queue both sides use unless `--queue` names another (several sweeps may share one). */
export const DEFAULT_QUEUE = "tphlab-sweep";
/** BullMQ's job name for a point (one kind of job per queue; the name is for people looking at Redis). */
export const JOB_NAME = "point";

/**
 * How fast a dead worker's job goes back to the queue. A worker holds a lock on each running job
 * and renews it every lockDuration/2; when the lock lapses (the worker died or froze), another
 * worker's stalled check (every stalledInterval) puts the job back, up to maxStalledCount times.
 * Detection takes up to lockDuration + 2 x stalledInterval.
 */
export interface StallTiming {
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
}
export const DEFAULT_STALL_TIMING: StallTiming = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  // A point that kills its worker three times is failed rather than passed around forever.
  maxStalledCount: 3,
};

/** A queue name as BullMQ takes it (':' separates its Redis keys) and people can type. */
export function checkQueueName(name: string, where = "--queue"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) {
    throw inputError(
      where,
      `queue name must be 1-100 of A-Z a-z 0-9 _ . - (starting with a letter or digit), found '${name}'`,
    );
  }
  return name;
}

const VERSION_SKEW = "tphlab version skew";

/** The reason a worker gives when it refuses a point of another version (parsed back by the submitter). */
export function versionSkewReason(submitter: string, worker: string): string {
  return `${VERSION_SKEW}: the point was planned by tphlab ${submitter}, this worker runs tphlab ${worker}`;
}

/** The two versions of a refusal, or undefined when `reason` is some other failure. */
export function parseVersionSkew(reason: string): { submitter: string; worker: string } | undefined {
  const m =
    /^tphlab version skew: the point was planned by tphlab (\S+), this worker runs tphlab (\S+)$/.exec(
      reason,
    );
  return m ? { submitter: m[1]!, worker: m[2]! } : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Why `data` is not a SweepPoint, or undefined when it is one (checked field by field). */
export function pointProblem(data: unknown): string | undefined {
  if (!isRecord(data)) return "job data is not an object";
  const want: [string, (v: unknown) => boolean][] = [
    ["hash", (v) => typeof v === "string" && v !== ""],
    ["index", (v) => Number.isSafeInteger(v) && (v as number) >= 0],
    ["values", isRecord],
    ["revision", (v) => typeof v === "string"],
    ["seed", (v) => Number.isSafeInteger(v)],
    ["version", (v) => typeof v === "string" && v !== ""],
    ["metrics", (v) => Array.isArray(v) && v.every((m) => typeof m === "string")],
  ];
  for (const [key, ok] of want) if (!ok(data[key])) return `job data has no valid '${key}'`;
  if (!("scenario" in data)) return "job data has no 'scenario'";
  return undefined;
}

/**
 * The PointResult a job returned, checked against the point it was for: the identity (hash,
 * index) comes from the point, never from the reply; metrics are the point's, each a number or
 * null. A malformed reply becomes an error result naming what was wrong.
 */
export function acceptResult(point: SweepPoint, value: unknown): PointResult & { readonly result?: unknown } {
  const fail = (why: string): PointResult => errorResult(point, `worker returned a malformed result: ${why}`);
  if (!isRecord(value)) return fail("not an object");
  if (value.hash !== point.hash) return fail(`hash '${String(value.hash)}' is not the job's`);
  if (!isRecord(value.metrics)) return fail("no metrics");
  const metrics: Record<string, number | null> = {};
  for (const [name, v] of Object.entries(value.metrics)) {
    if (v !== null && typeof v !== "number") return fail(`metric '${name}' is not a number`);
    metrics[name] = v;
  }
  const elapsedMs = typeof value.elapsedMs === "number" && value.elapsedMs >= 0 ? value.elapsedMs : 0;
  if (value.error !== undefined && typeof value.error !== "string") return fail("error is not a string");
  return {
    hash: point.hash,
    index: point.index,
    metrics,
    elapsedMs,
    ...(typeof value.error === "string" ? { error: value.error } : {}),
    // The run's whole result, when the runner gives one (the sweep's store keeps it).
    ...("result" in value ? { result: value.result } : {}),
  };
}

/** A result for a point that could not run: every metric null, the reason as its error. */
export function errorResult(point: SweepPoint, error: string): PointResult {
  return {
    hash: point.hash,
    index: point.index,
    metrics: Object.fromEntries(point.metrics.map((m) => [m, null])),
    error,
    elapsedMs: 0,
  };
}
