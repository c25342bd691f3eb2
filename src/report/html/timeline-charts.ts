/**
 * Timeline charts from the sampler's series: a line per (subject, revision), coloured by revision
 * and dashed by subject, kernel events as markers. Tracks are grouped for reading: TLP counts in
 * one chart, byte totals in one, partition hits and misses turned into hit rates (write, read),
 * every other (group, metric) a chart of its own. Each chart says which report section it goes in.
 */
import type { Series, Track } from "../../sim/series.js";
import type { ChartMarker, ChartSeries, ChartSpec } from "./chart.js";

export type TimelineSection = "timeline" | "links" | "partitions";

export interface TimelineChart {
  readonly section: TimelineSection;
  readonly spec: ChartSpec;
}

interface Line {
  readonly subject: string;
  readonly rev: string;
  readonly t: readonly number[];
  readonly v: readonly (number | null)[];
}

interface Group {
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly section: TimelineSection;
  readonly lines: Line[];
}

const TITLES: Readonly<Record<string, string>> = {
  "flow.goodputGbps": "Goodput per flow",
  "flow.latencyP50Ns": "Message latency p50 per flow",
  "flow.latencyP99Ns": "Message latency p99 per flow",
  "flow.messages": "Messages completed per interval",
  "flow.bytesDelivered": "Bytes delivered per interval",
  "flow.bytesLost": "Bytes lost per interval",
  "link.utilization": "Link utilization per direction",
  "consumer.backlog": "Consumer backlog (messages waiting)",
  tlps: "TLPs per interval (total, with TPH, stale, unsteered)",
  bytes: "Bytes per interval (misdirected, unsteered, lost)",
  "partition.writeHitRate": "Partition hit rate, write path",
  "partition.readHitRate": "Partition hit rate, read path",
};

/** Where a track goes: its chart key and the line's name in it. */
function place(tr: Track): { key: string; subject: string } {
  if (tr.group === "tlps" || tr.group === "bytes") return { key: tr.group, subject: tr.metric };
  return { key: `${tr.group}.${tr.metric}`, subject: tr.subject };
}

/** Hits and misses per interval as a hit rate (null where nothing was looked up). */
function hitRates(s: Series): { subject: string; path: "write" | "read"; v: (number | null)[] }[] {
  const out: { subject: string; path: "write" | "read"; v: (number | null)[] }[] = [];
  for (const tr of Object.values(s.tracks)) {
    const m = /^(write|read)Hits$/.exec(tr.metric);
    if (tr.group !== "partition" || !m) continue;
    const path = m[1] as "write" | "read";
    const misses = s.tracks[`partition.${tr.subject}.${path}Misses`];
    if (!misses) continue;
    const v = tr.values.map((h, i) => {
      const x = misses.values[i];
      return h === null || x === null || x === undefined || h + x === 0 ? null : h / (h + x);
    });
    out.push({ subject: tr.subject, path, v });
  }
  return out;
}

function groups(series: Readonly<Record<string, Series>>): Group[] {
  const by = new Map<string, Group>();
  const line = (key: string, unit: string, section: TimelineSection, l: Line) => {
    const g = by.get(key) ?? { key, title: TITLES[key] ?? key, unit, section, lines: [] };
    g.lines.push(l);
    by.set(key, g);
  };
  for (const [rev, s] of Object.entries(series)) {
    for (const tr of Object.values(s.tracks)) {
      if (tr.group === "partition") continue;
      const { key, subject } = place(tr);
      line(key, tr.unit, tr.group === "link" ? "links" : "timeline", { subject, rev, t: s.t, v: tr.values });
    }
    for (const h of hitRates(s))
      line(`partition.${h.path}HitRate`, "ratio", "partitions", { subject: h.subject, rev, t: s.t, v: h.v });
  }
  const order = Object.keys(TITLES);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...by.values()].sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/** Dash patterns told apart at a glance; the first subject is solid. */
const DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 6]];

function spec(g: Group, markers: readonly ChartMarker[]): ChartSpec {
  const xs = [...new Set(g.lines.flatMap((l) => l.t))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const subjects = [...new Set(g.lines.map((l) => l.subject))];
  const lines: ChartSeries[] = g.lines.map((l) => {
    const values: (number | null)[] = xs.map(() => null);
    l.t.forEach((t, i) => {
      values[index.get(t)!] = l.v[i] ?? null;
    });
    const dash = DASHES[subjects.indexOf(l.subject) % DASHES.length]!;
    return { label: `${l.subject} · ${l.rev}`, rev: l.rev, values, ...(dash.length ? { dash } : {}) };
  });
  return {
    id: `timeline-${g.key.replace(/[^A-Za-z0-9-]/g, "-")}`,
    title: `${g.title} over time (${g.unit})`,
    xLabel: "time (µs)",
    yLabel: g.unit,
    style: "line",
    x: xs.map((x) => x / 1000),
    series: lines,
    markers,
    ...(g.unit === "ratio" ? { yRange: [0, 1] as const } : {}),
  };
}

/** Every timeline chart of the run's series, in reading order. */
export function timelineCharts(
  series: Readonly<Record<string, Series>>,
  markers: readonly ChartMarker[],
): TimelineChart[] {
  return groups(series)
    .filter((g) => g.lines.some((l) => l.v.some((v) => v !== null)))
    .map((g) => ({ section: g.section, spec: spec(g, markers) }));
}
