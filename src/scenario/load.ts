/**
 * Loading a scenario: YAML text -> validated Scenario, or an InputError listing every problem
 * (YAML syntax with line:col, schema, cross-field), each as `FILE:LINE:COL: path: message`.
 */
import { InputError } from "../base/errors.js";
import { checkScenario } from "./scenario-check.js";
import { type Scenario, scenarioSchema } from "./scenario-schema.js";
import { BAD } from "./schema.js";
import { parseYaml, SourceReporter } from "./yaml.js";

/** Parse and validate scenario text; `file` names it in messages. Throws InputError (all issues). */
export function parseScenario(text: string, file: string): Scenario {
  const { source, issues } = parseYaml(text, file);
  if (issues.length) throw new InputError(issues);
  const r = new SourceReporter(source);
  const s = scenarioSchema.parse(source.value, [], r);
  if (s !== BAD) checkScenario(s, r);
  const found = r.issues;
  if (found.length || s === BAD) throw new InputError(found);
  return s;
}

/** Read `path` through `readFile` and parse it; an unreadable file is an InputError naming it. */
export function loadScenario(path: string, readFile: (p: string) => Uint8Array): Scenario {
  let bytes: Uint8Array;
  try {
    bytes = readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({ code: "read", path, message: `cannot read: ${code ?? (e as Error).message}` });
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.includes("\u0000")) throw new InputError({ code: "binary", path, message: "not a text file" });
  return parseScenario(text, path);
}
