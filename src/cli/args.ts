/**
 * Flag parsing on top of node:util parseArgs, turning its errors into InputError (exit 2), plus
 * validated number parsing that names the flag in every error.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { inputError } from "../base/errors.js";
import { parseRevisionSpec, type RevisionName } from "../kernel/revision.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseFlags(argv: readonly string[], options: Options, allowPositionals = true): ParsedFlags {
  try {
    const r = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    return { values: r.values as ParsedFlags["values"], positionals: r.positionals };
  } catch (e) {
    throw inputError("", (e as Error).message.replace(/\.?\s*(Did you forget|To specify).*$/s, ""), "usage");
  }
}

/** Parse an integer flag value: decimal or 0x-hex, within [min, max]. */
export function intFlag(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw inputError(flag, "is required", "required");
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw inputError(flag, `expected an integer, found '${text}'`, "type");
  if (n < min || n > max) throw inputError(flag, `must be between ${min} and ${max}, found ${n}`, "range");
  return n;
}

/** Like intFlag, but absent means `fallback`. */
export function optIntFlag(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  return text === undefined ? fallback : intFlag(flag, text, min, max);
}

/** Parse one of a fixed set of words. */
/** A revision spec (BASE[+FIX...]) given to `flag`, in canonical form; the parser's issues otherwise. */
export function revisionFlag(flag: string, text: string): RevisionName {
  const spec = parseRevisionSpec(text);
  if (!spec.ok) throw inputError(flag, spec.issues.join("; "), "choice");
  return spec.name;
}

export function choiceFlag<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw inputError(flag, `expected one of ${choices.join(", ")}, found '${text}'`, "choice");
}
