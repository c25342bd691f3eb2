/**
 * drivers/vfio/vfio_main.c: the VFIO device core: registration references, the device file, and
 * the VFIO_DEVICE_FEATURE ioctl (vfio_ioctl_device_feature, vfio_check_feature), which reads the
 * user's argument BYTES with the uapi layouts (src/kernel/include/uapi/linux/vfio.ts).
 *
 * A buffer shorter than what the kernel copies is a fault: -EFAULT where copy_from_user() would
 * fail; size fields that are too small are -EINVAL, as in the kernel.
 */

import { EBADF, EFAULT, EINVAL, ENODEV, ENOTTY } from "../errno.js";
import { decode } from "../include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_MASK,
  VFIO_DEVICE_FEATURE_PROBE,
  VFIO_DEVICE_FEATURE_SET,
  vfio_device_feature,
} from "../include/uapi/linux/vfio.js";
import { File, fput, type Kernel } from "../kernel.js";

/** struct vfio_device_ops (the subset the model uses). */
export interface VfioDeviceOps {
  openDevice(k: Kernel, vdev: VfioDevice): number;
  closeDevice(k: Kernel, vdev: VfioDevice): void;
  /** device_feature(device, flags, arg, argsz): `arg` holds the readable bytes after the header. */
  deviceFeature?(k: Kernel, vdev: VfioDevice, flags: number, arg: Uint8Array, argsz: number): number;
}

/** struct vfio_device */
export class VfioDevice {
  /** refcount: 1 for the registration plus one per user (open file, exported dma-buf). */
  refcount = 1;
  /** open_count: open device files; the first open enables the device, the last close disables it. */
  openCount = 0;
  constructor(
    readonly name: string,
    readonly ops: VfioDeviceOps,
    /** The bus driver's device (vfio_pci_core_device). */
    readonly priv: unknown,
  ) {}
}

/** vfio_device_try_get_registration(): refcount_inc_not_zero(). */
export function vfioDeviceTryGetRegistration(vdev: VfioDevice): boolean {
  if (vdev.refcount === 0) return false;
  vdev.refcount++;
  return true;
}
/** vfio_device_put_registration() */
export function vfioDevicePutRegistration(k: Kernel, vdev: VfioDevice): void {
  vdev.refcount--;
  if (vdev.refcount === 0) k.trace.emit("vfio_device_unregistered", { dev: vdev.name });
}

/**
 * vfio_unregister_group_dev(): drop the registration reference; while users remain the core keeps
 * asking them to release the device (the request op), as the kernel waits for the last one.
 */
export function vfioUnregisterGroupDev(k: Kernel, vdev: VfioDevice): void {
  vfioDevicePutRegistration(k, vdev);
  if (vdev.refcount > 0)
    k.trace.emit("vfio_device_request", { dev: vdev.name, args: { users: vdev.refcount } });
}

/**
 * Open the device (VFIO_GROUP_GET_DEVICE_FD / the cdev): a registration reference for the file,
 * the first open enables the device; returns the new fd or a negative errno.
 */
export function vfioDeviceOpen(k: Kernel, vdev: VfioDevice): number {
  if (!vfioDeviceTryGetRegistration(vdev))
    return k.trace.ret("vfio_device_open", { dev: vdev.name }, -ENODEV);
  if (vdev.openCount === 0) {
    const ret = vdev.ops.openDevice(k, vdev);
    if (ret) {
      vfioDevicePutRegistration(k, vdev);
      return k.trace.ret("vfio_device_open", { dev: vdev.name }, ret);
    }
  }
  vdev.openCount++;
  const fd = k.fdInstall(new File("vfio-device", vdev, (kk) => vfioDeviceFopsRelease(kk, vdev)));
  return k.trace.ret("vfio_device_open", { dev: vdev.name }, fd);
}

/** vfio_device_fops_release(): the last close disables the device. */
function vfioDeviceFopsRelease(k: Kernel, vdev: VfioDevice): void {
  vdev.openCount--;
  if (vdev.openCount === 0) vdev.ops.closeDevice(k, vdev);
  vfioDevicePutRegistration(k, vdev);
  k.trace.emit("vfio_device_fops_release", { dev: vdev.name });
}

/** The VFIO device behind an fd, or -EBADF (fdget + f_op check; the reference is not kept). */
export function vfioDeviceFromFd(k: Kernel, fd: number): VfioDevice | number {
  const file = k.fdGet(fd);
  if (!file) return -EBADF;
  fput(k, file);
  return file.kind === "vfio-device" ? (file.priv as VfioDevice) : -EBADF;
}

/**
 * vfio_check_feature(): GET/SET the feature does not support -> -EINVAL; PROBE -> 0; neither GET
 * nor SET -> -EINVAL; argsz below the feature's struct -> -EINVAL; else 1 (go on).
 */
export function vfioCheckFeature(flags: number, argsz: number, supportedOps: number, minsz: number): number {
  if (flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET) & ~supportedOps) return -EINVAL;
  if (flags & VFIO_DEVICE_FEATURE_PROBE) return 0;
  if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET))) return -EINVAL;
  if (argsz < minsz) return -EINVAL;
  return 1;
}

const FEATURE_FLAGS_KNOWN =
  VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE;

/**
 * vfio_ioctl_device_feature(): copy the 8-byte header (-EFAULT), argsz below it -> -EINVAL,
 * unknown flag bits -> -EINVAL, GET together with SET without PROBE -> -EINVAL; then the device's
 * feature handler with the bytes after the header and argsz - 8 (no handler -> -ENOTTY).
 */
export function vfioIoctlDeviceFeature(k: Kernel, vdev: VfioDevice, arg: Uint8Array): number {
  const fn = "vfio_ioctl_device_feature";
  const minsz = vfio_device_feature.offsetOfEnd("flags");
  const hdr = decode(vfio_device_feature, arg, { flex: "skip" });
  if (!hdr.ok) return k.trace.ret(fn, { dev: vdev.name, args: { bytes: arg.length } }, -EFAULT);
  const { argsz, flags } = hdr.value;
  const args = { argsz, flags: `0x${flags.toString(16)}`, feature: flags & VFIO_DEVICE_FEATURE_MASK };
  if (argsz < minsz) return k.trace.ret(fn, { dev: vdev.name, args }, -EINVAL);
  if (flags & ~FEATURE_FLAGS_KNOWN) return k.trace.ret(fn, { dev: vdev.name, args }, -EINVAL);
  const probe = (flags & VFIO_DEVICE_FEATURE_PROBE) !== 0;
  if (!probe && flags & VFIO_DEVICE_FEATURE_SET && flags & VFIO_DEVICE_FEATURE_GET) {
    return k.trace.ret(fn, { dev: vdev.name, args }, -EINVAL);
  }
  if (!vdev.ops.deviceFeature) return k.trace.ret(fn, { dev: vdev.name, args }, -ENOTTY);
  const ret = vdev.ops.deviceFeature(k, vdev, flags, arg.subarray(minsz), argsz - minsz);
  return k.trace.ret(fn, { dev: vdev.name, args }, ret);
}

/**
 * ioctl(deviceFd, VFIO_DEVICE_FEATURE, argBytes) as the kernel sees it: `argBytes` is what is
 * readable at the user pointer. Returns a new fd, 0, or a negative errno (-EBADF for a bad fd).
 */
export function vfioDeviceFeature(k: Kernel, deviceFd: number, argBytes: Uint8Array): number {
  const vdev = vfioDeviceFromFd(k, deviceFd);
  if (typeof vdev === "number") return k.trace.ret("vfio_device_feature", { args: { fd: deviceFd } }, vdev);
  return vfioIoctlDeviceFeature(k, vdev, argBytes);
}
