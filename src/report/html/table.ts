/**
 * Data tables: plain <table>s with a caption and header cells, so screen readers read them and a
 * selection copies as tab-separated text. Cells may belong to a revision (`data-rev`), which the
 * revision switch shows or hides.
 */
import { esc } from "./escape.js";

export type Cell = string | number | null | { readonly text: string | number; readonly cls?: string };

export interface TableSpec {
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** The revision of each column (undefined: not a revision column). */
  readonly columnRevisions?: readonly (string | undefined)[];
  /** The revision of each row (undefined: shown for every revision). */
  readonly rowRevisions?: readonly (string | undefined)[];
  readonly className?: string;
}

function cellHtml(c: Cell, tag: "td" | "th", rev: string | undefined): string {
  const revAttr = rev === undefined ? "" : ` data-rev="${esc(rev)}"`;
  if (c === null) return `<${tag}${revAttr} class="none">—</${tag}>`;
  if (typeof c === "object") {
    const cls = c.cls ? ` class="${esc(c.cls)}"` : "";
    return `<${tag}${revAttr}${cls}>${esc(c.text)}</${tag}>`;
  }
  const cls = typeof c === "number" ? ' class="num"' : "";
  return `<${tag}${revAttr}${cls}>${esc(c)}</${tag}>`;
}

/** A table's HTML. */
export function htmlTable(t: TableSpec): string {
  const colRev = (i: number) => t.columnRevisions?.[i];
  const head = t.columns
    .map((c, i) => cellHtml(c, "th", colRev(i)).replace("<th", '<th scope="col"'))
    .join("");
  const body = t.rows
    .map((r, ri) => {
      const rev = t.rowRevisions?.[ri];
      const attr = rev === undefined ? "" : ` data-rev="${esc(rev)}"`;
      return `<tr${attr}>${r.map((c, i) => cellHtml(c, "td", colRev(i))).join("")}</tr>`;
    })
    .join("\n");
  const cls = t.className ? ` class="${esc(t.className)}"` : "";
  return `<table${cls}><caption>${esc(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}
