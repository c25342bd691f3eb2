/**
 * The trace of a run, format-neutral (model.ts): per revision, TLP slices on link directions,
 * device instants, message instants with flow arrows to their TLPs, counters (series or derived)
 * and kernel calls as instants with their arguments and return values. A window keeps part of the
 * run; a cap on events keeps the file small enough to open (kernel calls and counters first, then
 * TLP-level events in time order).
 */
import type { TlpTraceRecord } from "../../hw/fabric/trace.js";
import { errnoName } from "../../kernel/errno.js";
import type { Step } from "../../scenario/setup.js";
import type { RunEvent, Series } from "../../sim/series.js";
import { derivedCounters, seriesCounters } from "./counters.js";
import { type InstantEvent, type TraceEvent, type TraceModel, TrackTable } from "./model.js";
import { type TlpEventContext, type TraceLink, tlpEvents } from "./tlp-events.js";

/** The default cap: about 20 MB of Chrome JSON, a few MB of protobuf; both open in Perfetto's UI. */
export const DEFAULT_MAX_TRACE_EVENTS = 100_000;

export interface TraceInput {
  readonly revisions: readonly string[];
  /** The TLP-level records per revision (run with RunOptions.trace). */
  readonly traces: Readonly<Record<string, readonly TlpTraceRecord[]>>;
  /** The kernel calls per revision (used when `events` has none for the revision). */
  readonly steps: Readonly<Record<string, readonly Step[]>>;
  readonly events?: Readonly<Record<string, readonly RunEvent[]>>;
  readonly series?: Readonly<Record<string, Series>>;
  /** By downstream BDF: the link's role name and TLP-layer rate. */
  readonly links: ReadonlyMap<string, TraceLink>;
  readonly durationPs: number;
}

export interface TraceOptions {
  /** Keep events in [fromPs, toPs) (default: the whole run). */
  readonly window?: { readonly fromPs: number; readonly toPs: number };
  readonly maxEvents?: number;
}

function retArgs(ret: number | undefined): Record<string, string | number> {
  if (ret === undefined) return {};
  return ret < 0 ? { ret, errno: errnoName(ret) } : { ret };
}

/** Kernel calls as instants on the revision's "kernel calls" track. */
function kernelInstants(input: TraceInput, rev: number, tracks: TrackTable): InstantEvent[] {
  const name = input.revisions[rev]!;
  const track = tracks.get(rev, name, "kernel calls", "slices");
  const events = input.events?.[name];
  if (events && events.length > 0)
    return events.map((e) => ({
      type: "instant",
      track,
      tsPs: e.atNs * 1000,
      name: e.call,
      category: `kernel,${e.kind}`,
      args: { who: e.who, kind: e.kind, ...(e.args ?? {}), ...retArgs(e.ret) },
    }));
  return (input.steps[name] ?? []).map((s) => ({
    type: "instant",
    track,
    tsPs: s.at,
    name: s.call,
    category: "kernel",
    args: { who: s.who, call: s.call, ...retArgs(s.ret) },
  }));
}

/** A bucket for derived counters: about 200 per window, at least 1 ns. */
function bucketOf(fromPs: number, toPs: number): number {
  return Math.max(1000, Math.ceil((toPs - fromPs) / 200 / 1000) * 1000);
}

export function buildTraceModel(input: TraceInput, o: TraceOptions = {}): TraceModel {
  const from = o.window?.fromPs ?? 0;
  const to = o.window?.toPs ?? input.durationPs + 1;
  const inWindow = (e: TraceEvent) => e.tsPs >= from && e.tsPs < to;
  const tracks = new TrackTable();
  const essential: TraceEvent[] = [];
  const detail: TraceEvent[] = [];
  let nextFlow = 1;
  input.revisions.forEach((revName, rev) => {
    essential.push(...kernelInstants(input, rev, tracks).filter(inWindow));
    const records = input.traces[revName] ?? [];
    const ctx = { rev, revName, tracks };
    const series = input.series?.[revName];
    const counters = series
      ? seriesCounters(series, ctx)
      : derivedCounters(records, input.links, from, Math.min(to, input.durationPs), bucketOf(from, to), ctx);
    essential.push(...counters.filter(inWindow));
    const ids = new Map<string, number>();
    const tc: TlpEventContext = {
      ...ctx,
      links: input.links,
      flowId: (flow, msg) => {
        const key = `${flow}\u0000${msg}`;
        const known = ids.get(key);
        if (known !== undefined) return known;
        ids.set(key, nextFlow);
        return nextFlow++;
      },
    };
    detail.push(...tlpEvents(records, tc).filter(inWindow));
  });
  const max = o.maxEvents ?? DEFAULT_MAX_TRACE_EVENTS;
  const byTime = (a: TraceEvent, b: TraceEvent) => a.tsPs - b.tsPs;
  essential.sort(byTime);
  detail.sort(byTime);
  const keptEssential = essential.slice(0, max);
  const keptDetail = detail.slice(0, Math.max(0, max - keptEssential.length));
  const events = [...keptEssential, ...keptDetail].sort(byTime);
  const dropped = essential.length + detail.length - events.length;
  return { revisions: input.revisions, tracks: tracks.tracks, events, dropped };
}

/** The links of a run report as the trace names them: by name and by downstream BDF. */
export function traceLinks(
  config: Readonly<Record<string, { readonly bdf: string }>>,
  rates: Readonly<Record<string, { readonly tlpGbps: number }>>,
): Map<string, TraceLink> {
  const out = new Map<string, TraceLink>();
  // The fabric names link records by the link's name (`sw0-nic0 up`), device records by BDF.
  for (const [role, l] of Object.entries(config)) {
    const link = { role, bdf: l.bdf, tlpGbps: rates[role]?.tlpGbps ?? 0 };
    out.set(l.bdf, link);
    out.set(role, link);
  }
  return out;
}
