/**
 * The parameter reference, generated from the same schema that validates files: every key a
 * scenario may set, its type, its default (as a file would spell it) and where the default comes
 * from. `tphlab run --params` prints it.
 */

import { formatByteLimit } from "../base/input-file.js";
import { MAX_HORIZON_PS, MAX_STATE_BYTES } from "./budget.js";
import { MAX_SCENARIO_BYTES } from "./load.js";
import { scenarioSchema } from "./scenario-schema.js";
import type { DocRow } from "./schema.js";

/** Every documented parameter, in schema order. */
export function parameterRows(): DocRow[] {
  return scenarioSchema.rows?.("") ?? [];
}

/** The reference as text: one block per parameter. */
export function parameterReference(): string {
  const out = [
    "Scenario file parameters (YAML). Times need a unit (ns, us, ...); sizes may be bare bytes.",
    `Limits: a regular file of at most ${formatByteLimit(MAX_SCENARIO_BYTES)}; model state at most ` +
      `${formatByteLimit(MAX_STATE_BYTES)} and simulated work at most ` +
      `${MAX_HORIZON_PS / 1e12} s, estimated at load (a refusal names the parameter to change).`,
    "",
  ];
  for (const r of parameterRows()) {
    if (!r.type) {
      out.push(`${r.path}: ${r.doc}`);
      continue;
    }
    const def = r.default === "required" || r.default === "optional" ? r.default : `default ${r.default}`;
    out.push(`${r.path}  (${r.type}; ${def})`);
    if (r.doc) out.push(`    ${r.doc}`);
    if (r.source) out.push(`    source: ${r.source}`);
  }
  return `${out.join("\n")}\n`;
}
