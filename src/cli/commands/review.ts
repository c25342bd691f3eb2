/**
 * `tphlab review`: the conformance catalogue. Every check (a short scenario with an expected
 * outcome) runs on a fresh system of every selected revision; the matrix says pass or FAIL with
 * one line of why. `--trace CHECK_ID` prints the kernel event log of that check's scenario.
 */
import { inputError } from "../../base/errors.js";
import { FIXES, REVISION_NAMES, type RevisionName } from "../../kernel/revision.js";
import type { TraceEvent } from "../../kernel/trace.js";
import { renderReviewReport } from "../../report/html/review-report.js";
import {
  attributeFixes,
  attributionJson,
  formatAttribution,
  formatFixes,
} from "../../report/review/attribute.js";
import { CATALOGUE, findCheck } from "../../report/review/catalogue.js";
import { formatMatrix, formatTrace, matrixJson } from "../../report/review/format.js";
import { machineInvariants } from "../../report/review/machine.js";
import { type CheckResult, runCatalogue, runCheck } from "../../report/review/run.js";
import type { Check } from "../../report/review/scenario.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { parseRevisionItem, parseRevisions, REVISION_OPTION } from "../revisions.js";
import type { Flags } from "../spec.js";

const checkIds = () => CATALOGUE.map((c) => c.id);

const NOTES = `Revisions default to the four bases: ${REVISION_NAMES.join(", ")}; a revision may add
fixes: BASE+FIX[+FIX...] (e.g. v11+retract-on-set; see --fixes).
--json: { revisions, checks: [{ id, title, kind, ref, openProblem?, results: { REVISION:
"pass" | "fail" | "info" }, detail: { REVISION: why }, invariants }], summary }
(kind "info": documented behaviour no revision fixes, never pass or fail).
--trace --json: [{ check, revision, verdict, detail, systems: [{ revision, cmdline, events:
[{ seq, fn, dev?, args?, ret?, note? }], invariants: { NAME: [violations] } }] }]`;

function checkById(flag: string, id: string): Check {
  const c = findCheck(id);
  if (!c) throw inputError(flag, `no check '${id}' (run 'tphlab review' to list them)`, "unknown-check");
  return c;
}

function parseChecks(ids: readonly string[]): readonly Check[] {
  if (ids.length === 0) return CATALOGUE;
  const picked = ids.flatMap((v) => v.split(",")).map((id) => checkById("--check", id.trim()));
  return CATALOGUE.filter((c) => picked.includes(c));
}

/** Trace event as plain JSON (bigints as hex strings, as the text trace prints them). */
function eventJson(ev: TraceEvent): Record<string, unknown> {
  const args = ev.args
    ? Object.fromEntries(
        Object.entries(ev.args).map(([k, v]) => [k, typeof v === "bigint" ? `0x${v.toString(16)}` : v]),
      )
    : undefined;
  return { ...ev, ...(args ? { args } : {}) };
}

function traceJson(check: Check, res: CheckResult): Record<string, unknown> {
  return {
    check: check.id,
    revision: res.revision,
    verdict: res.verdict,
    detail: res.detail,
    systems: res.scenario.machines.map((m) => ({
      revision: m.k.revision,
      cmdline: m.k.cmdline.raw,
      events: m.k.trace.events().map(eventJson),
      invariants: Object.fromEntries(
        Object.entries(machineInvariants(m)).map(([name, r]) => [name, r.violations]),
      ),
    })),
  };
}

function trace(flags: Flags, io: Io, id: string, revisions: readonly RevisionName[]): number {
  const check = checkById("--trace", id);
  const results = revisions.map((r) => runCheck(check, r));
  if (flags.bool("json")) {
    io.stdout(
      `${JSON.stringify(
        results.map((res) => traceJson(check, res)),
        null,
        2,
      )}\n`,
    );
  } else {
    for (const res of results) io.stdout(formatTrace(check, res));
  }
  return 0;
}

function review(flags: Flags, io: Io): number {
  const json = flags.bool("json");
  if (flags.bool("fixes")) {
    const list = FIXES.map(({ name, description, openProblem }) => ({ name, description, openProblem }));
    io.stdout(json ? `${JSON.stringify(list, null, 2)}\n` : formatFixes());
    return 0;
  }
  if (flags.bool("attribute")) {
    const a = attributeFixes(parseChecks(flags.strings("check")));
    io.stdout(json ? `${JSON.stringify(attributionJson(a), null, 2)}\n` : formatAttribution(a));
    return 0;
  }
  const revisions = parseRevisions(flags.strings("revision")) ?? [...REVISION_NAMES];
  const traceId = flags.string("trace");
  if (traceId !== undefined) return trace(flags, io, traceId, revisions);
  const gateText = flags.string("gate");
  const gate = gateText === undefined ? undefined : parseRevisionItem(gateText, "--gate");
  if (gate && !revisions.includes(gate))
    throw inputError("--gate", `'${gate}' is not among the revisions run`);
  const checks = parseChecks(flags.strings("check"));
  const results = runCatalogue(checks, revisions);
  const reportPath = flags.string("report");
  if (reportPath !== undefined) {
    io.writeFile(reportPath, renderReviewReport({ checks, results, revisions }));
    io.stderr(`report: ${reportPath}\n`);
  }
  if (flags.bool("json")) io.stdout(`${JSON.stringify(matrixJson(checks, results, revisions), null, 2)}\n`);
  else io.stdout(formatMatrix(checks, results, revisions, flags.bool("verbose")));
  const failed = gate
    ? [...results.values()].some((row) => ["fail", "error"].includes(row.get(gate)?.verdict ?? ""))
    : false;
  return failed ? 1 : 0;
}

export const reviewCommand: Command = {
  name: "review",
  summary: "conformance catalogue: named checks x revisions, pass/fail with why; kernel traces",
  synopsis: [
    "[--revision LIST]... [--check ID]... [--json] [--verbose] [--gate REVISION] [--report FILE.html]",
    "--trace CHECK_ID [--revision LIST]... [--json]",
    "--attribute [--check ID]... [--json]",
    "--fixes [--json]",
  ],
  options: [
    REVISION_OPTION,
    {
      name: "check",
      value: "ID",
      repeat: true,
      help: "run only these checks, comma-separated (default: the whole catalogue)",
      complete: checkIds(),
    },
    { name: "verbose", help: "print why for passing results too" },
    { name: "gate", value: "REVISION", help: "exit 1 when any check fails on REVISION" },
    {
      name: "report",
      value: "FILE",
      help: "also write the matrix as a self-contained HTML page, each failure's trace folded under it",
      complete: "file",
    },
    {
      name: "trace",
      value: "CHECK_ID",
      help: "print the kernel trace (ftrace-like) of that check's scenario on each revision",
      complete: checkIds(),
    },
    {
      name: "attribute",
      help: "for each fix, the checks it turns fail -> pass (and pass -> fail) on top of v11,\nthen the checks only a combination of fixes mends",
    },
    { name: "fixes", help: "list the named fixes (revision specs are BASE[+FIX...])" },
  ],
  notes: NOTES,
  run: review,
};
