/**
 * What every run's time series and events must satisfy (issue 11), checked against the end-of-run
 * results and the kernel calls table, which come from the results code, not from the sampler:
 * - every "sum" track adds up to its result exactly (counts and bytes), and none is left unchecked;
 * - utilization samples lie in [0, 1] and their time-weighted mean is the result's utilization;
 * - goodput samples weighted by their intervals give the result's goodput;
 * - per-interval latency percentiles are ordered and never above the run's maximum;
 * - t is strictly increasing, ends at the duration, and there are at most `maxSamples` samples;
 * - events are in time order, one per kernel call the revision made (same time, caller, call and
 *   return value) plus one per timeline action, and every kernel calls table row is among them.
 */
import { expect } from "vitest";
import type { RunOutcome, RunReport } from "../../src/scenario/result.js";
import type { Series } from "../../src/sim/series.js";

export interface SeriesFacts {
  readonly durationNs: number;
  readonly warmupNs: number;
  /** Flow start times (ns) by name. */
  readonly flowStartNs: Readonly<Record<string, number>>;
  readonly timelineActions: number;
  readonly maxSamples: number;
}

/** The result a "sum" track must add up to, found by its key; undefined: no such result. */
function resultOf(report: RunReport, rev: string, key: string): number | undefined {
  const r = report.results[rev]!;
  const [group, ...rest] = key.split(".");
  const metric = rest.pop()!;
  const subject = rest.join(".");
  if (group === "flow") {
    const f = r.flows[subject];
    if (!f) return undefined;
    return { messages: f.messages, bytesDelivered: f.bytes.delivered, bytesLost: f.bytes.lost }[metric];
  }
  if (group === "tlps" && subject === "all") return (r.tlps as unknown as Record<string, number>)[metric];
  if (group === "bytes" && subject === "all")
    return { misdirected: r.bytesMisdirected, unsteered: r.bytesUnsteered, lost: r.bytesLost }[metric];
  if (group === "partition") {
    const [completer, part] = subject.split("/");
    const p = r.completers[completer!]?.partitions[part!];
    if (!p) return undefined;
    return {
      writeHits: p.write.hits,
      writeMisses: p.write.misses,
      readHits: p.read.hits,
      readMisses: p.read.misses,
    }[metric];
  }
  return undefined;
}

const sumOf = (xs: readonly (number | null)[]) => xs.reduce<number>((a, v) => a + (v ?? 0), 0);

function durations(s: Series): number[] {
  return s.t.map((t, i) => t - (i === 0 ? 0 : s.t[i - 1]!));
}

/** Time-weighted sum of a track over the samples whose interval starts at or after `fromNs`. */
function weighted(s: Series, key: string, fromNs: number): { area: number; span: number } {
  const d = durations(s);
  let area = 0;
  let span = 0;
  s.tracks[key]!.values.forEach((v, i) => {
    if (s.t[i]! - d[i]! < fromNs - 1e-9 || v === null) return;
    area += v * d[i]!;
    span += d[i]!;
  });
  return { area, span };
}

/** Problems found, as lines (one expect per check keeps thousands of samples fast to check). */
type Problems = string[];

function checkAxis(s: Series, f: SeriesFacts, bad: Problems): void {
  if (s.t.length === 0 || s.t.length > f.maxSamples) bad.push(`${s.t.length} samples (cap ${f.maxSamples})`);
  if (s.t.at(-1) !== f.durationNs) bad.push(`t ends at ${s.t.at(-1)}, not the duration ${f.durationNs}`);
  for (let i = 1; i < s.t.length; i++)
    if (!(s.t[i]! > s.t[i - 1]!)) bad.push(`t[${i}] = ${s.t[i]} not increasing`);
  // Every interval but the last is the series' interval.
  for (const d of durations(s).slice(0, -1))
    if (Math.abs(d - s.intervalNs) > 1e-6) bad.push(`an interval of ${d} ns, not ${s.intervalNs}`);
  for (const [key, tr] of Object.entries(s.tracks)) {
    if (tr.values.length !== s.t.length)
      bad.push(`${key}: ${tr.values.length} values for ${s.t.length} times`);
    if (key !== `${tr.group}.${tr.subject}.${tr.metric}`) bad.push(`${key}: key does not name the track`);
  }
}

function checkSums(report: RunReport, rev: string, s: Series, bad: Problems): void {
  for (const [key, tr] of Object.entries(s.tracks)) {
    if (tr.agg !== "sum") continue;
    const want = resultOf(report, rev, key);
    if (want === undefined) bad.push(`${key}: no result to add up to`);
    else if (sumOf(tr.values) !== want)
      bad.push(`${key}: samples add up to ${sumOf(tr.values)}, result ${want}`);
    if (tr.values.some((v) => v !== null && v < 0)) bad.push(`${key}: a negative amount`);
  }
}

/** |a - b| within `tol`. */
const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

function checkRates(report: RunReport, rev: string, s: Series, f: SeriesFacts, bad: Problems): void {
  const r = report.results[rev]!;
  const aligned = f.warmupNs === 0 || s.t.includes(f.warmupNs);
  for (const [key, tr] of Object.entries(s.tracks)) {
    if (tr.metric !== "utilization") continue;
    if (tr.values.some((v) => v === null || !(v >= 0 && v <= 1))) bad.push(`${key}: a sample outside [0, 1]`);
    const dot = tr.subject.lastIndexOf(".");
    const link = tr.subject.slice(0, dot);
    const dir = tr.subject.slice(dot + 1) as "up" | "down";
    const w = weighted(s, key, f.warmupNs);
    const want = r.links[link]?.[dir];
    if (want === undefined) bad.push(`${key}: no such link in the results`);
    else if (aligned && w.span > 0 && !near(w.area / w.span, want, 5e-6))
      bad.push(`${key}: time-weighted mean ${w.area / w.span}, result ${want}`);
  }
  for (const [name, fr] of Object.entries(r.flows)) {
    const key = `flow.${name}.goodputGbps`;
    const from = Math.max(f.warmupNs, f.flowStartNs[name] ?? 0);
    const w = weighted(s, key, f.warmupNs);
    // Goodput counts bytes of messages completed, landed in its active window (from `from` to its
    // stop or the end): the samples' area is the same.
    if (fr.activeNs > f.durationNs - from) bad.push(`${name}: active ${fr.activeNs} ns, longer than the run`);
    if (aligned && !near(w.area, fr.goodputGbps * fr.activeNs, 0.5))
      bad.push(`${key}: samples x intervals ${w.area}, result x window ${fr.goodputGbps * fr.activeNs}`);
    const p50 = s.tracks[`flow.${name}.latencyP50Ns`]!.values;
    const p99 = s.tracks[`flow.${name}.latencyP99Ns`]!.values;
    p50.forEach((v, i) => {
      const w99 = p99[i]!;
      if ((v === null) !== (w99 === null)) bad.push(`${name} @${s.t[i]}: p50 ${v}, p99 ${w99}`);
      else if (v !== null && !(v <= w99! && w99! <= fr.latencyNs.max!))
        bad.push(`${name} @${s.t[i]}: p50 ${v}, p99 ${w99}, run max ${fr.latencyNs.max}`);
    });
  }
}

function checkEvents(o: RunOutcome, rev: string, f: SeriesFacts): void {
  const ev = o.report.events[rev]!;
  for (let i = 1; i < ev.length; i++)
    expect(ev[i]!.atNs, `${rev} event ${i}`).toBeGreaterThanOrEqual(ev[i - 1]!.atNs);
  const calls = ev.filter((e) => e.who !== "timeline");
  const steps = o.steps[rev]!;
  expect(
    calls.map((e) => [e.atNs, e.who, e.call, e.ret]),
    rev,
  ).toEqual(steps.map((s) => [s.at / 1000, s.who, s.call, s.ret]));
  expect(ev.filter((e) => e.who === "timeline").length, rev).toBe(f.timelineActions);
  for (const e of ev) expect(e.kind, rev).toMatch(/^(setup|set-tph|revoke|unrevoke|re-register|page-fault)$/);
  for (const row of o.report.kernelCalls) {
    const ret = row.returns[rev];
    if (ret === null || ret === undefined) continue;
    // The table shows an errno by name, a success by value; a repeated call may be any of its repeats.
    const same = ev.filter((e) => e.atNs === row.atNs && e.who === row.who && e.call === row.call);
    const ok = same.some((e) => (typeof ret === "number" ? e.ret === ret : (e.ret ?? 0) < 0));
    expect(ok, `${rev} ${row.call} @${row.atNs} returning ${ret}`).toBe(true);
  }
}

/** Check every revision's series and events of a run. */
export function checkRunSeries(o: RunOutcome, f: SeriesFacts): void {
  const report = o.report;
  expect(Object.keys(report.series)).toEqual(Object.keys(report.results));
  expect(Object.keys(report.events)).toEqual(Object.keys(report.results));
  for (const rev of Object.keys(report.results)) {
    const s = report.series[rev]!;
    const bad: Problems = [];
    checkAxis(s, f, bad);
    checkSums(report, rev, s, bad);
    checkRates(report, rev, s, f, bad);
    expect(bad, `${report.scenario} ${rev}`).toEqual([]);
    checkEvents(o, rev, f);
  }
}
