/**
 * The results of a fabric run as a plain JSON-able object (numbers, strings, booleans, null; no
 * wall-clock values), so the same seed gives a deep-equal object. Times are in ns, rates in Gb/s,
 * sizes in bytes.
 */
import type { Histogram } from "../../sim/histogram.js";
import type { PartitionStats } from "./cache.js";
import type { FlowOp } from "./flow-spec.js";
import type { HostStats } from "./host.js";

/** Distribution summary in ns; null fields when nothing was recorded. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

/**
 * A flow's consumers over the measured time (./consumer.ts). Utilization near 1 with a growing
 * backlog: the engines are saturated and the time to consume is mostly queueing.
 */
export interface ConsumerSummary {
  readonly engines: number;
  /** Busy time of the engines / (engines x measured time). */
  readonly utilization: number;
  /** Most messages landed and not yet taken by an engine at once. */
  readonly maxBacklog: number;
  /** Messages landed and not yet taken at the end of the run. */
  readonly backlog: number;
}

export interface FlowResult {
  readonly op: FlowOp;
  /** "accelerator", "host", or "none" when the last snapshot faulted. */
  readonly dest: string;
  /** The NIC carrying it and its completer, by platform name ("rc" for host memory, "" when faulted). */
  readonly nic: string;
  readonly completer: string;
  /** Why accesses fault now ("" when they work). */
  readonly fault: string;
  /** Messages completed by now (every byte where the user sees it). */
  readonly messages: number;
  /** Messages with a lost byte. */
  readonly failedMessages: number;
  /** Messages the peers started. */
  readonly messagesOffered: number;
  /**
   * Bytes of completed messages delivered in the flow's active window, per second of it: from
   * max(warm-up, start) to min(stop, now).
   */
  readonly goodputGbps: number;
  /** Length of that active window, ns (0 when the flow stopped before warm-up ended). */
  readonly activeNs: number;
  readonly latencyNs: LatencySummary;
  /**
   * READ: MRd batch issued to its last completion in at the NIC (the PCIe read round trip: what
   * holds the batch's tags, so tags x MRRS / round trip bounds a tag-limited stream).
   */
  readonly readRoundTripNs: LatencySummary;
  /**
   * READ: MRd batch issued to its data stored by the NIC's DMA engine (the round trip plus the
   * engine's queueing and store time): the DMA read latency pcie-bench times.
   */
  readonly readDmaNs: LatencySummary;
  /** Landing to fully read by a consumer. */
  readonly consumeNs: LatencySummary;
  /**
   * Lines consumers read from their own partition (host: their L2, where TPH injects), from
   * elsewhere in the cache (host: the LLC), and from memory (HBM or DRAM).
   */
  readonly consumedLines: { readonly local: number; readonly remote: number; readonly miss: number };
  /** The flow's consumer engines (null when none of its messages reached a consumer). */
  readonly consumer: ConsumerSummary | null;
  /**
   * The byte ledger: offered (the peers sent or requested) = delivered (WRITE/SEND: landed in
   * memory; READ: response sent on the network port) + lost + inFlight (network buffer, fabric,
   * response packets being assembled or leaving), exactly. `landed` counts bytes that reached the
   * PCIe completer (WRITE) or came back to the NIC (READ).
   */
  readonly bytes: {
    readonly offered: number;
    readonly delivered: number;
    readonly lost: number;
    readonly inFlight: number;
    readonly landed: number;
    readonly misdirected: number;
    readonly unsteered: number;
  };
  readonly tlps: {
    readonly total: number;
    readonly withTph: number;
    readonly stale: number;
    readonly unsteered: number;
  };
  readonly faults: number;
  readonly drops: number;
  /** offered == delivered + lost + inFlight. */
  readonly conserved: boolean;
}

export interface PortResult {
  readonly utilization: number;
  readonly jobs: number;
  readonly bytes: number;
}

export interface LinkResult {
  /** The child end's PCI address. */
  readonly bdf: string;
  readonly gen: number;
  readonly width: number;
  readonly tlpGbps: number;
  readonly up: PortResult;
  readonly down: PortResult;
}

/** One accelerator as a completer: its cache partitions, HBM traffic, requests it did not decode. */
export interface AcceleratorResult {
  readonly partitions: readonly PartitionStats[];
  readonly hbmReadBytes: number;
  readonly hbmWriteBytes: number;
  readonly unsupportedRequestBytes: number;
}

export interface NicResult {
  readonly peakOutstandingReads: number;
  readonly outstandingReads: number;
}

export interface InvariantResult {
  readonly ok: boolean;
  readonly violations: number;
}

export interface FabricResults {
  readonly simulatedNs: number;
  readonly seed: number;
  readonly tlps: {
    readonly total: number;
    readonly withTph: number;
    readonly stale: number;
    /** Write TLPs of the unsteered bytes (no hint the completer used, where the owner meant one). */
    readonly unsteered: number;
    readonly mwr: number;
    readonly mrd: number;
    readonly cpld: number;
  };
  readonly bytesMisdirected: number;
  readonly bytesUnsteered: number;
  readonly bytesLost: number;
  readonly flows: Readonly<Record<string, FlowResult>>;
  readonly links: Readonly<Record<string, LinkResult>>;
  /** Internal ports: network, device ingress, HBM, host memory, root complex P2P. */
  readonly ports: Readonly<Record<string, PortResult>>;
  /** The first accelerator (null without one). */
  readonly accelerator: AcceleratorResult | null;
  /** Every accelerator by its platform name (its PCI address without a layout). */
  readonly accelerators: Readonly<Record<string, AcceleratorResult>>;
  readonly host: HostStats & { readonly llc: readonly PartitionStats[] };
  /** The first NIC, and every NIC by name. */
  readonly nic: NicResult;
  readonly nics: Readonly<Record<string, NicResult>>;
  readonly credits: { readonly stalls: number; readonly stallNs: number };
  readonly invariants: Readonly<Record<string, InvariantResult>>;
}

/** A histogram of picoseconds summarised in ns (3 decimals). */
export function summarize(h: Histogram): LatencySummary {
  if (h.count === 0) return { count: 0, p50: null, p99: null, max: null, mean: null };
  const ns = (ps: number) => Math.round(ps) / 1000;
  return {
    count: h.count,
    p50: ns(h.quantile(0.5)),
    p99: ns(h.quantile(0.99)),
    max: ns(h.max),
    mean: Math.round(h.mean) / 1000,
  };
}
