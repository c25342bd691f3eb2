/**
 * The broker executor and worker in this process against a real redis-server: every result once,
 * a rerun served from Redis, version skew refused, aborts, failures. Killing worker processes is
 * in processes.test.ts.
 */
import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import { createBrokerExecutor } from "../../../src/sweep/broker/executor.js";
import { type RunningWorker, startWorker } from "../../../src/sweep/broker/worker.js";
import type { PointResult, SweepPoint } from "../../../src/sweep/types.js";
import { dropQueue, freshQueue, testRedis } from "../../support/redis.js";
import { expectedResult, makePoints, standInRunPoint, TEST_VERSION } from "./stand-in.js";

const redis = await testRedis();
const reason = "reason" in redis ? redis.reason : "";
const skip = reason ? ` (skipped: ${reason})` : "";
const url = "url" in redis ? redis.url : "";
afterAll(() => ("stop" in redis ? redis.stop() : undefined));

const FAST_STALL = { lockDurationMs: 2_000, stalledIntervalMs: 500 };

/** Run `points` through a fresh executor on `queue`, collecting every onResult call. */
async function submit(queue: string, points: readonly SweepPoint[], signal?: AbortSignal) {
  const results: PointResult[] = [];
  const ex = createBrokerExecutor({ url, queue, version: TEST_VERSION, reconcileMs: 500 });
  try {
    await ex.run(points, (r) => results.push(r), signal);
  } finally {
    await ex.close();
  }
  return results;
}

async function withWorkers<T>(
  queue: string,
  specs: { version?: string; ran?: string[]; delayMs?: number }[],
  body: (workers: RunningWorker[]) => Promise<T>,
): Promise<T> {
  const workers: RunningWorker[] = [];
  try {
    for (const s of specs) {
      workers.push(
        await startWorker({
          url,
          queue,
          concurrency: 2,
          version: s.version ?? TEST_VERSION,
          runPoint: standInRunPoint(s.delayMs ?? 20, s.ran),
          stall: FAST_STALL,
        }),
      );
    }
    return await body(workers);
  } finally {
    await Promise.all(workers.map((w) => w.close(true)));
    await dropQueue(url, queue);
  }
}

const strip = (rs: readonly PointResult[]) =>
  rs.map(({ elapsedMs: _, ...r }) => r).sort((a, b) => a.index - b.index);

describe(`broker executor on Redis${skip}`, () => {
  it.skipIf(skip !== "")(`two workers: every point's result arrives exactly once${skip}`, async () => {
    const queue = freshQueue("once");
    const points = makePoints(30, queue);
    const ranA: string[] = [];
    const ranB: string[] = [];
    const results = await withWorkers(queue, [{ ran: ranA }, { ran: ranB }], () => submit(queue, points));
    expect(results).toHaveLength(30);
    expect(strip(results)).toEqual(points.map(expectedResult));
    // Both workers took part, and no point ran twice.
    expect(ranA.length).toBeGreaterThan(0);
    expect(ranB.length).toBeGreaterThan(0);
    expect(new Set([...ranA, ...ranB]).size).toBe(30);
    expect(ranA.length + ranB.length).toBe(30);
  });

  it.skipIf(skip !== "")(`a point given twice is one job and one result${skip}`, async () => {
    const queue = freshQueue("dup");
    const points = makePoints(5, queue);
    const ran: string[] = [];
    const results = await withWorkers(queue, [{ ran }], () =>
      submit(queue, [...points, points[2]!, points[0]!]),
    );
    expect(strip(results)).toEqual(points.map(expectedResult));
    expect(ran.sort()).toEqual(points.map((p) => p.hash).sort());
  });

  it.skipIf(skip !== "")(`a rerun is served from Redis without running the points again${skip}`, async () => {
    const queue = freshQueue("rerun");
    const points = makePoints(8, queue);
    const ran: string[] = [];
    await withWorkers(queue, [{ ran }], async () => {
      const first = await submit(queue, points);
      const again = await submit(queue, points.slice(2, 6));
      expect(strip(again)).toEqual(strip(first).slice(2, 6));
    });
    expect(ran).toHaveLength(8);
  });

  it.skipIf(skip !== "")(`results of jobs a gone submitter left are gathered, not rerun${skip}`, async () => {
    const queue = freshQueue("late");
    const points = makePoints(6, queue);
    const ran: string[] = [];
    await withWorkers(queue, [{ ran, delayMs: 150 }], async () => {
      // A submitter that enqueued and died: the jobs are in Redis, nobody listens to their events.
      const raw = new Queue(queue, { connection: { url } });
      await raw.addBulk(points.map((p) => ({ name: "point", data: p, opts: { jobId: p.hash } })));
      while ((await raw.getCompletedCount()) < 2) await new Promise((r) => setTimeout(r, 50));
      await raw.close();
      // Some are done (read from Redis), the rest still queued or running (their events).
      const results = await submit(queue, points);
      expect(strip(results)).toEqual(points.map(expectedResult));
    });
    expect(ran).toHaveLength(6);
  });

  it.skipIf(skip !== "")(`a worker of another version refuses, naming both versions${skip}`, async () => {
    const queue = freshQueue("skew");
    const points = makePoints(3, queue);
    const ran: string[] = [];
    const err = await withWorkers(queue, [{ version: "9.9.9", ran }], () =>
      submit(queue, points).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `--broker: a worker refused the sweep (version skew): this submitter is tphlab ${TEST_VERSION}, ` +
        `the worker is tphlab 9.9.9; run workers of tphlab ${TEST_VERSION}`,
    );
    expect(ran).toEqual([]);
  });

  it.skipIf(skip !== "")(
    `points refused before run again once a worker of the right version comes${skip}`,
    async () => {
      const queue = freshQueue("skew-retry");
      const points = makePoints(3, queue);
      const skewed = await startWorker({ url, queue, version: "9.9.9", runPoint: standInRunPoint(1) });
      await expect(submit(queue, points)).rejects.toThrow(/version skew/);
      await skewed.close();
      const ran: string[] = [];
      const results = await withWorkers(queue, [{ ran }], () => submit(queue, points));
      expect(strip(results)).toEqual(points.map(expectedResult));
      expect(ran).toHaveLength(3);
    },
  );

  it.skipIf(skip !== "")(
    `a point whose run throws becomes an error result after its attempts${skip}`,
    async () => {
      const queue = freshQueue("throws");
      const [good, bad] = makePoints(2, queue);
      let tries = 0;
      const w = await startWorker({
        url,
        queue,
        version: TEST_VERSION,
        runPoint: async (p) => {
          if (p.hash === bad!.hash) {
            tries++;
            throw new Error("simulator exploded");
          }
          return { ...expectedResult(p), elapsedMs: 1 };
        },
      });
      try {
        const results = await submit(queue, [good!, bad!]);
        const byIndex = strip(results);
        expect(byIndex[0]).toEqual(expectedResult(good!));
        expect(byIndex[1]).toEqual({
          hash: bad!.hash,
          index: 1,
          metrics: { "flows.write.goodputGbps": null, "bytes.misdirected": null },
          error: "worker failed: simulator exploded",
        });
        expect(tries).toBe(2);
      } finally {
        await w.close(true);
        await dropQueue(url, queue);
      }
    },
  );

  it.skipIf(skip !== "")(
    `an abort ends the run quietly and takes its waiting points off the queue${skip}`,
    async () => {
      const queue = freshQueue("abort");
      const points = makePoints(20, queue);
      const ran: string[] = [];
      await withWorkers(queue, [{ ran, delayMs: 300 }], async () => {
        const ac = new AbortController();
        const results: PointResult[] = [];
        const ex = createBrokerExecutor({ url, queue, version: TEST_VERSION });
        await ex.run(
          points,
          (r) => {
            results.push(r);
            if (results.length === 2) ac.abort();
          },
          ac.signal,
        );
        await ex.close();
        expect(results.length).toBeGreaterThanOrEqual(2);
        expect(results.length).toBeLessThan(20);
        // The running jobs (2 at a time) finish; the rest were withdrawn: nothing else runs.
        await new Promise((r) => setTimeout(r, 1_000));
        expect(ran.length).toBeLessThanOrEqual(6);
        const raw = new Queue(queue, { connection: { url } });
        expect(await raw.getWaitingCount()).toBe(0);
        await raw.close();
      });
    },
  );

  it.skipIf(skip !== "")(`an already aborted signal enqueues nothing${skip}`, async () => {
    const queue = freshQueue("pre-abort");
    const ac = new AbortController();
    ac.abort();
    expect(await submit(queue, makePoints(2, queue), ac.signal)).toEqual([]);
    const raw = new Queue(queue, { connection: { url } });
    expect(await raw.getJobCounts()).toEqual(
      expect.objectContaining({ waiting: 0, active: 0, completed: 0 }),
    );
    await raw.close();
    await dropQueue(url, queue);
  });
});

describe("broker address errors", () => {
  it("a bad URL is refused before anything connects", () => {
    const make = (u: string) => () => createBrokerExecutor({ url: u, version: "1" });
    expect(make("http://127.0.0.1:6379")).toThrow(
      "--broker: unsupported scheme 'http'; expected redis://HOST:PORT (e.g. redis://127.0.0.1:6379)",
    );
    expect(make("redis://127.0.0.1:70000")).toThrow("--broker: port '70000' is not 1..65535");
    expect(() => createBrokerExecutor({ url: "redis://h:1", queue: "a:b", version: "1" })).toThrow(
      "--queue: queue name must be",
    );
  });

  it("an unreachable broker is a clear error within the connect timeout", async () => {
    const { freePort } = await import("../../support/redis.js");
    const port = await freePort();
    const ex = createBrokerExecutor({
      url: `redis://127.0.0.1:${port}`,
      version: "1",
      connectTimeoutMs: 2_000,
    });
    const t0 = Date.now();
    await expect(ex.run(makePoints(1, "x"), () => {})).rejects.toThrow(
      `--broker: cannot reach Redis at redis://127.0.0.1:${port}: connection refused (is redis-server running there?): ECONNREFUSED`,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    await ex.close();
  });

  it("a host that never answers is given up after the connect timeout", async () => {
    // 10.255.255.1 is routable but unanswered on most networks; the error is bounded either way.
    const ex = createBrokerExecutor({
      url: "redis://10.255.255.1:6379",
      version: "1",
      connectTimeoutMs: 1_000,
    });
    const t0 = Date.now();
    await expect(ex.run(makePoints(1, "x"), () => {})).rejects.toThrow(
      /^--broker: cannot reach Redis at redis:\/\/10\.255\.255\.1:6379: /,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    await ex.close();
  });
});
