/**
 * Shared shapes for capability decoders. A decoder takes (config space, capability offset) and
 * returns plain data; it never throws: registers whose bytes are not present are left out and
 * `truncated` says so.
 */
import type { ConfigSpace } from "../config-space.js";

export interface DecodedCap {
  /** Some register the decoder wanted lies beyond the bytes present. */
  readonly truncated: boolean;
}

/**
 * `limit`: where the next structure begins (the nearest capability above this one on the same
 * list, else the end of config space); decoders of variable-length bodies must stay below it.
 */
export type CapDecoder<T extends DecodedCap = DecodedCap> = (
  cs: ConfigSpace,
  offset: number,
  limit?: number,
) => T;

/** Reads that return undefined instead of throwing when the bytes are not present. */
export function opt8(cs: ConfigSpace, offset: number): number | undefined {
  return cs.has(offset, 1) ? cs.read8(offset) : undefined;
}
export function opt16(cs: ConfigSpace, offset: number): number | undefined {
  return cs.has(offset, 2) ? cs.read16(offset) : undefined;
}
export function opt32(cs: ConfigSpace, offset: number): number | undefined {
  return cs.has(offset, 4) ? cs.read32(offset) : undefined;
}

/** Bits [lo, lo+width) of `v`, as pciutils' BITS(v, lo, width). */
export function bits(v: number, lo: number, width: number): number {
  return width >= 32 ? v >>> lo : (v >>> lo) & ((1 << width) - 1);
}

/** True when any bit of `mask` is set (pciutils' FLAG(v, mask) prints `+`). */
export function flag(v: number, mask: number): boolean {
  return (v & mask) >>> 0 !== 0;
}
