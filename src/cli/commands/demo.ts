/**
 * `tphlab demo [--json] [--seed N]`: the project's main job in one command. Runs the built-in
 * scenario (the shipped example `demo`, examples/demo.yaml: RDMA WRITE and READ into an
 * accelerator through a switch, with a revoke and a new SET mid-run) on mainline, v11 and
 * proposed, and prints the comparison.
 */
import { demoScenario, demoSummary } from "../../scenario/demo.js";
import { reportJson } from "../../scenario/result.js";
import { runScenario } from "../../scenario/run.js";
import { renderOutcome } from "../../scenario/table.js";
import { optIntFlag } from "../args.js";
import type { Command } from "../command.js";
import { runProgress, SEED_OPTION } from "./run.js";
import { RUN_OUTPUT_OPTIONS, runOutputs, writeRunOutputs } from "./run-outputs.js";

export const demoCommand: Command = {
  name: "demo",
  summary: "the main job: P2P RDMA with TPH, a revoke and a new SET, on mainline, v11 and proposed",
  synopsis: ["[--seed N] [--json] [--report FILE.html] [--trace FILE.pftrace|FILE.json]"],
  options: [SEED_OPTION, ...RUN_OUTPUT_OPTIONS],
  notes: "The same as 'tphlab run demo': the shipped example examples/demo.yaml.",
  run(flags, io) {
    const s = demoScenario();
    const seed = optIntFlag("--seed", flags.string("seed"), 0, 0xffffffff, s.seed);
    const outputs = runOutputs(flags);
    const progress = runProgress(io, "tphlab demo");
    let outcome: ReturnType<typeof runScenario>;
    try {
      outcome = runScenario(s, {
        seed,
        onProgress: progress.onProgress,
        ...(outputs.trace === undefined ? {} : { trace: true }),
      });
    } finally {
      progress.done();
    }
    writeRunOutputs(outcome, outputs, io);
    if (flags.bool("json")) {
      io.stdout(reportJson(outcome.report));
      return 0;
    }
    io.stdout(`$ tphlab run demo\n\n${renderOutcome(outcome)}\n${demoSummary(outcome, s)}`);
    return 0;
  },
};
