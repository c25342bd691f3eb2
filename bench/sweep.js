// Sweep throughput: the same points (examples/sweeps/stale-tags.yaml, 30 runs) on 1 and then 2
// local worker threads, each into a fresh in-memory store; points per second and the ratio, in
// one run so that the machine's load of the moment weighs on both alike.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export async function benchLocalSweep() {
  const { planSweep } = await import("../dist/sweep/plan.js");
  const { LocalPool } = await import("../dist/sweep/local-pool.js");
  const { ResultStore } = await import("../dist/sweep/store.js");
  const { runSweep } = await import("../dist/sweep/sweep.js");
  const version = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version;
  const file = `${ROOT}examples/sweeps/stale-tags.yaml`;
  const plan = planSweep(readFileSync(file, "utf8"), file, { version, readFile: (p) => readFileSync(p) });
  const rate = {};
  for (const workers of [1, 2]) {
    const executor = new LocalPool({ workers });
    const store = new ResultStore(":memory:");
    // Threads start before the clock does: the rate is of running points, not of booting Node.
    await executor.run(plan.points.slice(0, workers), () => {});
    const t0 = performance.now();
    const out = await runSweep(plan, { executor, store });
    const seconds = (performance.now() - t0) / 1000;
    await executor.close();
    store.close();
    rate[workers] = out.done / seconds;
    console.log(
      JSON.stringify({
        scenario: `sweep/local-${workers}`,
        points: out.done,
        seconds,
        pointsPerSecond: rate[workers],
      }),
    );
  }
  console.log(JSON.stringify({ scenario: "sweep/local-2-vs-1", ratio: rate[2] / rate[1] }));
}
