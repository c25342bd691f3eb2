/**
 * Counter tracks: from the sampler's series when the run has them (link utilization, consumer
 * backlog, partition hit rates, stale TLPs, ...), else derived from the TLP trace itself (link
 * utilization and stale TLPs per bucket), so a trace always has its counters.
 */
import type { TlpTraceRecord } from "../../hw/fabric/trace.js";
import type { Series } from "../../sim/series.js";
import type { CounterEvent, TrackTable } from "./model.js";
import { type TraceLink, tlpDurationPs } from "./tlp-events.js";

interface CounterContext {
  readonly rev: number;
  readonly revName: string;
  readonly tracks: TrackTable;
}

function counter(
  c: CounterContext,
  name: string,
  times: readonly number[],
  values: readonly (number | null)[],
) {
  const track = c.tracks.get(c.rev, c.revName, name, "counter");
  const out: CounterEvent[] = [];
  for (let i = 0; i < times.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    out.push({ type: "counter", track, tsPs: times[i]!, value: v });
  }
  return out;
}

const SERIES_GROUPS = new Set(["link", "consumer", "tlps", "bytes"]);

/** A counter per link/consumer/TLP/byte track, and a hit rate per partition and path. */
export function seriesCounters(s: Series, c: CounterContext): CounterEvent[] {
  // A sample is the interval ending at t: the counter takes its value from the interval's start.
  const starts = s.t.map((_t, i) => (i === 0 ? 0 : s.t[i - 1]!) * 1000);
  const out: CounterEvent[] = [];
  for (const [key, tr] of Object.entries(s.tracks)) {
    if (SERIES_GROUPS.has(tr.group)) out.push(...counter(c, `${key} (${tr.unit})`, starts, tr.values));
  }
  for (const [key, hits] of Object.entries(s.tracks)) {
    const m = /^partition\.(.+)\.(write|read)Hits$/.exec(key);
    const misses = m ? s.tracks[`partition.${m[1]}.${m[2]}Misses`] : undefined;
    if (!m || !misses) continue;
    const rate = hits.values.map((h, i) => {
      const miss = misses.values[i];
      return h === null || miss === null || miss === undefined || h + miss === 0 ? null : h / (h + miss);
    });
    out.push(...counter(c, `hit rate ${m[1]} ${m[2]} (ratio)`, starts, rate));
  }
  return out;
}

/** Link utilization and stale TLPs per bucket of `bucketPs`, from the records in [from, to). */
export function derivedCounters(
  records: readonly TlpTraceRecord[],
  links: ReadonlyMap<string, TraceLink>,
  from: number,
  to: number,
  bucketPs: number,
  c: CounterContext,
): CounterEvent[] {
  const n = Math.max(1, Math.ceil((to - from) / bucketPs));
  const busy = new Map<string, Float64Array>();
  const stale = new Float64Array(n);
  let anyStale = false;
  for (const r of records) {
    if (r.t < from || r.t >= to) continue;
    const b = Math.min(n - 1, Math.floor((r.t - from) / bucketPs));
    if (r.ev === "send" && r.stale) {
      stale[b]! += 1;
      anyStale = true;
    }
    if (r.ev !== "link") continue;
    const [bdf = "", dir = ""] = r.where.split(" ");
    const link = links.get(bdf);
    const name = `utilization ${link?.role ?? bdf} ${dir} (ratio)`;
    const arr = busy.get(name) ?? new Float64Array(n);
    busy.set(name, arr);
    // Spread the TLP's busy time over the buckets it spans.
    const end = Math.min(to, r.t + tlpDurationPs(r, link?.tlpGbps ?? 0));
    for (let k = b, t = r.t; t < end && k < n; k++) {
      const edge = from + (k + 1) * bucketPs;
      arr[k]! += Math.min(end, edge) - t;
      t = edge;
    }
  }
  const times = Array.from({ length: n }, (_, i) => from + i * bucketPs);
  const out: CounterEvent[] = [];
  for (const [name, arr] of [...busy].sort((a, b) => a[0].localeCompare(b[0]))) {
    out.push(
      ...counter(
        c,
        name,
        times,
        [...arr].map((x) => Math.min(1, x / bucketPs)),
      ),
    );
  }
  // Stale TLPs always get their track when the run had any, so "none in this window" reads as 0.
  if (anyStale || records.some((r) => r.stale))
    out.push(...counter(c, "stale TLPs (count)", times, [...stale]));
  return out;
}
