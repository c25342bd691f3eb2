/**
 * The data path's results plus the kernel model's invariants, as a run reports them per revision
 * (result.ts): flows, links and completers keyed by the platform's names (`rp0-sw0`, `sw0-acc0`,
 * `acc0`, `host`), completers by partition, consumers, TLP and byte counts.
 */
import type { LookupStats } from "../hw/fabric/cache.js";
import type { FabricResults } from "../hw/fabric/results.js";
import type { InvariantReport } from "../kernel/invariants.js";
import type {
  ByteLedger,
  CompleterResult,
  ConsumerResult,
  FlowResult,
  InvariantResult,
  LinkResult,
  PartitionResult,
  RevisionResult,
  RunConfig,
} from "./result.js";

/** Found / not found, in total and split into the write path and the read path. */
function lookups(w: LookupStats, r: LookupStats, local: boolean): PartitionResult {
  // local: a line found only in another partition counts as a miss of this one.
  const hit = (x: LookupStats) => (local ? x.hits : x.hits + x.remoteHits);
  const miss = (x: LookupStats) => (local ? x.misses + x.remoteHits : x.misses);
  return {
    hits: hit(w) + hit(r),
    misses: miss(w) + miss(r),
    write: { hits: hit(w), misses: miss(w) },
    read: { hits: hit(r), misses: miss(r) },
  };
}

function sum(xs: readonly LookupStats[]): LookupStats {
  return {
    hits: xs.reduce((a, x) => a + x.hits, 0),
    remoteHits: xs.reduce((a, x) => a + x.remoteHits, 0),
    misses: xs.reduce((a, x) => a + x.misses, 0),
  };
}

function completers(fr: FabricResults): Record<string, CompleterResult> {
  const out: Record<string, CompleterResult> = {};
  for (const [name, a] of Object.entries(fr.accelerators)) {
    const partitions = Object.fromEntries(
      a.partitions.map((p, i) => [`p${i}`, lookups(p.write, p.read, true)]),
    );
    out[name] = { partitions, hbmBytes: a.hbmReadBytes + a.hbmWriteBytes };
  }
  const h = fr.host;
  const llc = lookups(sum(h.llc.map((p) => p.write)), sum(h.llc.map((p) => p.read)), false);
  const l2 = lookups(h.l2.write, h.l2.read, false);
  if (llc.hits + llc.misses + l2.hits + l2.misses + h.dramReadBytes + h.dramWriteBytes > 0) {
    out.host = {
      // A CPU's L2: lines injected by TPH (write path), the consumer's loads (read path).
      // The LLC: device writes through DDIO (write path), device reads and consumer loads (read path).
      partitions: { l2, llc },
      hbmBytes: h.dramReadBytes + h.dramWriteBytes,
    };
  }
  return out;
}

/** Kernel invariants (checked after each timeline event and at the end) and the simulator's. */
function invariants(kernel: readonly { at: string; report: InvariantReport }[], fr: FabricResults) {
  const out: Record<string, InvariantResult> = {};
  for (const { at, report } of kernel) {
    for (const [name, r] of Object.entries(report)) {
      const key = `kernel.${name}`;
      const prev = out[key]?.violations ?? [];
      const seen = new Set(prev);
      const add = r.violations.map((v) => `${at}: ${v}`).filter((v) => !seen.has(v));
      const violations = [...prev, ...add].slice(0, 10);
      out[key] = { ok: (out[key]?.ok ?? true) && r.ok, violations };
    }
  }
  for (const [name, r] of Object.entries(fr.invariants)) {
    out[`fabric.${name}`] = { ok: r.ok, violations: r.ok ? [] : [`${r.violations} check(s) failed`] };
  }
  return out;
}

function flowResult(f: FabricResults["flows"][string]): FlowResult {
  const l = f.latencyNs;
  const b = f.bytes;
  return {
    goodputGbps: f.goodputGbps,
    activeNs: f.activeNs,
    messages: f.messages,
    latencyNs: { p50: l.p50, p99: l.p99, max: l.max, mean: l.mean },
    messagesOffered: f.messagesOffered,
    messagesLost: f.failedMessages,
    bytes: { offered: b.offered, delivered: b.delivered, lost: b.lost, inFlight: b.inFlight },
    ...(f.op === "read" ? { roundTripNs: { p50: f.readRoundTripNs.p50, p99: f.readRoundTripNs.p99 } } : {}),
  };
}

function ledgerSum(flows: readonly FlowResult[]): ByteLedger {
  const add = (k: keyof ByteLedger) => flows.reduce((a, f) => a + f.bytes[k], 0);
  return {
    offered: add("offered"),
    delivered: add("delivered"),
    lost: add("lost"),
    inFlight: add("inFlight"),
  };
}

export function toRevisionResult(
  fr: FabricResults,
  kernel: readonly { at: string; report: InvariantReport }[],
): RevisionResult {
  const flows: Record<string, FlowResult> = {};
  const consumers: Record<string, ConsumerResult> = {};
  for (const [name, f] of Object.entries(fr.flows)) {
    flows[name] = flowResult(f);
    if (f.consumeNs.count > 0)
      consumers[name] = {
        timeToConsumeNs: { p50: f.consumeNs.p50, p99: f.consumeNs.p99 },
        utilization: f.consumer?.utilization ?? 0,
        maxBacklog: f.consumer?.maxBacklog ?? 0,
      };
  }
  const links: Record<string, LinkResult> = {};
  for (const [name, l] of Object.entries(fr.links)) {
    links[name] = {
      utilization: Math.max(l.up.utilization, l.down.utilization),
      up: l.up.utilization,
      down: l.down.utilization,
      gen: l.gen,
      width: l.width,
      tlpGbps: l.tlpGbps,
    };
  }
  const all = Object.values(flows);
  return {
    flows,
    links,
    completers: completers(fr),
    consumers,
    tlps: {
      total: fr.tlps.total,
      withTph: fr.tlps.withTph,
      stale: fr.tlps.stale,
      unsteered: fr.tlps.unsteered,
    },
    bytesMisdirected: fr.bytesMisdirected,
    bytesUnsteered: fr.bytesUnsteered,
    bytesLost: fr.bytesLost,
    invariants: invariants(kernel, fr),
    bytes: ledgerSum(all),
    messagesOffered: all.reduce((n, f) => n + f.messagesOffered, 0),
    messagesLost: all.reduce((n, f) => n + f.messagesLost, 0),
  };
}

/** Links by name with their addresses and width (the effective tree, for the report's config). */
export function linksByName(fr: FabricResults): RunConfig["links"] {
  return Object.fromEntries(
    Object.entries(fr.links).map(([name, l]) => [name, { bdf: l.bdf, gen: l.gen, width: l.width }]),
  );
}
