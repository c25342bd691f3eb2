/**
 * Batches: the TLPs one cause produces at one time (the MWr TLPs of one network packet, the MRd
 * requests for one packet's worth of a READ response, the CplD completions answering them). A
 * batch is a slot in column arrays, so nothing is allocated per TLP or per batch: the slot index
 * is the event payload. Per-TLP columns (payload bytes, a time) hold up to MAX_TLPS entries.
 */
import { ModelError } from "../../base/errors.js";

/** TLPs per batch: a 4096-byte packet at MPS 128 is 32 TLPs, plus one for misalignment. */
export const MAX_TLPS = 64;

export const KIND_MWR = 0;
export const KIND_MRD = 1;
export const KIND_CPLD = 2;

export class BatchPool {
  /** Slots allocated so far (capacity grows by doubling). */
  private cap = 0;
  private readonly free: number[] = [];
  live = 0;
  kind = new Uint8Array(0);
  flow = new Int32Array(0);
  /** Message sequence number within the flow. */
  msg = new Float64Array(0);
  /** 1 when this batch carries the last bytes of its message. */
  last = new Uint8Array(0);
  count = new Int32Array(0);
  bytes = new Float64Array(0);
  /** Destination byte address (bus address for host memory, BAR offset for a device). */
  addr = new Float64Array(0);
  route = new Int32Array(0);
  /** Stage to resume at (merge points). */
  stage = new Int32Array(0);
  /** TPH stamped by the NIC: th (0/1), ph, st, prefix (0/1). */
  th = new Uint8Array(0);
  ph = new Uint8Array(0);
  st = new Int32Array(0);
  prefix = new Uint8Array(0);
  /** When the batch was issued (MRd batches: start of the read round trip). */
  issued = new Float64Array(0);
  /** Completion status: 0 success, 1 Unsupported Request (no data: the bytes are lost). */
  status = new Uint8Array(0);
  /** Requests (MRd) the batch answers: tags to free when its completions arrive. */
  tags = new Int32Array(0);
  /** Per TLP: payload bytes and a time (start, or arrival at the resume stage). */
  pay = new Int32Array(0);
  time = new Float64Array(0);

  /** A free slot, zeroed where it matters. */
  alloc(): number {
    if (this.free.length === 0) this.grow();
    const s = this.free.pop()!;
    this.live++;
    this.stage[s] = 0;
    this.last[s] = 0;
    this.tags[s] = 0;
    this.status[s] = 0;
    this.count[s] = 0;
    this.bytes[s] = 0;
    return s;
  }

  release(slot: number): void {
    if (this.route[slot] === -2) throw new ModelError(`batch ${slot} released twice`);
    this.route[slot] = -2;
    this.live--;
    this.free.push(slot);
  }

  /** True while `slot` is allocated. */
  isLive(slot: number): boolean {
    return slot < this.cap && this.route[slot] !== -2;
  }

  /** Capacity in slots (memory follows the peak number of batches in flight). */
  get capacity(): number {
    return this.cap;
  }

  private grow(): void {
    const old = this.cap;
    const cap = Math.max(64, old * 2);
    const g8 = (a: Uint8Array) => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    const g32 = (a: Int32Array, size = cap) => {
      const n = new Int32Array(size);
      n.set(a);
      return n;
    };
    const g64 = (a: Float64Array, size = cap) => {
      const n = new Float64Array(size);
      n.set(a);
      return n;
    };
    this.kind = g8(this.kind);
    this.flow = g32(this.flow);
    this.msg = g64(this.msg);
    this.last = g8(this.last);
    this.count = g32(this.count);
    this.bytes = g64(this.bytes);
    this.addr = g64(this.addr);
    this.route = g32(this.route);
    this.stage = g32(this.stage);
    this.th = g8(this.th);
    this.ph = g8(this.ph);
    this.st = g32(this.st);
    this.prefix = g8(this.prefix);
    this.issued = g64(this.issued);
    this.tags = g32(this.tags);
    this.status = g8(this.status);
    this.pay = g32(this.pay, cap * MAX_TLPS);
    this.time = g64(this.time, cap * MAX_TLPS);
    for (let s = cap - 1; s >= old; s--) {
      this.route[s] = -2;
      this.free.push(s);
    }
    this.cap = cap;
  }
}
