/**
 * Reports the HTML tests open: every shipped example's run report, the demo with time series and
 * kernel events constructed per src/sim/series.ts (so the timeline charts are exercised before the
 * sampler lands), and a review report.
 */
import { readdirSync, readFileSync } from "node:fs";
import { renderRunReport } from "../../../src/report/html/run-report.js";
import { loadScenario } from "../../../src/scenario/load.js";
import type { RunOutcome } from "../../../src/scenario/result.js";
import { runScenario } from "../../../src/scenario/run.js";
import type { RunEvent, Series, Track } from "../../../src/sim/series.js";

const EXAMPLES = new URL("../../../examples/", import.meta.url);

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

export function runExample(name: string): RunOutcome {
  const path = new URL(`${name}.yaml`, EXAMPLES).pathname;
  return runScenario(loadScenario(path, (p) => readFileSync(p)));
}

const track = (
  group: Track["group"],
  subject: string,
  metric: string,
  unit: Track["unit"],
  values: number[],
): Track => ({
  group,
  subject,
  metric,
  unit,
  agg: unit === "count" ? "sum" : "mean",
  values,
});

/** Series shaped like the sampler's: 10 us samples, a dip while the buffer is revoked. */
export function syntheticSeries(o: RunOutcome): {
  series: Record<string, Series>;
  events: Record<string, RunEvent[]>;
} {
  const n = Math.round(o.durationPs / 10_000_000);
  const t = Array.from({ length: n }, (_, i) => (i + 1) * 10_000);
  const revoked = (i: number) => t[i]! > 80_000 && t[i]! <= 100_000;
  const series: Record<string, Series> = {};
  const events: Record<string, RunEvent[]> = {};
  for (const [k, rev] of Object.keys(o.report.results).entries()) {
    const r = o.report.results[rev]!;
    series[rev] = {
      intervalNs: 10_000,
      t,
      tracks: {
        "flow.write.goodputGbps": track(
          "flow",
          "write",
          "goodputGbps",
          "Gb/s",
          t.map((_, i) => (revoked(i) ? 0 : (r.flows.write?.goodputGbps ?? 50) - k)),
        ),
        "link.nic.up.utilization": track(
          "link",
          "nic.up",
          "utilization",
          "ratio",
          t.map((_, i) => (revoked(i) ? 0.01 : 0.2 + 0.02 * k)),
        ),
        "tlps.all.stale": track(
          "tlps",
          "all",
          "stale",
          "count",
          t.map((x) => (rev === "v11" && x > 100_000 ? 70 : 0)),
        ),
        "tlps.all.total": track(
          "tlps",
          "all",
          "total",
          "count",
          t.map((_, i) => (revoked(i) ? 0 : 1000)),
        ),
        "partition.accelerator/p1.writeHits": track(
          "partition",
          "accelerator/p1",
          "writeHits",
          "count",
          t.map((_, i) => (revoked(i) ? 0 : 30 + 10 * k)),
        ),
        "partition.accelerator/p1.writeMisses": track(
          "partition",
          "accelerator/p1",
          "writeMisses",
          "count",
          t.map((_, i) => (revoked(i) ? 0 : 70 - 10 * k)),
        ),
      },
    };
    events[rev] = (o.steps[rev] ?? [])
      .filter((s) => s.at > 0)
      .map((s) => ({
        atNs: s.at / 1000,
        who: s.who,
        call: s.call,
        kind: s.call.split(" ")[0] ?? "call",
        ret: s.ret,
      }));
  }
  return { series, events };
}

export function demoWithSeries(o: RunOutcome): string {
  return renderRunReport({ outcome: o, ...syntheticSeries(o) });
}
