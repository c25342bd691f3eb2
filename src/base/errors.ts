/**
 * Errors shared by every layer. `base/` holds no domain knowledge and sits below `pcie/`.
 *
 * InputError: something a user gave us (a file, a flag, bytes) is wrong. It carries where
 * (file:line, a flag name, a YAML path) so the CLI can print one line and exit 2.
 */

/** One problem found while validating input: a code, where it is, and what is wrong. */
export interface Issue {
  readonly code: string;
  /** Where: `file:line`, `--flag`, or a dotted/indexed path such as `flows[1].rate`. */
  readonly path: string;
  readonly message: string;
}

/** Bad user input. `issues` holds every problem found, not just the first. */
export class InputError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: Issue | readonly Issue[]) {
    const list = Array.isArray(issues) ? (issues as readonly Issue[]) : [issues as Issue];
    super(list.map(formatIssue).join("\n"));
    this.name = "InputError";
    this.issues = list;
  }
}

/** Shorthand for a single-issue InputError. */
export function inputError(path: string, message: string, code = "invalid"): InputError {
  return new InputError({ code, path, message });
}

export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Thrown when the model itself is inconsistent (a bug in tphlab, not in the input). */
export class ModelError extends Error {
  override name = "ModelError";
}
