/**
 * The report page shell every HTML report uses (run, review, later sweep): one self-contained
 * file, the chart library, its stylesheet, the page script and all data inlined, no request of
 * any kind when it opens (a Content-Security-Policy forbids them). Sections come pre-rendered
 * (charts and tables from chart.ts and table.ts).
 */
import { chartAssets } from "./assets.js";
import { CLIENT_SCRIPT, REVISION_COLORS } from "./client.js";
import { esc, scriptJson, scriptText } from "./escape.js";

export interface Section {
  readonly id: string;
  readonly title: string;
  /** HTML (built with chart(), htmlTable(), or escaped text). */
  readonly body: string;
}

export interface PageSpec {
  readonly title: string;
  /** A line under the title (escaped). */
  readonly subtitle?: string;
  /** Revisions the switch offers (none: no switch). */
  readonly revisions?: readonly string[];
  readonly sections: readonly Section[];
  /** The generator line at the foot of the page, e.g. "tphlab 0.1.0". */
  readonly generator?: string;
}

const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #59636e; --line: #d0d7de; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; }
header { padding: 16px 20px 8px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0 0 8px; color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; }
main { padding: 8px 20px 40px; max-width: 1400px; }
section { margin-top: 24px; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.switch { display: flex; gap: 8px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.legend-chip { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
figure.chart { margin: 12px 0 20px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; align-items: start; }
.table-wrap { max-height: 300px; overflow: auto; border: 1px solid var(--line); }
@media (max-width: 760px) { .chart-body { grid-template-columns: minmax(0, 1fr); } main, header { padding-left: 10px; padding-right: 10px; } }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
caption { text-align: left; font-size: 12px; color: var(--muted); padding: 2px 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { background: var(--bg-alt); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { color: #b42318; font-weight: 600; } td.good { color: #1a7f37; }
td.none { color: var(--muted); }
.scroll { overflow-x: auto; }
pre { background: var(--bg-alt); padding: 8px; overflow: auto; font-size: 12px; }
details > summary { cursor: pointer; }
[hidden] { display: none !important; }
footer { color: var(--muted); font-size: 12px; padding: 0 20px 20px; }
`;

function revisionSwitch(revs: readonly string[]): string {
  if (revs.length === 0) return "";
  const options = [
    `<option value="all">all revisions</option>`,
    ...revs.map((r) => `<option value="${esc(r)}">${esc(r)} only</option>`),
  ].join("");
  const chips = revs
    .map(
      (r, i) =>
        `<span class="legend-chip" style="background:${REVISION_COLORS[i % REVISION_COLORS.length]}"></span>${esc(r)}`,
    )
    .join("");
  return `<div class="switch"><label for="revision-switch">Revision</label><select id="revision-switch">${options}</select><span aria-hidden="true">${chips}</span></div>`;
}

/** The whole page. */
export function renderPage(p: PageSpec): string {
  const { js, css } = chartAssets();
  const nav = p.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join("");
  const sections = p.sections
    .map(
      (s) =>
        `<section id="${esc(s.id)}" aria-labelledby="${esc(s.id)}-h"><h2 id="${esc(s.id)}-h">${esc(s.title)}</h2>\n${s.body}\n</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(p.title)}</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${esc(p.title)}</h1>${p.subtitle ? `<p>${esc(p.subtitle)}</p>` : ""}${revisionSwitch(p.revisions ?? [])}<nav aria-label="sections">${nav}</nav></header>
<main>
${sections}
</main>
<footer>${esc(p.generator ?? "tphlab")}: a self-contained report; select a table to copy its numbers.</footer>
<script type="application/json" id="tphlab-revisions">${scriptJson(p.revisions ?? [])}</script>
<script>${scriptText(js)}</script>
<script>${scriptText(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
