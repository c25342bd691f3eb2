/**
 * Walking the standard and extended capability lists the way lspci does (pciutils 3.9.0
 * ls-caps.c `show_caps`, ls-ecaps.c `show_ext_caps`), recording every oddity instead of crashing.
 *
 * Standard list (PCI Local Bus 3.0 section 6.7): only when Status bit 4 (Capabilities List) is set;
 * the first pointer is at 0x34 (0x14 for CardBus bridges); pointers have their low two bits masked
 * (they are reserved); the walk stops at a 0 pointer, at an ID of 0xff (`<chain broken>`), at an
 * offset seen before (`<chain looped>`) or at an offset whose 4 bytes are not present
 * (`<access denied>`, e.g. a non-root sysfs read of 64 bytes).
 *
 * Extended list (PCIe Base 6.0 section 7.6): from 0x100; a header of 0 or 0xffffffff ends it; the
 * next pointer is bits 31:20, low two bits masked; a repeated offset ends it (`<chain looped>`);
 * an offset beyond the bytes present ends it silently. lspci walks it only for devices with a PCI
 * Express or PCI-X capability, and shows no capabilities at all for unknown header types.
 *
 * lspci follows pointers into the header (< 0x40) or below 0x100 in the extended list; so do we,
 * and we also record them. Nothing here throws, whatever the bytes.
 */

import { PCI_CAP_ID } from "./capability-ids.js";
import type { ConfigSpace } from "./config-space.js";
import { CONFIG_SIZE_EXTENDED, EXT_CAP_START, HEADER } from "./registers.js";

export type CapKind = "std" | "ext";

/** One capability found on a list. */
export interface CapEntry {
  readonly kind: CapKind;
  readonly id: number;
  /** Extended capabilities only: header bits 19:16. */
  readonly version?: number;
  readonly offset: number;
}

export const CHAIN_PROBLEM = {
  /** std: the capability's 4 bytes are not present (lspci: `Capabilities: <access denied>`). */
  ACCESS_DENIED: "access-denied",
  /** An offset visited twice (lspci: `[OFF] <chain looped>`). */
  LOOP: "loop",
  /** std: ID 0xff (lspci: `[OFF] <chain broken>`); ext: a pointed-to header of 0 or 0xffffffff (lspci stops silently). */
  BROKEN: "broken",
  /** ext: the next pointer leads beyond the bytes present (lspci stops silently). */
  TRUNCATED: "truncated",
  /** std: a pointer into the header (< 0x40); lspci follows it. */
  POINTER_IN_HEADER: "pointer-in-header",
  /** ext: a next pointer below 0x100; lspci follows it. */
  POINTER_BELOW_EXT: "pointer-below-ext",
  /** A pointer with its reserved low two bits set; lspci masks them. */
  UNALIGNED: "unaligned",
  /** The device may have extended capabilities but only the first 256 bytes (or fewer) are present. */
  EXT_ABSENT: "ext-absent",
  /** Header type other than 0, 1, 2: lspci shows no capabilities. */
  UNKNOWN_HEADER_TYPE: "unknown-header-type",
} as const;
export type ChainProblemKind = (typeof CHAIN_PROBLEM)[keyof typeof CHAIN_PROBLEM];

export interface ChainProblem {
  readonly kind: ChainProblemKind;
  readonly list: CapKind;
  /** The offset the problem is about (the capability reached, or the register read). */
  readonly offset: number;
  /** Index into `entries` of the entry this problem comes before (entries.length if after all). */
  readonly at: number;
  /** The raw pointer value, for unaligned pointers. */
  readonly pointer?: number;
  /** ext: the raw header read at `offset` (for loops and broken headers). */
  readonly header?: number;
  readonly message: string;
}

export interface CapabilityWalk {
  /** Header Type register bits 6:0. */
  readonly headerType: number;
  /** Status bit 4: the device says it has a standard capability list. */
  readonly capList: boolean;
  /** True when the extended list was walked (lspci: device has a PCIe or PCI-X capability). */
  readonly extWalked: boolean;
  readonly entries: readonly CapEntry[];
  readonly problems: readonly ChainProblem[];
}

const hex = (n: number, w = 2) => n.toString(16).padStart(w, "0");

class Recorder {
  readonly entries: CapEntry[] = [];
  readonly problems: ChainProblem[] = [];
  add(problem: Omit<ChainProblem, "at">): void {
    this.problems.push({ ...problem, at: this.entries.length });
  }
}

/** Header Type bits 6:0; 0 normal, 1 PCI-PCI bridge, 2 CardBus bridge. */
export function headerLayout(cs: ConfigSpace): number {
  return cs.has(HEADER.HEADER_TYPE.offset, 1) ? cs.read8(HEADER.HEADER_TYPE.offset) & 0x7f : 0;
}

/** The entries and problems of one walk. */
export interface CapChain {
  readonly entries: readonly CapEntry[];
  readonly problems: readonly ChainProblem[];
}

/** Walk the standard list alone (as lspci's show_caps), whatever the header type. */
export function walkStandard(cs: ConfigSpace): CapChain {
  return stdInto(cs, new Recorder());
}

/** Walk the extended list alone (as lspci's show_ext_caps), whether or not the device is PCIe. */
export function walkExtended(cs: ConfigSpace): CapChain {
  return extInto(cs, new Recorder());
}

function stdInto(cs: ConfigSpace, rec: Recorder): Recorder {
  if (!cs.has(0, 64)) return rec;
  const status = cs.read16(HEADER.STATUS.offset);
  if ((status & HEADER.STATUS.fields.CAP_LIST.mask) === 0) return rec;
  const layout = headerLayout(cs);
  const ptrReg = layout === 2 ? HEADER.CB_CAPABILITY_LIST.offset : HEADER.CAPABILITY_LIST.offset;
  const seen = new Set<number>();
  let where = nextStd(rec, cs.read8(ptrReg), ptrReg);
  while (where !== 0) {
    if (!cs.has(where, 4)) {
      rec.add({
        kind: CHAIN_PROBLEM.ACCESS_DENIED,
        list: "std",
        offset: where,
        message: `capability at ${hex(where)} lies beyond the ${cs.length} bytes present`,
      });
      break;
    }
    if (seen.has(where)) {
      rec.add({
        kind: CHAIN_PROBLEM.LOOP,
        list: "std",
        offset: where,
        message: `chain loops back to ${hex(where)}`,
      });
      break;
    }
    seen.add(where);
    if (where < 0x40) {
      rec.add({
        kind: CHAIN_PROBLEM.POINTER_IN_HEADER,
        list: "std",
        offset: where,
        message: `capability pointer ${hex(where)} points into the standard header (below 40)`,
      });
    }
    const id = cs.read8(where);
    if (id === 0xff) {
      rec.add({
        kind: CHAIN_PROBLEM.BROKEN,
        list: "std",
        offset: where,
        message: `capability ID ff at ${hex(where)}`,
      });
      break;
    }
    rec.entries.push({ kind: "std", id, offset: where });
    where = nextStd(rec, cs.read8(where + 1), where + 1);
  }
  return rec;
}

/** Mask a standard pointer like lspci (& ~3), recording reserved bits that were set. */
function nextStd(rec: Recorder, raw: number, reg: number): number {
  const masked = raw & ~3;
  if ((raw & 3) !== 0) {
    rec.add({
      kind: CHAIN_PROBLEM.UNALIGNED,
      list: "std",
      offset: masked,
      pointer: raw,
      message: `pointer ${hex(raw)} at ${hex(reg)} has reserved bits 1:0 set; using ${hex(masked)}`,
    });
  }
  return masked;
}

function extInto(cs: ConfigSpace, rec: Recorder): Recorder {
  const seen = new Set<number>();
  let where = EXT_CAP_START;
  do {
    if (!cs.has(where, 4)) {
      const first = where === EXT_CAP_START;
      rec.add({
        kind: first ? CHAIN_PROBLEM.EXT_ABSENT : CHAIN_PROBLEM.TRUNCATED,
        list: "ext",
        offset: where,
        message: first
          ? `extended capabilities not available: only ${cs.length} bytes of config space present`
          : `extended capability pointer ${hex(where, 3)} lies beyond the ${cs.length} bytes present`,
      });
      break;
    }
    const header = cs.read32(where);
    if (header === 0 || header === 0xffffffff) {
      if (where !== EXT_CAP_START || header !== 0) {
        rec.add({
          kind: CHAIN_PROBLEM.BROKEN,
          list: "ext",
          offset: where,
          header,
          message: `extended capability header at ${hex(where, 3)} reads ${hex(header, 8)}; chain ends`,
        });
      }
      break;
    }
    if (seen.has(where)) {
      rec.add({
        kind: CHAIN_PROBLEM.LOOP,
        list: "ext",
        offset: where,
        header,
        message: `chain loops back to ${hex(where, 3)}`,
      });
      break;
    }
    seen.add(where);
    rec.entries.push({ kind: "ext", id: header & 0xffff, version: (header >>> 16) & 0xf, offset: where });
    where = nextExt(rec, header >>> 20, where);
  } while (where !== 0);
  return rec;
}

function nextExt(rec: Recorder, raw: number, from: number): number {
  const masked = raw & ~3;
  if ((raw & 3) !== 0) {
    rec.add({
      kind: CHAIN_PROBLEM.UNALIGNED,
      list: "ext",
      offset: masked,
      pointer: raw,
      message: `next pointer ${hex(raw, 3)} at ${hex(from, 3)} has reserved bits 1:0 set; using ${hex(masked, 3)}`,
    });
  }
  if (masked !== 0 && masked < EXT_CAP_START) {
    rec.add({
      kind: CHAIN_PROBLEM.POINTER_BELOW_EXT,
      list: "ext",
      offset: masked,
      message: `next pointer ${hex(masked, 3)} at ${hex(from, 3)} points below 100 (standard config space)`,
    });
  }
  return masked;
}

/**
 * Walk both lists as lspci shows them: nothing for unknown header types; the extended list only
 * when the standard list holds a PCI Express or PCI-X capability.
 */
export function walkCapabilities(cs: ConfigSpace): CapabilityWalk {
  const rec = new Recorder();
  const layout = headerLayout(cs);
  const capList =
    cs.has(0, 64) && (cs.read16(HEADER.STATUS.offset) & HEADER.STATUS.fields.CAP_LIST.mask) !== 0;
  if (layout > 2) {
    rec.add({
      kind: CHAIN_PROBLEM.UNKNOWN_HEADER_TYPE,
      list: "std",
      offset: HEADER.HEADER_TYPE.offset,
      message: `unknown header type ${hex(layout)}: capabilities not decoded`,
    });
    return { headerType: layout, capList, extWalked: false, entries: rec.entries, problems: rec.problems };
  }
  stdInto(cs, rec);
  const extWalked = rec.entries.some((e) => e.id === PCI_CAP_ID.EXP || e.id === PCI_CAP_ID.PCIX);
  if (extWalked) extInto(cs, rec);
  return { headerType: layout, capList, extWalked, entries: rec.entries, problems: rec.problems };
}

/** The first capability with `id` on the `kind` list, or undefined. */
export function findCapability(walk: CapabilityWalk, kind: CapKind, id: number): CapEntry | undefined {
  return walk.entries.find((e) => e.kind === kind && e.id === id);
}

/**
 * Where capability `entry`'s body must end: the nearest other capability above it on the same
 * list (chains need not ascend), else the end of its list's space (256 or 4096 bytes).
 */
export function capabilityLimit(walk: Pick<CapabilityWalk, "entries">, entry: CapEntry): number {
  const end = entry.kind === "std" ? 0x100 : CONFIG_SIZE_EXTENDED;
  let limit = end;
  for (const e of walk.entries)
    if (e.kind === entry.kind && e.offset > entry.offset && e.offset < limit) limit = e.offset;
  return limit;
}
