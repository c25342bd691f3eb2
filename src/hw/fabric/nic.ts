/**
 * The NIC's data path (mlx5-like): a network port at line rate and the DMA engine.
 * - WRITE / SEND: remote peers send packets of up to MTU payload back to back at line rate; each
 *   packet, once received (+ rxLatencyNs), becomes MWr TLPs into the MR (split at MPS boundaries)
 *   stamped with the mkey's TH/PH/ST. A packet is dropped (bytes lost) when more than bufferBytes
 *   wait for the PCIe link, and faults (bytes lost) when the mkey is missing, zapped or denies
 *   access. SEND places message k in receive buffer k (slotBytes each); a longer message is lost
 *   (local length error).
 * - READ (responder): each request becomes MRd TLPs of up to MRRS, one batch per MTU of response
 *   data or as much of it as the free tags (maxOutstandingReads) cover; a response packet (MTU
 *   payload, the message's last one shorter) leaves on the network port once its data is in.
 * - The DMA engine (./dma-engine.ts) works each packet before its MWr TLPs leave (host-bound half)
 *   and each MRd batch after its completions are in (device-bound half); a packet that would wait
 *   behind more than bufferBytes of engine work is dropped.
 * Open-loop flows get messages at rateGbps (constant or Poisson gaps) or from a trace; closed-loop
 * flows keep queueDepth messages outstanding, a new one arriving 2 x networkLatencyNs after one
 * finishes; bursts and stop times gate both (./arrivals.ts).
 */
import type { Simulator } from "../../sim/engine.js";
import { KIND_MRD, KIND_MWR, MAX_TLPS } from "./batches.js";
import type { BatchReceiver, Datapath } from "./datapath.js";
import { DmaEngine } from "./dma-engine.js";
import { busOf, type FlowState, segmentLeft } from "./flow-state.js";
import type { FabricParams } from "./params.js";
import { Port, psPerByteGbps } from "./port.js";
import { regrow } from "./ring.js";
import { splitAligned } from "./split.js";

const FAULT = 0;
const DROP = 1;

/** Per-flow state of the remote peer and of the NIC's read engine. */
class Sender {
  cur = -1;
  curOff = 0;
  curSize = 0;
  created = 0;
  idle = false;
  idleSince = 0;
  permits: Float64Array;
  pHead = 0;
  pTail = 0;
  issueSeq = 0;
  issueOff = 0;
  constructor(depth: number) {
    this.permits = new Float64Array(Math.max(1, depth));
  }
}

export class NicModel implements BatchReceiver {
  readonly netRx: Port;
  readonly netTx: Port;
  /** The DMA engine: host-bound (packets to MWr) and device-bound (completions stored) halves. */
  readonly dmaOut: DmaEngine;
  readonly dmaIn: DmaEngine;
  /** MRd requests in flight, and the most seen. */
  outstanding = 0;
  peakOutstanding = 0;
  private readonly senders: Sender[];
  private readonly readFlows: number[];
  private rr = 0;
  private pf = new Int32Array(64);
  private pSeq = new Float64Array(64);
  private pOff = new Float64Array(64);
  private pBytes = new Float64Array(64);
  private pHead = 0;
  private pTail = 0;
  private readonly hPkt: number;
  private readonly hTx: number;
  private readonly hReq: number;
  private readonly hIssue: number;
  private issueWake = -1;
  private readonly txLane: number;
  private readonly n: FabricParams["nic"];
  private readonly ps = (ns: number) => Math.round(ns * 1000);

  constructor(
    private readonly sim: Simulator,
    private readonly dp: Datapath,
    private readonly p: FabricParams,
    private readonly flows: readonly FlowState[],
    /** The NIC's transmit link port (for the packet buffer check). */
    private readonly uplink: Port,
    /** The flows this NIC carries (a platform's other NICs carry the rest). */
    private readonly mine: (f: FlowState) => boolean = () => true,
    /** Prefix of its port names (the NIC's name on a platform with several). */
    prefix = "",
  ) {
    this.n = p.nic;
    this.netRx = new Port(`${prefix}network rx`, psPerByteGbps(this.n.lineRateGbps));
    this.netTx = new Port(`${prefix}network tx`, psPerByteGbps(this.n.lineRateGbps));
    this.dmaOut = new DmaEngine(`${prefix}nic dma out`, this.n.dmaWriteRequestNs, this.n.dmaWriteGBps);
    this.dmaIn = new DmaEngine(`${prefix}nic dma in`, this.n.dmaReadRequestNs, this.n.dmaReadGBps);
    this.senders = flows.map((f) => new Sender(mine(f) ? (f.spec.queueDepth ?? 1) : 1));
    this.readFlows = flows.filter((f) => mine(f) && f.spec.op === "read").map((f) => f.index);
    this.hPkt = sim.register((i) => this.onPacket(i), "nic.packet");
    this.hTx = sim.register(() => this.onTx(), "nic.tx");
    this.hReq = sim.register((i) => this.onRequest(i), "nic.request");
    this.hIssue = sim.register(() => this.issue(), "nic.issue");
    this.txLane = sim.newLane();
    for (const f of flows) if (mine(f)) f.onDone = (g, ok, when) => this.done(g, ok, when);
  }

  /** Schedule the first message of every flow it carries. */
  start(): void {
    for (const f of this.flows) {
      if (!this.mine(f)) continue;
      const s = this.senders[f.index]!;
      const t = f.arrivals.startPs;
      if (!f.arrivals.openLoop) for (let k = 0; k < (f.spec.queueDepth ?? 1); k++) this.pushPermit(s, t);
      this.scheduleNext(f, t);
    }
  }

  /** Completions of an MRd batch arrived: free its tags, send what completes response packets. */
  onBatch(slot: number): void {
    const b = this.dp.batches;
    const f = this.flows[b.flow[slot]!]!;
    const now = this.sim.now;
    const bytes = b.bytes[slot]!;
    const seq = b.msg[slot]!;
    this.outstanding -= b.tags[slot]!;
    if (this.dp.tracing) this.dp.trace("rx", now, "nic", slot, -1, bytes);
    f.landed += bytes;
    const ok = b.status[slot] === 0;
    // The batch's tags are free now; the DMA engine then stores its data (./dma-engine.ts), and
    // only stored data can leave in a response packet.
    const stored = ok ? this.dmaIn.offer(now, bytes) : now;
    const issued = b.issued[slot]!;
    if (ok && issued >= this.p.metrics.warmupNs * 1000) {
      f.readRtt.record(now - issued);
      f.readDma.record(stored - issued);
    }
    if (!ok || f.mLost[f.at(seq)] === 1) this.discard(f, seq, bytes, now);
    else this.respond(f, seq, bytes, stored);
    b.release(slot);
    this.issue();
  }

  /**
   * READ response data is stored at `stored` (ps, possibly after now): the port sends it in packets
   * of MTU payload (the last one of a message shorter), each as soon as its bytes are all stored.
   */
  private respond(f: FlowState, seq: number, bytes: number, stored: number): void {
    const i = f.at(seq);
    let ready = f.mReady[i]! + bytes;
    const mtu = this.n.mtu;
    while (ready >= mtu || (ready > 0 && ready === f.mRemain[i])) {
      const pkt = Math.min(mtu, ready);
      ready -= pkt;
      f.mReady[i] = ready;
      const wire = pkt + this.n.packetOverheadBytes;
      f.land(seq, pkt, this.netTx.offer(stored, wire, this.netTx.svc(wire)));
    }
    f.mReady[i] = ready;
  }

  /**
   * A request of the message completed without data (Unsupported Request) or the message already
   * failed: the responder sends no more of it; its bytes waiting for a packet are lost too.
   */
  private discard(f: FlowState, seq: number, bytes: number, now: number): void {
    const i = f.at(seq);
    const ready = f.mReady[i]!;
    f.mReady[i] = 0;
    f.drop(seq, bytes + ready, now);
  }

  /** One packet of a WRITE/SEND flow starts arriving at the port. */
  private onPacket(i: number): void {
    const f = this.flows[i]!;
    const s = this.senders[i]!;
    const now = this.sim.now;
    if (s.cur < 0) this.begin(f, s, now);
    const bytes = Math.min(this.n.mtu, s.curSize - s.curOff);
    const wire = bytes + this.n.packetOverheadBytes;
    const svc = this.netRx.svc(wire);
    const dep = this.netRx.offer(now, wire, svc);
    f.sent += bytes;
    this.toEngine(f, s.cur, s.curOff, bytes, dep + this.ps(this.n.rxLatencyNs));
    s.curOff += bytes;
    if (s.curOff < s.curSize) {
      this.sim.at(now + svc, this.hPkt, i, 0);
      return;
    }
    s.cur = -1;
    this.scheduleNext(f, now + svc);
  }

  private begin(f: FlowState, s: Sender, now: number): void {
    const size = f.arrivals.take();
    const slots = Math.max(1, Math.floor((f.snap?.regionLength ?? 0) / f.slotBytes));
    s.cur = f.open(now, size, slots);
    s.curOff = 0;
    s.curSize = size;
    s.created++;
  }

  /** The flow's next message (or request) no earlier than `earliest`. */
  private scheduleNext(f: FlowState, earliest: number): void {
    const s = this.senders[f.index]!;
    if (f.spec.messages !== undefined && s.created >= f.spec.messages) return;
    let t: number;
    if (f.arrivals.openLoop) t = Math.max(earliest, f.arrivals.due);
    else if (s.pHead < s.pTail) t = Math.max(earliest, s.permits[s.pHead++ % s.permits.length]!);
    else {
      s.idle = true;
      s.idleSince = earliest;
      return;
    }
    // Bursts and the stop time: the next on-period, or no more messages.
    t = f.arrivals.admit(t);
    if (t < 0) return;
    if (f.spec.op === "read") this.sim.at(t + this.ps(this.n.rxLatencyNs), this.hReq, f.index, 0);
    else this.sim.at(t, this.hPkt, f.index, 0);
  }

  private pushPermit(s: Sender, t: number): void {
    s.permits[s.pTail++ % s.permits.length] = t;
  }

  /** A message finished: a closed-loop peer sends its next one after a network round trip. */
  private done(f: FlowState, _ok: boolean, when: number): void {
    if (f.arrivals.openLoop) return;
    const s = this.senders[f.index]!;
    const t = Math.max(when + 2 * this.ps(this.n.networkLatencyNs), this.sim.now);
    this.pushPermit(s, t);
    if (!s.idle) return;
    s.idle = false;
    this.scheduleNext(f, Math.max(s.idleSince, this.sim.now));
  }

  /**
   * A received packet is ready at `ready`: the engine works it, then its TLPs go (onTx). Behind
   * more than bufferBytes of engine work it is dropped on arrival instead (the buffer is full).
   */
  private toEngine(f: FlowState, seq: number, off: number, bytes: number, ready: number): void {
    if (this.dmaOut.backlogBytes(ready, bytes) > this.n.bufferBytes) {
      this.lose(f, seq, bytes, DROP);
      return;
    }
    f.waiting += bytes;
    this.pushPacket(f.index, seq, off, bytes);
    this.sim.atLane(this.txLane, this.dmaOut.offer(ready, bytes), this.hTx, 0, 0);
  }

  private pushPacket(flow: number, seq: number, off: number, bytes: number): void {
    if (this.pTail - this.pHead === this.pf.length) this.growPackets();
    const i = this.pTail++ & (this.pf.length - 1);
    this.pf[i] = flow;
    this.pSeq[i] = seq;
    this.pOff[i] = off;
    this.pBytes[i] = bytes;
  }

  /** A received packet is ready for the PCIe side. */
  private onTx(): void {
    const i = this.pHead++ & (this.pf.length - 1);
    const f = this.flows[this.pf[i]!]!;
    const seq = this.pSeq[i]!;
    const off = this.pOff[i]!;
    const bytes = this.pBytes[i]!;
    const now = this.sim.now;
    f.waiting -= bytes;
    const s = f.snap!;
    const size = f.mSize[f.at(seq)]!;
    const backlog = (this.uplink.nextFree - now) / this.uplink.psPerByte;
    if (s.fault !== "") this.lose(f, seq, bytes, FAULT);
    else if (f.spec.op === "send" && size > f.slotBytes) this.lose(f, seq, bytes, FAULT);
    else if (backlog > this.n.bufferBytes) this.lose(f, seq, bytes, DROP);
    else this.emit(f, seq, off, bytes, size, KIND_MWR, now);
  }

  private lose(f: FlowState, seq: number, bytes: number, why: number): void {
    if (why === FAULT) f.faults++;
    else f.drops++;
    if (this.dp.tracing)
      this.dp.tracer.add({
        t: this.sim.now,
        ev: "lost",
        where: why === FAULT ? "fault" : "drop",
        kind: "MWr",
        flow: f.name,
        msg: seq,
        tlp: -1,
        bytes,
      });
    this.discard(f, seq, bytes, this.sim.now);
  }

  /**
   * Put bytes [off, off + bytes) of message `seq` on the fabric as batches (one per translation
   * segment touched): MWr split at MPS, or MRd split at MRRS. Returns the TLPs sent.
   */
  private emit(
    f: FlowState,
    seq: number,
    off: number,
    bytes: number,
    size: number,
    kind: number,
    now: number,
  ): number {
    const s = f.snap!;
    const b = this.dp.batches;
    const boundary = kind === KIND_MWR ? this.p.link.mps : this.p.link.mrrs;
    let mrOff = s.regionOffset + f.mOff[f.at(seq)]! + off;
    if (off === 0) f.mBus[f.at(seq)] = busOf(s, s.regionOffset + f.mOff[f.at(seq)]!);
    let left = bytes;
    let tlps = 0;
    while (left > 0) {
      const bus = busOf(s, mrOff);
      const chunk = Math.min(left, segmentLeft(s, mrOff));
      const slot = b.alloc();
      const base = slot * MAX_TLPS;
      const n = splitAligned(bus, chunk, boundary, b.pay, base, base + MAX_TLPS) - base;
      for (let k = 0; k < n; k++) b.time[base + k] = now;
      b.kind[slot] = kind;
      b.flow[slot] = f.index;
      b.msg[slot] = seq;
      b.last[slot] = off + (bytes - left) + chunk === size ? 1 : 0;
      b.count[slot] = n;
      b.bytes[slot] = chunk;
      b.addr[slot] = bus;
      b.route[slot] = s.reqRoute;
      b.th[slot] = s.th;
      b.ph[slot] = s.ph;
      b.st[slot] = s.st;
      b.prefix[slot] = s.prefix;
      b.issued[slot] = now;
      f.tlps += n;
      if (s.th) f.withTph += n;
      if (s.stale) f.stale += n;
      if (this.dp.tracing)
        for (let k = 0; k < n; k++) this.dp.trace("send", now, f.name, slot, k, b.pay[base + k]!, s.stale);
      this.dp.send(slot);
      tlps += n;
      left -= chunk;
      mrOff += chunk;
    }
    return tlps;
  }

  /** A READ request has been received by the NIC. */
  private onRequest(i: number): void {
    const f = this.flows[i]!;
    const s = this.senders[i]!;
    const now = this.sim.now;
    const size = f.arrivals.take();
    const slots = Math.max(1, Math.floor((f.snap?.regionLength ?? 0) / f.slotBytes));
    const seq = f.open(now - this.ps(this.n.rxLatencyNs), size, slots);
    s.created++;
    f.sent += size;
    f.waiting += size;
    if (this.dp.tracing)
      this.dp.tracer.add({
        t: now,
        ev: "rx",
        where: "request",
        kind: "MRd",
        flow: f.name,
        msg: seq,
        tlp: -1,
        bytes: size,
      });
    this.scheduleNext(f, now - this.ps(this.n.rxLatencyNs));
    this.issue();
  }

  /**
   * Issue MRd batches, round robin over READ flows, while request tags are free and the network
   * port is not more than bufferBytes behind (responses wait for the port, so reading further ahead
   * would only fill the NIC's buffer).
   */
  private issue(): void {
    const now = this.sim.now;
    // Port backlog beyond the engine's last DMA (responses cannot leave before it finishes).
    const from = Math.max(now, this.dmaIn.port.nextFree);
    const ahead = (this.netTx.nextFree - from) / this.netTx.psPerByte;
    if (ahead > this.n.bufferBytes) {
      const t = Math.ceil(this.netTx.nextFree - this.n.bufferBytes * this.netTx.psPerByte);
      if (this.issueWake < now || this.issueWake > t) {
        this.issueWake = t;
        this.sim.at(t, this.hIssue, 0, 0);
      }
      return;
    }
    const nf = this.readFlows.length;
    let progress = true;
    while (progress) {
      progress = false;
      for (let k = 0; k < nf; k++) {
        const i = this.readFlows[(this.rr + k) % nf]!;
        const r = this.issueOne(this.flows[i]!, this.senders[i]!);
        if (r < 0) return; // out of tags
        if (r > 0) {
          this.rr = (this.rr + k + 1) % nf;
          progress = true;
          break;
        }
      }
    }
  }

  /** Issue the next MTU of one flow's oldest pending read: 1 issued, 0 nothing to do, -1 no tags. */
  private issueOne(f: FlowState, s: Sender): number {
    while (s.issueSeq < f.tail && f.mRemain[f.at(s.issueSeq)] === -1) s.issueSeq++;
    if (s.issueSeq >= f.tail) return 0;
    const seq = s.issueSeq;
    const size = f.mSize[f.at(seq)]!;
    const snap = f.snap!;
    const now = this.sim.now;
    if (snap.fault !== "") {
      const rest = size - s.issueOff;
      f.waiting -= rest;
      this.nextRead(s);
      this.lose(f, seq, rest, FAULT);
      return 1;
    }
    const free = this.n.maxOutstandingReads - this.outstanding;
    if (free <= 0) return -1;
    const mrOff = snap.regionOffset + f.mOff[f.at(seq)]! + s.issueOff;
    let chunk = Math.min(this.n.mtu, size - s.issueOff, segmentLeft(snap, mrOff));
    const bus = busOf(snap, mrOff);
    const mrrs = this.p.link.mrrs;
    let n = Math.floor((bus + chunk - 1) / mrrs) - Math.floor(bus / mrrs) + 1;
    if (n > free) {
      // Issue what the free tags cover; the response packet waits for the rest (respond()).
      chunk = (Math.floor(bus / mrrs) + free) * mrrs - bus;
      n = free;
    }
    this.outstanding += n;
    if (this.outstanding > this.peakOutstanding) this.peakOutstanding = this.outstanding;
    f.waiting -= chunk;
    const off = s.issueOff;
    s.issueOff += chunk;
    if (s.issueOff >= size) this.nextRead(s);
    this.emit(f, seq, off, chunk, size, KIND_MRD, now);
    return 1;
  }

  private nextRead(s: Sender): void {
    s.issueSeq++;
    s.issueOff = 0;
  }

  private growPackets(): void {
    const cap = this.pf.length * 2;
    const m = this.pf.length - 1;
    const re = <T extends Int32Array | Float64Array>(a: T, next: T): T =>
      regrow(a, next, this.pHead, this.pTail, m);
    this.pf = re(this.pf, new Int32Array(cap));
    this.pSeq = re(this.pSeq, new Float64Array(cap));
    this.pOff = re(this.pOff, new Float64Array(cap));
    this.pBytes = re(this.pBytes, new Float64Array(cap));
  }
}
