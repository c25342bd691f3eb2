/**
 * The shape of a documented parameter tree and its validation: every leaf says its default, unit,
 * range, source and whether it is an extrapolation, so the scenario layer can validate YAML
 * against the tree and list defaults with their sources. The tree itself is in ./params.ts.
 */
import { InputError, type Issue } from "../../base/errors.js";

export type ParamKind = "number" | "boolean" | "choice" | "number[]" | "boolean[]";
export type ParamValue = number | boolean | string | readonly number[] | readonly boolean[];

/** One documented parameter. */
export interface ParamSpec<T extends ParamValue = ParamValue> {
  readonly kind: ParamKind;
  readonly default: T;
  readonly unit: string;
  readonly doc: string;
  /** Where the default comes from (a publication, a spec table, or the reasoning behind a guess). */
  readonly source: string;
  /** True when the default is not a published figure. */
  readonly extrapolated: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly choices?: readonly string[];
}

/** A tree of specs with the same shape as the values tree T. */
export type SpecTree<T> = {
  readonly [K in keyof T]: T[K] extends ParamValue ? ParamSpec<T[K]> : SpecTree<T[K]>;
};

/** A partial override of T: any leaf may be left out. */
export type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends ParamValue ? T[K] : DeepPartial<T[K]>;
};

interface SpecOpts {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly extrapolated?: boolean;
}

/** A numeric parameter. */
export function num(
  def: number,
  unit: string,
  doc: string,
  source: string,
  o: SpecOpts = {},
): ParamSpec<number> {
  return {
    kind: "number",
    default: def,
    unit,
    doc,
    source,
    extrapolated: o.extrapolated ?? false,
    ...range(o, unit),
  };
}
/** An integer parameter. */
export function int(
  def: number,
  unit: string,
  doc: string,
  source: string,
  o: SpecOpts = {},
): ParamSpec<number> {
  return { ...num(def, unit, doc, source, o), integer: true };
}
export function bool(def: boolean, doc: string, source: string, extrapolated = false): ParamSpec<boolean> {
  return { kind: "boolean", default: def, unit: "", doc, source, extrapolated };
}
export function choice<T extends string>(
  def: T,
  choices: readonly T[],
  doc: string,
  source: string,
  extrapolated = false,
): ParamSpec<T> {
  return { kind: "choice", default: def, unit: "", doc, source, extrapolated, choices };
}
export function numList(def: readonly number[], unit: string, doc: string, source: string, o: SpecOpts = {}) {
  return {
    kind: "number[]",
    default: def,
    unit,
    doc,
    source,
    extrapolated: o.extrapolated ?? false,
    ...range(o, unit),
  } as ParamSpec<readonly number[]>;
}
export function boolList(def: readonly boolean[], doc: string, source: string, extrapolated = false) {
  return { kind: "boolean[]", default: def, unit: "", doc, source, extrapolated } as ParamSpec<
    readonly boolean[]
  >;
}

/**
 * Every number gets a range the model can run: a latency at most MAX_LATENCY_NS (the longest
 * run), any other number at most MAX_PARAM (an Int32 index or count). Simulated time is integer
 * picoseconds below 2^53 (~9000 s), so unbounded latencies or counts would overflow it.
 */
export const MAX_LATENCY_NS = 10_000_000;
export const MAX_PARAM = 2 ** 31 - 1;
/** Below this a non-zero rate (GB/s, Gb/s) would make one TLP take longer than a run. */
export const MIN_RATE = 0.001;

function range(o: SpecOpts, unit = ""): { min?: number; max?: number; integer?: boolean } {
  const max = o.max ?? (unit === "ns" ? MAX_LATENCY_NS : MAX_PARAM);
  return {
    ...(o.min === undefined ? {} : { min: o.min }),
    max,
    ...(o.integer === undefined ? {} : { integer: o.integer }),
  };
}

function isSpec(x: unknown): x is ParamSpec {
  return typeof x === "object" && x !== null && "kind" in x && "default" in x;
}

/** The plain default values of a spec tree. */
export function defaultsOf<T>(tree: SpecTree<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tree))
    out[k] = isSpec(v) ? v.default : defaultsOf(v as SpecTree<unknown>);
  return out as T;
}

/** Every leaf as [dotted path, spec], in tree order (for documentation tables). */
export function listParams(tree: object, prefix = ""): [string, ParamSpec][] {
  const out: [string, ParamSpec][] = [];
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isSpec(v)) out.push([path, v]);
    else out.push(...listParams(v as object, path));
  }
  return out;
}

/**
 * Merge `input` over the defaults of `tree`, collecting every problem (unknown key, wrong type,
 * out of range) as an Issue at `path.key`; throws one InputError listing them all.
 */
export function resolveParams<T>(tree: SpecTree<T>, input: unknown, path: string): T {
  const issues: Issue[] = [];
  const value = resolveNode(tree as object, input, path, issues);
  if (issues.length > 0) throw new InputError(issues);
  return value as T;
}

function resolveNode(tree: object, input: unknown, path: string, issues: Issue[]): Record<string, unknown> {
  const given = input ?? {};
  if (typeof given !== "object" || Array.isArray(given)) {
    issues.push({ code: "type", path, message: "must be an object" });
    return {};
  }
  const g = given as Record<string, unknown>;
  for (const k of Object.keys(g)) {
    if (!Object.hasOwn(tree, k))
      issues.push({ code: "unknown", path: `${path}.${k}`, message: "unknown parameter" });
  }
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(tree)) {
    const p = `${path}.${k}`;
    if (isSpec(spec)) out[k] = g[k] === undefined ? spec.default : checkLeaf(spec, g[k], p, issues);
    else out[k] = resolveNode(spec as object, g[k], p, issues);
  }
  return out;
}

function checkLeaf(spec: ParamSpec, v: unknown, path: string, issues: Issue[]): unknown {
  const bad = (message: string): unknown => {
    issues.push({ code: "invalid", path, message });
    return spec.default;
  };
  switch (spec.kind) {
    case "boolean":
      return typeof v === "boolean" ? v : bad(`must be true or false, found ${JSON.stringify(v)}`);
    case "choice":
      return typeof v === "string" && spec.choices!.includes(v)
        ? v
        : bad(`must be one of ${spec.choices!.join(", ")}, found ${JSON.stringify(v)}`);
    case "number": {
      const why = numberIssue(spec, v);
      return why ? bad(why) : v;
    }
    case "number[]": {
      if (!Array.isArray(v) || v.length === 0) return bad("must be a non-empty list of numbers");
      const why = v.map((x) => numberIssue(spec, x)).find((m) => m !== undefined);
      return why ? bad(`every element ${why}`) : [...v];
    }
    case "boolean[]":
      return Array.isArray(v) &&
        v.length === (spec.default as readonly boolean[]).length &&
        v.every((x) => typeof x === "boolean")
        ? [...v]
        : bad(`must be a list of ${(spec.default as readonly boolean[]).length} booleans`);
  }
}

function numberIssue(spec: ParamSpec, v: unknown): string | undefined {
  if (typeof v !== "number" || !Number.isFinite(v)) return `must be a number, found ${JSON.stringify(v)}`;
  if (spec.integer && !Number.isInteger(v)) return `must be an integer, found ${v}`;
  if (spec.min !== undefined && v < spec.min) return `must be >= ${spec.min}${unitText(spec)}, found ${v}`;
  if (spec.max !== undefined && v > spec.max) return `must be <= ${spec.max}${unitText(spec)}, found ${v}`;
  if (isRate(spec) && v > 0 && v < MIN_RATE)
    return `must be 0 (no limit) or >= ${MIN_RATE}${unitText(spec)}, found ${v}`;
  return undefined;
}

function isRate(spec: ParamSpec): boolean {
  return spec.unit === "GB/s" || spec.unit === "Gb/s";
}

function unitText(spec: ParamSpec): string {
  return spec.unit ? ` ${spec.unit}` : "";
}
