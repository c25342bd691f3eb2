/**
 * A point's identity: sha256 of the canonical JSON of (normalized scenario, revision, seed, tphlab
 * version). Canonical: keys sorted at every level, undefined fields dropped, so two spellings of
 * the same scenario (`4KiB` and `4096`, a default written out or left implied) share one result.
 */
import { createHash } from "node:crypto";
import type { Scenario } from "../scenario/scenario-schema.js";

/** JSON with sorted keys and no whitespace; non-finite numbers and other types are refused. */
export function canonicalJson(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${v} has no JSON form`);
    return JSON.stringify(v);
  }
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof v} has no JSON form`);
}

/**
 * What a run's result depends on: the scenario less the fields a point overrides (seed, revisions)
 * and the ones only shown (name, description).
 */
export function runInputs(s: Scenario): unknown {
  const { seed: _seed, revisions: _revisions, name: _name, description: _description, ...rest } = s;
  return rest;
}

export function pointHash(scenario: Scenario, revision: string, seed: number, version: string): string {
  const text = canonicalJson({ scenario: runInputs(scenario), revision, seed, version });
  return createHash("sha256").update(text).digest("hex");
}
