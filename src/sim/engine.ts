/**
 * The discrete-event engine: a clock, a handler table and a priority queue of small integer events.
 *
 * Events are ordered by the key (time, priority, sequence). `time` is integer picoseconds
 * (./time.ts); `priority` is an integer in [PRIORITY_MIN, PRIORITY_MAX], lower runs first among
 * events at the same time; `sequence` is a per-simulator insertion counter, so two events never
 * share a key and equal (time, priority) events run in the order they were scheduled. With the same
 * inputs and seed the event order is therefore identical run to run.
 *
 * Fast path (per TLP): register a handler once with `register(fn)`, then schedule it with
 * `at(time, handler, a, b)` / `after(delay, handler, a, b)`, where `a` and `b` are int32 payloads
 * ("TLP k of flow f at port p" -> a = k, b = f << 8 | p). Nothing is allocated per event.
 * Lanes: events that are produced already in key order (a link's arrivals) can go through
 * `atLane(lane, time, handler, a, b)`: an O(1) append; only each lane's head is in the heap, so the
 * heap stays as small as the number of lanes, not the number of TLPs in flight. The execution order
 * is exactly the one at() would give (same keys).
 * Slow path (rare events): `schedule(delay, () => ...)` takes a closure and returns a cancellable
 * SimTimer.
 */
import { ModelError } from "../base/errors.js";
import { EventQueue } from "./event-queue.js";
import { LaneBuffer } from "./lane.js";
import { checkTime, MAX_TIME } from "./time.js";

/** An event handler; `a` and `b` are the int32 payloads given when the event was scheduled. */
export type EventHandler = (a: number, b: number) => void;

/** Lowest (runs first at equal time) and highest priority. The default priority is 0. */
export const PRIORITY_MIN = -128;
export const PRIORITY_MAX = 127;

/** Key = (priority - PRIORITY_MIN) * SEQ_SPAN + seq: 8 bits of priority over 44 of sequence, < 2^53. */
const SEQ_SPAN = 2 ** 44;
/** Reserved handler ids: the heap entry standing for a lane's head, and closure timers. */
const LANE_HANDLER = 0;
const TIMER_HANDLER = 1;
const FIRST_USER_HANDLER = 2;

export interface SimRunOptions {
  /** Run events with time <= until, then set the clock to `until`. Default: until the queue empties. */
  readonly until?: number;
  /** Stop after this many events (counted in this call). Default: no limit. */
  readonly maxEvents?: number;
}

/** Why run() returned. */
export type SimStopReason = "empty" | "until" | "maxEvents" | "stopped";

export interface SimRunResult {
  readonly reason: SimStopReason;
  /** Events executed by this call. */
  readonly events: number;
  /** The clock when run() returned. */
  readonly now: number;
}

/** One executed event, as the trace hook sees it (allocated only while tracing). */
export interface SimTraceRecord {
  readonly time: number;
  readonly priority: number;
  /** Insertion sequence number (unique per simulator). */
  readonly seq: number;
  readonly handler: number;
  /** The name given to register(). */
  readonly name: string;
  readonly a: number;
  readonly b: number;
}

export type SimTraceHook = (ev: SimTraceRecord) => void;

/** A closure event from schedule()/scheduleAt(); cancel() makes it a no-op. */
export class SimTimer {
  /** The closure, until it runs or is cancelled. */
  fn: (() => void) | null;
  /** Time the timer fires at. */
  readonly time: number;
  constructor(fn: () => void, time: number) {
    this.fn = fn;
    this.time = time;
  }
  /** True until the timer has fired or been cancelled. */
  get pending(): boolean {
    return this.fn !== null;
  }
  /** Cancel; returns false if it had already fired or been cancelled. */
  cancel(): boolean {
    const was = this.fn !== null;
    this.fn = null;
    return was;
  }
}

export class Simulator {
  private clock = 0;
  private readonly queue = new EventQueue();
  private readonly fns: EventHandler[] = [];
  private readonly names: string[] = [];
  private seq = 0;
  /** The running event is still the queue's top: the first schedule in its handler replaces it. */
  private popPending = false;
  private running = false;
  private stopRequested = false;
  private traceHook: SimTraceHook | null = null;
  private executed = 0;
  private loopEvents = 0;
  private readonly lanes: LaneBuffer[] = [];
  /** Events held in lanes, and lanes with a head entry in the heap. */
  private laneEntries = 0;
  private laneHeads = 0;
  private readonly timers: (SimTimer | undefined)[] = [];
  private readonly freeTimerSlots: number[] = [];

  constructor() {
    this.register(() => {
      throw new ModelError("lane head dispatched as an event");
    }, "lane");
    this.register((slot) => this.fireTimer(slot), "timer");
  }

  /** Current simulated time in picoseconds. */
  get now(): number {
    return this.clock;
  }

  /** Events waiting to run (the running event is not counted). */
  get pending(): number {
    return this.queue.size - (this.popPending ? 1 : 0) - this.laneHeads + this.laneEntries;
  }

  /** Events executed since construction. */
  get eventsExecuted(): number {
    return this.executed;
  }

  /** Allocated heap capacity (entries); grows to the peak heap size, never with time. */
  get queueCapacity(): number {
    return this.queue.capacity;
  }

  /** Time of the next event, or Infinity when none is pending. */
  nextEventTime(): number {
    if (this.popPending) {
      // Inside a handler the running event may still be the heap's top: drop it now.
      this.popPending = false;
      this.queue.pop();
    }
    return this.pending === 0 ? Number.POSITIVE_INFINITY : this.queue.topTime();
  }

  /** Add `fn` to the handler table; returns its id for at()/after(). Register once, at build time. */
  register(fn: EventHandler, name?: string): number {
    const id = this.fns.length;
    this.fns.push(fn);
    this.names.push(name ?? `h${id}`);
    return id;
  }

  /** The name a handler was registered with. */
  handlerName(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new ModelError(`no handler ${id}`);
    return name;
  }

  /** Schedule handler(a, b) at absolute `time` (>= now). a and b are int32. */
  at(time: number, handler: number, a = 0, b = 0, priority = 0): void {
    if (!(time >= this.clock && time <= MAX_TIME && Number.isInteger(time))) throw badTime(time, this.clock);
    this.checkEvent(handler, a, b);
    if (!((priority | 0) === priority && priority >= PRIORITY_MIN && priority <= PRIORITY_MAX)) {
      throw badPriority(priority);
    }
    this.enqueue(time, this.nextKey(priority), handler, a, b);
  }

  /** Schedule handler(a, b) `delay` picoseconds from now (integer >= 0). */
  after(delay: number, handler: number, a = 0, b = 0, priority = 0): void {
    if (!(delay >= 0 && Number.isInteger(delay))) throw badTime(this.clock + delay, this.clock);
    this.at(this.clock + delay, handler, a, b, priority);
  }

  /** Create a lane whose events all run at `priority`; returns its id for atLane(). */
  newLane(priority = 0): number {
    if (!((priority | 0) === priority && priority >= PRIORITY_MIN && priority <= PRIORITY_MAX)) {
      throw badPriority(priority);
    }
    this.lanes.push(new LaneBuffer(priority));
    return this.lanes.length - 1;
  }

  /**
   * Schedule handler(a, b) at `time` on `lane`. Times on a lane must not decrease (ModelError);
   * in exchange the push is O(1) and the event runs exactly when at() would have run it.
   */
  atLane(lane: number, time: number, handler: number, a = 0, b = 0): void {
    const buf = this.lanes[lane];
    if (buf === undefined) throw new ModelError(`no lane ${lane}`);
    if (!(time >= this.clock && time >= buf.lastTime && time <= MAX_TIME && Number.isInteger(time))) {
      throw badTime(time, Math.max(this.clock, buf.lastTime));
    }
    this.checkEvent(handler, a, b);
    const key = this.nextKey(buf.priority);
    buf.push(time, key, handler, a, b);
    this.laneEntries++;
    if (buf.count === 1) {
      this.laneHeads++;
      this.enqueue(time, key, LANE_HANDLER, lane, 0);
    }
  }

  /** Run `fn` after `delay` ps (slow path: one SimTimer object per call). */
  schedule(delay: number, fn: () => void, priority = 0): SimTimer {
    checkTime(delay, "delay");
    return this.scheduleAt(this.clock + delay, fn, priority);
  }

  /** Run `fn` at absolute `time` (slow path). */
  scheduleAt(time: number, fn: () => void, priority = 0): SimTimer {
    if (!(time >= this.clock && time <= MAX_TIME && Number.isInteger(time))) throw badTime(time, this.clock);
    if (!((priority | 0) === priority && priority >= PRIORITY_MIN && priority <= PRIORITY_MAX)) {
      throw badPriority(priority);
    }
    const timer = new SimTimer(fn, time);
    const slot = this.freeTimerSlots.pop() ?? this.timers.length;
    this.timers[slot] = timer;
    this.enqueue(time, this.nextKey(priority), TIMER_HANDLER, slot, 0);
    return timer;
  }

  /**
   * Install (or remove, with null) a hook called before each event runs. Off by default; when off
   * the engine pays one null check per event and allocates nothing.
   */
  setTrace(hook: SimTraceHook | null): void {
    this.traceHook = hook;
  }

  /** Ask run() to return after the current event. Outside run() it does nothing. */
  stop(): void {
    if (this.running) this.stopRequested = true;
  }

  /** Execute events in key order until the queue empties, `until` passes, maxEvents, or stop(). */
  run(opts: SimRunOptions = {}): SimRunResult {
    const until = opts.until ?? MAX_TIME;
    const maxEvents = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    checkTime(until, "run until");
    if (until < this.clock) throw new ModelError(`run until ${until} is before now (${this.clock})`);
    if (!(maxEvents >= 0 && (Number.isInteger(maxEvents) || maxEvents === Number.POSITIVE_INFINITY))) {
      throw new ModelError(`maxEvents must be a non-negative integer, got ${maxEvents}`);
    }
    if (this.running) throw new ModelError("Simulator.run() called from inside an event handler");
    this.running = true;
    this.stopRequested = false;
    this.loopEvents = 0;
    let reason: SimStopReason;
    try {
      reason = this.loop(until, maxEvents);
    } finally {
      if (this.popPending) this.queue.pop(); // a throwing handler's event counts as consumed
      this.popPending = false;
      this.running = false;
      this.executed += this.loopEvents;
    }
    if (reason === "until" || (reason === "empty" && opts.until !== undefined)) this.clock = until;
    return { reason, events: this.loopEvents, now: this.clock };
  }

  /** The hot loop. `loopEvents` is written on every exit, so an exception still counts right. */
  private loop(until: number, maxEvents: number): SimStopReason {
    const q = this.queue;
    const fns = this.fns;
    let n = 0;
    try {
      for (;;) {
        if (q.size === 0) return "empty";
        const t = q.topTime();
        if (t > until) return "until";
        if (n === maxEvents) return "maxEvents";
        let h = q.topHandler();
        let a = q.topA();
        let b = q.topB();
        this.clock = t;
        if (h === LANE_HANDLER) {
          const lane = this.lanes[a]!;
          const i = lane.head;
          h = lane.hd[i]!;
          a = lane.pa[i]!;
          b = lane.pb[i]!;
          const key = lane.key[i]!;
          this.advanceLane(lane, q.topA());
          if (this.traceHook !== null) this.emitTrace(t, key, h, a, b);
        } else {
          // Set before the trace hook runs, so even a hook that schedules keeps the heap right.
          this.popPending = true;
          if (this.traceHook !== null) this.emitTrace(t, q.topKey(), h, a, b);
        }
        n++;
        fns[h]!(a, b);
        if (this.popPending) {
          this.popPending = false;
          q.pop();
        }
        if (this.stopRequested) return "stopped";
      }
    } finally {
      this.loopEvents = n;
    }
  }

  /** The lane's head is running: put its successor in the heap, or leave the top to be popped. */
  private advanceLane(lane: LaneBuffer, id: number): void {
    lane.shift();
    this.laneEntries--;
    if (lane.count > 0) {
      const j = lane.head;
      this.queue.replaceTop(lane.time[j]!, lane.key[j]!, LANE_HANDLER, id, 0);
    } else {
      this.laneHeads--;
      this.popPending = true;
    }
  }

  private checkEvent(handler: number, a: number, b: number): void {
    if (!(handler >= FIRST_USER_HANDLER && handler < this.fns.length)) throw badHandler(handler);
    if ((a | 0) !== a || (b | 0) !== b) throw new ModelError(`event payload (${a}, ${b}) must be int32`);
  }

  private nextKey(priority: number): number {
    if (this.seq === SEQ_SPAN) throw new ModelError("event sequence counter exhausted (2^44 events)");
    return (priority - PRIORITY_MIN) * SEQ_SPAN + this.seq++;
  }

  private enqueue(time: number, key: number, handler: number, a: number, b: number): void {
    if (this.popPending) {
      this.popPending = false;
      this.queue.replaceTop(time, key, handler, a, b);
    } else {
      this.queue.push(time, key, handler, a, b);
    }
  }

  private emitTrace(time: number, key: number, handler: number, a: number, b: number): void {
    const prio = Math.floor(key / SEQ_SPAN);
    const hook = this.traceHook!;
    hook({
      time,
      priority: prio + PRIORITY_MIN,
      seq: key - prio * SEQ_SPAN,
      handler,
      name: this.names[handler]!,
      a,
      b,
    });
  }

  private fireTimer(slot: number): void {
    const timer = this.timers[slot]!;
    this.timers[slot] = undefined;
    this.freeTimerSlots.push(slot);
    const fn = timer.fn;
    timer.fn = null;
    if (fn !== null) fn();
  }
}

/* Error builders live outside the hot methods so those stay small enough for V8 to inline. */

function badTime(time: number, earliest: number): ModelError {
  return new ModelError(`event time ${time} must be an integer ps in [${earliest}, 2^53)`);
}

function badPriority(priority: number): ModelError {
  return new ModelError(`priority ${priority} must be an integer in [${PRIORITY_MIN}, ${PRIORITY_MAX}]`);
}

function badHandler(handler: number): ModelError {
  return new ModelError(`no handler ${handler} (register() it first; ids 0 and 1 are reserved)`);
}
