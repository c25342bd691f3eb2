/**
 * The sweep file: which scenario, what to vary (a cartesian grid, plus `zip` groups varied in
 * lockstep), on which revisions, with how many seeds, and which metrics to keep. This module checks
 * its shape (every problem at once, each at FILE:LINE:COL); plan.ts checks the values against the
 * scenario schema.
 *
 *   scenario: ../demo.yaml        # relative to the sweep file
 *   set: { duration: 50us }       # fixed changes to the base (optional)
 *   vary: { link.gen: [3, 4, 5] } # one axis per path
 *   zip:                          # axes whose paths move together (equal-length lists)
 *     - { flows.write.size: [4KiB, 64KiB], flows.write.length: [64KiB, 1MiB] }
 *   revisions: [v11, proposed]    # default: the scenario's
 *   seeds: 3                      # 3 = seeds 1, 2, 3; or a list [7, 11]
 *   metrics: [flows.write.goodputGbps, bytesMisdirected]
 */
import { parseRevisionSpec, type RevisionName } from "../kernel/revision.js";
import { describeValue, isRecord, type Path, suggest } from "../scenario/schema.js";
import type { SourceReporter, YamlSource } from "../scenario/yaml.js";

/** One varied dimension: one path (vary), or several in lockstep (a zip group). */
export interface Axis {
  readonly paths: readonly string[];
  /** Per path, where its values sit in the sweep file (`["vary", "link.gen"]`). */
  readonly at: readonly Path[];
  /** steps[i][j]: the value of paths[j] at step i. */
  readonly steps: readonly (readonly unknown[])[];
}

export interface SweepFile {
  readonly source: YamlSource;
  readonly scenario: string;
  readonly set: readonly { readonly path: string; readonly value: unknown }[];
  readonly axes: readonly Axis[];
  /** Undefined: the scenario's own revisions. */
  readonly revisions: readonly RevisionName[] | undefined;
  readonly seeds: readonly number[];
  readonly metrics: readonly string[];
}

const KEYS = ["scenario", "set", "vary", "zip", "revisions", "seeds", "metrics"];
/** Most seeds `seeds: N` may ask for; more replications than this is a mistake, not a study. */
export const MAX_SEEDS = 1000;
const PATH_RE = /^[A-Za-z_][\w-]*(?:\[\d+\]|\.[\w-]+)*$/;

function checkKeys(v: Record<string, unknown>, r: SourceReporter): void {
  for (const k of Object.keys(v)) {
    if (KEYS.includes(k)) continue;
    r.report([k], "unknown-key", `unknown key${suggest(k, KEYS) || ` (allowed: ${KEYS.join(", ")})`}`, "key");
  }
  for (const k of ["scenario", "metrics"])
    if (!Object.hasOwn(v, k)) r.report([k], "required", "missing required key");
}

function pathKey(path: Path, key: string, r: SourceReporter): boolean {
  if (PATH_RE.test(key)) return true;
  r.report([...path, key], "path", "expected a scenario path such as flows.write.size", "key");
  return false;
}

/** A mapping of paths to non-empty lists of values, or undefined (problems reported). */
function listsOf(
  v: unknown,
  path: Path,
  r: SourceReporter,
): { paths: string[]; lists: unknown[][] } | undefined {
  if (!isRecord(v) || Object.keys(v).length === 0) {
    r.report(
      path,
      "type",
      `expected a mapping of scenario paths to lists of values, found ${describeValue(v)}`,
    );
    return undefined;
  }
  const paths: string[] = [];
  const lists: unknown[][] = [];
  for (const [key, values] of Object.entries(v)) {
    if (!pathKey(path, key, r)) continue;
    if (!Array.isArray(values) || values.length === 0) {
      r.report([...path, key], "type", `expected a non-empty list of values, found ${describeValue(values)}`);
      continue;
    }
    paths.push(key);
    lists.push(values);
  }
  return paths.length === Object.keys(v).length ? { paths, lists } : undefined;
}

function zipAxis(v: unknown, path: Path, r: SourceReporter): Axis | undefined {
  const got = listsOf(v, path, r);
  if (!got) return undefined;
  const { paths, lists } = got;
  if (new Set(lists.map((l) => l.length)).size > 1) {
    const lens = paths.map((p, i) => `${p}: ${lists[i]!.length}`).join(", ");
    r.report(path, "length", `a zip group's lists must have equal lengths, found ${lens}`);
    return undefined;
  }
  return {
    paths,
    at: paths.map((p) => [...path, p]),
    steps: lists[0]!.map((_, i) => lists.map((l) => l[i])),
  };
}

function axesOf(v: Record<string, unknown>, r: SourceReporter): Axis[] {
  const axes: Axis[] = [];
  const grid = v.vary === undefined ? undefined : listsOf(v.vary, ["vary"], r);
  // Each vary path is its own dimension of the grid.
  grid?.paths.forEach((p, j) => {
    axes.push({ paths: [p], at: [["vary", p]], steps: grid.lists[j]!.map((x) => [x]) });
  });
  if (v.zip !== undefined) {
    if (!Array.isArray(v.zip))
      r.report(["zip"], "type", `expected a list of mappings, found ${describeValue(v.zip)}`);
    else
      v.zip.forEach((g, i) => {
        const a = zipAxis(g, ["zip", i], r);
        if (a) axes.push(a);
      });
  }
  const seen = new Set<string>();
  for (const a of axes)
    a.paths.forEach((p, j) => {
      if (seen.has(p)) r.report(a.at[j]!, "duplicate", `${p} is varied twice`, "key");
      seen.add(p);
    });
  return axes;
}

function setOf(v: unknown, r: SourceReporter): SweepFile["set"] {
  if (v === undefined) return [];
  if (!isRecord(v)) {
    r.report(["set"], "type", `expected a mapping of scenario paths to values, found ${describeValue(v)}`);
    return [];
  }
  return Object.entries(v)
    .filter(([k]) => pathKey(["set"], k, r))
    .map(([path, value]) => ({ path, value }));
}

function revisionsOf(v: unknown, r: SourceReporter): RevisionName[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) {
    r.report(["revisions"], "type", `expected a non-empty list of revisions, found ${describeValue(v)}`);
    return undefined;
  }
  const out: RevisionName[] = [];
  v.forEach((item, i) => {
    const spec = typeof item === "string" ? parseRevisionSpec(item) : undefined;
    if (!spec?.ok) {
      const why = spec ? spec.issues.join("; ") : `expected a revision name, found ${describeValue(item)}`;
      r.report(["revisions", i], "choice", why);
    } else if (out.includes(spec.name)) r.report(["revisions", i], "duplicate", `'${item}' given twice`);
    else out.push(spec.name);
  });
  return out;
}

function seedsOf(v: unknown, r: SourceReporter): number[] {
  if (v === undefined) return [1];
  const isSeed = (x: unknown): x is number =>
    Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && v >= 1 && v <= MAX_SEEDS)
      return Array.from({ length: v }, (_, i) => i + 1);
    r.report(["seeds"], "range", `expected a count 1..${MAX_SEEDS} or a list of seeds, found ${v}`);
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) {
    r.report(["seeds"], "type", `expected a count or a non-empty list of seeds, found ${describeValue(v)}`);
    return [];
  }
  const out: number[] = [];
  v.forEach((x, i) => {
    if (!isSeed(x))
      r.report(["seeds", i], "range", `expected a seed 0..4294967295, found ${describeValue(x)}`);
    else if (out.includes(x)) r.report(["seeds", i], "duplicate", `seed ${x} given twice`);
    else out.push(x);
  });
  return out;
}

function metricsOf(v: unknown, r: SourceReporter): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length === 0) {
    r.report(["metrics"], "type", `expected a non-empty list of result paths, found ${describeValue(v)}`);
    return [];
  }
  const out: string[] = [];
  v.forEach((m, i) => {
    if (typeof m !== "string" || !PATH_RE.test(m))
      r.report(
        ["metrics", i],
        "path",
        `expected a result path such as flows.write.goodputGbps, found ${describeValue(m)}`,
      );
    else if (out.includes(m)) r.report(["metrics", i], "duplicate", `${m} given twice`);
    else out.push(m);
  });
  return out;
}

/** The sweep file's shape, checked; problems go to `r` (the caller throws them all at once). */
export function readSweepFile(source: YamlSource, r: SourceReporter): SweepFile | undefined {
  const v = source.value;
  if (!isRecord(v)) {
    r.report([], "type", `expected a mapping (keys: ${KEYS.join(", ")}), found ${describeValue(v)}`);
    return undefined;
  }
  checkKeys(v, r);
  if (v.scenario !== undefined && (typeof v.scenario !== "string" || v.scenario === ""))
    r.report(
      ["scenario"],
      "type",
      `expected the path of a scenario file, found ${describeValue(v.scenario)}`,
    );
  return {
    source,
    scenario: typeof v.scenario === "string" ? v.scenario : "",
    set: setOf(v.set, r),
    axes: axesOf(v, r),
    revisions: revisionsOf(v.revisions, r),
    seeds: seedsOf(v.seeds, r),
    metrics: metricsOf(v.metrics, r),
  };
}
