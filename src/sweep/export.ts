/**
 * Exports of a sweep's stored results, one row per run (grid point x revision x seed), in plan
 * order: the varied values, revision, seed, each metric, the error if the run failed, the hash.
 * CSV and JSON as text; Parquet through hyparquet-writer (pure JavaScript), for DuckDB, pandas,
 * polars or Spark.
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import { storedMetrics } from "./aggregate.js";
import type { SweepPlan } from "./plan.js";
import type { StoredResult } from "./store.js";

export const EXPORT_FORMATS = ["csv", "json", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type Cell = string | number | null;

export interface ExportTable {
  readonly columns: readonly string[];
  readonly rows: readonly Cell[][];
}

function cell(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  return JSON.stringify(v);
}

export function exportTable(plan: SweepPlan, get: (hash: string) => StoredResult | undefined): ExportTable {
  const paths = plan.axes.flatMap((a) => a.paths);
  const columns = [...paths, "revision", "seed", ...plan.metrics, "error", "hash"];
  const rows: Cell[][] = [];
  for (const p of plan.points) {
    const s = get(p.hash);
    if (!s) continue;
    const m = s.error === undefined ? storedMetrics(s, plan.metrics) : {};
    rows.push([
      ...paths.map((k) => cell(p.values[k])),
      p.revision,
      p.seed,
      ...plan.metrics.map((k) => m[k] ?? null),
      s.error ?? null,
      p.hash,
    ]);
  }
  return { columns, rows };
}

function csvCell(c: Cell): string {
  if (c === null) return "";
  const s = String(c);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(t: ExportTable): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

export function toJson(t: ExportTable): string {
  const objs = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
  return `${JSON.stringify(objs, null, 2)}\n`;
}

/** Numbers stay DOUBLE columns (nullable); a column with any text is STRING. */
export function toParquet(t: ExportTable): Uint8Array {
  const columnData = t.columns.map((name, i) => {
    const data = t.rows.map((r) => r[i] ?? null);
    const text = data.some((x) => typeof x === "string");
    return {
      name,
      data: text ? data.map((x) => (x === null ? null : String(x))) : data,
      type: text ? ("STRING" as const) : ("DOUBLE" as const),
    };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

export function exportBytes(format: ExportFormat, t: ExportTable): Uint8Array {
  if (format === "parquet") return toParquet(t);
  return new TextEncoder().encode(format === "csv" ? toCsv(t) : toJson(t));
}
