/**
 * MSI-X Capability (ID 0x11), PCIe Base 6.0 section 7.7.2: enable, function mask, table size, and
 * where the table and the Pending Bit Array live (BAR indicator + offset). With ST Table Location
 * 10b a TPH requester keeps its ST entries in this table's Vector Control words (pcie-tph.md).
 */
import { getField } from "../bits.js";
import type { ConfigSpace } from "../config-space.js";
import { MSIX } from "../registers.js";
import type { DecodedCap } from "./types.js";

export interface BarLocation {
  readonly raw: number;
  /** BAR Indicator Register (bits 2:0): which BAR (0-5; 6, 7 reserved). */
  readonly bir: number;
  /** Offset within that BAR (bits 31:3, 8-byte aligned). */
  readonly offset: number;
}

export interface MsixCap extends DecodedCap {
  /** Message Control (16 bits at +2). */
  readonly control: number;
  readonly enable: boolean;
  readonly functionMask: boolean;
  /** Number of table entries (Table Size field + 1). */
  readonly tableSize: number;
  readonly table?: BarLocation;
  readonly pba?: BarLocation;
}

function location(raw: number): BarLocation {
  return {
    raw,
    bir: getField(raw, MSIX.TABLE.fields.BIR.mask),
    offset: (raw & MSIX.TABLE.fields.OFFSET.mask) >>> 0,
  };
}

export function decodeMsix(cs: ConfigSpace, offset: number): MsixCap {
  const ctlAt = offset + MSIX.FLAGS.offset;
  const control = cs.has(ctlAt, 2) ? cs.read16(ctlAt) : 0;
  const out: { -readonly [K in keyof MsixCap]: MsixCap[K] } = {
    truncated: !cs.has(ctlAt, 2),
    control,
    enable: getField(control, MSIX.FLAGS.fields.ENABLE.mask) === 1,
    functionMask: getField(control, MSIX.FLAGS.fields.MASKALL.mask) === 1,
    tableSize: getField(control, MSIX.FLAGS.fields.QSIZE.mask) + 1,
  };
  const tableAt = offset + MSIX.TABLE.offset;
  const pbaAt = offset + MSIX.PBA.offset;
  if (cs.has(tableAt, 4)) out.table = location(cs.read32(tableAt));
  else out.truncated = true;
  if (cs.has(pbaAt, 4)) out.pba = location(cs.read32(pbaAt));
  else out.truncated = true;
  return out;
}
