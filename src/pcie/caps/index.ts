/**
 * The capability decoder registry: capability ID -> decoder, one table for the standard list and
 * one for the extended list. Decoders take (config space, offset) and return plain data.
 */
import type { CapEntry } from "../capabilities.js";
import { PCI_CAP_ID, PCI_EXT_CAP_ID } from "../capability-ids.js";
import type { ConfigSpace } from "../config-space.js";
import { decodeAcs } from "./acs.js";
import { decodeDsn } from "./dsn.js";
import { decodeExpress } from "./express.js";
import { decodeHt } from "./ht.js";
import { decodeMsix } from "./msix.js";
import {
  decodeAgp,
  decodeDebugPort,
  decodeEa,
  decodeMsi,
  decodePcix,
  decodePm,
  decodeSata,
  decodeSlotId,
  decodeSsvid,
} from "./std-misc.js";
import { decodeTph } from "./tph.js";
import type { CapDecoder, DecodedCap } from "./types.js";
import { decodeDvsec, decodeExtVendor, decodeVendor } from "./vendor.js";

/** Standard capability decoders by ID. */
export const STD_DECODERS = {
  [PCI_CAP_ID.PM]: decodePm,
  [PCI_CAP_ID.AGP]: decodeAgp,
  [PCI_CAP_ID.SLOTID]: decodeSlotId,
  [PCI_CAP_ID.MSI]: decodeMsi,
  [PCI_CAP_ID.PCIX]: decodePcix,
  [PCI_CAP_ID.HT]: decodeHt,
  [PCI_CAP_ID.VNDR]: decodeVendor,
  [PCI_CAP_ID.DBG]: decodeDebugPort,
  [PCI_CAP_ID.SSVID]: decodeSsvid,
  [PCI_CAP_ID.EXP]: decodeExpress,
  [PCI_CAP_ID.MSIX]: decodeMsix,
  [PCI_CAP_ID.SATA]: decodeSata,
  [PCI_CAP_ID.EA]: decodeEa,
} as const satisfies Record<number, CapDecoder>;

/** Extended capability decoders by ID. */
export const EXT_DECODERS = {
  [PCI_EXT_CAP_ID.DSN]: decodeDsn,
  [PCI_EXT_CAP_ID.ACS]: decodeAcs,
  [PCI_EXT_CAP_ID.VNDR]: decodeExtVendor,
  [PCI_EXT_CAP_ID.DVSEC]: decodeDvsec,
  [PCI_EXT_CAP_ID.TPH]: decodeTph,
} as const satisfies Record<number, CapDecoder>;

/** The decoder for a capability, if there is one. */
export function decoderFor(kind: CapEntry["kind"], id: number): CapDecoder | undefined {
  const table: Readonly<Record<number, CapDecoder>> = kind === "std" ? STD_DECODERS : EXT_DECODERS;
  return table[id];
}

/**
 * Decode one capability found by the walk; undefined when no decoder exists for its ID. `limit`:
 * see CapDecoder (capabilityLimit() computes it from the walk).
 */
export function decodeCapability(cs: ConfigSpace, entry: CapEntry, limit?: number): DecodedCap | undefined {
  return decoderFor(entry.kind, entry.id)?.(cs, entry.offset, limit);
}
