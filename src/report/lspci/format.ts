/** Small formatting helpers shared by the lspci renderer (printf equivalents). */

/** Lowercase hex, zero-padded to `width` digits (printf `%0Nx`). */
export function hx(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, "0");
}

/** pciutils' FLAG(): `+` when set, `-` when clear. */
export function pm(on: boolean): string {
  return on ? "+" : "-";
}

/** A number in binary with `width` digits and a `b` suffix, as the PCIe specification writes fields. */
export function bin(n: number, width: number): string {
  return `${n.toString(2).padStart(width, "0")}b`;
}
