/**
 * The running state of one flow: its messages in flight (a ring indexed by sequence number, so
 * memory follows the messages in flight, not the run length), byte and TLP counters, latency
 * histograms, and the snapshot of what the NIC currently does for it (mkey translation, TPH).
 */
import { Histogram } from "../../sim/histogram.js";
import type { Rng } from "../../sim/random.js";
import { constantSize, type FlowExpect, type FlowSpec, type SizeSampler } from "./flow-spec.js";
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
  readonly sampler: SizeSampler;
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
  messagesDone = 0;
  messagesFailed = 0;
  faults = 0;
  drops = 0;
  /** Delivered bytes after warm-up, first and last delivery times (for goodput). */
  goodBytes = 0;
  firstGood = -1;
  lastGood = 0;
  /** Lines consumers read: from their own partition/L2, from elsewhere in the cache/LLC, from memory. */
  consumedLocal = 0;
  consumedRemote = 0;
  consumedMiss = 0;
  readonly latency = new Histogram();
  readonly consume = new Histogram();
  readonly readRtt = new Histogram();

  /** Called when a message finishes (ok = every byte landed), with the time it finished. */
  onDone: ((f: FlowState, ok: boolean, when: number) => void) | undefined;
  /** Bytes delivered by the first delivery after warm-up (excluded from the goodput span). */
  firstBytes = 0;

  constructor(
    readonly index: number,
    spec: FlowSpec,
    rng: Rng,
    private readonly warmup: number,
  ) {
    this.spec = spec;
    this.sampler = typeof spec.size === "number" ? constantSize(spec.size) : spec.size;
    this.slotBytes = spec.slotBytes ?? Math.ceil(this.sampler.max / 64) * 64;
    this.rng = rng;
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
    return seq;
  }

  /** Ring index of message `seq`. */
  at(seq: number): number {
    return seq & this.mask;
  }

  /**
   * `bytes` of message `seq` are settled (landed at `when`, or lost). When that finishes the
   * message: counts it, records its latency (successful, started after warm-up) and calls onDone.
   * Returns true when the message just finished successfully.
   */
  settle(seq: number, bytes: number, when: number, lost: boolean): boolean {
    const i = seq & this.mask;
    if (lost) this.mLost[i] = 1;
    else if (when > this.mLanded[i]!) this.mLanded[i] = when;
    const left = this.mRemain[i]! - bytes;
    this.mRemain[i] = left;
    if (left > 0) return false;
    this.mRemain[i] = -1;
    const ok = this.mLost[i] === 0;
    const end = ok ? this.mLanded[i]! : when;
    if (ok) {
      this.messagesDone++;
      if (this.mStart[i]! >= this.warmup) this.latency.record(end - this.mStart[i]!);
    } else {
      this.messagesFailed++;
    }
    while (this.head < this.tail && this.mRemain[this.head & this.mask] === -1) this.head++;
    this.onDone?.(this, ok, end);
    return ok;
  }

  /** Count `bytes` delivered at `when` toward goodput (after warm-up only). */
  deliver(bytes: number, when: number): void {
    if (when < this.warmup) return;
    if (this.firstGood < 0) {
      this.firstGood = when;
      this.firstBytes = bytes;
    }
    this.goodBytes += bytes;
    if (when > this.lastGood) this.lastGood = when;
  }

  /** Goodput in Gb/s between the first and last delivery after warm-up (0 with fewer than two). */
  goodputGbps(): number {
    const span = this.lastGood - this.firstGood;
    return span > 0 ? ((this.goodBytes - this.firstBytes) * 8 * 1000) / span : 0;
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
