/**
 * Address lines of lspci's verbose header (lspci.c show_bases, show_rom, show_range, pciutils
 * 3.9.0): `Region N:` (`-vv`) or a bare line (`-v`), `Expansion ROM at`, and the bridge windows.
 * Addresses are bigint: 64-bit BARs and sysfs resources do not fit a double.
 */
import type { ConfigSpace } from "../../pcie/config-space.js";
import type { LibpciFill } from "./host.js";

const IORES_IO = 0x100n;
const IORES_MEM = 0x200n;
const IORES_TYPE_BITS = 0x1f00n;
const IORES_PREFETCH = 0x2000n;
const IORES_MEM_64 = 0x100000n;
const IORES_EA_BEI = 0x20n;
const CMD_IO = 1;
const CMD_MEM = 2;
const ROM_MASK = ~0x7ffn;

/** printf `%0Nllx` of an unsigned 64-bit value. */
export function hx64(n: bigint, width: number): string {
  return BigInt.asUintN(64, n).toString(16).padStart(width, "0");
}

/** lspci show_size: ` [size=N{,K,M,G,T}]`, nothing for 0. */
export function sizeText(x: bigint): string {
  if (x === 0n) return "";
  const suffix = ["", "K", "M", "G", "T"];
  let i = 0;
  while (i < suffix.length - 1 && x % 1024n === 0n) {
    x /= 1024n;
    i++;
  }
  return ` [size=${BigInt.asUintN(32, x)}${suffix[i]}]`;
}

/** ioflg_to_pciflg: a kernel resource's flags as BAR low bits. */
function ioflgToPciflg(f: bigint): number {
  if (f & IORES_IO) return 1;
  if (!(f & IORES_MEM)) return 0;
  return (f & IORES_MEM_64 ? 4 : 0) | (f & IORES_PREFETCH ? 8 : 0);
}

const MEM_TYPE = ["32-bit", "low-1M", "64-bit", "type 3"];

/** lspci show_bases for `cnt` BARs. */
export function baseLines(
  cs: ConfigSpace,
  fill: LibpciFill,
  cnt: number,
  verbosity: number,
  withoutConfig = false,
): string[] {
  const cmd = withoutConfig ? CMD_IO | CMD_MEM : cs.read16(4);
  const out: string[] = [];
  for (let i = 0; i < cnt; i++) {
    const pos = fill.baseAddr[i] ?? 0n;
    const len = fill.size?.[i] ?? 0n;
    const ioflg = fill.ioFlags?.[i] ?? 0n;
    let flg = fill.ioFlags ? ioflgToPciflg(ioflg) : withoutConfig ? 0 : cs.read32(0x10 + 4 * i);
    if (flg === 0xffffffff) flg = 0;
    if (!pos && !flg && !len) continue;
    let hwLower = 0;
    let hwUpper = 0;
    let broken = false;
    let virt = false;
    if (fill.ioFlags && !withoutConfig) {
      hwLower = cs.read32(0x10 + 4 * i);
      if ((hwLower & 1) === (ioflgToPciflg(ioflg) & 1)) {
        if ((ioflg & IORES_TYPE_BITS) === IORES_MEM && (hwLower & 6) === 4) {
          // lspci reads the upper half at BAR + 4*i + 1 (sic), one byte past the register.
          if (i >= cnt - 1) broken = true;
          else hwUpper = cs.read32(0x10 + 4 * i + 1);
        }
        if (pos && !hwLower && !hwUpper && !(ioflg & IORES_EA_BEI)) virt = true;
      }
    }
    let s = verbosity > 1 ? `\tRegion ${i}: ` : "\t";
    if (flg & 1) {
      const a = pos & ~3n;
      s += "I/O ports at ";
      if (a || cmd & CMD_IO) s += hx64(a, 4);
      else s += hwLower ? "<ignored>" : "<unassigned>";
      if (virt) s += " [virtual]";
      else if (!(cmd & CMD_IO)) s += " [disabled]";
    } else {
      const a = pos & ~0xfn;
      s += "Memory at ";
      if (broken) s += "<broken-64-bit-slot>";
      else if (a) s += hx64(a, 8);
      else s += hwLower || hwUpper ? "<ignored>" : "<unassigned>";
      s += ` (${MEM_TYPE[(flg >> 1) & 3]}, ${flg & 8 ? "" : "non-"}prefetchable)`;
      if (virt) s += " [virtual]";
      else if (!(cmd & CMD_MEM)) s += " [disabled]";
    }
    if (ioflg & IORES_EA_BEI) s += " [enhanced]";
    out.push(s + sizeText(len));
  }
  return out;
}

/** lspci show_rom; `reg` is the ROM register offset, or undefined for no config data. */
export function romLines(cs: ConfigSpace, fill: LibpciFill, reg: number | undefined): string[] {
  const rom = fill.romBase;
  const len = fill.romSize ?? 0n;
  const ioflg = fill.romFlags ?? 0n;
  let flg = reg === undefined ? BigInt(ioflgToPciflg(ioflg)) : BigInt(cs.read32(reg));
  const cmd = reg === undefined ? CMD_MEM : cs.read16(4);
  if (!rom && !flg && !len) return [];
  let virt = false;
  if (reg !== undefined && rom & ROM_MASK && !(flg & ROM_MASK) && !(ioflg & IORES_EA_BEI)) {
    flg = rom;
    virt = true;
  }
  let s = "\tExpansion ROM at ";
  if (rom & ROM_MASK) s += hx64(rom & ROM_MASK, 8);
  else s += flg & ROM_MASK ? "<ignored>" : "<unassigned>";
  if (virt) s += " [virtual]";
  if (!(flg & 1n)) s += " [disabled]";
  else if (!virt && !(cmd & CMD_MEM)) s += " [disabled by cmd]";
  if (ioflg & IORES_EA_BEI) s += " [enhanced]";
  return [s + sizeText(len)];
}

/** lspci show_range. */
export function rangeLine(
  prefix: string,
  base: bigint,
  limit: bigint,
  bits: number,
  disabled: boolean,
  verbosity: number,
): string {
  let s = `${prefix}:`;
  const w = Math.floor((bits + 3) / 4);
  if (base <= limit || verbosity > 2) s += ` ${hx64(base, w)}-${hx64(limit, w)}`;
  if (!disabled && base <= limit) s += sizeText(BigInt.asUintN(64, limit - base + 1n));
  else s += " [disabled]";
  if (bits) s += ` [${bits}-bit]`;
  return s;
}
