/**
 * Mappings in the schema: objects with required, optional and defaulted fields (unknown keys are
 * errors, with a "did you mean" hint), and tagged unions (`action: revoke` selects the fields
 * allowed next to it).
 */
import { ModelError } from "../base/errors.js";
import {
  BAD,
  type DocRow,
  describeValue,
  isRecord,
  type Parsed,
  type Path,
  type Reporter,
  type Schema,
  suggest,
} from "./schema.js";

/** Where a default comes from; `source` cites it (a spec, a paper, "extrapolation: ..."). */
export interface Field<T> {
  readonly schema: Schema<unknown>;
  readonly doc: string;
  readonly mode: "required" | "optional" | "default";
  readonly default?: T;
  readonly source: string;
  /** Phantom: the parsed type. */
  readonly __type?: T;
}

export function required<T>(schema: Schema<T>, doc: string): Field<T> {
  return { schema: schema as Schema<unknown>, doc, mode: "required", source: "" };
}
export function optional<T>(schema: Schema<T>, doc: string): Field<T | undefined> {
  return { schema: schema as Schema<unknown>, doc, mode: "optional", source: "" };
}
/** A field that falls back to `value`; `source` says where that value comes from. */
export function withDefault<T>(schema: Schema<T>, value: T, doc: string, source = ""): Field<T> {
  return { schema: schema as Schema<unknown>, doc, mode: "default", default: value, source };
}

type FieldType<F> = F extends Field<infer T> ? T : never;
export type Fields = Record<string, Field<unknown>>;
export type ObjectOf<F extends Fields> = { readonly [K in keyof F]: FieldType<F[K]> };

export interface ObjectOpts<T> {
  /** Cross-field checks, run only when every field parsed. */
  readonly check?: (v: T, path: Path, r: Reporter) => void;
}

function fieldRows(fields: Fields, prefix: string): DocRow[] {
  return Object.entries(fields).flatMap(([key, f]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const def = f.mode === "default" ? f.schema.show(f.default) : f.mode;
    const row: DocRow = { path, type: f.schema.type, default: def, source: f.source, doc: f.doc };
    return [row, ...(f.schema.rows?.(path) ?? [])];
  });
}

/** Parse the fields of a mapping `v` (already known to be one), reporting every problem. */
function parseFields(
  fields: Fields,
  v: Record<string, unknown>,
  path: Path,
  r: Reporter,
  skip: readonly string[] = [],
): Parsed<Record<string, unknown>> {
  let bad = false;
  const known = Object.keys(fields);
  for (const key of Object.keys(v)) {
    // Own keys only: `constructor`, `toString` and `__proto__` are not fields of any mapping.
    if (Object.hasOwn(fields, key) || skip.includes(key)) continue;
    const hint =
      suggest(key, known) ||
      (known.length ? ` (allowed: ${known.join(", ")})` : " (no other keys allowed here)");
    r.report([...path, key], "unknown-key", `unknown key${hint}`, "key");
    bad = true;
  }
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(fields)) {
    if (!Object.hasOwn(v, key)) {
      if (f.mode === "required") {
        r.report([...path, key], "required", `missing required key (expected ${f.schema.expected})`);
        bad = true;
      }
      out[key] = f.mode === "default" ? f.default : undefined;
      continue;
    }
    const p = f.schema.parse(v[key], [...path, key], r);
    if (p === BAD) bad = true;
    else out[key] = p;
  }
  return bad ? BAD : out;
}

/** A mapping with exactly the keys of `fields`. */
export function object<F extends Fields>(fields: F, o: ObjectOpts<ObjectOf<F>> = {}): Schema<ObjectOf<F>> {
  const expected = `a mapping (keys: ${Object.keys(fields).join(", ")})`;
  return {
    type: "mapping",
    expected,
    accepts: isRecord,
    show: () => "{...}",
    rows: (p) => fieldRows(fields, p),
    parse(v, path, r) {
      if (!isRecord(v)) {
        r.report(path, "type", `expected ${expected}, found ${describeValue(v)}`);
        return BAD;
      }
      const out = parseFields(fields, v, path, r);
      if (out === BAD) return BAD;
      const obj = out as ObjectOf<F>;
      o.check?.(obj, path, r);
      return obj;
    },
  };
}

/** Variants of a tagged union: the tag's value -> the other fields allowed. */
export type Variants = Record<string, Fields>;
export type TaggedOf<K extends string, V extends Variants> = {
  [T in keyof V & string]: { readonly [P in K]: T } & ObjectOf<V[T]>;
}[keyof V & string];

/** A mapping whose `tag` key picks which fields may appear (e.g. `action: revoke` + `by: flr`). */
export function tagged<const K extends string, V extends Variants>(
  tag: K,
  variants: V,
  docs: Readonly<Record<keyof V & string, string>>,
): Schema<TaggedOf<K, V>> {
  const names = Object.keys(variants);
  const expected = `a mapping with '${tag}: ${names.join(" | ")}'`;
  return {
    type: "mapping",
    expected,
    accepts: isRecord,
    show: () => "{...}",
    rows: (p) => [
      { path: `${p}.${tag}`, type: names.join(" | "), default: "required", source: "", doc: "" },
      ...names.flatMap((n) => [
        { path: `${p}(${tag}=${n})`, type: "", default: "", source: "", doc: docs[n] ?? "" },
        ...fieldRows(variants[n]!, `${p}(${tag}=${n})`),
      ]),
    ],
    parse(v, path, r) {
      if (!isRecord(v)) {
        r.report(path, "type", `expected ${expected}, found ${describeValue(v)}`);
        return BAD;
      }
      const t = v[tag];
      if (t === undefined) {
        r.report([...path, tag], "required", `missing required key (expected one of ${names.join(", ")})`);
        return BAD;
      }
      if (typeof t !== "string" || !Object.hasOwn(variants, t)) {
        const hint = typeof t === "string" ? suggest(t, names) : "";
        r.report(
          [...path, tag],
          "choice",
          `expected one of ${names.join(", ")}, found ${describeValue(t)}${hint}`,
        );
        return BAD;
      }
      const out = parseFields(variants[t]!, v, path, r, [tag]);
      return out === BAD ? BAD : ({ [tag]: t, ...out } as TaggedOf<K, V>);
    },
  };
}

/** The value a schema gives an empty mapping: its defaults (a ModelError if something is required). */
export function defaultsOf<T>(schema: Schema<T>): T {
  const problems: string[] = [];
  const v = schema.parse({}, [], { report: (_p, _c, m) => problems.push(m) });
  if (v === BAD) throw new ModelError(`schema defaults are incomplete: ${problems.join("; ")}`);
  return v;
}
