/**
 * Splitting a byte range into TLPs that do not cross a power-of-two boundary (MPS for writes and
 * completions, MRRS for read requests), as devices align TLPs to those boundaries; PCIe forbids
 * crossing 4 KiB (Base 6.0 section 2.2.7), and every boundary here divides 4096.
 */
import { ModelError } from "../../base/errors.js";
import { MAX_TLPS } from "./batches.js";

/**
 * Write the sizes of [addr, addr + len) cut at multiples of `boundary` into out[m..limit); returns
 * the new end index. A TLP never carries zero bytes; len must be >= 1.
 */
export function splitAligned(
  addr: number,
  len: number,
  boundary: number,
  out: Int32Array,
  m: number,
  limit: number,
): number {
  let left = len;
  let k = m;
  // Only the first piece can be short at its start: later ones begin on a boundary. (One modulo
  // per range: a float modulo of a bus address is far slower than the subtraction loop.)
  let room = boundary - (addr % boundary);
  while (left > 0) {
    const take = Math.min(room, left);
    if (k >= limit) throw new ModelError(`more than ${MAX_TLPS} TLPs in one batch`);
    out[k++] = take;
    left -= take;
    room = boundary;
  }
  return k;
}
