/**
 * The worker side of a distributed sweep (`tphlab worker --broker URL`): takes points from the
 * queue, runs each with the injected `runPoint`, and returns its PointResult as the job's result.
 *
 * Nothing is lost when a worker dies: a running job is locked by its worker, who renews the lock
 * while the job runs; when a worker is killed the lock lapses and another worker's stalled-job
 * check puts the job back in the queue (timing in protocol.ts). A point is refused, never run, when
 * it was planned by another tphlab version (its hash, and so its stored result, names that version).
 */
import { UnrecoverableError, Worker } from "bullmq";
import type { PointResult, SweepPoint } from "../types.js";
import { connectionOptions, DEFAULT_CONNECT_TIMEOUT_MS, probeBroker } from "./connect.js";
import {
  checkQueueName,
  DEFAULT_QUEUE,
  DEFAULT_STALL_TIMING,
  pointProblem,
  type StallTiming,
  versionSkewReason,
} from "./protocol.js";
import { parseBrokerUrl } from "./url.js";

/** Runs one point. Long, CPU-bound runs belong in a worker thread: the lock is renewed on this thread. */
export type RunPoint = (point: SweepPoint, signal: AbortSignal) => PointResult | Promise<PointResult>;

export interface BrokerWorkerOptions {
  /** redis://HOST:PORT (checked: a bad URL throws InputError on `where`). */
  readonly url: string;
  readonly queue?: string;
  /** Points run at once by this worker (default 1). */
  readonly concurrency?: number;
  /** This worker's tphlab version; points of another version are refused. */
  readonly version: string;
  readonly runPoint: RunPoint;
  readonly stall?: Partial<StallTiming>;
  readonly connectTimeoutMs?: number;
  /** One line per event worth telling (a point refused, a connection lost). */
  readonly log?: (line: string) => void;
  /** The option that gave the URL, for error messages (default `--broker`). */
  readonly where?: string;
  /** Called as a job starts, with the point (tests use it to kill a worker that holds a job). */
  readonly onStart?: (point: SweepPoint) => void;
}

export interface RunningWorker {
  /** Points this worker finished (completed or refused) since it started. */
  readonly finished: () => number;
  /** Stop taking points; wait for running ones unless `force` (those go back via the stalled check). */
  close(force?: boolean): Promise<void>;
}

/** Connect (bounded: an unreachable broker is an InputError) and start taking points. */
export async function startWorker(opts: BrokerWorkerOptions): Promise<RunningWorker> {
  const where = opts.where ?? "--broker";
  const addr = parseBrokerUrl(opts.url, where);
  const queue = checkQueueName(opts.queue ?? DEFAULT_QUEUE);
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, found ${concurrency}`);
  }
  await probeBroker(addr, where, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const stall = { ...DEFAULT_STALL_TIMING, ...opts.stall };
  const log = opts.log ?? (() => {});
  let finished = 0;
  const processor = async (
    job: { id?: string | undefined; data: unknown },
    _t?: string,
    signal?: AbortSignal,
  ) => {
    const problem = pointProblem(job.data);
    if (problem) throw new UnrecoverableError(`not a tphlab point: ${problem}`);
    const point = job.data as SweepPoint;
    if (job.id !== point.hash) throw new UnrecoverableError(`job id '${job.id}' is not the point's hash`);
    if (point.version !== opts.version) {
      const reason = versionSkewReason(point.version, opts.version);
      log(`refused point ${point.hash}: ${reason}`);
      finished++;
      throw new UnrecoverableError(reason);
    }
    opts.onStart?.(point);
    const result = await opts.runPoint(point, signal ?? new AbortController().signal);
    finished++;
    return { ...result, hash: point.hash, index: point.index };
  };
  const worker = new Worker(queue, processor, {
    connection: connectionOptions(addr),
    concurrency,
    lockDuration: stall.lockDurationMs,
    stalledInterval: stall.stalledIntervalMs,
    maxStalledCount: stall.maxStalledCount,
    // Long-poll briefly so close() does not wait out a long blocking read.
    drainDelay: 1,
    autorun: false,
  });
  worker.on("error", (e) => log(`broker: ${e.message}`));
  void worker.run().catch((e: unknown) => log(`worker stopped: ${(e as Error).message}`));
  await worker.waitUntilReady();
  return {
    finished: () => finished,
    close: (force = false) => worker.close(force),
  };
}
