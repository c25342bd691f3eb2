/**
 * A sweep file -> its points, every input checked before anything runs: the file's shape, the base
 * scenario, each `set` and `vary`/`zip` value put into the base and judged by the scenario schema
 * (reported at the value in the sweep file), every combination of the grid, and each metric path
 * against the shape of a real result (the base with `set`, run for 1 ns). All problems are
 * collected into one InputError, each at FILE:LINE:COL.
 */
import { dirname, resolve } from "node:path";
import { InputError, type Issue } from "../base/errors.js";
import type { RevisionName } from "../kernel/revision.js";
import { parseScenario } from "../scenario/load.js";
import type { ConsumerResult, RevisionResult } from "../scenario/result.js";
import { runOneRevision } from "../scenario/run.js";
import type { Scenario } from "../scenario/scenario-schema.js";
import { parseYaml, SourceReporter } from "../scenario/yaml.js";
import { pointHash } from "./hash.js";
import { isMiss, metricValue, resolveDocPath, withValue } from "./paths.js";
import { docIssueText, validateScenarioValue } from "./scenario-value.js";
import { type Axis, readSweepFile, type SweepFile } from "./sweep-file.js";
import type { SweepPoint } from "./types.js";

/** Most grid combinations a sweep may have (each is validated up front). */
export const MAX_COMBINATIONS = 100_000;
/** Combination problems listed before "and N more". */
const SHOWN_COMBINATION_ISSUES = 5;

export interface SweepPlan {
  readonly file: string;
  readonly scenarioFile: string;
  readonly scenarioName: string;
  readonly axes: readonly {
    readonly paths: readonly string[];
    readonly steps: readonly (readonly unknown[])[];
  }[];
  readonly revisions: readonly RevisionName[];
  readonly seeds: readonly number[];
  readonly metrics: readonly string[];
  readonly points: readonly SweepPoint[];
}

export interface PlanOptions {
  /** The tphlab version (part of every point's hash). */
  readonly version: string;
  readonly readFile: (path: string, maxBytes?: number) => Uint8Array;
  /** Where shipped examples live: `scenario: demo` names examples/demo.yaml as `tphlab run demo` does. */
  readonly examplesDir?: string;
}

/** The base scenario's file: relative to the sweep file, else a shipped example by name. */
function readBase(sf: SweepFile, file: string, o: PlanOptions): { path: string; bytes: Uint8Array } {
  const path = resolve(dirname(file), sf.scenario);
  try {
    return { path, bytes: o.readFile(path, 1024 * 1024) };
  } catch (e) {
    if (o.examplesDir === undefined || sf.scenario.includes("/")) throw e;
    const shipped = `${o.examplesDir}/${sf.scenario.replace(/\.yaml$/, "")}.yaml`;
    try {
      return { path: shipped, bytes: o.readFile(shipped, 1024 * 1024) };
    } catch {
      throw e; // the user's path is the one to report
    }
  }
}

/** Read and validate the base scenario; its own problems come with its own file:line:col. */
function baseOf(sf: SweepFile, file: string, o: PlanOptions, issues: Issue[]) {
  let path = resolve(dirname(file), sf.scenario);
  let text: string;
  try {
    const base = readBase(sf, file, o);
    path = base.path;
    text = new TextDecoder().decode(base.bytes);
  } catch (e) {
    const p = sf.source.locate(["scenario"]);
    const why = e instanceof InputError ? e.issues.map((i) => i.message).join("; ") : (e as Error).message;
    issues.push({ code: "read", path: `${file}:${p.line}:${p.col}: scenario`, message: `${path}: ${why}` });
    return undefined;
  }
  if (text.includes("\u0000")) {
    const p = sf.source.locate(["scenario"]);
    issues.push({
      code: "binary",
      path: `${file}:${p.line}:${p.col}: scenario`,
      message: `${path}: not a text file`,
    });
    return undefined;
  }
  try {
    parseScenario(text, path);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.push(...e.issues);
    return undefined;
  }
  return { path, doc: parseYaml(text, path).source.value };
}

/** `doc` with `value` at `path`, or the problem (reported at `at` in the sweep file). */
function put(
  doc: unknown,
  path: string,
  value: unknown,
  at: readonly (string | number)[],
  r: SourceReporter,
) {
  const segs = resolveDocPath(doc, path);
  if (isMiss(segs)) {
    r.report(at, "path", `not a path of the scenario: ${segs.message}`, "key");
    return undefined;
  }
  return withValue(doc, segs, value);
}

/** Whether the document path `path` lies at or under `prefix`. */
function under(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.every((seg, k) => path[k] === seg);
}

/**
 * Each step of an axis put into the base alone (a zip group's values together) and judged; a
 * problem is reported at the value whose path it concerns (else at the step's first value).
 */
function checkAxis(axis: Axis, doc: unknown, r: SourceReporter): void {
  const segs = axis.paths.map((p) => resolveDocPath(doc, p));
  let ok = true;
  segs.forEach((s, j) => {
    if (!isMiss(s)) return;
    r.report(axis.at[j]!, "path", `not a path of the scenario: ${s.message}`, "key");
    ok = false;
  });
  if (!ok) return;
  const concrete = segs as (string | number)[][];
  axis.steps.forEach((step, i) => {
    const one = concrete.reduce<unknown>((d, s, j) => withValue(d, s, step[j]), doc);
    for (const x of validateScenarioValue(one).issues) {
      const j = Math.max(
        0,
        concrete.findIndex((s) => under(x.path, s)),
      );
      r.report([...axis.at[j]!, i], x.code, docIssueText(x));
    }
  });
}

/** Apply `set`, then check each varied value alone against the scenario schema. */
function checkValues(sf: SweepFile, base: unknown, r: SourceReporter): unknown {
  let doc = base;
  for (const { path, value } of sf.set) {
    const next = put(doc, path, value, ["set", path], r);
    if (next === undefined) continue;
    const bad = validateScenarioValue(next).issues;
    for (const i of bad) r.report(["set", path], i.code, docIssueText(i));
    if (!bad.length) doc = next;
  }
  for (const axis of sf.axes) checkAxis(axis, doc, r);
  return doc;
}

/** Every combination of the axes (first axis slowest), as the values of each step. */
function combinations(axes: readonly Axis[]): number[][] {
  let out: number[][] = [[]];
  for (const a of axes) out = out.flatMap((c) => a.steps.map((_, i) => [...c, i]));
  return out;
}

function pointDoc(doc: unknown, axes: readonly Axis[], combo: readonly number[]) {
  const values: Record<string, unknown> = {};
  let d = doc;
  axes.forEach((a, k) => {
    a.paths.forEach((p, j) => {
      const v = a.steps[combo[k]!]![j];
      values[p] = v;
      d = withValue(d, resolveDocPath(d, p) as (string | number)[], v);
    });
  });
  return { doc: d, values };
}

/** A consumer's entry, for flows whose consumer had not read a message yet in the dry run. */
const CONSUMER_SHAPE = {
  timeToConsumeNs: { p50: null, p99: null },
  utilization: 0,
  maxBacklog: 0,
} satisfies ConsumerResult;

/**
 * The shape of a run's result: the scenario run for 1 ns (every flow, link, completer and
 * invariant is there), with the consumer entries a run has once the flow's messages are read.
 */
export function resultShape(s: Scenario, revision: RevisionName): RevisionResult {
  const { result } = runOneRevision({ ...s, duration: 1000 }, revision, 1, { series: false });
  const consumers = { ...result.consumers };
  for (const f of s.flows) if (f.consumer !== "none") consumers[f.name] ??= CONSUMER_SHAPE;
  return { ...result, consumers };
}

/** The metric paths against the shape of a real result. */
function checkMetrics(sf: SweepFile, s: Scenario, revision: RevisionName, r: SourceReporter): void {
  const shape = resultShape(s, revision);
  sf.metrics.forEach((m, i) => {
    const v = metricValue(shape, m);
    if (isMiss(v)) r.report(["metrics", i], "metric", `not a metric of a run's result: ${v.message}`);
  });
}

function build(sf: SweepFile, doc: unknown, r: SourceReporter) {
  const combos = combinations(sf.axes);
  const parsed: { s: Scenario; doc: unknown; values: Record<string, unknown> }[] = [];
  let bad = 0;
  for (const c of combos) {
    const p = pointDoc(doc, sf.axes, c);
    const v = validateScenarioValue(p.doc);
    if (v.scenario) parsed.push({ s: v.scenario, ...p });
    else if (++bad <= SHOWN_COMBINATION_ISSUES) {
      const what = Object.entries(p.values)
        .map(([k, x]) => `${k}=${JSON.stringify(x)}`)
        .join(", ");
      r.report(
        [sf.axes.some((a) => a.at[0]![0] === "vary") ? "vary" : "zip"],
        "combination",
        `the point ${what}: ${v.issues.map(docIssueText).join("; ")}`,
        "key",
      );
    }
  }
  if (bad > SHOWN_COMBINATION_ISSUES)
    r.report(
      ["vary"],
      "combination",
      `and ${bad - SHOWN_COMBINATION_ISSUES} more invalid combinations`,
      "key",
    );
  return parsed;
}

/** Parse, check and expand a sweep file (`text`, named `file`). Throws InputError with every problem. */
export function planSweep(text: string, file: string, o: PlanOptions): SweepPlan {
  const { source, issues } = parseYaml(text, file);
  if (source.value === null && issues.length) throw new InputError(issues);
  const r = new SourceReporter(source);
  const sf = readSweepFile(source, r);
  const baseIssues: Issue[] = [];
  const base = sf?.scenario ? baseOf(sf, file, o, baseIssues) : undefined;
  const count = sf?.axes.reduce((n, a) => n * a.steps.length, 1) ?? 0;
  if (count > MAX_COMBINATIONS)
    r.report(["vary"], "too-large", `${count} combinations (at most ${MAX_COMBINATIONS})`, "key");
  const doc = sf && base ? checkValues(sf, base.doc, r) : undefined;
  // The metrics are judged on the base (with `set`), so their problems come with the others.
  const fixed = doc === undefined ? undefined : validateScenarioValue(doc).scenario;
  const revisions = sf?.revisions ?? (fixed?.revisions as RevisionName[] | undefined) ?? [];
  if (sf && fixed && revisions[0]) checkMetrics(sf, fixed, revisions[0], r);
  const all = () => [...issues, ...r.issues, ...baseIssues];
  if (!sf || !base || all().length)
    throw new InputError(
      all().length ? all() : [{ code: "sweep", path: file, message: "invalid sweep file" }],
    );
  const parsed = build(sf, doc, r);
  const first = parsed[0]?.s;
  if (all().length) throw new InputError(all());
  const points: SweepPoint[] = [];
  for (const p of parsed)
    for (const revision of revisions)
      for (const seed of sf.seeds)
        points.push({
          hash: pointHash(p.s, revision, seed, o.version),
          index: points.length,
          values: p.values,
          scenario: p.doc,
          revision,
          seed,
          version: o.version,
          metrics: sf.metrics,
        });
  return {
    file,
    scenarioFile: base.path,
    scenarioName: first?.name ?? "",
    axes: sf.axes.map((a) => ({ paths: a.paths, steps: a.steps })),
    revisions,
    seeds: sf.seeds,
    metrics: sf.metrics,
    points,
  };
}
