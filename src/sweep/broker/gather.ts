/**
 * Book-keeping of one broker run: which points are still out, each result handed on exactly once
 * (events may repeat, a job may have run twice, a direct look-up may race an event), and the end
 * of the run (every result in, an abort, a refusal, or onResult throwing).
 */
import type { PointResult, SweepPoint } from "../types.js";
import { acceptResult, errorResult } from "./protocol.js";

export class Gathering {
  private readonly byHash = new Map<string, SweepPoint>();
  private readonly pending = new Set<string>();
  /** Why the run ended early: an error, or none for an abort (the caller's choice, not a failure). */
  private ended: { readonly error?: unknown } | undefined;
  private wake: (() => void) | undefined;
  private lastNews = Date.now();

  /**
   * `refusal` turns a job's failure reason into the error that ends the run (a version skew), or
   * undefined when the failure is the point's own (it becomes an error result).
   */
  constructor(
    points: readonly SweepPoint[],
    private readonly onResult: (r: PointResult) => void,
    private readonly refusal: (reason: string) => Error | undefined,
  ) {
    for (const p of points) {
      if (this.byHash.has(p.hash)) continue;
      this.byHash.set(p.hash, p);
      this.pending.add(p.hash);
    }
  }

  /** Hashes still waiting for a result, in plan order. */
  outstanding(): string[] {
    return [...this.pending];
  }

  point(hash: string): SweepPoint {
    const p = this.byHash.get(hash);
    if (!p) throw new Error(`no point ${hash} in this run`);
    return p;
  }

  /** Done: every result in, or ended by an error. */
  settled(): boolean {
    return this.ended !== undefined || this.pending.size === 0;
  }

  /** A job completed with `value` (from an event or a look-up); ignored unless it is still out. */
  completed(hash: string, value: unknown): void {
    if (this.settled() || !this.pending.has(hash)) return;
    this.deliver(acceptResult(this.point(hash), value));
  }

  /** A job failed for good with `reason`. */
  failed(hash: string, reason: string): void {
    if (this.settled() || !this.pending.has(hash)) return;
    const refused = this.refusal(reason);
    if (refused) this.end(refused);
    else this.deliver(errorResult(this.point(hash), `worker failed: ${reason}`));
  }

  /** End the run early without an error (an abort: the points left out simply have no result). */
  abort(): void {
    if (this.ended === undefined) {
      this.ended = {};
      this.wake?.();
    }
  }

  /**
   * Wait until settled; after each quiet spell of `quietMs` with points out, `lookUp` checks them
   * directly. Throws the error that ended the run, if one did.
   */
  async wait(quietMs: number, lookUp: () => Promise<void>): Promise<void> {
    while (!this.settled()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, quietMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (!this.settled() && Date.now() - this.lastNews >= quietMs) {
        this.lastNews = Date.now();
        await lookUp();
      }
    }
    if (this.ended && "error" in this.ended) throw this.ended.error;
  }

  private deliver(r: PointResult): void {
    this.pending.delete(r.hash);
    this.lastNews = Date.now();
    try {
      this.onResult(r);
    } catch (e) {
      this.end(e);
      return;
    }
    if (this.pending.size === 0) this.wake?.();
  }

  private end(error: unknown): void {
    this.ended = { error };
    this.wake?.();
  }
}
