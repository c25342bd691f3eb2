/**
 * Running the catalogue: each check on a fresh system of each revision, then the invariants of
 * every system the scenario booted. A check passes when its scenario met every expectation AND
 * every invariant holds (except those it breaks on purpose, `expectBroken`). Info entries report
 * what they observed and are never pass or fail (a step the revision refuses is an observation);
 * one whose scenario broke inside (an exception other than a refused step: a bug in the model or
 * in the entry) is an "error", never a quiet "info".
 */
import { INVARIANT_NAMES, type InvariantName } from "../../kernel/invariants.js";
import type { RevisionName } from "../../kernel/revision.js";
import { type Machine, machineInvariants } from "./machine.js";
import { type Check, Mismatch, Scenario } from "./scenario.js";

export type Verdict = "pass" | "fail" | "info" | "error";

export interface CheckResult {
  readonly id: string;
  readonly revision: RevisionName;
  readonly verdict: Verdict;
  /** One line: why it passed or failed, or what was observed (info). */
  readonly detail: string;
  /** Violations of invariants the check does not break on purpose, "name: what". */
  readonly invariantViolations: readonly string[];
  /** The scenario run, with the machines it booted (for traces). */
  readonly scenario: Scenario;
}

function runScenario(check: Check, s: Scenario): { ok: boolean; internal: boolean; detail: string } {
  try {
    return { ok: true, internal: false, detail: check.run(s) };
  } catch (e) {
    if (e instanceof Mismatch) return { ok: false, internal: false, detail: e.message };
    return {
      ok: false,
      internal: true,
      detail: `scenario error: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/**
 * The ST bookkeeping leak is open problem 5, judged by its own check (st-index-no-leak). On a
 * revision that has it, every other check would fail again for it whenever an ST index is freed
 * last; those checks ignore that one kind of violation so each verdict names its own problem.
 */
function knownLeak(check: Check, m: Machine, v: string): boolean {
  return m.k.b.mlx5StBookkeepingLeak && check.openProblem !== 5 && / bookkeeping of ST index /.test(v);
}

function violations(check: Check, s: Scenario): string[] {
  const allowed: readonly InvariantName[] = check.expectBroken ?? [];
  return s.machines.flatMap((m) => {
    const report = machineInvariants(m);
    return INVARIANT_NAMES.filter((n) => !allowed.includes(n)).flatMap((n) =>
      report[n].violations.filter((v) => !knownLeak(check, m, v)).map((v) => `${n}: ${v}`),
    );
  });
}

/** Run one check on one revision. */
export function runCheck(check: Check, revision: RevisionName): CheckResult {
  const s = new Scenario(revision);
  const { ok, internal, detail } = runScenario(check, s);
  const broken = violations(check, s);
  const base = { id: check.id, revision, invariantViolations: broken, scenario: s };
  if (check.kind === "info") return { ...base, verdict: internal ? "error" : "info", detail };
  if (ok && broken.length > 0) {
    const more = broken.length > 1 ? ` (+${broken.length - 1} more)` : "";
    return { ...base, verdict: "fail", detail: `invariant ${broken[0]}${more}` };
  }
  return { ...base, verdict: ok ? "pass" : "fail", detail };
}

/** Every check on every revision, check-major. */
export function runCatalogue(
  checks: readonly Check[],
  revisions: readonly RevisionName[],
): Map<string, Map<RevisionName, CheckResult>> {
  const out = new Map<string, Map<RevisionName, CheckResult>>();
  for (const c of checks) out.set(c.id, new Map(revisions.map((r) => [r, runCheck(c, r)])));
  return out;
}
