/**
 * Running a scenario: for each revision, boot the kernel model on the scenario's machine, set TPH
 * up through it (setup.ts), build the TLP-level fabric on the same hardware objects, schedule the
 * timeline as kernel calls at their simulated times, run, and collect the results with the kernel
 * model's invariants. Same scenario and seed, same results, byte for byte.
 *
 * Page faults: the NIC touches a zapped dma-buf MR on its next access; the model runs that fault
 * (mlx5_ib_page_fault) right after every timeline event for each zapped MR a flow uses. While the
 * buffer is revoked the fault fails and the flow's bytes are lost; after the un-revoke it re-maps
 * (and in `proposed` re-queries the exporter's tag).
 */
import { buildFabric, type Fabric } from "../hw/fabric/fabric.js";
import { resolveFabricParams } from "../hw/fabric/params.js";
import type { TlpTraceRecord } from "../hw/fabric/trace.js";
import { mlx5IbPageFault } from "../kernel/infiniband/hw/mlx5/odp.js";
import { checkInvariants } from "../kernel/invariants.js";
import type { RevisionName } from "../kernel/revision.js";
import type { RunEvent, Series } from "../sim/series.js";
import { runDiagnostics, scenarioDiagnostics, type TagProbe } from "./diagnostics.js";
import type { TimelineMark } from "./events.js";
import {
  flowSpec,
  initialIntents,
  initialStTable,
  mergeEntries,
  type OwnerIntents,
  steeringEntries,
} from "./fabric-adapter.js";
import { fabricParamsOf } from "./fabric-params.js";
import { kernelCallRows } from "./kernel-calls.js";
import { scenarioLayout, scenarioPlatform, singleMachineShape } from "./platform.js";
import { runPlatformRevision } from "./platform-run.js";
import type { RevisionResult, RunConfig, RunOutcome } from "./result.js";
import { probingPublishedTag, type Sweep, simulateRevision } from "./revision-run.js";
import { type RunProgress, type SamplingOptions, sampleIntervalPs } from "./sampling.js";
import type { Scenario, TimelineEvent } from "./scenario-schema.js";
import { type Session, type Step, setupSession } from "./setup.js";
import { bootSystem, firmwareDesc } from "./system.js";
import { runTimelineEvent } from "./timeline.js";
import { formatTimePs } from "./units.js";

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

/** The NIC faults on each zapped dma-buf MR a flow uses; the driver re-maps it if it can. */
function pageFaults(s: Scenario, ses: Session, now: number): void {
  const { k, nicHw, ib } = ses.sys;
  const used = new Set(s.flows.map((f) => f.mr));
  for (const m of ses.mrs.values()) {
    const desc = s.mrs.find((x) => x.name === m.name);
    if (!used.has(m.name) || desc?.buffer === undefined || !m.mr) continue;
    const mkey = nicHw.mkeyByKey(m.key);
    if (!mkey || mkey.xltValid) continue;
    ses.steps.push({
      at: now,
      who: "nic",
      call: `page fault on MR ${m.name}`,
      ret: mlx5IbPageFault(k, ib, m.key),
    });
  }
}

/**
 * After a re-registration the MR has a new key; the application hands it to its peers, so the
 * flows on that MR now use it. The fabric reads `spec.mkey` at each refresh.
 */
function repoint(fabric: Fabric, s: Scenario, ses: Session, mr: string): void {
  for (const f of fabric.flows) {
    const desc = s.flows.find((x) => x.name === f.name);
    if (desc?.mr !== mr) continue;
    fabric.setFlowKey(f.name, flowSpec(s, ses, desc).mkey);
  }
}

function scheduleTimeline(
  fabric: Fabric,
  s: Scenario,
  ses: Session,
  sweeps: Sweep[],
  intents: OwnerIntents,
  marks: TimelineMark[],
): void {
  let table = initialStTable(s);
  const events = s.timeline.map((e, i) => [e, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]);
  for (const [e] of events) {
    fabric.at(e.at / 1000, (fab) => {
      if (e.action === "set-tph" && e.partition !== undefined && fab.accelerator) {
        // The owner programs its device for the new tag before publishing it.
        table = mergeEntries(table, steeringEntries(e));
        fab.accelerator.setStTable(table, "timeline");
        intents.set(e.buffer, { partition: e.partition, op: e.op });
        for (const f of s.flows) fab.setFlowExpect(f.name, flowSpec(s, ses, f, intents).expect);
      }
      const first = ses.steps.length;
      runTimelineEvent(s, ses, e as TimelineEvent, e.at);
      if (e.action === "reregister") repoint(fab, s, ses, e.mr);
      pageFaults(s, ses, e.at);
      marks.push({ event: e as TimelineEvent, first, end: ses.steps.length });
      sweeps.push({
        at: `@${formatTimePs(e.at)}`,
        report: checkInvariants(ses.sys.k, { ibdevs: [ses.sys.ib] }),
      });
    });
  }
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

/** One revision: boot, set up, simulate with the timeline (sampled), collect. */
export function runRevision(
  s: Scenario,
  revision: RevisionName,
  seed: number,
  o: RunOptions & { readonly progress?: { readonly index: number; readonly revisions: number } } = {},
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
  const sweeps: Sweep[] = [];
  const marks: TimelineMark[] = [];
  scheduleTimeline(fabric, s, ses, sweeps, intents, marks);
  return simulateRevision(fabric, s, revision, o, {
    k: sys.k,
    ibdevs: [sys.ib],
    steps: ses.steps,
    probe,
    sweeps,
    marks,
  });
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
    const out = singleMachineShape(s) ? runRevision(s, r, seed, ro) : runPlatformRevision(s, r, seed, ro);
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
