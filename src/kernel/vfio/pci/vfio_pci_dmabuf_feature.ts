/**
 * The two dma-buf features of drivers/vfio/pci/vfio_pci_dmabuf.c, reading the user's bytes with
 * the uapi layouts: VFIO_DEVICE_FEATURE_DMA_BUF (11, GET: export BAR ranges as a dma-buf) and,
 * from the series, VFIO_DEVICE_FEATURE_DMA_BUF_TPH (13, SET only). Every check in the kernel's
 * order with the kernel's errno (linux-tph-stack.md section 5).
 */

import { EFAULT, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP, EOVERFLOW } from "../../errno.js";
import { decode } from "../../include/uapi/codec.js";
import type { Struct } from "../../include/uapi/layout.js";
import {
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_SET,
  VFIO_DMA_BUF_TPH_ST,
  VFIO_DMA_BUF_TPH_ST_EXT,
  vfio_device_feature_dma_buf_tph,
  vfio_region_dma_range,
  vfioDmaBufStruct,
} from "../../include/uapi/linux/vfio.js";
import type { Kernel } from "../../kernel.js";
import {
  PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH,
  PCI_EXP_DEVCAP2_TPH_COMP_NONE,
  pcieTphCompleterType,
} from "../../pci/tph.js";
import { vfioCheckFeature } from "../vfio_main.js";
import type { VfioPciCoreDevice } from "./vfio_pci_core.js";
import { type PhysVec, VfioPciDmaBuf, vfioPciDmaBufSetTph, vfioPciDmabufExport } from "./vfio_pci_dmabuf.js";

/** VFIO_PCI_ROM_REGION_INDEX: region indexes 0..5 are the BARs. */
export const VFIO_PCI_ROM_REGION_INDEX = 6;
/** KMALLOC_MAX_SIZE on x86-64 (SLUB, 4 KiB pages, MAX_PAGE_ORDER 10): larger copies fail -ENOMEM. */
export const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
/** DMA_IOVA_USE_SWIOTLB: a total length with bit 63 set is refused. */
const DMA_IOVA_USE_SWIOTLB = 1n << 63n;
const PAGE_MASK = 4095n;
const U64 = 1n << 64n;

interface Range {
  readonly offset: bigint;
  readonly length: bigint;
}

/** validate_dmabuf_input(): every range non-empty and page aligned; the total must not wrap. */
function validateDmabufInput(ranges: readonly Range[]): bigint | number {
  let length = 0n;
  for (const r of ranges) {
    if (!r.length || r.offset & PAGE_MASK || r.length & PAGE_MASK) return -EINVAL;
    length += r.length;
    if (length >= U64) return -EINVAL;
  }
  if (length & DMA_IOVA_USE_SWIOTLB) return -EINVAL;
  return length;
}

/**
 * vfio_pci_core_get_dmabuf_phys() + vfio_pci_core_fill_phys_vec(): the BAR must be implemented
 * (a P2P provider, -EINVAL); per range: start + offset or + length wraps -> -EOVERFLOW, past the
 * BAR -> -EINVAL.
 */
function fillPhysVec(vdev: VfioPciCoreDevice, bar: number, ranges: readonly Range[]): PhysVec[] | number {
  const spec = vdev.pdev.fn.bar(bar);
  if (!spec) return -EINVAL;
  const start = BigInt(spec.address);
  const max = start + BigInt(spec.size);
  const out: PhysVec[] = [];
  for (const r of ranges) {
    if (!r.length) return -EINVAL;
    const paddr = start + r.offset;
    const end = paddr + r.length;
    if (paddr >= U64 || end >= U64) return -EOVERFLOW;
    if (end > max) return -EINVAL;
    out.push({ paddr, len: r.length });
  }
  return out;
}

/** vfio_pci_core_feature_dma_buf(): returns the new dma-buf fd, 0 for PROBE, or a negative errno. */
export function vfioPciCoreFeatureDmaBuf(
  k: Kernel,
  vdev: VfioPciCoreDevice,
  flags: number,
  arg: Uint8Array,
  argsz: number,
): number {
  const fn = "vfio_pci_core_feature_dma_buf";
  const r = (ret: number, args: Record<string, number | bigint> = {}) =>
    k.trace.ret(fn, { dev: vdev.name, args }, ret);
  if (!vdev.canExportDmabuf) return r(-EOPNOTSUPP);
  const s = vfioDmaBufStruct(k.b) as Struct;
  const chk = vfioCheckFeature(flags, argsz, VFIO_DEVICE_FEATURE_GET, s.size);
  if (chk !== 1) return r(chk);
  const hdr = decode(s, arg, { flex: "skip" });
  if (!hdr.ok) return r(-EFAULT, { have: arg.length });
  const h = hdr.value as unknown as {
    region_index: number;
    open_flags: number;
    flags: number;
    nr_ranges: number;
    steering_tag?: number;
    ph?: number;
  };
  if (!h.nr_ranges || h.flags) return r(-EINVAL, { nr_ranges: h.nr_ranges, flags: h.flags });
  if (h.region_index >= VFIO_PCI_ROM_REGION_INDEX) return r(-ENODEV, { region: h.region_index });
  // memdup_array_user(): the ranges follow the header in user memory, whatever argsz says.
  if (h.nr_ranges * vfio_region_dma_range.size > KMALLOC_MAX_SIZE)
    return r(-ENOMEM, { nr_ranges: h.nr_ranges });
  const full = decode(s, arg);
  if (!full.ok) return r(-EFAULT, { have: arg.length, need: full.error.need });
  const ranges = (full.value as unknown as { dma_ranges: Range[] }).dma_ranges;
  const length = validateDmabufInput(ranges);
  if (typeof length === "number") return r(length);
  const phys = fillPhysVec(vdev, h.region_index, ranges);
  if (typeof phys === "number") return r(phys, { region: h.region_index });
  const priv = new VfioPciDmaBuf(vdev, vdev.pdev, phys, length);
  // rfc: the tag and PH travel in the export struct itself (no valid bits).
  const tph =
    k.b.vfioDmaBufLayout === "rfc"
      ? { flags: 0, st: h.steering_tag ?? 0, stExt: 0, ph: h.ph ?? 0 }
      : undefined;
  return r(vfioPciDmabufExport(k, vdev, priv, h.open_flags, tph), { nr_ranges: h.nr_ranges, length });
}

/**
 * The series' VFIO_DEVICE_FEATURE_DMA_BUF_TPH: the device is no TPH completer (own DevCap2) ->
 * -EOPNOTSUPP before the feature-flag check, so PROBE fails too; SET only; a short copy ->
 * -EFAULT; unknown flags -> -EINVAL; ph above 3 -> -EINVAL; ST_EXT on a device that is no
 * Extended TPH completer -> -EOPNOTSUPP; then the fd (vfioPciDmaBufSetTph). v11 does not
 * range-check tags (open problem 3); under `vfioSetTphValidates` a tag above the device's
 * declared limit -> -EINVAL, before the fd is looked at.
 */
export function vfioPciCoreFeatureDmaBufTph(
  k: Kernel,
  vdev: VfioPciCoreDevice,
  flags: number,
  arg: Uint8Array,
  argsz: number,
): number {
  const fn = "vfio_pci_core_feature_dma_buf_tph";
  const r = (ret: number, args: Record<string, number> = {}) =>
    k.trace.ret(fn, { dev: vdev.name, args }, ret);
  const comp = pcieTphCompleterType(vdev.pdev);
  if (comp === PCI_EXP_DEVCAP2_TPH_COMP_NONE) return r(-EOPNOTSUPP, { completer: comp });
  const s = vfio_device_feature_dma_buf_tph;
  const chk = vfioCheckFeature(flags, argsz, VFIO_DEVICE_FEATURE_SET, s.size);
  if (chk !== 1) return r(chk);
  const d = decode(s, arg);
  if (!d.ok) return r(-EFAULT, { have: arg.length });
  const t = d.value;
  if (t.flags & ~(VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT)) return r(-EINVAL, { flags: t.flags });
  if (t.ph & ~3) return r(-EINVAL, { ph: t.ph });
  if (t.flags & VFIO_DMA_BUF_TPH_ST_EXT && comp !== PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH)
    return r(-EOPNOTSUPP, { completer: comp });
  // Proposed (open problem 3, `validate-tag`): a valid tag above what the device declares.
  if (k.b.vfioSetTphValidates) {
    const lim = vdev.tphTagLimit;
    if (t.flags & VFIO_DMA_BUF_TPH_ST && t.steering_tag > lim.st)
      return r(-EINVAL, { st: t.steering_tag, st_max: lim.st });
    if (t.flags & VFIO_DMA_BUF_TPH_ST_EXT && t.steering_tag_ext > lim.stExt)
      return r(-EINVAL, { st_ext: t.steering_tag_ext, st_ext_max: lim.stExt });
  }
  const tph = { flags: t.flags, st: t.steering_tag, stExt: t.steering_tag_ext, ph: t.ph };
  return r(vfioPciDmaBufSetTph(k, vdev, t.dmabuf_fd, tph), { fd: t.dmabuf_fd, flags: t.flags });
}
