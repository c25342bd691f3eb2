/**
 * The local executor on real worker threads (from a scratch build): the same stored results with
 * 1 and 2 workers, an interrupted sweep resumed runs only the missing points, and the CLI end to
 * end (a killed process resumes too, exports read back).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalPool } from "../../src/sweep/local-pool.js";
import type { SweepPlan } from "../../src/sweep/plan.js";
import { ResultStore } from "../../src/sweep/store.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { freshQueue, testRedis } from "../support/redis.js";
import { type Build, buildScratchPackage } from "./build.js";
import { plan, scratch } from "./fixtures.js";

const SWEEP = `scenario: tiny.yaml
vary: { flows.write.rate: [50Gb/s, 150Gb/s] }
zip: [{ flows.write.size: [1KiB, 4KiB], accelerator.partitionWays: [[4, 4, 4], [8, 4, 4]] }]
revisions: [v11, proposed]
seeds: 2
metrics: [flows.write.goodputGbps, bytesMisdirected, tlps.stale]
`;

let build: Build;
const dir = scratch();
let p: SweepPlan;

beforeAll(() => {
  build = buildScratchPackage();
  p = plan(dir, SWEEP);
}, 300_000);

afterAll(() => {
  rmSync(build.root, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

async function sweepWith(workers: number, store: ResultStore, signal?: AbortSignal) {
  const executor = new LocalPool({ workers, workerFile: build.workerFile });
  try {
    return await runSweep(p, { executor, store, ...(signal ? { signal } : {}) });
  } finally {
    await executor.close();
  }
}

describe("local sweeps on worker threads", () => {
  it("store the same results with 1 and 2 workers", async () => {
    const one = new ResultStore(join(dir, "one.db"));
    const two = new ResultStore(join(dir, "two.db"));
    const a = await sweepWith(1, one);
    const b = await sweepWith(2, two);
    expect([a.done, b.done, a.failed]).toEqual([16, 16, 0]);
    const rows = one.rows();
    expect(rows).toHaveLength(16);
    expect(two.rows()).toEqual(rows);
    // The runs differ where they should: seeds (Poisson arrivals), revisions (stale tags on v11).
    const stale = rows.map((r) => (r.result as { tlps: { stale: number } }).tlps.stale);
    expect(Math.max(...stale)).toBeGreaterThan(0);
    expect(Math.min(...stale)).toBe(0);
    expect(new Set(rows.map((r) => r.metrics["flows.write.goodputGbps"])).size).toBeGreaterThan(4);
    one.close();
    two.close();
  });

  it("resume an interrupted sweep running only the missing points", async () => {
    const store = new ResultStore(join(dir, "resume.db"));
    const ac = new AbortController();
    const executor = new LocalPool({ workers: 2, workerFile: build.workerFile });
    const first = await runSweep(p, {
      executor,
      store,
      signal: ac.signal,
      onProgress: (s) => {
        if (s.done >= 5) ac.abort();
      },
    });
    await executor.close();
    expect(first.interrupted).toBe(true);
    const kept = store.count();
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThan(16);
    const ran: string[] = [];
    const spy = new LocalPool({ workers: 2, workerFile: build.workerFile });
    const second = await runSweep(p, {
      executor: {
        run: (pts, on, s) => {
          ran.push(...pts.map((x) => x.hash));
          return spy.run(pts, on, s);
        },
        close: () => spy.close(),
      },
      store,
    });
    await spy.close();
    expect([second.reused, second.done, second.interrupted]).toEqual([kept, 16 - kept, false]);
    expect(ran).toHaveLength(16 - kept);
    const reference = new ResultStore(join(dir, "one.db"));
    expect(store.rows()).toEqual(reference.rows());
    reference.close();
    store.close();
  });
});

describe("a worker thread that cannot start", () => {
  it("fails the run with a message instead of hanging or crashing the process", async () => {
    const bad = join(dir, "broken-worker.mjs");
    writeFileSync(bad, "import './missing-module.js';\nexport default () => 0;\n");
    const executor = new LocalPool({ workers: 1, workerFile: bad });
    const store = new ResultStore(":memory:");
    await expect(runSweep(p, { executor, store })).rejects.toThrow(
      /a sweep worker thread failed: .*missing-module/,
    );
    await executor.close();
    expect(store.count()).toBe(0);
    store.close();
  });
});

describe("tphlab sweep (built CLI)", () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [build.bin, "sweep", ...args], { cwd: dir, encoding: "utf8" });

  it("resumes after the process is killed, then exports what it stored", async () => {
    const db = join(dir, "killed.db");
    const child = spawn(
      process.execPath,
      [build.bin, "sweep", join(dir, "s.yaml"), "--workers", "1", "--out", db],
      { cwd: dir },
    );
    // Kill it once the store holds two results (the summary never prints).
    const exited = new Promise((done) => child.on("exit", done));
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    await new Promise<void>((done) => {
      const poll = setInterval(() => {
        const s = new ResultStore(db);
        const n = s.count();
        s.close();
        if (n >= 2 || ended) {
          clearInterval(poll);
          child.kill("SIGKILL");
          done();
        }
      }, 100);
    });
    await exited;
    expect(ended && child.signalCode).toBe("SIGKILL"); // killed, not finished or crashed
    const partial = new ResultStore(db);
    const kept = partial.count();
    partial.close();
    expect(kept).toBeLessThan(16);
    const r = cli([join(dir, "s.yaml"), "--workers", "2", "--out", db, "--export", "parquet", "--json"]);
    expect(r.stderr).toContain(
      `sweep: 16 points: ${16 - kept} run (2 worker threads), ${kept} reused from ${db}`,
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      rows: { revision: string; metric: string; summary: { n: number; ci95: unknown } }[];
    };
    expect(out.rows).toHaveLength(4 * 2 * 3);
    expect(out.rows.every((x) => x.summary.n === 2 && Array.isArray(x.summary.ci95))).toBe(true);
    const bytes = readFileSync(join(dir, "killed.parquet"));
    const rows = (await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    })) as Record<string, unknown>[];
    expect(rows).toHaveLength(16);
    expect(Object.keys(rows[0]!)).toEqual([
      "flows.write.rate",
      "flows.write.size",
      "accelerator.partitionWays",
      "revision",
      "seed",
      "flows.write.goodputGbps",
      "bytesMisdirected",
      "tlps.stale",
      "error",
      "hash",
    ]);
  });

  it("refuses a bad sweep file with every problem, exit 2, before running anything", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "scenario: tiny.yaml\nvary: { link.gen: [9] }\nmetrics: [nope]\n");
    const r = cli([bad, "--out", join(dir, "bad.db")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `tphlab sweep: ${bad}:2:20: vary["link.gen"][0]: link.gen: expected a value in 1..6, found 9`,
    );
  });
});

const redis = await testRedis();
const reason = "reason" in redis ? redis.reason : "";
const skip = reason ? ` (skipped: ${reason})` : "";

afterAll(async () => {
  if ("stop" in redis) await redis.stop();
});

describe(`tphlab sweep --broker with two tphlab worker processes${skip}`, () => {
  it.skipIf(skip !== "")(`stores exactly the rows a local sweep stores${skip}`, async () => {
    const url = "url" in redis ? redis.url : "";
    const queue = freshQueue("e2e");
    const workers = [0, 1].map(() =>
      spawn(process.execPath, [build.bin, "worker", "--broker", url, "--queue", queue, "-c", "1", "--json"], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const taken = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.stdout.on("data", (d: Buffer) => {
        taken[i]! += d
          .toString()
          .split("\n")
          .filter((l) => l.includes('"event":"finished"')).length;
      });
    });
    try {
      const db = join(dir, "broker.db");
      const args = [build.bin, "sweep", join(dir, "s.yaml"), "--broker", url, "--queue", queue, "--out", db];
      const r = await new Promise<{ status: number | null; stderr: string }>((done) => {
        const c = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        c.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
        });
        c.on("exit", (status) => done({ status, stderr }));
      });
      expect(r.stderr).toContain(`sweep: 16 points: 16 run (the workers of ${url} (queue ${queue}))`);
      expect(r.status).toBe(0);
      // The same sweep run here on one thread (the same tphlab version, so the same point hashes).
      const localDb = join(dir, "local-for-broker.db");
      const l = spawnSync(
        process.execPath,
        [build.bin, "sweep", join(dir, "s.yaml"), "--workers", "1", "--out", localDb],
        { cwd: dir, encoding: "utf8" },
      );
      expect(l.status).toBe(0);
      const local = new ResultStore(localDb);
      const viaRedis = new ResultStore(db);
      // rows() leaves out the wall time: everything else is the result's identity and content.
      expect(viaRedis.rows()).toEqual(local.rows());
      expect(viaRedis.rows()).toHaveLength(16);
      local.close();
      viaRedis.close();
    } finally {
      for (const w of workers) w.kill("SIGTERM");
      await Promise.all(
        workers.map((w) => new Promise((done) => (w.exitCode === null ? w.on("exit", done) : done(0)))),
      );
    }
    // Both workers took points (a queue, not one worker doing everything).
    expect(taken.every((n) => n > 0)).toBe(true);
  });
});
