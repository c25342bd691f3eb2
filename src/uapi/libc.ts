/**
 * A process's C library over the kernel model: the system calls the programs of the series make,
 * each returning what the C call returns (an fd, 0, a count, or -1 with `errno` set) and never
 * throwing for any argument. `errno`, like C's, is only written on failure.
 *
 * Argument buffers are `Uint8Array`s holding exactly the bytes readable at the pointer a C program
 * passes (build them with the uapi codecs, src/kernel/include/uapi/codec.ts): a buffer shorter than
 * what the kernel copies is a fault (-EFAULT), as copy_from_user() reports for an unmapped tail.
 *
 * Where C has undefined behaviour (a wild pointer inside a struct, a use after free), the model
 * answers -1/EFAULT instead of crashing; `deref()` resolves the pointers `Libc` hands out.
 */
import { DmaBuf } from "../kernel/dma-buf/dma-buf.js";
import { EBADF, EINVAL, ENOENT, ENOTTY } from "../kernel/errno.js";
import { VFIO_DEVICE_FEATURE } from "../kernel/include/uapi/linux/vfio.js";
import { type File, fput, getFile, type Kernel, type Process } from "../kernel/kernel.js";
import { traceHex } from "../kernel/trace.js";
import { vfioPciConfigRead, vfioPciConfigWrite } from "../kernel/vfio/pci/vfio_pci_config.js";
import { vfioPciIoctlHotReset, vfioPciIoctlReset } from "../kernel/vfio/pci/vfio_pci_core.js";
import { vfioDeviceFeature } from "../kernel/vfio/vfio_main.js";
import type { Host } from "./host.js";
import {
  VFIO_DEVICE_PCI_HOT_RESET,
  VFIO_DEVICE_RESET,
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_OFFSET_SHIFT,
} from "./vfio.js";

/** open() flags (include/uapi/asm-generic/fcntl.h). The model records no per-fd flags. */
export const O_RDONLY = 0;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
/** lseek() whence. */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** Where the model's user heap starts (a typical x86-64 glibc malloc arena address). */
const HEAP_BASE = 0x5555_5555_0000n;
const HEAP_STEP = 0x100n;
/** Names of the ioctls the model knows, for the trace. */
const IOCTL_NAMES: Readonly<Record<number, string>> = {
  [VFIO_DEVICE_FEATURE]: "VFIO_DEVICE_FEATURE",
  [VFIO_DEVICE_RESET]: "VFIO_DEVICE_RESET",
  [VFIO_DEVICE_PCI_HOT_RESET]: "VFIO_DEVICE_PCI_HOT_RESET",
};
const REGION_MASK = (1n << VFIO_PCI_OFFSET_SHIFT) - 1n;

export class Libc {
  /** C's errno: the last failure's positive error number. */
  errno = 0;
  private readonly heap = new Map<bigint, unknown>();
  private nextAddr = HEAP_BASE;

  constructor(
    readonly host: Host,
    readonly proc: Process,
  ) {}

  get k(): Kernel {
    return this.host.k;
  }
  get pid(): number {
    return this.proc.pid;
  }

  /** Run `fn` in this process's context (syscall entry/exit traced); -errno becomes -1 + errno. */
  syscall(name: string, args: Record<string, number | string | bigint>, fn: (k: Kernel) => number): number {
    const k = this.k;
    k.switchTo(this.proc);
    k.trace.emit(`sys_enter_${name}`, { args: { pid: this.pid, ...args } });
    const ret = fn(k);
    k.trace.emit(`sys_exit_${name}`, { args: { pid: this.pid }, ret });
    return this.fail(ret);
  }

  /** Turn a kernel return into the C convention: negative -> -1 and errno. */
  fail(ret: number): number {
    if (ret >= 0) return ret;
    this.errno = -ret;
    return -1;
  }

  /** The open file behind `fd` in this process, if any (no reference taken). */
  file(fd: number): File | undefined {
    return this.proc.fds.get(fd);
  }

  /** open(path, flags): a device node of the host. */
  open(path: string, flags = O_RDWR): number {
    return this.syscall("openat", { path, flags }, (k) => {
      const node = this.host.devfs.lookup(path);
      return node ? node.open(k) : -ENOENT;
    });
  }

  /** close(fd) */
  close(fd: number): number {
    return this.syscall("close", { fd }, (k) => k.fdClose(fd));
  }

  /** dup2(oldfd, newfd): newfd (closed first when open) names oldfd's file. */
  dup2(oldfd: number, newfd: number): number {
    return this.syscall("dup2", { oldfd, newfd }, (k) => {
      const file = k.fds.get(oldfd);
      if (!file || !Number.isSafeInteger(newfd) || newfd < 0) return -EBADF;
      if (oldfd === newfd) return newfd;
      const old = k.fds.get(newfd);
      k.fds.set(newfd, getFile(file));
      if (old) fput(k, old);
      return newfd;
    });
  }

  /** ioctl(fd, request, arg): dispatched on the file's type, as f_op->unlocked_ioctl is. */
  ioctl(fd: number, request: number, arg: Uint8Array = new Uint8Array(0)): number {
    return this.syscall(
      "ioctl",
      { fd, cmd: IOCTL_NAMES[request] ?? traceHex(request), len: arg.length },
      (k) => {
        const file = k.fds.get(fd);
        if (!file) return -EBADF;
        if (file.kind !== "vfio-device") return -ENOTTY;
        if (request === VFIO_DEVICE_FEATURE) return vfioDeviceFeature(k, fd, arg);
        if (request === VFIO_DEVICE_RESET) return vfioPciIoctlReset(k, fd);
        if (request === VFIO_DEVICE_PCI_HOT_RESET) return vfioPciIoctlHotReset(k, fd);
        return -ENOTTY;
      },
    );
  }

  /**
   * pwrite(fd, buf, offset) on a VFIO device's config region (1, 2 or 4 bytes, little endian):
   * the bytes written or -1. Other regions are not modelled (EINVAL).
   */
  pwrite(fd: number, buf: Uint8Array, offset: bigint): number {
    return this.syscall("pwrite64", { fd, count: buf.length, pos: offset }, (k) => {
      const file = k.fds.get(fd);
      if (!file) return -EBADF;
      const at = configOffset(file, offset, buf.length);
      if (at === undefined) return -EINVAL;
      const value = buf.reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
      return vfioPciConfigWrite(k, fd, at, buf.length as 1 | 2 | 4, value);
    });
  }

  /** pread(fd, buf, offset) from a VFIO device's config region: fills `buf`, returns its length or -1. */
  pread(fd: number, buf: Uint8Array, offset: bigint): number {
    return this.syscall("pread64", { fd, count: buf.length, pos: offset }, (k) => {
      const file = k.fds.get(fd);
      if (!file) return -EBADF;
      const at = configOffset(file, offset, buf.length);
      if (at === undefined) return -EINVAL;
      const v = vfioPciConfigRead(k, fd, at, buf.length as 1 | 2 | 4);
      if (v < 0) return v;
      for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
      return buf.length;
    });
  }

  /** lseek(fd, 0, SEEK_END) on a dma-buf answers its size (dma_buf_llseek); other seeks -EINVAL. */
  lseek(fd: number, offset: number, whence: number): number {
    return this.syscall("lseek", { fd, offset, whence }, (k) => {
      const file = k.fds.get(fd);
      if (!file) return -EBADF;
      if (!(file.priv instanceof DmaBuf) || offset !== 0) return -EINVAL;
      if (whence === SEEK_SET) return 0;
      return whence === SEEK_END ? file.priv.size : -EINVAL;
    });
  }

  /** sched_setaffinity(0, cpus): the CPUs this process may run on; -1/EINVAL when none is valid. */
  sched_setaffinity(pid: number, cpus: readonly number[]): number {
    return this.syscall("sched_setaffinity", { pid, cpus: cpus.join(",") }, (k) => {
      if (pid !== 0 && pid !== this.pid) return -EINVAL;
      const valid = cpus.filter((c) => Number.isSafeInteger(c) && c >= 0 && c < k.nrCpuIds);
      if (valid.length === 0) return -EINVAL;
      this.proc.allowedCpus.clear();
      for (const c of valid) this.proc.allowedCpus.add(c);
      return 0;
    });
  }

  /**
   * sendmsg(SCM_RIGHTS) of `fd` to process `to` and its recvmsg(): the file gets one more
   * reference, installed on `to`'s lowest free fd, which is returned (-1 in this process on error).
   */
  sendFd(fd: number, to: Libc): number {
    const file = this.file(fd);
    if (!file) return this.fail(-EBADF);
    let got = -1;
    to.syscall("recvmsg", { from: this.pid, fd }, (k) => {
      got = k.fdInstall(getFile(file));
      return got;
    });
    return got;
  }

  /** exit(): every open fd is closed, lowest first, as do_exit() drops the files table. */
  exit(): void {
    for (const fd of [...this.proc.fds.keys()].sort((a, b) => a - b)) this.close(fd);
  }

  /** A user-space pointer for `obj` (what malloc would return for the library's object). */
  alloc(obj: unknown): bigint {
    const addr = this.nextAddr;
    this.nextAddr += HEAP_STEP;
    this.heap.set(addr, obj);
    return addr;
  }
  /** free(): the pointer no longer names an object. */
  release(addr: bigint): void {
    this.heap.delete(addr);
  }
  /** The object a pointer names, or undefined (NULL, wild or freed pointers). */
  deref(addr: bigint): unknown {
    return this.heap.get(addr);
  }
}

/** The config-space offset a VFIO file offset names, or undefined (other regions, bad width). */
function configOffset(file: File, offset: bigint, width: number): number | undefined {
  if (file.kind !== "vfio-device" || (width !== 1 && width !== 2 && width !== 4)) return undefined;
  if (offset < 0n || offset >> VFIO_PCI_OFFSET_SHIFT !== BigInt(VFIO_PCI_CONFIG_REGION_INDEX))
    return undefined;
  return Number(offset & REGION_MASK);
}
