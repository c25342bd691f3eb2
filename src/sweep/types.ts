/**
 * The contract between a sweep's parts (issue 12): the planner turns a sweep file into points, an
 * executor (local worker pool, or BullMQ on Redis) runs them anywhere, and the store keeps each
 * result once, keyed by the point's content hash.
 */

/** One run to make: a scenario point on one revision with one seed. Plain JSON (crosses threads and Redis). */
export interface SweepPoint {
  /** Content hash of (scenario point, revision, seed, tphlab version): the result's identity. */
  readonly hash: string;
  /** Position in the sweep's plan (for ordering results; not part of the identity). */
  readonly index: number;
  /** The varied values of this point, by scenario path (e.g. {"link.gen": 4}). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The complete scenario document for this point, as plain JSON (before schema parsing). */
  readonly scenario: unknown;
  readonly revision: string;
  readonly seed: number;
  /** The tphlab version that planned the point; a worker of another version refuses it. */
  readonly version: string;
  /** Metric paths to extract from the run's result (e.g. "flows.write.goodputGbps"). */
  readonly metrics: readonly string[];
}

/** What running a point gives: the metrics, or the error that stopped it. */
export interface PointResult {
  readonly hash: string;
  readonly index: number;
  readonly metrics: Readonly<Record<string, number | null>>;
  /** A user-facing error (e.g. the kernel refused the set-up); the point is done, not retried. */
  readonly error?: string;
  /** Wall time of the run (ms); not part of the result's identity or of comparisons. */
  readonly elapsedMs: number;
}

/** Runs points and reports each result once; local pool and Redis broker both implement it. */
export interface PointExecutor {
  run(points: readonly SweepPoint[], onResult: (r: PointResult) => void, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
