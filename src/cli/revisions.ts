/**
 * `--revision` on every command (run, review, abi): a comma list, and the option may repeat
 * (`--revision v11,proposed --revision v11+retract-on-set`). Each item goes through
 * parseRevisionItem, the one place a spec the user typed (BASE[+FIX...], parsed by the kernel's
 * parseRevisionSpec) becomes a revision.
 */
import { inputError } from "../base/errors.js";
import {
  FIXES,
  parseRevisionSpec,
  REVISION_NAMES,
  type RevisionName,
  sortRevisions,
} from "../kernel/revision.js";
import type { OptionSpec } from "./spec.js";

/** The option as every command declares it. */
export const REVISION_OPTION: OptionSpec = {
  name: "revision",
  value: "LIST",
  repeat: true,
  help: `kernel revisions, comma-separated: ${REVISION_NAMES.join(", ")}, each optionally +FIX[+FIX...]\n(see 'tphlab review --fixes')`,
  complete: [...REVISION_NAMES, ...FIXES.map((f) => `v11+${f.name}`)],
};

/** One item as typed -> a revision in canonical spelling, or an InputError naming `flag`. */
export function parseRevisionItem(text: string, flag = "--revision"): RevisionName {
  const spec = parseRevisionSpec(text);
  if (!spec.ok) throw inputError(flag, spec.issues.join("; "), "choice");
  return spec.name;
}

/**
 * Every `--revision` value, split on commas; undefined when none was given. An empty item or the
 * same revision twice is an error. Shown in display order (sortRevisions) whatever order the flags
 * came in: the same set of revisions gives the same bytes out.
 */
export function parseRevisions(given: readonly string[]): RevisionName[] | undefined {
  if (given.length === 0) return undefined;
  const out: RevisionName[] = [];
  for (const value of given) {
    for (const item of value.split(",").map((s) => s.trim())) {
      if (item === "") throw inputError("--revision", `empty name in '${value}'`, "choice");
      const r = parseRevisionItem(item);
      if (out.includes(r)) throw inputError("--revision", `'${item}' given twice`, "duplicate");
      out.push(r);
    }
  }
  return sortRevisions(out);
}
