/**
 * `run --report`: the HTML report of a run. Revisions overlaid in every chart (the switch isolates
 * one) and side by side in the tables: the summary, timelines with kernel events marked (when the
 * run has series), link utilization, partition hit rates, latency CDFs, the kernel calls, the
 * diagnostics and the effective configuration.
 */
import type { RunOutcome, RunReport } from "../../scenario/result.js";
import type { Step } from "../../scenario/setup.js";
import type { RunEvent, Series } from "../../sim/series.js";
import { chart } from "./chart.js";
import { esc } from "./escape.js";
import { renderPage, type Section } from "./page.js";
import { eventMarkers, latencyCdfCharts, linkUtilizationChart, partitionHitChart } from "./run-charts.js";
import { type Cell, htmlTable } from "./table.js";
import { type TimelineChart, type TimelineSection, timelineCharts } from "./timeline-charts.js";

export interface RunReportInput {
  readonly outcome: RunOutcome;
  /** Series and kernel events by revision (default: the run report's own). */
  readonly series?: Readonly<Record<string, Series>>;
  readonly events?: Readonly<Record<string, readonly RunEvent[]>>;
  /** Footer text, e.g. "tphlab 0.1.0". */
  readonly generator?: string;
}

const n3 = (x: number | null | undefined): Cell =>
  x === null || x === undefined ? null : Number(x.toFixed(3));

/** Key numbers, a column per revision. */
function summaryTable(r: RunReport): string {
  const revs = Object.keys(r.results);
  const rows: Cell[][] = [];
  const row = (label: string, f: (rev: string) => Cell) => rows.push([label, ...revs.map(f)]);
  for (const flow of Object.keys(r.results[revs[0]!]?.flows ?? {})) {
    const fr = (rev: string) => r.results[rev]?.flows[flow];
    row(`${flow}: goodput (Gb/s)`, (rev) => n3(fr(rev)?.goodputGbps));
    row(`${flow}: latency p50 (ns)`, (rev) => n3(fr(rev)?.latencyNs.p50));
    row(`${flow}: latency p99 (ns)`, (rev) => n3(fr(rev)?.latencyNs.p99));
    row(
      `${flow}: messages lost / offered`,
      (rev) => `${fr(rev)?.messagesLost ?? 0} / ${fr(rev)?.messagesOffered ?? 0}`,
    );
  }
  row("TLPs", (rev) => r.results[rev]?.tlps.total ?? null);
  row("TLPs with TPH", (rev) => r.results[rev]?.tlps.withTph ?? null);
  row("TLPs with a stale tag", (rev) => {
    const v = r.results[rev]?.tlps.stale ?? 0;
    return { text: v, cls: v > 0 ? "bad num" : "num" };
  });
  row("bytes misdirected", (rev) => r.results[rev]?.bytesMisdirected ?? null);
  row("bytes unsteered", (rev) => r.results[rev]?.bytesUnsteered ?? null);
  row("bytes lost", (rev) => r.results[rev]?.bytesLost ?? null);
  row("kernel invariants", (rev) => {
    const bad = Object.entries(r.results[rev]?.invariants ?? {}).filter(([, v]) => !v.ok);
    return bad.length === 0
      ? { text: "ok", cls: "good" }
      : { text: bad.map(([k]) => k).join(", "), cls: "bad" };
  });
  return htmlTable({
    caption: "Key numbers per revision",
    columns: ["metric", ...revs],
    columnRevisions: [undefined, ...revs],
    rows,
  });
}

function kernelCallsTable(r: RunReport): string {
  const revs = Object.keys(r.results);
  if (r.kernelCalls.length === 0)
    return "<p>Every kernel call returned the same on every revision, and none failed.</p>";
  return `<div class="scroll">${htmlTable({
    caption: "Kernel calls whose return differs between revisions, or that fail on all (errno names)",
    columns: ["at (ns)", "who", "call", ...revs],
    columnRevisions: [undefined, undefined, undefined, ...revs],
    rows: r.kernelCalls.map((k) => [
      k.atNs,
      k.who,
      k.call,
      ...revs.map((rev): Cell => {
        const v = k.returns[rev];
        if (v === null || v === undefined) return null;
        return { text: v, cls: typeof v === "string" ? "bad" : "num" };
      }),
    ]),
  })}</div>`;
}

function diagnosticsTable(r: RunReport): string {
  if (r.diagnostics.length === 0)
    return "<p>No diagnostics: nothing in the set-up needs a word of warning.</p>";
  return htmlTable({
    caption: "Diagnostics (codes in the README)",
    columns: ["severity", "code", "where", "message", "revisions"],
    rows: r.diagnostics.map((d) => [d.severity, d.code, d.path, d.message, d.revisions?.join(", ") ?? "all"]),
  });
}

/** Every leaf of a nested object as [key.path, value]. */
function flatten(o: unknown, prefix: string, out: [string, string][]): [string, string][] {
  if (o !== null && typeof o === "object" && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push([prefix, Array.isArray(o) ? `[${o.join(", ")}]` : String(o)]);
  return out;
}

function configSection(r: RunReport): string {
  const links = htmlTable({
    caption: "Links",
    columns: ["link", "BDF", "gen", "width"],
    rows: Object.entries(r.config.links).map(([k, l]) => [k, l.bdf, l.gen, l.width]),
  });
  const params = htmlTable({
    caption: "Every data path parameter as run (defaults filled in)",
    columns: ["parameter", "value"],
    rows: flatten(r.config.params, "", []),
  });
  return `<p>Scenario <code>${esc(r.scenario)}</code>, seed ${r.seed}, ${r.config.durationNs} ns simulated, topology ${esc(r.config.topology)}.</p>${links}<div class="table-wrap">${params}</div>`;
}

/** Kernel calls as markers when the sampler's events are absent: every call after set-up. */
function stepEvents(steps: Readonly<Record<string, readonly Step[]>>): Record<string, RunEvent[]> {
  const out: Record<string, RunEvent[]> = {};
  for (const [rev, ss] of Object.entries(steps))
    out[rev] = ss.map((s) => ({ atNs: s.at / 1000, who: s.who, call: s.call, kind: s.call, ret: s.ret }));
  return out;
}

function timelines(input: RunReportInput): TimelineChart[] {
  const series = input.series ?? input.outcome.report.series;
  if (!series || Object.keys(series).length === 0) return [];
  const events = input.events ?? input.outcome.report.events ?? stepEvents(input.outcome.steps);
  return timelineCharts(series, eventMarkers(events));
}

function timelineHtml(charts: readonly TimelineChart[], section: TimelineSection): string {
  return charts
    .filter((c) => c.section === section)
    .map((c) => chart(c.spec))
    .join("\n");
}

/** The report's sections, for reuse (a sweep report can embed a run's). */
export function runSections(input: RunReportInput): Section[] {
  const r = input.outcome.report;
  const hits = partitionHitChart(r);
  const tl = timelines(input);
  const noSeries =
    "<p>This run has no time series (the sampler's output); the charts below are end-of-run numbers.</p>";
  return [
    { id: "summary", title: "Summary", body: `<p>${esc(input.outcome.description)}</p>${summaryTable(r)}` },
    { id: "timeline", title: "Timeline", body: tl.length > 0 ? timelineHtml(tl, "timeline") : noSeries },
    {
      id: "links",
      title: "Link utilization",
      body: chart(linkUtilizationChart(r)) + timelineHtml(tl, "links"),
    },
    {
      id: "partitions",
      title: "Partition hit rates",
      body:
        (hits ? chart(hits) : "<p>No completer with partitions or cache levels in this run.</p>") +
        timelineHtml(tl, "partitions"),
    },
    {
      id: "latency",
      title: "Latency distributions",
      body: latencyCdfCharts(r).map(chart).join("\n") || "<p>No message completed.</p>",
    },
    { id: "kernel-calls", title: "Kernel calls", body: kernelCallsTable(r) },
    { id: "diagnostics", title: "Diagnostics", body: diagnosticsTable(r) },
    { id: "config", title: "Effective configuration", body: configSection(r) },
  ];
}

/** The whole report page. */
export function renderRunReport(input: RunReportInput): string {
  const r = input.outcome.report;
  const revs = Object.keys(r.results);
  return renderPage({
    title: `tphlab run ${r.scenario}`,
    subtitle: `${revs.length} revision${revs.length === 1 ? "" : "s"}: ${revs.join(", ")} · seed ${r.seed} · ${r.config.durationNs / 1000} µs simulated`,
    revisions: revs,
    sections: runSections(input),
    generator: input.generator ?? "tphlab",
  });
}
