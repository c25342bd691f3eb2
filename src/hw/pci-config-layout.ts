/**
 * Lays out a modelled function's configuration space from its spec: a valid type 0/1 header, the
 * standard capability chain (PM -> PCI Express -> MSI-X) and the extended chain (AER -> TPH
 * Requester), with write masks on every register software may change. Offsets follow common
 * silicon (PM at 0x40, PCIe at 0x60, MSI-X at 0xa0; AER at 0x100, TPH at 0x1b0 by default).
 */

import { setField } from "../pcie/bits.js";
import type { ConfigSpace, Width } from "../pcie/config-space.js";
import {
  ACS,
  BAR,
  CAP_ID,
  EXP,
  EXT_CAP_HEADER,
  EXT_CAP_ID,
  HEADER,
  MSIX,
  PM,
  TPH,
} from "../pcie/registers.js";
import { isBridgeType, type PciFunctionSpec, type PciFunctionType } from "./pci-function-desc.js";

/** Offsets of the capabilities a function carries (0 = absent). */
export interface CapOffsets {
  readonly pm: number;
  readonly exp: number;
  readonly msix: number;
  readonly aer: number;
  readonly tph: number;
  readonly acs: number;
}

/** A register software may write, with its writable bits; reset restores these bits. */
export interface WritableReg {
  readonly offset: number;
  readonly width: Width;
  readonly mask: number;
}

const PM_OFF = 0x40;
const EXP_OFF = 0x60;
/** PCI Express Capability v2 is 0x3c bytes (PCIe Base 6.0 section 7.5.3). */
const EXP_SIZEOF = 0x3c;
const MSIX_OFF = 0xa0;
const AER_OFF = 0x100;
/** AER capability v2 with root port registers (PCI_ERR_ROOT_ERR_SRC + 4). */
const AER_SIZEOF = 0x48;
/** AER Uncorrectable Error Severity power-on default (PCIe Base 6.0 section 7.8.4.4). */
const AER_UNCOR_SEVER_DEFAULT = 0x00462030;
/** ACS right after AER (AER_OFF + AER_SIZEOF). */
const ACS_OFF_AFTER_AER = 0x148;

const EXP_TYPE: Record<PciFunctionType, number> = {
  endpoint: EXP.FLAGS.fields.TYPE.values.ENDPOINT,
  "legacy-endpoint": EXP.FLAGS.fields.TYPE.values.LEGACY_ENDPOINT,
  rciep: EXP.FLAGS.fields.TYPE.values.RC_END,
  "root-port": EXP.FLAGS.fields.TYPE.values.ROOT_PORT,
  "upstream-port": EXP.FLAGS.fields.TYPE.values.UPSTREAM,
  "downstream-port": EXP.FLAGS.fields.TYPE.values.DOWNSTREAM,
};

class Layout {
  readonly writable: WritableReg[] = [];
  constructor(readonly cfg: ConfigSpace) {}
  /** A read-only register with its power-on value. */
  ro(offset: number, width: Width, value: number): void {
    this.cfg.poke(offset, width, value);
  }
  /** A register with power-on value `value` whose `mask` bits software may write. */
  rw(offset: number, width: Width, value: number, mask: number): void {
    this.cfg.poke(offset, width, value);
    this.cfg.setWritable(offset, width, mask);
    this.writable.push({ offset, width, mask });
  }
}

function layoutHeader(l: Layout, s: PciFunctionSpec, capPtr: number): void {
  l.ro(HEADER.VENDOR_ID.offset, 2, s.vendor);
  l.ro(HEADER.DEVICE_ID.offset, 2, s.device);
  l.rw(HEADER.COMMAND.offset, 2, 0, 0x0407);
  l.ro(HEADER.STATUS.offset, 2, capPtr ? HEADER.STATUS.fields.CAP_LIST.mask : 0);
  l.ro(HEADER.REVISION.offset, 1, s.revision);
  l.ro(0x09, 1, s.classCode & 0xff);
  l.ro(0x0a, 2, s.classCode >>> 8);
  const bridge = isBridgeType(s.type);
  l.ro(HEADER.HEADER_TYPE.offset, 1, bridge ? 1 : 0);
  l.ro(HEADER.CAPABILITY_LIST.offset, 1, capPtr);
  if (bridge) {
    for (const r of [HEADER.PRIMARY_BUS, HEADER.SECONDARY_BUS, HEADER.SUBORDINATE_BUS])
      l.rw(r.offset, 1, 0, 0xff);
  } else {
    l.ro(HEADER.SUBSYSTEM_VENDOR_ID.offset, 2, s.subsystem.vendor);
    l.ro(HEADER.SUBSYSTEM_ID.offset, 2, s.subsystem.device);
    l.ro(HEADER.INTERRUPT_PIN.offset, 1, 1);
  }
  for (const b of s.bars) {
    const off = HEADER.BAR0.offset + 4 * b.index;
    const flags = (b.bits64 ? BAR.MEM_TYPE_64 : 0) | (b.prefetchable ? BAR.PREFETCH : 0);
    const lo = b.address % 2 ** 32;
    l.rw(off, 4, (lo | flags) >>> 0, (BAR.MEM_MASK & ~(b.size - 1)) >>> 0);
    if (b.bits64) {
      const hiMask = b.size > 2 ** 32 ? (0xffffffff - (Math.floor(b.size / 2 ** 32) - 1)) >>> 0 : 0xffffffff;
      l.rw(off + 4, 4, Math.floor(b.address / 2 ** 32), hiMask);
    }
  }
}

function layoutStdCaps(l: Layout, s: PciFunctionSpec, caps: CapOffsets): void {
  const chain = [caps.pm, caps.exp, caps.msix].filter((o) => o !== 0);
  const next = (o: number) => chain[chain.indexOf(o) + 1] ?? 0;
  if (caps.pm) {
    l.ro(caps.pm, 2, CAP_ID.PM | (next(caps.pm) << 8));
    l.ro(caps.pm + PM.PMC.offset, 2, 3);
    // NoSoftReset = 1: D3hot -> D0 keeps state, as on most modern devices.
    l.rw(caps.pm + PM.CTRL.offset, 2, PM.CTRL.fields.NO_SOFT_RESET.mask, PM.CTRL.fields.STATE.mask);
  }
  layoutExp(l, s, caps.exp, next(caps.exp));
  if (caps.msix && s.msix) {
    l.ro(caps.msix, 2, CAP_ID.MSIX | (next(caps.msix) << 8));
    const flags = MSIX.FLAGS.fields;
    l.rw(caps.msix + MSIX.FLAGS.offset, 2, s.msix.vectors - 1, flags.ENABLE.mask | flags.MASKALL.mask);
    l.ro(caps.msix + MSIX.TABLE.offset, 4, (s.msix.offset | s.msix.bar) >>> 0);
    l.ro(caps.msix + MSIX.PBA.offset, 4, (s.msix.pbaOffset | s.msix.pbaBar) >>> 0);
  }
}

function layoutExp(l: Layout, s: PciFunctionSpec, off: number, next: number): void {
  l.ro(off, 2, CAP_ID.EXP | (next << 8));
  let flags = setField(2, EXP.FLAGS.fields.TYPE.mask, EXP_TYPE[s.type]);
  if (s.type === "root-port" || s.type === "downstream-port") flags |= EXP.FLAGS.fields.SLOT.mask;
  l.ro(off + EXP.FLAGS.offset, 2, flags);
  // 512-byte max payload supported; FLR capability for functions that have it.
  l.ro(off + EXP.DEVCAP.offset, 4, 2 | (s.flr ? EXP.DEVCAP.fields.FLR.mask : 0));
  // Power-on DevCtl: relaxed ordering + no snoop enabled, MPS 128, MRRS 512 (PCIe defaults).
  const flrBit = s.flr ? EXP.DEVCTL.fields.BCR_FLR.mask : 0;
  l.rw(off + EXP.DEVCTL.offset, 2, 0x2810, 0x7fff | flrBit);
  l.ro(off + EXP.LNKCAP.offset, 4, s.link.speed | (s.link.width << 4));
  l.ro(off + EXP.LNKSTA.offset, 2, s.link.speed | (s.link.width << 4));
  l.ro(off + EXP.DEVCAP2.offset, 4, setField(0, EXP.DEVCAP2.fields.TPH_COMP.mask, s.tphCompleter));
  l.rw(off + EXP.DEVCTL2.offset, 2, 0, 0xffff);
}

function extHeader(id: number, version: number, next: number): number {
  const f = EXT_CAP_HEADER.fields;
  return setField(setField(setField(0, f.ID.mask, id), f.VERSION.mask, version), f.NEXT.mask, next);
}

function layoutExtCaps(l: Layout, s: PciFunctionSpec, caps: CapOffsets): void {
  if (caps.aer) {
    l.ro(caps.aer, 4, extHeader(EXT_CAP_ID.ERR, 2, caps.tph || caps.acs));
    l.rw(caps.aer + 0x0c, 4, AER_UNCOR_SEVER_DEFAULT, 0xffffffff);
  }
  if (caps.acs && s.acs) layoutAcs(l, caps.acs, s.acs.redirect);
  const t = s.tphRequester;
  if (!caps.tph || !t) return;
  l.ro(caps.tph, 4, extHeader(EXT_CAP_ID.TPH, 1, 0));
  const c = TPH.CAP.fields;
  let cap = t.modes.includes("ns") ? c.NO_ST.mask : 0;
  if (t.modes.includes("iv")) cap |= c.IV.mask;
  if (t.modes.includes("ds")) cap |= c.DS.mask;
  if (t.ext) cap |= c.EXT_TPH.mask;
  cap = setField(
    cap,
    c.LOC.mask,
    c.LOC.values[
      t.location === "cap"
        ? "CAP"
        : t.location === "msix"
          ? "MSIX"
          : t.location === "reserved"
            ? "RESERVED"
            : "NONE"
    ],
  );
  cap = setField(cap, c.ST_SIZE.mask, t.location === "none" ? 0 : t.tableSize - 1);
  l.ro(caps.tph + TPH.CAP.offset, 4, cap);
  const ctl = TPH.CTRL.fields;
  l.rw(caps.tph + TPH.CTRL.offset, 4, 0, ctl.MODE_SEL.mask | ctl.REQ_EN.mask);
  if (t.location === "cap") {
    for (let i = 0; i < t.tableSize; i++) l.rw(caps.tph + TPH.ST_TABLE + 2 * i, 2, 0, 0xffff);
  }
}

/** ACS v1: SV, RR, CR, UF supported and writable; RR and CR on at boot when redirecting. */
function layoutAcs(l: Layout, off: number, redirect: boolean): void {
  const f = ACS.CAP.fields;
  const supported = f.SV.mask | f.RR.mask | f.CR.mask | f.UF.mask;
  l.ro(off, 4, extHeader(EXT_CAP_ID.ACS, 1, 0));
  l.ro(off + ACS.CAP.offset, 2, supported);
  l.rw(off + ACS.CTRL.offset, 2, redirect ? f.RR.mask | f.CR.mask : 0, supported);
}

/** Fill `cfg` (blank, 4096 bytes) from `s`; returns the capability offsets and writable registers. */
export function layoutConfigSpace(
  cfg: ConfigSpace,
  s: PciFunctionSpec,
): { caps: CapOffsets; writable: WritableReg[] } {
  const aer = s.aer ? AER_OFF : 0;
  const caps: CapOffsets = {
    pm: s.pm ? PM_OFF : 0,
    exp: EXP_OFF,
    msix: s.msix ? MSIX_OFF : 0,
    aer,
    tph: s.tphRequester ? s.tphRequester.offset : 0,
    acs: s.acs ? (aer ? ACS_OFF_AFTER_AER : AER_OFF) : 0,
  };
  const l = new Layout(cfg);
  layoutHeader(l, s, caps.pm || caps.exp);
  layoutStdCaps(l, s, caps);
  layoutExtCaps(l, s, caps);
  return { caps, writable: l.writable };
}

export { AER_SIZEOF, EXP_SIZEOF };
