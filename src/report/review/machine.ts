/**
 * The system every review scenario runs on: the P2P machine (src/kernel/p2p-system.ts) with the
 * switch topology and a sibling accelerator function, all three functions bound to their drivers,
 * device nodes in a devfs, and the observation points a test harness has on real hardware: the
 * NIC's mkey table (QUERY_MKEY) and what it stamps on TLPs, and a NIC access to an mkey (DMA).
 *
 * `headers`: the uapi headers the scenario programs are compiled against are those of the kernel
 * under test (as a test suite is rebuilt per kernel); the one ABI check uses older headers on purpose.
 */
import type { Mkey, TlpHints } from "../../hw/mlx5/device.js";
import type { StInfoDesc } from "../../hw/platform-firmware.js";
import { EFAULT } from "../../kernel/errno.js";
import {
  type VfioDmaBufStruct,
  vfioDmaBufStruct,
  vfioDmaBufTphStruct,
} from "../../kernel/include/uapi/linux/vfio.js";
import { mlx5IbPageFault } from "../../kernel/infiniband/hw/mlx5/odp.js";
import { checkInvariants, type InvariantReport } from "../../kernel/invariants.js";
import {
  bootP2pSystem,
  P2P_ACC_BAR,
  P2P_ACC_BAR_SIZE,
  P2P_ADDRESSES,
  P2P_NIC_TPH_DIRECT,
  type P2pSystem,
  type P2pSystemOptions,
} from "../../kernel/p2p-system.js";
import type { RevisionName } from "../../kernel/revision.js";
import { type P2pHost, p2pHost } from "../../uapi/p2p-host.js";
import type { IbvMr } from "../../uapi/verbs.js";

export const NIC = P2P_ADDRESSES.switch.nic;
export const ACC = P2P_ADDRESSES.switch.accelerator;
/** The accelerator's BAR 0: 256 MiB of device memory the owner exports. */
export const ACC_BAR = P2P_ACC_BAR;
export const ACC_BAR_SIZE = P2P_ACC_BAR_SIZE;

/** NIC TPH Requester: Extended TPH, no ST table (direct mode). */
export const NIC_DIRECT = P2P_NIC_TPH_DIRECT;

/** Default CPU steering tags the Root Port's _DSM answers: CPU c -> vm st 0x40+c / xst 0x700+c. */
export function cpuTag(cpu: number): { st: number; xst: number } {
  return { st: 0x40 + cpu, xst: 0x700 + cpu };
}

/** What a check may vary; the rest is the review system. */
export type MachineOptions = Pick<
  P2pSystemOptions,
  | "rpCompleter"
  | "accCompleter"
  | "nicTph"
  | "nrCpuIds"
  | "cmdline"
  | "dsmFail"
  | "noAcpi"
  | "accDmaBuf"
  | "accTagLimit"
>;

/** The uapi headers scenario programs see. */
export interface UapiHeaders {
  readonly dmaBufStruct: VfioDmaBufStruct;
  /** VFIO_DEVICE_FEATURE_DMA_BUF_TPH and its struct are defined. */
  readonly hasDmaBufTph: boolean;
}

/** The booted system (`accs`: the accelerator and its sibling, both on vfio-pci) and its host. */
export interface Machine extends P2pSystem, P2pHost {
  readonly headers: UapiHeaders;
}

function stInfo(nrCpus: number): Record<string, StInfoDesc> {
  const out: Record<string, StInfoDesc> = {};
  for (let c = 0; c < nrCpus; c++) out[String(c)] = { vm: cpuTag(c), pm: { st: 0x80 + c, xst: 0x900 + c } };
  return out;
}

/** Boot the review system for `revision`. */
export function bootMachine(revision: RevisionName, o: MachineOptions = {}): Machine {
  const nrCpuIds = o.nrCpuIds ?? 8;
  const sys = bootP2pSystem({ ...o, revision, nrCpuIds, stInfo: stInfo(nrCpuIds), sibling: "vfio-pci" });
  const headers = {
    dmaBufStruct: vfioDmaBufStruct(sys.k.b),
    hasDmaBufTph: vfioDmaBufTphStruct(sys.k.b) !== undefined,
  };
  return { ...sys, ...p2pHost(sys), headers };
}

/** The NIC's mkey behind an MR (QUERY_MKEY by its lkey). */
export function mkeyOf(m: Machine, mr: IbvMr): Mkey | undefined {
  return m.nicHw.mkeyByKey(mr.lkey);
}

/** What the NIC stamps on every TLP it sends for `mr`. */
export function tlpOf(m: Machine, mr: IbvMr): TlpHints {
  const mkey = mkeyOf(m, mr);
  return mkey ? m.nicHw.tlpHints(mkey.index) : { th: false, why: "no such mkey" };
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
