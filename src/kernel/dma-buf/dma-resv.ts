/**
 * The reservation object of a dma-buf (drivers/dma-buf/dma-resv.c): a ww_mutex plus fences. The
 * model keeps who holds the lock so that callers can assert it as lockdep does: a violation is
 * recorded (k.violations and a "lockdep" trace event) and execution continues, never a throw.
 * Fences are names of pending operations; waiting signals them (the model has no async work).
 */
import type { Kernel } from "../kernel.js";

export class DmaResv {
  private holder: string | undefined = undefined;
  private readonly fences: string[] = [];

  /** @k receives violations (recursive locking, unlock of an unheld lock). */
  constructor(private readonly k?: Kernel) {}

  /** dma_resv_lock(): take the lock for `holder` (a function or context name). */
  lock(holder: string): void {
    if (this.holder !== undefined) {
      this.k?.lockdepViolation(`possible recursive locking: ${holder} takes dma_resv held by ${this.holder}`);
      return;
    }
    this.holder = holder;
  }
  /** dma_resv_unlock() */
  unlock(): void {
    if (this.holder === undefined) {
      this.k?.lockdepViolation("bad unlock balance: dma_resv_unlock() of an unheld lock");
      return;
    }
    this.holder = undefined;
  }
  isHeld(): boolean {
    return this.holder !== undefined;
  }
  /** Who holds the lock, if anyone. */
  heldBy(): string | undefined {
    return this.holder;
  }
  /** dma_resv_assert_held(): records a lockdep violation naming `what` when the lock is not held. */
  assertHeld(k: Kernel, what: string, dev?: string): boolean {
    if (this.holder !== undefined) return true;
    k.lockdepViolation(`${what}: dma_resv_assert_held(dmabuf->resv) failed, lock not held`, dev);
    return false;
  }
  /** dma_resv_add_fence() */
  addFence(name: string): void {
    this.fences.push(name);
  }
  /** Unsignalled fences. */
  pendingFences(): readonly string[] {
    return this.fences.slice();
  }
  /** dma_resv_wait_timeout(): every fence signals (the model has no asynchronous work); returns how many. */
  waitFences(): number {
    return this.fences.splice(0).length;
  }
}
