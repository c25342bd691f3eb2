/**
 * The text report of a run: the key metrics with the revisions side by side, then the kernel calls
 * whose results differ between revisions (why the numbers differ), then broken invariants.
 */
import type { RevisionName } from "../kernel/revision.js";
import type { KernelCallRow, RevisionResult, RunOutcome } from "./result.js";
import { formatTimePs } from "./units.js";

type Row = readonly [label: string, ...cells: string[]];

/** Numbers as people read them: 3 significant decimals at most, thousands grouped. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const abs = Math.abs(x);
  if (abs >= 1000 || Number.isInteger(x)) return Math.round(x).toLocaleString("en-US");
  return abs >= 100 ? x.toFixed(1) : abs >= 10 ? x.toFixed(2) : x.toFixed(3);
}

function bytes(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} GB`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} MB`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} kB`;
  return `${x} B`;
}

/** Align a table: first column left, the rest right; a blank label line is a section break. */
export function renderTable(head: Row, rows: readonly Row[]): string {
  const all = [head, ...rows];
  const n = Math.max(...all.map((r) => r.length));
  const w = Array.from({ length: n }, (_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: Row) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(w[0]!) : c.padStart(w[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}

/** A completer nothing reached (the accelerator in a host-only scenario). */
function idle(c: RevisionResult["completers"][string] | undefined): boolean {
  return !c || (c.hbmBytes === 0 && Object.values(c.partitions).every((p) => p.hits + p.misses === 0));
}

type Res = (r: RevisionName) => RevisionResult;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * A flow's rows. `durationNs`: the run's length; a flow whose active window (the goodput's
 * denominator) is shorter, by its start, stop or the warm-up, gets a row saying how long it was.
 */
function flowRows(name: string, revs: readonly RevisionName[], res: Res, durationNs: number): Row[] {
  const cells = (f: (x: RevisionResult) => string) => revs.map((r) => f(res(r)));
  const fl = (x: RevisionResult) => x.flows[name];
  const pair = (a: number | null | undefined, b: number | null | undefined) =>
    `${num(a ?? 0)} / ${num(b ?? 0)}`;
  const rows: Row[] = [[`flow ${name}`]];
  rows.push(["  goodput Gb/s", ...cells((x) => num(fl(x)?.goodputGbps ?? 0))]);
  if (revs.some((r) => (fl(res(r))?.activeNs ?? durationNs) !== durationNs))
    rows.push([
      "  active window (goodput over)",
      ...cells((x) => formatTimePs(Math.round((fl(x)?.activeNs ?? 0) * 1000))),
    ]);
  rows.push([
    "  messages completed / lost / offered",
    ...cells((x) => `${num(fl(x)?.messages ?? 0)} / ${pair(fl(x)?.messagesLost, fl(x)?.messagesOffered)}`),
  ]);
  rows.push([
    "  bytes delivered / lost / in flight",
    ...cells((x) => {
      const b = fl(x)?.bytes;
      return b ? `${bytes(b.delivered)} / ${bytes(b.lost)} / ${bytes(b.inFlight)}` : "-";
    }),
  ]);
  rows.push([
    "  latency p50 / p99 / mean ns",
    ...cells(
      (x) => `${pair(fl(x)?.latencyNs.p50, fl(x)?.latencyNs.p99)} / ${num(fl(x)?.latencyNs.mean ?? 0)}`,
    ),
  ]);
  if (revs.some((r) => res(r).flows[name]?.roundTripNs))
    rows.push([
      "  PCIe read round trip p50 / p99 ns",
      ...cells((x) => pair(fl(x)?.roundTripNs?.p50, fl(x)?.roundTripNs?.p99)),
    ]);
  const cons = (x: RevisionResult) => x.consumers[name];
  if (revs.some((r) => cons(res(r)))) {
    rows.push([
      "  time to consume p50 / p99 ns",
      ...cells((x) => pair(cons(x)?.timeToConsumeNs.p50, cons(x)?.timeToConsumeNs.p99)),
    ]);
    rows.push([
      "  consumer busy / max backlog (messages)",
      ...cells((x) => `${pct(cons(x)?.utilization ?? 0)} / ${num(cons(x)?.maxBacklog ?? 0)}`),
    ]);
  }
  return rows;
}

function completerRows(c: string, revs: readonly RevisionName[], res: Res): Row[] {
  const cells = (f: (x: RevisionResult) => string) => revs.map((r) => f(res(r)));
  const rows: Row[] = [[`completer ${c} (cache lines)`]];
  for (const p of Object.keys(res(revs[0]!).completers[c]?.partitions ?? {})) {
    const hm = (x: RevisionResult) => x.completers[c]?.partitions[p];
    for (const path of ["write", "read"] as const)
      rows.push([
        `  ${p} ${path} hits / misses`,
        ...cells((x) => `${num(hm(x)?.[path].hits ?? 0)} / ${num(hm(x)?.[path].misses ?? 0)}`),
      ]);
  }
  rows.push(["  memory bytes", ...cells((x) => bytes(x.completers[c]?.hbmBytes ?? 0))]);
  return rows;
}

/** The busiest link direction: "nic down 22.4%". */
function busiest(x: RevisionResult): string {
  let best = "none";
  let u = -1;
  for (const [name, l] of Object.entries(x.links))
    for (const [dir, v] of [
      ["up", l.up],
      ["down", l.down],
    ] as const)
      if (v > u) [best, u] = [`${name} ${dir}`, v];
  return u < 0 ? "-" : `${best} ${pct(u)}`;
}

/**
 * Every link, busiest first (its busier direction's highest load over the revisions), so the link
 * that saturates first heads the list: "up / down" busy per revision.
 */
function linkRows(revs: readonly RevisionName[], res: Res): Row[] {
  const names = Object.keys(res(revs[0]!).links);
  const load = (n: string) =>
    Math.max(...revs.map((r) => res(r).links[n]).map((l) => (l ? Math.max(l.up, l.down) : 0)));
  const sorted = [...names].sort((a, b) => load(b) - load(a) || a.localeCompare(b));
  const rows: Row[] = [["links, busiest first (up / down busy)"]];
  for (const n of sorted) {
    const l = res(revs[0]!).links[n]!;
    rows.push([
      `  ${n} (Gen${l.gen} x${l.width})`,
      ...revs.map((r) => {
        const x = res(r).links[n];
        return x ? `${pct(x.up)} / ${pct(x.down)}` : "-";
      }),
    ]);
  }
  return rows;
}

function metricRows(revs: readonly RevisionName[], res: Res, durationNs: number): Row[] {
  const cells = (f: (x: RevisionResult) => string) => revs.map((r) => f(res(r)));
  const first = res(revs[0]!);
  const rows: Row[] = Object.keys(first.flows).flatMap((name) => flowRows(name, revs, res, durationNs));
  rows.push(["TLPs (count)"]);
  rows.push(["  total", ...cells((x) => num(x.tlps.total))]);
  rows.push(["  with TPH", ...cells((x) => num(x.tlps.withTph))]);
  rows.push(["  stale tag", ...cells((x) => num(x.tlps.stale))]);
  rows.push(["bytes misdirected", ...cells((x) => bytes(x.bytesMisdirected))]);
  rows.push(["bytes unsteered", ...cells((x) => bytes(x.bytesUnsteered))]);
  rows.push(["bytes lost", ...cells((x) => bytes(x.bytesLost))]);
  for (const c of Object.keys(first.completers)) {
    if (revs.every((r) => idle(res(r).completers[c]))) continue;
    rows.push(...completerRows(c, revs, res));
  }
  rows.push(["busiest link (direction, busy)", ...cells(busiest)]);
  rows.push(...linkRows(revs, res));
  const broken = (x: RevisionResult) => Object.values(x.invariants).filter((i) => !i.ok).length;
  rows.push(["invariants broken", ...cells((x) => String(broken(x)))]);
  return rows;
}

/** The report's kernel calls (kernel-calls.ts): table rows of those that differ, lines of the rest. */
function callRows(o: RunOutcome, revs: readonly RevisionName[]): { differ: Row[]; same: string[] } {
  const show = (x: number | string | null | undefined) => (x === null || x === undefined ? "-" : String(x));
  const label = (c: KernelCallRow) =>
    `${c.atNs ? `@${formatTimePs(Math.round(c.atNs * 1000))} ` : ""}${c.who}: ${c.call}`;
  const calls = o.report.kernelCalls;
  return {
    differ: calls
      .filter((c) => c.differs)
      .map((c) => [`  ${label(c)}`, ...revs.map((r) => show(c.returns[r]))]),
    same: calls.filter((c) => !c.differs).map((c) => `${label(c)} = ${show(c.returns[revs[0]!])}`),
  };
}

/** The diagnostics as a "notes" block, one line each. */
function notes(o: RunOutcome): string {
  const ds = o.report.diagnostics;
  if (!ds.length) return "";
  const line = (d: (typeof ds)[number]) =>
    `  ${d.severity} ${d.code} at ${d.path}: ${d.message}${d.revisions ? ` (${d.revisions.join(", ")})` : ""}`;
  return `
notes:
${ds.map(line).join("\n")}\n`;
}

/** The whole text report. */
export function renderOutcome(o: RunOutcome): string {
  const revs = Object.keys(o.report.results) as RevisionName[];
  const res = (r: RevisionName) => o.report.results[r]!;
  const title = `scenario ${o.report.scenario}: ${formatTimePs(o.durationPs)} simulated, seed ${o.report.seed}\n`;
  const desc = o.description ? `${o.description}\n` : "";
  let out = `${title}${desc}\n${renderTable(["", ...revs], metricRows(revs, res, o.durationPs / 1000))}`;
  const calls = callRows(o, revs);
  if (calls.differ.length)
    out += `\nkernel calls that differ (return values):\n${renderTable(["", ...revs], calls.differ)}`;
  if (calls.same.length)
    out += `\nkernel calls that fail the same way on every revision:\n${calls.same.map((c) => `  ${c}\n`).join("")}`;
  out += notes(o);
  const broken = revs.flatMap((r) =>
    Object.entries(res(r).invariants).flatMap(([n, i]) => i.violations.map((v) => `  ${r}: ${n}: ${v}`)),
  );
  if (broken.length) out += `\ninvariant violations:\n${broken.join("\n")}\n`;
  return out;
}
