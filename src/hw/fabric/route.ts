/**
 * Routes: the stages a TLP of one class crosses from its origin to its destination, as flat typed
 * arrays the walker (./datapath.ts) reads without allocating.
 *
 * - LINK: serialization on one link direction (a Port), after `lat` (switch cut-through, root port,
 *   P2P penalty), with the receiver's credit tracker for the class, then `prop` propagation.
 * - PIPE: an internal rate limit (the root complex's P2P forwarding rate for a class).
 * - SINK: the destination's ingress Port, after `lat`.
 *
 * Merge points: a LINK port fed by more than one origin (completions from host memory and from the
 * peer converging on the NIC's link, or P2P requests sharing the root complex's downlink with host
 * completions). Work from different origins must reach a merge port in time order, so the walk
 * stops there and resumes in an event at the batch's arrival (see ./datapath.ts).
 */
import { ModelError } from "../../base/errors.js";
import { CreditTracker } from "./credits.js";
import { type FabricGraph, hopPort, nodePath } from "./graph.js";
import type { FabricParams } from "./params.js";
import { Port, psPerByteGBps } from "./port.js";

export const ST_LINK = 0;
export const ST_PIPE = 1;
export const ST_SINK = 2;

/** Flow-control classes (completions carry no tracker). */
export const CLS_POSTED = 0;
export const CLS_NONPOSTED = 1;
export const CLS_COMPLETION = 2;

/** The ingress a route ends at, per destination node. */
export interface Sink {
  readonly port: Port;
  readonly latPs: number;
}

export interface RouteInfo {
  readonly src: number;
  readonly dst: number;
  readonly cls: number;
  readonly first: number;
  readonly len: number;
  /** The fewest header and data credits any receiver on the route advertises (walk chunk limits). */
  readonly minHeaders: number;
  readonly minData: number;
}

const DLLP_BYTES = 8;

export class RouteTable {
  readonly routes: RouteInfo[] = [];
  readonly ports: Port[] = [];
  readonly trackers: (CreditTracker | undefined)[] = [];
  type = new Uint8Array(256);
  port = new Int32Array(256);
  lat = new Float64Array(256);
  prop = new Float64Array(256);
  credit = new Int32Array(256);
  ret = new Float64Array(256);
  merge = new Uint8Array(256);
  private n = 0;
  private readonly byKey = new Map<string, number>();
  private readonly cpl: number[] = [];
  private readonly p2p: (Port | undefined)[];

  constructor(
    private readonly g: FabricGraph,
    private readonly p: FabricParams,
    private readonly sinks: ReadonlyMap<number, Sink>,
  ) {
    const rc = p.rootComplex;
    const mk = (name: string, gBps: number) => (gBps > 0 ? new Port(name, psPerByteGBps(gBps)) : undefined);
    this.p2p = [
      mk("rc p2p posted", rc.p2pPostedGBps),
      undefined,
      mk("rc p2p completion", rc.p2pCompletionGBps),
    ];
  }

  /** The route id from `src` to `dst` for class `cls`, built on first use. */
  get(src: number, dst: number, cls: number): number {
    const key = `${src}>${dst}:${cls}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const id = this.build(src, dst, cls);
    this.byKey.set(key, id);
    return id;
  }

  /** The completion route answering requests that took route `r` (reverse path, same completer). */
  completionOf(r: number): number {
    let c = this.cpl[r];
    if (c === undefined) {
      const info = this.routes[r]!;
      c = this.get(info.dst, info.src, CLS_COMPLETION);
      this.cpl[r] = c;
    }
    return c;
  }

  /**
   * Mark the first stage of each route whose port more than one origin feeds (a link, the root
   * complex's P2P path, or a device's ingress when several NICs converge on it). Call after every
   * route is built.
   */
  markMerges(): void {
    const origins = new Map<number, Set<number>>();
    for (const r of this.routes) {
      for (let s = r.first; s < r.first + r.len; s++) {
        const set = origins.get(this.port[s]!) ?? new Set<number>();
        set.add(r.src);
        origins.set(this.port[s]!, set);
      }
    }
    for (const r of this.routes) {
      let merged = false;
      for (let s = r.first; s < r.first + r.len; s++) {
        // The first stage is where the origin's own work starts: nothing else can be there first.
        const many = s > r.first && origins.get(this.port[s]!)!.size > 1;
        this.merge[s] = many && !merged ? 1 : 0;
        if (this.merge[s]) merged = true;
      }
    }
  }

  /** Index of `port` in `ports`. */
  portId(port: Port): number {
    const i = this.ports.indexOf(port);
    if (i >= 0) return i;
    this.ports.push(port);
    return this.ports.length - 1;
  }

  private build(src: number, dst: number, cls: number): number {
    const g = this.g;
    const p = this.p;
    const path = nodePath(g, src, dst, p.switch.acsRedirect);
    const first = this.n;
    const rcLat = Math.round(p.rootComplex.portLatencyNs * 1000);
    for (let i = 0; i + 1 < path.length; i++) {
      const from = path[i]!;
      const node = g.nodes[from]!;
      const kind = node.kind;
      let lat = 0;
      if (kind === "switch") lat = node.latPs >= 0 ? node.latPs : Math.round(p.switch.latencyNs * 1000);
      else if (kind === "rc")
        lat = i === 0 ? rcLat : 2 * rcLat + Math.round(p.rootComplex.p2pPenaltyNs * 1000);
      const pipe = kind === "rc" && i > 0 ? this.p2p[cls] : undefined;
      if (pipe) {
        this.push(ST_PIPE, this.portId(pipe), lat, 0, -1, 0);
        lat = 0;
      }
      const { port, link } = hopPort(g, from, path[i + 1]!);
      const id = this.portId(port);
      const ret = link.propagationPs + port.svc(DLLP_BYTES) + Math.round(p.link.fcUpdateNs * 1000);
      this.push(
        ST_LINK,
        id,
        lat,
        link.propagationPs,
        cls === CLS_COMPLETION ? -1 : this.tracker(id, cls),
        ret,
      );
    }
    const sink = this.sinks.get(dst);
    if (!sink) throw new ModelError(`no ingress modelled at fabric node ${dst}`);
    this.push(ST_SINK, this.portId(sink.port), sink.latPs, 0, -1, 0);
    let minHeaders = Number.POSITIVE_INFINITY;
    let minData = Number.POSITIVE_INFINITY;
    for (let st = first; st < this.n; st++) {
      const t = this.credit[st]! >= 0 ? this.trackers[this.credit[st]!] : undefined;
      if (t) {
        minHeaders = Math.min(minHeaders, t.headers);
        minData = Math.min(minData, t.data);
      }
    }
    this.routes.push({ src, dst, cls, first, len: this.n - first, minHeaders, minData });
    return this.routes.length - 1;
  }

  private tracker(portId: number, cls: number): number {
    const id = portId * 2 + cls;
    if (!this.trackers[id]) {
      const l = this.p.link;
      this.trackers[id] =
        cls === CLS_POSTED
          ? new CreditTracker(l.postedHeaderCredits, l.postedDataCredits)
          : new CreditTracker(l.nonPostedHeaderCredits, l.nonPostedDataCredits);
    }
    return id;
  }

  private push(type: number, port: number, lat: number, prop: number, credit: number, ret: number): void {
    if (this.n === this.type.length) this.grow();
    const s = this.n++;
    this.type[s] = type;
    this.port[s] = port;
    this.lat[s] = lat;
    this.prop[s] = prop;
    this.credit[s] = credit;
    this.ret[s] = ret;
    this.merge[s] = 0;
  }

  private grow(): void {
    const cap = this.type.length * 2;
    const g = <T extends Uint8Array | Int32Array | Float64Array>(a: T, next: T): T => {
      next.set(a as never);
      return next;
    };
    this.type = g(this.type, new Uint8Array(cap));
    this.port = g(this.port, new Int32Array(cap));
    this.lat = g(this.lat, new Float64Array(cap));
    this.prop = g(this.prop, new Float64Array(cap));
    this.credit = g(this.credit, new Int32Array(cap));
    this.ret = g(this.ret, new Float64Array(cap));
    this.merge = g(this.merge, new Uint8Array(cap));
  }
}
