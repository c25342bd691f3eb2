/**
 * The kernel calls a run reports: those whose return value differs between revisions (why the
 * numbers differ), and those that fail the same way on every revision (no difference, listed apart). Calls are matched by time, caller and call (the n-th
 * such call), since revisions need not make the same calls. The text report's table and the JSON
 * `kernelCalls` both come from here.
 */
import { errnoName } from "../kernel/errno.js";
import type { KernelCallRow } from "./result.js";
import type { Step } from "./setup.js";

type Steps = Readonly<Record<string, readonly Step[]>>;

/** A return value as printed: the errno name when negative. */
function shown(x: number): number | string {
  return x < 0 ? errnoName(x) : x;
}

export function kernelCallRows(steps: Steps, revs: readonly string[]): KernelCallRow[] {
  const byKey = new Map<string, { at: number; who: string; call: string; rets: Map<string, number> }>();
  for (const r of revs) {
    const seen = new Map<string, number>();
    for (const st of steps[r] ?? []) {
      const base = `${st.at}|${st.who}|${st.call}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const key = `${base}|${n}`;
      const row = byKey.get(key) ?? { at: st.at, who: st.who, call: st.call, rets: new Map() };
      row.rets.set(r, st.ret);
      byKey.set(key, row);
    }
  }
  const rows = [...byKey.values()].filter((row) => {
    const rets = revs.map((r) => row.rets.get(r));
    return rets.some((x) => x !== rets[0]) || (rets[0] ?? 0) < 0;
  });
  // Stable sort by time keeps each revision's call order within a moment.
  rows.sort((a, b) => a.at - b.at);
  return rows.map((row) => ({
    atNs: row.at / 1000,
    who: row.who,
    call: row.call,
    differs: revs.some((r) => row.rets.get(r) !== row.rets.get(revs[0]!)),
    returns: Object.fromEntries(
      revs.map((r) => {
        const v = row.rets.get(r);
        return [r, v === undefined ? null : shown(v)];
      }),
    ),
  }));
}
