/**
 * The running state of one flow: its messages in flight (a ring indexed by sequence number, so
 * memory follows the messages in flight, not the run length), byte and TLP counters, latency
 * histograms, and the snapshot of what the NIC currently does for it (mkey translation, TPH).
 */
import { Histogram } from "../../sim/histogram.js";
import type { Rng } from "../../sim/random.js";
import { Arrivals } from "./arrivals.js";
import { constantSize, type FlowExpect, type FlowSpec } from "./flow-spec.js";
import { regrow } from "./ring.js";

/** No value (partition/op/cpu not known). */
export const NONE = -2;
/** The "bypass the cache" partition. */
export const BYPASS = -1;

/** What the NIC does for a flow right now, re-read after every timeline callback. */
export interface FlowSnapshot {
  /** Empty when accesses work; otherwise why they fault (bytes are then lost). */
  readonly fault: string;
  /** Destination fabric node. */
  readonly dest: number;
  readonly reqRoute: number;
  readonly cplRoute: number;
  readonly th: number;
  readonly ph: number;
  readonly st: number;
  readonly prefix: number;
  /** Every TLP of the flow carries a tag other than the one the owner publishes. */
  readonly stale: boolean;
  /** (MR offset, bus address, length) triples covering the flow's area. */
  readonly segments: Float64Array;
  /** Usable bytes of the flow's area, and its offset in the MR. */
  readonly regionOffset: number;
  readonly regionLength: number;
  /** Intended steering: accelerator partition and in-flight op, or host CPU (NONE = no intent). */
  readonly intendedPart: number;
  readonly intendedOp: number;
  readonly intendedCpu: number;
  /** Where the consumer reads first (accelerator partition) or which CPU reads (host). */
  readonly consumerPart: number;
  readonly consumerCpu: number;
}

export class FlowState {
  /** The description; only the key and the intent change after construction (rekey(), reexpect()). */
  spec: FlowSpec;
  /** When messages arrive and their sizes (./arrivals.ts). */
  readonly arrivals: Arrivals;
  /** The largest message the flow can send. */
  readonly maxSize: number;
  readonly slotBytes: number;
  readonly rng: Rng;
  snap: FlowSnapshot | undefined;
  // Messages: ring of per-message columns, indexed by seq & mask.
  head = 0;
  tail = 0;
  private mask = 15;
  mStart = new Float64Array(16);
  mSize = new Float64Array(16);
  mRemain = new Float64Array(16);
  mOff = new Float64Array(16);
  mLanded = new Float64Array(16);
  mLost = new Uint8Array(16);
  /** READ: response bytes in, waiting for the rest of their network packet. */
  mReady = new Float64Array(16);
  /** Bus address of the message's first byte (consumers read from there). */
  mBus = new Float64Array(16);
  /** Bytes of the message delivered in the measurement window. */
  mGood = new Float64Array(16);
  // Counters (bytes unless said otherwise).
  sent = 0;
  landed = 0;
  lost = 0;
  misdirected = 0;
  unsteered = 0;
  /** Bytes between the network port and the PCIe link (WRITE/SEND), or requested but not issued (READ). */
  waiting = 0;
  tlps = 0;
  withTph = 0;
  stale = 0;
  /** Write TLPs that landed with no hint the completer used where the owner meant one (their bytes: unsteered). */
  unsteeredTlps = 0;
  messagesDone = 0;
  messagesFailed = 0;
  faults = 0;
  drops = 0;
  /** Bytes that reached the user (WRITE: landed; READ: response sent on the network) by now. */
  delivered = 0;
  /** Bytes delivered in the measurement window of the messages completed by now: goodput's numerator. */
  goodBytes = 0;
  /** Lines consumers read: from their own partition/L2, from elsewhere in the cache/LLC, from memory. */
  consumedLocal = 0;
  consumedRemote = 0;
  consumedMiss = 0;
  readonly latency = new Histogram();
  readonly consume = new Histogram();
  /** READ: MRd batch issued to its last completion in at the NIC (when its tags free). */
  readonly readRtt = new Histogram();
  /** READ: MRd batch issued to its data stored by the NIC's DMA engine (a DMA read's latency). */
  readonly readDma = new Histogram();
  /** Latencies of the current sampling interval (set by a sampler, which reads and resets it). */
  intervalLatency: Histogram | undefined;

  /** Called when a message finishes (ok = every byte landed), with the time it finished. */
  onDone: ((f: FlowState, ok: boolean, when: number) => void) | undefined;
  /**
   * Deliveries computed ahead of time (a packet leaving the port later, data landing after the
   * ingress latency): counted once the clock reaches them. Ring of (when, bytes, -1 or the good
   * bytes of the message it completes (see count()), that message's start).
   */
  private dMask = 15;
  private dWhen = new Float64Array(16);
  private dBytes = new Float64Array(16);
  private dMsg = new Float64Array(16);
  private dStart = new Float64Array(16);
  private dHead = 0;
  private dTail = 0;

  constructor(
    readonly index: number,
    spec: FlowSpec,
    rng: Rng,
    private readonly warmup: number,
    /** The simulator's clock: deliveries count once it reaches them (a caller's "now" could be wrong). */
    private readonly clock: { readonly now: number },
  ) {
    this.spec = spec;
    const sizes = typeof spec.size === "number" ? constantSize(spec.size) : spec.size;
    this.maxSize = spec.trace ? spec.trace.sizes.reduce((a, b) => Math.max(a, b), 1) : sizes!.max;
    this.slotBytes = spec.slotBytes ?? Math.ceil(this.maxSize / 64) * 64;
    this.rng = rng;
    this.arrivals = new Arrivals(spec, sizes, rng);
    this.windowStart = Math.max(warmup, Math.round((spec.startNs ?? 0) * 1000));
    this.windowEnd = spec.stopNs === undefined ? Number.POSITIVE_INFINITY : Math.round(spec.stopNs * 1000);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The flow's MR got a new key (a re-registration): later snapshots use it. */
  rekey(mkey: number): void {
    this.spec = { ...this.spec, mkey };
  }

  /** Where the data is now meant to go changed (the owner re-partitioned): later snapshots judge by it. */
  reexpect(expect: FlowExpect | undefined): void {
    const { expect: _old, ...rest } = this.spec;
    this.spec = expect === undefined ? rest : { ...rest, expect };
  }

  /** Messages started and not yet finished. */
  get inFlightMessages(): number {
    return this.tail - this.head;
  }

  /** Start a message of `size` bytes at `now`; returns its sequence number. */
  open(now: number, size: number, regionSlots: number): number {
    if (this.tail - this.head > this.mask) this.grow();
    const seq = this.tail++;
    const i = seq & this.mask;
    this.mStart[i] = now;
    this.mSize[i] = size;
    this.mRemain[i] = size;
    this.mOff[i] = (seq % regionSlots) * this.slotBytes;
    this.mLanded[i] = 0;
    this.mLost[i] = 0;
    this.mReady[i] = 0;
    this.mBus[i] = Number.NaN;
    this.mGood[i] = 0;
    return seq;
  }

  /** Ring index of message `seq`. */
  at(seq: number): number {
    return seq & this.mask;
  }

  /** Messages started (offered by the peers). */
  get messagesOffered(): number {
    return this.tail;
  }

  /**
   * `bytes` of message `seq` reached the user at `when` (now or later): delivered, and settled.
   * Returns true when that finished the message successfully.
   */
  land(seq: number, bytes: number, when: number): boolean {
    const now = this.clock.now;
    const i = seq & this.mask;
    const start = this.mStart[i]!;
    if (when >= this.windowStart && when <= this.windowEnd) this.mGood[i] = this.mGood[i]! + bytes;
    const ok = this.settle(seq, bytes, when, false);
    const end = ok ? this.mLanded[i]! : when;
    const good = this.mGood[i]!;
    if (when <= now && (!ok || end <= now)) {
      this.count(bytes, -1, 0, when);
      if (ok) this.count(0, good, start, end);
    } else {
      this.defer(when, bytes, -1, 0, now);
      if (ok) this.defer(end, 0, good, start, now);
    }
    return ok;
  }

  /** `bytes` of message `seq` will never reach the user: lost, and settled. */
  drop(seq: number, bytes: number, when: number): void {
    this.lost += bytes;
    this.settle(seq, bytes, when, true);
  }

  /**
   * `bytes` of message `seq` are settled (landed at `when`, or lost). When that finishes the
   * message: counts a failure or calls onDone. Returns true when the message just finished
   * successfully (its completion is counted by land()).
   */
  private settle(seq: number, bytes: number, when: number, lost: boolean): boolean {
    const i = seq & this.mask;
    if (lost) this.mLost[i] = 1;
    else if (when > this.mLanded[i]!) this.mLanded[i] = when;
    const left = this.mRemain[i]! - bytes;
    this.mRemain[i] = left;
    if (left > 0) return false;
    this.mRemain[i] = -1;
    const ok = this.mLost[i] === 0;
    const end = ok ? this.mLanded[i]! : when;
    if (!ok) this.messagesFailed++;
    while (this.head < this.tail && this.mRemain[this.head & this.mask] === -1) this.head++;
    this.onDone?.(this, ok, end);
    return ok;
  }

  /**
   * Count a delivery of `bytes` at `when` (<= now), or (good >= 0) the completion of a message
   * started at `start`, `good` of whose bytes were delivered in the window: only those count
   * toward goodput, so it never exceeds what the path carried in the window.
   */
  private count(bytes: number, good: number, start: number, when: number): void {
    this.delivered += bytes;
    if (good < 0) return;
    this.messagesDone++;
    if (start >= this.warmup) {
      this.latency.record(when - start);
      this.intervalLatency?.record(when - start);
    }
    this.goodBytes += good;
  }

  private defer(when: number, bytes: number, good: number, start: number, now: number): void {
    this.catchUp(now, false);
    if (this.dTail - this.dHead > this.dMask) this.growDeferred();
    const k = this.dTail++ & this.dMask;
    this.dWhen[k] = when;
    this.dBytes[k] = bytes;
    this.dMsg[k] = good;
    this.dStart[k] = start;
  }

  /**
   * Count the deferred deliveries due by `now`: from the oldest while they are due (deliveries
   * mostly come in time order), or every one of them when `all` (then the ring is compacted).
   */
  catchUp(now: number, all: boolean): void {
    const m = this.dMask;
    while (this.dHead < this.dTail && this.dWhen[this.dHead & m]! <= now) {
      const k = this.dHead++ & m;
      this.count(this.dBytes[k]!, this.dMsg[k]!, this.dStart[k]!, this.dWhen[k]!);
    }
    if (!all) return;
    let w = this.dHead;
    for (let r = this.dHead; r < this.dTail; r++) {
      const k = r & m;
      if (this.dWhen[k]! <= now) this.count(this.dBytes[k]!, this.dMsg[k]!, this.dStart[k]!, this.dWhen[k]!);
      else {
        const j = w++ & m;
        this.dWhen[j] = this.dWhen[k]!;
        this.dBytes[j] = this.dBytes[k]!;
        this.dMsg[j] = this.dMsg[k]!;
        this.dStart[j] = this.dStart[k]!;
      }
    }
    this.dTail = w;
  }

  /** Bytes on their way to the user that the model placed after `now` (call catchUp(now, true) first). */
  get deferredBytes(): number {
    let n = 0;
    for (let r = this.dHead; r < this.dTail; r++) n += this.dBytes[r & this.dMask]!;
    return n;
  }

  /** READ response bytes waiting for the rest of their packet. */
  get readyBytes(): number {
    let n = 0;
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      if (this.mRemain[i] !== -1) n += this.mReady[i]!;
    }
    return n;
  }

  /**
   * Start of the flow's measurement window: the end of warm-up, or the flow's start when later
   * (a flow that starts late is not charged for the time before it existed).
   */
  readonly windowStart: number;
  /**
   * End of the window: the flow's stop (Infinity without one; the run's end then closes it).
   * Bytes that land after the stop (the tail of messages offered before it) are delivered but
   * not goodput: a flow active 10% of the run is judged over that 10%, not over the whole run.
   */
  readonly windowEnd: number;

  /** The flow's active window by `now` (ps): from windowStart to its stop or `now`, never negative. */
  activePs(now: number): number {
    return Math.max(0, Math.min(now, this.windowEnd) - this.windowStart);
  }

  /** Goodput in Gb/s: goodBytes over the active window. */
  goodputGbps(now: number): number {
    const span = this.activePs(now);
    return span > 0 ? (this.goodBytes * 8 * 1000) / span : 0;
  }

  private growDeferred(): void {
    const cap = (this.dMask + 1) * 2;
    const re = (a: Float64Array<ArrayBuffer>) =>
      regrow(a, new Float64Array(cap), this.dHead, this.dTail, this.dMask);
    this.dWhen = re(this.dWhen);
    this.dBytes = re(this.dBytes);
    this.dMsg = re(this.dMsg);
    this.dStart = re(this.dStart);
    this.dMask = cap - 1;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const mask = cap - 1;
    const re = <T extends Float64Array | Uint8Array>(a: T, next: T): T =>
      regrow(a, next, this.head, this.tail, this.mask);
    this.mStart = re(this.mStart, new Float64Array(cap));
    this.mSize = re(this.mSize, new Float64Array(cap));
    this.mRemain = re(this.mRemain, new Float64Array(cap));
    this.mOff = re(this.mOff, new Float64Array(cap));
    this.mLanded = re(this.mLanded, new Float64Array(cap));
    this.mLost = re(this.mLost, new Uint8Array(cap));
    this.mReady = re(this.mReady, new Float64Array(cap));
    this.mBus = re(this.mBus, new Float64Array(cap));
    this.mGood = re(this.mGood, new Float64Array(cap));
    this.mask = mask;
  }
}

/** Bus address of MR offset `mrOff` through the snapshot's segments (the last segment extends). */
export function busOf(s: FlowSnapshot, mrOff: number): number {
  const seg = s.segments;
  let k = 0;
  while (k + 3 < seg.length && mrOff >= seg[k + 3]!) k += 3;
  return seg[k + 1]! + (mrOff - seg[k]!);
}

/** Bytes from MR offset `mrOff` to the end of its segment. */
export function segmentLeft(s: FlowSnapshot, mrOff: number): number {
  const seg = s.segments;
  let k = 0;
  while (k + 3 < seg.length && mrOff >= seg[k + 3]!) k += 3;
  return seg[k]! + seg[k + 2]! - mrOff;
}
