/**
 * The one getField/setField pair. A field is named by its mask (e.g. 0x0000_0600 for TPH ST
 * Table Location); the shift is derived from the mask's lowest set bit, so register tables list
 * masks only and no shift can disagree with its mask.
 *
 * Values are unsigned 32-bit numbers. Wider quantities (the ACPI 64-bit st_info) use bigint helpers.
 */

/** Index of the lowest set bit of a non-zero 32-bit mask. */
export function maskShift(mask: number): number {
  if (mask === 0) throw new RangeError("empty field mask");
  return 31 - Math.clz32(mask & -mask);
}

/** Extract the field selected by `mask` from a 32-bit register value. */
export function getField(value: number, mask: number): number {
  return ((value & mask) >>> 0) >>> maskShift(mask);
}

/** Return `value` with the field selected by `mask` replaced by `field` (excess bits dropped). */
export function setField(value: number, mask: number, field: number): number {
  const shifted = (field << maskShift(mask)) & mask;
  return ((value & ~mask) | shifted) >>> 0;
}

/** True when every bit of `mask` is set in `value`. */
export function hasBits(value: number, mask: number): boolean {
  return (value & mask) >>> 0 === mask >>> 0;
}

/** Field of a 64-bit little-endian quantity held as bigint, by bit range [hi:lo]. */
export function getBits64(value: bigint, hi: number, lo: number): number {
  const width = BigInt(hi - lo + 1);
  return Number((value >> BigInt(lo)) & ((1n << width) - 1n));
}

/** Format `n` as zero-padded lowercase hex of `digits` digits. */
export function hex(n: number, digits: number): string {
  return (n >>> 0).toString(16).padStart(digits, "0");
}
