/**
 * A lane: a FIFO of events whose keys are already in order (one link direction's arrivals: FIFO
 * service plus a constant delay keeps them sorted). Only the lane's head sits in the engine's heap,
 * so the heap holds one entry per lane instead of one per TLP in flight; a lane push is an O(1)
 * ring-buffer write. The engine (./engine.ts) owns lanes; devices see them only as numeric ids.
 *
 * Entries are stored column-wise in typed arrays like the heap's; capacity doubles when full and
 * never shrinks, so memory follows the peak number of events in flight on the lane.
 */

const INITIAL_LANE_CAPACITY = 16;

export class LaneBuffer {
  /** Fixed priority of every event on the lane (keeps the lane sorted by key). */
  readonly priority: number;
  /** Time of the newest entry: pushes must not go back in time. */
  lastTime = 0;
  count = 0;
  head = 0;
  private mask = INITIAL_LANE_CAPACITY - 1;
  time = new Float64Array(INITIAL_LANE_CAPACITY);
  key = new Float64Array(INITIAL_LANE_CAPACITY);
  hd = new Int32Array(INITIAL_LANE_CAPACITY);
  pa = new Int32Array(INITIAL_LANE_CAPACITY);
  pb = new Int32Array(INITIAL_LANE_CAPACITY);

  constructor(priority: number) {
    this.priority = priority;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  push(t: number, k: number, h: number, a: number, b: number): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.time[i] = t;
    this.key[i] = k;
    this.hd[i] = h;
    this.pa[i] = a;
    this.pb[i] = b;
    this.count++;
    this.lastTime = t;
  }

  /** Drop the head entry (read it first through `head`). */
  shift(): void {
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** Double the ring, unwrapping it so the head lands at index 0. */
  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const order = (col: Float64Array | Int32Array, next: Float64Array | Int32Array): void => {
      for (let j = 0; j < this.count; j++) next[j] = col[(this.head + j) & this.mask]!;
    };
    const time = new Float64Array(cap);
    const key = new Float64Array(cap);
    const hd = new Int32Array(cap);
    const pa = new Int32Array(cap);
    const pb = new Int32Array(cap);
    order(this.time, time);
    order(this.key, key);
    order(this.hd, hd);
    order(this.pa, pa);
    order(this.pb, pb);
    this.time = time;
    this.key = key;
    this.hd = hd;
    this.pa = pa;
    this.pb = pb;
    this.head = 0;
    this.mask = cap - 1;
  }
}
