/**
 * The VFIO ioctl numbers and region offsets a C program uses besides VFIO_DEVICE_FEATURE (which,
 * with the feature structs, lives in src/kernel/include/uapi/linux/vfio.ts): include/uapi/linux/vfio.h
 * and drivers/vfio/pci/vfio_pci_priv.h (the region index in the file offset).
 */
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
