/**
 * Growable rings of typed arrays: entries head..tail-1 (free-running counters) live at index
 * `counter & mask`. Growing doubles the capacity and re-places the live entries.
 */

type Column = Float64Array | Int32Array | Uint8Array;

/** Copy the live entries of `a` (capacity mask + 1) into `next` (a power-of-two capacity). */
export function regrow<T extends Column>(a: T, next: T, head: number, tail: number, mask: number): T {
  const m = next.length - 1;
  for (let s = head; s < tail; s++) next[s & m] = a[s & mask]!;
  return next;
}
