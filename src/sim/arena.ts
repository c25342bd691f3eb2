/**
 * Zeroed Int32Arrays taken and given back cleared, so that a process running many short simulations one
 * after the other (a sweep worker) reuses the big arrays of its models instead of allocating them
 * for every run. Allocating megabytes per run costs page faults, external-memory pressure that
 * brings on full GCs (and with them V8's re-optimisation of code whose maps died), and, with
 * several worker threads in one process, contention on the process's memory map: measured, it
 * kept two sweep threads from being faster than one.
 *
 * The giver clears what it wrote before giving an array back (it knows where it wrote: clearing
 * megabytes it never touched would cost what the arena saves), so a taken array is exactly what
 * `new Int32Array(n)` gives and results do not depend on whether an arena was used. The arena keeps at most `maxBytes` (arrays given
 * back beyond that are left to the GC), so a sweep over many geometries does not grow it without
 * bound. One arena per thread; it is not shared.
 */
/** What a model uses of an arena (structural: a run's options name it without the class). */
export interface Int32Source {
  take(n: number): Int32Array;
  give(a: Int32Array): void;
}

export class Int32Arena implements Int32Source {
  private readonly free = new Map<number, Int32Array[]>();
  private bytes = 0;
  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** A zero-filled array of `n` int32s (a reused one when the arena holds one of that length). */
  take(n: number): Int32Array {
    const a = this.free.get(n)?.pop();
    if (!a) return new Int32Array(n);
    this.bytes -= a.byteLength;
    return a;
  }

  /** Give `a` back, all zero; its owner must not use it again. */
  give(a: Int32Array): void {
    if (this.bytes + a.byteLength > this.maxBytes) return;
    const list = this.free.get(a.length);
    if (list) list.push(a);
    else this.free.set(a.length, [a]);
    this.bytes += a.byteLength;
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    return this.bytes;
  }
}
