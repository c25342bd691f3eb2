/**
 * Loading a scenario: YAML text -> validated Scenario, or an InputError listing every problem
 * (YAML syntax with line:col, schema, cross-field), each as `FILE:LINE:COL: path: message`.
 */
import { InputError, type Issue } from "../base/errors.js";
import { shownPath, tooLargeError } from "../base/input-file.js";
import { checkBudget } from "./budget.js";
import { withDeviceSections } from "./platform.js";
import { checkScenario } from "./scenario-check.js";
import { type Scenario, scenarioSchema } from "./scenario-schema.js";
import { BAD } from "./schema.js";
import { readTraces, type TraceReader } from "./trace-file.js";
import { parseYaml, SourceReporter } from "./yaml.js";

/** Largest scenario file read (checked before parsing): real scenarios are a few kB. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Issues in file order (their paths start `FILE:LINE:COL`). */
function byPosition(issues: readonly Issue[]): Issue[] {
  const at = (i: Issue) => /:(\d+):(\d+)(?::|$)/.exec(i.path)?.slice(1).map(Number) ?? [0, 0];
  return issues
    .map((i, n) => ({ i, n, p: at(i) }))
    .sort((a, b) => a.p[0]! - b.p[0]! || a.p[1]! - b.p[1]! || a.n - b.n)
    .map((x) => x.i);
}

/**
 * Parse and validate scenario text; `file` names it in messages. Throws InputError (all issues).
 * `readFile` reads the flows' trace files, relative to `file` (without it a trace is refused).
 */
export function parseScenario(
  text: string,
  file: string,
  readFile?: (p: string, maxBytes?: number) => Uint8Array,
): Scenario {
  if (text.length > MAX_SCENARIO_BYTES) throw tooLargeError(file, text.length, MAX_SCENARIO_BYTES);
  const { source, issues } = parseYaml(text, file);
  if (source.value === null && issues.length) throw new InputError(issues);
  const r = new SourceReporter(source);
  const parsed = scenarioSchema.parse(source.value, [], r);
  // Problems of the YAML itself (tags) first, then the schema's, each with its position.
  if (issues.length) throw new InputError(byPosition([...issues, ...r.issues]));
  if (parsed === BAD) throw new InputError(r.issues);
  // Trace files next (their problems are FILE:LINE of the trace), then the cross-field checks.
  const reader: TraceReader | undefined = readFile && { scenarioFile: file, readFile };
  const traced = readTraces(parsed.flows, reader, r);
  const withTraces: Scenario = traced.flows === parsed.flows ? parsed : { ...parsed, flows: traced.flows };
  const s = withDeviceSections(withTraces);
  checkScenario(s, r);
  // The budget's estimates need a scenario that is consistent otherwise.
  if (r.issues.length === 0 && traced.issues.length === 0) checkBudget(s, r);
  const found = [...r.issues, ...traced.issues];
  if (found.length) throw new InputError(found);
  return s;
}

/**
 * Read `path` through `readFile` (asked for at most MAX_SCENARIO_BYTES of a regular file) and parse
 * it; an unreadable, special or oversized file is an InputError naming it.
 */
export function loadScenario(path: string, readFile: (p: string, maxBytes?: number) => Uint8Array): Scenario {
  let bytes: Uint8Array;
  try {
    bytes = readFile(path, MAX_SCENARIO_BYTES);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({
      code: "read",
      path: shownPath(path),
      message: `cannot read: ${code ?? (e as Error).message}`,
    });
  }
  if (bytes.length > MAX_SCENARIO_BYTES) throw tooLargeError(path, bytes.length, MAX_SCENARIO_BYTES);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.includes("\u0000"))
    throw new InputError({ code: "binary", path: shownPath(path), message: "not a text file" });
  return parseScenario(text, path, readFile);
}
