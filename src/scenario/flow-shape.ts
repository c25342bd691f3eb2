/**
 * The shape of a flow's traffic in a scenario file, beyond size and rate: on/off bursts, a stop
 * time, and arrivals replayed from a CSV trace (./trace-file.ts). The keys are spread into the
 * flow's schema (./scenario-schema.ts); the cross-field checks run with the scenario's.
 */
import type { BurstSpec, TraceSpec } from "../hw/fabric/arrivals.js";
import type { FlowDesc, Scenario } from "./scenario-schema.js";
import { quantity, type Reporter } from "./schema.js";
import { object, optional, required } from "./schema-object.js";
import { TRACE_FILE } from "./trace-file.js";
import { formatTimePs } from "./units.js";

/** Longest on- or off-period: the longest run (10 ms). */
const MAX_PERIOD_PS = 10 * 1e9;

const burst = object({
  on: required(quantity("time", { min: 1, max: MAX_PERIOD_PS }), "how long the source sends"),
  off: required(quantity("time", { max: MAX_PERIOD_PS }), "then how long it is silent"),
});

/** The flow keys of this module, in the order the documentation lists them. */
export const shapeFields = {
  burst: optional(
    burst,
    "on/off source from the flow's start: messages start only in on-periods; with rate, the rate holds while on (mean rate x on/(on+off))",
  ),
  stop: optional(
    quantity("time"),
    "no message starts at or after this time (default: until the end of the run); the flow's goodput is judged from its start to here",
  ),
  trace: optional(
    TRACE_FILE,
    "replay arrivals from a CSV file, relative to the scenario file: one 'time,size' line per message (time after the flow's start with a unit, non-decreasing; size in bytes or with a unit; optional 'time,size' header, or 'time_ns,size' (or _ps, _us, ...) for bare times in that unit; # comments); replaces size, rate, arrival and burst",
  ),
};

/** Keys a trace replaces: given together with it, they are refused. */
const TRACE_EXCLUDES = ["size", "rate", "queueDepth", "burst"] as const;

/** Cross-field problems of flow `i`'s shape (size or trace, stop after start, inside the run). */
export function checkFlowShape(s: Scenario, f: FlowDesc, i: number, r: Reporter): void {
  if (f.size === undefined && f.trace === undefined)
    r.report(
      ["flows", i, "size"],
      "required",
      "missing required key (expected a message size, or a trace file giving sizes and times)",
    );
  if (f.trace !== undefined) {
    for (const k of TRACE_EXCLUDES)
      if (f[k] !== undefined)
        r.report(["flows", i, k], "one-of", `a trace gives the messages' times and sizes: remove '${k}'`);
    if (f.arrival === "poisson")
      r.report(["flows", i, "arrival"], "one-of", "a trace gives the messages' times: remove 'arrival'");
  }
  if (f.stop !== undefined) {
    if (f.stop <= f.start)
      r.report(
        ["flows", i, "stop"],
        "range",
        `stop (${formatTimePs(f.stop)}) must be after start (${formatTimePs(f.start)})`,
      );
    else if (f.stop > s.duration) r.report(["flows", i, "stop"], "range", "after the end of the run");
  }
}

/** Smallest and largest message of a flow. */
export function sizeRange(f: FlowDesc): { min: number; max: number } {
  const s = f.size;
  if (s === undefined) {
    const sizes = f.trace?.sizes ?? [];
    let min = Number.POSITIVE_INFINITY;
    let max = 1;
    for (const n of sizes) {
      if (n < min) min = n;
      if (n > max) max = n;
    }
    return { min: Math.min(min, max), max };
  }
  if (typeof s === "number") return { min: s, max: s };
  if (s.dist === "uniform") return { min: s.min, max: s.max };
  return { min: Math.min(...s.values), max: Math.max(...s.values) };
}

/** When flow `f` stops offering messages: its stop, or the end of the run. */
export function flowEnd(s: Scenario, f: FlowDesc): number {
  return Math.min(f.stop ?? s.duration, s.duration);
}

/** A trace's messages that arrive before `end` (ps): their count and bytes. */
export function traceBound(f: FlowDesc, end: number): { bytes: number; messages: number } {
  const t = f.trace;
  let bytes = 0;
  let messages = 0;
  if (t === undefined) return { bytes, messages };
  const limit = f.messages ?? Number.POSITIVE_INFINITY;
  for (let k = 0; k < t.timesPs.length && f.start + t.timesPs[k]! < end && messages < limit; k++) {
    bytes += t.sizes[k]!;
    messages++;
  }
  return { bytes, messages };
}

/** The fabric's view of the flow's shape (times in ns as the FlowSpec takes them). */
export function shapeSpec(f: FlowDesc): { stopNs?: number; burst?: BurstSpec; trace?: TraceSpec } {
  return {
    ...(f.stop === undefined ? {} : { stopNs: f.stop / 1000 }),
    ...(f.burst === undefined ? {} : { burst: { onNs: f.burst.on / 1000, offNs: f.burst.off / 1000 } }),
    ...(f.trace === undefined ? {} : { trace: { timesPs: f.trace.timesPs, sizes: f.trace.sizes } }),
  };
}
