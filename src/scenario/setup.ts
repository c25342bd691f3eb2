/**
 * The scenario's TPH setup, performed through the userspace facade (src/uapi) as the two programs
 * would in C:
 *
 * - the accelerator's owner (a VFIO program) opens /dev/vfio/devices/vfio0, exports each buffer as
 *   a dma-buf and publishes its tag: v11/proposed with VFIO_DEVICE_FEATURE_DMA_BUF_TPH (SET), rfc
 *   inside the DMA_BUF export struct; mainline has neither (its SET fails with ENOTTY). It passes
 *   each dma-buf fd to the RDMA application (SCM_RIGHTS);
 * - the RDMA application opens the NIC's verbs device, allocates a PD and the DMA handles, and
 *   registers the MRs (ibv_reg_mr_ex on the received fd, or on host memory, optionally with a DMAH).
 *
 * Every call's result is kept as a step, as the kernel returns it (-errno on failure).
 */
import type { Mlx5Device } from "../hw/mlx5/device.js";
import { DmaBuf } from "../kernel/dma-buf/dma-buf.js";
import { vfioDmaBufStruct } from "../kernel/include/uapi/linux/vfio.js";
import type { Mlx5IbDev } from "../kernel/infiniband/hw/mlx5/mlx5_ib.js";
import type { Kernel } from "../kernel/kernel.js";
import type { VfioPciCoreDevice } from "../kernel/vfio/pci/vfio_pci_core.js";
import { type VfioPciDmaBuf, vfioPciDmaBufPriv } from "../kernel/vfio/pci/vfio_pci_dmabuf.js";
import type { Libc } from "../uapi/libc.js";
import { p2pHost, vfioExportDmaBuf, vfioSetDmaBufTph } from "../uapi/p2p-host.js";
import {
  encodeDmahInitAttr,
  encodeMrInitAttr,
  IBV_ACCESS,
  IBV_TPH_MEM_TYPE_PM,
  IBV_TPH_MEM_TYPE_VM,
} from "../uapi/rdma/verbs-structs.js";
import {
  type IbvDmah,
  type IbvMr,
  type IbvPd,
  ibv_alloc_dmah,
  ibv_alloc_pd,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_mr_ex,
} from "../uapi/verbs.js";
import { type DmaBufArgs, dmaBufTphFlags } from "../uapi/vfio.js";
import { mrNic, scenarioPlatform } from "./platform.js";
import type { Scenario } from "./scenario-schema.js";
import type { BootedSystem } from "./system.js";

/** Where the application's host-memory MRs live (user addresses; DMA addresses are identical). */
export const HOST_BUFFER_BASE = 0x7f00_0000_0000n;
/** What the application asks for on every MR. */
export const MR_ACCESS = IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE | IBV_ACCESS.REMOTE_READ;

/** One call and what it returned. */
export interface Step {
  /** Simulated time (0 for the setup). */
  readonly at: number;
  /** The accelerator's owner, the RDMA application, or the NIC (a page fault the driver handles). */
  readonly who: "owner" | "app" | "nic";
  readonly call: string;
  /** As the kernel returns it: a value >= 0, or -errno. */
  readonly ret: number;
}

/** A tag as the owner publishes it (the VFIO_DMA_BUF_TPH_ST/_ST_EXT valid bits follow what is given). */
export interface TphSet {
  readonly st?: number | undefined;
  readonly stExt?: number | undefined;
  readonly ph: number;
}

export interface BufferState {
  readonly name: string;
  /** The owner's fd and the application's (received) fd; -1 when the export failed. */
  readonly ownerFd: number;
  readonly appFd: number;
  /** The exporter's state (what the owner published), when the export worked. */
  readonly priv: VfioPciDmaBuf | undefined;
}

export interface MrState {
  readonly name: string;
  /** The registered MR (null while not registered) and its key (0 then). */
  mr: IbvMr | null;
  key: number;
}

/** One accelerator's owner (a VFIO program of its own) and the device it opened. */
export interface OwnerSession {
  readonly owner: Libc;
  /** The owner's VFIO device fd (-1 after it closed it). */
  devFd: number;
  /** The device (the program knows its PM capability offset). */
  readonly vdev: VfioPciCoreDevice;
}

/** One NIC as the application holds it: the hardware (mkeys), its verbs device and PD. */
export interface NicSession {
  readonly hw: Mlx5Device;
  readonly ib: Mlx5IbDev;
  readonly pd: IbvPd | null;
}

/**
 * The programs and their objects after setup: an owner per accelerator, the RDMA application with
 * a PD per NIC, keyed by the platform's names (the single machine's are acc0 and nic0).
 */
export interface Session {
  readonly k: Kernel;
  readonly app: Libc;
  readonly owners: ReadonlyMap<string, OwnerSession>;
  readonly nics: ReadonlyMap<string, NicSession>;
  readonly buffers: ReadonlyMap<string, BufferState>;
  /** Each DMAH as allocated on each NIC that uses it, keyed by dmahKey(nic, name). */
  readonly dmahs: ReadonlyMap<string, IbvDmah | null>;
  readonly mrs: ReadonlyMap<string, MrState>;
  readonly steps: Step[];
  /**
   * Steps made after setup name the device they act on (a platform's many); the single machine's
   * read as they always have.
   */
  readonly namesDevices: boolean;
}

/** A C call's result as the kernel returned it: -1/errno -> -errno. */
export function kret(libc: Libc, ret: number): number {
  return ret < 0 ? -libc.errno : ret;
}

/** The export of buffer `b`: one range of BAR 0; the rfc layout also carries its tag. */
function exportArgs(b: Scenario["buffers"][number]): DmaBufArgs {
  const range = { offset: BigInt(b.offset), length: BigInt(b.length) };
  // The rfc carries one 16-bit tag: the 8-bit ST when given, else the extended one.
  return { ranges: [range], st: b.tph?.st ?? b.tph?.stExt ?? 0, ph: b.tph?.ph ?? 0 };
}

/** ioctl(devFd, VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH) by the owner: 0 or -errno. */
export function setTph(owner: Libc, devFd: number, dmabufFd: number, t: TphSet): number {
  return kret(owner, vfioSetDmaBufTph(owner, devFd, { fd: dmabufFd, flags: dmaBufTphFlags(t), ...t }));
}

export function exportBuffers(
  s: Scenario,
  owner: Libc,
  app: Libc,
  devFd: number,
  steps: Step[],
): Map<string, BufferState> {
  const out = new Map<string, BufferState>();
  const layout = vfioDmaBufStruct(owner.k.b);
  for (const b of s.buffers) {
    const fd = vfioExportDmaBuf(owner, devFd, layout, exportArgs(b));
    steps.push({
      at: 0,
      who: "owner",
      call: `export ${b.name} (VFIO_DEVICE_FEATURE_DMA_BUF)`,
      ret: kret(owner, fd),
    });
    if (b.tph && fd >= 0 && owner.k.b.vfioDmaBufLayout !== "rfc") {
      steps.push({ at: 0, who: "owner", call: `SET TPH on ${b.name}`, ret: setTph(owner, devFd, fd, b.tph) });
    }
    const dmabuf = fd >= 0 ? owner.file(fd)?.priv : undefined;
    const priv = dmabuf instanceof DmaBuf ? vfioPciDmaBufPriv(dmabuf) : undefined;
    const appFd = fd >= 0 ? owner.sendFd(fd, app) : -1;
    out.set(b.name, { name: b.name, ownerFd: fd, appFd, priv });
  }
  return out;
}

/** The key of DMAH `name` as allocated on NIC `nic` in Session.dmahs. */
export const dmahKey = (nic: string, name: string): string => `${nic}/${name}`;

/**
 * Allocate each DMAH on the verbs context of every NIC whose MRs use it (the first NIC's when
 * none does): a DMA handle is an object of the context it was allocated on, and the kernel looks
 * a registration's handle up in the registering context only (another's gives -ENOENT), so an
 * application whose MRs on two NICs want the same hint allocates it on both.
 */
export function allocDmahs(
  s: Scenario,
  app: Libc,
  nics: ReadonlyMap<string, Pick<NicSession, "pd">>,
  steps: Step[],
  namesDevices: boolean,
): Map<string, IbvDmah | null> {
  const out = new Map<string, IbvDmah | null>();
  const first = [...nics.keys()][0] ?? "";
  for (const d of s.dmah) {
    const memType = d.memType === "volatile" ? IBV_TPH_MEM_TYPE_VM : IBV_TPH_MEM_TYPE_PM;
    const attr = encodeDmahInitAttr({ ph: d.ph, ...(d.cpu === undefined ? {} : { cpu: d.cpu, memType }) });
    const users = s.mrs.filter((m) => m.dmah === d.name).map((m) => mrNic(s, m.name) ?? first);
    for (const nic of users.length > 0 ? [...new Set(users)] : [first]) {
      const pd = nics.get(nic)?.pd ?? null;
      const dmah = pd ? ibv_alloc_dmah(pd.context, attr) : null;
      const call = namesDevices ? `alloc DMAH ${d.name} on ${nic}` : `alloc DMAH ${d.name}`;
      steps.push({ at: 0, who: "app", call, ret: dmah ? 0 : -app.errno });
      out.set(dmahKey(nic, d.name), dmah);
    }
  }
  return out;
}

/** Register (or register again) MR `m` on its NIC's PD: a dma-buf MR on its buffer's fd, or host memory. */
export function registerMr(
  s: Scenario,
  ses: Pick<Session, "app" | "nics" | "buffers" | "dmahs" | "steps">,
  m: MrState,
  at: number,
): void {
  const desc = s.mrs.find((x) => x.name === m.name)!;
  const nic = mrNic(s, m.name) ?? "";
  const dmah = desc.dmah === undefined ? null : (ses.dmahs.get(dmahKey(nic, desc.dmah)) ?? null);
  const host = desc.buffer === undefined;
  const b = host ? undefined : ses.buffers.get(desc.buffer!);
  const addr = host ? HOST_BUFFER_BASE + BigInt(s.mrs.indexOf(desc)) * (1n << 32n) : 0n;
  const length = BigInt(host ? desc.host! : (s.buffers.find((x) => x.name === desc.buffer)?.length ?? 0));
  const attr = encodeMrInitAttr({
    length,
    access: MR_ACCESS,
    iova: addr,
    ...(host ? { addr } : { fd: b?.appFd ?? -1, fdOffset: 0n }),
    dmah,
  });
  const pd = ses.nics.get(nic)?.pd ?? null;
  m.mr = pd ? ibv_reg_mr_ex(pd, attr) : null;
  m.key = m.mr?.lkey ?? 0;
  ses.steps.push({ at, who: "app", call: `register MR ${m.name}`, ret: m.mr ? 0 : -ses.app.errno });
}

/** Every MR of `s`, not registered yet. */
export function newMrs(s: Scenario): Map<string, MrState> {
  return new Map(s.mrs.map((m) => [m.name, { name: m.name, mr: null, key: 0 }]));
}

/** Run the whole setup on a booted system. */
export function setupSession(s: Scenario, sys: BootedSystem): Session {
  const steps: Step[] = [];
  const { host, paths } = p2pHost(sys);
  const owner = host.spawn("acc-owner");
  const app = host.spawn("rdma-app");
  const devFd = owner.open(paths.accs[0]!);
  steps.push({ at: 0, who: "owner", call: "open VFIO device", ret: kret(owner, devFd) });
  const buffers = exportBuffers(s, owner, app, devFd, steps);
  const dev = ibv_get_device_list(app)[0];
  const ctx = dev ? ibv_open_device(app, dev) : null;
  const pd = ctx ? ibv_alloc_pd(ctx) : null;
  steps.push({ at: 0, who: "app", call: "open verbs device, alloc PD", ret: pd ? 0 : -app.errno });
  const sp = scenarioPlatform(s);
  const dmahs = allocDmahs(s, app, new Map([[sp.nics[0]!, { pd }]]), steps, false);
  return openSession(s, {
    k: sys.k,
    app,
    owners: new Map([[sp.accelerators[0]!, { owner, devFd, vdev: sys.acc }]]),
    nics: new Map([[sp.nics[0]!, { hw: sys.nicHw, ib: sys.ib, pd }]]),
    buffers,
    dmahs,
    steps,
    namesDevices: false,
  });
}

/** The session of these programs and objects, every MR registered: the last step of both set-ups. */
export function openSession(s: Scenario, parts: Omit<Session, "mrs">): Session {
  const ses: Session = { ...parts, mrs: newMrs(s) };
  for (const m of ses.mrs.values()) registerMr(s, ses, m, 0);
  return ses;
}
