/**
 * Time series and progress of a scenario run: the fabric's sampler (src/hw/fabric/sampler.ts) with
 * tracks keyed by the names the results use (links by role, completers by name), and a periodic
 * progress callback in simulated time.
 */
import { inputError } from "../base/errors.js";
import type { Fabric } from "../hw/fabric/fabric.js";
import { type FabricSampler, sampleFabric } from "../hw/fabric/sampler.js";
import { DEFAULT_MAX_SAMPLES, defaultSampleIntervalPs, schedulePeriodic } from "../sim/sampler.js";
import type { Series } from "../sim/series.js";
import type { RevisionResult } from "./result.js";

export interface SamplingOptions {
  /** Sampling interval in ps (default: defaultSampleIntervalPs of the duration; at least 1 ns). */
  readonly samplePs?: number;
  /** Most samples kept before pairs merge and the interval doubles (even; default 1000). */
  readonly maxSamples?: number;
  /** false: no time series (a sweep point reads end-of-run results only; sampling costs ~10%). */
  readonly series?: boolean;
}

/** Where a run is, in simulated time, for a progress display. */
export interface RunProgress {
  readonly revision: string;
  /** The revision's position (0-based) among `revisions`. */
  readonly index: number;
  readonly revisions: number;
  readonly simulatedNs: number;
  readonly durationNs: number;
}

/** Progress reports per revision (about every 0.5% of the simulated time). */
const PROGRESS_STEPS = 200;

/** The interval in ps a run samples at; InputError naming `sample`/`maxSamples` when out of range. */
export function sampleIntervalPs(durationPs: number, o: SamplingOptions): number {
  const ps = o.samplePs ?? defaultSampleIntervalPs(durationPs);
  if (!(Number.isInteger(ps) && ps >= 1000))
    throw inputError("sample", `must be a whole number of picoseconds, at least 1ns, got ${ps} ps`);
  const max = o.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (!(Number.isInteger(max) && max >= 2 && max % 2 === 0 && max <= 1_000_000))
    throw inputError("maxSamples", `must be an even integer in [2, 1000000], got ${max}`);
  return ps;
}

/** No samples: the series of a run made with `series: false`. */
export const NO_SERIES: Series = { intervalNs: 0, t: [], tracks: {} };

/** Start sampling `fabric` for a run of `durationPs` (before fabric.run()); undefined when off. */
export function startSampling(
  fabric: Fabric,
  durationPs: number,
  o: SamplingOptions,
): FabricSampler | undefined {
  if (o.series === false) return undefined;
  return sampleFabric(fabric, {
    untilNs: durationPs / 1000,
    intervalPs: sampleIntervalPs(durationPs, o),
    ...(o.maxSamples === undefined ? {} : { maxSamples: o.maxSamples }),
  });
}

/** The series after the run, with the host's cache tracks only where the results list the host. */
export function finishSeries(sampler: FabricSampler | undefined, result: RevisionResult): Series {
  if (!sampler) return NO_SERIES;
  const s = sampler.finish();
  const host = result.completers.host !== undefined;
  const tracks = Object.fromEntries(
    Object.entries(s.tracks).filter(
      ([, t]) => host || !(t.group === "partition" && t.subject.startsWith("host/")),
    ),
  );
  return { ...s, tracks };
}

/** Call `report` with the simulated time every 1/PROGRESS_STEPS of the run. */
export function reportProgress(
  fabric: Fabric,
  durationPs: number,
  at: Omit<RunProgress, "simulatedNs" | "durationNs">,
  report: (p: RunProgress) => void,
): void {
  const period = Math.max(1, Math.floor(durationPs / PROGRESS_STEPS));
  const durationNs = durationPs / 1000;
  report({ ...at, simulatedNs: 0, durationNs });
  schedulePeriodic(fabric.sim, period, durationPs, (now) =>
    report({ ...at, simulatedNs: now / 1000, durationNs }),
  );
}
