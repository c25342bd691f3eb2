/** Validated flag values (numbers, choices) that name the flag in every error (exit 2). */
import { inputError } from "../base/errors.js";

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
export function choiceFlag<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw inputError(flag, `expected one of ${choices.join(", ")}, found '${text}'`, "choice");
}
