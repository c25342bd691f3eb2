/**
 * PCI Express Capability (ID 0x10), PCIe Base 6.0 section 7.5.3: the flags register (version,
 * device/port type, slot, interrupt message number) and Device Capabilities 2 (section 7.5.3.15),
 * including the TPH Completer Supported field (bits 13:12, pcie-tph.md section 2).
 */
import { getField } from "../bits.js";
import type { ConfigSpace } from "../config-space.js";
import { EXP } from "../registers.js";
import type { DecodedCap } from "./types.js";

const F = EXP.FLAGS.fields;
const D2 = EXP.DEVCAP2.fields;

/** Device/Port Type names as lspci prints them (ls-caps.c cap_express), by type code. */
export const EXPRESS_TYPE_NAMES: Readonly<Record<number, string>> = {
  [F.TYPE.values.ENDPOINT]: "Endpoint",
  [F.TYPE.values.LEGACY_ENDPOINT]: "Legacy Endpoint",
  [F.TYPE.values.ROOT_PORT]: "Root Port",
  [F.TYPE.values.UPSTREAM]: "Upstream Port",
  [F.TYPE.values.DOWNSTREAM]: "Downstream Port",
  [F.TYPE.values.PCI_BRIDGE]: "PCI-Express to PCI/PCI-X Bridge",
  [F.TYPE.values.PCIE_BRIDGE]: "PCI/PCI-X to PCI-Express Bridge",
  [F.TYPE.values.RC_END]: "Root Complex Integrated Endpoint",
  [F.TYPE.values.RC_EC]: "Root Complex Event Collector",
};

/** Port types whose Slot Implemented bit lspci shows (and for which slot registers exist). */
export const SLOT_TYPES: readonly number[] = [
  F.TYPE.values.ROOT_PORT,
  F.TYPE.values.DOWNSTREAM,
  F.TYPE.values.PCIE_BRIDGE,
];

export type TphCompleter = "none" | "tph-only" | "reserved" | "tph-and-extended";
const TPH_COMPLETER: readonly TphCompleter[] = ["none", "tph-only", "reserved", "tph-and-extended"];

export interface DevCap2 {
  readonly raw: number;
  /** Bits 3:0: Completion Timeout Ranges Supported. */
  readonly completionTimeoutRanges: number;
  readonly completionTimeoutDisable: boolean;
  readonly ariForwarding: boolean;
  readonly atomicOpRouting: boolean;
  readonly atomicOp32Completer: boolean;
  readonly atomicOp64Completer: boolean;
  readonly cas128Completer: boolean;
  /** No RO-enabled PR-PR Passing. */
  readonly noRoPrPrPassing: boolean;
  readonly ltr: boolean;
  /** Bits 13:12, raw: 0 none, 1 TPH only, 2 reserved, 3 TPH and Extended TPH. */
  readonly tphCompleter: number;
  readonly tphCompleterName: TphCompleter;
  /** Bits 15:14: LN System CLS. */
  readonly lnSystemCls: number;
  readonly tag10Completer: boolean;
  readonly tag10Requester: boolean;
  /** Bits 19:18: OBFF Supported. */
  readonly obff: number;
  readonly extendedFmt: boolean;
  readonly endEndTlpPrefix: boolean;
  /** Bits 23:22, raw (0 means 4). */
  readonly maxEndEndTlpPrefixes: number;
  /** Bits 25:24: Emergency Power Reduction Supported. */
  readonly emergencyPowerReduction: number;
  readonly emergencyPowerReductionInit: boolean;
  readonly frs: boolean;
}

export interface ExpressCap extends DecodedCap {
  /** The PCI Express Capabilities register (16 bits at +2). */
  readonly flags: number;
  readonly version: number;
  /** Device/Port Type code (bits 7:4). */
  readonly type: number;
  /** lspci's name for the type, or `Unknown type N`. */
  readonly typeName: string;
  /** Slot Implemented bit (bit 8). */
  readonly slotImplemented: boolean;
  /** Interrupt Message Number (bits 13:9). */
  readonly interruptMessage: number;
  /** Device Capabilities 2; absent for version 1 capabilities or when its bytes are not present. */
  readonly devCap2?: DevCap2;
}

export function decodeDevCap2(raw: number): DevCap2 {
  const on = (mask: number) => getField(raw, mask) !== 0;
  const tph = getField(raw, D2.TPH_COMP.mask);
  return {
    raw,
    completionTimeoutRanges: getField(raw, D2.COMPL_TIMEOUT_RANGES.mask),
    completionTimeoutDisable: on(D2.COMPL_TIMEOUT_DIS.mask),
    ariForwarding: on(D2.ARI_FWD.mask),
    atomicOpRouting: on(D2.ATOMIC_ROUTING.mask),
    atomicOp32Completer: on(D2.ATOMIC_COMP32.mask),
    atomicOp64Completer: on(D2.ATOMIC_COMP64.mask),
    cas128Completer: on(D2.CAS_COMP128.mask),
    noRoPrPrPassing: on(D2.NO_RO_PR_PR.mask),
    ltr: on(D2.LTR.mask),
    tphCompleter: tph,
    tphCompleterName: TPH_COMPLETER[tph] ?? "reserved",
    lnSystemCls: getField(raw, D2.LN_CLS.mask),
    tag10Completer: on(D2.TAG10_COMP.mask),
    tag10Requester: on(D2.TAG10_REQ.mask),
    obff: getField(raw, D2.OBFF.mask),
    extendedFmt: on(D2.EXT_FMT.mask),
    endEndTlpPrefix: on(D2.EE_PREFIX.mask),
    maxEndEndTlpPrefixes: getField(raw, D2.EE_PREFIX_MAX.mask),
    emergencyPowerReduction: getField(raw, D2.EMERG_PWR_RED.mask),
    emergencyPowerReductionInit: on(D2.EMERG_PWR_RED_INIT.mask),
    frs: on(D2.FRS.mask),
  };
}

/** Decode the PCI Express capability at `offset` (flags always present: the walk read 4 bytes). */
export function decodeExpress(cs: ConfigSpace, offset: number): ExpressCap {
  const flagsAt = offset + EXP.FLAGS.offset;
  if (!cs.has(flagsAt, 2)) {
    return {
      truncated: true,
      flags: 0,
      version: 0,
      type: 0,
      typeName: "",
      slotImplemented: false,
      interruptMessage: 0,
    };
  }
  const flags = cs.read16(flagsAt);
  const type = getField(flags, F.TYPE.mask);
  const base = {
    flags,
    version: getField(flags, F.VERSION.mask),
    type,
    typeName: EXPRESS_TYPE_NAMES[type] ?? `Unknown type ${type}`,
    slotImplemented: getField(flags, F.SLOT.mask) === 1,
    interruptMessage: getField(flags, F.IRQ.mask),
  };
  // Device Capabilities 2 exists from capability version 2 (PCIe 2.0) on.
  if (base.version < 2) return { ...base, truncated: false };
  const dc2At = offset + EXP.DEVCAP2.offset;
  if (!cs.has(dc2At, 4)) return { ...base, truncated: true };
  return { ...base, truncated: false, devCap2: decodeDevCap2(cs.read32(dc2At)) };
}
