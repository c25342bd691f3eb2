// `npm run bench`: speed is measured here, never in timed tests. Runs on the compiled build and
// prints one JSON line per scenario: the fabric scenarios first (simulated TLPs per wall second,
// the target is >= 5 M), then the engine's micro-benchmarks.
import { benchScenarios } from "../dist/hw/fabric/bench.js";
import { benchEngine } from "../dist/sim/bench-engine.js";

for (const r of benchScenarios()) {
  console.log(JSON.stringify({ ...r, scenario: `fabric/${r.scenario}` }));
}
for (const r of benchEngine()) {
  console.log(JSON.stringify({ scenario: `engine/${r.name}`, ...r }));
}
