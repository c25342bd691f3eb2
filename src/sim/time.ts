/**
 * Simulated time: integer picoseconds held in a JS number.
 *
 * Why picoseconds: a Gen5 x16 link moves a byte in ~16 ps, so nanoseconds would round every TLP's
 * serialization time by up to several percent; picoseconds keep that rounding below 0.5 ps per
 * TLP. Why a number and not a bigint: bigint arithmetic is ~10x slower and allocates.
 *
 * Limit: integers are exact up to Number.MAX_SAFE_INTEGER = 2^53 - 1 ps ~= 9007 s ~= 2.5 hours of
 * simulated time. The engine rejects any time or delay beyond that with a ModelError instead of
 * silently losing precision.
 */
import { ModelError } from "../base/errors.js";

/** One picosecond, the unit of simulated time. */
export const PS = 1;
/** One nanosecond in picoseconds. */
export const NS = 1_000;
/** One microsecond in picoseconds. */
export const US = 1_000_000;
/** One millisecond in picoseconds. */
export const MS = 1_000_000_000;
/** One second in picoseconds. */
export const SEC = 1_000_000_000_000;

/** Largest representable simulated time (2^53 - 1 ps ~= 2.5 h). */
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** True for an integer in [0, MAX_TIME]: a valid time or delay. */
export function isTime(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 0;
}

/** Throw a ModelError unless `x` is a valid time or delay; `what` names it in the message. */
export function checkTime(x: number, what: string): number {
  if (!isTime(x)) {
    throw new ModelError(`${what} must be an integer number of picoseconds in [0, 2^53), got ${x}`);
  }
  return x;
}

/**
 * Convert `value` in `unit` (NS, US, ...) to integer picoseconds, rounding to nearest.
 * For building delays from configuration (e.g. 2.5 * NS); the result is checked.
 */
export function toPs(value: number, unit: number): number {
  return checkTime(Math.round(value * unit), `${value} x ${unit} ps`);
}

/**
 * Format a time for humans and traces with an exact, deterministic decimal: the largest unit that
 * keeps the value >= 1, with at most 3 decimals (truncated, never float-rounded):
 * 1500 -> "1.5 ns", 2 -> "2 ps", 1_234_567 -> "1.234 us".
 */
export function formatTime(ps: number): string {
  const units: readonly [number, string][] = [
    [SEC, "s"],
    [MS, "ms"],
    [US, "us"],
    [NS, "ns"],
  ];
  for (const [size, name] of units) {
    if (Math.abs(ps) >= size) return `${fixedDecimal(ps, size)} ${name}`;
  }
  return `${ps} ps`;
}

/** `ps / size` printed exactly (integer division, no float rounding), trailing zeros dropped. */
function fixedDecimal(ps: number, size: number): string {
  const sign = ps < 0 ? "-" : "";
  const abs = Math.abs(ps);
  const whole = Math.floor(abs / size);
  const digits = String(size).length - 1;
  const frac = String(abs - whole * size)
    .padStart(digits, "0")
    .slice(0, 3)
    .replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}
