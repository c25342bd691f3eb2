/**
 * Per-device parameters on a platform: a NIC or accelerator entry may set its own values of the
 * fabric's `nic` or `accelerator` section (an 8x8 server may pair a Gen4 100 GbE NIC with a
 * 400 GbE one; accelerators may differ in cache), every value it does not set coming from the
 * fabric's section. Resolved and checked as the whole tree is (./params.ts).
 */
import { type FabricParams, type FabricParamsInput, resolveFabricParams } from "../params.js";

type Plain = { readonly [k: string]: unknown };
const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` on top of `base`, objects merged key by key (arrays and values replaced). */
export function mergeDeep<T>(base: T | undefined, over: T | undefined): T | undefined {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeDeep(base[k], v);
  return out as T;
}

/** The fabric's parameters with `override` on its `section`; InputError under `path` if bad. */
export function deviceParams<S extends "nic" | "accelerator">(
  base: FabricParamsInput | undefined,
  section: S,
  override: FabricParamsInput[S] | undefined,
  path: string,
): FabricParams {
  if (override === undefined) return resolveFabricParams(base);
  const merged = { ...base, [section]: mergeDeep(base?.[section], override) } as FabricParamsInput;
  return resolveFabricParams(merged, path);
}
