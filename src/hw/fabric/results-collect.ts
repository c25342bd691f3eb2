/** Assembling FabricResults from a fabric's devices, flows, ports and links. */
import type { AcceleratorModel } from "./accelerator.js";
import type { Fabric } from "./fabric.js";
import type { FlowState } from "./flow-state.js";
import type { Port } from "./port.js";
import {
  type AcceleratorResult,
  type ConsumerSummary,
  type FabricResults,
  type FlowResult,
  type InvariantResult,
  type PortResult,
  summarize,
} from "./results.js";

export function collectResults(fab: Fabric, invariants: Record<string, InvariantResult>): FabricResults {
  const now = fab.sim.now;
  const inFlight = batchBytesByFlow(fab);
  const flows: Record<string, FlowResult> = {};
  let withTph = 0;
  let stale = 0;
  let unsteeredTlps = 0;
  let misdirected = 0;
  let unsteered = 0;
  let lost = 0;
  for (const f of fab.flows) {
    f.catchUp(now, true);
    const r = flowResult(fab, f, (inFlight[f.index] ?? 0) + f.waiting + f.readyBytes + f.deferredBytes);
    flows[f.name] = r;
    withTph += f.withTph;
    stale += f.stale;
    unsteeredTlps += f.unsteeredTlps;
    misdirected += f.misdirected;
    unsteered += f.unsteered;
    lost += f.lost;
  }
  const k = fab.dp.tlps;
  const links: Record<string, FabricResults["links"][string]> = {};
  for (const l of fab.graph.links) {
    const c = l.model.config;
    links[l.name] = {
      bdf: l.bdf,
      gen: c.gen,
      width: c.width,
      tlpGbps: round(l.model.tlpGbps),
      up: port(l.up, now),
      down: port(l.down, now),
    };
  }
  const linkPorts = new Set(fab.graph.links.flatMap((l) => [l.up, l.down]));
  const ports: Record<string, PortResult> = {};
  for (const p of [...fab.dp.routes.ports, ...fab.internalPorts()])
    if (!linkPorts.has(p)) ports[p.name] = port(p, now);
  const stalls = creditStalls(fab);
  const accels = fab.accelerators.map(acceleratorResult);
  const nics = fab.nics.map((n) => ({
    peakOutstandingReads: n.model?.peakOutstanding ?? 0,
    outstandingReads: n.model?.outstanding ?? 0,
  }));
  return {
    simulatedNs: now / 1000,
    seed: fab.seed,
    tlps: {
      total: k[0]! + k[1]! + k[2]!,
      withTph,
      stale,
      unsteered: unsteeredTlps,
      mwr: k[0]!,
      mrd: k[1]!,
      cpld: k[2]!,
    },
    bytesMisdirected: misdirected,
    bytesUnsteered: unsteered,
    bytesLost: lost,
    flows,
    links,
    ports,
    accelerator: accels[0] ?? null,
    accelerators: Object.fromEntries(accels.map((a, i) => [fab.graph.nodes[fab.graph.accels[i]!]!.name, a])),
    host: { ...fab.host.stats(), llc: fab.host.llc.partitionWays.map((_, p) => fab.host.llc.stats(p)) },
    nic: nics[0]!,
    nics: Object.fromEntries(nics.map((n, i) => [fab.nics[i]!.name, n])),
    credits: stalls,
    invariants,
  };
}

function acceleratorResult(a: AcceleratorModel): AcceleratorResult {
  return {
    partitions: a.cache.partitionWays.map((_, p) => a.cache.stats(p)),
    hbmReadBytes: a.hbmReadBytes,
    hbmWriteBytes: a.hbmWriteBytes,
    unsupportedRequestBytes: a.urBytes,
  };
}

function creditStalls(fab: Fabric): FabricResults["credits"] {
  let stalls = 0;
  let stallPs = 0;
  for (const t of fab.dp.routes.trackers) {
    stalls += t?.stalls ?? 0;
    stallPs += t?.stallPs ?? 0;
  }
  return { stalls, stallNs: stallPs / 1000 };
}

function flowResult(fab: Fabric, f: FlowState, inFlight: number): FlowResult {
  const s = f.snap;
  const g = fab.graph;
  const ok = s !== undefined && s.fault === "";
  const dest = !ok ? "none" : g.accels.includes(s.dest) ? "accelerator" : "host";
  return {
    op: f.spec.op,
    dest,
    nic: fab.nics[f.spec.nic ?? 0]!.name,
    completer: ok ? g.nodes[s.dest]!.name : "",
    fault: s?.fault ?? "",
    messages: f.messagesDone,
    failedMessages: f.messagesFailed,
    messagesOffered: f.messagesOffered,
    goodputGbps: round(f.goodputGbps(fab.sim.now)),
    activeNs: f.activePs(fab.sim.now) / 1000,
    latencyNs: summarize(f.latency),
    readRoundTripNs: summarize(f.readRtt),
    readDmaNs: summarize(f.readDma),
    consumeNs: summarize(f.consume),
    consumedLines: { local: f.consumedLocal, remote: f.consumedRemote, miss: f.consumedMiss },
    consumer: consumerSummary(fab, f),
    bytes: {
      offered: f.sent,
      delivered: f.delivered,
      lost: f.lost,
      inFlight,
      landed: f.landed,
      misdirected: f.misdirected,
      unsteered: f.unsteered,
    },
    tlps: { total: f.tlps, withTph: f.withTph, stale: f.stale, unsteered: f.unsteeredTlps },
    faults: f.faults,
    drops: f.drops,
    conserved: f.sent === f.delivered + f.lost + inFlight,
  };
}

/** Both completers' consumer figures for `f` (a re-pointed flow may have been consumed at each). */
function consumerSummary(fab: Fabric, f: FlowState): ConsumerSummary | null {
  const now = fab.sim.now;
  const parts = [
    ...fab.accelerators.map((a) => a.consumerStats(f.index, now)),
    fab.host.consumerStats(f.index, now),
  ].filter((s) => s !== undefined);
  const first = parts[0];
  if (!first) return null;
  const span = now - fab.warmupPs;
  const busy = parts.reduce((a, s) => a + s.busyPs, 0);
  return {
    engines: first.engines,
    utilization: span > 0 ? round(busy / (first.engines * span)) : 0,
    maxBacklog: Math.max(...parts.map((s) => s.maxBacklog)),
    backlog: parts.reduce((a, s) => a + s.backlog, 0),
  };
}

/** Bytes of live batches, by flow (MWr, MRd and CplD batches each stand for their data bytes). */
function batchBytesByFlow(fab: Fabric): number[] {
  const b = fab.dp.batches;
  const out: number[] = [];
  for (let s = 0; s < b.capacity; s++) {
    if (!b.isLive(s)) continue;
    const f = b.flow[s]!;
    out[f] = (out[f] ?? 0) + b.bytes[s]!;
  }
  return out;
}

function port(p: Port, now: number): PortResult {
  const m = p.measured();
  return { utilization: round(p.utilization(now)), jobs: m.jobs, bytes: m.bytes };
}

/** Six significant decimals: stable JSON without float noise. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
