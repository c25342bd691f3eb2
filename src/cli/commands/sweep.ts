/**
 * `tphlab sweep FILE [--workers N] [--out results.db] [--export csv|json|parquet] [--json]`: run a
 * sweep file's points (grid x revisions x seeds) on every core, store each result as it finishes,
 * and print the mean, standard deviation and 95% CI over seeds per point, revision and metric.
 * A second run of the same sweep reuses every stored point and runs only the missing ones.
 */
import { basename, extname } from "node:path";
import { inputError } from "../../base/errors.js";
import { sweepReportHtml } from "../../report/sweep-html.js";
import { num, renderTable } from "../../scenario/table.js";
import { type AggregateRow, aggregate } from "../../sweep/aggregate.js";
import { EXPORT_FORMATS, exportBytes, exportTable } from "../../sweep/export.js";
import { planSweep, type SweepPlan } from "../../sweep/plan.js";
import { ResultStore } from "../../sweep/store.js";
import { runSweep, type SweepOutcome, type SweepProgress } from "../../sweep/sweep.js";
import { choiceFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { EXAMPLES_DIR, packageVersion } from "../package.js";
import { formatSeconds, Progress } from "../progress.js";
import type { Flags } from "../spec.js";
import { type ChosenExecutor, chooseExecutor, SWEEP_EXECUTOR_OPTIONS } from "./sweep-executor.js";

/** Largest sweep file read. */
const MAX_SWEEP_BYTES = 1024 * 1024;

/** FILE itself, else a sweep shipped in examples/sweeps by name. */
function readSweep(io: Io, given: string): { path: string; text: string } {
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  try {
    const text = decode(io.readFile(given, MAX_SWEEP_BYTES));
    // As `tphlab run` says of a scenario: a NUL byte is no YAML a user wrote.
    if (text.includes("\u0000")) throw inputError(given, "not a text file", "binary");
    return { path: given, text };
  } catch (e) {
    if (given.includes("/")) throw e;
    const shipped = `${EXAMPLES_DIR}/sweeps/${given.replace(/\.yaml$/, "")}.yaml`;
    try {
      return { path: shipped, text: decode(io.readFile(shipped, MAX_SWEEP_BYTES)) };
    } catch {
      throw e;
    }
  }
}

function cellText(r: AggregateRow): string {
  const s = r.summary;
  if (s.mean === null) return r.failed ? "failed" : "-";
  const ci = s.ci95 ? ` ±${num((s.ci95[1] - s.ci95[0]) / 2)}` : "";
  return `${num(s.mean)}${ci}`;
}

/** An axis value as a cell: text as is, anything else (a list, a mapping) as compact JSON. */
function valueText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One line per grid point and revision, one column per metric (mean ±95% CI half-width). */
export function renderSweep(plan: SweepPlan, rows: readonly AggregateRow[]): string {
  const paths = plan.axes.flatMap((a) => a.paths);
  const lines = new Map<string, string[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.values, r.revision]);
    const line = lines.get(key) ?? [...paths.map((p) => valueText(r.values[p])), r.revision];
    line.push(cellText(r));
    lines.set(key, line);
  }
  const head = [...paths, "revision", ...plan.metrics] as [string, ...string[]];
  const body = [...lines.values()] as [string, ...string[]][];
  return renderTable(head, body);
}

/** "12/48 points, 30 stored, 1 failed" (the shared progress line adds the share and the ETA). */
export function progressDetail(p: SweepProgress): string {
  const stored = p.reused ? `, ${p.reused} stored` : "";
  const failed = p.failed ? `, ${p.failed} failed` : "";
  return `${p.done}/${p.todo} points${stored}${failed}`;
}

function summaryLine(o: SweepOutcome, store: string, label: string, seconds: number): string {
  const stop = o.interrupted ? " (interrupted: run the same command again to resume)" : "";
  const failed = o.failed ? `, ${o.failed} failed` : "";
  return `sweep: ${o.total} points: ${o.done} run (${label}), ${o.reused} reused from ${store}${failed}, ${formatSeconds(seconds)}${stop}\n`;
}

function defaultStore(sweepPath: string): string {
  return `${basename(sweepPath, extname(sweepPath))}.db`;
}

async function execute(
  plan: SweepPlan,
  chosen: ChosenExecutor,
  io: Io,
  store: ResultStore,
): Promise<SweepOutcome> {
  const { executor, label } = chosen;
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const progress = new Progress(io, "tphlab sweep");
  const t0 = performance.now();
  try {
    const out = await runSweep(plan, {
      executor,
      store,
      signal: ac.signal,
      onProgress: (p) => progress.update(p.todo ? p.done / p.todo : 1, progressDetail(p)),
    });
    progress.done();
    io.stderr(summaryLine(out, store.path, label, (performance.now() - t0) / 1000));
    return out;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await executor.close();
  }
}

async function run(flags: Flags, io: Io): Promise<number> {
  if (flags.positionals.length !== 1)
    throw inputError("", "expected one sweep FILE (see 'tphlab sweep --help')", "usage");
  const format = flags.string("export");
  if (format !== undefined) choiceFlag("--export", format, EXPORT_FORMATS);
  const report = flags.string("report");
  if (report === "") throw inputError("--report", "expects a file name", "usage");
  const { path, text } = readSweep(io, flags.positionals[0]!);
  const plan = planSweep(text, path, {
    version: packageVersion(io),
    readFile: io.readFile,
    examplesDir: EXAMPLES_DIR,
  });
  const out = flags.string("out") ?? defaultStore(path);
  // Flags are judged before the store file is created.
  const chosen = await chooseExecutor(flags, io);
  let store: ResultStore;
  try {
    store = new ResultStore(out);
  } catch (e) {
    await chosen.executor.close();
    throw e;
  }
  try {
    const outcome = await execute(plan, chosen, io, store);
    const get = (h: string) => store.get(h);
    if (format !== undefined) {
      const file = `${out.replace(/\.db$/, "")}.${format}`;
      io.writeFile(file, exportBytes(format as (typeof EXPORT_FORMATS)[number], exportTable(plan, get)));
      io.stderr(`sweep: exported ${file}\n`);
    }
    const rows = aggregate(plan, get);
    if (report !== undefined) {
      io.writeFile(report, sweepReportHtml(plan, rows, `tphlab ${packageVersion(io)}`));
      io.stderr(`report: ${report}\n`);
    }
    if (flags.bool("json")) {
      const { points: _p, ...head } = plan;
      io.stdout(`${JSON.stringify({ ...head, store: out, outcome, rows }, null, 2)}\n`);
    } else io.stdout(renderSweep(plan, rows));
    return outcome.interrupted ? 130 : 0;
  } finally {
    store.close();
  }
}

export const sweepCommand: Command = {
  name: "sweep",
  summary: "run a sweep file (grid x revisions x seeds) on every core, resumable",
  synopsis: [
    "FILE [--workers N | --broker URL] [--out results.db] [--export csv|json|parquet] [--report FILE.html] [--json]",
  ],
  options: [
    ...SWEEP_EXECUTOR_OPTIONS,
    {
      name: "out",
      value: "FILE",
      help: "the SQLite result store (default: the sweep file's name .db, here)",
      complete: "file",
    },
    {
      name: "export",
      value: "FORMAT",
      help: "also write every run's metrics beside the store",
      complete: EXPORT_FORMATS,
    },
    {
      name: "report",
      value: "FILE.html",
      help: "also write a self-contained HTML report: per metric, a line per revision over the first varied axis with its 95% CI, and the table",
      complete: "file",
    },
  ],
  args: { name: "FILE", complete: "file" },
  notes:
    "Results are stored as each point finishes, keyed by a hash of (scenario point, revision, seed,\n" +
    "tphlab version): run the command again after an interruption and only the missing points run.\n" +
    "Text output: mean over seeds ±95% CI half-width. FILE may name a sweep in examples/sweeps.",
  run,
};
