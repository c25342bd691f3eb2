/**
 * `tphlab demo [--json] [--seed N]`: the project's main job in one command. Runs the built-in
 * scenario (examples/demo.yaml: RDMA WRITE and READ into an accelerator through a switch, with a
 * revoke and a new SET mid-run) on mainline, v11 and proposed, and prints the comparison.
 */
import { demoScenario, demoSummary } from "../../scenario/demo.js";
import { reportJson } from "../../scenario/result.js";
import { runScenario } from "../../scenario/run.js";
import { renderOutcome } from "../../scenario/table.js";
import { optIntFlag, parseFlags } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";

function demo(argv: readonly string[], io: Io): number {
  const { values } = parseFlags(argv, { json: { type: "boolean" }, seed: { type: "string" } }, false);
  const s = demoScenario();
  const seed = optIntFlag("--seed", values.seed as string | undefined, 0, 0xffffffff, s.seed);
  const outcome = runScenario(s, { seed });
  if (values.json) {
    io.stdout(reportJson(outcome.report));
    return 0;
  }
  io.stdout(`$ tphlab run examples/demo.yaml\n\n${renderOutcome(outcome)}\n${demoSummary(outcome, s)}`);
  return 0;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "the main job: P2P RDMA with TPH, a revoke and a new SET, on mainline, v11 and proposed",
  usage: "tphlab demo [--json] [--seed N]",
  run: demo,
};
