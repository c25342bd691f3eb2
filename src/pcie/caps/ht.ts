/**
 * HyperTransport capability (ID 0x08): the Command register (16 bits at +2) says which HT
 * capability block this is (HyperTransport I/O Link Specification 3.10 section 7.3;
 * pciutils lib/header.h PCI_HT_CMD_TYP*). Bits 15:13 = 000 or 001 mark the two interface blocks;
 * otherwise bits 15:11 give the type.
 */
import type { ConfigSpace } from "../config-space.js";
import { capWord } from "./std-misc.js";
import type { DecodedCap } from "./types.js";

export const HT_KIND = {
  SLAVE_PRIMARY: "slave-primary",
  HOST_SECONDARY: "host-secondary",
  SWITCH: "switch",
  INTERRUPT_DISCOVERY: "interrupt-discovery",
  REVISION_ID: "revision-id",
  UNITID_CLUMPING: "unitid-clumping",
  EXT_CONFIG_ACCESS: "extended-config-access",
  ADDRESS_MAPPING: "address-mapping",
  MSI_MAPPING: "msi-mapping",
  DIRECT_ROUTE: "direct-route",
  VCSET: "vcset",
  RETRY_MODE: "retry-mode",
  X86: "x86",
  UNKNOWN: "unknown",
} as const;
export type HtKind = (typeof HT_KIND)[keyof typeof HT_KIND];

/** Capability type (command bits 15:11) -> kind, for the non-interface blocks. */
const BY_TYPE: Readonly<Record<number, HtKind>> = {
  8: HT_KIND.SWITCH,
  16: HT_KIND.INTERRUPT_DISCOVERY,
  17: HT_KIND.REVISION_ID,
  18: HT_KIND.UNITID_CLUMPING,
  19: HT_KIND.EXT_CONFIG_ACCESS,
  20: HT_KIND.ADDRESS_MAPPING,
  21: HT_KIND.MSI_MAPPING,
  22: HT_KIND.DIRECT_ROUTE,
  23: HT_KIND.VCSET,
  24: HT_KIND.RETRY_MODE,
  25: HT_KIND.X86,
};

export interface HtCap extends DecodedCap {
  readonly command: number;
  readonly kind: HtKind;
  /** Command bits 15:11. */
  readonly typeCode: number;
  /** MSI Mapping blocks: Enable (bit 0) and Fixed (bit 1). */
  readonly msiMapping?: { readonly enable: boolean; readonly fixed: boolean };
  /** Revision ID blocks: major (bits 7:5) and minor (bits 4:0). */
  readonly revision?: { readonly major: number; readonly minor: number };
}

export function decodeHt(cs: ConfigSpace, offset: number): HtCap {
  const command = capWord(cs, offset);
  const typeCode = command >>> 11;
  const hi = command & 0xe000;
  const kind: HtKind =
    hi === 0x0000
      ? HT_KIND.SLAVE_PRIMARY
      : hi === 0x2000
        ? HT_KIND.HOST_SECONDARY
        : (BY_TYPE[typeCode] ?? HT_KIND.UNKNOWN);
  const base = { truncated: false, command, kind, typeCode };
  if (kind === HT_KIND.MSI_MAPPING) {
    return { ...base, msiMapping: { enable: (command & 0x1) !== 0, fixed: (command & 0x2) !== 0 } };
  }
  if (kind === HT_KIND.REVISION_ID) {
    return { ...base, revision: { major: (command & 0xe0) >>> 5, minor: command & 0x1f } };
  }
  return base;
}
