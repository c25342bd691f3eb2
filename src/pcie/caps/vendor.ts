/**
 * Vendor-specific capabilities: the standard one (ID 0x09, PCI Local Bus 3.0 section 6.7: length
 * byte at +2, the rest vendor-defined) with the VirtIO layout lspci decodes (Virtual I/O Device
 * 1.x section 4.1.4: cfg_type at +3, BAR at +4, offset at +8, length at +12, notify multiplier at
 * +16), the Vendor-Specific Extended Capability (ID 0x0b, PCIe Base 6.0 section 7.9.5) and the
 * Designated Vendor-Specific Extended Capability (ID 0x23, section 7.9.6).
 */
import type { ConfigSpace } from "../config-space.js";
import { bits, type DecodedCap, opt16 } from "./types.js";

/** Red Hat / virtio PCI IDs lspci treats as VirtIO (pciutils ls-caps-vendor.c). */
export const VIRTIO_VENDOR = 0x1af4;
export const VIRTIO_DEVICE_FIRST = 0x1000;
export const VIRTIO_DEVICE_LAST = 0x107f;
/** VirtIO cfg_type values lspci 3.9.0 names; others print `<unknown>`. */
export const VIRTIO_CFG_NAMES: Readonly<Record<number, string>> = {
  1: "CommonCfg",
  2: "Notify",
  3: "ISR",
  4: "DeviceCfg",
};
/** The CXL consortium's vendor ID in DVSEC headers. */
export const DVSEC_VENDOR_CXL = 0x1e98;

export interface VirtioCap {
  readonly cfgType: number;
  readonly bar: number;
  readonly offset: number;
  readonly length: number;
  /** Notify capabilities of 20+ bytes: notify_off_multiplier. */
  readonly multiplier?: number;
}

export interface VendorCap extends DecodedCap {
  /** Capability length byte at +2. */
  readonly length: number;
  /** Present when lspci would decode it as VirtIO. */
  readonly virtio?: VirtioCap;
}

export function decodeVendor(cs: ConfigSpace, offset: number): VendorCap {
  const length = cs.has(offset + 2, 1) ? cs.read8(offset + 2) : 0;
  const vendor = opt16(cs, 0x00);
  const device = opt16(cs, 0x02);
  const isVirtio =
    vendor === VIRTIO_VENDOR &&
    device !== undefined &&
    device >= VIRTIO_DEVICE_FIRST &&
    device <= VIRTIO_DEVICE_LAST;
  if (!isVirtio || length < 16) return { truncated: false, length };
  if (!cs.has(offset, length)) return { truncated: true, length };
  const cfgType = cs.read8(offset + 3);
  const virtio: VirtioCap = {
    cfgType,
    bar: cs.read8(offset + 4),
    offset: cs.read32(offset + 8),
    length: cs.read32(offset + 12),
    ...(cfgType === 2 && length >= 20 ? { multiplier: cs.read32(offset + 16) } : {}),
  };
  return { truncated: false, length, virtio };
}

export interface ExtVendorCap extends DecodedCap {
  /** VSEC ID, revision and length from the header at +4 (absent when not present). */
  readonly vsecId?: number;
  readonly vsecRev?: number;
  readonly vsecLength?: number;
}
export function decodeExtVendor(cs: ConfigSpace, offset: number): ExtVendorCap {
  if (!cs.has(offset + 4, 4)) return { truncated: true };
  const h = cs.read32(offset + 4);
  return { truncated: false, vsecId: bits(h, 0, 16), vsecRev: bits(h, 16, 4), vsecLength: bits(h, 20, 12) };
}

export interface DvsecCap extends DecodedCap {
  readonly vendor?: number;
  readonly revision?: number;
  readonly length?: number;
  readonly dvsecId?: number;
  /** Vendor is the CXL consortium and the length covers the DVSEC headers (lspci: `: CXL`). */
  readonly cxl?: boolean;
}
export function decodeDvsec(cs: ConfigSpace, offset: number): DvsecCap {
  if (!cs.has(offset + 4, 8)) return { truncated: true };
  const h1 = cs.read32(offset + 4);
  const vendor = bits(h1, 0, 16);
  const length = bits(h1, 20, 12);
  return {
    truncated: false,
    vendor,
    revision: bits(h1, 16, 4),
    length,
    dvsecId: cs.read16(offset + 8),
    cxl: vendor === DVSEC_VENDOR_CXL && length >= 16,
  };
}
