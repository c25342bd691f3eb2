/** `tphlab worker` in this process: flags checked before anything connects, a start and a stop. */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { makeWorkerCommand } from "../../src/cli/commands/worker.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { createBrokerExecutor } from "../../src/sweep/broker/executor.js";
import { dropQueue, freshQueue, testRedis } from "../support/redis.js";
import { expectedResult, makePoints, standInRunPoint } from "../sweep/broker/stand-in.js";

const redis = await testRedis();
const VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const reason = "reason" in redis ? redis.reason : "";
const skip = reason ? ` (skipped: ${reason})` : "";
afterAll(() => ("stop" in redis ? redis.stop() : undefined));

/** The worker command with the stand-in runner; it stops when `stop` resolves. */
function command(stop: Promise<void>, runners: number[] = []) {
  return makeWorkerCommand({
    runner: (concurrency) => {
      runners.push(concurrency);
      return { runPoint: standInRunPoint(5), close: async () => {} };
    },
    stopRequested: () => stop,
  });
}

describe("tphlab worker flags", () => {
  it.each([
    [["--concurrency", "0"], "tphlab worker: --concurrency: must be between 1 and 1024, found 0\n"],
    [
      ["--queue", "a:b"],
      "tphlab worker: --queue: queue name must be 1-100 of A-Z a-z 0-9 _ . - (starting with a letter or digit), found 'a:b'\n",
    ],
    [["--lock-ms", "10"], "tphlab worker: --lock-ms: must be between 500 and 86400000, found 10\n"],
    [
      ["--broker", "redis://h:1", "extra"],
      "tphlab worker: unexpected argument 'extra' (see 'tphlab worker --help')\n",
    ],
  ])("%j: one line, exit 2, no runner made", async (args, err) => {
    const io = captureIo();
    const runners: number[] = [];
    const argv = args.includes("--broker") ? args : ["--broker", "redis://127.0.0.1:1", ...args];
    expect(await main(["worker", ...argv], io, [command(Promise.resolve(), runners)])).toBe(2);
    expect(io.err).toBe(err);
    expect(runners).toEqual([]);
  });
});

describe(`tphlab worker on Redis${skip}`, () => {
  it.skipIf(skip !== "")(`starts, runs points, stops on request and says so${skip}`, async () => {
    const url = "url" in redis ? redis.url : "";
    const queue = freshQueue("cli");
    const io = captureIo();
    const runners: number[] = [];
    let stop = () => {};
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const running = main(["worker", "--broker", url, "--queue", queue, "-c", "3", "-v"], io, [
      command(stopped, runners),
    ]);
    while (!io.err.includes("taking points")) await new Promise((r) => setTimeout(r, 20));
    const points = makePoints(4, queue);
    const ex = createBrokerExecutor({ url, queue, version: VERSION });
    const got: unknown[] = [];
    // The worker reads the version from package.json: the points say the same.
    await ex.run(
      points.map((p) => ({ ...p, version: VERSION })),
      (r) => got.push(r),
    );
    await ex.close();
    stop();
    expect(await running).toBe(0);
    expect(got).toHaveLength(4);
    expect(runners).toEqual([3]);
    const lines = io.err.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `tphlab worker: tphlab ${VERSION} taking points from ${url} queue '${queue}', 3 at a time (Ctrl-C to stop)`,
    );
    expect(lines.filter((l) => /^tphlab worker: started [0-9a-f]{64}$/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => /^tphlab worker: finished [0-9a-f]{64} in 5 ms$/.test(l))).toHaveLength(4);
    expect(lines.slice(-2)).toEqual([
      "tphlab worker: stopping: running points finish (Ctrl-C again to stop now; they go back to the queue)",
      "tphlab worker: stopped after 4 points",
    ]);
    expect(expectedResult(points[0]!).metrics).toEqual(
      (got as { index: number; metrics: unknown }[]).find((r) => r.index === 0)?.metrics,
    );
    await dropQueue(url, queue);
  });
});
