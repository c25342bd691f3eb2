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
import { DmaBuf } from "../kernel/dma-buf/dma-buf.js";
import { encode } from "../kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_SET,
  VFIO_DMA_BUF_TPH_ST,
  VFIO_DMA_BUF_TPH_ST_EXT,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
  vfioFeatureArg,
} from "../kernel/include/uapi/linux/vfio.js";
import type { Kernel } from "../kernel/kernel.js";
import { type VfioPciDmaBuf, vfioPciDmaBufPriv } from "../kernel/vfio/pci/vfio_pci_dmabuf.js";
import { Host } from "../uapi/host.js";
import type { Libc } from "../uapi/libc.js";
import {
  IBV_ACCESS,
  IBV_DMAH_INIT_ATTR_MASK_CPU_ID,
  IBV_DMAH_INIT_ATTR_MASK_PH,
  IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE,
  IBV_REG_MR_MASK_ADDR,
  IBV_REG_MR_MASK_DMAH,
  IBV_REG_MR_MASK_FD,
  IBV_REG_MR_MASK_FD_OFFSET,
  IBV_REG_MR_MASK_IOVA,
  IBV_TPH_MEM_TYPE_PM,
  IBV_TPH_MEM_TYPE_VM,
  ibv_dmah_init_attr,
  ibv_mr_init_attr,
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

/** The two programs and their objects after setup. */
export interface Session {
  readonly sys: BootedSystem;
  readonly owner: Libc;
  readonly app: Libc;
  /** The owner's VFIO device fd (-1 after it closed it). */
  devFd: number;
  readonly pd: IbvPd | null;
  readonly buffers: ReadonlyMap<string, BufferState>;
  readonly dmahs: ReadonlyMap<string, IbvDmah | null>;
  readonly mrs: ReadonlyMap<string, MrState>;
  readonly steps: Step[];
}

/** A C call's result as the kernel returned it: -1/errno -> -errno. */
export function kret(libc: Libc, ret: number): number {
  return ret < 0 ? -libc.errno : ret;
}

/** The payload of VFIO_DEVICE_FEATURE_DMA_BUF in the layout of `k`'s revision (rfc: with st/ph). */
function dmaBufPayload(k: Kernel, offset: number, length: number, tph: TphSet | undefined): Uint8Array {
  const range = { offset: BigInt(offset), length: BigInt(length) };
  const base = { region_index: 0, open_flags: 0, flags: 0, nr_ranges: 1, dma_ranges: [range] };
  if (k.b.vfioDmaBufLayout !== "rfc") return encode(vfio_device_feature_dma_buf_mainline, base);
  // The rfc carries one 16-bit tag: the 8-bit ST when given, else the extended one.
  const steering_tag = tph?.st ?? tph?.stExt ?? 0;
  return encode(vfio_device_feature_dma_buf_rfc, { ...base, steering_tag, ph: tph?.ph ?? 0 });
}

/** ioctl(devFd, VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH) by the owner: 0 or -errno. */
export function setTph(owner: Libc, devFd: number, dmabufFd: number, t: TphSet): number {
  const flags =
    (t.st === undefined ? 0 : VFIO_DMA_BUF_TPH_ST) | (t.stExt === undefined ? 0 : VFIO_DMA_BUF_TPH_ST_EXT);
  const payload = encode(vfio_device_feature_dma_buf_tph, {
    dmabuf_fd: dmabufFd,
    flags,
    steering_tag_ext: t.stExt ?? 0,
    steering_tag: t.st ?? 0,
    ph: t.ph,
  });
  const arg = vfioFeatureArg(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF_TPH, payload);
  return kret(owner, owner.ioctl(devFd, VFIO_DEVICE_FEATURE, arg));
}

function exportBuffers(
  s: Scenario,
  owner: Libc,
  app: Libc,
  devFd: number,
  steps: Step[],
): Map<string, BufferState> {
  const out = new Map<string, BufferState>();
  for (const b of s.buffers) {
    const payload = dmaBufPayload(owner.k, b.offset, b.length, b.tph);
    const arg = vfioFeatureArg(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF, payload);
    const fd = owner.ioctl(devFd, VFIO_DEVICE_FEATURE, arg);
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

function allocDmahs(s: Scenario, app: Libc, pd: IbvPd | null, steps: Step[]): Map<string, IbvDmah | null> {
  const out = new Map<string, IbvDmah | null>();
  for (const d of s.dmah) {
    const cpu = d.cpu !== undefined;
    const attr = encode(ibv_dmah_init_attr, {
      comp_mask:
        IBV_DMAH_INIT_ATTR_MASK_PH |
        (cpu ? IBV_DMAH_INIT_ATTR_MASK_CPU_ID | IBV_DMAH_INIT_ATTR_MASK_TPH_MEM_TYPE : 0),
      cpu_id: d.cpu ?? 0,
      ph: d.ph,
      tph_mem_type: d.memType === "volatile" ? IBV_TPH_MEM_TYPE_VM : IBV_TPH_MEM_TYPE_PM,
    });
    const dmah = pd ? ibv_alloc_dmah(pd.context, attr) : null;
    steps.push({ at: 0, who: "app", call: `alloc DMAH ${d.name}`, ret: dmah ? 0 : -app.errno });
    out.set(d.name, dmah);
  }
  return out;
}

/** Register (or register again) MR `m`: a dma-buf MR on its buffer's fd, or host memory. */
export function registerMr(s: Scenario, ses: Session, m: MrState, at: number): void {
  const desc = s.mrs.find((x) => x.name === m.name)!;
  const dmah = desc.dmah === undefined ? null : (ses.dmahs.get(desc.dmah) ?? null);
  const host = desc.buffer === undefined;
  const b = host ? undefined : ses.buffers.get(desc.buffer!);
  const addr = host ? HOST_BUFFER_BASE + BigInt(s.mrs.indexOf(desc)) * (1n << 32n) : 0n;
  const length = BigInt(host ? desc.host! : (s.buffers.find((x) => x.name === desc.buffer)?.length ?? 0));
  const mask =
    IBV_REG_MR_MASK_IOVA |
    (host ? IBV_REG_MR_MASK_ADDR : IBV_REG_MR_MASK_FD | IBV_REG_MR_MASK_FD_OFFSET) |
    (dmah ? IBV_REG_MR_MASK_DMAH : 0);
  const attr = encode(ibv_mr_init_attr, {
    length,
    access: MR_ACCESS,
    comp_mask: BigInt(mask),
    iova: addr,
    addr,
    fd: b?.appFd ?? -1,
    fd_offset: 0n,
    dmah: dmah?.ptr ?? 0n,
  });
  m.mr = ses.pd ? ibv_reg_mr_ex(ses.pd, attr) : null;
  m.key = m.mr?.lkey ?? 0;
  ses.steps.push({ at, who: "app", call: `register MR ${m.name}`, ret: m.mr ? 0 : -ses.app.errno });
}

/** Run the whole setup on a booted system. */
export function setupSession(s: Scenario, sys: BootedSystem): Session {
  const steps: Step[] = [];
  const host = new Host(sys.k);
  const vfioPath = host.devfs.addVfio(sys.acc);
  host.devfs.addUverbs(sys.ib.ibdev);
  const owner = host.spawn("acc-owner");
  const app = host.spawn("rdma-app");
  const devFd = owner.open(vfioPath);
  steps.push({ at: 0, who: "owner", call: "open VFIO device", ret: kret(owner, devFd) });
  const buffers = exportBuffers(s, owner, app, devFd, steps);
  const dev = ibv_get_device_list(app)[0];
  const ctx = dev ? ibv_open_device(app, dev) : null;
  const pd = ctx ? ibv_alloc_pd(ctx) : null;
  steps.push({ at: 0, who: "app", call: "open verbs device, alloc PD", ret: pd ? 0 : -app.errno });
  const dmahs = allocDmahs(s, app, pd, steps);
  const mrs = new Map(s.mrs.map((m) => [m.name, { name: m.name, mr: null, key: 0 } as MrState]));
  const ses: Session = { sys, owner, app, devFd, pd, buffers, dmahs, mrs, steps };
  for (const m of mrs.values()) registerMr(s, ses, m, 0);
  return ses;
}
