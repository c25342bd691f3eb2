// Sweep throughput on 1 and then 2 local worker threads, for two kinds of points, each into a
// fresh in-memory store; points per second and the ratio, in one run so that the machine's load of
// the moment weighs on both alike:
// - sweep/local-*: points of a real study's size (bench/sweeps/long-points.yaml, 24 runs of 1 ms
//   simulated, 15-80 ms of CPU each): the simulation is the work;
// - sweep/short-points/local-*: the examples' tiny points (examples/sweeps/stale-tags.yaml, 30
//   runs of 80 us, ~4 ms each, 10 passes timed): set-up and V8's background work (compiling code
//   that gets hot only after hundreds of points, GC) weigh as much as the simulation; one thread
//   already keeps ~1.4 cores busy (its background work runs on the second core), so two cannot
//   give more than ~1.4x there.
// A control comes first: a plain arithmetic loop on 1 and 2 threads, the speed-up the machine
// gives right now (on a shared machine whose other tenants keep both cores busy it is ~1, and so
// is any pool's).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const BURN = `const { parentPort } = require("node:worker_threads");
let x = 0;
for (let i = 0; i < 2e8; i++) x += i % 7;
parentPort.postMessage(x);`;

async function burn(threads) {
  const t0 = performance.now();
  const one = () =>
    new Promise((done) => {
      const w = new Worker(BURN, { eval: true });
      w.once("message", () => w.terminate().then(done));
    });
  await Promise.all(Array.from({ length: threads }, one));
  return (performance.now() - t0) / 1000;
}

/** Work per second on 2 threads over 1 thread, for the same loop. */
async function machineRatio() {
  const a = await burn(1);
  const b = await burn(2);
  return (2 * a) / b;
}

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Points per second of `plan` on a pool of `workers` threads, after `warm` passes, over `passes`. */
async function rate(plan, workers, warm, passes) {
  const { LocalPool } = await import("../dist/sweep/local-pool.js");
  const { ResultStore } = await import("../dist/sweep/store.js");
  const { runSweep } = await import("../dist/sweep/sweep.js");
  const executor = new LocalPool({ workers });
  // Threads start and warm up (every thread JIT-compiles the simulator for itself) before the
  // clock does: the rate is of running points in a long sweep, not of booting and compiling.
  for (let i = 0; i < warm; i++) await executor.run(plan.points, () => {});
  let points = 0;
  let seconds = 0;
  for (let i = 0; i < passes; i++) {
    const store = new ResultStore(":memory:"); // fresh each pass: every point runs
    const t0 = performance.now();
    points += (await runSweep(plan, { executor, store })).done;
    seconds += (performance.now() - t0) / 1000;
    store.close();
  }
  await executor.close();
  return { points, seconds, pointsPerSecond: points / seconds };
}

/** The main workload's rows are sweep/local-*, the short points' sweep/short-points/local-*. */
const WORKLOADS = [
  { name: "", file: "bench/sweeps/long-points.yaml", warm: 2, passes: 2 },
  // Code that runs once per point gets hot only after hundreds of points: 20 passes (600 points).
  { name: "short-points/", file: "examples/sweeps/stale-tags.yaml", warm: 20, passes: 10 },
];

export async function benchLocalSweep() {
  console.log(JSON.stringify({ scenario: "machine/threads-2-vs-1", ratio: await machineRatio() }));
  const { planSweep } = await import("../dist/sweep/plan.js");
  const version = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version;
  for (const w of WORKLOADS) {
    const file = `${ROOT}${w.file}`;
    const plan = planSweep(readFileSync(file, "utf8"), file, { version, readFile: (p) => readFileSync(p) });
    const r = {};
    for (const workers of [1, 2]) {
      r[workers] = await rate(plan, workers, w.warm, w.passes);
      console.log(JSON.stringify({ scenario: `sweep/${w.name}local-${workers}`, ...r[workers] }));
    }
    const ratio = r[2].pointsPerSecond / r[1].pointsPerSecond;
    console.log(JSON.stringify({ scenario: `sweep/${w.name}local-2-vs-1`, ratio }));
  }
}
