/**
 * Per-device header facts and the lines lspci prints before the capabilities: the device line
 * (`BB:DD.F Class: Vendor Device (rev xx) (prog-if xx [name])`), `Subsystem:`, and lspci's
 * `!!!` remarks about the header type (lspci.c show_terse / show_verbose, pciutils 3.9.0).
 */

import { walkCapabilities } from "../../pcie/capabilities.js";
import { PCI_CAP_ID } from "../../pcie/capability-ids.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { formatSlot, type PciSlot } from "../../pcie/dump.js";
import {
  className,
  type NameMode,
  type PciIds,
  progIfName,
  subsystemName,
  vendorDeviceName,
} from "../../pcie/pci-ids.js";
import { HEADER } from "../../pcie/registers.js";
import { hx } from "./format.js";

export interface HeaderInfo {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision: number;
  readonly progIf: number;
  /** Base class and subclass (16 bits, as lspci's `device_class`). */
  readonly classCode: number;
  /** Header Type register, whole byte (bit 7 multi-function). */
  readonly headerTypeRaw: number;
  /** Header Type bits 6:0. */
  readonly layout: number;
  /** Subsystem IDs as lspci reads them (type 0 at 0x2c; CardBus at 0x40 when 128 bytes are present). */
  readonly subsystem?: { readonly vendorId: number; readonly deviceId: number };
}

const CLASS_BRIDGE_PCI = 0x0604;
const BASE_CLASS_BRIDGE = 0x06;

/** Read the header fields lspci uses (the first 64 bytes are always present). */
export function headerInfo(cs: ConfigSpace): HeaderInfo {
  const raw = cs.read8(HEADER.HEADER_TYPE.offset);
  const layout = raw & 0x7f;
  const base = {
    vendorId: cs.read16(HEADER.VENDOR_ID.offset),
    deviceId: cs.read16(HEADER.DEVICE_ID.offset),
    revision: cs.read8(HEADER.REVISION.offset),
    progIf: cs.read8(0x09),
    classCode: cs.read16(0x0a),
    headerTypeRaw: raw,
    layout,
  };
  let sub: { vendorId: number; deviceId: number } | undefined;
  if (layout === 0) sub = { vendorId: cs.read16(0x2c), deviceId: cs.read16(0x2e) };
  else if (layout === 1) sub = bridgeSubsystem(cs);
  else if (layout === 2 && cs.has(0x40, 4)) sub = { vendorId: cs.read16(0x40), deviceId: cs.read16(0x42) };
  return sub ? { ...base, subsystem: sub } : base;
}

/** lib/generic.c: a PCI-to-PCI bridge's subsystem IDs live in its SSVID capability, if any. */
function bridgeSubsystem(cs: ConfigSpace): { vendorId: number; deviceId: number } | undefined {
  const cap = walkCapabilities(cs).entries.find((e) => e.kind === "std" && e.id === PCI_CAP_ID.SSVID);
  if (!cap || !cs.has(cap.offset + 4, 4)) return undefined;
  return { vendorId: cs.read16(cap.offset + 4), deviceId: cs.read16(cap.offset + 6) };
}

/** The device line: slot, class name, vendor and device names, revision, prog-if (with -v). */
export function deviceLine(
  slot: PciSlot,
  h: HeaderInfo,
  names: PciIds | undefined,
  verbosity: number,
  showDomain: boolean,
  mode: NameMode = 0,
): string {
  let s = `${formatSlot(slot, showDomain)} ${className(names, h.classCode, mode)}: ${vendorDeviceName(names, h.vendorId, h.deviceId, mode)}`;
  if (h.revision !== 0) s += ` (rev ${hx(h.revision, 2)})`;
  if (verbosity > 0) {
    const pif = progIfName(names, h.classCode, h.progIf);
    if (h.progIf !== 0 || pif !== undefined)
      s += ` (prog-if ${hx(h.progIf, 2)}${pif === undefined ? "" : ` [${pif}]`})`;
  }
  return s;
}

/** `\tSubsystem: ...` and lspci's header-type remarks, shown with -v. */
export function verboseHeaderLines(h: HeaderInfo, names: PciIds | undefined, mode: NameMode = 0): string[] {
  const out: string[] = [];
  const sub = h.subsystem;
  if (sub && sub.vendorId !== 0 && sub.vendorId !== 0xffff) {
    out.push(
      `\tSubsystem: ${subsystemName(names, h.vendorId, h.deviceId, sub.vendorId, sub.deviceId, mode)}`,
    );
  }
  const invalid = `\t!!! Invalid class ${hx(h.classCode, 4)} for header type ${hx(h.layout, 2)}`;
  if (h.layout === 0 && h.classCode === CLASS_BRIDGE_PCI) out.push(invalid);
  if ((h.layout === 1 || h.layout === 2) && h.classCode >> 8 !== BASE_CLASS_BRIDGE) out.push(invalid);
  if (h.layout > 2) out.push(`\t!!! Unknown header type ${hx(h.layout, 2)}`);
  return out;
}
