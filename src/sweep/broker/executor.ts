/**
 * The submitting side of a distributed sweep: a PointExecutor that enqueues each point as a
 * BullMQ job on Redis and gathers the results the workers return.
 *
 * - A job's id is the point's hash, so a point enqueued twice (two submitters, a rerun) is one
 *   job; a rerun finds the results of jobs that completed while nobody listened, and requeues
 *   points that failed before (a worker of the wrong version, say).
 * - Results arrive as the queue's `completed` events, read from a position taken before anything
 *   is enqueued (no race with fast workers); when events go quiet, the outstanding jobs' states are
 *   read directly, so an event trimmed from the stream is not waited for forever.
 * - onResult is called once per hash, however often a job ran or an event repeats.
 * - A point refused for version skew fails the whole run with an InputError naming both versions.
 * - An abort ends run() without an error (as the local pool does) and takes this run's points
 *   that no worker has started off the queue.
 */
import { type Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { type InputError, inputError } from "../../base/errors.js";
import type { PointExecutor, PointResult, SweepPoint } from "../types.js";
import { connectionOptions, DEFAULT_CONNECT_TIMEOUT_MS, probeBroker } from "./connect.js";
import { Gathering } from "./gather.js";
import { checkQueueName, DEFAULT_QUEUE, JOB_NAME, parseVersionSkew } from "./protocol.js";
import { type BrokerAddress, parseBrokerUrl } from "./url.js";

export interface BrokerExecutorOptions {
  /** redis://HOST:PORT (checked at once: a bad URL throws InputError on `where`). */
  readonly url: string;
  readonly queue?: string;
  /** The submitter's tphlab version (workers of another version refuse its points). */
  readonly version: string;
  readonly connectTimeoutMs?: number;
  /** Quiet time after which outstanding jobs are looked up directly (default 2 s). */
  readonly reconcileMs?: number;
  /** How long finished jobs (and so their results) stay in Redis (default 7 days). */
  readonly keepSeconds?: number;
  /** Runs of a point whose runPoint threw (not a kill: stalls are retried separately). Default 2. */
  readonly attempts?: number;
  /** The option that gave the URL, for error messages (default `--broker`). */
  readonly where?: string;
}

const BULMQ_PREFIX = "bull";
const CHUNK = 500;

/** A PointExecutor over BullMQ. Throws InputError at once for a bad URL or queue name. */
export function createBrokerExecutor(opts: BrokerExecutorOptions): PointExecutor {
  const where = opts.where ?? "--broker";
  const addr = parseBrokerUrl(opts.url, where);
  const queueName = checkQueueName(opts.queue ?? DEFAULT_QUEUE);
  let queue: Queue | undefined;
  const open = new Set<{ close(): Promise<unknown> }>();
  const connect = async (): Promise<Queue> => {
    if (queue) return queue;
    await probeBroker(addr, where, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    queue = new Queue(queueName, { connection: connectionOptions(addr), prefix: BULMQ_PREFIX });
    queue.on("error", () => {}); // reconnects on its own; a run that cannot proceed times out below
    await queue.waitUntilReady();
    return queue;
  };
  return {
    async run(points, onResult, signal) {
      // Like the local pool: an abort ends the run quietly; the points without a result are the
      // ones a resumed sweep runs.
      if (points.length === 0 || signal?.aborted) return;
      const q = await connect();
      await runOnQueue({ q, queueName, addr, opts, points, onResult, signal, open });
    },
    async close() {
      await Promise.allSettled([...open].map((c) => c.close()));
      open.clear();
      const q = queue;
      queue = undefined;
      await q?.close();
    },
  };
}

interface RunContext {
  readonly q: Queue;
  readonly queueName: string;
  readonly addr: BrokerAddress;
  readonly opts: BrokerExecutorOptions;
  readonly points: readonly SweepPoint[];
  readonly onResult: (r: PointResult) => void;
  readonly signal: AbortSignal | undefined;
  readonly open: Set<{ close(): Promise<unknown> }>;
}

async function runOnQueue(ctx: RunContext): Promise<void> {
  const { q, queueName, addr, opts, points, signal } = ctx;
  const gathering = new Gathering(points, ctx.onResult, (reason) => skewError(reason, opts));
  const from = await lastEventId(addr, queueName);
  const events = new QueueEvents(queueName, {
    connection: connectionOptions(addr),
    prefix: BULMQ_PREFIX,
    lastEventId: from,
  });
  ctx.open.add(events);
  events.on("error", () => {});
  events.on("completed", ({ jobId, returnvalue }) => gathering.completed(jobId, returnvalue));
  events.on("failed", ({ jobId, failedReason }) => gathering.failed(jobId, failedReason));
  const onAbort = () => gathering.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await settleExisting(q, gathering);
    await enqueue(q, gathering, opts);
    await gathering.wait(opts.reconcileMs ?? 2_000, () => reconcile(q, gathering));
  } finally {
    signal?.removeEventListener("abort", onAbort);
    ctx.open.delete(events);
    await events.close();
    if (signal?.aborted) await withdraw(q, gathering.outstanding());
  }
}

/** The stream position before this run: every event after it concerns this run's jobs or later. */
async function lastEventId(addr: BrokerAddress, queueName: string): Promise<string> {
  const client = new Redis({ ...connectionOptions(addr), lazyConnect: true });
  client.on("error", () => {});
  try {
    await client.connect();
    const last = (await client.xrevrange(`${BULMQ_PREFIX}:${queueName}:events`, "+", "-", "COUNT", 1)) as [
      string,
      string[],
    ][];
    return last[0]?.[0] ?? "0-0";
  } finally {
    client.disconnect();
  }
}

/** In chunks of CHUNK, at most CHUNK requests in flight (ioredis pipelines them). */
async function chunked<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await Promise.all(items.slice(i, i + CHUNK).map(f));
}

/**
 * Jobs already in Redis for these points: completed ones give their results now; failed ones (a
 * refused version, a poison point of an earlier run) are requeued, since this run asks again.
 */
async function settleExisting(q: Queue, g: Gathering): Promise<void> {
  await chunked(g.outstanding(), async (hash) => {
    const state = await q.getJobState(hash);
    if (state === "completed" || state === "failed") {
      const job = (await q.getJob(hash)) as Job | undefined;
      if (!job) return;
      if (state === "completed") g.completed(hash, job.returnvalue);
      else await job.retry("failed").catch(() => {});
    }
  });
}

async function enqueue(q: Queue, g: Gathering, opts: BrokerExecutorOptions): Promise<void> {
  const keep = { age: opts.keepSeconds ?? 7 * 24 * 3600 };
  const todo = g.outstanding().map((h) => g.point(h));
  for (let i = 0; i < todo.length && !g.settled(); i += CHUNK) {
    await q.addBulk(
      todo.slice(i, i + CHUNK).map((p) => ({
        name: JOB_NAME,
        data: p,
        opts: {
          jobId: p.hash,
          attempts: opts.attempts ?? 2,
          removeOnComplete: keep,
          removeOnFail: keep,
        },
      })),
    );
  }
}

/** Read the outstanding jobs' states directly (after a quiet spell). */
async function reconcile(q: Queue, g: Gathering): Promise<void> {
  await chunked(g.outstanding(), async (hash) => {
    const state = await q.getJobState(hash);
    if (state !== "completed" && state !== "failed") return;
    const job = (await q.getJob(hash)) as Job | undefined;
    if (!job) return;
    if (state === "completed") g.completed(hash, job.returnvalue);
    else g.failed(hash, job.failedReason);
  });
}

/** After an abort: take this run's points that no worker has started out of the queue. */
async function withdraw(q: Queue, hashes: readonly string[]): Promise<void> {
  await chunked(hashes, async (hash) => {
    if ((await q.getJobState(hash).catch(() => "unknown")) === "waiting") await q.remove(hash).catch(() => 0);
  });
}

function skewError(reason: string, opts: BrokerExecutorOptions): InputError | undefined {
  const skew = parseVersionSkew(reason);
  if (!skew) return undefined;
  return inputError(
    opts.where ?? "--broker",
    `a worker refused the sweep (version skew): this submitter is tphlab ${skew.submitter}, ` +
      `the worker is tphlab ${skew.worker}; run workers of tphlab ${skew.submitter}`,
    "version-skew",
  );
}
