/**
 * Fragments of the C programs the review scenarios are made of: the accelerator's owner (opens its
 * VFIO device, exports BAR memory as a dma-buf, gives it a steering tag, toggles memory decoding)
 * and the RDMA application (opens the verbs device, registers MRs on the dma-buf). Every argument
 * is built as the bytes a C program would pass, with the uapi layouts of `m.headers`.
 */
import {
  type VfioDmaBufStruct,
  vfio_device_feature_dma_buf_rfc,
} from "../../kernel/include/uapi/linux/vfio.js";
import type { Libc } from "../../uapi/libc.js";
import {
  type IbvContext,
  type IbvDmah,
  type IbvMr,
  type IbvPd,
  ibv_alloc_pd,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_mr_ex,
} from "../../uapi/verbs.js";
import type { Machine } from "./machine.js";
import { hex, Mismatch, type Scenario } from "./scenario.js";
import {
  type DmaBufArg,
  dmaBuf,
  dmaBufTph,
  featureArg,
  IBV,
  mrInitAttr,
  PCI,
  regionOffset,
  type TphArg,
  tphFlags,
  VFIO,
} from "./uapi-h.js";

/** The exported range: 2 MiB at the start of BAR 0. */
export const BUF_LEN = 0x200000;
/** What the application asks for: remote read and write into accelerator memory. */
export const ACCESS = IBV.ACCESS_LOCAL_WRITE | IBV.ACCESS_REMOTE_WRITE | IBV.ACCESS_REMOTE_READ;
/** O_RDWR | O_CLOEXEC, the dma-buf's file flags. */
const OPEN_FLAGS = 0o2 | 0o2000000;

export interface Owner {
  readonly libc: Libc;
  readonly devFd: number;
}
export interface App {
  readonly libc: Libc;
  readonly ctx: IbvContext;
  readonly pd: IbvPd;
}
/** A steering tag for the 8-bit (st) and/or 16-bit (stExt) namespace, with its processing hint. */
export interface Tag {
  readonly st?: number;
  readonly stExt?: number;
  readonly ph: number;
}

/** The accelerator owner: a process that opened accelerator `acc`'s VFIO device. */
export function startOwner(s: Scenario, m: Machine, acc = 0, comm = "acc-owner"): Owner {
  const libc = m.host.spawn(comm);
  const devFd = s.ok(`open(${m.paths.accs[acc]})`, libc.open(m.paths.accs[acc]!), libc);
  return { libc, devFd };
}

/** The RDMA application: first verbs device opened, one PD. */
export function startApp(s: Scenario, m: Machine, comm = "rdma-app"): App {
  const libc = m.host.spawn(comm);
  const dev = ibv_get_device_list(libc)[0];
  if (!dev) throw new Mismatch("ibv_get_device_list: no device");
  const ctx = s.some("ibv_open_device", ibv_open_device(libc, dev), libc);
  const pd = s.some("ibv_alloc_pd", ibv_alloc_pd(ctx), libc);
  return { libc, ctx, pd };
}

export interface ExportOpts extends Partial<DmaBufArg> {
  readonly featureFlags?: number;
}

/** The export the owner asks for unless told: BUF_LEN at the start of BAR 0, OPEN_FLAGS. */
function exportArgs(o: ExportOpts): DmaBufArg {
  return { openFlags: OPEN_FLAGS, ranges: [{ offset: 0n, length: BigInt(BUF_LEN) }], ...o };
}

/** struct vfio_device_feature_dma_buf in the layout `layout`, with its ranges. */
export function dmaBufPayload(layout: VfioDmaBufStruct, o: ExportOpts = {}): Uint8Array {
  return dmaBuf(exportArgs(o), layout === vfio_device_feature_dma_buf_rfc);
}

/** ioctl(VFIO_DEVICE_FEATURE, GET | DMA_BUF): the dma-buf fd or -1. */
export function exportDmaBuf(owner: Owner, layout: VfioDmaBufStruct, o: ExportOpts = {}): number {
  const flags = o.featureFlags ?? VFIO.FEATURE_GET | VFIO.FEATURE_DMA_BUF;
  return owner.libc.ioctl(owner.devFd, VFIO.DEVICE_FEATURE, featureArg(flags, dmaBufPayload(layout, o)));
}

export interface TphOpts extends TphArg {
  readonly featureFlags?: number;
}

/** ioctl(VFIO_DEVICE_FEATURE, SET | DMA_BUF_TPH): 0 or -1 (the feature number is used as is). */
export function setTph(owner: Owner, o: TphOpts): number {
  const flags = o.featureFlags ?? VFIO.FEATURE_SET | VFIO.FEATURE_DMA_BUF_TPH;
  return owner.libc.ioctl(owner.devFd, VFIO.DEVICE_FEATURE, featureArg(flags, dmaBufTph(o)));
}

/** "st=0x21 st_ext=0x4321 ph=2" */
export function showTag(t: Tag): string {
  const parts = [
    t.st !== undefined ? `st=${hex(t.st)}` : "",
    t.stExt !== undefined ? `st_ext=${hex(t.stExt)}` : "",
  ];
  return [...parts.filter(Boolean), `ph=${t.ph}`].join(" ");
}

/**
 * Export the default range with tag `t`, the way the headers allow: export then SET
 * DMA_BUF_TPH (v2 onward), or the tag inside the export struct (rfc layout: one 16-bit tag).
 */
export function exportTagged(
  s: Scenario,
  m: Machine,
  owner: Owner,
  t: Tag,
  ranges?: ExportOpts["ranges"],
): number {
  const layout = m.headers.dmaBufStruct;
  const r = ranges ? { ranges } : {};
  if (m.headers.hasDmaBufTph) {
    const fd = s.ok("export DMA_BUF", exportDmaBuf(owner, layout, r), owner.libc);
    s.ok(`SET DMA_BUF_TPH ${showTag(t)}`, setTph(owner, { fd, flags: tphFlags(t), ...t }), owner.libc);
    return fd;
  }
  if (layout === vfio_device_feature_dma_buf_rfc) {
    const st = t.stExt ?? t.st ?? 0;
    return s.ok(
      `export DMA_BUF with st=${hex(st)} ph=${t.ph}`,
      exportDmaBuf(owner, layout, { ...r, st, ph: t.ph }),
      owner.libc,
    );
  }
  throw new Mismatch("the uapi headers give no way to attach a steering tag to a dma-buf");
}

/** Give an exported buffer a new tag (SET DMA_BUF_TPH); impossible with headers that lack it. */
export function retag(s: Scenario, m: Machine, owner: Owner, fd: number, t: Tag): void {
  if (!m.headers.hasDmaBufTph) throw new Mismatch("the uapi headers give no way to change a dma-buf's tag");
  s.ok(`SET DMA_BUF_TPH ${showTag(t)}`, setTph(owner, { fd, flags: tphFlags(t), ...t }), owner.libc);
}

export interface MrOpts {
  readonly length?: number;
  readonly offset?: bigint;
  readonly iova?: bigint;
  readonly access?: number;
  readonly dmah?: IbvDmah;
  readonly compMask?: number;
}

/** struct ibv_mr_init_attr for a dma-buf MR (FD | FD_OFFSET | IOVA, plus DMAH when given). */
export function dmabufMrAttr(fd: number, o: MrOpts = {}): Uint8Array {
  return mrInitAttr({
    length: BigInt(o.length ?? BUF_LEN),
    access: o.access ?? ACCESS,
    iova: o.iova ?? 0n,
    fd,
    fdOffset: o.offset ?? 0n,
    dmah: o.dmah?.ptr,
    compMask: o.compMask,
  });
}

/** A user buffer address (anonymous memory below TASK_SIZE). */
export const USER_ADDR = 0x7f12_3400_0000n;

/** struct ibv_mr_init_attr for 64 KiB of user memory (ADDR, iova = addr), with an optional DMAH. */
export function userMrAttr(o: { readonly dmah?: IbvDmah; readonly access?: number } = {}): Uint8Array {
  return mrInitAttr({ length: 0x10000n, access: o.access ?? ACCESS, addr: USER_ADDR, dmah: o.dmah?.ptr });
}

/** ibv_reg_mr_ex() of the dma-buf `fd` (the app's fd number). */
export function regDmabufMr(app: App, fd: number, o: MrOpts = {}): IbvMr | null {
  return ibv_reg_mr_ex(app.pd, dmabufMrAttr(fd, o));
}

/** pread of `width` bytes of the device's config space. */
export function configRead(s: Scenario, owner: Owner, at: number, width: 1 | 2 | 4): number {
  const buf = new Uint8Array(width);
  s.ok(
    `pread config ${hex(at)}`,
    owner.libc.pread(owner.devFd, buf, regionOffset(VFIO.PCI_CONFIG_REGION_INDEX, at)),
    owner.libc,
  );
  return buf.reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
}

/** pwrite of a 16-bit config register. */
export function configWrite16(s: Scenario, owner: Owner, at: number, value: number): void {
  const buf = new Uint8Array([value & 0xff, (value >>> 8) & 0xff]);
  const ret = owner.libc.pwrite(owner.devFd, buf, regionOffset(VFIO.PCI_CONFIG_REGION_INDEX, at));
  s.ok(`pwrite config ${hex(at)}=${hex(value)}`, ret, owner.libc);
}

/** Turn the device's Memory Space Enable off (revokes its dma-bufs) or on again. */
export function setMemory(s: Scenario, owner: Owner, on: boolean): void {
  const at = PCI.COMMAND;
  const mem = PCI.COMMAND_MEMORY;
  const cmd = configRead(s, owner, at, 2);
  configWrite16(s, owner, at, on ? cmd | mem : cmd & ~mem);
}

/** Offset of standard capability `id`, walked through config reads as lspci does (0 if absent). */
export function findCap(s: Scenario, owner: Owner, id: number): number {
  let pos = configRead(s, owner, PCI.CAPABILITY_LIST, 1);
  for (let ttl = 48; pos >= 0x40 && ttl > 0; ttl--) {
    const ent = configRead(s, owner, pos & ~3, 2);
    if ((ent & 0xff) === id) return pos & ~3;
    pos = ent >>> 8;
  }
  return 0;
}
