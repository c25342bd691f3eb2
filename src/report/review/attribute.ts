/**
 * `tphlab review --attribute` and `--fixes`: what each named fix of kernel/revision.ts does to the
 * catalogue on top of a base (v11). Produced by running the checks, never written by hand: for each
 * fix, the checks it turns from fail to pass and from pass to fail; then the checks that only a
 * combination fixes, with the smallest combination found (pairs of fixes).
 */
import { FIXES, type Fix, type RevisionBase, type RevisionName } from "../../kernel/revision.js";
import { runCatalogue } from "./run.js";
import type { Check } from "./scenario.js";

export interface FixAttribution {
  readonly fix: Fix;
  /** Checks failing on the base that pass with this fix alone. */
  readonly fixes: readonly string[];
  /** Checks passing on the base that fail with this fix alone. */
  readonly breaks: readonly string[];
}

export interface Attribution {
  readonly base: RevisionBase;
  readonly perFix: readonly FixAttribution[];
  /** Checks no single fix turns to pass, with the first pair of fixes that does (or none). */
  readonly jointly: readonly { readonly check: string; readonly fixes: readonly string[] | undefined }[];
}

const spec = (base: RevisionBase, fixes: readonly Fix[]) =>
  [base, ...fixes.map((f) => f.name)].join("+") as RevisionName;

/** Run the checks on the base and on base+FIX for every fix, then pairs for what no fix alone mends. */
export function attributeFixes(checks: readonly Check[], base: RevisionBase = "v11"): Attribution {
  const real = checks.filter((c) => c.kind === "check");
  const singles = FIXES.map((f) => spec(base, [f]));
  const results = runCatalogue(real, [base, ...singles]);
  const verdict = (id: string, r: RevisionName) => results.get(id)?.get(r)?.verdict;
  const failing = real.filter((c) => verdict(c.id, base) === "fail").map((c) => c.id);
  const perFix = FIXES.map((fix, i) => {
    const r = singles[i]!;
    return {
      fix,
      fixes: failing.filter((id) => verdict(id, r) === "pass"),
      breaks: real
        .filter((c) => verdict(c.id, base) === "pass" && verdict(c.id, r) === "fail")
        .map((c) => c.id),
    };
  });
  const mended = new Set(perFix.flatMap((p) => p.fixes));
  const rest = real.filter((c) => failing.includes(c.id) && !mended.has(c.id));
  const jointly = rest.map((c) => ({ check: c.id, fixes: firstPair(c, base) }));
  return { base, perFix, jointly };
}

function firstPair(check: Check, base: RevisionBase): string[] | undefined {
  for (let i = 0; i < FIXES.length; i++) {
    for (let j = i + 1; j < FIXES.length; j++) {
      const pair = [FIXES[i]!, FIXES[j]!];
      const r = spec(base, pair);
      if (runCatalogue([check], [r]).get(check.id)?.get(r)?.verdict === "pass")
        return pair.map((f) => f.name);
    }
  }
  return undefined;
}

/** The attribution as a text table. */
export function formatAttribution(a: Attribution): string {
  const w = Math.max(...FIXES.map((f) => f.name.length)) + 2;
  const out = [`${"fix".padEnd(w)}OP  ${`fail -> pass on ${a.base}`.padEnd(40)}pass -> fail`];
  for (const p of a.perFix) {
    const rows = Math.max(1, p.fixes.length, p.breaks.length);
    for (let i = 0; i < rows; i++) {
      const name = i === 0 ? p.fix.name : "";
      const op = i === 0 && p.fix.openProblem !== undefined ? String(p.fix.openProblem) : "";
      const fixed = p.fixes[i] ?? (i === 0 ? "-" : "");
      const broke = p.breaks[i] ?? (i === 0 ? "-" : "");
      out.push(`${name.padEnd(w)}${op.padEnd(4)}${fixed.padEnd(40)}${broke}`.trimEnd());
    }
  }
  if (a.jointly.length) {
    out.push("", "checks no single fix mends:");
    for (const j of a.jointly)
      out.push(`  ${j.check}: ${j.fixes ? `${a.base}+${j.fixes.join("+")}` : "no pair of fixes suffices"}`);
  }
  return `${out.join("\n")}\n`;
}

/** `--fixes`: every fix with its open problem and one-line description. */
export function formatFixes(): string {
  const w = Math.max(...FIXES.map((f) => f.name.length)) + 2;
  const out = [`${"fix".padEnd(w)}OP  what it changes (on top of v11; proposed = v11 + all)`];
  for (const f of FIXES)
    out.push(
      `${f.name.padEnd(w)}${(f.openProblem === undefined ? "-" : String(f.openProblem)).padEnd(4)}${f.description}`,
    );
  return `${out.join("\n")}\n`;
}

/** The attribution as JSON. */
export function attributionJson(a: Attribution) {
  return {
    base: a.base,
    fixes: a.perFix.map((p) => ({
      name: p.fix.name,
      description: p.fix.description,
      ...(p.fix.openProblem === undefined ? {} : { openProblem: p.fix.openProblem }),
      failToPass: p.fixes,
      passToFail: p.breaks,
    })),
    jointly: a.jointly.map((j) => ({ check: j.check, fixes: j.fixes ?? null })),
  };
}
