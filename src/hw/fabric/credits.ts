/**
 * Credit-based flow control for one class (posted or non-posted) of one link direction: the
 * receiver advertises `headers` header credits and `data` data credits of 16 bytes (PCIe Base 6.0
 * section 2.6.1, one data credit = 4 DW); a TLP may start on the link only when both are
 * available. Credits come back when the receiver frees the TLP (forwards or consumes it), plus
 * the UpdateFC return delay.
 *
 * O(1) per TLP with no events: TLPs are reserved and released in order, so the credits TLP k needs
 * are those freed by TLP k - headers (header credits) and by the oldest TLP whose cumulative data
 * credits reach cum(k) - data. Those must be released before TLP k is reserved: the walker moves
 * TLPs in chunks of at most `headers` TLPs and `data` credits (./datapath.ts). Release times are made non-decreasing (a receiver frees one class
 * in arrival order: head-of-line blocking, as in a switch without virtual output queues).
 * Completion credits are not tracked: endpoints and root complexes advertise infinite completion
 * credits (PCIe Base 4.0 section 2.6.1), and completions are bounded by the requester's
 * outstanding-read limit; switch ports are modelled the same way.
 */
import { ModelError } from "../../base/errors.js";

/** Bytes per data credit. */
export const CREDIT_BYTES = 16;

export class CreditTracker {
  readonly headers: number;
  readonly data: number;
  /** TLPs reserved so far. */
  private n = 0;
  private cum = 0;
  /** Ring capacity - 1 (a power of two above `headers`). */
  private readonly mask: number;
  /** Ring: return time and cumulative data credits after each TLP. */
  private readonly ret: Float64Array;
  private readonly cumAfter: Float64Array;
  /** Oldest TLP that may still be the data-credit constraint. */
  private ptr = 0;
  private lastRet = 0;
  /** TLPs that had to wait for credits, and the total wait (ps). */
  stalls = 0;
  stallPs = 0;

  constructor(headers: number, data: number) {
    if (!(headers >= 1 && data >= 1)) throw new ModelError(`credits must be >= 1 (${headers}, ${data})`);
    this.headers = headers;
    this.data = data;
    const cap = 2 ** Math.ceil(Math.log2(headers + 1));
    this.mask = cap - 1;
    this.ret = new Float64Array(cap);
    this.cumAfter = new Float64Array(cap);
  }

  /** Index of the TLP reserved last (for release()). */
  get lastIndex(): number {
    return this.n - 1;
  }

  /**
   * Reserve credits for the next TLP carrying `dataCredits`; returns the earliest time they are
   * all available (0 when free now). Its index is lastIndex; release it in order.
   */
  reserve(dataCredits: number): number {
    const h = this.headers;
    const m = this.mask;
    const n = this.n;
    let t = 0;
    if (n >= h) t = this.ret[(n - h) & m]!;
    const need = this.cum + dataCredits - this.data;
    if (need > 0) {
      let j = Math.max(this.ptr, n - h);
      while (this.cumAfter[j & m]! < need) j++;
      this.ptr = j;
      const r = this.ret[j & m]!;
      if (r > t) t = r;
    }
    this.cum += dataCredits;
    this.cumAfter[n & m] = this.cum;
    this.n = n + 1;
    return t;
  }

  /** TLP `index` is freed by the receiver; its credits are back at `returnTime`. */
  release(index: number, returnTime: number): void {
    const t = Math.max(returnTime, this.lastRet);
    this.lastRet = t;
    this.ret[index & this.mask] = t;
  }

  /** Record a stall of `ps` (for the results). */
  stalled(ps: number): void {
    this.stalls++;
    this.stallPs += ps;
  }
}
