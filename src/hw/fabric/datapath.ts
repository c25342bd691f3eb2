/**
 * The walker: moves a batch of TLPs along its route with the Pipe arithmetic of each stage, no
 * event per TLP or per hop. One event per batch is scheduled where a decision needs the state of
 * the moment: at the destination's ingress (cache, HBM, completions), and at a merge point (two
 * origins converge on one port; their work must reach it in time order).
 *
 * Per TLP and LINK stage (cut-through): the TLP can start on the egress `lat` after its first byte
 * arrived, but cannot finish before its last byte arrived:
 *   arrival = max(firstByte, lastByte - service) + lat;  start = max(arrival, port free, credits)
 * then firstByte' = departure - service + prop and lastByte' = departure + prop. The receiver of
 * the previous link frees the TLP (and returns its credits after the UpdateFC delay) when it has
 * left on the next port; at a merge point it frees it on arrival (the merge port is output-queued).
 * PIPE and SINK stages are store-and-forward: they start after the last byte.
 */
import { ModelError } from "../../base/errors.js";
import { tlpOverheadBytes } from "../../pcie/link.js";
import type { Simulator } from "../../sim/engine.js";
import { BatchPool, KIND_CPLD, KIND_MRD, KIND_MWR, MAX_TLPS } from "./batches.js";
import { CREDIT_BYTES, type CreditTracker } from "./credits.js";
import type { Port } from "./port.js";
import { type RouteTable, ST_LINK, ST_PIPE } from "./route.js";
import { TLP_KIND_NAMES, type Tracer } from "./trace.js";

/** A device that receives batches at its ingress. */
export interface BatchReceiver {
  onBatch(slot: number): void;
}

const FOUR_GIB = 2 ** 32;

export class Datapath {
  readonly batches = new BatchPool();
  /** TLPs put on the fabric, by kind. */
  readonly tlps = new Float64Array(3);
  private readonly receivers: (BatchReceiver | undefined)[] = [];
  private mergeLanes: number[] = [];
  private sinkLanes: number[] = [];
  private readonly hMerge: number;
  /** Per-TLP wire overhead: MWr 3 DW / 4 DW header, MRd 3 DW / 4 DW, CplD (src/pcie/link.ts). */
  private readonly ovh: readonly number[];
  /** Per-TLP scratch of the batch being walked. */
  private readonly wire = new Int32Array(MAX_TLPS);
  private readonly dc = new Int32Array(MAX_TLPS);
  private readonly tF = new Float64Array(MAX_TLPS);
  private readonly tL = new Float64Array(MAX_TLPS);
  private readonly resv = new Float64Array(MAX_TLPS);
  private readonly hSink: number;

  constructor(
    private readonly sim: Simulator,
    readonly routes: RouteTable,
    readonly tracer: Tracer,
    ecrc: boolean,
    private readonly flowName: (flow: number) => string,
  ) {
    const o = (kind: "MWr" | "MRd" | "CplD", addr: 32 | 64) => tlpOverheadBytes(kind, { addr, ecrc });
    this.ovh = [o("MWr", 32), o("MWr", 64), o("MRd", 32), o("MRd", 64), o("CplD", 64)];
    this.hMerge = sim.register((slot) => this.walk(slot, true), "fabric.merge");
    this.hSink = sim.register((slot) => this.deliver(slot), "fabric.ingress");
  }

  /** True while TLP records are collected. */
  get tracing(): boolean {
    return this.tracer.enabled;
  }

  /** Current simulated time (ps). */
  get now(): number {
    return this.sim.now;
  }

  /** The device receiving batches that end at fabric node `node`. */
  setReceiver(node: number, r: BatchReceiver): void {
    this.receivers[node] = r;
  }

  /**
   * Call once the routes in use exist, and again after new ones were added: marks merge points
   * (over every route built so far) and creates the new routes' event lanes.
   */
  finalize(): void {
    this.routes.markMerges();
    for (let r = this.mergeLanes.length; r < this.routes.routes.length; r++) {
      this.mergeLanes.push(this.sim.newLane());
      this.sinkLanes.push(this.sim.newLane());
    }
  }

  /** Routes were added since the last finalize() (a flow re-pointed to a new completer). */
  get stale(): boolean {
    return this.mergeLanes.length !== this.routes.routes.length;
  }

  /** Put a filled batch (route, kind, count, pay, time set) on the fabric. */
  send(slot: number): void {
    this.batches.stage[slot] = 0;
    const k = this.batches.kind[slot]!;
    this.tlps[k] = this.tlps[k]! + this.batches.count[slot]!;
    this.walk(slot, false);
  }

  /** Wire bytes of a TLP besides its DW-rounded payload, for a batch. */
  overhead(slot: number): number {
    const b = this.batches;
    const kind = b.kind[slot]!;
    if (kind === KIND_CPLD) return this.ovh[4]!;
    // PCIe Base 6.0 section 2.2.4.1: below 4 GiB a request uses the 3 DW header.
    const wide = b.addr[slot]! < FOUR_GIB ? 0 : 1;
    return this.ovh[(kind === KIND_MWR ? 0 : 2) + wide]! + (b.prefix[slot] ? 4 : 0);
  }

  private walk(slot: number, resume: boolean): void {
    const b = this.batches;
    const r = b.route[slot]!;
    const info = this.routes.routes[r];
    if (info === undefined) throw new ModelError(`batch ${slot} has no route`);
    const begin = info.first + b.stage[slot]!;
    const end = info.first + info.len;
    const n = b.count[slot]!;
    const base = slot * MAX_TLPS;
    const ovh = this.overhead(slot);
    const kind = b.kind[slot];
    const { wire: w, dc: d, tF, tL } = this;
    const mwr = kind === KIND_MWR;
    const mrd = kind === KIND_MRD;
    for (let i = 0; i < n; i++) {
      const pay = b.pay[base + i]!;
      w[i] = mrd ? ovh : ovh + ((pay + 3) & ~3); // an MRd's length is not payload
      d[i] = mwr ? ((pay + CREDIT_BYTES - 1) / CREDIT_BYTES) | 0 : 0; // ceil(pay / 16)
      const t = b.time[base + i]!;
      tF[i] = t;
      tL[i] = t;
    }
    let stop = -1;
    for (let c0 = 0; c0 < n; ) {
      // A chunk never needs credits freed by its own TLPs (see ./credits.ts).
      let c1 = c0 + 1;
      let credits = d[c0]!;
      while (c1 < n && c1 - c0 < info.minHeaders && credits + d[c1]! <= info.minData) credits += d[c1++]!;
      stop = this.stages(slot, c0, c1, begin, end, resume);
      c0 = c1;
    }
    // A batch can be computed after some of its TLPs' times (completions of requests that arrived
    // before the batch's event): its event is never earlier than now.
    const now = this.sim.now;
    if (stop >= 0) {
      b.stage[slot] = stop - info.first;
      const t = b.time[base]!;
      this.sim.atLane(this.mergeLanes[r]!, Math.max(t, now), this.hMerge, slot, 0);
    } else {
      const t = b.time[base + n - 1]!;
      this.sim.atLane(this.sinkLanes[r]!, Math.max(t, now), this.hSink, slot, 0);
    }
  }

  /**
   * TLPs c0..c1-1 of `slot` through stages [begin, end), stage by stage. Returns -1 when they
   * reached the ingress (departures stored in time[]), or the merge stage they stopped before
   * (their arrival there stored in time[]).
   */
  private stages(slot: number, c0: number, c1: number, begin: number, end: number, resume: boolean): number {
    const rt = this.routes;
    const b = this.batches;
    const base = slot * MAX_TLPS;
    const { tF, tL, wire, resv, dc } = this;
    const tracing = this.tracer.enabled;
    let prev: CreditTracker | undefined;
    let prevRet = 0;
    for (let s = begin; s < end; s++) {
      const port = rt.ports[rt.port[s]!]!;
      const lat = rt.lat[s]!;
      const again = resume && s === begin;
      if (rt.merge[s] && !again) return this.stopAt(s, slot, c0, c1, prev, prevRet, port, lat);
      if (rt.type[s] !== ST_LINK) {
        const pipe = rt.type[s] === ST_PIPE;
        // At the sink an MRd costs its header and the data it reads: the completer's memory path
        // (host memory, accelerator ingress) serves read data at its rate, as it accepts writes.
        const readData = !pipe && b.kind[slot] === KIND_MRD;
        for (let i = c0; i < c1; i++) {
          const bytes = pipe ? b.pay[base + i]! : readData ? wire[i]! + b.pay[base + i]! : wire[i]!;
          const dep = port.offer(tL[i]! + lat, bytes, port.svc(bytes));
          if (prev) prev.release(resv[i]!, dep + prevRet);
          tF[i] = dep;
          tL[i] = dep;
          if (!pipe) b.time[base + i] = dep;
          if (!pipe && tracing) this.trace("sink", dep, port.name, slot, i, b.pay[base + i]!);
        }
        prev = undefined;
        continue;
      }
      const tr = rt.credit[s]! >= 0 ? rt.trackers[rt.credit[s]!] : undefined;
      const prop = rt.prop[s]!;
      for (let i = c0; i < c1; i++) {
        const svc = port.svc(wire[i]!);
        let arr = again ? tF[i]! : Math.max(tF[i]!, tL[i]! - svc) + lat;
        if (tr) {
          const ct = tr.reserve(dc[i]!);
          if (ct > arr) {
            const free = port.nextFree;
            if (ct > free) tr.stalled(ct - Math.max(arr, free));
            arr = ct;
          }
        }
        const dep = port.offer(arr, wire[i]!, svc);
        if (prev) prev.release(resv[i]!, dep + prevRet);
        if (tr) resv[i] = tr.lastIndex;
        tF[i] = dep - svc + prop;
        tL[i] = dep + prop;
        if (tracing) this.trace("link", dep - svc, port.name, slot, i, b.pay[base + i]!);
      }
      prev = tr;
      prevRet = rt.ret[s]!;
    }
    return -1;
  }

  /** TLPs c0..c1-1 reach merge stage s: store their arrival there; the port before frees them now. */
  private stopAt(
    s: number,
    slot: number,
    c0: number,
    c1: number,
    prev: CreditTracker | undefined,
    prevRet: number,
    port: Port,
    lat: number,
  ): number {
    const b = this.batches;
    // A link is cut-through (resumes at this arrival); a PIPE or SINK is store-and-forward and
    // resumes from the last byte, adding its latency then.
    const link = this.routes.type[s] === ST_LINK;
    for (let i = c0; i < c1; i++) {
      const svc = port.svc(this.wire[i]!);
      const arr = link ? Math.max(this.tF[i]!, this.tL[i]! - svc) + lat : this.tL[i]!;
      if (prev) prev.release(this.resv[i]!, arr + prevRet);
      b.time[slot * MAX_TLPS + i] = arr;
    }
    return s;
  }

  private deliver(slot: number): void {
    const b = this.batches;
    const dst = this.routes.routes[b.route[slot]!]!.dst;
    const r = this.receivers[dst];
    if (!r) throw new ModelError(`no device receives batches at fabric node ${dst}`);
    r.onBatch(slot);
  }

  /** Add a trace record about TLP `i` of `slot` (only called when tracing). */
  trace(
    ev: "send" | "link" | "sink" | "land" | "read" | "rx" | "lost",
    t: number,
    where: string,
    slot: number,
    i: number,
    bytes: number,
    stale = false,
  ): void {
    const b = this.batches;
    const th = b.th[slot] === 1 && b.kind[slot] !== KIND_CPLD;
    this.tracer.add({
      t,
      ev,
      where,
      kind: TLP_KIND_NAMES[b.kind[slot]!]!,
      flow: this.flowName(b.flow[slot]!),
      msg: b.msg[slot]!,
      tlp: i,
      bytes,
      ...(th ? { st: b.st[slot]!, ph: b.ph[slot]! } : {}),
      ...(stale ? { stale: true as const } : {}),
    });
  }
}
