/**
 * The TLP-level fabric: buildFabric(description) creates the links, switches, root complex, NICs,
 * accelerators and host from a hw Topology (one NIC and one accelerator, or a platform's many,
 * ../platform.ts); the scenario layer adds flows, schedules timeline callbacks (kernel actions:
 * revoke, re-point, new tags), runs, and collects results. Each flow goes through one NIC
 * (FlowSpec.nic) to the completer its MR's addresses decode at; several NICs writing into one
 * accelerator share its link, ingress, cache and partitions.
 *
 * Hardware state the kernel model programs (mkeys, TPH registers, Memory Space Enable, the
 * accelerator owner's ST table) is read by the devices: the NIC's view of each flow is re-read at
 * the start and after every timeline callback (see ./snapshot.ts), the accelerator's table and
 * decode state at every batch.
 *
 * Usage (times in ns; see test/hw/fabric for complete set-ups):
 *   const fab = buildFabric({ topology, nic: mlx5Device, accelerator: { fn: accelFn },
 *     publishedTag: (ns, flow) => currentDmaBufTph(ns, flow), seed: 1 });
 *   fab.addFlow({ name: "w", op: "write", mkey: rkey, size: 65536, rateGbps: 200 });
 *   fab.at(50_000, () => kernelRevoke());           // the NIC's view is re-read afterwards
 *   const results = fab.run(100_000);                // plain JSON-able FabricResults
 */
import { inputError } from "../../base/errors.js";
import { Simulator } from "../../sim/engine.js";
import { Rng } from "../../sim/random.js";
import type { Mlx5Device } from "../mlx5/device.js";
import type { PciFunction } from "../pci-function.js";
import type { PlatformLayout } from "../platform.js";
import type { PlatformFirmwareDesc } from "../platform-firmware.js";
import type { Topology } from "../topology.js";
import { AcceleratorModel, type StTableEntry } from "./accelerator.js";
import { Datapath } from "./datapath.js";
import { checkFlowSpecs, type FlowExpect, type FlowSpec } from "./flow-spec.js";
import { FlowState } from "./flow-state.js";
import { buildGraph, type FabricGraph, type GraphEndpoint } from "./graph.js";
import { type CpuTag, cpuTagsFromFirmware, HostModel } from "./host.js";
import { NicModel } from "./nic.js";
import { type FabricParams, type FabricParamsInput, resolveFabricParams } from "./params.js";
import { deviceParams } from "./platform/device-params.js";
import { Port, psPerByteGBps } from "./port.js";
import type { FabricResults, InvariantResult } from "./results.js";
import { collectResults } from "./results-collect.js";
import { CLS_COMPLETION, CLS_NONPOSTED, CLS_POSTED, RouteTable, type Sink } from "./route.js";
import { type PublishedTagFn, snapshotFlow } from "./snapshot.js";
import { type TlpTraceRecord, Tracer } from "./trace.js";

/** An accelerator: its function, the BAR its memory is in (default 0), an initial ST table. */
export interface FabricAcceleratorDesc {
  readonly fn: PciFunction;
  readonly bar?: number;
  readonly stTable?: readonly StTableEntry[];
  /** This device's parameters over the fabric's `accelerator` section (cache, consumers, ...). */
  readonly params?: FabricParamsInput["accelerator"];
}
/** A NIC and its parameters over the fabric's `nic` section (line rate, limits, engine). */
export interface FabricNicDesc {
  readonly device: Mlx5Device;
  readonly params?: FabricParamsInput["nic"];
}

export interface FabricDesc {
  readonly topology: Topology;
  /** The NIC (its PCI function must be in the topology); or give `nics`. */
  readonly nic?: Mlx5Device;
  /** Every NIC, in the order FlowSpec.nic counts them (instead of `nic`). */
  readonly nics?: readonly FabricNicDesc[];
  /** The accelerator; or give `accelerators`. */
  readonly accelerator?: FabricAcceleratorDesc;
  readonly accelerators?: readonly FabricAcceleratorDesc[];
  /** Where the caches' big arrays come from; Fabric.release() gives them back (sweep workers). */
  readonly arena?: { take(n: number): Int32Array; give(a: Int32Array): void };
  /** The platform the topology was laid out from: names nodes and links, per-switch latency. */
  readonly layout?: PlatformLayout;
  /** CPU steering tags: explicit, or from the platform firmware's _DSM description. */
  readonly host?: { readonly firmware?: PlatformFirmwareDesc; readonly cpuTags?: readonly CpuTag[] };
  readonly params?: FabricParamsInput;
  readonly flows?: readonly FlowSpec[];
  /** Seed of every random draw (message sizes, Poisson gaps). Default 1. */
  readonly seed?: number;
  /** What the accelerator's owner publishes now (see ./snapshot.ts). */
  readonly publishedTag?: PublishedTagFn;
  /** Collect the TLP trace (small scenarios only). */
  readonly trace?: boolean;
}

/** One NIC of the fabric: its device, parameters, PCIe receive port and (once running) model. */
export interface FabricNic {
  readonly device: Mlx5Device;
  readonly node: number;
  readonly name: string;
  readonly params: FabricParams;
  readonly rx: Port;
  model: NicModel | undefined;
}

/** A check run after every timeline callback and at results(): violations found (0 = ok). */
export type InvariantCheck = (fabric: Fabric) => number | boolean;

export class Fabric {
  readonly params: FabricParams;
  readonly sim = new Simulator();
  readonly graph: FabricGraph;
  /** Every accelerator, in the order given, and the first (undefined when there is none). */
  readonly accelerators: AcceleratorModel[] = [];
  readonly accelerator: AcceleratorModel | undefined;
  readonly nics: FabricNic[];
  readonly host: HostModel;
  readonly seed: number;
  readonly flows: FlowState[] = [];
  readonly dp: Datapath;
  private started = false;
  private readonly tracer: Tracer;
  private readonly rng: Rng;
  private readonly checks = new Map<string, { check: InvariantCheck; violations: number }>();
  private readonly desc: FabricDesc;
  /** End of the current run (ps). */
  private until = 0;
  /** The next time a sampler reads busy time (ps), besides the end of warm-up and of the run. */
  private readAt = Number.POSITIVE_INFINITY;

  constructor(desc: FabricDesc) {
    this.desc = desc;
    this.params = resolveFabricParams(desc.params);
    this.seed = desc.seed ?? 1;
    this.rng = new Rng(this.seed);
    this.tracer = new Tracer(desc.trace ?? false);
    const p = this.params;
    const nics = desc.nics ?? (desc.nic ? [{ device: desc.nic }] : []);
    if (nics.length === 0) throw inputError("fabric.nic", "a fabric needs at least one NIC", "missing");
    const accels = desc.accelerators ?? (desc.accelerator ? [desc.accelerator] : []);
    const endpoints: GraphEndpoint[] = [
      ...nics.map((n) => ({ fn: n.device.fn, kind: "nic" as const })),
      ...accels.map((a) => ({ fn: a.fn, kind: "accel" as const })),
    ];
    this.graph = buildGraph(desc.topology, endpoints, p, "fabric", desc.layout);
    const sinks = new Map<number, Sink>();
    const routes = new RouteTable(this.graph, p, sinks);
    this.dp = new Datapath(
      this.sim,
      routes,
      this.tracer,
      p.link.ecrc,
      (i) => this.flows[i]?.name ?? `flow${i}`,
    );
    this.nics = nics.map((n, i) => {
      const node = this.graph.nics[i]!;
      const np = deviceParams(desc.params, "nic", n.params, `fabric.nics[${i}].params`);
      const rx = new Port(`${n.device.fn.bdf} pcie rx`, psPerByteGBps(np.nic.pcieRxGBps));
      sinks.set(node, { port: rx, latPs: 0 });
      return { device: n.device, node, name: this.graph.nodes[node]!.name, params: np, rx, model: undefined };
    });
    accels.forEach((a, i) => {
      const ap = deviceParams(desc.params, "accelerator", a.params, `fabric.accelerators[${i}].params`);
      const model = new AcceleratorModel(a.fn, a.bar ?? 0, ap, this.dp, this.flows, desc.arena);
      if (a.stTable) model.setStTable(a.stTable, `fabric.accelerators[${i}].stTable`);
      const node = this.graph.accels[i]!;
      sinks.set(node, { port: model.ingress, latPs: 0 });
      this.dp.setReceiver(node, model);
      this.accelerators.push(model);
    });
    this.accelerator = this.accelerators[0];
    const first = nics[0]!.device.fn;
    const rp = desc.topology.rootPortOf(first);
    const tags =
      desc.host?.cpuTags ?? (rp ? cpuTagsFromFirmware(desc.host?.firmware, rp.bdf, p.host.cpus) : []);
    const completer = () => rp?.spec.tphCompleter ?? 0;
    this.host = new HostModel(p, this.dp, this.flows, completer, tags, desc.arena);
    sinks.set(this.graph.rc, {
      port: this.host.memory,
      latPs: Math.round(p.rootComplex.portLatencyNs * 1000),
    });
    this.dp.setReceiver(this.graph.rc, this.host);
    this.buildRoutes(routes);
    for (const f of desc.flows ?? []) this.addFlow(f);
  }

  /** The first NIC's model (exists once the first run started). */
  get nic(): NicModel | undefined {
    return this.nics[0]!.model;
  }

  /** Add a flow; only before the first run. InputError on a bad description. */
  addFlow(spec: FlowSpec): void {
    if (this.started)
      throw inputError(`flows.${spec.name}`, "flows must be added before the first run", "late");
    checkFlowSpecs([...this.flows.map((f) => f.spec), spec], "flows");
    const nic = spec.nic ?? 0;
    if (!(Number.isInteger(nic) && nic >= 0 && nic < this.nics.length))
      throw inputError(
        `flows.${spec.name}.nic`,
        `NIC ${nic}: the fabric has ${this.nics.length} (0 to ${this.nics.length - 1})`,
        "unknown-nic",
      );
    this.flows.push(new FlowState(this.flows.length, spec, this.rng.fork(), this.warmupPs, this.sim));
  }

  /**
   * The MR of flow `name` was registered again under a new key (the application hands it to its
   * peers): the flow uses `mkey` from the next refresh (automatic after a timeline callback).
   */
  setFlowKey(name: string, mkey: number): void {
    const f = this.flows.find((x) => x.name === name);
    if (!f) throw inputError(`flows.${name}`, "no such flow", "unknown-flow");
    if (!(Number.isInteger(mkey) && mkey >= 0 && mkey <= 0xffffffff))
      throw inputError(`flows.${name}.mkey`, "must be a 32-bit key");
    f.rekey(mkey);
  }
  /**
   * The intended steering of flow `name` changed (e.g. the owner moved its buffer to another
   * partition): misdirected bytes are judged against `expect` from the next refresh on.
   */
  setFlowExpect(name: string, expect: FlowExpect | undefined): void {
    const f = this.flows.find((x) => x.name === name);
    if (!f) throw inputError(`flows.${name}`, "no such flow", "unknown-flow");
    f.reexpect(expect);
  }

  /** Run `fn` at `timeNs` (a kernel action); device state is re-read right after it. */
  at(timeNs: number, fn: (fabric: Fabric) => void): void {
    this.sim.scheduleAt(toPs(timeNs, "at"), () => {
      fn(this);
      this.refresh();
      this.runChecks();
    });
  }

  /** Re-read the hardware state the kernel programs (called automatically after callbacks). */
  refresh(): void {
    const ctxs = this.nics.map((n) => ({
      nic: n.device,
      nicNode: n.node,
      topology: this.desc.topology,
      graph: this.graph,
      routes: this.dp.routes,
      accels: this.accelerators,
      publishedTag: this.desc.publishedTag,
    }));
    for (const f of this.flows) f.snap = snapshotFlow(ctxs[f.spec.nic ?? 0]!, f);
    if (this.dp.stale) this.dp.finalize();
    for (const a of this.accelerators) a.refresh();
  }

  /** Register a simulator-side invariant, checked after each timeline callback and at results(). */
  addInvariant(name: string, check: InvariantCheck): void {
    this.checks.set(name, { check, violations: 0 });
  }

  /** Simulate until `untilNs` (cumulative across calls) and return the results. */
  run(untilNs: number): FabricResults {
    const until = toPs(untilNs, "run until");
    if (until < this.sim.now)
      throw inputError("run", `until ${untilNs} ns is before now (${this.sim.now / 1000} ns)`);
    this.until = until;
    if (!this.started) this.start();
    // Utilization is asked for at the end of warm-up, then at the end of the run.
    this.setCuts(this.sim.now < this.warmupPs ? this.warmupPs : until);
    this.sim.run({ until });
    return this.results();
  }

  /**
   * A sampler reads busy time next at `t` (ps, not before the last read): ports keep busy periods
   * apart at the earliest time busy time is read, so each read is exact (./port.ts setCut()).
   */
  setNextRead(t: number): void {
    this.readAt = t;
    if (!this.started) return; // run() sets the first cuts
    this.setCuts(this.sim.now < this.warmupPs ? this.warmupPs : Math.max(this.sim.now, this.until));
  }

  private setCuts(end: number): void {
    const t = Math.min(end, this.readAt);
    for (const port of [...this.dp.routes.ports, ...this.internalPorts()]) port.setCut(t);
  }

  results(): FabricResults {
    const inv: Record<string, InvariantResult> = {};
    this.runChecks();
    for (const [name, c] of this.checks) inv[name] = { ok: c.violations === 0, violations: c.violations };
    return collectResults(this, inv);
  }

  /** The run is over: the caches give their arrays back to the description's arena (if any). */
  release(): void {
    for (const a of this.accelerators) a.cache.release();
    this.host.release();
  }

  /** The ordered TLP trace (empty unless the description asked for it). */
  trace(): TlpTraceRecord[] {
    return this.tracer.records();
  }

  get warmupPs(): number {
    return Math.round(this.params.metrics.warmupNs * 1000);
  }

  private start(): void {
    this.started = true;
    for (const [i, n] of this.nics.entries()) {
      const uplink = this.graph.links[this.graph.nodes[n.node]!.link]!.up;
      const prefix = this.nics.length > 1 ? `${n.name} ` : "";
      const mine = (f: FlowState): boolean => (f.spec.nic ?? 0) === i;
      n.model = new NicModel(this.sim, this.dp, n.params, this.flows, uplink, mine, prefix);
      this.dp.setReceiver(n.node, n.model);
    }
    for (const a of this.accelerators) a.attach(this.sim);
    this.host.attach(this.sim);
    this.addBuiltinChecks();
    this.refresh();
    if (this.warmupPs > 0) this.sim.scheduleAt(this.warmupPs, () => this.markWarm());
    else this.markWarm();
    for (const n of this.nics) n.model!.start();
  }

  private markWarm(): void {
    const now = this.sim.now;
    for (const l of this.graph.links) {
      l.up.markWarm(now);
      l.down.markWarm(now);
    }
    for (const port of this.dp.routes.ports) port.markWarm(now);
    for (const port of this.internalPorts()) port.markWarm(now);
    for (const a of this.accelerators) a.cache.resetStats();
    this.host.llc.resetStats();
    this.host.resetStats();
    this.setCuts(Math.max(now, this.until)); // after the ports took their busy time at `now`
  }

  /** Ports outside the routes (network, HBM). */
  internalPorts(): Port[] {
    const out: Port[] = [];
    for (const n of this.nics) if (n.model) out.push(n.model.netRx, n.model.netTx);
    for (const a of this.accelerators) out.push(a.hbm);
    return out;
  }

  /**
   * Merge points must be known before the first TLP crosses them. With one NIC every route it may
   * take is built up front (a handful). On a platform, NICs x completers routes would make every
   * shared port a merge point and every batch stop there; only the routes the flows use are built
   * (at each refresh: a re-pointed flow adds its own, and merge points are marked again).
   */
  private buildRoutes(routes: RouteTable): void {
    const g = this.graph;
    if (g.nics.length > 1) return;
    for (const dst of [...g.accels, g.rc]) {
      routes.get(g.nic, dst, CLS_POSTED);
      routes.get(g.nic, dst, CLS_NONPOSTED);
      routes.get(dst, g.nic, CLS_COMPLETION);
    }
    this.dp.finalize();
  }

  private addBuiltinChecks(): void {
    const add = (name: string, check: InvariantCheck) => {
      if (!this.checks.has(name)) this.addInvariant(name, check);
    };
    add(
      "conservation",
      (fab) => Object.values(collectResults(fab, {}).flows).filter((f) => !f.conserved).length,
    );
    add(
      "outstanding-reads",
      (fab) =>
        fab.nics.filter((x) => {
          const n = x.model!;
          return n.outstanding < 0 || n.peakOutstanding > x.params.nic.maxOutstandingReads;
        }).length,
    );
    add("cache-capacity", (fab) =>
      fab.accelerators.reduce((sum, a) => {
        const c = a.cache;
        return sum + c.partitionWays.filter((w, p) => c.occupancy(p) > w * c.sets).length;
      }, 0),
    );
  }

  private runChecks(): void {
    for (const c of this.checks.values()) {
      const r = c.check(this);
      c.violations += typeof r === "boolean" ? (r ? 0 : 1) : r;
    }
  }
}

/** Build a fabric from its description (InputError naming the path on bad input). */
export function buildFabric(desc: FabricDesc): Fabric {
  return new Fabric(desc);
}

function toPs(ns: number, what: string): number {
  if (!(typeof ns === "number" && Number.isFinite(ns) && ns >= 0 && ns * 1000 <= Number.MAX_SAFE_INTEGER)) {
    throw inputError(what, `must be a time in ns >= 0, got ${ns}`);
  }
  return Math.round(ns * 1000);
}
