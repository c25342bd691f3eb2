/**
 * One booted system: the revision's behaviours, the trace log, lockdep-style violations, the
 * command line, the CPUs, the hardware (topology, firmware), the PCI devices the kernel enumerated,
 * and processes with their file descriptor tables.
 *
 * Processes: userspace state lives in `Process` ({ pid, comm, allowedCpus, fds }). `k.current` is
 * the process making calls; `fdInstall`/`fdGet`/`fdClose` and `k.fds` act on it. Tests that need
 * two processes (the accelerator's owner and the RDMA application) `spawn()` and `switchTo()`.
 */
import { inputError } from "../base/errors.js";
import { PlatformFirmware, type PlatformFirmwareDesc } from "../hw/platform-firmware.js";
import { buildTopology, Topology, type TopologyDesc } from "../hw/topology.js";
import { EBADF } from "./errno.js";
import { type PciDev, pciSetupDevice } from "./pci/pci.js";
import { type Behaviours, parseRevisionSpec, type RevisionName } from "./revision.js";
import { TraceLog } from "./trace.js";

/** An open file (struct file): what it is, a reference count (f_count), and its release. */
export class File {
  /** f_count: fd table entries plus dma_buf_get()-style references. */
  count = 1;
  constructor(
    readonly kind: string,
    readonly priv: unknown,
    private readonly releaseFn: (k: Kernel) => void,
    /** open flags (O_CLOEXEC, O_RDWR...) as given at creation. */
    readonly flags = 0,
  ) {}
  /** The final fput(): runs the file's release once. */
  release(k: Kernel): void {
    this.releaseFn(k);
  }
}
/** The contract's name for an fd table entry. */
export type FileRef = File;

/** get_file() */
export function getFile(file: File): File {
  file.count++;
  return file;
}
/** fput() */
export function fput(k: Kernel, file: File): void {
  file.count--;
  if (file.count === 0) file.release(k);
}

export class Process {
  readonly fds = new Map<number, File>();
  constructor(
    readonly pid: number,
    readonly comm: string,
    /** The CPUs the task may run on (sched_setaffinity); DMAH allocation checks it. */
    readonly allowedCpus: Set<number>,
  ) {}
  /** signal_pending(current): an interruptible sleep returns -EINTR instead of waiting. */
  signalPending = false;
}

export interface KernelCmdline {
  /** `pci=notph`: TPH disabled system-wide. */
  readonly notph: boolean;
  readonly raw: string;
}

/**
 * cpu_data(0) as far as the model needs it: drivers/pci/p2pdma.c lets P2P cross the host bridge
 * on any AMD CPU of family 0x17 (Zen) or later (cpu_supports_p2pdma()).
 */
export interface CpuInfo {
  readonly vendor: "amd" | "intel" | "other";
  /** x86 family (boot_cpu_data.x86). */
  readonly family: number;
}
/**
 * The default CPU: an AMD Zen 3 (family 0x19), so P2P between Root Ports is allowed as before the
 * kernel decided reachability (an extrapolation chosen to keep that behaviour).
 */
export const DEFAULT_CPU: CpuInfo = { vendor: "amd", family: 0x19 };

export interface BootOptions {
  readonly revision?: RevisionName;
  readonly topology: Topology | TopologyDesc;
  readonly firmware?: PlatformFirmware | PlatformFirmwareDesc;
  /** nr_cpu_ids; default 8. */
  readonly nrCpuIds?: number;
  /** Kernel command line, e.g. "pci=notph". */
  readonly cmdline?: string;
  /** The boot CPU (default DEFAULT_CPU). */
  readonly cpu?: CpuInfo;
}

/** Parse the options the model honours: `pci=` flags (comma separated), of which `notph`. */
export function parseCmdline(raw: string): KernelCmdline {
  const pciOpts = raw
    .split(/\s+/)
    .filter((w) => w.startsWith("pci="))
    .flatMap((w) => w.slice(4).split(","));
  return { notph: pciOpts.includes("notph"), raw };
}

export class Kernel {
  readonly b: Behaviours;
  readonly trace = new TraceLog();
  /** Lockdep-style reports, one line each (also emitted as trace events with fn "lockdep"). */
  readonly violations: string[] = [];
  readonly pciDevs: PciDev[] = [];
  readonly processes: Process[] = [];
  /** The boot CPU (cpu_data(0)). */
  cpu: CpuInfo = DEFAULT_CPU;
  current: Process;
  private nextPid = 1;
  private readonly ids = new Map<string, number>();

  constructor(
    readonly revision: RevisionName,
    readonly topology: Topology,
    readonly firmware: PlatformFirmware,
    readonly nrCpuIds: number,
    readonly cmdline: KernelCmdline,
    behaviours: Behaviours,
  ) {
    this.b = behaviours;
    this.current = this.spawn("init");
  }

  /** A new process allowed on every CPU unless `allowedCpus` is given. */
  spawn(comm: string, allowedCpus?: Iterable<number>): Process {
    const cpus = new Set(allowedCpus ?? Array.from({ length: this.nrCpuIds }, (_, i) => i));
    const p = new Process(this.nextPid++, comm, cpus);
    this.processes.push(p);
    return p;
  }
  switchTo(p: Process): void {
    this.current = p;
  }
  /** The current process's fd table. */
  get fds(): Map<number, File> {
    return this.current.fds;
  }
  /** fd_install() on the lowest free fd >= 3 (0-2 are stdio). The table takes the caller's reference. */
  fdInstall(file: File): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    return fd;
  }
  /** fget(): the file with one more reference, or undefined for a bad fd. */
  fdGet(fd: number): File | undefined {
    const f = this.fds.get(fd);
    return f ? getFile(f) : undefined;
  }
  /** close(): drops the table's reference; -EBADF when `fd` is not open. */
  fdClose(fd: number): number {
    const f = this.fds.get(fd);
    if (!f) return this.trace.ret("close", { args: { fd } }, -EBADF);
    this.fds.delete(fd);
    this.trace.emit("close", { args: { fd, kind: f.kind }, ret: 0 });
    fput(this, f);
    return 0;
  }
  /** A fresh id for an object of `kind` (1, 2, ... per kind): deterministic inode-like numbers. */
  allocId(kind: string): number {
    const id = (this.ids.get(kind) ?? 0) + 1;
    this.ids.set(kind, id);
    return id;
  }
  /** Record a lockdep-style violation (does not throw: the model keeps running, as lockdep does). */
  lockdepViolation(what: string, dev?: string): void {
    this.violations.push(what);
    this.trace.emit("lockdep", { ...(dev === undefined ? {} : { dev }), note: what });
  }
  /** The PciDev of a function, by bdf ("0000:03:00.0" or "03:00.0"). */
  pciDev(bdf: string): PciDev | undefined {
    const fn = this.topology.get(bdf);
    return fn ? this.pciDevs.find((d) => d.fn === fn) : undefined;
  }
}

/** Boot a system: enumerate every function of the topology (pci_setup_device, pci_tph_init). */
export function bootKernel(opts: BootOptions): Kernel {
  const spec = parseRevisionSpec(opts.revision ?? "v11");
  if (!spec.ok) throw inputError("revision", spec.issues.join("; "));
  const nrCpuIds = opts.nrCpuIds ?? 8;
  if (!Number.isSafeInteger(nrCpuIds) || nrCpuIds < 1 || nrCpuIds > 8192) {
    throw inputError("nrCpuIds", `must be an integer in 1..8192, got ${nrCpuIds}`);
  }
  const topology = opts.topology instanceof Topology ? opts.topology : buildTopology(opts.topology);
  const firmware =
    opts.firmware instanceof PlatformFirmware ? opts.firmware : new PlatformFirmware(opts.firmware);
  const cmdline = parseCmdline(opts.cmdline ?? "");
  const k = new Kernel(spec.name, topology, firmware, nrCpuIds, cmdline, spec.behaviours);
  if (opts.cpu) k.cpu = opts.cpu;
  if (k.cmdline.notph) k.trace.emit("pci_no_tph", { note: "PCIe TPH is disabled" });
  for (const fn of topology.functions()) k.pciDevs.push(pciSetupDevice(k, fn));
  return k;
}
