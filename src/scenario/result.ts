/**
 * What a run reports, per revision: the JSON shape `tphlab run --json` prints
 * (`{ scenario, seed, results: { REVISION: RevisionResult } }`). Times are nanoseconds, rates Gb/s,
 * sizes bytes; maps are keyed by name and printed in a fixed order, so the same scenario and seed
 * give the same bytes.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { Step } from "./setup.js";

/** Nanoseconds; null when nothing was recorded. */
export interface LatencySummary {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface FlowResult {
  /** Payload delivered per second of measured time. */
  readonly goodputGbps: number;
  /** Messages completed. */
  readonly messages: number;
  /** Message latency: first byte offered to last byte landed (WRITE/SEND) or returned (READ), ns. */
  readonly latencyNs: LatencySummary;
}

export interface LinkResult {
  /** Busy fraction of the busier direction over the measured time. */
  readonly utilization: number;
}

/** Cache lookups: found, or not. */
export interface HitsMisses {
  readonly hits: number;
  readonly misses: number;
}

/**
 * Lookups in one partition (accelerator: found there, or not: absent or only in another
 * partition) or one cache level (host: found in it or not), in total and split into the write path
 * (device writes arriving, TPH injection) and the read path (device reads, consumer loads).
 */
export interface PartitionResult extends HitsMisses {
  readonly write: HitsMisses;
  readonly read: HitsMisses;
}

export interface CompleterResult {
  /** By partition (accelerator: p0, p1, ...) or cache level (host: l2, llc). */
  readonly partitions: Readonly<Record<string, PartitionResult>>;
  /** Bytes that reached HBM (accelerator) or DRAM (host). */
  readonly hbmBytes: number;
}

export interface ConsumerResult {
  /** Message landed to message consumed, ns. */
  readonly timeToConsumeNs: { readonly p50: number | null; readonly p99: number | null };
  /** Busy fraction of the flow's consumer engines over the measured time (near 1: saturated). */
  readonly utilization: number;
  /** Most messages landed and waiting for an engine at once (grows without bound when saturated). */
  readonly maxBacklog: number;
}

export interface InvariantResult {
  readonly ok: boolean;
  /** What was violated (at most the first few, in the order found). */
  readonly violations: readonly string[];
}

export interface TlpCounts {
  readonly total: number;
  readonly withTph: number;
  /** TLPs carrying a tag other than the one the owner currently publishes for that namespace. */
  readonly stale: number;
}

export interface RevisionResult {
  readonly flows: Readonly<Record<string, FlowResult>>;
  readonly links: Readonly<Record<string, LinkResult>>;
  readonly completers: Readonly<Record<string, CompleterResult>>;
  readonly consumers: Readonly<Record<string, ConsumerResult>>;
  readonly tlps: TlpCounts;
  readonly bytesMisdirected: number;
  /** Bytes the owner meant to steer that arrived with no hint (e.g. on a kernel that cannot carry the tag). */
  readonly bytesUnsteered: number;
  readonly bytesLost: number;
  readonly invariants: Readonly<Record<string, InvariantResult>>;
}

export interface RunReport {
  readonly scenario: string;
  readonly seed: number;
  /** By revision spec as given (canonical: "v11", "v11+retract-on-set"). */
  readonly results: Readonly<Record<string, RevisionResult>>;
  /** What the user should know to read the numbers (codes in README.md "Diagnostics"). */
  readonly diagnostics: readonly Diagnostic[];
}

/** What the text report shows besides the JSON: the kernel calls each revision made. */
export interface RunOutcome {
  readonly report: RunReport;
  readonly description: string;
  readonly durationPs: number;
  readonly steps: Readonly<Record<string, readonly Step[]>>;
}

/** Round to `digits` decimals (stable text: no 0.30000000000000004). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return 0;
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/** The report as the JSON text `--json` prints (two-space indent, trailing newline). */
export function reportJson(r: RunReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
