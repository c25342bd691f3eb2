/**
 * A serializing resource of the fabric (one link direction, an internal forwarding path, a device
 * ingress, an HBM or DRAM port): a FIFO single server with its byte rate and traffic counters.
 *
 * It computes exactly the sim Pipe's recursion (D_k = max(A_k, D_{k-1}) + S_k, with the same
 * busy-period accounting; test/hw/fabric/port.test.ts checks them against each other), written out
 * here because it runs several times per TLP in the walker's innermost loop and the Pipe's
 * per-call argument checks cost as much as the arithmetic. Offers arriving "earlier" than one
 * already accepted are served after it: FIFO in the order the model hands work over, which is
 * time order except where two streams merge (see ./route.ts) or a credit stall holds the queue.
 */
import { regrow } from "./ring.js";

export class Port {
  readonly name: string;
  /** Picoseconds per byte (8000 / Gb/s, or 1000 / GB/s). */
  readonly psPerByte: number;
  /** TLPs (or jobs) and bytes offered. */
  jobs = 0;
  bytes = 0;
  private free = 0;
  private last = 0;
  private busyClosed = 0;
  private periodStart = 0;
  private memoBytes = -1;
  private memoSvc = 0;
  private busyBase = 0;
  private since = 0;
  private jobsBase = 0;
  private bytesBase = 0;
  /**
   * The next time busy time will be asked for (end of warm-up, end of the run; see setCut()). A
   * busy period that closes after it (the model computes departures ahead of time) is kept apart,
   * so busyTime(t) counts only its part before t; one that closes by it is folded into busyClosed.
   */
  private cut = Number.POSITIVE_INFINITY;
  private fStart = new Float64Array(8);
  private fEnd = new Float64Array(8);
  private fHead = 0;
  private fTail = 0;

  constructor(name: string, psPerByte: number) {
    this.name = name;
    this.psPerByte = psPerByte;
  }

  /** When the server finishes all accepted work. */
  get nextFree(): number {
    return this.free;
  }

  /** Service time of `bytes` in integer picoseconds (rounded to nearest). */
  svc(bytes: number): number {
    if (bytes === this.memoBytes) return this.memoSvc;
    this.memoBytes = bytes;
    this.memoSvc = Math.round(bytes * this.psPerByte);
    return this.memoSvc;
  }

  /** Accept `bytes` needing `service` ps, arriving at `arrival` (clamped to the previous arrival); returns the departure. */
  offer(arrival: number, bytes: number, service: number): number {
    let a = arrival;
    if (a < this.last) a = this.last;
    else this.last = a;
    let start = this.free;
    if (a > start) {
      if (start > this.cut) this.closeLater(start);
      else this.busyClosed += start - this.periodStart;
      this.periodStart = a;
      start = a;
    }
    // Work handed over after the warm-up mark but served from before it (a completion computed
    // late for a request that came earlier): its part before the mark is not measured time.
    if (start < this.since) this.busyBase += Math.min(start + service, this.since) - start;
    this.free = start + service;
    this.jobs++;
    this.bytes += bytes;
    return this.free;
  }

  /**
   * Busy time in [0, t]: exact for t at or after the latest arrival (as sim Pipe.busyTime), and
   * for t at the cut (setCut()) when the work was offered.
   */
  busyTime(t: number): number {
    const open = t - this.periodStart;
    const len = this.free - this.periodStart;
    let busy = this.busyClosed + (open <= 0 ? 0 : Math.min(open, len));
    for (let k = this.fHead; k < this.fTail; k++) {
      const i = k & (this.fStart.length - 1);
      busy += Math.max(0, Math.min(this.fEnd[i]!, t) - this.fStart[i]!);
    }
    return busy;
  }

  /** Busy time will next be asked for at `t` (>= the previous cut): periods closed by then fold. */
  setCut(t: number): void {
    this.cut = t;
    const m = this.fStart.length - 1;
    while (this.fHead < this.fTail && this.fEnd[this.fHead & m]! <= t) {
      const i = this.fHead++ & m;
      this.busyClosed += this.fEnd[i]! - this.fStart[i]!;
    }
  }

  /** Close the busy period ending at `end`, after the cut: keep it apart (rare: near the cut only). */
  private closeLater(end: number): void {
    let m = this.fStart.length - 1;
    if (this.fTail - this.fHead > m) {
      const cap = (m + 1) * 2;
      this.fStart = regrow(this.fStart, new Float64Array(cap), this.fHead, this.fTail, m);
      this.fEnd = regrow(this.fEnd, new Float64Array(cap), this.fHead, this.fTail, m);
      m = cap - 1;
    }
    const i = this.fTail++ & m;
    this.fStart[i] = this.periodStart;
    this.fEnd[i] = end;
  }

  /** Start measuring at `now` (end of warm-up). */
  markWarm(now: number): void {
    this.busyBase = this.busyTime(now);
    this.since = now;
    this.jobsBase = this.jobs;
    this.bytesBase = this.bytes;
  }

  /** Busy fraction of [warm-up, now]. */
  utilization(now: number): number {
    const span = now - this.since;
    return span > 0 ? (this.busyTime(now) - this.busyBase) / span : 0;
  }

  /** Jobs and bytes since warm-up. */
  measured(): { jobs: number; bytes: number } {
    return { jobs: this.jobs - this.jobsBase, bytes: this.bytes - this.bytesBase };
  }
}

/** Picoseconds per byte of a rate in Gb/s. */
export function psPerByteGbps(gbps: number): number {
  return 8000 / gbps;
}

/** Picoseconds per byte of a rate in GB/s. */
export function psPerByteGBps(gBps: number): number {
  return 1000 / gBps;
}
