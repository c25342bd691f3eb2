/**
 * Consumers: engines that read each message after it has landed (compute engines on the
 * accelerator, a CPU on the host). A flow's messages are taken in landing order by its engines.
 *
 * Latency is separate from occupancy. When an engine takes a message (an event at that moment, so
 * the cache lookups see the cache of the moment) it issues the message's loads; its lines arrive
 * after the first-miss latency (0 when every line hits), then the engine is busy for the
 * message's per-line costs, after the work on its earlier messages:
 *   ready = take + latency;  start = max(ready, engine free);  done = start + busy.
 * An engine takes the next message while fewer than maxOutstandingLines lines of the messages it
 * has taken are not yet consumed (a message's lines count until it is done), so a miss's latency
 * overlaps the work on earlier messages, and an engine with room takes a message as soon as it
 * lands. Throughput is then bounded by the per-line costs, not by the latency; the device caps the
 * miss rate at maxOutstandingLines per latency (Little's law) inside a message.
 *
 * Reported per flow: time to consume (done - landed, queueing included), engine utilization (busy
 * time / engines / measured time) and the backlog (messages landed and not yet taken by an engine,
 * the most seen and at the end): a utilization near 1 with a growing backlog means the consumers
 * are saturated and the time to consume is dominated by queueing. (An engine whose outstanding
 * lines are all taken waits without being busy: a growing backlog at a lower utilization means
 * maxOutstandingLines, not the per-line costs, is the limit.)
 */
import type { Simulator } from "../../sim/engine.js";
import type { FlowState } from "./flow-state.js";
import { regrow } from "./ring.js";

/** What reading one message costs an engine, in ps (filled by the device; reused, not allocated). */
export class ConsumeWork {
  /** Engine busy time: fixed start plus the per-line costs. */
  busy = 0;
  /** Wait for the first line: the first miss's latency, 0 when every line hits. */
  latency = 0;
  /** Lines read (they count against the engine's outstanding lines until the message is done). */
  lines = 0;
}

/** The device side: look up the lines of [addr, addr + size) now and fill `w`. */
export interface ConsumeCost {
  consumeCost(f: FlowState, addr: number, size: number, w: ConsumeWork): void;
}

/** A flow's consumer figures, raw (results-collect.ts turns them into a ratio). */
export interface ConsumerStats {
  readonly engines: number;
  /** Engine busy time after warm-up up to now (ps, summed over engines). */
  readonly busyPs: number;
  readonly maxBacklog: number;
  readonly backlog: number;
}

/** One engine: when its work ends, and the messages it has taken and not finished (a ring). */
class Engine {
  free = 0;
  pending = 0;
  head = 0;
  tail = 0;
  private mask = 7;
  rStart = new Float64Array(8);
  rDone = new Float64Array(8);
  rLines = new Float64Array(8);

  take(start: number, done: number, lines: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail++ & this.mask;
    this.rStart[i] = start;
    this.rDone[i] = done;
    this.rLines[i] = lines;
    this.pending += lines;
    this.free = done;
  }

  /** Drop the messages done by `now` (their lines leave the window). */
  retire(now: number): void {
    while (this.head < this.tail && this.rDone[this.head & this.mask]! <= now)
      this.pending -= this.rLines[this.head++ & this.mask]!;
  }

  /** Done time of the oldest unfinished message (when room frees next). */
  nextDone(): number {
    return this.rDone[this.head & this.mask]!;
  }

  /** Busy time after `from` (max(now, warm-up)) of the messages taken and not retired. */
  busyAfter(from: number): number {
    let t = 0;
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      t += Math.max(0, this.rDone[i]! - Math.max(this.rStart[i]!, from));
    }
    return t;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const re = (a: Float64Array<ArrayBuffer>) =>
      regrow(a, new Float64Array(cap), this.head, this.tail, this.mask);
    this.rStart = re(this.rStart);
    this.rDone = re(this.rDone);
    this.rLines = re(this.rLines);
    this.mask = cap - 1;
  }
}

class FlowConsumers {
  readonly engines: Engine[];
  /** Queued messages: landed time, address, size (growable ring). */
  private mask = 15;
  private qT = new Float64Array(16);
  private qA = new Float64Array(16);
  private qS = new Float64Array(16);
  head = 0;
  tail = 0;
  /** First queued message that has not landed by the last pump. */
  arrived = 0;
  lastLanded = 0;
  wakeAt = -1;
  busy = 0;
  maxBacklog = 0;

  constructor(engines: number) {
    this.engines = Array.from({ length: engines }, () => new Engine());
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

  /** Messages landed by `now` and not yet taken (read-only: does not move `arrived`). */
  waiting(now: number): number {
    let a = Math.max(this.arrived, this.head);
    while (a < this.tail && this.qT[a & this.mask]! <= now) a++;
    return a - this.head;
  }

  /** Move `arrived` past the messages landed by `now`. */
  advance(now: number): void {
    if (this.arrived < this.head) this.arrived = this.head;
    while (this.arrived < this.tail && this.qT[this.arrived & this.mask]! <= now) this.arrived++;
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
    const re = (a: Float64Array<ArrayBuffer>) =>
      regrow(a, new Float64Array(cap), this.head, this.tail, this.mask);
    this.qT = re(this.qT);
    this.qA = re(this.qA);
    this.qS = re(this.qS);
    this.mask = cap - 1;
  }
}

export class Consumers {
  private readonly perFlow: (FlowConsumers | undefined)[] = [];
  private readonly hWake: number;
  private readonly work = new ConsumeWork();

  constructor(
    private readonly sim: Simulator,
    private readonly flows: readonly FlowState[],
    private readonly device: ConsumeCost,
    private readonly warmup: number,
    /** Lines an engine may have taken and not consumed before it takes another message. */
    private readonly window: number,
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

  /** The consumer figures of flow `flow` at `now`, or undefined when none of its messages came here. */
  stats(flow: number, now: number): ConsumerStats | undefined {
    const q = this.perFlow[flow];
    if (!q) return undefined;
    const from = Math.max(now, this.warmup);
    let ahead = 0;
    for (const e of q.engines) ahead += e.busyAfter(from);
    const backlog = now >= this.warmup ? q.waiting(now) : 0;
    return {
      engines: q.engines.length,
      busyPs: q.busy - ahead,
      maxBacklog: Math.max(q.maxBacklog, backlog),
      backlog,
    };
  }

  /** Take every landed message while an engine has room. */
  private pump(flow: number): void {
    const q = this.perFlow[flow]!;
    const now = this.sim.now;
    if (q.wakeAt === now) q.wakeAt = -1;
    for (const e of q.engines) e.retire(now);
    q.advance(now);
    if (now >= this.warmup && q.arrived - q.head > q.maxBacklog) q.maxBacklog = q.arrived - q.head;
    const f = this.flows[flow]!;
    while (q.head < q.arrived) {
      const e = this.pick(q);
      if (!e) {
        this.wake(flow, q, this.nextRoom(q));
        return;
      }
      this.take(f, q, e, now);
    }
    if (q.head < q.tail) this.wake(flow, q, q.headTime());
  }

  /** Engine `e` takes the head message now: lookups, then its place in the engine's work. */
  private take(f: FlowState, q: FlowConsumers, e: Engine, now: number): void {
    const w = this.work;
    const landed = q.headTime();
    this.device.consumeCost(f, q.headAddr(), q.headSize(), w);
    const start = Math.max(now + w.latency, e.free);
    const done = start + w.busy;
    e.take(start, done, w.lines);
    q.busy += Math.max(0, done - Math.max(start, this.warmup));
    if (landed >= this.warmup) f.consume.record(done - landed);
    q.head++;
  }

  /** The engine with room whose work ends first (lowest index on ties), or undefined. */
  private pick(q: FlowConsumers): Engine | undefined {
    let best: Engine | undefined;
    for (const e of q.engines) {
      if (e.pending >= this.window) continue;
      if (!best || e.free < best.free) best = e;
    }
    return best;
  }

  /** When the first engine gets room again (every engine is full). */
  private nextRoom(q: FlowConsumers): number {
    let t = Number.POSITIVE_INFINITY;
    for (const e of q.engines) t = Math.min(t, e.nextDone());
    return t;
  }

  private wake(flow: number, q: FlowConsumers, t: number): void {
    if (q.wakeAt >= 0 && q.wakeAt <= t) return;
    q.wakeAt = t;
    this.sim.at(t, this.hWake, flow, 0);
  }
}
