/**
 * Distributed sweeps with real processes: `tphlab worker` processes (the CLI command with the
 * stand-in runPoint) and a submitter process against a real redis-server. Every result arrives
 * once; a worker SIGKILLed while it holds a job loses and duplicates nothing; a worker of another
 * version is refused; bad and unreachable brokers are one line and exit 2.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerExecutor } from "../../../src/sweep/broker/executor.js";
import type { PointResult } from "../../../src/sweep/types.js";
import { dropQueue, freePort, freshQueue, testRedis } from "../../support/redis.js";
import {
  buildScratch,
  type Child,
  events,
  removeScratch,
  type Scratch,
  startChild,
  withVersion,
} from "./scratch.js";
import { expectedResult, makePoints } from "./stand-in.js";

const redis = await testRedis();
const reason = "reason" in redis ? redis.reason : "";
const skip = reason ? ` (skipped: ${reason})` : "";
const url = "url" in redis ? redis.url : "";

let build: Scratch | undefined;
let skewed: Scratch | undefined;
const children: Child[] = [];

beforeAll(() => {
  if (!skip) build = buildScratch();
}, 300_000);

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
  removeScratch(build);
  removeScratch(skewed);
  if ("stop" in redis) await redis.stop();
});

const FAST = ["--lock-ms", "1500", "--stalled-ms", "500"];

function worker(queue: string, extra: readonly string[], delayMs: number, from = build!): Child {
  const c = startChild(
    from.file("test/sweep/broker/worker-main.js"),
    ["--broker", url, "--queue", queue, "--json", ...extra],
    { STAND_IN_DELAY_MS: String(delayMs) },
  );
  children.push(c);
  return c;
}

const ready = (c: Child) => c.waitFor((l) => l.includes('"event":"ready"'));

/** Stop a worker as a user would (SIGTERM) and expect a clean exit. */
async function stop(c: Child): Promise<void> {
  c.proc.kill("SIGTERM");
  expect(await c.exited).toBe(0);
}

const strip = (rs: readonly PointResult[]) =>
  rs.map(({ elapsedMs: _, ...r }) => r).sort((a, b) => a.index - b.index);

describe(`distributed sweep processes${skip}`, () => {
  it.skipIf(skip !== "")(
    `two tphlab worker processes and a submitter process: every result once${skip}`,
    async () => {
      const queue = freshQueue("procs");
      const points = makePoints(16, queue, build!.version);
      const file = join(build!.dir, `${queue}.json`);
      writeFileSync(file, JSON.stringify(points));
      const workers = [worker(queue, ["-c", "1"], 80), worker(queue, ["-c", "1"], 80)];
      await Promise.all(workers.map(ready));
      const submitter = startChild(build!.file("test/sweep/broker/submit-main.js"), [
        url,
        queue,
        file,
        build!.version,
      ]);
      children.push(submitter);
      // The submitter exits by itself: close() left no connection or timer behind.
      expect(await submitter.exited).toBe(0);
      const results = submitter.lines.map((l) => JSON.parse(l) as PointResult);
      expect(results).toHaveLength(16);
      expect(strip(results)).toEqual(points.map(expectedResult));
      const started = workers.map((w) => events(w, "started").map((e) => e.hash as string));
      expect(started[0]!.length).toBeGreaterThan(0);
      expect(started[1]!.length).toBeGreaterThan(0);
      expect([...started[0]!, ...started[1]!].sort()).toEqual(points.map((p) => p.hash).sort());
      await Promise.all(workers.map(stop));
      await dropQueue(url, queue);
    },
    90_000,
  );

  it.skipIf(skip !== "")(
    `a worker SIGKILLed while it holds a job loses and duplicates nothing${skip}`,
    async () => {
      const queue = freshQueue("kill");
      const points = makePoints(10, queue, build!.version);
      const [a, b] = [worker(queue, ["-c", "1", ...FAST], 600), worker(queue, ["-c", "1", ...FAST], 600)];
      await Promise.all([ready(a), ready(b)]);
      const results: PointResult[] = [];
      const ex = createBrokerExecutor({ url, queue, version: build!.version, reconcileMs: 500 });
      const run = ex.run(points, (r) => results.push(r));
      // Kill a while it runs its second point (its first is committed: with -c 1 the next job is
      // fetched only once the previous one is stored).
      await a.waitFor(() => events(a, "started").length >= 2);
      const held = events(a, "started").at(-1)!.hash as string;
      a.proc.kill("SIGKILL");
      expect(await a.exited).toBe("SIGKILL");
      await run;
      await ex.close();
      expect(results).toHaveLength(10);
      expect(strip(results)).toEqual(points.map(expectedResult));
      // The held point was run again by b; every point finished exactly once in all.
      const finishedA = events(a, "finished").map((e) => e.hash as string);
      const finishedB = events(b, "finished").map((e) => e.hash as string);
      expect(finishedA).not.toContain(held);
      expect(finishedB).toContain(held);
      expect([...finishedA, ...finishedB].sort()).toEqual(points.map((p) => p.hash).sort());
      await stop(b);
      await dropQueue(url, queue);
    },
    90_000,
  );

  it.skipIf(skip !== "")(
    `a worker of another tphlab version is refused, naming both${skip}`,
    async () => {
      skewed = withVersion(build!, "9.9.9");
      const queue = freshQueue("skew");
      const w = worker(queue, ["-c", "1"], 10, skewed);
      await ready(w);
      const ex = createBrokerExecutor({ url, queue, version: build!.version });
      await expect(ex.run(makePoints(3, queue, build!.version), () => {})).rejects.toThrow(
        `--broker: a worker refused the sweep (version skew): this submitter is tphlab ${build!.version}, ` +
          `the worker is tphlab 9.9.9; run workers of tphlab ${build!.version}`,
      );
      await ex.close();
      expect(events(w, "log").map((e) => e.message)).toContainEqual(
        expect.stringMatching(
          `^refused point [0-9a-f]{64}: tphlab version skew: the point was planned by tphlab ${build!.version}, this worker runs tphlab 9.9.9$`,
        ),
      );
      expect(events(w, "started")).toEqual([]);
      await stop(w);
      await dropQueue(url, queue);
    },
    60_000,
  );

  it.skipIf(skip !== "")(
    `bad and unreachable brokers: one line, exit 2, bounded time${skip}`,
    async () => {
      const bin = build!.file("src/cli/bin.js");
      const run = async (args: string[]) => {
        const c = startChild(bin, ["worker", ...args]);
        children.push(c);
        const t0 = Date.now();
        const code = await c.exited;
        return { code, err: c.stderr(), ms: Date.now() - t0 };
      };
      expect(await run(["--broker", "127.0.0.1:6379"])).toMatchObject({
        code: 2,
        err: "tphlab worker: --broker: no 'redis://' in '127.0.0.1:6379'; expected redis://HOST:PORT (e.g. redis://127.0.0.1:6379)\n",
      });
      expect(await run([])).toMatchObject({
        code: 2,
        err: "tphlab worker: --broker: is required (redis://HOST:PORT)\n",
      });
      const port = await freePort();
      const down = await run(["--broker", `redis://127.0.0.1:${port}`]);
      expect(down).toMatchObject({
        code: 2,
        err: `tphlab worker: --broker: cannot reach Redis at redis://127.0.0.1:${port}: connection refused (is redis-server running there?): ECONNREFUSED\n`,
      });
      expect(down.ms).toBeLessThan(10_000);
    },
    60_000,
  );
});
