/**
 * The Chrome JSON trace format (the "Trace Event Format" chrome://tracing and Perfetto's UI open):
 * a process per revision, a thread per track (named by metadata events), "X" complete events for
 * slices, "i" instants, "C" counters, and "s"/"f" flow events binding a message to its TLPs.
 * Timestamps are microseconds with fractions, so picosecond times survive exactly enough.
 */
import type { TraceModel, TraceTrack } from "./model.js";

type JsonEvent = Record<string, unknown>;

const us = (ps: number) => ps / 1e6;

function metadata(m: TraceModel): JsonEvent[] {
  const out: JsonEvent[] = m.revisions.map((r, i) => ({
    ph: "M",
    name: "process_name",
    pid: i + 1,
    tid: 0,
    args: { name: `revision ${r}` },
  }));
  for (const t of m.tracks) {
    if (t.kind === "root") continue;
    out.push({ ph: "M", name: "thread_name", pid: t.revision + 1, tid: t.uuid, args: { name: t.name } });
    out.push({
      ph: "M",
      name: "thread_sort_index",
      pid: t.revision + 1,
      tid: t.uuid,
      args: { sort_index: t.uuid },
    });
  }
  return out;
}

/** Flow events: "s" at the first event carrying an id, "t" in between, "f" at the last (bound to the enclosing event). */
function flowEvents(
  ev: JsonEvent,
  flows: readonly number[] | undefined,
  seen: Map<number, number>,
  total: ReadonlyMap<number, number>,
): JsonEvent[] {
  if (!flows) return [];
  return flows.flatMap((id) => {
    const n = seen.get(id) ?? 0;
    const all = total.get(id) ?? 0;
    seen.set(id, n + 1);
    if (all < 2) return [];
    const ph = n === 0 ? "s" : n === all - 1 ? "f" : "t";
    return [{ ph, id, name: "message", cat: "flow", pid: ev.pid, tid: ev.tid, ts: ev.ts, bp: "e" }];
  });
}

/** The model as Chrome JSON text. */
export function chromeJsonTrace(m: TraceModel): string {
  const byUuid = new Map<number, TraceTrack>(m.tracks.map((t) => [t.uuid, t]));
  const events: JsonEvent[] = metadata(m);
  const seen = new Map<number, number>();
  const total = new Map<number, number>();
  for (const e of m.events)
    if (e.type !== "counter") for (const id of e.flows ?? []) total.set(id, (total.get(id) ?? 0) + 1);
  for (const e of m.events) {
    const t = byUuid.get(e.track)!;
    const where = { pid: t.revision + 1, tid: t.uuid, ts: us(e.tsPs) };
    if (e.type === "counter") {
      events.push({ ph: "C", name: t.name, ...where, args: { value: e.value } });
      continue;
    }
    const ev: JsonEvent =
      e.type === "slice"
        ? { ph: "X", name: e.name, cat: e.category, ...where, dur: us(e.durPs), args: e.args }
        : { ph: "i", s: "t", name: e.name, cat: e.category, ...where, args: e.args };
    events.push(ev, ...flowEvents(ev, e.flows, seen, total));
  }
  return `${JSON.stringify({ displayTimeUnit: "ns", traceEvents: events, otherData: { dropped: m.dropped } })}\n`;
}
