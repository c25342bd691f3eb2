/**
 * Consumers: engines that read each message after it has landed (compute engines on the
 * accelerator, a CPU on the host). A flow's messages are consumed in order by the first free of
 * its engines; the cache lookups happen when an engine starts on the message (an event at that
 * moment), so data evicted while the message waited is a miss. Time to consume = end of reading -
 * landing, queueing included.
 */
import type { Simulator } from "../../sim/engine.js";
import type { FlowState } from "./flow-state.js";

/** The device side: how long reading `size` bytes at `addr` takes now (lookups done inside). */
export interface ConsumeCost {
  consumeCost(f: FlowState, addr: number, size: number): number;
}

class FlowConsumers {
  readonly engineFree: Float64Array;
  /** Queued messages: landed time, address, size (growable ring). */
  private mask = 15;
  private qT = new Float64Array(16);
  private qA = new Float64Array(16);
  private qS = new Float64Array(16);
  head = 0;
  tail = 0;
  lastLanded = 0;
  wakeAt = -1;

  constructor(engines: number) {
    this.engineFree = new Float64Array(engines);
  }

  push(landed: number, addr: number, size: number): number {
    if (this.tail - this.head > this.mask) this.grow();
    const t = Math.max(landed, this.lastLanded); // in order per flow
    this.lastLanded = t;
    const i = this.tail++ & this.mask;
    this.qT[i] = t;
    this.qA[i] = addr;
    this.qS[i] = size;
    return t;
  }

  headTime(): number {
    return this.qT[this.head & this.mask]!;
  }
  headAddr(): number {
    return this.qA[this.head & this.mask]!;
  }
  headSize(): number {
    return this.qS[this.head & this.mask]!;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const m = cap - 1;
    const re = (a: Float64Array) => {
      const n = new Float64Array(cap);
      for (let s = this.head; s < this.tail; s++) n[s & m] = a[s & this.mask]!;
      return n;
    };
    this.qT = re(this.qT);
    this.qA = re(this.qA);
    this.qS = re(this.qS);
    this.mask = m;
  }
}

export class Consumers {
  private readonly perFlow: (FlowConsumers | undefined)[] = [];
  private readonly hWake: number;

  constructor(
    private readonly sim: Simulator,
    private readonly flows: readonly FlowState[],
    private readonly device: ConsumeCost,
    private readonly warmup: number,
    name: string,
  ) {
    this.hWake = sim.register((flow) => this.pump(flow), `${name}.consume`);
  }

  /** Message of flow `f` (at `addr`, `size` bytes) has landed at `landed` (>= now). */
  landed(f: FlowState, landed: number, addr: number, size: number): void {
    const c = f.spec.consumer;
    if (c === false) return;
    let q = this.perFlow[f.index];
    if (!q) {
      q = new FlowConsumers(c?.engines ?? 1);
      this.perFlow[f.index] = q;
    }
    const t = q.push(landed, addr, size);
    if (q.tail - q.head === 1) this.wake(f.index, q, t);
  }

  /** Start every queued message that has landed while an engine is free. */
  private pump(flow: number): void {
    const q = this.perFlow[flow]!;
    const now = this.sim.now;
    if (q.wakeAt === now) q.wakeAt = -1;
    const f = this.flows[flow]!;
    while (q.head < q.tail && q.headTime() <= now) {
      const e = earliest(q.engineFree);
      if (q.engineFree[e]! > now) {
        this.wake(flow, q, q.engineFree[e]!);
        return;
      }
      const done = now + this.device.consumeCost(f, q.headAddr(), q.headSize());
      q.engineFree[e] = done;
      if (q.headTime() >= this.warmup) f.consume.record(done - q.headTime());
      q.head++;
    }
    if (q.head < q.tail) this.wake(flow, q, q.headTime());
  }

  private wake(flow: number, q: FlowConsumers, t: number): void {
    if (q.wakeAt >= 0 && q.wakeAt <= t) return;
    q.wakeAt = t;
    this.sim.at(t, this.hWake, flow, 0);
  }
}

function earliest(a: Float64Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! < a[best]!) best = i;
  return best;
}
