/**
 * A small declarative schema: objects, quantities with units, integers, enums, lists, unions and
 * tagged unions. From ONE description come the validation (every problem at once, each with its
 * path, what was expected and what was found; unknown keys are errors), the defaults, and the
 * parameter documentation (type, default, source of the default).
 *
 * Validation never throws: problems go to a Reporter with the path of the offending value; a
 * value that failed is BAD and its parent becomes BAD too, but siblings are still checked.
 */
import { formatQuantity, parseQuantity, type QuantityKind, unitsOf } from "./units.js";

export type PathSeg = string | number;
export type Path = readonly PathSeg[];

/** Marks a value that failed validation (a problem was reported). */
export const BAD: unique symbol = Symbol("invalid");
export type Parsed<T> = T | typeof BAD;

/** Where problems go. `at: "key"` points at a mapping key rather than its value. */
export interface Reporter {
  report(path: Path, code: string, message: string, at?: "key" | "value"): void;
}

/** One documented parameter. */
export interface DocRow {
  readonly path: string;
  readonly type: string;
  /** The default as written in a file, "required", or "optional". */
  readonly default: string;
  readonly source: string;
  readonly doc: string;
}

export interface Schema<T> {
  /** Short type for documentation: "time", "integer 0..255", "write | read". */
  readonly type: string;
  /** What a message says was expected: "a time such as 150ns". */
  readonly expected: string;
  /** True when `v` has the JS shape this schema reads (unions pick a member by it). */
  accepts(v: unknown): boolean;
  parse(v: unknown, path: Path, r: Reporter): Parsed<T>;
  /** A value as a scenario file would spell it (defaults in the documentation). */
  show(v: T): string;
  /** Documentation rows of nested parameters. */
  rows?(path: string): DocRow[];
}

/** `a.b[2].c`; keys that are not identifiers are quoted (`a["x y"]`). */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** How a found value is named in messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "nothing (an empty value)";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? "" : "s"}`;
  return "a mapping";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mismatch(r: Reporter, path: Path, expected: string, v: unknown): typeof BAD {
  r.report(path, "type", `expected ${expected}, found ${describeValue(v)}`);
  return BAD;
}

/* ---------------------------------------------------------------- scalars */

export interface RangeOpts {
  readonly min?: number;
  readonly max?: number;
}

function rangeText(range: RangeOpts, show: (n: number) => string): string {
  // The 2^53 cap of quantities is implied, not worth printing.
  const o = range.max === Number.MAX_SAFE_INTEGER ? { ...range, max: undefined } : range;
  if (o.min !== undefined && o.max !== undefined) return ` ${show(o.min)}..${show(o.max)}`;
  if (o.min !== undefined) return ` >= ${show(o.min)}`;
  if (o.max !== undefined) return ` <= ${show(o.max)}`;
  return "";
}

function checkRange(n: number, o: RangeOpts, r: Reporter, path: Path, show: (n: number) => string): boolean {
  if (o.max === Number.MAX_SAFE_INTEGER && n > o.max) {
    r.report(path, "range", `too large: ${show(n)} (at most ${show(o.max)})`);
    return false;
  }
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    r.report(path, "range", `expected a value in${rangeText(o, show)}, found ${show(n)}`);
    return false;
  }
  return true;
}

/**
 * A time, bandwidth or size with a unit, parsed to its base unit (ps, b/s, bytes). Never negative
 * unless `min` says so, and never above 2^53 (integer arithmetic on times and addresses).
 */
export function quantity(kind: QuantityKind, opts: RangeOpts & { integer?: boolean } = {}): Schema<number> {
  const o = { ...opts, min: opts.min ?? 0, max: opts.max ?? Number.MAX_SAFE_INTEGER };
  const show = (n: number) => formatQuantity(kind, n);
  const example = { time: "150ns", bandwidth: "100Gb/s", size: "4KiB or 4096" }[kind];
  // Messages and documentation show the range given; the implied 0..2^53 goes without saying.
  const range = rangeText(opts, show);
  const expected = `a ${kind} such as ${example}${range ? `, in${range}` : ""}`;
  return {
    type: `${kind} (${unitsOf(kind).join(", ")})${range}`,
    expected,
    accepts: (v) => typeof v === "string" || (kind === "size" && typeof v === "number"),
    show,
    parse(v, path, r) {
      const q = parseQuantity(kind, v);
      if (typeof q === "string") {
        r.report(path, "unit", `expected ${expected}, found ${describeValue(v)}: ${q}`);
        return BAD;
      }
      const integral = o.integer ?? kind !== "bandwidth";
      if (Number.isFinite(q) && !checkRange(q, o, r, path, show)) return BAD;
      if (!Number.isFinite(q) || (integral && !Number.isInteger(q))) {
        const why = kind === "time" ? "a whole number of picoseconds" : "a whole number of bytes";
        r.report(path, "unit", `expected ${expected}, found ${describeValue(v)}: not ${why}`);
        return BAD;
      }
      return q;
    },
  };
}

/** An integer; `hex` shows defaults as 0x.. in the documentation. */
export function integer(o: RangeOpts & { hex?: boolean } = {}): Schema<number> {
  const show = (n: number) => (o.hex ? `0x${n.toString(16)}` : String(n));
  const expected = `an integer${rangeText(o, show)}`;
  return {
    type: `integer${rangeText(o, show)}`,
    expected,
    accepts: (v) => typeof v === "number",
    show,
    parse(v, path, r) {
      if (typeof v !== "number" || !Number.isSafeInteger(v)) return mismatch(r, path, expected, v);
      return checkRange(v, o, r, path, show) ? v : BAD;
    },
  };
}

/** A real number (probabilities, weights, ratios). */
export function real(o: RangeOpts = {}): Schema<number> {
  const expected = `a number${rangeText(o, String)}`;
  return {
    type: `number${rangeText(o, String)}`,
    expected,
    accepts: (v) => typeof v === "number",
    show: String,
    parse(v, path, r) {
      if (typeof v !== "number" || !Number.isFinite(v)) return mismatch(r, path, expected, v);
      return checkRange(v, o, r, path, String) ? v : BAD;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    type: "true | false",
    expected: "true or false",
    accepts: (v) => typeof v === "boolean",
    show: String,
    parse: (v, path, r) => (typeof v === "boolean" ? v : mismatch(r, path, "true or false", v)),
  };
}

/** Free text (names, descriptions); `pattern` restricts it (names used as references). */
export function text(o: { pattern?: RegExp; what?: string } = {}): Schema<string> {
  const expected = o.what ?? "a string";
  return {
    type: o.what ?? "string",
    expected,
    accepts: (v) => typeof v === "string",
    show: (s) => JSON.stringify(s),
    parse(v, path, r) {
      if (typeof v !== "string" || (o.pattern && !o.pattern.test(v))) return mismatch(r, path, expected, v);
      return v;
    },
  };
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  const expected = `one of ${values.join(", ")}`;
  return {
    type: values.join(" | "),
    expected,
    accepts: (v) => typeof v === "string",
    show: (s) => s,
    parse(v, path, r) {
      if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
      const hint = typeof v === "string" ? suggest(v, values) : "";
      r.report(path, "choice", `expected ${expected}, found ${describeValue(v)}${hint}`);
      return BAD;
    },
  };
}

/* ---------------------------------------------------------------- containers */

export function list<T>(item: Schema<T>, o: { min?: number; max?: number } = {}): Schema<readonly T[]> {
  const bounds = o.min ? ` (at least ${o.min})` : "";
  const expected = `a list of ${item.type}${bounds}`;
  return {
    type: `list of ${item.type}`,
    expected,
    accepts: Array.isArray,
    show: (xs) => `[${xs.map((x) => item.show(x)).join(", ")}]`,
    rows: (p) => item.rows?.(`${p}[]`) ?? [],
    parse(v, path, r) {
      if (!Array.isArray(v)) return mismatch(r, path, expected, v);
      if ((o.min !== undefined && v.length < o.min) || (o.max !== undefined && v.length > o.max)) {
        const want = o.max === undefined ? `at least ${o.min}` : `${o.min ?? 0}..${o.max}`;
        r.report(path, "length", `expected ${want} items, found ${v.length}`);
        return BAD;
      }
      const out: T[] = [];
      let bad = false;
      v.forEach((x, i) => {
        const p = item.parse(x, [...path, i], r);
        if (p === BAD) bad = true;
        else out.push(p);
      });
      return bad ? BAD : out;
    },
  };
}

/** Pick the first member whose shape matches (e.g. a fixed size `4096`, or a distribution mapping). */
export function union<T>(members: readonly Schema<T>[], type?: string): Schema<T> {
  const expected = members.map((m) => m.expected).join(", or ");
  return {
    type: type ?? members.map((m) => m.type).join(" | "),
    expected,
    accepts: (v) => members.some((m) => m.accepts(v)),
    show: (v) => members.find((m) => m.accepts(v))?.show(v) ?? String(v),
    rows: (p) => members.flatMap((m) => m.rows?.(p) ?? []),
    parse(v, path, r) {
      const fits = members.filter((x) => x.accepts(v));
      // One candidate: its own, detailed messages. Several: the first that parses cleanly.
      if (fits.length === 1) return fits[0]!.parse(v, path, r);
      for (const m of fits) {
        let ok = true;
        const p = m.parse(v, path, { report: () => (ok = false) });
        if (ok && p !== BAD) return p;
      }
      return mismatch(r, path, expected, v);
    },
  };
}

/** A closest spelling, when one is near enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= (word.length >= 5 ? 2 : 1) ? ` (did you mean '${best}'?)` : "";
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return 99;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export { isRecord };

/** The parsed type of a schema. */
export type Infer<S> = S extends Schema<infer T> ? T : never;
