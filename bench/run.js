// `npm run bench`: speed is measured here, never in timed tests. Runs on the compiled build and
// prints one JSON line per scenario. Each fabric scenario runs in its own process so its
// peakRssMiB is its own; write-400g runs at 5 ms and 40 ms of simulated time to show that memory
// stays flat as simulated time grows (streaming statistics, no per-TLP retention). Then sweep
// throughput on 1 vs 2 worker threads (bench/sweep.js; `node bench/run.js --sweep` runs only that),
// and the distributed sweep's points per second on 2 Redis workers (bench/broker.js).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchLocalSweep } from "./sweep.js";

const FABRIC = [
  ["write-400g", 5000],
  ["write-400g", 40000],
  ["read-gen5", 5000],
  ["write-host-dmah", 5000],
];

async function one(name, us) {
  const { benchScenarios } = await import("../dist/hw/fabric/bench.js");
  const [r] = benchScenarios({ only: [name], simulatedUs: us });
  const label = us === 5000 ? name : `${name}@${us / 1000}ms`;
  console.log(JSON.stringify({ ...r, scenario: `fabric/${label}` }));
}

async function all() {
  const self = fileURLToPath(import.meta.url);
  for (const [name, us] of FABRIC) {
    const child = spawnSync(process.execPath, [self, "--one", name, String(us)], { encoding: "utf8" });
    process.stdout.write(child.stdout);
    if (child.status !== 0) {
      process.stderr.write(child.stderr);
      process.exitCode = 1;
    }
  }
  const { benchEngine } = await import("../dist/sim/bench-engine.js");
  for (const r of benchEngine()) console.log(JSON.stringify({ scenario: `engine/${r.name}`, ...r }));
  await benchLocalSweep();
  // Distributed sweeps (bench/broker.js): 2 Redis workers against 1 local run of the same points.
  const broker = spawnSync(process.execPath, [fileURLToPath(new URL("./broker.js", import.meta.url))], {
    encoding: "utf8",
  });
  process.stdout.write(broker.stdout);
  if (broker.status !== 0) {
    process.stderr.write(broker.stderr);
    process.exitCode = 1;
  }
}

const at = process.argv.indexOf("--one");
if (at >= 0) await one(process.argv[at + 1], Number(process.argv[at + 2]));
else if (process.argv.includes("--sweep")) await benchLocalSweep();
else await all();
