/**
 * A scenario document as plain values (the base file with a sweep's values put in) -> a validated
 * Scenario, or every problem with its path in the document: the same checks as `tphlab run`
 * (schema, cross-field, budget), without a file to point into.
 */
import { checkBudget } from "../scenario/budget.js";
import { checkScenario } from "../scenario/scenario-check.js";
import { type Scenario, scenarioSchema } from "../scenario/scenario-schema.js";
import { BAD, formatPath, type Path } from "../scenario/schema.js";

export interface DocIssue {
  readonly path: Path;
  readonly code: string;
  readonly message: string;
}

export function validateScenarioValue(doc: unknown): { scenario?: Scenario; issues: DocIssue[] } {
  const issues: DocIssue[] = [];
  const r = { report: (path: Path, code: string, message: string) => issues.push({ path, code, message }) };
  const s = scenarioSchema.parse(doc, [], r);
  if (s !== BAD) checkScenario(s, r);
  if (s !== BAD && issues.length === 0) checkBudget(s, r);
  return s === BAD || issues.length ? { issues } : { scenario: s, issues };
}

/** `flows[0].size: expected ...` */
export function docIssueText(i: DocIssue): string {
  const where = formatPath(i.path);
  return where ? `${where}: ${i.message}` : i.message;
}
