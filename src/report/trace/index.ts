/**
 * `run --trace`: a run outcome as a Perfetto (.pftrace, protobuf) or Chrome JSON (.json) trace.
 */
import type { RunOutcome } from "../../scenario/result.js";
import type { RunEvent, Series } from "../../sim/series.js";
import { buildTraceModel, DEFAULT_MAX_TRACE_EVENTS, type TraceOptions, traceLinks } from "./build.js";
import { chromeJsonTrace } from "./chrome-json.js";
import { perfettoTrace } from "./perfetto.js";

export { buildTraceModel, DEFAULT_MAX_TRACE_EVENTS, type TraceInput, type TraceOptions } from "./build.js";
export { chromeJsonTrace } from "./chrome-json.js";
export type { TraceModel } from "./model.js";
export { perfettoTrace } from "./perfetto.js";

/** The format a trace file's name asks for: Chrome JSON for `.json`, else Perfetto protobuf. */
export function traceFormatOf(path: string): "chrome-json" | "perfetto" {
  return path.toLowerCase().endsWith(".json") ? "chrome-json" : "perfetto";
}

export interface RunTraceInput {
  readonly outcome: RunOutcome;
  /** Series and events by revision (default: the run report's own). */
  readonly series?: Readonly<Record<string, Series>>;
  readonly events?: Readonly<Record<string, readonly RunEvent[]>>;
}

/** The trace file's contents, and how many events the cap left out. */
export function runTrace(
  input: RunTraceInput,
  format: "chrome-json" | "perfetto",
  o: TraceOptions = {},
): { data: string | Uint8Array; events: number; dropped: number } {
  const { outcome } = input;
  const report = outcome.report;
  const revisions = Object.keys(report.results);
  const firstRev = report.results[revisions[0] ?? ""];
  const model = buildTraceModel(
    {
      revisions,
      traces: outcome.traces ?? {},
      steps: outcome.steps,
      events: input.events ?? report.events,
      series: input.series ?? report.series,
      links: traceLinks(report.config.links, firstRev?.links ?? {}),
      durationPs: outcome.durationPs,
    },
    { maxEvents: o.maxEvents ?? DEFAULT_MAX_TRACE_EVENTS, ...(o.window ? { window: o.window } : {}) },
  );
  const data = format === "chrome-json" ? chromeJsonTrace(model) : perfettoTrace(model);
  return { data, events: model.events.length, dropped: model.dropped };
}
