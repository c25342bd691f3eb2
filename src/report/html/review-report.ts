/**
 * `review --report`: the conformance matrix as a page. A row per check (grouped as in the text
 * matrix), a column per revision, each failure's one-line reason and kernel trace folded under
 * its row (<details>), the summary at the top.
 */
import type { RevisionName } from "../../kernel/revision.js";
import { CATALOGUE_GROUPS } from "../review/catalogue.js";
import { formatTrace, type Results, summary } from "../review/format.js";
import type { CheckResult, Verdict } from "../review/run.js";
import type { Check } from "../review/scenario.js";
import { esc } from "./escape.js";
import { renderPage } from "./page.js";
import { htmlTable } from "./table.js";

const CELL: Record<Verdict, string> = { pass: "pass", fail: "FAIL", info: "info", error: "ERROR" };
const CLASS: Record<Verdict, string> = { pass: "good", fail: "bad", info: "", error: "bad" };

function row(c: Check, results: Results, revisions: readonly RevisionName[]): string {
  const cells = revisions.map((r) => {
    const res = results.get(c.id)?.get(r);
    if (!res) return `<td data-rev="${esc(r)}" class="none">—</td>`;
    return `<td data-rev="${esc(r)}" class="${CLASS[res.verdict]}" title="${esc(res.detail)}">${CELL[res.verdict]}</td>`;
  });
  const head = `<tr id="check-${esc(c.id)}"><th scope="row"><code>${esc(c.id)}</code></th><td>${esc(c.title)}</td>${cells.join("")}</tr>`;
  const failed = revisions
    .map((r) => results.get(c.id)?.get(r))
    .filter((x): x is CheckResult => x !== undefined && (x.verdict === "fail" || x.verdict === "error"));
  if (failed.length === 0) return head;
  const body = failed
    .map(
      (x) =>
        `<div data-rev="${esc(x.revision)}"><p><strong>${esc(x.revision)}</strong>: ${esc(x.detail)}</p><pre>${esc(formatTrace(c, x))}</pre></div>`,
    )
    .join("");
  const summaryText = `why it fails on ${failed.map((x) => x.revision).join(", ")}, with the kernel trace`;
  return `${head}\n<tr class="trace"><td colspan="${revisions.length + 2}"><details><summary>${esc(summaryText)}</summary>${body}</details></td></tr>`;
}

function matrix(checks: readonly Check[], results: Results, revisions: readonly RevisionName[]): string {
  const head = `<tr><th scope="col">check</th><th scope="col">title</th>${revisions.map((r) => `<th scope="col" data-rev="${esc(r)}">${esc(r)}</th>`).join("")}</tr>`;
  const body: string[] = [];
  for (const g of CATALOGUE_GROUPS) {
    const mine = g.checks.filter((c) => checks.includes(c));
    if (mine.length === 0) continue;
    body.push(
      `<tr class="group"><th scope="rowgroup" colspan="${revisions.length + 2}">${esc(g.name)}</th></tr>`,
    );
    for (const c of mine) body.push(row(c, results, revisions));
  }
  return `<div class="scroll"><table class="matrix"><caption>Checks by revision (hover a cell for why; failures unfold below their row)</caption><thead>${head}</thead><tbody>\n${body.join("\n")}\n</tbody></table></div>`;
}

function summaryTable(
  checks: readonly Check[],
  results: Results,
  revisions: readonly RevisionName[],
): string {
  const sum = summary(results, revisions);
  const n = checks.filter((c) => c.kind === "check").length;
  return htmlTable({
    caption: `Passed checks of ${n} (and ${checks.length - n} informational entries)`,
    columns: ["revision", "pass", "FAIL", "info", "ERROR"],
    rows: revisions.map((r) => [r, sum[r]!.pass, sum[r]!.fail, sum[r]!.info, sum[r]!.error]),
    rowRevisions: revisions,
  });
}

export interface ReviewReportInput {
  readonly checks: readonly Check[];
  readonly results: Results;
  readonly revisions: readonly RevisionName[];
  readonly generator?: string;
}

export function renderReviewReport(r: ReviewReportInput): string {
  return renderPage({
    title: "tphlab review",
    subtitle: `${r.checks.length} checks on ${r.revisions.join(", ")}`,
    revisions: r.revisions,
    sections: [
      { id: "summary", title: "Summary", body: summaryTable(r.checks, r.results, r.revisions) },
      { id: "matrix", title: "Matrix", body: matrix(r.checks, r.results, r.revisions) },
    ],
    generator: r.generator ?? "tphlab",
  });
}
