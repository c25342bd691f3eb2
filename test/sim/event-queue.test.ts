/**
 * The heap and the engine against a sorted reference under random schedules (fast-check): same
 * minimum after every operation, same execution order, with many equal times and priorities.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SimTraceRecord, Simulator } from "../../src/sim/engine.js";
import { EventQueue } from "../../src/sim/event-queue.js";

type Op =
  | { kind: "push"; t: number; k: number }
  | { kind: "pop" }
  | { kind: "replace"; t: number; k: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), t: fc.integer({ min: 0, max: 20 }), k: fc.nat(1000) }),
  fc.record({ kind: fc.constant("pop" as const) }),
  fc.record({ kind: fc.constant("replace" as const), t: fc.integer({ min: 0, max: 20 }), k: fc.nat(1000) }),
);

describe("EventQueue", () => {
  it("always exposes the minimum (time, key) of a sorted reference, with payloads intact", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const q = new EventQueue(4); // tiny, so growth is exercised
        const ref: [number, number, number][] = []; // [time, key, payload]
        let uid = 0; // keys are made unique by appending a counter, as the engine does
        for (const op of ops) {
          if (op.kind === "pop") {
            q.pop();
            ref.shift();
          } else {
            const key = op.k * 10_000 + uid++;
            if (op.kind === "replace" && ref.length > 0) {
              q.replaceTop(op.t, key, 7, uid, -uid);
              ref.shift();
            } else {
              q.push(op.t, key, 7, uid, -uid);
            }
            ref.push([op.t, key, uid]);
            ref.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          }
          expect(q.size).toBe(ref.length);
          const head = ref[0];
          if (head !== undefined) {
            expect([q.topTime(), q.topKey(), q.topA(), q.topB(), q.topHandler()]).toEqual([
              head[0],
              head[1],
              head[2],
              -head[2],
              7,
            ]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("drains in sorted order after growing far past its initial capacity", () => {
    const q = new EventQueue(4);
    const n = 5000;
    for (let i = 0; i < n; i++) q.push((i * 7919) % 1000, i, 0, i, 0);
    expect(q.capacity).toBeGreaterThanOrEqual(n);
    let prev = [-1, -1];
    for (let i = 0; i < n; i++) {
      const cur = [q.topTime(), q.topKey()];
      expect(cur[0]! > prev[0]! || (cur[0] === prev[0] && cur[1]! > prev[1]!)).toBe(true);
      prev = cur;
      q.pop();
    }
    expect(q.size).toBe(0);
  });
});

/**
 * A random event tree: event i (i >= 1) is a child of an earlier event, scheduled when its parent
 * runs, with a delay and priority. Roots are scheduled before the run.
 */
interface Node {
  readonly parent: number; // -1 for a root
  readonly delay: number; // roots: absolute time
  readonly priority: number;
}

const treeArb: fc.Arbitrary<Node[]> = fc
  .array(
    fc.record({
      parentPick: fc.double({ min: 0, max: 1, noNaN: true }),
      root: fc.boolean(),
      delay: fc.integer({ min: 0, max: 4 }),
      priority: fc.integer({ min: -2, max: 2 }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((raw) =>
    raw.map((r, i) => ({
      parent: i === 0 || r.root ? -1 : Math.min(i - 1, Math.floor(r.parentPick * i)),
      delay: r.delay,
      priority: r.priority,
    })),
  );

/** Naive reference: a list sorted by (time, priority, seq) on every pop. */
function referenceOrder(nodes: Node[]): number[] {
  const children = nodes.map((_, i) => nodes.flatMap((n, j) => (n.parent === i ? [j] : [])));
  const pending: { time: number; prio: number; seq: number; id: number }[] = [];
  let seq = 0;
  const add = (time: number, id: number): void => {
    pending.push({ time, prio: nodes[id]!.priority, seq: seq++, id });
  };
  nodes.forEach((n, i) => {
    if (n.parent === -1) add(n.delay, i);
  });
  const order: number[] = [];
  while (pending.length > 0) {
    pending.sort((x, y) => x.time - y.time || x.prio - y.prio || x.seq - y.seq);
    const ev = pending.shift()!;
    order.push(ev.id);
    for (const c of children[ev.id]!) add(ev.time + nodes[c]!.delay, c);
  }
  return order;
}

function engineOrder(nodes: Node[]): number[] {
  const children = nodes.map((_, i) => nodes.flatMap((n, j) => (n.parent === i ? [j] : [])));
  const sim = new Simulator();
  const order: number[] = [];
  const run = sim.register((id) => {
    order.push(id);
    for (const c of children[id]!) sim.after(nodes[c]!.delay, run, c, 0, nodes[c]!.priority);
  });
  nodes.forEach((n, i) => {
    if (n.parent === -1) sim.at(n.delay, run, i, 0, n.priority);
  });
  sim.run();
  return order;
}

describe("Simulator against a sorted reference", () => {
  it("executes random event trees in exactly the reference order", () => {
    fc.assert(
      fc.property(treeArb, (nodes) => {
        expect(engineOrder(nodes)).toEqual(referenceOrder(nodes));
      }),
      { numRuns: 400 },
    );
  });

  it("gives lane events exactly the order (and sequence numbers) at() gives", () => {
    // Each op is an event on one of three lanes (priorities -1, 0, 1) or a plain event; a lane
    // event with `echo` schedules a follow-up on its lane when it runs.
    const opsArb = fc.array(
      fc.record({
        lane: fc.integer({ min: -1, max: 2 }),
        gap: fc.integer({ min: 0, max: 3 }),
        echo: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 80 },
    );
    const runWith = (ops: { lane: number; gap: number; echo: number }[], useLanes: boolean): string[] => {
      const sim = new Simulator();
      const trace: string[] = [];
      sim.setTrace((e: SimTraceRecord) =>
        trace.push(`${e.time}/${e.priority}/${e.seq}/${e.name}/${e.a}/${e.b}`),
      );
      const prios = [-1, 0, 1];
      const lanes = prios.map((p) => sim.newLane(p));
      const last = [0, 0, 0];
      const put = (lane: number, time: number, h: number, a: number, b: number): void => {
        last[lane] = time;
        if (useLanes) sim.atLane(lanes[lane]!, time, h, a, b);
        else sim.at(time, h, a, b, prios[lane]!);
      };
      const onLane = sim.register((lane, echo) => {
        if (echo > 0) put(lane, Math.max(sim.now, last[lane]!) + echo, onLane, lane, echo - 1);
      }, "lane-ev");
      const plain = sim.register(() => {}, "plain");
      for (const op of ops) {
        if (op.lane < 0) sim.at(op.gap * 2, plain, op.gap, 0);
        else put(op.lane, last[op.lane]! + op.gap, onLane, op.lane, op.echo);
      }
      const total = sim.pending;
      expect(sim.run().events).toBeGreaterThanOrEqual(total);
      expect(sim.pending).toBe(0);
      return trace;
    };
    fc.assert(
      fc.property(opsArb, (ops) => {
        expect(runWith(ops, true)).toEqual(runWith(ops, false));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a lane's order while its ring wraps around and grows", () => {
    // Each event adds two more to the same lane: the ring grows while its head is mid-buffer.
    const order = (useLane: boolean): number[] => {
      const sim = new Simulator();
      const lane = sim.newLane();
      const seen: number[] = [];
      let next = 1;
      let last = 0;
      const h = sim.register((id) => {
        seen.push(id);
        for (let j = 0; j < 2 && next < 300; j++) {
          last = Math.max(last, sim.now) + (next % 3);
          if (useLane) sim.atLane(lane, last, h, next++);
          else sim.at(last, h, next++);
        }
      });
      sim.at(0, h, 0);
      sim.run();
      return seen;
    };
    const viaLane = order(true);
    expect(viaLane).toHaveLength(300);
    expect(viaLane).toEqual(order(false));
  });

  it("rejects a lane event earlier than the lane's last one", () => {
    const sim = new Simulator();
    const h = sim.register(() => {});
    const lane = sim.newLane();
    sim.atLane(lane, 10, h);
    expect(() => sim.atLane(lane, 9, h)).toThrow(/\[10, 2\^53\)/);
    expect(() => sim.newLane(200)).toThrow(/priority/);
  });

  it("counts pending lane events and keeps lane heads out of the count", () => {
    const sim = new Simulator();
    const counts: number[] = [];
    const h = sim.register(() => counts.push(sim.pending));
    const lane = sim.newLane();
    for (const t of [1, 2, 2, 5]) sim.atLane(lane, t, h);
    sim.at(3, h);
    expect(sim.pending).toBe(5);
    expect(sim.nextEventTime()).toBe(1);
    sim.run();
    expect(counts).toEqual([4, 3, 2, 1, 0]);
  });
});
