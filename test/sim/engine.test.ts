/** The engine's contract: ordering by (time, priority, insertion), run/stop semantics, validation. */
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/base/errors.js";
import { type EventHandler, type SimTraceRecord, Simulator } from "../../src/sim/engine.js";
import { Rng } from "../../src/sim/random.js";
import { MAX_TIME, NS } from "../../src/sim/time.js";

/** A simulator whose trace is collected as compact strings "time name a,b p=prio #seq". */
function traced(): { sim: Simulator; trace: string[] } {
  const sim = new Simulator();
  const trace: string[] = [];
  sim.setTrace((e: SimTraceRecord) =>
    trace.push(`${e.time} ${e.name} ${e.a},${e.b} p=${e.priority} #${e.seq}`),
  );
  return { sim, trace };
}

describe("Simulator ordering", () => {
  it("runs a small scenario in (time, priority, insertion) order, including events scheduled while running", () => {
    const { sim, trace } = traced();
    const seen: string[] = [];
    const log: EventHandler = (a, b) => seen.push(`${sim.now}:${a},${b}`);
    const x = sim.register(log, "x");
    const y = sim.register(log, "y");
    // At 10, y spawns: an urgent event now (runs before the pending p=0 events at 10), one at 10
    // with default priority (runs after them) and one at 15.
    const spawn = sim.register((a) => {
      sim.at(sim.now, x, a, 1, -5);
      sim.after(0, x, a, 2);
      sim.after(5, y, a, 3);
    }, "spawn");
    sim.at(10, x, 1);
    sim.at(10, spawn, 2);
    sim.at(10, x, 3);
    sim.at(5, y, 4, 0, 3);
    sim.at(5, y, 5, 0, -1);
    sim.at(10, y, 6, 0, 1);
    sim.at(0, x, 7);
    sim.at(10, x, 8, 0, -1);
    expect(sim.pending).toBe(8);
    const result = sim.run();
    expect(result).toEqual({ reason: "empty", events: 11, now: 15 });
    expect(trace).toEqual([
      "0 x 7,0 p=0 #6",
      "5 y 5,0 p=-1 #4",
      "5 y 4,0 p=3 #3",
      "10 x 8,0 p=-1 #7",
      "10 x 1,0 p=0 #0",
      "10 spawn 2,0 p=0 #1",
      "10 x 2,1 p=-5 #8",
      "10 x 3,0 p=0 #2",
      "10 x 2,2 p=0 #9",
      "10 y 6,0 p=1 #5",
      "15 y 2,3 p=0 #10",
    ]);
    expect(seen).toEqual([
      "0:7,0",
      "5:5,0",
      "5:4,0",
      "10:8,0",
      "10:1,0",
      "10:2,1",
      "10:3,0",
      "10:2,2",
      "10:6,0",
      "15:2,3",
    ]);
    expect(sim.eventsExecuted).toBe(11);
    expect(sim.pending).toBe(0);
  });

  it("gives the same trace for the same seed and a different one for another seed", () => {
    const scenario = (seed: number): string[] => {
      const { sim, trace } = traced();
      const rng = new Rng(seed);
      const hop = sim.register((a, b) => {
        if (b < 6) sim.after(rng.below(4) * NS, hop, a, b + 1, rng.int(-1, 1));
      }, "hop");
      for (let i = 0; i < 5; i++) sim.at(rng.below(3) * NS, hop, i, 0);
      sim.run();
      return trace;
    };
    const a = scenario(7);
    expect(a).toHaveLength(35);
    expect(scenario(7)).toEqual(a);
    expect(scenario(8)).not.toEqual(a);
  });

  it("stops tracing when the hook is removed", () => {
    const { sim, trace } = traced();
    const h = sim.register(() => sim.setTrace(null), "off");
    sim.at(1, h);
    sim.at(2, h);
    sim.run();
    expect(trace).toEqual(["1 off 0,0 p=0 #0"]);
  });
});

describe("Simulator.run", () => {
  it("runs events at `until` inclusively, then sets the clock to until; a later run resumes", () => {
    const sim = new Simulator();
    const times: number[] = [];
    const h = sim.register(() => times.push(sim.now));
    for (const t of [5, 10, 10, 20]) sim.at(t, h);
    expect(sim.run({ until: 10 })).toEqual({ reason: "until", events: 3, now: 10 });
    expect(sim.nextEventTime()).toBe(20);
    expect(sim.run({ until: 100 })).toEqual({ reason: "empty", events: 1, now: 100 });
    expect(times).toEqual([5, 10, 10, 20]);
    expect(sim.nextEventTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it("honours maxEvents and stop()", () => {
    const sim = new Simulator();
    let n = 0;
    const tick = sim.register(() => {
      n++;
      if (n === 7) sim.stop();
      sim.after(1, tick);
    });
    sim.at(0, tick);
    expect(sim.run({ maxEvents: 3 })).toEqual({ reason: "maxEvents", events: 3, now: 2 });
    expect(sim.run()).toEqual({ reason: "stopped", events: 4, now: 6 });
    expect(sim.pending).toBe(1);
    sim.stop(); // outside run(): no effect on the next run
    expect(sim.run({ maxEvents: 2 }).reason).toBe("maxEvents");
  });

  it("consumes the event whose handler threw, and can resume afterwards", () => {
    const sim = new Simulator();
    const ran: number[] = [];
    const h = sim.register((a) => {
      ran.push(a);
      if (a === 1) throw new Error("device bug");
    });
    sim.at(1, h, 1);
    sim.at(2, h, 2);
    expect(() => sim.run()).toThrow("device bug");
    expect(sim.pending).toBe(1);
    expect(sim.eventsExecuted).toBe(1);
    expect(sim.run().events).toBe(1);
    expect(ran).toEqual([1, 2]);
  });

  it("reports the next event time from inside a handler, after the running event", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.register((a) => {
      seen.push(sim.nextEventTime());
      if (a === 1) sim.after(2, h, 2);
    });
    sim.at(5, h, 1);
    sim.at(9, h, 3);
    sim.run();
    expect(seen).toEqual([9, 9, Number.POSITIVE_INFINITY]);
    expect(sim.eventsExecuted).toBe(3);
  });

  it("refuses to run re-entrantly", () => {
    const sim = new Simulator();
    const h = sim.register(() => sim.run());
    sim.at(0, h);
    expect(() => sim.run()).toThrow(/inside an event handler/);
  });
});

describe("closure timers", () => {
  it("run at their time in key order with integer events, and cancel", () => {
    const { sim, trace } = traced();
    const order: string[] = [];
    const h = sim.register((a) => order.push(`h${a}`), "h");
    const t1 = sim.schedule(10, () => order.push("t1"));
    const t2 = sim.scheduleAt(10, () => order.push("t2"), -1);
    sim.at(10, h, 1);
    const t3 = sim.schedule(20, () => order.push("t3"));
    expect(t3.pending).toBe(true);
    expect(t3.cancel()).toBe(true);
    expect(t3.cancel()).toBe(false);
    sim.run();
    expect(order).toEqual(["t2", "t1", "h1"]);
    expect(t1.pending).toBe(false);
    expect(t2.time).toBe(10);
    expect(trace[0]).toBe("10 timer 1,0 p=-1 #1");
    expect(trace).toHaveLength(4); // the cancelled timer still pops, as a no-op
  });

  it("reuses timer slots so memory stays flat", () => {
    const sim = new Simulator();
    let fired = 0;
    const again = (): void => {
      fired++;
      if (fired < 1000) sim.schedule(3, again);
    };
    sim.schedule(0, again);
    sim.run();
    expect(fired).toBe(1000);
    expect(sim.now).toBe(2997);
    expect(sim.queueCapacity).toBe(1024);
  });
});

describe("validation", () => {
  const sim = new Simulator();
  const h = sim.register(() => {});
  const late = new Simulator();
  late.run({ until: 10 });
  const cases: [string, () => void][] = [
    ["fractional delay", () => sim.after(1.5, h)],
    ["negative delay", () => sim.after(-1, h)],
    ["NaN delay", () => sim.after(Number.NaN, h)],
    ["time past 2^53", () => sim.at(MAX_TIME + 1, h)],
    [
      "delay ending past 2^53",
      () =>
        late.after(
          MAX_TIME - 5,
          late.register(() => {}),
        ),
    ],
    ["unknown handler", () => sim.at(1, 99)],
    ["reserved lane handler", () => sim.at(1, 0)],
    ["reserved timer handler", () => sim.at(1, 1)],
    ["non-int32 payload", () => sim.at(1, h, 2 ** 31)],
    ["fractional payload", () => sim.at(1, h, 0, 0.5)],
    ["priority too low", () => sim.at(1, h, 0, 0, -129)],
    ["priority too high", () => sim.at(1, h, 0, 0, 128)],
    ["fractional priority", () => sim.at(1, h, 0, 0, 0.5)],
    ["negative maxEvents", () => sim.run({ maxEvents: -1 })],
    ["fractional until", () => sim.run({ until: 1.5 })],
    ["closure delay", () => sim.schedule(-3, () => {})],
    ["unknown lane", () => sim.atLane(3, 1, h)],
  ];
  it.each(cases)("rejects %s with a ModelError", (_name, f) => {
    expect(f).toThrow(ModelError);
  });

  it("rejects times before now", () => {
    const s = new Simulator();
    const g = s.register(() => {});
    s.at(50, g);
    s.run();
    expect(() => s.at(49, g)).toThrow(/\[50, 2\^53\)/);
    expect(() => s.run({ until: 10 })).toThrow(ModelError);
    expect(() => s.scheduleAt(10, () => {})).toThrow(ModelError);
  });

  it("accepts the largest safe time", () => {
    const s = new Simulator();
    const g = s.register(() => {});
    s.at(MAX_TIME, g);
    expect(s.run()).toEqual({ reason: "empty", events: 1, now: MAX_TIME });
  });

  it("names handlers", () => {
    const s = new Simulator();
    expect(s.handlerName(s.register(() => {}, "rx"))).toBe("rx");
    expect(s.handlerName(s.register(() => {}))).toBe("h3");
    expect(() => s.handlerName(9)).toThrow(ModelError);
  });
});
