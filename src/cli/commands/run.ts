/**
 * `tphlab run FILE|EXAMPLE [--revision LIST]... [--seed N] [--sample INTERVAL] [--json]`: run a
 * scenario on each kernel revision and print the key metrics side by side (or the JSON report, with
 * the time series sampled every INTERVAL and the kernel events). EXAMPLE names a scenario shipped
 * with the package (`tphlab run demo`). `--params` prints every parameter a scenario file may set,
 * with its type, default and the default's source. A run that takes more than a second shows its
 * progress on stderr when stderr is a terminal.
 */
import { inputError } from "../../base/errors.js";
import { parameterReference, parameterRows } from "../../scenario/docs.js";
import { loadScenario } from "../../scenario/load.js";
import { platformCatalogue, renderPlatformCatalogue } from "../../scenario/platform-catalogue.js";
import { reportJson } from "../../scenario/result.js";
import { runScenario } from "../../scenario/run.js";
import type { RunProgress } from "../../scenario/sampling.js";
import { renderOutcome } from "../../scenario/table.js";
import { formatTimePs, parseQuantity } from "../../scenario/units.js";
import { DEFAULT_MAX_SAMPLES } from "../../sim/sampler.js";
import { intFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { resolveScenarioPath, shippedExamples } from "../package.js";
import { Progress } from "../progress.js";
import { parseRevisions, REVISION_OPTION } from "../revisions.js";
import type { Flags, OptionSpec } from "../spec.js";
import { RUN_OUTPUT_OPTIONS, runOutputs, writeRunOutputs } from "./run-outputs.js";

export const SEED_OPTION: OptionSpec = {
  name: "seed",
  value: "N",
  help: "random seed, 0..4294967295 (default: the scenario's)",
};

export const SAMPLE_OPTION: OptionSpec = {
  name: "sample",
  value: "INTERVAL",
  help:
    "time-series sampling interval, e.g. 1us (at least 1ns; default: the 1-2-5 step giving\n" +
    `200-500 samples); at most ${DEFAULT_MAX_SAMPLES} samples are kept: past that, pairs merge and the interval doubles`,
};

/** --sample as integer picoseconds (undefined: the default). */
export function sampleFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ps = parseQuantity("time", text);
  if (typeof ps === "string") throw inputError("--sample", `${ps}, found '${text}' (e.g. 1us)`, "type");
  if (!(Number.isInteger(ps) && ps >= 1000))
    throw inputError(
      "--sample",
      `must be a whole number of picoseconds, at least 1ns, found '${text}'`,
      "range",
    );
  return ps;
}

/** Progress of a multi-revision run for the terminal: "v11 (2/3): 80us of 200us simulated". */
export function runProgress(
  io: Io,
  label: string,
): { onProgress: (p: RunProgress) => void; done: () => void } {
  const bar = new Progress(io, label);
  return {
    onProgress: (p) => {
      if (!bar.enabled) return;
      const fraction = (p.index + (p.durationNs > 0 ? p.simulatedNs / p.durationNs : 1)) / p.revisions;
      const where = `${formatTimePs(p.simulatedNs * 1000)} of ${formatTimePs(p.durationNs * 1000)} simulated`;
      bar.update(fraction, `${p.revision} (${p.index + 1}/${p.revisions}): ${where}`);
    },
    done: () => bar.done(),
  };
}

function run(flags: Flags, io: Io): number {
  if (flags.bool("platforms")) {
    const all = platformCatalogue();
    io.stdout(flags.bool("json") ? `${JSON.stringify(all, null, 2)}\n` : renderPlatformCatalogue(all));
    return 0;
  }
  if (flags.bool("params")) {
    io.stdout(flags.bool("json") ? `${JSON.stringify(parameterRows(), null, 2)}\n` : parameterReference());
    return 0;
  }
  if (flags.positionals.length !== 1)
    throw inputError("", "expected one scenario FILE or EXAMPLE (see 'tphlab run --help')", "usage");
  const seedText = flags.string("seed");
  const seed = seedText === undefined ? undefined : intFlag("--seed", seedText, 0, 0xffffffff);
  const revisions = parseRevisions(flags.strings("revision"));
  const samplePs = sampleFlag(flags.string("sample"));
  const outputs = runOutputs(flags);
  const scenario = loadScenario(resolveScenarioPath(io, flags.positionals[0]!), io.readFile);
  const progress = runProgress(io, "tphlab run");
  let outcome: ReturnType<typeof runScenario>;
  try {
    outcome = runScenario(scenario, {
      ...(revisions ? { revisions } : {}),
      ...(seed === undefined ? {} : { seed }),
      ...(samplePs === undefined ? {} : { samplePs }),
      ...(outputs.trace === undefined ? {} : { trace: true }),
      onProgress: progress.onProgress,
    });
  } finally {
    progress.done();
  }
  writeRunOutputs(outcome, outputs, io);
  io.stdout(flags.bool("json") ? reportJson(outcome.report) : renderOutcome(outcome));
  return 0;
}

export const runCommand: Command = {
  name: "run",
  summary: "run a scenario file on kernel revisions side by side",
  synopsis: [
    "FILE|EXAMPLE [--revision LIST]... [--seed N] [--sample INTERVAL] [--json] [--report FILE.html]",
    "FILE|EXAMPLE --trace FILE.pftrace|FILE.json [--trace-window A..B] [--trace-max-events N]",
    "--params [--json]",
    "--platforms [--json]",
  ],
  options: [
    { ...REVISION_OPTION, help: `${REVISION_OPTION.help} (default: the file's 'revisions')` },
    SEED_OPTION,
    SAMPLE_OPTION,
    { name: "params", help: "list every parameter a scenario may set, with defaults and sources" },
    ...RUN_OUTPUT_OPTIONS,
    { name: "platforms", help: "list the preset platforms (platform: {preset: NAME}) with their trees" },
  ],
  args: { name: "FILE", complete: "file" },
  notes: (io) => `EXAMPLE: a scenario shipped with tphlab, by name: ${shippedExamples(io).join(", ")}`,
  run,
};
