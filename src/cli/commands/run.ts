/**
 * `tphlab run FILE|EXAMPLE [--revision LIST]... [--seed N] [--json]`: run a scenario on each kernel
 * revision and print the key metrics side by side (or the JSON report). EXAMPLE names a scenario
 * shipped with the package (`tphlab run demo`). `--params` prints every parameter a scenario file
 * may set, with its type, default and the default's source.
 */
import { inputError } from "../../base/errors.js";
import { parameterReference, parameterRows } from "../../scenario/docs.js";
import { loadScenario } from "../../scenario/load.js";
import { reportJson } from "../../scenario/result.js";
import { runScenario } from "../../scenario/run.js";
import { renderOutcome } from "../../scenario/table.js";
import { intFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { resolveScenarioPath, shippedExamples } from "../package.js";
import { parseRevisions, REVISION_OPTION } from "../revisions.js";
import type { Flags, OptionSpec } from "../spec.js";

export const SEED_OPTION: OptionSpec = {
  name: "seed",
  value: "N",
  help: "random seed, 0..4294967295 (default: the scenario's)",
};

function run(flags: Flags, io: Io): number {
  if (flags.bool("params")) {
    io.stdout(flags.bool("json") ? `${JSON.stringify(parameterRows(), null, 2)}\n` : parameterReference());
    return 0;
  }
  if (flags.positionals.length !== 1)
    throw inputError("", "expected one scenario FILE or EXAMPLE (see 'tphlab run --help')", "usage");
  const seedText = flags.string("seed");
  const seed = seedText === undefined ? undefined : intFlag("--seed", seedText, 0, 0xffffffff);
  const revisions = parseRevisions(flags.strings("revision"));
  const scenario = loadScenario(resolveScenarioPath(io, flags.positionals[0]!), io.readFile);
  const outcome = runScenario(scenario, {
    ...(revisions ? { revisions } : {}),
    ...(seed === undefined ? {} : { seed }),
  });
  io.stdout(flags.bool("json") ? reportJson(outcome.report) : renderOutcome(outcome));
  return 0;
}

export const runCommand: Command = {
  name: "run",
  summary: "run a scenario file on kernel revisions side by side",
  synopsis: ["FILE|EXAMPLE [--revision LIST]... [--seed N] [--json]", "--params [--json]"],
  options: [
    { ...REVISION_OPTION, help: `${REVISION_OPTION.help} (default: the file's 'revisions')` },
    SEED_OPTION,
    { name: "params", help: "list every parameter a scenario may set, with defaults and sources" },
  ],
  args: { name: "FILE", complete: "file" },
  notes: (io) => `EXAMPLE: a scenario shipped with tphlab, by name: ${shippedExamples(io).join(", ")}`,
  run,
};
