/**
 * drivers/vfio/pci/vfio_pci_config.c: userspace writes to the device's config space through the
 * VFIO config region. The model virtualises what matters for dma-bufs:
 * - Command register: clearing Memory Space Enable revokes every dma-buf before decoding stops;
 *   setting it un-revokes after (vfio_basic_config_write);
 * - PM Control: entering D3hot revokes, D0 un-revokes (vfio_pm_config_write);
 * - Device Control with Initiate FLR: a function reset with revoke/un-revoke (vfio_exp_config_write);
 * - BARs: virtualised, never moved; everything else is written through.
 */
import { EXP, HEADER, PM } from "../../../pcie/registers.js";
import { EINVAL } from "../../errno.js";
import type { Kernel } from "../../kernel.js";
import {
  type PciDev,
  pciReadConfigDword,
  pciWriteConfigByte,
  pciWriteConfigDword,
  pciWriteConfigWord,
} from "../../pci/pci.js";
import { traceHex } from "../../trace.js";
import {
  type VfioPciCoreDevice,
  vfioPciFromFd,
  vfioPciResetLocked,
  vfioPciSetPowerStateLocked,
} from "./vfio_pci_core.js";
import { vfioPciDmaBufMove } from "./vfio_pci_dmabuf.js";

type Width = 1 | 2 | 4;

/** The 16-bit register at `reg` after a write of `width` bytes at `offset` (other bytes unchanged). */
function merged(
  pdev: PciDev,
  reg: number,
  offset: number,
  width: Width,
  value: number,
  old?: number,
): number {
  let v = old ?? pdev.cfg.read16(reg);
  for (let i = 0; i < width; i++) {
    const at = offset + i;
    if (at === reg || at === reg + 1) {
      const shift = 8 * (at - reg);
      v = (v & ~(0xff << shift)) | (((value >>> (8 * i)) & 0xff) << shift);
    }
  }
  return v & 0xffff;
}

function overlaps(offset: number, width: Width, reg: number): boolean {
  return offset < reg + 2 && reg < offset + width;
}

function writeThrough(k: Kernel, pdev: PciDev, offset: number, width: Width, value: number): void {
  if (width === 1) pciWriteConfigByte(k, pdev, offset, value);
  else if (width === 2) pciWriteConfigWord(k, pdev, offset, value);
  else pciWriteConfigDword(k, pdev, offset, value);
}

/** vfio_basic_config_write() for the command register. */
function commandWrite(k: Kernel, vdev: VfioPciCoreDevice, offset: number, width: Width, value: number): void {
  const pdev = vdev.pdev;
  const newCmd = merged(pdev, HEADER.COMMAND.offset, offset, width, value, vdev.vconfigCommand);
  const mem = HEADER.COMMAND.fields.MEMORY.mask;
  vdev.memoryLock.downWrite(k, "vfio_basic_config_write");
  if (!(newCmd & mem)) vfioPciDmaBufMove(k, vdev, true);
  writeThrough(k, pdev, offset, width, value);
  const mask = mem | HEADER.COMMAND.fields.IO.mask;
  vdev.vconfigCommand = (vdev.vconfigCommand & ~mask) | (newCmd & mask);
  if (vdev.memoryEnabled()) vfioPciDmaBufMove(k, vdev, false);
  vdev.memoryLock.upWrite(k);
}

/**
 * pwrite() of `width` bytes at `offset` of the device's config region (vfio_pci_config_rw).
 * Returns the bytes written or a negative errno (-EINVAL for an unaligned or out-of-range access).
 */
export function vfioPciConfigWrite(
  k: Kernel,
  fd: number,
  offset: number,
  width: Width,
  value: number,
): number {
  const vdev = vfioPciFromFd(k, fd);
  if (typeof vdev === "number") return vdev;
  const pdev = vdev.pdev;
  const fn = "vfio_pci_config_write";
  const args = { off: traceHex(offset), width, val: traceHex(value) };
  if (offset % width !== 0 || !pdev.cfg.has(offset, width))
    return k.trace.ret(fn, { dev: vdev.name, args }, -EINVAL);
  k.trace.emit(fn, { dev: vdev.name, args });
  const pm = pdev.pmCap ? pdev.pmCap + PM.CTRL.offset : -1;
  const devctl = pdev.pcieCap ? pdev.pcieCap + EXP.DEVCTL.offset : -1;
  if (offset >= HEADER.BAR0.offset && offset < HEADER.BAR0.offset + 24) return width; // virtualised BARs
  if (overlaps(offset, width, HEADER.COMMAND.offset)) {
    commandWrite(k, vdev, offset, width, value);
  } else if (pm >= 0 && overlaps(offset, width, pm)) {
    const state = merged(pdev, pm, offset, width, value) & PM.CTRL.fields.STATE.mask;
    vdev.memoryLock.downWrite(k, "vfio_pm_config_write");
    vfioPciSetPowerStateLocked(k, vdev, state);
    vdev.memoryLock.upWrite(k);
  } else if (devctl >= 0 && overlaps(offset, width, devctl)) {
    const v = merged(pdev, devctl, offset, width, value);
    const flr = EXP.DEVCTL.fields.BCR_FLR.mask;
    // The FLR bit is virtual: vfio resets the function itself (pci_try_reset_function).
    pciWriteConfigWord(k, pdev, devctl, v & ~flr);
    if (v & flr && vdev.resetWorks) {
      vdev.memoryLock.downWrite(k, "vfio_exp_config_write");
      vfioPciResetLocked(k, vdev);
      vdev.memoryLock.upWrite(k);
    }
  } else {
    writeThrough(k, pdev, offset, width, value);
  }
  return width;
}

/** pread() of the config region: physical values, with the command register's memory/IO bits virtual. */
export function vfioPciConfigRead(k: Kernel, fd: number, offset: number, width: Width): number {
  const vdev = vfioPciFromFd(k, fd);
  if (typeof vdev === "number") return vdev;
  if (offset % width !== 0 || !vdev.pdev.cfg.has(offset, width)) return -EINVAL;
  const dword = pciReadConfigDword(vdev.pdev, offset & ~3);
  const mask = HEADER.COMMAND.fields.MEMORY.mask | HEADER.COMMAND.fields.IO.mask;
  const v =
    (offset & ~3) === HEADER.COMMAND.offset ? ((dword & ~mask) | (vdev.vconfigCommand & mask)) >>> 0 : dword;
  const shift = 8 * (offset & 3);
  return width === 4 ? v : (v >>> shift) & (width === 2 ? 0xffff : 0xff);
}
