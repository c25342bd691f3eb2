/**
 * `tphlab review`: the conformance catalogue. Every check (a short scenario with an expected
 * outcome) runs on a fresh system of every selected revision; the matrix says pass or FAIL with
 * one line of why. `--trace CHECK_ID` prints the kernel event log of that check's scenario.
 */
import { inputError } from "../../base/errors.js";
import { REVISION_NAMES, type RevisionName, sortRevisions } from "../../kernel/revision.js";
import {
  attributeFixes,
  attributionJson,
  formatAttribution,
  formatFixes,
} from "../../report/review/attribute.js";
import { CATALOGUE, findCheck } from "../../report/review/catalogue.js";
import { formatMatrix, formatTrace, matrixJson } from "../../report/review/format.js";
import { runCatalogue, runCheck } from "../../report/review/run.js";
import type { Check } from "../../report/review/scenario.js";
import { parseFlags, revisionFlag } from "../args.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";

const OPTIONS = {
  revision: { type: "string", multiple: true },
  check: { type: "string", multiple: true },
  trace: { type: "string" },
  gate: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  attribute: { type: "boolean" },
  fixes: { type: "boolean" },
} as const;

const USAGE = `tphlab review [--revision NAME]... [--check ID]... [--json] [--verbose] [--gate NAME]
       tphlab review --trace CHECK_ID [--revision NAME]...
       tphlab review --attribute [--check ID]... [--json]
       tphlab review --fixes
  --revision NAME   ${REVISION_NAMES.join(", ")}, optionally +FIX[+FIX...] (e.g. v11+retract-on-set;
                    repeatable; default: the four bases, in that order)
  --check ID        run only this check (repeatable; default: the whole catalogue)
  --json            { revisions, checks: [{ id, title, kind, ref, openProblem?, results: { REVISION:
                    "pass" | "fail" | "info" }, detail: { REVISION: why }, invariants }], summary }
                    (kind "info": documented behaviour no revision fixes, never pass or fail)
  --verbose         print why for passing results too
  --gate NAME       exit 1 when any check fails on revision NAME
  --trace CHECK_ID  print the kernel trace (ftrace-like) of that check's scenario on each revision
  --attribute       for each fix, the checks it turns fail -> pass (and pass -> fail) on top of v11,
                    then the checks only a combination of fixes mends
  --fixes           list the named fixes (revision specs are BASE[+FIX...])`;

function list(values: Record<string, unknown>, key: string): string[] | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

function parseRevisions(values: Record<string, unknown>): RevisionName[] {
  const given = list(values, "revision");
  if (!given) return [...REVISION_NAMES];
  const names = given.map((t) => revisionFlag("--revision", t));
  const dup = names.find((r, i) => names.indexOf(r) !== i);
  if (dup) throw inputError("--revision", `'${dup}' given twice`, "duplicate");
  return sortRevisions(names);
}

function checkById(flag: string, id: string): Check {
  const c = findCheck(id);
  if (!c) throw inputError(flag, `no check '${id}' (run 'tphlab review' to list them)`, "unknown-check");
  return c;
}

function parseChecks(values: Record<string, unknown>): readonly Check[] {
  const ids = list(values, "check");
  if (!ids) return CATALOGUE;
  const picked = ids.map((id) => checkById("--check", id));
  return CATALOGUE.filter((c) => picked.includes(c));
}

export const reviewCommand: Command = {
  name: "review",
  summary: "conformance catalogue: named checks x revisions, pass/fail with why; kernel traces",
  usage: USAGE,
  run(argv: readonly string[], io: Io): number {
    const { values } = parseFlags(argv, OPTIONS, false);
    if (values.fixes === true) {
      io.stdout(formatFixes());
      return 0;
    }
    if (values.attribute === true) {
      const a = attributeFixes(parseChecks(values));
      io.stdout(
        values.json === true ? `${JSON.stringify(attributionJson(a), null, 2)}\n` : formatAttribution(a),
      );
      return 0;
    }
    const revisions = parseRevisions(values);
    if (typeof values.trace === "string") {
      const check = checkById("--trace", values.trace);
      for (const r of revisions) io.stdout(formatTrace(check, runCheck(check, r)));
      return 0;
    }
    const gate = typeof values.gate === "string" ? revisionFlag("--gate", values.gate) : undefined;
    if (gate && !revisions.includes(gate))
      throw inputError("--gate", `'${gate}' is not among the revisions run`);
    const checks = parseChecks(values);
    const results = runCatalogue(checks, revisions);
    if (values.json === true)
      io.stdout(`${JSON.stringify(matrixJson(checks, results, revisions), null, 2)}\n`);
    else io.stdout(formatMatrix(checks, results, revisions, values.verbose === true));
    const failed = gate
      ? [...results.values()].some((row) => ["fail", "error"].includes(row.get(gate)?.verdict ?? ""))
      : false;
    return failed ? 1 : 0;
  },
};
