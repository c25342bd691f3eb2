/**
 * Parameters of the consumers (./consumer.ts): what reading a landed message costs a compute
 * engine on the accelerator or a host CPU. Part of the one documented tree (FABRIC_PARAMS in
 * ./params.ts); kept here so each file stays small.
 *
 * Latency and occupancy are separate: the per-line costs are the engine's busy time (its
 * throughput); the first-miss latency delays the message's completion but overlaps the engine's
 * work on earlier messages, because an engine starts fetching the next message while fewer than
 * maxOutstandingLines of its lines are pending (Little's law: sustaining one miss per
 * `NsPerLine` with latency L needs L / NsPerLine lines in flight).
 */
import { int, num, type SpecTree } from "./param-spec.js";

export interface HostConsumerParams {
  readonly startNs: number;
  readonly l2NsPerLine: number;
  readonly llcNsPerLine: number;
  readonly dramNsPerLine: number;
  readonly dramLatencyNs: number;
  readonly maxOutstandingLines: number;
}

export interface AccelConsumerParams {
  readonly startNs: number;
  readonly localNsPerLine: number;
  readonly remoteNsPerLine: number;
  readonly hbmNsPerLine: number;
  readonly hbmLatencyNs: number;
  readonly maxOutstandingLines: number;
}

const X = { extrapolated: true } as const;
const NS = "ns";
const POS = { min: 0, ...X } as const;

export const HOST_CONSUMER: SpecTree<HostConsumerParams> = {
  startNs: num(50, NS, "fixed cost before a CPU starts reading a message", "extrapolated", POS),
  l2NsPerLine: num(
    1,
    NS,
    "per line read from the CPU's own L2 (injected data)",
    "extrapolated: ~64 GB/s streaming from L2",
    POS,
  ),
  llcNsPerLine: num(
    2,
    NS,
    "per line read from the LLC",
    "extrapolated: ~32 GB/s streaming from the LLC",
    POS,
  ),
  dramNsPerLine: num(5, NS, "per line read from DRAM", "extrapolated: ~12.8 GB/s per core from DRAM", POS),
  dramLatencyNs: num(
    90,
    NS,
    "first-miss latency when any line comes from DRAM (delays the message, overlaps earlier work)",
    "extrapolated: a typical DRAM load latency",
    POS,
  ),
  maxOutstandingLines: int(
    20,
    "lines",
    "lines a CPU may have requested and not yet consumed: the next message starts (and its misses " +
      "are issued) while fewer are pending; misses stream at most this many per dramLatencyNs",
    "extrapolated: Little's law, 90 ns x 12.8 GB/s / 64 B = 18 lines in flight reach dramNsPerLine; " +
      "Intel cores have 10 L1D fill buffers (since Nehalem) and the L2 streamer prefetches beyond them",
    { min: 1, max: 1 << 20, ...X },
  ),
};

export const ACCEL_CONSUMER: SpecTree<AccelConsumerParams> = {
  startNs: num(
    100,
    NS,
    "fixed cost before a compute engine starts reading a landed message",
    "extrapolated",
    POS,
  ),
  localNsPerLine: num(
    0.5,
    NS,
    "per line hit in the engine's own partition",
    "extrapolated: 256 GB/s per engine at 128 B lines",
    POS,
  ),
  remoteNsPerLine: num(1, NS, "per line hit in another partition", "extrapolated: half the local rate", POS),
  hbmNsPerLine: num(
    2,
    NS,
    "per line that misses and comes from HBM",
    "extrapolated: 64 GB/s per engine",
    POS,
  ),
  hbmLatencyNs: num(
    400,
    NS,
    "first-miss latency when any line comes from HBM (delays the message, overlaps earlier work)",
    "extrapolated: GPU-class HBM load latency",
    POS,
  ),
  maxOutstandingLines: int(
    256,
    "lines",
    "lines an engine may have requested and not yet consumed: the next message starts (and its " +
      "misses are issued) while fewer are pending; misses stream at most this many per hbmLatencyNs",
    "extrapolated: Little's law, 400 ns / 2 ns per line = 200 lines of 128 B in flight reach " +
      "hbmNsPerLine; GPU-class engines keep hundreds of loads outstanding (many warps)",
    { min: 1, max: 1 << 20, ...X },
  ),
};
