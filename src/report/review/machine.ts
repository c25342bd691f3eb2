/**
 * The system every review scenario runs on: Root Port -> switch -> { mlx5 NIC, accelerator with a
 * sibling function }, booted with mlx5_core + mlx5_ib on the NIC and vfio-pci on the accelerators,
 * device nodes in a devfs, and the observation points a test harness has on real hardware: the
 * NIC's mkey table (QUERY_MKEY) and what it stamps on TLPs, and a NIC access to an mkey (DMA).
 *
 * `headers`: the uapi headers the scenario programs are compiled against are those of the kernel
 * under test (as a test suite is rebuilt per kernel); the one ABI check uses older headers on purpose.
 */
import {
  DEFAULT_MLX5_CAPS,
  type Mkey,
  Mlx5Device,
  mlx5FunctionDesc,
  type TlpHints,
} from "../../hw/mlx5/device.js";
import type { TphRequesterDesc } from "../../hw/pci-function-desc.js";
import type { DsmFailure, StInfoDesc } from "../../hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../../hw/topology.js";
import { EFAULT } from "../../kernel/errno.js";
import {
  type VfioDmaBufStruct,
  vfioDmaBufStruct,
  vfioDmaBufTphStruct,
} from "../../kernel/include/uapi/linux/vfio.js";
import { mlx5IbAdd } from "../../kernel/infiniband/hw/mlx5/main.js";
import type { Mlx5IbDev } from "../../kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { mlx5IbPageFault } from "../../kernel/infiniband/hw/mlx5/odp.js";
import { checkInvariants, type InvariantReport } from "../../kernel/invariants.js";
import { bootKernel, type Kernel } from "../../kernel/kernel.js";
import { type Mlx5CoreDev, mlx5Probe } from "../../kernel/net/ethernet/mellanox/mlx5/core/main.js";
import type { RevisionName } from "../../kernel/revision.js";
import { type VfioPciCoreDevice, vfioPciCoreRegisterDevice } from "../../kernel/vfio/pci/vfio_pci_core.js";
import { Host } from "../../uapi/host.js";
import type { IbvMr } from "../../uapi/verbs.js";

export const RP = "0000:00:01.0";
export const NIC = "0000:03:00.0";
export const ACC = "0000:04:00.0";
export const ACC_SIBLING = "0000:04:00.1";
/** The accelerator's BAR 0: 256 MiB of device memory the owner exports. */
export const ACC_BAR = 0x40_0000_0000;
export const ACC_BAR_SIZE = 256 * 1024 * 1024;
const NIC_BAR = 0x38_0000_0000;

/** NIC TPH Requester: Extended TPH, ST table of 8 entries in the capability. */
export const NIC_TABLE: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "cap", tableSize: 8 };
/** NIC TPH Requester: Extended TPH, no ST table (direct mode). */
export const NIC_DIRECT: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "none" };

/** Default CPU steering tags the Root Port's _DSM answers: CPU c -> vm st 0x40+c / xst 0x700+c. */
export function cpuTag(cpu: number): { st: number; xst: number } {
  return { st: 0x40 + cpu, xst: 0x700 + cpu };
}

export interface MachineOptions {
  readonly rpCompleter?: 0 | 1 | 2 | 3;
  readonly accCompleter?: 0 | 1 | 2 | 3;
  readonly nicTph?: TphRequesterDesc | "none";
  readonly nrCpuIds?: number;
  readonly cmdline?: string;
  readonly dsmFail?: DsmFailure;
  /** The firmware describes no ACPI companion for the Root Port (no _DSM to ask). */
  readonly noAcpi?: boolean;
  /** vfio-pci on the first accelerator can export dma-bufs (default true). */
  readonly accExportable?: boolean;
}

/** The uapi headers scenario programs see. */
export interface UapiHeaders {
  readonly dmaBufStruct: VfioDmaBufStruct;
  /** VFIO_DEVICE_FEATURE_DMA_BUF_TPH and its struct are defined. */
  readonly hasDmaBufTph: boolean;
}

export interface Machine {
  readonly k: Kernel;
  readonly host: Host;
  readonly nic: Mlx5CoreDev;
  readonly hw: Mlx5Device;
  readonly ib: Mlx5IbDev;
  /** The accelerator and its sibling function, both bound to vfio-pci. */
  readonly accs: readonly VfioPciCoreDevice[];
  /** Device nodes: accelerators' VFIO nodes (same order as `accs`) and the NIC's uverbs node. */
  readonly paths: { readonly accs: readonly string[]; readonly uverbs: string };
  readonly headers: UapiHeaders;
}

function accelerator(bdf: string, o: MachineOptions, address: number, bar2: number): TopologyNodeDesc {
  return {
    bdf,
    parent: "0000:02:01.0",
    type: "endpoint",
    vendor: 0x10ee,
    device: 0x903f,
    classCode: 0x120000,
    label: "Processing accelerator",
    bars: [
      { index: 0, size: ACC_BAR_SIZE, address, bits64: true, prefetchable: true },
      { index: 2, size: 0x10000, address: bar2, bits64: false },
    ],
    tphCompleter: o.accCompleter ?? 3,
    flr: true,
  };
}

function stInfo(nrCpus: number): Record<string, StInfoDesc> {
  const out: Record<string, StInfoDesc> = {};
  for (let c = 0; c < nrCpus; c++) out[String(c)] = { vm: cpuTag(c), pm: { st: 0x80 + c, xst: 0x900 + c } };
  return out;
}

/** Boot the review system for `revision`. */
export function bootMachine(revision: RevisionName, o: MachineOptions = {}): Machine {
  const nrCpuIds = o.nrCpuIds ?? 8;
  const devices: TopologyNodeDesc[] = [
    { bdf: RP, type: "root-port", vendor: 0x8086, device: 0x352a, tphCompleter: o.rpCompleter ?? 3 },
    { bdf: "0000:01:00.0", parent: RP, type: "upstream-port", vendor: 0x1000, device: 0xc030 },
    { bdf: "0000:02:00.0", parent: "0000:01:00.0", type: "downstream-port", vendor: 0x1000, device: 0xc030 },
    { bdf: "0000:02:01.0", parent: "0000:01:00.0", type: "downstream-port", vendor: 0x1000, device: 0xc030 },
    {
      ...mlx5FunctionDesc({ bdf: NIC, tph: o.nicTph ?? NIC_TABLE, barAddress: NIC_BAR }),
      parent: "0000:02:00.0",
    },
    accelerator(ACC, o, ACC_BAR, 0xe000_0000),
    accelerator(ACC_SIBLING, o, ACC_BAR + ACC_BAR_SIZE, 0xe001_0000),
  ];
  const rpFirmware = { stInfo: stInfo(nrCpuIds), ...(o.dsmFail ? { fail: o.dsmFail } : {}) };
  const k = bootKernel({
    revision,
    nrCpuIds,
    cmdline: o.cmdline ?? "",
    firmware: { rootPorts: o.noAcpi ? {} : { [RP]: rpFirmware } },
    topology: { devices },
  });
  const hw = new Mlx5Device(k.pciDev(NIC)!.fn, DEFAULT_MLX5_CAPS);
  const nic = mlx5Probe(k, k.pciDev(NIC)!, hw);
  if (typeof nic === "number") throw new Error(`mlx5 probe failed: ${nic}`);
  const ib = mlx5IbAdd(k, nic);
  const accs = [ACC, ACC_SIBLING].map((bdf, i) => {
    const v = vfioPciCoreRegisterDevice(k, k.pciDev(bdf)!, { dmabuf: i > 0 || o.accExportable !== false });
    if (typeof v === "number") throw new Error(`vfio-pci probe of ${bdf} failed: ${v}`);
    return v;
  });
  const host = new Host(k);
  const paths = { accs: accs.map((v) => host.devfs.addVfio(v)), uverbs: host.devfs.addUverbs(ib.ibdev) };
  const headers = {
    dmaBufStruct: vfioDmaBufStruct(k.b),
    hasDmaBufTph: vfioDmaBufTphStruct(k.b) !== undefined,
  };
  return { k, host, nic, hw, ib, accs, paths, headers };
}

/** The NIC's mkey behind an MR (QUERY_MKEY by its lkey). */
export function mkeyOf(m: Machine, mr: IbvMr): Mkey | undefined {
  return m.hw.mkeyByKey(mr.lkey);
}

/** What the NIC stamps on every TLP it sends for `mr`. */
export function tlpOf(m: Machine, mr: IbvMr): TlpHints {
  const mkey = mkeyOf(m, mr);
  return mkey ? m.hw.tlpHints(mkey.index) : { th: false, why: "no such mkey" };
}

/** "TH=1 PH=2 ST=0x4321 (TPH prefix)" or "no TPH (pcie_tph_en=0)". */
export function showHints(h: TlpHints): string {
  if (!h.th) return `no TPH (${h.why})`;
  return `TH=1 PH=${h.ph} ST=0x${h.st.toString(16)}${h.prefix ? " (TPH prefix)" : ""}`;
}

/**
 * The NIC performs DMA on `mr` (a hardware event): with no valid translation it raises a page
 * fault the driver serves. 0 when the access can proceed, else the fault handler's -errno.
 */
export function nicTouch(m: Machine, mr: IbvMr): number {
  const mkey = mkeyOf(m, mr);
  if (!mkey) return -EFAULT;
  return mkey.xltValid ? 0 : mlx5IbPageFault(m.k, m.ib, mr.lkey);
}

/** The machine's invariants, with its IB device known. */
export function machineInvariants(m: Machine): InvariantReport {
  return checkInvariants(m.k, { ibdevs: [m.ib] });
}
