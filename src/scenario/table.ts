/**
 * The text report of a run: the key metrics with the revisions side by side, then the kernel calls
 * whose results differ between revisions (why the numbers differ), then broken invariants.
 */
import { errnoName } from "../kernel/errno.js";
import type { RevisionName } from "../kernel/revision.js";
import type { RevisionResult, RunOutcome } from "./result.js";
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

function metricRows(revs: readonly RevisionName[], res: (r: RevisionName) => RevisionResult): Row[] {
  const cells = (f: (x: RevisionResult) => string) => revs.map((r) => f(res(r)));
  const first = res(revs[0]!);
  const rows: Row[] = [];
  for (const name of Object.keys(first.flows)) {
    const fl = (x: RevisionResult) => x.flows[name];
    rows.push([`flow ${name}`]);
    rows.push(["  goodput Gb/s", ...cells((x) => num(fl(x)?.goodputGbps ?? 0))]);
    rows.push(["  messages", ...cells((x) => num(fl(x)?.messages ?? 0))]);
    rows.push([
      "  latency p50 / p99 ns",
      ...cells((x) => `${num(fl(x)?.latencyNs.p50 ?? 0)} / ${num(fl(x)?.latencyNs.p99 ?? 0)}`),
    ]);
    const ttc = (x: RevisionResult) => x.consumers[name]?.timeToConsumeNs;
    if (revs.some((r) => ttc(res(r))))
      rows.push([
        "  time to consume p50 / p99 ns",
        ...cells((x) => `${num(ttc(x)?.p50 ?? 0)} / ${num(ttc(x)?.p99 ?? 0)}`),
      ]);
    const cons = (x: RevisionResult) => x.consumers[name];
    if (revs.some((r) => cons(res(r))))
      rows.push([
        "  consumer busy / max backlog",
        ...cells(
          (x) => `${(100 * (cons(x)?.utilization ?? 0)).toFixed(1)}% / ${num(cons(x)?.maxBacklog ?? 0)}`,
        ),
      ]);
  }
  rows.push(["TLPs"]);
  rows.push(["  total", ...cells((x) => num(x.tlps.total))]);
  rows.push(["  with TPH", ...cells((x) => num(x.tlps.withTph))]);
  rows.push(["  stale tag", ...cells((x) => num(x.tlps.stale))]);
  rows.push(["bytes misdirected", ...cells((x) => bytes(x.bytesMisdirected))]);
  rows.push(["bytes unsteered", ...cells((x) => bytes(x.bytesUnsteered))]);
  rows.push(["bytes lost", ...cells((x) => bytes(x.bytesLost))]);
  for (const [c, comp] of Object.entries(first.completers)) {
    if (revs.every((r) => idle(res(r).completers[c]))) continue;
    rows.push([`completer ${c}`]);
    for (const p of Object.keys(comp.partitions)) {
      const hm = (x: RevisionResult) => x.completers[c]?.partitions[p];
      rows.push([
        `  ${p} hits / misses`,
        ...cells((x) => `${num(hm(x)?.hits ?? 0)} / ${num(hm(x)?.misses ?? 0)}`),
      ]);
    }
    rows.push(["  memory bytes", ...cells((x) => bytes(x.completers[c]?.hbmBytes ?? 0))]);
  }
  const busiest = (x: RevisionResult) => Math.max(0, ...Object.values(x.links).map((l) => l.utilization));
  rows.push(["busiest link utilization", ...cells((x) => `${(100 * busiest(x)).toFixed(1)}%`)]);
  const broken = (x: RevisionResult) => Object.values(x.invariants).filter((i) => !i.ok).length;
  rows.push(["invariants broken", ...cells((x) => String(broken(x)))]);
  return rows;
}

/** Kernel calls whose return value differs between revisions, and those failing alike on all, matched by
 * time, caller and call (the n-th such call): revisions need not make the same calls. */
function callRows(o: RunOutcome, revs: readonly RevisionName[]): { differ: Row[]; same: string[] } {
  const byKey = new Map<string, { at: number; label: string; rets: Map<RevisionName, number> }>();
  for (const r of revs) {
    const seen = new Map<string, number>();
    for (const st of o.steps[r] ?? []) {
      const base = `${st.at}|${st.who}|${st.call}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const key = `${base}|${n}`;
      const at = st.at ? `@${formatTimePs(st.at)} ` : "";
      const row = byKey.get(key) ?? { at: st.at, label: `  ${at}${st.who}: ${st.call}`, rets: new Map() };
      row.rets.set(r, st.ret);
      byKey.set(key, row);
    }
  }
  const rets = (row: { rets: Map<RevisionName, number> }) => revs.map((r) => row.rets.get(r));
  const differs = (row: { rets: Map<RevisionName, number> }) => rets(row).some((x) => x !== rets(row)[0]);
  // Stable sort by time keeps each revision's call order within a moment.
  const all = [...byKey.values()].sort((a, b) => a.at - b.at);
  // A call that fails the same way on every revision is no difference; it is listed on its own.
  const same = all.filter((row) => !differs(row) && (rets(row)[0] ?? 0) < 0);
  return {
    differ: all.filter(differs).map((row) => [row.label, ...revs.map((r) => show(row.rets.get(r)))]),
    same: same.map((row) => `${row.label.trim()} = ${show(rets(row)[0])}`),
  };
}

function show(x: number | undefined): string {
  return x === undefined ? "-" : x < 0 ? errnoName(x) : String(x);
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
  let out = `${title}${desc}\n${renderTable(["", ...revs], metricRows(revs, res))}`;
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
