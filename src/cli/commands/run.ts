/**
 * `tphlab run FILE [--revision NAME...] [--seed N] [--json]`: run a scenario on each kernel
 * revision and print the key metrics side by side (or the JSON report). `--params` prints every
 * parameter a scenario file may set, with its type, default and the default's source.
 */
import { inputError } from "../../base/errors.js";
import { REVISION_NAMES, type RevisionName } from "../../kernel/revision.js";
import { parameterReference } from "../../scenario/docs.js";
import { loadScenario } from "../../scenario/load.js";
import { reportJson } from "../../scenario/result.js";
import { runScenario } from "../../scenario/run.js";
import { renderOutcome } from "../../scenario/table.js";
import { intFlag, parseFlags, revisionFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";

/** `--revision a,b --revision c` -> [a, b, c], each checked. */
export function revisionsFlag(values: readonly (string | boolean)[] | undefined): RevisionName[] | undefined {
  if (!values || values.length === 0) return undefined;
  const names = values.flatMap((v) => String(v).split(",")).map((v) => revisionFlag("--revision", v.trim()));
  return [...new Set(names)];
}

async function run(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    revision: { type: "string", multiple: true },
    seed: { type: "string" },
    json: { type: "boolean" },
    params: { type: "boolean" },
  });
  if (values.params) {
    io.stdout(parameterReference());
    return 0;
  }
  if (positionals.length !== 1)
    throw inputError("", "expected one scenario FILE (see 'tphlab run --help')", "usage");
  const seed =
    values.seed === undefined ? undefined : intFlag("--seed", values.seed as string, 0, 0xffffffff);
  const revisions = revisionsFlag(values.revision as string[] | undefined);
  const scenario = loadScenario(positionals[0]!, io.readFile);
  const outcome = runScenario(scenario, {
    ...(revisions ? { revisions } : {}),
    ...(seed === undefined ? {} : { seed }),
  });
  io.stdout(values.json ? reportJson(outcome.report) : renderOutcome(outcome));
  return 0;
}

export const runCommand: Command = {
  name: "run",
  summary: "run a scenario file on kernel revisions side by side",
  usage:
    "tphlab run FILE [--revision NAME...] [--seed N] [--json]\n" +
    "       tphlab run --params    (every parameter a scenario may set, with defaults and sources)\n" +
    `revisions: ${REVISION_NAMES.join(", ")} (default: the file's 'revisions')`,
  run,
};
