/**
 * Running a scenario: for each revision, boot the kernel model on the scenario's machine, set TPH
 * up through it (setup.ts), build the TLP-level fabric on the same hardware objects, schedule the
 * timeline as kernel calls at their simulated times, run, and collect the results with the kernel
 * model's invariants. Same scenario and seed, same results, byte for byte.
 *
 * The timeline (and its page faults) runs as on a platform: ./timeline/schedule.ts.
 */
import { buildFabric } from "../hw/fabric/fabric.js";
import { resolveFabricParams } from "../hw/fabric/params.js";
import type { TlpTraceRecord } from "../hw/fabric/trace.js";
import type { RevisionName } from "../kernel/revision.js";
import type { RunEvent, Series } from "../sim/series.js";
import { runDiagnostics, scenarioDiagnostics, type TagProbe } from "./diagnostics.js";
import { flowSpec, initialIntents, initialStTable } from "./fabric-adapter.js";
import { fabricParamsOf } from "./fabric-params.js";
import { kernelCallRows } from "./kernel-calls.js";
import { scenarioLayout, scenarioPlatform, singleMachineShape } from "./platform.js";
import { runPlatformRevision } from "./platform-run.js";
import type { RevisionResult, RunConfig, RunOutcome } from "./result.js";
import { probingPublishedTag, type RevisionRunOptions, simulateRevision } from "./revision-run.js";
import { type RunProgress, type SamplingOptions, sampleIntervalPs } from "./sampling.js";
import type { Scenario } from "./scenario-schema.js";
import { type Step, setupSession } from "./setup.js";
import { bootSystem, firmwareDesc } from "./system.js";
import { scheduleTimeline } from "./timeline/schedule.js";

export interface RunOptions extends SamplingOptions {
  /** Revisions to run, in order (default: the scenario's). */
  readonly revisions?: readonly RevisionName[];
  /** Seed of every random draw (default: the scenario's). */
  readonly seed?: number;
  /** Called as the simulation advances (about 200 times per revision), for a progress display. */
  readonly onProgress?: (p: RunProgress) => void;
  /** Collect the TLP-level trace of each revision (`run --trace`; small windows only). */
  readonly trace?: boolean;
  /**
   * Reuse the caches' arrays from run to run: a sweep worker's Int32Arena (src/sim/arena.ts;
   * internal, so typed here by what a run uses of it).
   */
  readonly arena?: { take(n: number): Int32Array; give(a: Int32Array): void };
}

export interface RevisionRun {
  readonly result: RevisionResult;
  readonly steps: readonly Step[];
  readonly probe: TagProbe;
  readonly links: RunConfig["links"];
  readonly series: Series;
  readonly events: readonly RunEvent[];
  /** The TLP-level trace (empty unless RunOptions.trace). */
  readonly trace: readonly TlpTraceRecord[];
}

/** One revision on the single machine (runOneRevision picks the path): boot, set up, simulate with the timeline (sampled), collect. */
export function runRevision(
  s: Scenario,
  revision: RevisionName,
  seed: number,
  o: RevisionRunOptions = {},
): RevisionRun {
  const sys = bootSystem(s, revision);
  const ses = setupSession(s, sys);
  const intents = initialIntents(s);
  const probe: TagProbe = new Map();
  const fabric = buildFabric({
    topology: sys.k.topology,
    nic: sys.nicHw,
    accelerator: { fn: sys.acc.pdev.fn, bar: 0, stTable: initialStTable(s) },
    layout: scenarioLayout(s),
    host: { firmware: firmwareDesc(s) },
    params: fabricParamsOf(s),
    flows: s.flows.map((f) => flowSpec(s, ses, f, intents)),
    seed,
    trace: o.trace ?? false,
    publishedTag: probingPublishedTag(s, ses, probe),
    ...(o.arena ? { arena: o.arena } : {}),
  });
  const tables = new Map([[scenarioPlatform(s).accelerators[0]!, initialStTable(s)]]);
  const { sweeps, marks } = scheduleTimeline(fabric, s, ses, tables, intents);
  return simulateRevision(fabric, s, revision, o, {
    k: sys.k,
    ibdevs: [sys.ib],
    steps: ses.steps,
    probe,
    sweeps,
    marks,
  });
}

/** One revision of `s` on the path its shape takes: the single machine's, or the platform's. */
export function runOneRevision(
  s: Scenario,
  revision: RevisionName,
  seed: number,
  o: RevisionRunOptions = {},
): RevisionRun {
  return singleMachineShape(s)
    ? runRevision(s, revision, seed, o)
    : runPlatformRevision(s, revision, seed, o);
}

/** Run `s` on each revision. */
export function runScenario(s: Scenario, o: RunOptions = {}): RunOutcome {
  const revisions = o.revisions ?? s.revisions;
  const seed = o.seed ?? s.seed;
  sampleIntervalPs(s.duration, o); // bad sampling options fail before any revision runs
  const results: Record<string, RevisionResult> = {};
  const series: Record<string, Series> = {};
  const events: Record<string, readonly RunEvent[]> = {};
  const steps: Record<string, readonly Step[]> = {};
  const traces: Record<string, readonly TlpTraceRecord[]> = {};
  const seen = new Map<RevisionName, { result: RevisionResult; probe: TagProbe }>();
  let links: RunConfig["links"] = {};
  for (const [index, r] of revisions.entries()) {
    const ro = { ...o, progress: { index, revisions: revisions.length } };
    const out = runOneRevision(s, r, seed, ro);
    results[r] = out.result;
    series[r] = out.series;
    events[r] = out.events;
    steps[r] = out.steps;
    if (o.trace) traces[r] = out.trace;
    seen.set(r, out);
    links = out.links;
  }
  const diagnostics = [...scenarioDiagnostics(s), ...runDiagnostics(s, seen)];
  const config: RunConfig = {
    durationNs: s.duration / 1000,
    topology: scenarioPlatform(s).source,
    links,
    params: resolveFabricParams(fabricParamsOf(s)),
  };
  const kernelCalls = kernelCallRows(steps, revisions);
  return {
    report: { scenario: s.name, seed, config, results, series, events, diagnostics, kernelCalls },
    description: s.description,
    durationPs: s.duration,
    steps,
    ...(o.trace ? { traces } : {}),
  };
}
