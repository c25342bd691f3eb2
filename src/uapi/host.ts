/**
 * The userspace side of one booted system: the device nodes userspace can open (a tiny devfs) and
 * the processes that run C-like programs against the kernel model (each a `Libc`).
 *
 * Device nodes (model): `/dev/vfio/devices/vfioN` opens a vfio-pci device file directly (the VFIO
 * cdev; binding it to an iommufd is not modelled), `/dev/infiniband/uverbsN` opens a uverbs file.
 */
import type { IbDevice } from "../kernel/infiniband/core/ib_verbs.js";
import { ibUverbsOpenDevice } from "../kernel/infiniband/core/uverbs_cmd.js";
import type { Kernel } from "../kernel/kernel.js";
import { type VfioPciCoreDevice, vfioPciOpen } from "../kernel/vfio/pci/vfio_pci_core.js";
import { Libc } from "./libc.js";

/** A device node: what open() does, and for uverbs nodes the IB device's name (ibv_get_device_list). */
export interface DevNode {
  readonly path: string;
  readonly kind: "vfio" | "uverbs";
  /** For uverbs nodes: the IB device name ("mlx5_0"). For vfio nodes: the PCI name. */
  readonly name: string;
  open(k: Kernel): number;
}

export class DevFs {
  private readonly nodes = new Map<string, DevNode>();

  /** Add `/dev/vfio/devices/vfioN` for a function bound to vfio-pci; returns the path. */
  addVfio(vdev: VfioPciCoreDevice): string {
    const path = `/dev/vfio/devices/vfio${this.count("vfio")}`;
    this.nodes.set(path, { path, kind: "vfio", name: vdev.name, open: (k) => vfioPciOpen(k, vdev) });
    return path;
  }
  /** Add `/dev/infiniband/uverbsN` for an IB device; returns the path. */
  addUverbs(ibdev: IbDevice): string {
    const path = `/dev/infiniband/uverbs${this.count("uverbs")}`;
    this.nodes.set(path, {
      path,
      kind: "uverbs",
      name: ibdev.name,
      open: (k) => ibUverbsOpenDevice(k, ibdev),
    });
    return path;
  }
  lookup(path: string): DevNode | undefined {
    return this.nodes.get(path);
  }
  /** Every node, in creation order. */
  list(): readonly DevNode[] {
    return [...this.nodes.values()];
  }
  private count(kind: DevNode["kind"]): number {
    return [...this.nodes.values()].filter((n) => n.kind === kind).length;
  }
}

/** A booted kernel as userspace sees it: device nodes and processes. */
export class Host {
  readonly devfs = new DevFs();
  constructor(readonly k: Kernel) {}

  /** Start a process (`comm`, allowed CPUs: all unless given) and return its C library. */
  spawn(comm: string, allowedCpus?: Iterable<number>): Libc {
    return new Libc(this, this.k.spawn(comm, allowedCpus));
  }
}
