/**
 * include/uapi/linux/vfio.h: the VFIO_DEVICE_FEATURE ioctl and the dma-buf export features, as
 * byte layouts (linux-tph-stack.md section 5; series.md for the rfc layout). Each struct is
 * defined once; the per-revision choice comes from `Behaviours` (src/kernel/revision.ts).
 */
import type { Behaviours } from "../../../revision.js";
import { encode } from "../codec.js";
import { defineStruct, field, flex, prim, type Struct } from "../layout.js";

/* Kernel uapi scalar spellings (include/uapi/asm-generic/int-ll64.h). */
export const __u8 = prim("u8", "__u8");
export const __u16 = prim("u16", "__u16");
export const __u32 = prim("u32", "__u32");
export const __s32 = prim("s32", "__s32");
export const __u64 = prim("u64", "__u64");

/** VFIO_DEVICE_FEATURE = _IO(VFIO_TYPE ';', VFIO_BASE 100 + 17). */
export const VFIO_DEVICE_FEATURE = (0x3b << 8) | (100 + 17);

/* vfio_device_feature.flags: bits 15:0 select the feature, bits 16..18 the operation. */
export const VFIO_DEVICE_FEATURE_MASK = 0xffff;
export const VFIO_DEVICE_FEATURE_GET = 1 << 16;
export const VFIO_DEVICE_FEATURE_SET = 1 << 17;
export const VFIO_DEVICE_FEATURE_PROBE = 1 << 18;

/** Export a dma-buf over ranges of a BAR (SET). */
export const VFIO_DEVICE_FEATURE_DMA_BUF = 11;
/** The series (v2 onward): store steering tags for a dma-buf of this device (SET only). */
export const VFIO_DEVICE_FEATURE_DMA_BUF_TPH = 13;

/* vfio_device_feature_dma_buf_tph.flags */
/** `steering_tag` (8-bit ST namespace) is valid. */
export const VFIO_DMA_BUF_TPH_ST = 1 << 0;
/** `steering_tag_ext` (16-bit Extended ST namespace) is valid. */
export const VFIO_DMA_BUF_TPH_ST_EXT = 1 << 1;

/** struct vfio_device_feature: `argsz` counts the whole argument, header included. */
export const vfio_device_feature = defineStruct("vfio_device_feature", [
  field("argsz", __u32),
  field("flags", __u32),
  field("data", flex(__u8, { totalSizeField: "argsz" })),
]);

/** struct vfio_region_dma_range: one BAR range of an exported dma-buf. */
export const vfio_region_dma_range = defineStruct("vfio_region_dma_range", [
  field("offset", __u64),
  field("length", __u64),
]);

/** struct vfio_device_feature_dma_buf as merged upstream (also v11 and proposed): 16-byte header. */
export const vfio_device_feature_dma_buf_mainline = defineStruct("vfio_device_feature_dma_buf", [
  field("region_index", __u32),
  field("open_flags", __u32),
  field("flags", __u32),
  field("nr_ranges", __u32),
  field("dma_ranges", flex(vfio_region_dma_range, { countField: "nr_ranges" })),
]);

/**
 * The rfc layout (9 Feb 2026): `__u16 steering_tag; __u8 ph;` inserted after open_flags. The
 * hole after ph and the 8-byte alignment of the ranges push flags to 12, nr_ranges to 16 and the
 * ranges to 24: a binary built against the other layout is misread.
 */
export const vfio_device_feature_dma_buf_rfc = defineStruct("vfio_device_feature_dma_buf", [
  field("region_index", __u32),
  field("open_flags", __u32),
  field("steering_tag", __u16),
  field("ph", __u8),
  field("flags", __u32),
  field("nr_ranges", __u32),
  field("dma_ranges", flex(vfio_region_dma_range, { countField: "nr_ranges" })),
]);

export type VfioDmaBufStruct =
  | typeof vfio_device_feature_dma_buf_mainline
  | typeof vfio_device_feature_dma_buf_rfc;

/** The two layouts, keyed by `Behaviours.vfioDmaBufLayout`. */
export const VFIO_DMA_BUF_LAYOUTS: Readonly<Record<Behaviours["vfioDmaBufLayout"], VfioDmaBufStruct>> = {
  mainline: vfio_device_feature_dma_buf_mainline,
  rfc: vfio_device_feature_dma_buf_rfc,
};

/** struct vfio_device_feature_dma_buf_tph (v2 onward): 12 bytes, no padding. */
export const vfio_device_feature_dma_buf_tph = defineStruct("vfio_device_feature_dma_buf_tph", [
  field("dmabuf_fd", __s32),
  field("flags", __u32),
  field("steering_tag_ext", __u16),
  field("steering_tag", __u8),
  field("ph", __u8),
]);

/** The vfio_device_feature_dma_buf layout a kernel (or a binary's headers) of these behaviours uses. */
export function vfioDmaBufStruct(b: Behaviours): VfioDmaBufStruct {
  return VFIO_DMA_BUF_LAYOUTS[b.vfioDmaBufLayout];
}

/** vfio_device_feature_dma_buf_tph when the revision has feature 13, else undefined. */
export function vfioDmaBufTphStruct(b: Behaviours): typeof vfio_device_feature_dma_buf_tph | undefined {
  return b.vfioDmaBufTphFeature ? vfio_device_feature_dma_buf_tph : undefined;
}

/** Every vfio.h struct this model knows, as the headers of a revision with behaviours `b` define them. */
export function vfioUapiStructs(b: Behaviours): readonly Struct[] {
  const tph = vfioDmaBufTphStruct(b);
  return [
    vfio_device_feature,
    vfio_region_dma_range,
    vfioDmaBufStruct(b) as Struct,
    ...(tph ? [tph as Struct] : []),
  ];
}

/**
 * The whole VFIO_DEVICE_FEATURE argument a program passes: the header with `argsz` covering the
 * header and `payload`, then the payload bytes.
 */
export function vfioFeatureArg(flags: number, payload: Uint8Array): Uint8Array {
  const argsz = vfio_device_feature.sizeWith(payload.length);
  return encode(vfio_device_feature, { argsz, flags, data: [...payload] });
}
