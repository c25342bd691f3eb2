/**
 * The VFIO ioctl numbers and region offsets a C program uses besides VFIO_DEVICE_FEATURE (which,
 * with the feature structs, lives in src/kernel/include/uapi/linux/vfio.ts): include/uapi/linux/vfio.h
 * and drivers/vfio/pci/vfio_pci_priv.h (the region index in the file offset); and the dma-buf
 * feature arguments as a C program fills them (fields not given are zero, as in a zero-initialised
 * struct; the tag's valid bits name the namespaces given).
 */
import { encode } from "../kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_SET,
  VFIO_DMA_BUF_TPH_ST,
  VFIO_DMA_BUF_TPH_ST_EXT,
  type VfioDmaBufStruct,
  vfio_device_feature,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
  vfioFeatureArg,
} from "../kernel/include/uapi/linux/vfio.js";

export { VFIO_DEVICE_FEATURE } from "../kernel/include/uapi/linux/vfio.js";

/** VFIO_TYPE (';') and VFIO_BASE: every VFIO ioctl is _IO(VFIO_TYPE, VFIO_BASE + n). */
const VFIO_TYPE = 0x3b;
const VFIO_BASE = 100;
const vfioIo = (n: number): number => (VFIO_TYPE << 8) | (VFIO_BASE + n);

/** VFIO_DEVICE_RESET = _IO(VFIO_TYPE, VFIO_BASE + 11): function level reset. */
export const VFIO_DEVICE_RESET = vfioIo(11);
/** VFIO_DEVICE_PCI_HOT_RESET = _IO(VFIO_TYPE, VFIO_BASE + 13): secondary bus reset of the device's bus. */
export const VFIO_DEVICE_PCI_HOT_RESET = vfioIo(13);

/** VFIO_PCI_CONFIG_REGION_INDEX: region 7 is config space (0..5 BARs, 6 ROM). */
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
/** VFIO_PCI_OFFSET_SHIFT: the region index sits in bits 63:40 of the file offset. */
export const VFIO_PCI_OFFSET_SHIFT = 40n;

/** VFIO_PCI_INDEX_TO_OFFSET(index) + `offset`: where pread/pwrite reach a region. */
export function vfioRegionOffset(index: number, offset = 0): bigint {
  return (BigInt(index) << VFIO_PCI_OFFSET_SHIFT) + BigInt(offset);
}

/**
 * vfio_device_feature.flags of the two requests: the dma-buf export is a GET (the kernel's
 * vfio_check_feature() for feature 11 allows GET only); feature 13 is SET only.
 */
export const DMA_BUF_EXPORT_FLAGS = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
export const DMA_BUF_TPH_SET_FLAGS = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_TPH;

/** struct vfio_region_dma_range */
export interface DmaRange {
  readonly offset: bigint | number;
  readonly length: bigint | number;
}

export interface DmaBufArgs {
  /** region_index: the BAR (default 0). */
  readonly bar?: number;
  readonly openFlags?: number;
  readonly flags?: number;
  readonly ranges: readonly DmaRange[];
  /** nr_ranges when it must disagree with the ranges given. */
  readonly nrRanges?: number;
  /** rfc layout only: the tag and processing hint inside the export struct. */
  readonly st?: number;
  readonly ph?: number;
}

/** struct vfio_device_feature_dma_buf in `layout` (the program's headers), with its ranges. */
export function encodeDmaBuf(layout: VfioDmaBufStruct, a: DmaBufArgs): Uint8Array {
  const ranges = a.ranges.map((r) => ({ offset: r.offset, length: r.length }));
  const base = {
    region_index: a.bar ?? 0,
    open_flags: a.openFlags ?? 0,
    flags: a.flags ?? 0,
    nr_ranges: a.nrRanges ?? ranges.length,
    dma_ranges: ranges,
  };
  if (layout === vfio_device_feature_dma_buf_rfc)
    return encode(vfio_device_feature_dma_buf_rfc, { ...base, steering_tag: a.st ?? 0, ph: a.ph ?? 0 });
  return encode(vfio_device_feature_dma_buf_mainline, base);
}

/** A tag for the 8-bit (st) and/or 16-bit (stExt) namespace, with its processing hint. */
export interface DmaBufTag {
  readonly st?: number | undefined;
  readonly stExt?: number | undefined;
  readonly ph?: number | undefined;
}

/** VFIO_DMA_BUF_TPH_ST / _ST_EXT for the namespaces `t` gives. */
export function dmaBufTphFlags(t: DmaBufTag): number {
  return (
    (t.st === undefined ? 0 : VFIO_DMA_BUF_TPH_ST) | (t.stExt === undefined ? 0 : VFIO_DMA_BUF_TPH_ST_EXT)
  );
}

export interface DmaBufTphArgs extends DmaBufTag {
  /** The dma-buf fd the tag is for. */
  readonly fd: number;
  readonly flags: number;
}

/** struct vfio_device_feature_dma_buf_tph (12 bytes). */
export function encodeDmaBufTph(a: DmaBufTphArgs): Uint8Array {
  return encode(vfio_device_feature_dma_buf_tph, {
    dmabuf_fd: a.fd,
    flags: a.flags,
    steering_tag_ext: a.stExt ?? 0,
    steering_tag: a.st ?? 0,
    ph: a.ph ?? 0,
  });
}

/**
 * A whole VFIO_DEVICE_FEATURE argument with a chosen argsz and only `readable` bytes mapped at
 * the pointer (the rest of the object lies past the end of the program's memory).
 */
export function vfioFeatureArgRaw(
  flags: number,
  payload: Uint8Array,
  o: { readonly argsz?: number; readonly readable?: number } = {},
): Uint8Array {
  const bytes = encode(vfio_device_feature, {
    argsz: o.argsz ?? 8 + payload.length,
    flags,
    data: [...payload],
  });
  return bytes.subarray(0, o.readable ?? bytes.length);
}

/** The VFIO_DEVICE_FEATURE argument exporting a dma-buf (GET | DMA_BUF unless told). */
export function dmaBufExportArg(
  layout: VfioDmaBufStruct,
  a: DmaBufArgs,
  featureFlags = DMA_BUF_EXPORT_FLAGS,
): Uint8Array {
  return vfioFeatureArg(featureFlags, encodeDmaBuf(layout, a));
}

/** The VFIO_DEVICE_FEATURE argument setting a dma-buf's tag (SET | DMA_BUF_TPH unless told). */
export function dmaBufTphSetArg(a: DmaBufTphArgs, featureFlags = DMA_BUF_TPH_SET_FLAGS): Uint8Array {
  return vfioFeatureArg(featureFlags, encodeDmaBufTph(a));
}
