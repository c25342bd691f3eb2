/**
 * The files `run` (and `demo`) write beside their output: `--report FILE` (the HTML report) and
 * `--trace FILE` (Perfetto protobuf, or Chrome JSON when FILE ends in .json) with
 * `--trace-window A..B` and `--trace-max-events N`. Flags are validated before the run starts.
 */
import { inputError } from "../../base/errors.js";
import { renderRunReport } from "../../report/html/run-report.js";
import { DEFAULT_MAX_TRACE_EVENTS, runTrace, traceFormatOf } from "../../report/trace/index.js";
import type { RunOutcome } from "../../scenario/result.js";
import { formatTimePs, parseQuantity } from "../../scenario/units.js";
import { intFlag } from "../args.js";
import type { Io } from "../io.js";
import type { Flags, OptionSpec } from "../spec.js";

export const RUN_OUTPUT_OPTIONS: readonly OptionSpec[] = [
  {
    name: "report",
    value: "FILE",
    help: "also write a self-contained HTML report (opens offline)",
    complete: "file",
  },
  {
    name: "trace",
    value: "FILE",
    help: "also write a trace: Perfetto protobuf (.pftrace), or Chrome JSON if FILE ends in .json",
    complete: "file",
  },
  { name: "trace-window", value: "A..B", help: "trace only simulated time A..B (e.g. 40us..60us)" },
  {
    name: "trace-max-events",
    value: "N",
    help: `cap on trace events (default ${DEFAULT_MAX_TRACE_EVENTS}; kernel calls and counters kept first, then TLPs in time order)`,
  },
];

export interface RunOutputs {
  readonly report?: string;
  readonly trace?: string;
  readonly window?: { readonly fromPs: number; readonly toPs: number };
  readonly maxEvents: number;
}

function timeIn(flag: string, text: string): number {
  const v = parseQuantity("time", text);
  if (typeof v === "string") throw inputError(flag, `'${text}': ${v}`, "type");
  if (v < 0) throw inputError(flag, `'${text}': must not be negative`, "range");
  return v;
}

/** `--trace-window A..B`, in picoseconds. */
export function parseTraceWindow(text: string): { fromPs: number; toPs: number } {
  const flag = "--trace-window";
  const m = /^(.*)\.\.(.*)$/.exec(text);
  if (!m) throw inputError(flag, `expected A..B with time units (e.g. 40us..60us), found '${text}'`, "type");
  const fromPs = timeIn(flag, m[1]!);
  const toPs = timeIn(flag, m[2]!);
  if (toPs <= fromPs) throw inputError(flag, `the end must come after the start, found '${text}'`, "range");
  return { fromPs, toPs };
}

/** Read and check the output flags (before the run, so a typo costs nothing). */
export function runOutputs(flags: Flags): RunOutputs {
  const report = flags.string("report");
  const trace = flags.string("trace");
  const windowText = flags.string("trace-window");
  const maxText = flags.string("trace-max-events");
  if (trace === undefined && (windowText !== undefined || maxText !== undefined))
    throw inputError(
      windowText !== undefined ? "--trace-window" : "--trace-max-events",
      "needs --trace FILE",
      "usage",
    );
  if (report === "") throw inputError("--report", "expects a file name", "usage");
  if (trace === "") throw inputError("--trace", "expects a file name", "usage");
  return {
    ...(report === undefined ? {} : { report }),
    ...(trace === undefined ? {} : { trace }),
    ...(windowText === undefined ? {} : { window: parseTraceWindow(windowText) }),
    maxEvents:
      maxText === undefined
        ? DEFAULT_MAX_TRACE_EVENTS
        : intFlag("--trace-max-events", maxText, 1, 10_000_000),
  };
}

/** Write the requested files; one line each on stderr saying where (stdout stays the report). */
export function writeRunOutputs(outcome: RunOutcome, o: RunOutputs, io: Io): void {
  if (o.window && o.window.fromPs >= outcome.durationPs)
    throw inputError(
      "--trace-window",
      `starts after the run ends (${formatTimePs(outcome.durationPs)})`,
      "range",
    );
  if (o.report !== undefined) {
    io.writeFile(o.report, renderRunReport({ outcome }));
    io.stderr(`report: ${o.report}\n`);
  }
  if (o.trace !== undefined) {
    const format = traceFormatOf(o.trace);
    const t = runTrace({ outcome }, format, {
      maxEvents: o.maxEvents,
      ...(o.window ? { window: o.window } : {}),
    });
    io.writeFile(o.trace, t.data);
    const capped = t.dropped > 0 ? `; ${t.dropped} more left out by --trace-max-events ${o.maxEvents}` : "";
    io.stderr(
      `trace: ${o.trace} (${format === "perfetto" ? "Perfetto" : "Chrome JSON"}, ${t.events} events${capped})\n`,
    );
  }
}
