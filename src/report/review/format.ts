/**
 * The review matrix as text and JSON, and a check's kernel trace.
 *
 * Text: one row per check (grouped), one column per revision ("pass", "FAIL", "info", "ERROR"),
 * then one line per failed or informational result saying why (every result with `verbose`), then a summary.
 * JSON: `{ revisions, checks: [{ id, title, kind, ref, openProblem?, results: { REV: verdict },
 * detail: { REV: why }, invariants: { REV: [violations] } }], summary: { REV: { pass, fail, info, error } } }`.
 * Informational entries have kind "info" and the verdict "info", or "error" when their scenario
 * broke inside (src/report/review/run.ts).
 */
import type { RevisionName } from "../../kernel/revision.js";
import { CATALOGUE_GROUPS } from "./catalogue.js";
import { machineInvariants } from "./machine.js";
import type { CheckResult, Verdict } from "./run.js";
import type { Check } from "./scenario.js";

export type Results = ReadonlyMap<string, ReadonlyMap<RevisionName, CheckResult>>;

const CELL: Record<Verdict, string> = { pass: "pass", fail: "FAIL", info: "info", error: "ERROR" };

function cells(results: Results, id: string, revisions: readonly RevisionName[]): CheckResult[] {
  const row = results.get(id);
  return revisions.map((r) => row?.get(r)).filter((x): x is CheckResult => x !== undefined);
}

export function summary(
  results: Results,
  revisions: readonly RevisionName[],
): Record<string, Record<Verdict, number>> {
  const out: Record<string, Record<Verdict, number>> = {};
  for (const r of revisions) out[r] = { pass: 0, fail: 0, info: 0, error: 0 };
  for (const row of results.values()) for (const [r, res] of row) out[r]![res.verdict]++;
  return out;
}

/** The text matrix. */
export function formatMatrix(
  checks: readonly Check[],
  results: Results,
  revisions: readonly RevisionName[],
  verbose = false,
): string {
  const width = Math.max(5, ...checks.map((c) => c.id.length)) + 2;
  const cols = revisions.map((r) => Math.max(r.length, 4) + 2);
  const line = (first: string, rest: readonly string[]) =>
    `${first.padEnd(width + 2)}${rest.map((t, i) => t.padEnd(cols[i]!)).join("")}`.trimEnd();
  const out = [line("check", revisions)];
  for (const g of CATALOGUE_GROUPS) {
    const mine = g.checks.filter((c) => checks.includes(c));
    if (mine.length === 0) continue;
    out.push(g.name);
    for (const c of mine)
      out.push(
        line(
          `  ${c.id}`,
          cells(results, c.id, revisions).map((x) => CELL[x.verdict]),
        ),
      );
  }
  out.push("", verbose ? "why:" : "why (failures and informational entries):");
  for (const c of checks) {
    const shown = cells(results, c.id, revisions).filter((x) => verbose || x.verdict !== "pass");
    if (shown.length === 0) continue;
    out.push(`${c.id}`);
    for (const x of shown) out.push(`  ${x.revision.padEnd(9)} ${CELL[x.verdict]}  ${x.detail}`);
  }
  const sum = summary(results, revisions);
  const n = checks.filter((c) => c.kind === "check").length;
  const parts = revisions.map((r) => `${r} ${sum[r]!.pass}/${n}`);
  const errors = revisions.reduce((e, r) => e + sum[r]!.error, 0);
  const errorNote =
    errors > 0 ? `, ${errors} ERROR${errors > 1 ? "S" : ""}: informational entries that broke` : "";
  out.push("", `passed: ${parts.join(", ")} (${checks.length - n} informational${errorNote})`);
  return `${out.join("\n")}\n`;
}

/** The JSON document. */
export function matrixJson(checks: readonly Check[], results: Results, revisions: readonly RevisionName[]) {
  return {
    revisions,
    checks: checks.map((c) => {
      const row = cells(results, c.id, revisions);
      return {
        id: c.id,
        title: c.title,
        kind: c.kind,
        ref: c.ref,
        ...(c.openProblem === undefined ? {} : { openProblem: c.openProblem }),
        results: Object.fromEntries(row.map((x) => [x.revision, x.verdict])),
        detail: Object.fromEntries(row.map((x) => [x.revision, x.detail])),
        invariants: Object.fromEntries(row.map((x) => [x.revision, x.invariantViolations])),
      };
    }),
    summary: summary(results, revisions),
  };
}

/** The kernel trace of one check's scenario on one revision, machine by machine, then its invariants. */
export function formatTrace(check: Check, res: CheckResult): string {
  const out = [`== ${check.id} on ${res.revision}: ${CELL[res.verdict]}: ${res.detail}`];
  res.scenario.machines.forEach((m, i) => {
    out.push(
      `-- system ${i + 1} of ${res.scenario.machines.length} (${m.k.revision}${m.k.cmdline.raw ? `, ${m.k.cmdline.raw}` : ""})`,
    );
    out.push(m.k.trace.dump().trimEnd());
    const inv = machineInvariants(m);
    const list = Object.entries(inv).map(
      ([name, r]) => `${name} ${r.ok ? "ok" : `VIOLATED (${r.violations.join("; ")})`}`,
    );
    out.push(`invariants: ${list.join(", ")}`);
  });
  return `${out.join("\n")}\n`;
}
