/**
 * Small decoders for standard capabilities whose lspci heading depends on register contents:
 * Power Management, AGP, Slot ID, MSI, PCI-X, Debug port, Subsystem ID, SATA, Enhanced Allocation.
 * Sources: PCI Local Bus 3.0 section 6.7/6.8 and its ECNs, pciutils lib/header.h for bit layouts.
 * Each reads the 16-bit word at +2 ("cap" in pciutils), present whenever the walk found the capability.
 */
import { getField } from "../bits.js";
import type { ConfigSpace } from "../config-space.js";
import { MSI } from "../registers.js";
import { bits, type DecodedCap, opt8, opt16, opt32 } from "./types.js";

/** The 16-bit word after the ID/next bytes (0 if somehow absent). */
export function capWord(cs: ConfigSpace, offset: number): number {
  return opt16(cs, offset + 2) ?? 0;
}

/** Header Type bits 6:0 (0 normal, 1 PCI-PCI bridge, 2 CardBus). */
function layout(cs: ConfigSpace): number {
  return (opt8(cs, 0x0e) ?? 0) & 0x7f;
}

export interface PmCap extends DecodedCap {
  /** Power Management Capabilities (PMC). */
  readonly pmc: number;
  /** PMC bits 2:0: version of the PCI PM specification. */
  readonly version: number;
  /** PMCSR bits 1:0: current power state D0..D3hot (absent when not present). */
  readonly powerState?: number;
}
export function decodePm(cs: ConfigSpace, offset: number): PmCap {
  const pmc = capWord(cs, offset);
  const pmcsr = opt16(cs, offset + 4);
  const base = { truncated: pmcsr === undefined, pmc, version: pmc & 0x7 };
  return pmcsr === undefined ? base : { ...base, powerState: pmcsr & 0x3 };
}

export interface AgpCap extends DecodedCap {
  readonly major: number;
  readonly minor: number;
}
export function decodeAgp(cs: ConfigSpace, offset: number): AgpCap {
  const w = capWord(cs, offset);
  return { truncated: false, major: bits(w, 4, 4), minor: bits(w, 0, 4) };
}

export interface SlotIdCap extends DecodedCap {
  /** Expansion Slot register bits 4:0: number of slots. */
  readonly slots: number;
  /** Bit 5: First In Chassis. */
  readonly firstInChassis: boolean;
  readonly chassis: number;
}
export function decodeSlotId(cs: ConfigSpace, offset: number): SlotIdCap {
  const w = capWord(cs, offset);
  return { truncated: false, slots: w & 0x1f, firstInChassis: (w & 0x20) !== 0, chassis: w >>> 8 };
}

export interface MsiCap extends DecodedCap {
  readonly control: number;
  readonly enable: boolean;
  /** Vectors requested: 2^(Multiple Message Capable). */
  readonly vectorsCapable: number;
  /** Vectors allocated: 2^(Multiple Message Enable). */
  readonly vectorsEnabled: number;
  readonly maskable: boolean;
  readonly addr64: boolean;
}
export function decodeMsi(cs: ConfigSpace, offset: number): MsiCap {
  const w = capWord(cs, offset);
  const f = MSI.FLAGS.fields;
  return {
    truncated: false,
    control: w,
    enable: getField(w, f.ENABLE.mask) === 1,
    vectorsCapable: 1 << getField(w, f.QMASK.mask),
    vectorsEnabled: 1 << getField(w, f.QSIZE.mask),
    maskable: getField(w, f.MASKBIT.mask) === 1,
    addr64: getField(w, f.ADDR_64.mask) === 1,
  };
}

export interface PcixCap extends DecodedCap {
  /** Which register layout applies: by header type (lspci shows nothing for CardBus). */
  readonly variant: "device" | "bridge" | "none";
}
export function decodePcix(cs: ConfigSpace, _offset: number): PcixCap {
  const l = layout(cs);
  return { truncated: false, variant: l === 0 ? "device" : l === 1 ? "bridge" : "none" };
}

export interface DebugPortCap extends DecodedCap {
  /** Bits 15:13: BAR number (1-based as in the EHCI spec). */
  readonly bar: number;
  /** Bits 12:0: offset within the BAR. */
  readonly offset: number;
}
export function decodeDebugPort(cs: ConfigSpace, offset: number): DebugPortCap {
  const w = capWord(cs, offset);
  return { truncated: false, bar: w >>> 13, offset: w & 0x1fff };
}

export interface SsvidCap extends DecodedCap {
  readonly subsystemVendor?: number;
  readonly subsystemDevice?: number;
}
/** Bridge Subsystem Vendor ID capability: IDs at +4 and +6 (lspci needs all 8 bytes present). */
export function decodeSsvid(cs: ConfigSpace, offset: number): SsvidCap {
  if (!cs.has(offset, 8)) return { truncated: true };
  return { truncated: false, subsystemVendor: cs.read16(offset + 4), subsystemDevice: cs.read16(offset + 6) };
}

export interface SataCap extends DecodedCap {
  readonly major: number;
  readonly minor: number;
  /** SATA Capability Register 1 at +4 (BAR location bits 3:0, offset bits 23:4). */
  readonly bars?: number;
  readonly barLocation?: number;
  readonly barOffset?: number;
}
export function decodeSata(cs: ConfigSpace, offset: number): SataCap {
  const w = capWord(cs, offset);
  const base = { major: bits(w, 4, 4), minor: bits(w, 0, 4) };
  const bars = opt32(cs, offset + 4);
  if (bars === undefined) return { ...base, truncated: true };
  return { ...base, truncated: false, bars, barLocation: bits(bars, 0, 4), barOffset: bits(bars, 4, 20) };
}

export interface EaCap extends DecodedCap {
  /** Bits 5:0 of the word at +2: number of entries. */
  readonly numEntries: number;
  /** Type 1 headers: fixed secondary and subordinate bus numbers (bytes at +4, +5). */
  readonly bridge?: { readonly secondary: number; readonly subordinate: number };
  readonly isBridge: boolean;
}
export function decodeEa(cs: ConfigSpace, offset: number): EaCap {
  const numEntries = bits(capWord(cs, offset), 0, 6);
  if (layout(cs) !== 1) return { truncated: false, numEntries, isBridge: false };
  if (!cs.has(offset + 4, 2)) return { truncated: true, numEntries, isBridge: true };
  return {
    truncated: false,
    numEntries,
    isBridge: true,
    bridge: { secondary: cs.read8(offset + 4), subordinate: cs.read8(offset + 5) },
  };
}
