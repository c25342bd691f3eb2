// Sweep throughput on 1 and then 2 local worker threads, for two kinds of points, each into a
// fresh in-memory store; points per second and the ratio, in one run so that the machine's load of
// the moment weighs on both alike:
// - long points (bench/sweeps/long-points.yaml, 24 runs of 1 ms simulated, ~50-100 ms of CPU
//   each): the simulation is the work, as in a real study;
// - short points (examples/sweeps/stale-tags.yaml, 30 runs of 80 us, a few ms each): set-up and
//   V8's background work (compiling code that gets hot only after hundreds of points, GC) weigh
//   as much as the simulation; with 1 thread that background work runs free on the second core,
//   with 2 it competes with the threads, so these scale less.
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

/** Points per second of `plan` on a pool of `workers` threads, after `warm` passes. */
async function rate(plan, workers, warm) {
  const { LocalPool } = await import("../dist/sweep/local-pool.js");
  const { ResultStore } = await import("../dist/sweep/store.js");
  const { runSweep } = await import("../dist/sweep/sweep.js");
  const executor = new LocalPool({ workers });
  // Threads start and warm up (every thread JIT-compiles the simulator for itself) before the
  // clock does: the rate is of running points in a long sweep, not of booting and compiling.
  for (let i = 0; i < warm; i++) await executor.run(plan.points, () => {});
  const store = new ResultStore(":memory:");
  const t0 = performance.now();
  const out = await runSweep(plan, { executor, store });
  const seconds = (performance.now() - t0) / 1000;
  await executor.close();
  store.close();
  return { points: out.done, seconds, pointsPerSecond: out.done / seconds };
}

const WORKLOADS = [
  { name: "long", file: "bench/sweeps/long-points.yaml", warm: 2 },
  // Code that runs once per point gets hot only after hundreds of points: 20 passes (600 points).
  { name: "short", file: "examples/sweeps/stale-tags.yaml", warm: 20 },
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
      r[workers] = await rate(plan, workers, w.warm);
      console.log(JSON.stringify({ scenario: `sweep/${w.name}/local-${workers}`, ...r[workers] }));
    }
    const ratio = r[2].pointsPerSecond / r[1].pointsPerSecond;
    console.log(JSON.stringify({ scenario: `sweep/${w.name}/local-2-vs-1`, ratio }));
  }
}
