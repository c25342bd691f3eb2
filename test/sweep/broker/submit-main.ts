/**
 * A submitter as a process: runs POINTS (JSON file) through the broker executor on URL/QUEUE and
 * prints each result as a JSON line. It never calls process.exit: the process ends only if close()
 * released every connection and timer.
 */
import { readFileSync } from "node:fs";
import { createBrokerExecutor } from "../../../src/sweep/broker/executor.js";
import type { SweepPoint } from "../../../src/sweep/types.js";

const [url, queue, pointsFile, version] = process.argv.slice(2);
const points = JSON.parse(readFileSync(pointsFile!, "utf8")) as SweepPoint[];
const ex = createBrokerExecutor({ url: url!, queue: queue!, version: version!, reconcileMs: 500 });
try {
  await ex.run(points, (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await ex.close();
}
