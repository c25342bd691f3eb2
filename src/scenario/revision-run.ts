/**
 * What every revision run does once its fabric is built, whether on the single machine (run.ts)
 * or on a platform (platform-run.ts): read the exporter's tag for the NIC (noting the first look
 * per flow), then sample, report progress, simulate to the end, check the kernel's invariants and
 * collect.
 */
import type { Fabric } from "../hw/fabric/fabric.js";
import type { PublishedTagFn } from "../hw/fabric/snapshot.js";
import type { Mlx5IbDev } from "../kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { checkInvariants, type InvariantReport } from "../kernel/invariants.js";
import type { Kernel } from "../kernel/kernel.js";
import type { RevisionName } from "../kernel/revision.js";
import type { TagProbe } from "./diagnostics.js";
import { runEvents, type TimelineMark } from "./events.js";
import { publishedTag } from "./fabric-adapter.js";
import { linksByName, toRevisionResult } from "./results-convert.js";
import type { RevisionRun, RunOptions } from "./run.js";
import { finishSeries, reportProgress, startSampling } from "./sampling.js";
import type { Scenario } from "./scenario-schema.js";
import type { Step } from "./setup.js";

/** One invariant check: when, and what it found. */
export interface Sweep {
  readonly at: string;
  readonly report: InvariantReport;
}

/** Which revision of how many is running (for the progress display). */
export type RevisionRunOptions = RunOptions & {
  readonly progress?: { readonly index: number; readonly revisions: number };
};

/** The exporter's tag as the NIC reads it; the first look per flow goes into `probe`. */
export function probingPublishedTag(
  s: Scenario,
  ses: Parameters<typeof publishedTag>[1],
  probe: TagProbe,
): PublishedTagFn {
  return (ns, flow) => {
    const tag = publishedTag(s, ses, ns, flow);
    // The first look per flow: the namespace the NIC negotiated, and what the owner publishes.
    if (tag !== undefined && !probe.has(flow)) {
      const other = publishedTag(s, ses, ns === "st8" ? "st16" : "st8", flow);
      probe.set(flow, { ns, tag, other });
    }
    return tag;
  };
}

export interface RevisionEnd {
  readonly k: Kernel;
  readonly ibdevs: readonly Mlx5IbDev[];
  readonly steps: readonly Step[];
  readonly probe: TagProbe;
  /** Invariant checks made during the run (after timeline events); the end's is added. */
  readonly sweeps: Sweep[];
  readonly marks: readonly TimelineMark[];
}

/** Sample, report progress, simulate to the end, check the kernel's invariants, collect. */
export function simulateRevision(
  fabric: Fabric,
  s: Scenario,
  revision: RevisionName,
  o: RevisionRunOptions,
  end: RevisionEnd,
): RevisionRun {
  const sampler = startSampling(fabric, s.duration, o);
  if (o.onProgress) {
    const at = { revision, index: o.progress?.index ?? 0, revisions: o.progress?.revisions ?? 1 };
    reportProgress(fabric, s.duration, at, o.onProgress);
  }
  const fr = fabric.run(s.duration / 1000);
  end.sweeps.push({ at: "end", report: checkInvariants(end.k, { ibdevs: end.ibdevs }) });
  const result = toRevisionResult(fr, end.sweeps);
  const out: RevisionRun = {
    result,
    steps: end.steps,
    probe: end.probe,
    links: linksByName(fr),
    series: finishSeries(sampler, result),
    events: runEvents(end.steps, end.marks),
    trace: o.trace ? fabric.trace() : [],
  };
  fabric.release(); // everything is read: the caches' arrays go back to the arena
  return out;
}
