/**
 * The data path's parameters in the scenario schema, derived from the fabric's ONE documented
 * parameter tree (FABRIC_PARAMS in src/hw/fabric/params.ts): each leaf becomes a schema field with
 * the tree's default, range and source. Times and bandwidths may be written with any unit
 * ("1.5us", "56.8Gb/s") and are converted to the unit the tree uses; a bare number is in that unit
 * (the key says which: `latencyNs: 150`, `hbmGBps: 1600`, `mps: 256` bytes).
 */

import { InputError } from "../base/errors.js";
import type { ParamSpec } from "../hw/fabric/param-spec.js";
import { FABRIC_PARAMS, type FabricParams, resolveFabricParams } from "../hw/fabric/params.js";
import {
  BAD,
  boolean,
  describeValue,
  integer,
  list,
  oneOf,
  type Path,
  type Reporter,
  real,
  type Schema,
} from "./schema.js";
import { defaultsOf, type Field, type Fields, object, optional, withDefault } from "./schema-object.js";
import { formatTimePs, parseQuantity, type QuantityKind } from "./units.js";

/** Units of the tree that scenario files write with a unit, and their size in the base unit. */
const UNIT_KIND: Readonly<Record<string, { kind: QuantityKind; base: number }>> = {
  ns: { kind: "time", base: 1e3 },
  us: { kind: "time", base: 1e6 },
  "GB/s": { kind: "bandwidth", base: 8e9 },
  "Gb/s": { kind: "bandwidth", base: 1e9 },
  B: { kind: "size", base: 1 },
};

function rangeOf(spec: ParamSpec): string {
  const u = spec.unit;
  const sep = UNIT_KIND[u] ? "" : " ";
  // Latency bounds read better in the largest unit ("10ms" rather than "10000000ns").
  const w = (n: number) => (u === "ns" ? formatTimePs(n * 1e3) : `${n}${u ? sep + u : ""}`);
  if (spec.min !== undefined && spec.max !== undefined) return ` ${w(spec.min)}..${w(spec.max)}`;
  if (spec.min !== undefined) return ` >= ${w(spec.min)}`;
  if (spec.max !== undefined) return ` <= ${w(spec.max)}`;
  return "";
}

/** A numeric leaf written with a unit; the value is in the tree's unit (`spec.unit`). */
function unitNumber(spec: ParamSpec, u: { kind: QuantityKind; base: number }): Schema<number> {
  const range = rangeOf(spec);
  const expected = `a ${u.kind} in ${spec.unit} such as ${spec.default as number}${range ? `, in${range}` : ""}`;
  return {
    type: `${u.kind} (a number in ${spec.unit}, or with a unit)${range}`,
    expected,
    accepts: (v) => typeof v === "string" || typeof v === "number",
    show: (v) => String(v),
    parse(v, path, r) {
      const q = typeof v === "number" ? v * u.base : parseQuantity(u.kind, v);
      if (typeof q === "string" || !Number.isFinite(q)) {
        const why = typeof q === "string" ? `: ${q}` : "";
        r.report(path, "unit", `expected ${expected}, found ${describeValue(v)}${why}`);
        return BAD;
      }
      const n = Number((q / u.base).toPrecision(12));
      const why =
        spec.integer && !Number.isInteger(n)
          ? `not a whole number of ${spec.unit}`
          : (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)
            ? "out of range"
            : undefined;
      if (why) {
        r.report(path, "range", `expected ${expected}, found ${describeValue(v)}: ${why}`);
        return BAD;
      }
      return n;
    },
  };
}

function leafSchema(spec: ParamSpec): Schema<unknown> {
  const o = {
    ...(spec.min === undefined ? {} : { min: spec.min }),
    ...(spec.max === undefined ? {} : { max: spec.max }),
  };
  switch (spec.kind) {
    case "boolean":
      return boolean();
    case "choice":
      return oneOf(spec.choices ?? []);
    case "boolean[]": {
      const n = (spec.default as readonly boolean[]).length;
      return list(boolean(), { min: n, max: n });
    }
    case "number[]":
      return list(spec.integer ? integer(o) : real(o), { min: 1 });
    case "number": {
      const u = UNIT_KIND[spec.unit];
      if (u) return unitNumber(spec, u);
      return spec.integer ? integer(o) : real(o);
    }
  }
}

function sourceOf(spec: ParamSpec): string {
  return spec.extrapolated && !/^extrapolat/i.test(spec.source)
    ? `extrapolated: ${spec.source}`
    : spec.source;
}

function isSpec(x: unknown): x is ParamSpec {
  return typeof x === "object" && x !== null && "kind" in x && "default" in x;
}

/** Schema fields for one section of the tree (nested sections become mappings with defaults). */
export function treeFields(tree: object): Fields {
  const out: Fields = {};
  for (const [key, node] of Object.entries(tree)) {
    const unit = isSpec(node) && node.unit && !UNIT_KIND[node.unit] ? ` [${node.unit}]` : "";
    if (isSpec(node))
      out[key] = withDefault(leafSchema(node), node.default, `${node.doc}${unit}`, sourceOf(node));
    else {
      const sub = object(treeFields(node));
      out[key] = withDefault(sub, defaultsOf(sub), `${key} parameters`);
    }
  }
  return out;
}

/**
 * The same fields, every one optional (nested sections too): a device's own values over the
 * scenario's section (a platform's per-device parameters); what it leaves out comes from there.
 */
export function optionalTreeFields(tree: object): Fields {
  const out: Fields = {};
  for (const [key, node] of Object.entries(tree)) {
    const unit = isSpec(node) && node.unit && !UNIT_KIND[node.unit] ? ` [${node.unit}]` : "";
    out[key] = isSpec(node)
      ? optional(leafSchema(node), `${node.doc}${unit}`)
      : optional(object(optionalTreeFields(node)), `${key} parameters`);
  }
  return out;
}

/** Schema fields typed as the values they produce. */
export type FieldsOf<T> = { readonly [K in keyof T]: Field<T[K]> };

/** The fields of section `name` of FABRIC_PARAMS. */
export function fabricSection<K extends keyof FabricParams>(name: K): FieldsOf<FabricParams[K]> {
  return treeFields(FABRIC_PARAMS[name]) as unknown as FieldsOf<FabricParams[K]>;
}

/** The sections of the tree, in its order. */
export const FABRIC_SECTIONS = Object.keys(FABRIC_PARAMS) as (keyof FabricParams)[];

/** Pick the tree's keys out of the scenario's sections (which also hold kernel-side keys). */
export function fabricParamsOf(sections: Readonly<Record<string, unknown>>): FabricParams {
  const pick = (tree: object, v: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(tree).map(([k, node]) => [
        k,
        isSpec(node) ? v[k] : pick(node, v[k] as Record<string, unknown>),
      ]),
    );
  return pick(FABRIC_PARAMS, sections as Record<string, unknown>) as unknown as FabricParams;
}

/** The tree's own cross-parameter checks (MPS a power of two, ...), reported at their paths. */
export function checkFabricParams(p: FabricParams, r: Reporter): void {
  try {
    resolveFabricParams(p, "$");
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const i of e.issues) {
      const path: Path = i.path
        .replace(/^\$\.?/, "")
        .split(".")
        .filter(Boolean);
      r.report(path, i.code, i.message);
    }
  }
}
