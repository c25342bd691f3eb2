/**
 * The run report's charts, built from a RunReport (end-of-run numbers, always there) and from the
 * sampler's series and events (timelines, when the run has them). Revisions are series of the same
 * chart, coloured by revision, so they overlay and the switch isolates one.
 */
import type { RunReport } from "../../scenario/result.js";
import type { RunEvent } from "../../sim/series.js";
import type { ChartMarker, ChartSeries, ChartSpec } from "./chart.js";

/** Points per category, revisions side by side around the category's integer x. */
function categoryChart(
  id: string,
  title: string,
  yLabel: string,
  categories: readonly string[],
  revs: readonly string[],
  value: (rev: string, cat: string) => number | null,
  yRange?: readonly [number, number],
): ChartSpec {
  const width = revs.length > 1 ? 0.5 / (revs.length - 1) : 0;
  const offset = (r: number) => (revs.length > 1 ? -0.25 + r * width : 0);
  const xs = categories.flatMap((_, c) => revs.map((_r, r) => c + offset(r)));
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const series: ChartSeries[] = revs.map((rev, r) => ({
    label: rev,
    rev,
    values: order.map(([, i]) => {
      const c = Math.floor(i / revs.length);
      return i % revs.length === r ? value(rev, categories[c]!) : null;
    }),
  }));
  return {
    id,
    title,
    xLabel: "",
    yLabel,
    style: "points",
    x: order.map(([x]) => x),
    series,
    xCategories: categories,
    ...(yRange ? { yRange } : {}),
  };
}

/** Busy fraction per link and direction, per revision (end of run). */
export function linkUtilizationChart(r: RunReport): ChartSpec {
  const revs = Object.keys(r.results);
  const links = Object.keys(r.results[revs[0]!]?.links ?? {});
  const cats = links.flatMap((l) => [`${l} up`, `${l} down`]);
  return categoryChart(
    "link-utilization",
    "Link utilization by direction (end of run)",
    "busy fraction",
    cats,
    revs,
    (rev, cat) => {
      const [link = "", dir] = cat.split(" ");
      const l = r.results[rev]?.links[link];
      return l ? (dir === "up" ? l.up : l.down) : null;
    },
    [0, 1],
  );
}

/** Hit rate per partition and path (write, read), per revision (end of run). */
export function partitionHitChart(r: RunReport): ChartSpec | undefined {
  const revs = Object.keys(r.results);
  const cats: string[] = [];
  for (const [dev, c] of Object.entries(r.results[revs[0]!]?.completers ?? {}))
    for (const p of Object.keys(c.partitions)) cats.push(`${dev}/${p} write`, `${dev}/${p} read`);
  if (cats.length === 0) return undefined;
  return categoryChart(
    "partition-hits",
    "Partition hit rate, write and read paths (end of run)",
    "hit rate",
    cats,
    revs,
    (rev, cat) => {
      const [where = "", path = "write"] = cat.split(" ");
      const [dev = "", part = ""] = where.split("/");
      const hm = r.results[rev]?.completers[dev]?.partitions[part]?.[path as "write" | "read"];
      return hm && hm.hits + hm.misses > 0 ? hm.hits / (hm.hits + hm.misses) : null;
    },
    [0, 1],
  );
}

/**
 * Latency distribution per flow: the empirical CDF through the quantiles the run reports
 * (p50, p99, max), one step line per revision.
 */
export function latencyCdfCharts(r: RunReport): ChartSpec[] {
  const revs = Object.keys(r.results);
  const flows = Object.keys(r.results[revs[0]!]?.flows ?? {});
  const out: ChartSpec[] = [];
  for (const flow of flows) {
    const pts = revs.map((rev) => {
      const l = r.results[rev]?.flows[flow]?.latencyNs;
      if (!l || l.p50 === null || l.p99 === null || l.max === null) return [];
      return [
        [l.p50, 0.5],
        [l.p99, 0.99],
        [l.max, 1],
      ] as [number, number][];
    });
    const xs = [...new Set(pts.flat().map(([x]) => x))].sort((a, b) => a - b);
    if (xs.length === 0) continue;
    // The CDF at x: the highest quantile reached at or below x (p50 = p99 = max gives 1 there).
    const series = revs.map((rev, i) => ({
      label: rev,
      rev,
      values: xs.map((x) => {
        const reached = pts[i]!.filter(([px]) => px <= x).map(([, q]) => q);
        return reached.length > 0 ? Math.max(...reached) : null;
      }),
    }));
    out.push({
      id: `latency-cdf-${flow}`,
      title: `Message latency CDF, flow ${flow} (p50, p99, max)`,
      xLabel: "latency (ns)",
      yLabel: "fraction of messages",
      style: "step",
      x: xs,
      series,
      yRange: [0, 1],
    });
  }
  return out;
}

/** Kernel events as markers: one per (time, kind), with the revisions it happened on. */
export function eventMarkers(events: Readonly<Record<string, readonly RunEvent[]>>): ChartMarker[] {
  const by = new Map<string, { x: number; label: string; revs: string[] }>();
  for (const [rev, evs] of Object.entries(events))
    for (const e of evs) {
      if (e.atNs === 0) continue;
      const key = `${e.atNs}|${e.kind}`;
      const m = by.get(key) ?? { x: e.atNs / 1000, label: e.kind, revs: [] };
      if (!m.revs.includes(rev)) m.revs.push(rev);
      by.set(key, m);
    }
  return [...by.values()].sort((a, b) => a.x - b.x);
}
