// Distributed sweep throughput (issue 12 section 3): the same points run once locally, one after
// another in this process, then through Redis by 2 worker processes (BullMQ, concurrency 1 each),
// as points per second and the ratio between the two in the same run. Each point is a real
// simulation (examples/p2p-write-switch.yaml at 1 ms, 4 message sizes x 2 revisions x 6 seeds: 48
// points), run by a bench-local runPoint (parse the point's scenario document, run its revision
// and seed, read the write flow's goodput); the results of both runs must be equal. Each process
// runs 16 points before the clock starts (JIT warm-up), so the numbers are nearer a long sweep's
// steady state. The local row is sweep/redis-baseline-local-1 (not the pool's sweep/local-1). Then 400
// empty points (the worker returns at once) show what the broker itself costs per point.
//
// Redis: TPHLAB_BENCH_REDIS or TPHLAB_TEST_REDIS when set, else a redis-server started here on a
// free loopback port (and stopped); without either, one JSON line says the bench was skipped.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const VERSION = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version;
const METRIC = "flows.write.goodputGbps";

function points(queue) {
  const base = parse(readFileSync(`${ROOT}examples/p2p-write-switch.yaml`, "utf8"));
  const out = [];
  for (const size of ["4KiB", "8KiB", "16KiB", "64KiB"])
    for (const revision of ["v11", "proposed"])
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const scenario = { ...base, duration: "1ms", flows: [{ ...base.flows[0], size }] };
        const hash = createHash("sha256")
          .update(JSON.stringify({ queue, scenario, revision, seed, VERSION }))
          .digest("hex");
        out.push({
          hash,
          index: out.length,
          values: { "flows.write.size": size },
          scenario,
          revision,
          seed,
          version: VERSION,
          metrics: [METRIC],
        });
      }
  return out;
}

async function runPointFn() {
  const { parseScenario } = await import("../dist/scenario/load.js");
  const { runScenario } = await import("../dist/scenario/run.js");
  const run = (p) => {
    const t0 = performance.now();
    const s = parseScenario(JSON.stringify(p.scenario), `point ${p.index}`);
    const out = runScenario(s, { revisions: [p.revision], seed: p.seed });
    const goodput = out.report.results[p.revision]?.flows.write?.goodputGbps ?? null;
    return {
      hash: p.hash,
      index: p.index,
      metrics: { [METRIC]: goodput },
      elapsedMs: performance.now() - t0,
    };
  };
  // Steady state is what a long sweep sees: points first warm the JIT (the first takes ~4x, and
  // code run once per point keeps getting hot for dozens more).
  for (const p of points("warm-up").slice(0, 16)) run({ ...p, seed: 99 });
  return run;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function redisUrl() {
  const given = process.env.TPHLAB_BENCH_REDIS || process.env.TPHLAB_TEST_REDIS;
  if (given) return { url: given, stop: () => {} };
  if (spawnSync("redis-server", ["--version"]).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  await new Promise((resolve) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) resolve();
    });
  });
  process.once("exit", () => child.kill("SIGKILL"));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

function startWorkerProcess(url, queue) {
  const child = spawn(process.execPath, [SELF, "--worker", url, queue], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return { child, ready };
}

async function worker(url, queue) {
  const { startWorker } = await import("../dist/sweep/broker/worker.js");
  const run = await runPointFn();
  // Empty points measure what the broker itself costs per point.
  const runPoint = (p) =>
    p.values.empty ? { hash: p.hash, index: p.index, metrics: {}, elapsedMs: 0 } : run(p);
  const w = await startWorker({ url, queue, concurrency: 1, version: VERSION, runPoint });
  process.stdout.write("ready\n");
  process.once("SIGTERM", () => void w.close());
}

async function main() {
  const redis = await redisUrl();
  if (!redis) {
    console.log(
      JSON.stringify({
        scenario: "sweep/redis-2-workers",
        skipped: "no redis-server and no TPHLAB_BENCH_REDIS",
      }),
    );
    return;
  }
  try {
    await measure(redis);
  } finally {
    redis.stop();
  }
}

async function measure(redis) {
  const queue = `tphlab-bench-${process.pid}-${Date.now()}`;
  const pts = points(queue);
  const runPoint = await runPointFn();
  let t0 = performance.now();
  const local = pts.map((p) => runPoint(p));
  const localSeconds = (performance.now() - t0) / 1000;
  const workers = [startWorkerProcess(redis.url, queue), startWorkerProcess(redis.url, queue)];
  await Promise.all(workers.map((w) => w.ready));
  const { createBrokerExecutor } = await import("../dist/sweep/broker/executor.js");
  const ex = createBrokerExecutor({ url: redis.url, queue, version: VERSION, reconcileMs: 500 });
  const remote = [];
  t0 = performance.now();
  await ex.run(pts, (r) => remote.push(r));
  const redisSeconds = (performance.now() - t0) / 1000;
  const empty = Array.from({ length: 400 }, (_, i) => ({
    ...pts[0],
    hash: createHash("sha256").update(`${queue}/empty/${i}`).digest("hex"),
    index: i,
    values: { empty: true },
  }));
  t0 = performance.now();
  await ex.run(empty, () => {});
  const emptySeconds = (performance.now() - t0) / 1000;
  await ex.close();
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(
    workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r() : w.child.once("exit", r)))),
  );
  const same =
    JSON.stringify(local.map((r) => r.metrics)) ===
    JSON.stringify(remote.sort((a, b) => a.index - b.index).map((r) => r.metrics));
  const n = pts.length;
  console.log(
    JSON.stringify({
      scenario: "sweep/redis-baseline-local-1",
      points: n,
      seconds: localSeconds,
      pointsPerSecond: n / localSeconds,
    }),
  );
  console.log(
    JSON.stringify({
      scenario: "sweep/redis-2-workers",
      points: n,
      seconds: redisSeconds,
      pointsPerSecond: n / redisSeconds,
      ratioToLocal1: localSeconds / redisSeconds,
      sameResults: same,
    }),
  );
  console.log(
    JSON.stringify({
      scenario: "sweep/redis-2-workers-empty-points",
      points: empty.length,
      seconds: emptySeconds,
      pointsPerSecond: empty.length / emptySeconds,
      brokerMsPerPoint: (emptySeconds * 1000 * 2) / empty.length,
    }),
  );
  if (!same) process.exitCode = 1;
}

const at = process.argv.indexOf("--worker");
if (at >= 0) await worker(process.argv[at + 1], process.argv[at + 2]);
else await main();
