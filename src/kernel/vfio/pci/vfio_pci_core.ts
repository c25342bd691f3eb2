/**
 * drivers/vfio/pci/vfio_pci_core.c: a PCI function bound to vfio-pci. Open enables it, close
 * revokes its dma-bufs for good and disables it; VFIO_DEVICE_RESET (FLR), the bus hot reset and
 * D3hot revoke every dma-buf first and un-revoke after when memory decoding is on
 * (linux-tph-stack.md section 5). memory_lock is a rw semaphore whose write side the model tracks.
 */
import { HEADER, PM } from "../../../pcie/registers.js";
import { EBUSY, EINVAL, ENOTTY } from "../../errno.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_MASK,
} from "../../include/uapi/linux/vfio.js";
import type { Kernel } from "../../kernel.js";
import { pcimP2pdmaInit } from "../../pci/p2pdma.js";
import { type PciDev, pciReadConfigWord, pciWriteConfigWord } from "../../pci/pci.js";
import { pciResetFunction, pciRestoreState, pciSaveState } from "../../pci/reset.js";
import { VfioDevice, vfioDeviceFromFd, vfioDeviceOpen } from "../vfio_main.js";
import { type VfioPciDmaBuf, vfioPciDmaBufCleanup, vfioPciDmaBufMove } from "./vfio_pci_dmabuf.js";
import { vfioPciCoreFeatureDmaBuf, vfioPciCoreFeatureDmaBufTph } from "./vfio_pci_dmabuf_feature.js";

/** struct rw_semaphore memory_lock: the write holder, for lockdep-style assertions. */
export class MemoryLock {
  private holder: string | undefined = undefined;
  downWrite(k: Kernel, who: string): void {
    if (this.holder !== undefined) k.lockdepViolation(`${who}: memory_lock already held by ${this.holder}`);
    this.holder = who;
  }
  /** down_write_trylock(): take the lock only if it is free. */
  downWriteTrylock(who: string): boolean {
    if (this.holder !== undefined) return false;
    this.holder = who;
    return true;
  }
  upWrite(k: Kernel): void {
    if (this.holder === undefined) k.lockdepViolation("memory_lock: up_write() of an unheld lock");
    this.holder = undefined;
  }
  /** Who holds the lock now (undefined: free); for lock-release invariants. */
  heldBy(): string | undefined {
    return this.holder;
  }
  /** lockdep_assert_held_write() */
  assertHeldWrite(k: Kernel, what: string): boolean {
    if (this.holder !== undefined) return true;
    k.lockdepViolation(`${what}: lockdep_assert_held_write(&vdev->memory_lock) failed`);
    return false;
  }
}

/** struct vfio_pci_core_device */
/** The steering tags a device declares it accepts (proposed: checked at SET). */
export interface VfioTphTagLimit {
  readonly st: number;
  readonly stExt: number;
}

export class VfioPciCoreDevice {
  readonly vdev: VfioDevice;
  readonly memoryLock = new MemoryLock();
  /** vdev->dmabufs: the buffers exported from this device and not yet released. */
  readonly dmabufs: VfioPciDmaBuf[] = [];
  /** The virtualised command register (vconfig[PCI_COMMAND]): what the user last wrote. */
  vconfigCommand = 0;
  /** reset_works: the function can do FLR. */
  resetWorks = false;
  constructor(
    readonly pdev: PciDev,
    /** pci_ops->get_dmabuf_phys is implemented (variant drivers may lack it). */
    readonly canExportDmabuf: boolean,
    /**
     * The highest 8-bit and 16-bit steering tags the device accepts, as its (variant) driver
     * declares them; the proposed `validate-tag` fix refuses SETs above them. Default: full width.
     */
    readonly tphTagLimit: VfioTphTagLimit = { st: 0xff, stExt: 0xffff },
  ) {
    this.vdev = new VfioDevice(
      pdev.name,
      {
        openDevice: (k) => vfioPciCoreEnable(k, this),
        closeDevice: (k) => vfioPciCoreCloseDevice(k, this),
        deviceFeature: (k, _v, flags, arg, argsz) => vfioPciCoreIoctlFeature(k, this, flags, arg, argsz),
      },
      this,
    );
  }
  get name(): string {
    return this.pdev.name;
  }
  /**
   * __vfio_pci_memory_enabled(): not in D3hot and the (virtual) Memory Space Enable set, or a
   * function whose memory the command register does not gate (no_command_memory: VFs).
   */
  memoryEnabled(): boolean {
    return (
      this.pdev.fn.powerState() < PM.CTRL.fields.STATE.values.D3HOT &&
      (this.pdev.noCommandMemory || (this.vconfigCommand & HEADER.COMMAND.fields.MEMORY.mask) !== 0)
    );
  }
}

/** Bind vfio-pci to `pdev` (vfio_pci_probe + vfio_pci_core_register_device). */
export function vfioPciCoreRegisterDevice(
  k: Kernel,
  pdev: PciDev,
  opts: { dmabuf?: boolean; tphTagLimit?: VfioTphTagLimit } = {},
): VfioPciCoreDevice | number {
  if (pdev.driver !== undefined)
    return k.trace.ret("vfio_pci_probe", { dev: pdev.name, args: { bound: pdev.driver } }, -EBUSY);
  const vdev = new VfioPciCoreDevice(pdev, opts.dmabuf ?? true, opts.tphTagLimit);
  // vfio_pci_core_register_device(): pcim_p2pdma_init(), so the BARs can be P2P providers.
  pcimP2pdmaInit(pdev);
  pdev.driver = "vfio-pci";
  pdev.driverData = vdev;
  k.trace.emit("vfio_pci_probe", { dev: pdev.name, ret: 0 });
  return vdev;
}

/** Open the device file of a bound function; returns the fd. */
export function vfioPciOpen(k: Kernel, vdev: VfioPciCoreDevice): number {
  return vfioDeviceOpen(k, vdev.vdev);
}

/** The vfio-pci device behind an fd, or -EBADF. */
export function vfioPciFromFd(k: Kernel, fd: number): VfioPciCoreDevice | number {
  const v = vfioDeviceFromFd(k, fd);
  if (typeof v === "number") return v;
  return v.priv instanceof VfioPciCoreDevice ? v.priv : -EINVAL;
}

/** pci_enable_device(): memory decoding on for the BARs (and bus mastering, as vfio sets it). */
function pciEnableDevice(k: Kernel, pdev: PciDev): void {
  const cmd = pciReadConfigWord(pdev, HEADER.COMMAND.offset);
  pciWriteConfigWord(k, pdev, HEADER.COMMAND.offset, cmd | HEADER.COMMAND.fields.MEMORY.mask);
}

/** vfio_pci_core_enable(): enable, reset, save state, initialise the virtual config. */
function vfioPciCoreEnable(k: Kernel, vdev: VfioPciCoreDevice): number {
  pciEnableDevice(k, vdev.pdev);
  vdev.resetWorks = vdev.pdev.fn.spec.flr;
  if (vdev.resetWorks) pciResetFunction(k, vdev.pdev);
  vdev.vconfigCommand = pciReadConfigWord(vdev.pdev, HEADER.COMMAND.offset);
  return k.trace.ret("vfio_pci_core_enable", { dev: vdev.name, args: { reset_works: vdev.resetWorks } }, 0);
}

/** vfio_pci_core_close_device(): every dma-buf revoked for good, then the device reset and disabled. */
function vfioPciCoreCloseDevice(k: Kernel, vdev: VfioPciCoreDevice): void {
  vfioPciDmaBufCleanup(k, vdev);
  if (vdev.resetWorks) pciResetFunction(k, vdev.pdev);
  k.trace.emit("vfio_pci_core_close_device", { dev: vdev.name });
}

/** vfio_pci_core_ioctl_feature(): the PCI features; others -ENOTTY. */
function vfioPciCoreIoctlFeature(
  k: Kernel,
  vdev: VfioPciCoreDevice,
  flags: number,
  arg: Uint8Array,
  argsz: number,
): number {
  switch (flags & VFIO_DEVICE_FEATURE_MASK) {
    case VFIO_DEVICE_FEATURE_DMA_BUF:
      return vfioPciCoreFeatureDmaBuf(k, vdev, flags, arg, argsz);
    case VFIO_DEVICE_FEATURE_DMA_BUF_TPH:
      if (k.b.vfioDmaBufTphFeature) return vfioPciCoreFeatureDmaBufTph(k, vdev, flags, arg, argsz);
      return -ENOTTY;
    default:
      return -ENOTTY;
  }
}

/**
 * A function reset with the dma-bufs revoked around it; memory_lock held for write. Un-revoked
 * after when memory decoding (as the user configured it) is still on.
 */
export function vfioPciResetLocked(k: Kernel, vdev: VfioPciCoreDevice): number {
  vfioPciDmaBufMove(k, vdev, true);
  const ret = pciResetFunction(k, vdev.pdev);
  if (vdev.memoryEnabled()) vfioPciDmaBufMove(k, vdev, false);
  return ret;
}

/** VFIO_DEVICE_RESET (vfio_pci_ioctl_reset): -EINVAL when the function cannot reset. */
export function vfioPciIoctlReset(k: Kernel, fd: number): number {
  const vdev = vfioPciFromFd(k, fd);
  if (typeof vdev === "number") return vdev;
  if (!vdev.resetWorks) return k.trace.ret("vfio_pci_ioctl_reset", { dev: vdev.name }, -EINVAL);
  vdev.memoryLock.downWrite(k, "vfio_pci_ioctl_reset");
  vfioPciSetPowerStateLocked(k, vdev, PM.CTRL.fields.STATE.values.D0);
  const ret = vfioPciResetLocked(k, vdev);
  vdev.memoryLock.upWrite(k);
  return k.trace.ret("vfio_pci_ioctl_reset", { dev: vdev.name }, ret);
}

/** pci_set_power_state(): the PM capability's state field (no PM capability: stays in D0). */
function pciSetPowerState(k: Kernel, pdev: PciDev, state: number): void {
  if (!pdev.pmCap) return;
  const at = pdev.pmCap + PM.CTRL.offset;
  const ctrl = pciReadConfigWord(pdev, at) & ~PM.CTRL.fields.STATE.mask;
  pciWriteConfigWord(k, pdev, at, ctrl | state);
}

/**
 * vfio_pci_set_power_state() with memory_lock held for write: entering D3hot revokes the
 * dma-bufs first; back in D0 they come back when memory decoding is on.
 */
export function vfioPciSetPowerStateLocked(k: Kernel, vdev: VfioPciCoreDevice, state: number): void {
  const D3HOT = PM.CTRL.fields.STATE.values.D3HOT;
  if (state >= D3HOT) vfioPciDmaBufMove(k, vdev, true);
  pciSetPowerState(k, vdev.pdev, state);
  if (state < D3HOT && vdev.memoryEnabled()) vfioPciDmaBufMove(k, vdev, false);
  k.trace.emit("vfio_pci_set_power_state", { dev: vdev.name, args: { state } });
}

/** The functions a secondary bus reset of `vdev`'s upstream bridge resets (its bus). */
function busFunctions(k: Kernel, vdev: VfioPciCoreDevice): PciDev[] | undefined {
  const bridge = k.topology.parentOf(vdev.pdev.fn);
  if (!bridge) return undefined;
  const fns = k.topology.children(bridge);
  return k.pciDevs.filter((d) => fns.includes(d.fn));
}

/**
 * VFIO_DEVICE_PCI_HOT_RESET (vfio_pci_dev_set_hot_reset): a bus reset of every function below
 * the device's upstream bridge. No bridge -> -ENOTTY (pci_probe_reset_bus); a function on the bus
 * not bound to vfio-pci -> -EINVAL (the set is not resettable); a memory_lock already held ->
 * -EBUSY (down_write_trylock, unwinding). Every device's dma-bufs are revoked before the reset and
 * come back after where memory decoding is on.
 */
export function vfioPciIoctlHotReset(k: Kernel, fd: number): number {
  const vdev = vfioPciFromFd(k, fd);
  if (typeof vdev === "number") return vdev;
  const fn = "vfio_pci_ioctl_pci_hot_reset";
  const bus = busFunctions(k, vdev);
  if (!bus) return k.trace.ret(fn, { dev: vdev.name }, -ENOTTY);
  const set = bus.map((d) => (d.driverData instanceof VfioPciCoreDevice ? d.driverData : undefined));
  if (set.some((v) => v === undefined))
    return k.trace.ret(fn, { dev: vdev.name, note: "bus has non-vfio devices" }, -EINVAL);
  const devs = set as VfioPciCoreDevice[];
  // Locking several devices may deadlock: take each memory_lock with a trylock, and on contention
  // undo the ones taken (their buffers come back) and answer -EBUSY.
  for (const [i, v] of devs.entries()) {
    if (!v.memoryLock.downWriteTrylock(fn)) {
      for (const u of devs.slice(0, i).reverse()) {
        if (u.memoryEnabled()) vfioPciDmaBufMove(k, u, false);
        u.memoryLock.upWrite(k);
      }
      return k.trace.ret(fn, { dev: vdev.name, note: `memory_lock of ${v.name} contended` }, -EBUSY);
    }
    vfioPciDmaBufMove(k, v, true);
  }
  // pci_reset_bus(): save every function, secondary bus reset, restore.
  for (const d of bus) pciSaveState(k, d);
  for (const d of bus) d.fn.reset("hot-reset");
  for (const d of bus) pciRestoreState(k, d);
  for (const v of devs) {
    if (v.memoryEnabled()) vfioPciDmaBufMove(k, v, false);
    v.memoryLock.upWrite(k);
  }
  return k.trace.ret(fn, { dev: vdev.name, args: { functions: bus.length } }, 0);
}
