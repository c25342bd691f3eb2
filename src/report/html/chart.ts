/**
 * Charts: a spec (data and how to draw it) rendered as a <figure> holding the plot, the spec as
 * inline JSON the page script draws with uPlot, and the same numbers as a data table beside it.
 * Series belong to a revision (coloured by it; the revision switch shows or hides them); markers
 * are vertical lines at kernel events.
 */
import { esc, scriptJson } from "./escape.js";
import { type Cell, htmlTable } from "./table.js";

export type ChartStyle = "line" | "step" | "points";

export interface ChartSeries {
  readonly label: string;
  /** The revision it belongs to (colour, switch); absent: always shown. */
  readonly rev?: string;
  /** One value per x (null: no data there). */
  readonly values: readonly (number | null)[];
  /** Canvas dash pattern (px), telling apart lines of one revision. */
  readonly dash?: readonly number[];
}

export interface ChartMarker {
  readonly x: number;
  readonly label: string;
  /** Revisions it happened on (shown when any of them is). */
  readonly revs: readonly string[];
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly style: ChartStyle;
  /** Ascending. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  /** Category names for integer x (points charts over categories). */
  readonly xCategories?: readonly string[];
  readonly markers?: readonly ChartMarker[];
  /** Fixed y range (e.g. [0, 1] for ratios). */
  readonly yRange?: readonly [number, number];
}

function fmt(v: number | null): Cell {
  if (v === null) return null;
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}

/** The chart's numbers as a table: a row per x, a column per series. */
function dataTable(s: ChartSpec): string {
  const xName = (x: number) => (s.xCategories ? (s.xCategories[Math.round(x)] ?? String(x)) : x);
  const rows = s.x.map((x, i) => [xName(x), ...s.series.map((se) => fmt(se.values[i] ?? null))]);
  // Points charts offset revisions around each category: one row per category, not per offset.
  const kept = s.xCategories ? mergeCategoryRows(rows) : rows;
  return htmlTable({
    caption: `${s.title}: data`,
    columns: [s.xLabel, ...s.series.map((se) => se.label)],
    columnRevisions: [undefined, ...s.series.map((se) => se.rev)],
    rows: kept,
    className: "data",
  });
}

function mergeCategoryRows(rows: Cell[][]): Cell[][] {
  const by = new Map<string, Cell[]>();
  for (const r of rows) {
    const key = String(r[0]);
    const prev = by.get(key);
    if (!prev) by.set(key, [...r]);
    else
      r.forEach((c, i) => {
        if (i > 0 && c !== null) prev[i] = c;
      });
  }
  return [...by.values()];
}

/** A chart with its data table; the page script draws it. */
export function chart(s: ChartSpec): string {
  return `<figure class="chart" id="${esc(s.id)}" aria-labelledby="${esc(s.id)}-title">
<figcaption id="${esc(s.id)}-title">${esc(s.title)}</figcaption>
<div class="chart-body"><div class="plot" role="img" aria-label="${esc(s.title)} (numbers in the table beside)"></div>
<div class="table-wrap">${dataTable(s)}</div></div>
<script type="application/json" class="chart-spec">${scriptJson(s)}</script>
</figure>`;
}
