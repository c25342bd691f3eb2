/**
 * Access Control Services Extended Capability (ID 0x000d), PCIe Base 6.0 section 7.7.8: the
 * Capability and Control registers (16 bits each at +4 and +6) and, when P2P Egress Control is
 * supported, the Egress Control Vector (DWORDs from +8). Bit layout in ../registers.ts (ACS),
 * Linux include/uapi/linux/pci_regs.h (PCI_ACS_*).
 *
 * The vector's length comes from the device (Egress Control Vector Size): a size whose DWORDs
 * would run past the end of config space, or into the next capability, is reported as a problem
 * and the vector is not read.
 */
import { getField } from "../bits.js";
import type { ConfigSpace } from "../config-space.js";
import { ACS, CONFIG_SIZE_EXTENDED } from "../registers.js";
import type { DecodedCap } from "./types.js";

const CAP = ACS.CAP.fields;
const CTRL = ACS.CTRL.fields;

/** The seven controls of ACS 1.0 (Capability and Control share their positions). */
export interface AcsFlags {
  readonly sourceValidation: boolean;
  readonly translationBlocking: boolean;
  readonly p2pRequestRedirect: boolean;
  readonly p2pCompletionRedirect: boolean;
  readonly upstreamForwarding: boolean;
  readonly p2pEgressControl: boolean;
  readonly directTranslatedP2p: boolean;
}

export interface AcsCapabilityRegister extends AcsFlags {
  readonly raw: number;
  /** Bit 7: ACS Enhanced Capability (I/O blocking, memory target access, unclaimed redirect). */
  readonly enhanced: boolean;
  /** Bits 15:8 as read. */
  readonly egressVectorSizeField: number;
  /** Applicable bits of the Egress Control Vector (00h means 256); absent without P2P Egress Control. */
  readonly egressVectorBits?: number;
}

/** Memory Target Access Control encodings (bits 9:8, 11:10). */
export type AcsMemTarget = "direct" | "block" | "redirect" | "reserved";
const MEM_TARGET: readonly AcsMemTarget[] = ["direct", "block", "redirect", "reserved"];

export interface AcsControlRegister extends AcsFlags {
  readonly raw: number;
  /** Enhanced controls, meaningful only with the Enhanced Capability (else they are reserved). */
  readonly ioRequestBlocking: boolean;
  readonly dspMemoryTargetAccess: AcsMemTarget;
  readonly uspMemoryTargetAccess: AcsMemTarget;
  readonly unclaimedRequestRedirect: boolean;
  /** Reserved bits found set: 15:13 always, 12:7 without the Enhanced Capability. */
  readonly reservedBits: number;
  /** Control bits 6:0 enabled whose Capability bit says the control is not implemented (hardwired 0). */
  readonly enabledNotSupported: number;
}

/** Why the Egress Control Vector was not read. */
export type AcsVectorProblemKind = "past-config-space" | "into-next-capability" | "not-in-bytes-read";

export interface AcsEgressVector {
  /** Config-space offset of its first DWORD. */
  readonly offset: number;
  readonly bits: number;
  /** The vector's DWORDs (bit N of the vector is bit N % 32 of DWORD N / 32). */
  readonly dwords: readonly number[];
  /** Vector bit numbers set (within `bits`). */
  readonly set: readonly number[];
  /** Bits of the last DWORD beyond `bits` found set (RsvdP). */
  readonly reservedBits: number;
}

export interface AcsVectorProblem {
  readonly kind: AcsVectorProblemKind;
  readonly offset: number;
  /** One past the vector's last byte, as the size says. */
  readonly end: number;
  /** The offset it must not reach (end of config space, the next capability, or the bytes read). */
  readonly limit: number;
}

export interface AcsCap extends DecodedCap {
  readonly capability?: AcsCapabilityRegister;
  readonly control?: AcsControlRegister;
  readonly egressVector?: AcsEgressVector;
  readonly egressVectorProblem?: AcsVectorProblem;
}

function flags(raw: number): AcsFlags {
  const on = (mask: number) => (raw & mask) !== 0;
  return {
    sourceValidation: on(CAP.SV.mask),
    translationBlocking: on(CAP.TB.mask),
    p2pRequestRedirect: on(CAP.RR.mask),
    p2pCompletionRedirect: on(CAP.CR.mask),
    upstreamForwarding: on(CAP.UF.mask),
    p2pEgressControl: on(CAP.EC.mask),
    directTranslatedP2p: on(CAP.DT.mask),
  };
}

/** The seven ACS 1.0 bits, 6:0. */
const BASE_BITS = 0x7f;
/** Control bits the Enhanced Capability defines (12:7). */
const ENHANCED_CTRL_BITS =
  CTRL.IO_REQ_BLOCK.mask | CTRL.DSP_MEM_TARGET.mask | CTRL.USP_MEM_TARGET.mask | CTRL.UNCLAIMED_REDIRECT.mask;

export function decodeAcsCapabilityRegister(raw: number): AcsCapabilityRegister {
  const field = getField(raw, CAP.ECV_SIZE.mask);
  const base = {
    raw,
    ...flags(raw),
    enhanced: (raw & CAP.ENHANCED.mask) !== 0,
    egressVectorSizeField: field,
  };
  return base.p2pEgressControl ? { ...base, egressVectorBits: field === 0 ? 256 : field } : base;
}

export function decodeAcsControlRegister(raw: number, cap: AcsCapabilityRegister): AcsControlRegister {
  const defined = BASE_BITS | (cap.enhanced ? ENHANCED_CTRL_BITS : 0);
  return {
    raw,
    ...flags(raw),
    ioRequestBlocking: (raw & CTRL.IO_REQ_BLOCK.mask) !== 0,
    dspMemoryTargetAccess: MEM_TARGET[getField(raw, CTRL.DSP_MEM_TARGET.mask)]!,
    uspMemoryTargetAccess: MEM_TARGET[getField(raw, CTRL.USP_MEM_TARGET.mask)]!,
    unclaimedRequestRedirect: (raw & CTRL.UNCLAIMED_REDIRECT.mask) !== 0,
    reservedBits: raw & ~defined & 0xffff,
    enabledNotSupported: raw & BASE_BITS & ~cap.raw,
  };
}

/**
 * Decode the ACS capability at `offset`. `limit` is where the next structure begins (the nearest
 * capability above this one, else the end of config space): the vector must end by then.
 */
export function decodeAcs(cs: ConfigSpace, offset: number, limit = CONFIG_SIZE_EXTENDED): AcsCap {
  const at = offset + ACS.CAP.offset;
  if (!cs.has(at, 4)) return { truncated: true };
  const capability = decodeAcsCapabilityRegister(cs.read16(at));
  const control = decodeAcsControlRegister(cs.read16(offset + ACS.CTRL.offset), capability);
  const bits = capability.egressVectorBits;
  if (bits === undefined) return { truncated: false, capability, control };
  const start = offset + ACS.EGRESS_VECTOR;
  const end = start + 4 * Math.ceil(bits / 32);
  const problem = vectorProblem(cs, start, end, Math.min(limit, CONFIG_SIZE_EXTENDED));
  if (problem)
    return {
      truncated: problem.kind === "not-in-bytes-read",
      capability,
      control,
      egressVectorProblem: problem,
    };
  return { truncated: false, capability, control, egressVector: readVector(cs, start, bits) };
}

function vectorProblem(
  cs: ConfigSpace,
  offset: number,
  end: number,
  limit: number,
): AcsVectorProblem | undefined {
  if (end > CONFIG_SIZE_EXTENDED)
    return { kind: "past-config-space", offset, end, limit: CONFIG_SIZE_EXTENDED };
  if (end > limit) return { kind: "into-next-capability", offset, end, limit };
  if (!cs.has(offset, end - offset)) return { kind: "not-in-bytes-read", offset, end, limit: cs.length };
  return undefined;
}

function readVector(cs: ConfigSpace, offset: number, bits: number): AcsEgressVector {
  const dwords: number[] = [];
  const set: number[] = [];
  for (let i = 0; i * 32 < bits; i++) {
    const d = cs.read32(offset + 4 * i);
    dwords.push(d);
    for (let b = 0; b < 32 && i * 32 + b < bits; b++) if ((d >>> b) & 1) set.push(i * 32 + b);
  }
  const used = bits % 32;
  const last = dwords[dwords.length - 1] ?? 0;
  const reservedBits = used === 0 ? 0 : (last & ~((1 << used) - 1)) >>> 0;
  return { offset, bits, dwords, set, reservedBits };
}
