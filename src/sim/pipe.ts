/**
 * Pipe: a FIFO single server (one link direction, one DMA engine, one memory port) computed in
 * O(1) arithmetic instead of events.
 *
 * The tandem-queue (Lindley) recursion: job k arriving at A_k with service time S_k departs at
 *   D_k = max(A_k, D_{k-1}) + S_k,
 * so the server only needs `nextFree` = D_{k-1}. A sender that knows when a TLP is ready computes
 * when its last bit leaves the link without scheduling anything; the receiver sees it at
 * D_k + propagation delay.
 *
 * How devices batch with it (the way to many millions of TLPs per second; see also the engine's
 * notes in ./engine.ts):
 * - Chains: if TLPs enter a chain of pipes in non-decreasing time order and no other traffic joins
 *   downstream, compute the whole path at injection: t = p1.offer(t, s1) + d1; t = p2.offer(t, s2)
 *   + d2; ... FIFO plus a constant delay preserves order, so each pipe is offered in time order.
 *   Zero events per hop; schedule one event only where a decision is needed (the destination).
 * - Merges: where flows from several upstreams share a pipe, arrivals must be offered in time
 *   order; use one event per TLP (or per burst) at the merge point, at its arrival time.
 * - Bursts: N equal TLPs ready at the same time are one offerBurst() call; TLP i (0-based) leaves
 *   at last - (N - 1 - i) * service.
 * - Flow control: a sender blocked on credits can still be O(1): keep the return times of the last
 *   `credits` TLPs in a ring buffer; TLP k may start no earlier than the return time of TLP
 *   k - credits, so its arrival at the pipe is max(ready, returnTime[k - credits]).
 *
 * Times and service times are integer picoseconds (./time.ts). Offers must come in non-decreasing
 * arrival order (FIFO); anything else is a ModelError.
 */
import { ModelError } from "../base/errors.js";
import { MAX_TIME } from "./time.js";

export class Pipe {
  private free = 0;
  private lastArrival = 0;
  /** Busy time of busy periods that ended before `periodStart`. */
  private busyClosed = 0;
  /** Start of the latest busy period (it ends at `free`). */
  private periodStart = 0;
  private jobCount = 0;
  private waitSum = 0;

  /** Time the server finishes all accepted work (D of the last job). */
  get nextFree(): number {
    return this.free;
  }

  /** Jobs accepted so far (bursts count each job). */
  get jobs(): number {
    return this.jobCount;
  }

  /** Mean time jobs waited before service started (0 with no jobs). */
  get meanWait(): number {
    return this.jobCount === 0 ? 0 : this.waitSum / this.jobCount;
  }

  /** Accept a job arriving at `arrival` needing `service` ps; returns its departure time. */
  offer(arrival: number, service: number): number {
    this.check(arrival, service);
    const start = this.startAt(arrival);
    this.free = start + service;
    this.jobCount++;
    this.waitSum += start - arrival;
    if (this.free > MAX_TIME) throw tooLate(this.free);
    return this.free;
  }

  /**
   * Accept `count` jobs of `service` ps each, all arriving at `arrival`; returns the last one's
   * departure. Job i (0-based) departs at (returned) - (count - 1 - i) * service.
   */
  offerBurst(arrival: number, count: number, service: number): number {
    this.check(arrival, service);
    if (!(Number.isInteger(count) && count >= 1)) throw new ModelError(`burst count ${count} must be >= 1`);
    const start = this.startAt(arrival);
    this.free = start + count * service;
    this.jobCount += count;
    // Job i waits (start - arrival) + i * service.
    this.waitSum += count * (start - arrival) + (service * count * (count - 1)) / 2;
    if (this.free > MAX_TIME) throw tooLate(this.free);
    return this.free;
  }

  /** Unfinished work at `now`: how long a job arriving now waits before starting (>= 0). */
  backlog(now: number): number {
    return this.free > now ? this.free - now : 0;
  }

  /**
   * Total busy time in [0, t]. Exact for any t >= the arrival of the latest offer (the usual
   * query: now, or the end of the run); earlier t may over-count busy periods already closed.
   */
  busyTime(t: number): number {
    const open = t - this.periodStart;
    const len = this.free - this.periodStart;
    return this.busyClosed + (open <= 0 ? 0 : Math.min(open, len));
  }

  /** Fraction of [0, t] the server was busy (see busyTime for validity); 0 at t = 0. */
  utilization(t: number): number {
    return t <= 0 ? 0 : this.busyTime(t) / t;
  }

  private check(arrival: number, service: number): void {
    if (
      !(arrival >= this.lastArrival && service >= 0 && Number.isInteger(arrival) && Number.isInteger(service))
    ) {
      throw badOffer(arrival, service, this.lastArrival);
    }
    this.lastArrival = arrival;
  }

  /** Service start for a job arriving at `arrival`; opens a new busy period after an idle gap. */
  private startAt(arrival: number): number {
    if (arrival <= this.free) return this.free;
    this.busyClosed += this.free - this.periodStart;
    this.periodStart = arrival;
    return arrival;
  }
}

/* Cold error builders, outside offer() so it stays small enough to inline. */

function badOffer(arrival: number, service: number, last: number): ModelError {
  return new ModelError(
    `pipe offer (arrival ${arrival}, service ${service}): integers required, arrivals non-decreasing (last ${last})`,
  );
}

function tooLate(departure: number): ModelError {
  return new ModelError(`pipe departure ${departure} exceeds 2^53 ps`);
}
