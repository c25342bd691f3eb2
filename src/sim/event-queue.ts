/**
 * The engine's priority queue: a 4-ary min-heap over parallel typed arrays.
 *
 * An entry is (time, key, handler, a, b): `time` and `key` order it (time first, then key), the
 * rest is payload. The engine packs priority and insertion sequence into `key` so keys never tie.
 * No entry is ever an object: push/pop write numbers into preallocated Float64Array/Int32Array
 * columns, so scheduling allocates nothing and the garbage collector never runs because of events.
 * Capacity doubles when full and never shrinks (memory is bounded by the peak number of pending
 * events, not by simulated time).
 *
 * Why 4-ary: half the depth of a binary heap; the four children of a node are adjacent in memory,
 * and sift-down (the costly half of pop) does fewer levels of moves. Sifts move a "hole" and write
 * the moving entry once. `replaceTop` removes the minimum and inserts in one sift, which the engine
 * uses when a handler schedules a follow-up event (the common case in a self-rescheduling model).
 */

const INITIAL_CAPACITY = 1024;

export class EventQueue {
  /** Number of entries. */
  size = 0;
  private cap: number;
  private time: Float64Array;
  private key: Float64Array;
  private hd: Int32Array;
  private pa: Int32Array;
  private pb: Int32Array;

  constructor(capacity = INITIAL_CAPACITY) {
    this.cap = Math.max(4, capacity);
    this.time = new Float64Array(this.cap);
    this.key = new Float64Array(this.cap);
    this.hd = new Int32Array(this.cap);
    this.pa = new Int32Array(this.cap);
    this.pb = new Int32Array(this.cap);
  }

  /** Allocated capacity in entries (for memory reports). */
  get capacity(): number {
    return this.cap;
  }

  topTime(): number {
    return this.time[0]!;
  }
  topKey(): number {
    return this.key[0]!;
  }
  topHandler(): number {
    return this.hd[0]!;
  }
  topA(): number {
    return this.pa[0]!;
  }
  topB(): number {
    return this.pb[0]!;
  }

  /** Insert an entry; (t, k) must differ from every pending entry's (the engine guarantees it). */
  push(t: number, k: number, h: number, a: number, b: number): void {
    if (this.size === this.cap) this.grow();
    const time = this.time;
    const key = this.key;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = time[p]!;
      if (pt < t || (pt === t && key[p]! < k)) break;
      this.move(p, i);
      i = p;
    }
    this.write(i, t, k, h, a, b);
  }

  /** Remove the minimum entry (read it first with top*()). No-op when empty. */
  pop(): void {
    if (this.size === 0) return;
    const last = --this.size;
    if (last === 0) return;
    this.siftDown(this.time[last]!, this.key[last]!, this.hd[last]!, this.pa[last]!, this.pb[last]!);
  }

  /** Remove the minimum and insert (t, k, h, a, b): one sift instead of two. Queue must be non-empty. */
  replaceTop(t: number, k: number, h: number, a: number, b: number): void {
    this.siftDown(t, k, h, a, b);
  }

  /** Drop every entry (capacity is kept). */
  clear(): void {
    this.size = 0;
  }

  /** Place an entry at the root hole and sift it down to its position. */
  private siftDown(t: number, k: number, h: number, a: number, b: number): void {
    const time = this.time;
    const key = this.key;
    const n = this.size;
    let i = 0;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= n) break;
      const end = Math.min(c + 4, n);
      let m = c;
      let mt = time[c]!;
      let mk = key[c]!;
      for (let j = c + 1; j < end; j++) {
        const jt = time[j]!;
        if (jt < mt || (jt === mt && key[j]! < mk)) {
          m = j;
          mt = jt;
          mk = key[j]!;
        }
      }
      if (t < mt || (t === mt && k < mk)) break;
      this.move(m, i);
      i = m;
    }
    this.write(i, t, k, h, a, b);
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!;
    this.key[to] = this.key[from]!;
    this.hd[to] = this.hd[from]!;
    this.pa[to] = this.pa[from]!;
    this.pb[to] = this.pb[from]!;
  }

  private write(i: number, t: number, k: number, h: number, a: number, b: number): void {
    this.time[i] = t;
    this.key[i] = k;
    this.hd[i] = h;
    this.pa[i] = a;
    this.pb[i] = b;
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.time = growF64(this.time, cap);
    this.key = growF64(this.key, cap);
    this.hd = growI32(this.hd, cap);
    this.pa = growI32(this.pa, cap);
    this.pb = growI32(this.pb, cap);
    this.cap = cap;
  }
}

function growF64(old: Float64Array, cap: number): Float64Array {
  const next = new Float64Array(cap);
  next.set(old);
  return next;
}

function growI32(old: Int32Array, cap: number): Int32Array {
  const next = new Int32Array(cap);
  next.set(old);
  return next;
}
