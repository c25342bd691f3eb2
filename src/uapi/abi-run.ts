/**
 * The sample programs behind `tphlab abi` verdicts, and how they are run against the kernel model.
 *
 * A verdict's return value is never predicted: the program's VFIO_DEVICE_FEATURE argument is
 * handed to the kernel model through a `RunFeature` hook, which boots a kernel of the requested
 * revision with a VFIO device whose BAR 0 holds at least the sample range (64 KiB) and returns
 * its ioctl entry point.
 */

import { errnoName } from "../kernel/errno.js";
import {
  VFIO_DMA_BUF_TPH_ST,
  VFIO_DMA_BUF_TPH_ST_EXT,
  type VfioDmaBufStruct,
  vfioDmaBufStruct,
  vfioFeatureArg,
} from "../kernel/include/uapi/linux/vfio.js";
import { type RevisionName, revisionBehaviours } from "../kernel/revision.js";
import { DMA_BUF_EXPORT_FLAGS, DMA_BUF_TPH_SET_FLAGS, encodeDmaBuf, encodeDmaBufTph } from "./vfio.js";

/** The sample requests' vfio_device_feature.flags (defined with the argument builders). */
export { DMA_BUF_EXPORT_FLAGS, DMA_BUF_TPH_SET_FLAGS };

/** What one ioctl returned, and the kernel's trace lines for it (ftrace-like; may be empty). */
export interface FeatureCall {
  readonly ret: number;
  readonly trace: readonly string[];
}
/** ioctl(device_fd, VFIO_DEVICE_FEATURE, arg) on one open VFIO device: ret >= 0 (e.g. a new fd) or -errno. */
export type FeatureIoctl = (arg: Uint8Array) => FeatureCall;
/** Boot a kernel of revision `kernel` with an open VFIO device (BAR 0 >= 64 KiB) and return its ioctl. */
export type RunFeature = (kernel: RevisionName) => FeatureIoctl;

export interface RunResult {
  readonly ret: number;
  /** errnoName(ret): "-EINVAL", or the fd / 0 on success. */
  readonly errno: string;
  /** The kernel's trace of the call: which check answered. */
  readonly trace: readonly string[];
}

/** What the sample programs pass (include/uapi/asm-generic/fcntl.h: O_RDWR 02, O_CLOEXEC 02000000). */
export const ABI_SAMPLE = {
  regionIndex: 0,
  openFlags: 0o2 | 0o2000000,
  /** One 64 KiB range at the start of the BAR. */
  range: { offset: 0n, length: 0x10000n },
  /** What an rfc-era program asks for (8-bit tag and processing hint). */
  rfcTag: { steering_tag: 0x2a, ph: 2 },
  /** What a v11 program sets through feature 13 (both namespaces valid). */
  tph: {
    flags: VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT,
    steering_tag: 0x2a,
    steering_tag_ext: 0x12a,
    ph: 2,
  },
} as const;

/** The VFIO_DEVICE_FEATURE_DMA_BUF payload a program built with layout `s` writes. */
export function dmaBufPayload(s: VfioDmaBufStruct): Uint8Array {
  const { regionIndex, openFlags, range, rfcTag } = ABI_SAMPLE;
  return encodeDmaBuf(s, {
    bar: regionIndex,
    openFlags,
    ranges: [range],
    st: rfcTag.steering_tag,
    ph: rfcTag.ph,
  });
}

/** The VFIO_DEVICE_FEATURE_DMA_BUF_TPH payload for dma-buf `fd`. */
export function dmaBufTphPayload(fd: number): Uint8Array {
  const { flags, steering_tag, steering_tag_ext, ph } = ABI_SAMPLE.tph;
  return encodeDmaBufTph({ fd, flags, st: steering_tag, stExt: steering_tag_ext, ph });
}

const result = (c: FeatureCall): RunResult => ({ ret: c.ret, errno: errnoName(c.ret), trace: c.trace });

/** GET VFIO_DEVICE_FEATURE_DMA_BUF with `payload` on a fresh kernel of revision `r`. */
export function runDmaBuf(runFeature: RunFeature, r: RevisionName, payload: Uint8Array): RunResult {
  const ioctl = runFeature(r);
  return result(ioctl(vfioFeatureArg(DMA_BUF_EXPORT_FLAGS, payload)));
}

/**
 * On a fresh kernel of revision `r`: export a dma-buf in the kernel's own layout (so only feature
 * 13 is under test), then SET VFIO_DEVICE_FEATURE_DMA_BUF_TPH for that fd (-1 if the export failed).
 */
export function runDmaBufTph(
  runFeature: RunFeature,
  r: RevisionName,
): RunResult & { readonly exportRet: number; readonly payload: Uint8Array } {
  const ioctl = runFeature(r);
  const exportArg = dmaBufPayload(vfioDmaBufStruct(revisionBehaviours(r)));
  const exportRet = ioctl(vfioFeatureArg(DMA_BUF_EXPORT_FLAGS, exportArg)).ret;
  const payload = dmaBufTphPayload(exportRet >= 0 ? exportRet : -1);
  const call = ioctl(vfioFeatureArg(DMA_BUF_TPH_SET_FLAGS, payload));
  return { ...result(call), exportRet, payload };
}
