/**
 * `tphlab sweep --report out.html`: the sweep's results as one self-contained page on the shared
 * report shell (src/report/html). Per metric: lines over the first varied axis, one series per
 * revision with the 95% confidence interval over seeds as a band (low and high lines), one chart
 * per combination of the other axes (small multiples, at most MAX_PANELS); then the table of every
 * aggregate (n, mean, stddev, CI).
 */
import type { AggregateRow } from "../sweep/aggregate.js";
import type { SweepPlan } from "../sweep/plan.js";
import { type ChartSeries, chart } from "./html/chart.js";
import { esc } from "./html/escape.js";
import { renderPage, type Section } from "./html/page.js";
import { type Cell, htmlTable } from "./html/table.js";

/** Charts per metric before the rest is left to the table. */
const MAX_PANELS = 12;

function label(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The other axes' combinations, each a partial values record with a title. */
function panels(plan: SweepPlan): { title: string; fixed: Record<string, unknown> }[] {
  let out: { title: string; fixed: Record<string, unknown> }[] = [{ title: "", fixed: {} }];
  for (const a of plan.axes.slice(1))
    out = out.flatMap((p) =>
      a.steps.map((step) => {
        const fixed = { ...p.fixed };
        a.paths.forEach((path, j) => {
          fixed[path] = step[j];
        });
        const t = a.paths.map((path, j) => `${path}=${label(step[j])}`).join(", ");
        return { title: p.title ? `${p.title}, ${t}` : t, fixed };
      }),
    );
  return out;
}

function matches(values: Readonly<Record<string, unknown>>, fixed: Record<string, unknown>): boolean {
  return Object.entries(fixed).every(([k, v]) => JSON.stringify(values[k]) === JSON.stringify(v));
}

function metricCharts(plan: SweepPlan, rows: readonly AggregateRow[], metric: string, m: number): string {
  const axis = plan.axes[0];
  const cats = axis ? axis.steps.map((s) => s.map(label).join(", ")) : ["base"];
  const xLabel = axis ? axis.paths.join(", ") : "";
  const mine = rows.filter((r) => r.metric === metric);
  const all = panels(plan);
  return (
    all
      .slice(0, MAX_PANELS)
      .map((p, k) => {
        const series: ChartSeries[] = plan.revisions.flatMap((rev) => {
          const at = (i: number) =>
            mine.find(
              (r) =>
                r.revision === rev &&
                matches(r.values, p.fixed) &&
                (!axis || matches(r.values, stepValues(axis, i))),
            );
          const xs = cats.map((_, i) => at(i)?.summary);
          const s: ChartSeries[] = [{ label: `${rev} mean`, rev, values: xs.map((x) => x?.mean ?? null) }];
          if (xs.some((x) => x?.ci95))
            s.push(
              { label: `${rev} 95% CI low`, rev, values: xs.map((x) => x?.ci95?.[0] ?? null) },
              { label: `${rev} 95% CI high`, rev, values: xs.map((x) => x?.ci95?.[1] ?? null) },
            );
          return s;
        });
        return chart({
          id: `m${m}-p${k}`,
          title: p.title ? `${metric} (${p.title})` : metric,
          xLabel,
          yLabel: metric,
          style: "line",
          x: cats.map((_, i) => i),
          xCategories: cats,
          series,
        });
      })
      .join("\n") +
    (all.length > MAX_PANELS ? `<p>${esc(`${all.length - MAX_PANELS} more panels: see the table.`)}</p>` : "")
  );
}

function stepValues(axis: SweepPlan["axes"][number], i: number): Record<string, unknown> {
  return Object.fromEntries(axis.paths.map((p, j) => [p, axis.steps[i]![j]]));
}

function aggregateTable(plan: SweepPlan, rows: readonly AggregateRow[]): string {
  const paths = plan.axes.flatMap((a) => a.paths);
  const n = (v: number | null | undefined): Cell =>
    v === null || v === undefined ? null : Number(v.toPrecision(6));
  return htmlTable({
    caption: "every aggregate: mean over seeds, sample standard deviation, 95% confidence interval",
    columns: [...paths, "revision", "metric", "n", "mean", "stddev", "CI low", "CI high", "failed"],
    rows: rows.map((r) => [
      ...paths.map((p) => label(r.values[p])),
      r.revision,
      r.metric,
      r.summary.n,
      n(r.summary.mean),
      n(r.summary.stddev),
      n(r.summary.ci95?.[0]),
      n(r.summary.ci95?.[1]),
      r.failed,
    ]),
    rowRevisions: rows.map((r) => r.revision),
  });
}

export function sweepReportHtml(plan: SweepPlan, rows: readonly AggregateRow[], generator: string): string {
  const sections: Section[] = plan.metrics.map((metric, m) => ({
    id: `metric-${m}`,
    title: metric,
    body: metricCharts(plan, rows, metric, m),
  }));
  sections.push({ id: "table", title: "Table", body: aggregateTable(plan, rows) });
  const seeds = plan.seeds.length;
  return renderPage({
    title: `sweep of ${plan.scenarioName}`,
    subtitle: `${plan.points.length} runs: ${plan.axes.map((a) => a.paths.join("+")).join(" x ") || "one point"} x ${plan.revisions.length} revisions x ${seeds} seed${seeds === 1 ? "" : "s"}`,
    revisions: plan.revisions,
    sections,
    generator,
  });
}
