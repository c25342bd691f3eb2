/**
 * `tphlab worker` as a process, with the stand-in runPoint (compiled by processes.test.ts into a
 * scratch package; argv as the CLI's after `worker`). STAND_IN_DELAY_MS sets each point's run time.
 */
import { makeWorkerCommand, processStopRequested } from "../../../src/cli/commands/worker.js";
import { nodeIo } from "../../../src/cli/io.js";
import { main } from "../../../src/cli/main.js";
import { standInRunPoint } from "./stand-in.js";

const delayMs = Number(process.env.STAND_IN_DELAY_MS ?? "50");
const command = makeWorkerCommand({
  runner: () => ({ runPoint: standInRunPoint(delayMs), close: async () => {} }),
  stopRequested: processStopRequested,
});
process.exitCode = await main(["worker", ...process.argv.slice(2)], nodeIo(), [command]);
