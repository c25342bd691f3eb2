/** Pipe: the Lindley recursion against a hand computation and against an event-driven FIFO queue. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/base/errors.js";
import { Simulator } from "../../src/sim/engine.js";
import { Pipe } from "../../src/sim/pipe.js";

describe("Pipe", () => {
  it("matches a hand computation of D_k = max(A_k, D_{k-1}) + S_k", () => {
    // k  A   S  start          D    wait
    // 0  0   3  0              3    0
    // 1  1   3  max(1,3)=3     6    2
    // 2  2   3  max(2,6)=6     9    4
    // 3  10  2  max(10,9)=10   12   0   (idle 9..10: busy period [0,9] closes)
    // 4  10  2  12             14   2
    // 5  30  1  30             31   0   (idle 14..30)
    const pipe = new Pipe();
    const arrivals = [0, 1, 2, 10, 10, 30];
    const services = [3, 3, 3, 2, 2, 1];
    const departures = arrivals.map((a, k) => pipe.offer(a, services[k]!));
    expect(departures).toEqual([3, 6, 9, 12, 14, 31]);
    expect(pipe.nextFree).toBe(31);
    expect(pipe.jobs).toBe(6);
    expect(pipe.meanWait).toBe(8 / 6);
    // Busy: [0,9] + [10,14] + [30,31] = 9 + 4 + 1.
    expect(pipe.busyTime(40)).toBe(14);
    expect(pipe.busyTime(30.5)).toBe(13.5);
    expect(pipe.busyTime(30)).toBe(13);
    expect(pipe.utilization(40)).toBe(14 / 40);
    expect(pipe.backlog(30)).toBe(1);
    expect(pipe.backlog(35)).toBe(0);
  });

  it("offerBurst equals offering the jobs one by one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(50), count: fc.integer({ min: 1, max: 6 }), service: fc.nat(20) }), {
          maxLength: 30,
        }),
        (bursts) => {
          const burst = new Pipe();
          const single = new Pipe();
          let t = 0;
          for (const b of bursts) {
            t += b.gap;
            const last = burst.offerBurst(t, b.count, b.service);
            let d = 0;
            for (let i = 0; i < b.count; i++) {
              d = single.offer(t, b.service);
              expect(d).toBe(last - (b.count - 1 - i) * b.service);
            }
            expect(last).toBe(d);
          }
          expect(burst.jobs).toBe(single.jobs);
          expect(burst.meanWait).toBeCloseTo(single.meanWait, 9);
          expect(burst.busyTime(t + 1000)).toBe(single.busyTime(t + 1000));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("agrees with an event-driven single-server FIFO queue (departures and busy time)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat(30), service: fc.nat(25) }), { minLength: 1, maxLength: 60 }),
        (jobs) => {
          // Reference: classic event simulation with a FIFO list and a busy flag.
          const sim = new Simulator();
          const queue: number[] = [];
          const departures: number[] = [];
          let busy = false;
          let busySince = 0;
          let busyTotal = 0;
          const startNext = (): void => {
            const k = queue.shift();
            if (k === undefined) {
              busy = false;
              busyTotal += sim.now - busySince;
              return;
            }
            sim.after(jobs[k]!.service, done, k);
          };
          const done = sim.register((k) => {
            departures[k] = sim.now;
            startNext();
          }, "done");
          const arrive = sim.register((k) => {
            queue.push(k);
            if (!busy) {
              busy = true;
              busySince = sim.now;
              startNext();
            }
          }, "arrive");
          let t = 0;
          const arrivals = jobs.map((j) => (t += j.gap));
          arrivals.forEach((a, k) => {
            sim.at(a, arrive, k);
          });
          sim.run();
          if (busy) busyTotal += sim.now - busySince;

          const pipe = new Pipe();
          expect(arrivals.map((a, k) => pipe.offer(a, jobs[k]!.service))).toEqual(departures);
          expect(pipe.busyTime(sim.now)).toBe(busyTotal);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects out-of-order arrivals and non-integer times", () => {
    const pipe = new Pipe();
    pipe.offer(10, 1);
    expect(() => pipe.offer(9, 1)).toThrow(/non-decreasing \(last 10\)/);
    expect(() => pipe.offer(11, 0.5)).toThrow(ModelError);
    expect(() => pipe.offer(11.5, 1)).toThrow(ModelError);
    expect(() => pipe.offer(12, -1)).toThrow(ModelError);
    expect(() => pipe.offerBurst(12, 0, 1)).toThrow(ModelError);
    expect(() => pipe.offer(2 ** 53 - 2, 5)).toThrow(/2\^53/);
    expect(new Pipe().meanWait).toBe(0);
    expect(new Pipe().utilization(0)).toBe(0);
  });
});
