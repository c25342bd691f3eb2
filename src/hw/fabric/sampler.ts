/**
 * Time series of a fabric run (issue 11): a sim Sampler whose probes read the counters the fabric
 * already keeps for its results (flow ledgers and TLP counts, port busy time, cache statistics,
 * consumer queues) at the end of each interval. Nothing is added per TLP; the only new state is a
 * per-interval latency histogram per flow.
 *
 * Track keys (`${group}.${subject}.${metric}`, see src/sim/series.ts), for flow F, link L (named
 * by `linkName`), accelerator partition N:
 *   flow.F.goodputGbps (mean), flow.F.latencyP50Ns (mean), flow.F.latencyP99Ns (max),
 *   flow.F.messages, flow.F.bytesDelivered, flow.F.bytesLost (sum);
 *   link.L.up.utilization, link.L.down.utilization (mean);
 *   partition.ACC/pN.{writeHits,writeMisses,readHits,readMisses} (sum, ACC the accelerator's name), the same for
 *   partition.host/l2 and partition.host/llc;
 *   tlps.all.{total,withTph,stale,unsteered} (sum); bytes.all.{misdirected,unsteered,lost} (sum);
 *   consumer.F.backlog (last; messages landed and not yet taken).
 * Each "sum" track adds up to the matching end-of-run result. Statistics the results measure from
 * the end of warm-up (goodput, latency, cache counts) are null in intervals that end by then.
 */
import { Histogram } from "../../sim/histogram.js";
import { type Probe, Sampler, type TrackMeta } from "../../sim/sampler.js";
import type { Series, TrackUnit } from "../../sim/series.js";
import type { LookupStats } from "./cache.js";
import type { Fabric } from "./fabric.js";

export interface FabricSamplerOptions {
  /** End of the run (ns): the last sample is taken there. */
  readonly untilNs: number;
  /** Sampling interval (ps). */
  readonly intervalPs: number;
  /** Most samples kept (see Sampler). */
  readonly maxSamples?: number;
  /** The name results give a fabric link (default: the fabric's, the downstream function's BDF). */
  readonly linkName?: (fabricName: string) => string;
}

/** Per-interval latency percentiles of a flow, computed once per sample. */
interface Percentiles {
  p50: number | null;
  p99: number | null;
}

/** Flow totals read once per sample: withTph, stale, unsteered TLPs, misdirected/unsteered/lost bytes. */
const TOTALS = 6;

export class FabricSampler {
  private readonly sampler: Sampler;
  private readonly pct: Percentiles[] = [];
  /** Per sample: the cache lookups of every partition (write hits/misses, read hits/misses). */
  private readonly lookups: number[] = [];
  private readonly readers: (() => void)[] = [];
  private readonly totals = new Float64Array(TOTALS);

  constructor(
    private readonly fab: Fabric,
    private readonly o: FabricSamplerOptions,
  ) {
    this.sampler = new Sampler({
      intervalPs: o.intervalPs,
      ...(o.maxSamples === undefined ? {} : { maxSamples: o.maxSamples }),
      startPs: fab.sim.now,
    });
    this.addFlows();
    this.addLinks();
    this.addPartitions();
    this.addTotals();
    this.addConsumers();
    fab.setNextRead(this.sampler.nextPs);
    this.sampler.attach(fab.sim, Math.round(o.untilNs * 1000), {
      before: () => this.prepare(),
      after: (next) => fab.setNextRead(next),
    });
  }

  /** Take the last sample (at the end of the run) and return the series. */
  finish(): Series {
    if (this.fab.sim.now > this.sampler.lastPs) this.prepare();
    this.sampler.close(this.fab.sim.now);
    const s = this.sampler.series();
    // A consumer track that never saw its flow's messages says nothing.
    const tracks = Object.fromEntries(
      Object.entries(s.tracks).filter(([, t]) => t.group !== "consumer" || t.values.some((v) => v !== null)),
    );
    return { ...s, tracks };
  }

  /** Count the deliveries due by now and close each flow's latency interval. */
  private prepare(): void {
    const now = this.fab.sim.now;
    for (const r of this.readers) r();
    const tot = this.totals;
    tot.fill(0);
    for (const f of this.fab.flows) {
      f.catchUp(now, true);
      tot[0] = tot[0]! + f.withTph;
      tot[1] = tot[1]! + f.stale;
      tot[2] = tot[2]! + f.unsteeredTlps;
      tot[3] = tot[3]! + f.misdirected;
      tot[4] = tot[4]! + f.unsteered;
      tot[5] = tot[5]! + f.lost;
      const h = f.intervalLatency!;
      const ns = (q: number) => (h.count === 0 ? null : Math.round(h.quantile(q)) / 1000);
      this.pct[f.index] = { p50: ns(0.5), p99: ns(0.99) };
      h.reset();
    }
  }

  private add(group: TrackMeta["group"], subject: string, metric: string, unit: TrackUnit, p: Probe): void {
    this.sampler.add({ group, subject, metric, unit }, p);
  }

  private addFlows(): void {
    const warm = this.fab.warmupPs;
    for (const f of this.fab.flows) {
      f.intervalLatency = new Histogram();
      this.pct[f.index] = { p50: null, p99: null };
      const n = f.name;
      // Bytes x 8 / ps = Tb/s: x 1000 for Gb/s (as FlowState.goodputGbps).
      this.add("flow", n, "goodputGbps", "Gb/s", {
        kind: "rate",
        read: () => f.goodBytes,
        scale: 8000,
        from: warm,
      });
      const pct = this.pct;
      this.add("flow", n, "latencyP50Ns", "ns", {
        kind: "stat",
        take: () => pct[f.index]!.p50,
        agg: "mean",
        from: warm,
      });
      this.add("flow", n, "latencyP99Ns", "ns", {
        kind: "stat",
        take: () => pct[f.index]!.p99,
        agg: "max",
        from: warm,
      });
      this.add("flow", n, "messages", "count", { kind: "sum", read: () => f.messagesDone });
      this.add("flow", n, "bytesDelivered", "bytes", { kind: "sum", read: () => f.delivered });
      this.add("flow", n, "bytesLost", "bytes", { kind: "sum", read: () => f.lost });
    }
  }

  private addLinks(): void {
    const name = this.o.linkName ?? ((x: string) => x);
    const sim = this.fab.sim;
    for (const l of this.fab.graph.links) {
      for (const [dir, port] of [
        ["up", l.up],
        ["down", l.down],
      ] as const) {
        this.add("link", `${name(l.name)}.${dir}`, "utilization", "ratio", {
          kind: "rate",
          read: () => port.busyTime(sim.now),
          scale: 1,
          // A completion computed just after a boundary for a request that came before it.
          ceiling: 1,
        });
      }
    }
  }

  /** Lookups as the results count them: found in the partition (or, host: in the level), or not. */
  private addPartitions(): void {
    const from = this.fab.warmupPs;
    const v = this.lookups;
    const lookups = (
      subject: string,
      stats: () => { write: LookupStats; read: LookupStats },
      local: boolean,
    ) => {
      const hit = (x: LookupStats) => (local ? x.hits : x.hits + x.remoteHits);
      const miss = (x: LookupStats) => (local ? x.misses + x.remoteHits : x.misses);
      const at = v.length;
      v.push(0, 0, 0, 0);
      this.readers.push(() => {
        const st = stats();
        v[at] = hit(st.write);
        v[at + 1] = miss(st.write);
        v[at + 2] = hit(st.read);
        v[at + 3] = miss(st.read);
      });
      const metrics = ["writeHits", "writeMisses", "readHits", "readMisses"];
      for (const [k, m] of metrics.entries())
        this.add("partition", subject, m, "count", { kind: "sum", read: () => v[at + k]!, from });
    };
    // Each accelerator by its name in the results (its platform name, e.g. acc0).
    this.fab.accelerators.forEach((acc, i) => {
      const name = this.fab.graph.nodes[this.fab.graph.accels[i]!]!.name;
      for (const [p] of acc.cache.partitionWays.entries())
        lookups(`${name}/p${p}`, () => acc.cache.stats(p), true);
    });
    const host = this.fab.host;
    lookups("host/l2", () => host.stats().l2, false);
    lookups(
      "host/llc",
      () => {
        const parts = host.llc.partitionWays.map((_, p) => host.llc.stats(p));
        return { write: addLookups(parts.map((x) => x.write)), read: addLookups(parts.map((x) => x.read)) };
      },
      false,
    );
  }

  private addTotals(): void {
    const tot = this.totals;
    const total = (i: number): Probe => ({ kind: "sum", read: () => tot[i]! });
    const k = this.fab.dp.tlps;
    this.add("tlps", "all", "total", "count", { kind: "sum", read: () => k[0]! + k[1]! + k[2]! });
    this.add("tlps", "all", "withTph", "count", total(0));
    this.add("tlps", "all", "stale", "count", total(1));
    this.add("tlps", "all", "unsteered", "count", total(2));
    this.add("bytes", "all", "misdirected", "bytes", total(3));
    this.add("bytes", "all", "unsteered", "bytes", total(4));
    this.add("bytes", "all", "lost", "bytes", total(5));
  }

  private addConsumers(): void {
    const fab = this.fab;
    for (const f of fab.flows) {
      if (f.spec.consumer === false) continue;
      this.add("consumer", f.name, "backlog", "count", {
        kind: "level",
        read: () => {
          const now = fab.sim.now;
          const parts = [fab.accelerator?.consumerStats(f.index, now), fab.host.consumerStats(f.index, now)];
          const seen = parts.filter((s) => s !== undefined);
          return seen.length === 0 ? null : seen.reduce((a, s) => a + s.backlog, 0);
        },
      });
    }
  }
}

function addLookups(xs: readonly LookupStats[]): LookupStats {
  return {
    hits: xs.reduce((a, x) => a + x.hits, 0),
    remoteHits: xs.reduce((a, x) => a + x.remoteHits, 0),
    misses: xs.reduce((a, x) => a + x.misses, 0),
  };
}

/** Sample `fab` until `o.untilNs` (call before fab.run(); finish() after it). */
export function sampleFabric(fab: Fabric, o: FabricSamplerOptions): FabricSampler {
  return new FabricSampler(fab, o);
}
