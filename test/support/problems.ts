/** The problems a scenario text is refused with, as "path: message" lines ([] when it loads). */
import { InputError } from "../../src/base/errors.js";
import { parseScenario } from "../../src/scenario/load.js";

export function scenarioProblems(text: string, file = "f.yaml"): string[] {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}
