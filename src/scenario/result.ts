/**
 * What a run reports, per revision: the JSON shape `tphlab run --json` prints
 * (`{ scenario, seed, results: { REVISION: RevisionResult } }`). Times are nanoseconds, rates Gb/s,
 * sizes bytes; maps are keyed by name and printed in a fixed order, so the same scenario and seed
 * give the same bytes.
 */
import type { FabricParams } from "../hw/fabric/params.js";
import type { TlpTraceRecord } from "../hw/fabric/trace.js";
import type { RunEvent, Series } from "../sim/series.js";
import type { Diagnostic } from "./diagnostics.js";
import type { Step } from "./setup.js";

/** Nanoseconds; null when nothing was recorded. */
export interface LatencySummary {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

/**
 * Where every offered byte is: offered = delivered + lost + inFlight, exactly. Delivered: where
 * the user sees it (WRITE/SEND: landed in the completer's memory; READ: response sent on the
 * network port). Lost: never will be (dropped by the NIC, faulted mkey, Unsupported Request while
 * the BAR did not decode, the rest of a failed READ). In flight: anywhere in between at the end.
 */
export interface ByteLedger {
  readonly offered: number;
  readonly delivered: number;
  readonly lost: number;
  readonly inFlight: number;
}

export interface FlowResult {
  /**
   * Bytes of completed messages delivered in the flow's active window (from the end of warm-up or
   * the flow's start, whichever is later, to its stop or the end of the run, whichever is
   * earlier), per second of that window. Bytes landing after a stop are delivered, not goodput.
   */
  readonly goodputGbps: number;
  /** The active window's length, ns. */
  readonly activeNs: number;
  /** Messages completed: every byte delivered. */
  readonly messages: number;
  /** Message latency: first byte offered to last byte landed (WRITE/SEND) or sent back (READ), ns. */
  readonly latencyNs: LatencySummary;
  /** Messages the peers started (offered), and those that failed (a byte lost). */
  readonly messagesOffered: number;
  readonly messagesLost: number;
  readonly bytes: ByteLedger;
  /** READ: an MRd batch issued to its last completion in (the PCIe read round trip), ns. */
  readonly roundTripNs?: { readonly p50: number | null; readonly p99: number | null };
}

export interface LinkResult {
  /** Busy fraction of the busier direction over the measured time, in [0, 1]. */
  readonly utilization: number;
  /** Busy fraction toward the root complex (the device sends) and away from it, each in [0, 1]. */
  readonly up: number;
  readonly down: number;
  readonly gen: number;
  readonly width: number;
  /** The link's TLP-layer rate (src/pcie/link.ts), Gb/s. */
  readonly tlpGbps: number;
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
  /** Write TLPs that landed without a hint the completer used where the owner meant one (the bytes unsteered). */
  readonly unsteered: number;
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
  /** Every flow's ledger summed, and messages offered / lost in total. */
  readonly bytes: ByteLedger;
  readonly messagesOffered: number;
  readonly messagesLost: number;
}

/** The effective set-up every revision ran: topology, links by role and every data path parameter. */
export interface RunConfig {
  readonly durationNs: number;
  readonly topology: string;
  readonly links: Readonly<
    Record<string, { readonly bdf: string; readonly gen: number; readonly width: number }>
  >;
  readonly params: FabricParams;
}

/** A kernel call as the text report lists it: when, who, what, and its return value per revision. */
export interface KernelCallRow {
  readonly atNs: number;
  readonly who: string;
  readonly call: string;
  /** The return values differ between revisions (else: it failed the same way on every one). */
  readonly differs: boolean;
  /** Return value (errno name when negative; null: the revision made no such call). */
  readonly returns: Readonly<Record<string, number | string | null>>;
}

export interface RunReport {
  readonly scenario: string;
  readonly seed: number;
  readonly config: RunConfig;
  /** By revision spec as given (canonical: "v11", "v11+retract-on-set"). */
  readonly results: Readonly<Record<string, RevisionResult>>;
  /**
   * Time series by revision: per flow, link direction, cache partition, TLP and byte totals (see
   * src/hw/fabric/sampler.ts for the track keys); every "sum" track adds up to its result.
   */
  readonly series: Readonly<Record<string, Series>>;
  /** Kernel calls and timeline actions as timestamped markers, by revision, in time order. */
  readonly events: Readonly<Record<string, readonly RunEvent[]>>;
  /** What the user should know to read the numbers (codes in README.md "Diagnostics"). */
  readonly diagnostics: readonly Diagnostic[];
  /** The kernel calls the text report shows (those that differ, and those failing alike). */
  readonly kernelCalls: readonly KernelCallRow[];
}

/** What the text report shows besides the JSON: the kernel calls each revision made. */
export interface RunOutcome {
  readonly report: RunReport;
  readonly description: string;
  readonly durationPs: number;
  readonly steps: Readonly<Record<string, readonly Step[]>>;
  /** The TLP-level trace per revision, when the run asked for it (RunOptions.trace). */
  readonly traces?: Readonly<Record<string, readonly TlpTraceRecord[]>>;
}

/** Round to `digits` decimals (stable text: no 0.30000000000000004). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return 0;
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/**
 * The report as the JSON text `--json` prints: JSON.stringify's two-space layout, except that the
 * time series' number arrays stay on one line each (a track is a row, not hundreds of lines).
 */
export function reportJson(r: RunReport): string {
  return `${jsonText(r, "", false)}\n`;
}

function jsonText(v: unknown, indent: string, inSeries: boolean): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (inSeries && v.every((x) => x === null || typeof x === "number"))
      return `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
    return `[\n${v.map((x) => inner + jsonText(x, inner, inSeries)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function");
  if (entries.length === 0) return "{}";
  const top = indent === "";
  const body = entries.map(
    ([k, x]) => `${inner}${JSON.stringify(k)}: ${jsonText(x, inner, inSeries || (top && k === "series"))}`,
  );
  return `{\n${body.join(",\n")}\n${indent}}`;
}
