/**
 * TPH Requester Extended Capability (ID 0x0017), PCIe Base 6.0 section 7.9.13; field layout in
 * ../shared/reference/pcie-tph.md section 1 and Linux include/uapi/linux/pci_regs.h (PCI_TPH_*).
 */
import { getField } from "../bits.js";
import type { ConfigSpace } from "../config-space.js";
import { TPH } from "../registers.js";
import type { DecodedCap } from "./types.js";

const CAP = TPH.CAP.fields;
const CTRL = TPH.CTRL.fields;

/** Every defined bit of each register; the rest are reserved (RsvdP). */
const CAP_DEFINED =
  (CAP.NO_ST.mask | CAP.IV.mask | CAP.DS.mask | CAP.EXT_TPH.mask | CAP.LOC.mask | CAP.ST_SIZE.mask) >>> 0;
const CTRL_DEFINED = (CTRL.MODE_SEL.mask | CTRL.REQ_EN.mask) >>> 0;

/** ST Table Location encodings (bits 10:9). */
export const TPH_ST_LOCATION_NAMES = ["none", "capability", "msix", "reserved"] as const;
export type TphStLocation = (typeof TPH_ST_LOCATION_NAMES)[number];

/** ST Mode Select encodings (bits 2:0); 3..7 are reserved. */
export type TphStMode = "no-st" | "interrupt-vector" | "device-specific" | "reserved";
/** TPH Requester Enable encodings (bits 9:8); 2 is reserved. */
export type TphRequesterEnable = "disabled" | "tph-only" | "reserved" | "tph-and-extended";

export interface TphCapabilityRegister {
  readonly raw: number;
  /** Bit 0: No ST Mode Supported (the specification requires 1). */
  readonly noStMode: boolean;
  /** Bit 1: Interrupt Vector Mode Supported. */
  readonly interruptVectorMode: boolean;
  /** Bit 2: Device Specific Mode Supported. */
  readonly deviceSpecificMode: boolean;
  /** Bit 8: Extended TPH Requester Supported (16-bit STs). */
  readonly extendedRequester: boolean;
  /** Bits 10:9, raw. */
  readonly stTableLocation: number;
  readonly stTableLocationName: TphStLocation;
  /** Bits 26:16 + 1: number of ST table entries (1..2048). */
  readonly stTableSize: number;
  /** Reserved bits found set (0 when clean). */
  readonly reservedBits: number;
}

export interface TphControlRegister {
  readonly raw: number;
  /** Bits 2:0, raw. */
  readonly modeSelect: number;
  readonly mode: TphStMode;
  /** Bits 9:8, raw. */
  readonly requesterEnable: number;
  readonly requester: TphRequesterEnable;
  readonly reservedBits: number;
}

export interface TphRequester extends DecodedCap {
  /** Absent when the register's bytes are not present. */
  readonly capability?: TphCapabilityRegister;
  readonly control?: TphControlRegister;
  /** ST entries held in the capability (location 01b), clipped to the bytes present. */
  readonly stTable?: readonly number[];
  /** ST table entries the capability declares but whose bytes are not present. */
  readonly stTableMissing?: number;
}

const MODES: readonly TphStMode[] = ["no-st", "interrupt-vector", "device-specific"];
const REQUESTERS: readonly TphRequesterEnable[] = ["disabled", "tph-only", "reserved", "tph-and-extended"];

export function decodeTphCapabilityRegister(raw: number): TphCapabilityRegister {
  const loc = getField(raw, CAP.LOC.mask);
  return {
    raw,
    noStMode: getField(raw, CAP.NO_ST.mask) === 1,
    interruptVectorMode: getField(raw, CAP.IV.mask) === 1,
    deviceSpecificMode: getField(raw, CAP.DS.mask) === 1,
    extendedRequester: getField(raw, CAP.EXT_TPH.mask) === 1,
    stTableLocation: loc,
    stTableLocationName: TPH_ST_LOCATION_NAMES[loc] ?? "reserved",
    stTableSize: getField(raw, CAP.ST_SIZE.mask) + 1,
    reservedBits: (raw & ~CAP_DEFINED) >>> 0,
  };
}

export function decodeTphControlRegister(raw: number): TphControlRegister {
  const mode = getField(raw, CTRL.MODE_SEL.mask);
  const req = getField(raw, CTRL.REQ_EN.mask);
  return {
    raw,
    modeSelect: mode,
    mode: MODES[mode] ?? "reserved",
    requesterEnable: req,
    requester: REQUESTERS[req] ?? "reserved",
    reservedBits: (raw & ~CTRL_DEFINED) >>> 0,
  };
}

/** Decode the TPH Requester capability at `offset`. */
export function decodeTph(cs: ConfigSpace, offset: number): TphRequester {
  const capAt = offset + TPH.CAP.offset;
  const ctrlAt = offset + TPH.CTRL.offset;
  if (!cs.has(capAt, 4)) return { truncated: true };
  const capability = decodeTphCapabilityRegister(cs.read32(capAt));
  const control = cs.has(ctrlAt, 4) ? decodeTphControlRegister(cs.read32(ctrlAt)) : undefined;
  let truncated = control === undefined;
  const out: { -readonly [K in keyof TphRequester]: TphRequester[K] } = { truncated, capability };
  if (control) out.control = control;
  if (capability.stTableLocationName === "capability") {
    const table: number[] = [];
    for (let i = 0; i < capability.stTableSize; i++) {
      const at = offset + TPH.ST_TABLE + 2 * i;
      if (!cs.has(at, 2)) break;
      table.push(cs.read16(at));
    }
    out.stTable = table;
    if (table.length < capability.stTableSize) {
      out.stTableMissing = capability.stTableSize - table.length;
      truncated = true;
    }
  }
  out.truncated = truncated;
  return out;
}
