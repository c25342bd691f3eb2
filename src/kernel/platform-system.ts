/**
 * A kernel per machine, a device per device (issue 10 section 2): one Kernel booted over a laid-out
 * platform (src/hw/platform.ts), with every NIC an mlx5 function (its own hardware, mlx5_core,
 * mlx5_ib named mlx5_0, mlx5_1... in layout order, its own ST table and requester type
 * negotiated against its own Root Port) and every accelerator its own vfio-pci device (its own
 * BAR 0 window, /dev/vfio/devices/vfioN, dma-bufs and owner). Every Root Port answers the ACPI
 * _DSM. P2P reachability is the kernel's (src/kernel/pci/p2pdma.ts): switch downstream ports carry
 * ACS, with redirect on when asked, a host bridge function at 00:00.0 when given, and the CPU
 * decides whether the root complex may forward P2P between Root Ports.
 *
 * BARs (64-bit, naturally aligned; extrapolation: a large aperture): NIC i at P2P_NIC_BAR + i x
 * 32 MiB; accelerator functions from P2P_ACC_BAR upward in layout order, each BAR 0 aligned to
 * its size; each accelerator function's 64 KiB register BAR 2 at 0xe000_0000 + n x 64 KiB.
 */
import { ModelError } from "../base/errors.js";
import { DEFAULT_MLX5_CAPS, type Mlx5Caps, Mlx5Device, mlx5FunctionDesc } from "../hw/mlx5/device.js";
import type { TphRequesterDesc } from "../hw/pci-function-desc.js";
import type { LaidFunction, PlatformLayout } from "../hw/platform.js";
import type { DsmFailure, PlatformFirmwareDesc, StInfoDesc } from "../hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../hw/topology.js";
import { errnoName } from "./errno.js";
import { mlx5IbAdd } from "./infiniband/hw/mlx5/main.js";
import type { Mlx5IbDev } from "./infiniband/hw/mlx5/mlx5_ib.js";
import { bootKernel, type CpuInfo, type Kernel } from "./kernel.js";
import { type Mlx5CoreDev, mlx5Probe } from "./net/ethernet/mellanox/mlx5/core/main.js";
import type { RevisionName } from "./revision.js";
import {
  type VfioPciCoreDevice,
  type VfioTphTagLimit,
  vfioPciCoreRegisterDevice,
} from "./vfio/pci/vfio_pci_core.js";

type TphCompleter = 0 | 1 | 2 | 3;

/** Where the platform put the BARs (64-bit, naturally aligned; extrapolation: a large aperture). */
export const P2P_NIC_BAR = 0x38_0000_0000;
export const P2P_ACC_BAR = 0x40_0000_0000;
/** The accelerator's BAR 0 by default: 256 MiB of device memory its owner exports. */
export const P2P_ACC_BAR_SIZE = 256 * 1024 * 1024;
/** The mlx5 function's BAR 0 (mlx5FunctionDesc): 32 MiB. */
const NIC_BAR_SIZE = 32 * 1024 * 1024;
/** The accelerator's 64 KiB register BAR 2 (32-bit), per function. */
const ACC_MMIO_BAR = 0xe000_0000;
const ACC_MMIO_SIZE = 0x10000;

/** NIC TPH Requester: Extended TPH, ST table of 8 entries in the capability. */
export const P2P_NIC_TPH_TABLE: TphRequesterDesc = {
  modes: ["ns", "ds"],
  ext: true,
  location: "cap",
  tableSize: 8,
};
/** NIC TPH Requester: Extended TPH, no ST table (direct mode). */
export const P2P_NIC_TPH_DIRECT: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "none" };

/** Per-NIC options. */
export interface PlatformNicOptions {
  /** The NIC's TPH Requester (default P2P_NIC_TPH_TABLE). */
  readonly tph?: TphRequesterDesc | "none";
  readonly caps?: Partial<Mlx5Caps>;
}
/** Per-accelerator options. */
export interface PlatformAcceleratorOptions {
  /** TPH Completer Supported (DevCap2 bits 13:12); default 3. */
  readonly completer?: TphCompleter;
  /** Size of BAR 0 (power of two; default P2P_ACC_BAR_SIZE). */
  readonly barSize?: number;
  /** The 64 KiB register BAR 2 (default true). */
  readonly mmioBar?: boolean;
  readonly flr?: boolean;
  /** vfio-pci can export dma-bufs (default true). */
  readonly dmaBuf?: boolean;
  /** The highest 8/16-bit steering tags the device declares (default: full width). */
  readonly tagLimit?: VfioTphTagLimit;
  /** Function 1 of the accelerator: absent, present without a driver, or bound to vfio-pci. */
  readonly sibling?: "none" | "unbound" | "vfio-pci";
}

export interface PlatformSystemOptions {
  readonly revision: RevisionName;
  readonly layout: PlatformLayout;
  /** TPH Completer Supported of every Root Port (default 3), overridden per port by `rootPorts`. */
  readonly rpCompleter?: TphCompleter;
  /** Per Root Port, by its layout name (`rp0`, `rp1`...). */
  readonly rootPorts?: Readonly<Record<string, { readonly completer?: TphCompleter }>>;
  /** Defaults for every NIC / accelerator, overridden per device by name. */
  readonly nic?: PlatformNicOptions;
  readonly accelerator?: PlatformAcceleratorOptions;
  readonly nics?: Readonly<Record<string, PlatformNicOptions>>;
  readonly accelerators?: Readonly<Record<string, PlatformAcceleratorOptions>>;
  /**
   * Switch downstream ports' ACS has P2P Request/Completion Redirect on (default false: the ports
   * carry an ACS capability with every control off).
   */
  readonly acsRedirect?: boolean;
  /** A host bridge function at 00:00.0 with these IDs (pci_p2pdma_whitelist); default none. */
  readonly hostBridge?: { readonly vendor: number; readonly device: number };
  /**
   * The root complex forwards P2P between Root Ports, as far as Linux is concerned (default true):
   * true boots an AMD Zen CPU (cpu_supports_p2pdma()), false an Intel one, so the host bridge
   * whitelist decides. `cpu` overrides.
   */
  readonly rootComplexP2p?: boolean;
  readonly cpu?: CpuInfo;
  /** st_info per ACPI Processor UID, answered by every Root Port's _DSM. */
  readonly stInfo?: Readonly<Record<string, StInfoDesc>>;
  readonly dsmFail?: DsmFailure;
  /** The firmware describes no ACPI companion for the Root Ports (no _DSM to ask). */
  readonly noAcpi?: boolean;
  readonly nrCpuIds?: number;
  readonly cmdline?: string;
}

/** One NIC of the booted platform. */
export interface PlatformNic {
  /** The platform name (`nic0`). */
  readonly name: string;
  readonly bdf: string;
  readonly core: Mlx5CoreDev;
  readonly hw: Mlx5Device;
  readonly ib: Mlx5IbDev;
  /** The IB device name (`mlx5_0`). */
  readonly ibdev: string;
}
/** One accelerator of the booted platform. */
export interface PlatformAccelerator {
  readonly name: string;
  readonly bdf: string;
  readonly vfio: VfioPciCoreDevice;
  readonly bar0: { readonly address: number; readonly size: number };
  /** Its VFIO cdev, `/dev/vfio/devices/vfioN` (N: order among vfio-pci devices, sibling after). */
  readonly cdev: string;
  /** Function 1 when bound to vfio-pci. */
  readonly sibling?: VfioPciCoreDevice;
}
/** A booted platform with its drivers bound. */
export interface PlatformSystem {
  readonly k: Kernel;
  readonly layout: PlatformLayout;
  readonly nics: readonly PlatformNic[];
  readonly accelerators: readonly PlatformAccelerator[];
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const siblingBdf = (bdf: string): string => `${bdf.slice(0, -1)}1`;

interface Placed {
  readonly desc: TopologyNodeDesc[];
  /** Accelerator name -> BAR 0 window. */
  readonly accBars: Map<string, { address: number; size: number }>;
}

/** The accelerator functions (0, and 1 when asked) of `f`, BARs placed from `next`. */
function acceleratorDescs(
  f: LaidFunction,
  o: PlatformAcceleratorOptions,
  next: { bar0: number; mmio: number },
): TopologyNodeDesc[] {
  const size = o.barSize ?? P2P_ACC_BAR_SIZE;
  const fns = (o.sibling ?? "none") === "none" ? [0] : [0, 1];
  return fns.map((fn) => {
    const address = alignUp(next.bar0, size);
    next.bar0 = address + size;
    const bar2 = { index: 2, size: ACC_MMIO_SIZE, address: ACC_MMIO_BAR + next.mmio * ACC_MMIO_SIZE };
    next.mmio++;
    return {
      bdf: fn === 0 ? f.bdf : siblingBdf(f.bdf),
      ...(f.parent === undefined ? {} : { parent: f.parent }),
      type: "endpoint",
      vendor: 0x10ee,
      device: 0x903f,
      classCode: 0x120000,
      label: "Processing accelerator",
      bars: [
        { index: 0, size, address, bits64: true, prefetchable: true },
        ...(o.mmioBar === false ? [] : [{ ...bar2, bits64: false }]),
      ],
      tphCompleter: o.completer ?? 3,
      flr: o.flr ?? true,
    };
  });
}

const nicOpts = (o: PlatformSystemOptions, name: string): PlatformNicOptions => ({
  ...o.nic,
  ...o.nics?.[name],
});
const accOpts = (o: PlatformSystemOptions, name: string): PlatformAcceleratorOptions => ({
  ...o.accelerator,
  ...o.accelerators?.[name],
});

/** The topology description of the layout (parents first), every link as laid out. */
export function platformTopology(o: PlatformSystemOptions): Placed {
  const kinds = new Map(o.layout.nodes.map((n) => [n.name, n.kind]));
  const desc: TopologyNodeDesc[] = [];
  const accBars = new Map<string, { address: number; size: number }>();
  const next = { bar0: P2P_ACC_BAR, mmio: 0 };
  let nicIndex = 0;
  if (o.hostBridge)
    desc.push({
      bdf: "0000:00:00.0",
      type: "rciep",
      classCode: 0x060000,
      label: "Host bridge",
      ...o.hostBridge,
    });
  for (const f of o.layout.functions) {
    const link = { speed: f.link.gen, width: f.link.width };
    const parent = f.parent === undefined ? {} : { parent: f.parent };
    if (f.type === "root-port") {
      const tphCompleter = o.rootPorts?.[f.owner]?.completer ?? o.rpCompleter ?? 3;
      desc.push({
        bdf: f.bdf,
        type: "root-port",
        vendor: 0x8086,
        device: 0x352a,
        label: "Root Port",
        tphCompleter,
        link,
      });
    } else if (f.type !== "endpoint") {
      // Every downstream port has ACS (as PCIe switches do); Request/Completion Redirect as asked.
      const acs = f.type === "downstream-port" ? { acs: { redirect: o.acsRedirect ?? false } } : {};
      desc.push({
        bdf: f.bdf,
        ...parent,
        type: f.type,
        vendor: 0x1000,
        device: 0xc030,
        label: "PCIe switch port",
        link,
        ...acs,
      });
    } else if (kinds.get(f.owner) === "nic") {
      const n = nicOpts(o, f.owner);
      const barAddress = P2P_NIC_BAR + nicIndex++ * NIC_BAR_SIZE;
      desc.push({
        ...mlx5FunctionDesc({ bdf: f.bdf, tph: n.tph ?? P2P_NIC_TPH_TABLE, barAddress }),
        ...parent,
        link,
      });
    } else {
      const fns = acceleratorDescs(f, accOpts(o, f.owner), next).map((d) => ({ ...d, link }));
      const bar0 = fns[0]!.bars![0]!;
      accBars.set(f.owner, { address: Number(bar0.address), size: bar0.size });
      desc.push(...fns);
    }
  }
  return { desc, accBars };
}

/** ACPI: every Root Port's companion answers the _DSM with `stInfo` (or fails as asked). */
export function platformFirmware(
  o: Pick<PlatformSystemOptions, "layout" | "stInfo" | "dsmFail" | "noAcpi">,
): PlatformFirmwareDesc {
  if (o.noAcpi) return { rootPorts: {} };
  const rp = { stInfo: o.stInfo ?? {}, ...(o.dsmFail ? { fail: o.dsmFail } : {}) };
  const ports = o.layout.functions.filter((f) => f.type === "root-port").map((f) => f.bdf);
  return { rootPorts: Object.fromEntries(ports.map((bdf) => [bdf, rp])) };
}

/** Probe `bdf` with vfio-pci; a failure is a model bug. */
function bindVfio(k: Kernel, bdf: string, o: PlatformAcceleratorOptions): VfioPciCoreDevice {
  const pdev = k.pciDev(bdf);
  if (!pdev) throw new ModelError(`${bdf} was not enumerated`);
  const dmabuf = o.dmaBuf ?? true;
  const v = vfioPciCoreRegisterDevice(k, pdev, o.tagLimit ? { dmabuf, tphTagLimit: o.tagLimit } : { dmabuf });
  if (typeof v === "number") throw new ModelError(`vfio-pci probe of ${bdf} failed: ${errnoName(v)}`);
  return v;
}

/** mlx5_core + mlx5_ib on the NIC at `bdf`, IB device `mlx5_${index}`. */
function bindMlx5(k: Kernel, name: string, bdf: string, index: number, o: PlatformNicOptions): PlatformNic {
  const pdev = k.pciDev(bdf);
  if (!pdev) throw new ModelError(`${bdf} was not enumerated`);
  const hw = new Mlx5Device(pdev.fn, { ...DEFAULT_MLX5_CAPS, ...o.caps });
  const core = mlx5Probe(k, pdev, hw);
  if (typeof core === "number") throw new ModelError(`mlx5 probe of ${bdf} failed: ${errnoName(core)}`);
  const ib = mlx5IbAdd(k, core, index);
  return { name, bdf, core, hw, ib, ibdev: ib.ibdev.name };
}

/** Boot the platform and bind the drivers: every NIC first (layout order), then every accelerator. */
export function bootPlatformSystem(o: PlatformSystemOptions): PlatformSystem {
  const { desc, accBars } = platformTopology(o);
  const rcP2p = o.rootComplexP2p ?? true;
  const cpu = o.cpu ?? (rcP2p ? { vendor: "amd", family: 0x19 } : { vendor: "intel", family: 6 });
  const k = bootKernel({
    revision: o.revision,
    nrCpuIds: o.nrCpuIds ?? 8,
    cmdline: o.cmdline ?? "",
    cpu,
    firmware: platformFirmware(o),
    topology: { devices: desc },
  });
  const ends = o.layout.nodes.filter((n) => n.kind === "nic" || n.kind === "accelerator");
  const nics = ends
    .filter((n) => n.kind === "nic")
    .map((n, i) => bindMlx5(k, n.name, n.bdf, i, nicOpts(o, n.name)));
  let vfioN = 0;
  const accelerators = ends
    .filter((n) => n.kind === "accelerator")
    .map((n): PlatformAccelerator => {
      const a = accOpts(o, n.name);
      const vfio = bindVfio(k, n.bdf, a);
      const cdev = `/dev/vfio/devices/vfio${vfioN++}`;
      const bar0 = accBars.get(n.name)!;
      if (a.sibling !== "vfio-pci") return { name: n.name, bdf: n.bdf, vfio, bar0, cdev };
      vfioN++;
      return { name: n.name, bdf: n.bdf, vfio, bar0, cdev, sibling: bindVfio(k, siblingBdf(n.bdf), a) };
    });
  return { k, layout: o.layout, nics, accelerators };
}
