// `npm run bench`: speed is measured here, never in timed tests. Runs on the compiled build.
// Prints one JSON line per scenario.
import { benchEngine } from "../dist/sim/bench-engine.js";

for (const r of benchEngine()) {
  console.log(JSON.stringify({ scenario: `engine/${r.name}`, ...r }));
}
