/**
 * The dma-buf core (drivers/dma-buf/dma-buf.c, include/linux/dma-buf.h; linux-tph-stack.md
 * section 4): export, the file behind the fd and its references, attachments with importer ops,
 * map/unmap, invalidate_mappings (named move_notify before 2026), release, and the TPH query the
 * series adds: `get_pci_tph` (v11) or the rfc's `get_tph`, chosen by the revision (k.b.dmaBufTph).
 *
 * Ops mirror the C signatures (no Kernel argument): exporters and importers capture what they need.
 * Mapping caching for static importers of dynamic exporters is not modelled.
 */
import { EBADF, EINVAL, EOPNOTSUPP } from "../errno.js";
import { File, fput, getFile, type Kernel } from "../kernel.js";
import { traceHex } from "../trace.js";
import { DmaResv } from "./dma-resv.js";

/** enum dma_data_direction */
export type DmaDataDirection = "bidirectional" | "to-device" | "from-device";

/** One DMA segment as the importer's device addresses it. */
export interface SgEntry {
  readonly dmaAddress: number;
  readonly length: number;
}
/** struct sg_table after mapping. */
export interface SgTable {
  readonly sgl: readonly SgEntry[];
}

/** The result of a TPH query: 0 and a tag/PH, or a negative errno. */
export interface DmaBufTph {
  readonly ret: number;
  readonly st: number;
  readonly ph: number;
}

/** struct dma_buf_ops (the subset that matters here). map, unmap and release are mandatory. */
export interface DmaBufOps {
  attach?(dmabuf: DmaBuf, attach: DmaBufAttachment): number;
  detach?(dmabuf: DmaBuf, attach: DmaBufAttachment): void;
  pin?(attach: DmaBufAttachment): number;
  unpin?(attach: DmaBufAttachment): void;
  mapDmaBuf(attach: DmaBufAttachment, dir: DmaDataDirection): { ret: number; sgt: SgTable | undefined };
  unmapDmaBuf(attach: DmaBufAttachment, sgt: SgTable, dir: DmaDataDirection): void;
  release(dmabuf: DmaBuf): void;
  /** rfc: `int (*get_tph)(struct dma_buf *, u16 *steering_tag, u8 *ph)`. */
  getTph?(dmabuf: DmaBuf): DmaBufTph;
  /** v11: `int (*get_pci_tph)(struct dma_buf *, bool extended, u16 *st, u8 *ph)`, resv held. */
  getPciTph?(dmabuf: DmaBuf, extended: boolean): DmaBufTph;
}

/** struct dma_buf_attach_ops: an importer that can be invalidated is "revocable". */
export interface DmaBufAttachOps {
  readonly allowPeer2peer: boolean;
  invalidateMappings?(attach: DmaBufAttachment): void;
}

/** struct dma_buf_attachment */
export class DmaBufAttachment {
  /** The exporter's per-attachment data. */
  priv: unknown = undefined;
  /** The current mapping, set between map and unmap. */
  sgt: SgTable | undefined = undefined;
  constructor(
    readonly dmabuf: DmaBuf,
    /** The importing device (pci_name()). */
    readonly dev: string,
    readonly importerOps: DmaBufAttachOps | undefined,
    readonly importerPriv: unknown,
  ) {}
  /** attach->peer2peer: the importer can reach peer device memory. */
  get peer2peer(): boolean {
    return this.importerOps?.allowPeer2peer ?? false;
  }
  /** dma_buf_attachment_is_dynamic() */
  isDynamic(): boolean {
    return this.importerOps !== undefined;
  }
}

/** struct dma_buf */
export class DmaBuf {
  readonly attachments: DmaBufAttachment[] = [];
  /** The file behind every fd of this buffer (its f_count is the buffer's reference count). */
  file!: File;
  released = false;
  constructor(
    /** Inode-like id, unique per kernel, for traces. */
    readonly id: number,
    readonly ops: DmaBufOps,
    readonly resv: DmaResv,
    readonly priv: unknown,
    readonly size: number,
    /** exp_name: the exporter's name ("vfio-pci"). */
    readonly exporter: string,
  ) {}
  /** References held on the buffer's file (fds plus dma_buf_get()s). */
  get refcount(): number {
    return this.released ? 0 : this.file.count;
  }
  /** dma_buf_is_dynamic(): the exporter can pin (and so move and invalidate). */
  isDynamic(): boolean {
    return this.ops.pin !== undefined;
  }
}

export interface DmaBufExportInfo {
  readonly exporter: string;
  readonly ops: DmaBufOps;
  readonly size: number;
  readonly priv: unknown;
  readonly flags?: number;
  readonly resv?: DmaResv;
}

const DMA_BUF_FILE = "dma_buf";

/** dma_buf_export(): -EINVAL without priv, without a mandatory op, or with pin and unpin unpaired. */
export function dmaBufExport(k: Kernel, info: DmaBufExportInfo): { ret: number; dmabuf: DmaBuf | undefined } {
  const fields = { args: { exporter: info.exporter, size: info.size } };
  const o = info.ops;
  const bad = info.priv === undefined || !o.mapDmaBuf || !o.unmapDmaBuf || !o.release || !o.pin !== !o.unpin;
  if (bad) return { ret: k.trace.ret("dma_buf_export", fields, -EINVAL), dmabuf: undefined };
  const dmabuf = new DmaBuf(
    k.allocId("dma_buf"),
    o,
    info.resv ?? new DmaResv(k),
    info.priv,
    info.size,
    info.exporter,
  );
  dmabuf.file = new File(DMA_BUF_FILE, dmabuf, (kk) => dmaBufRelease(kk, dmabuf), info.flags ?? 0);
  k.trace.emit("dma_buf_export", { args: { ...fields.args, dmabuf: dmabuf.id }, ret: 0 });
  return { ret: 0, dmabuf };
}

/** The file's final release: the exporter's release op runs once (dma_buf_release()). */
function dmaBufRelease(k: Kernel, dmabuf: DmaBuf): void {
  if (dmabuf.attachments.length > 0) {
    k.lockdepViolation(
      `dma_buf_release: dmabuf ${dmabuf.id} released with ${dmabuf.attachments.length} attachments`,
    );
  }
  dmabuf.released = true;
  dmabuf.ops.release(dmabuf);
  k.trace.emit("dma_buf_release", { args: { dmabuf: dmabuf.id, exporter: dmabuf.exporter } });
}

/** dma_buf_fd(): install the buffer's file (taking the export reference) on a new fd. */
export function dmaBufFd(k: Kernel, dmabuf: DmaBuf | undefined): number {
  if (!dmabuf) return k.trace.ret("dma_buf_fd", {}, -EINVAL);
  const fd = k.fdInstall(dmabuf.file);
  return k.trace.ret("dma_buf_fd", { args: { dmabuf: dmabuf.id } }, fd);
}

/** dma_buf_get(): the buffer behind `fd` with one more reference; -EBADF, or -EINVAL for another file. */
export function dmaBufGet(k: Kernel, fd: number): { ret: number; dmabuf: DmaBuf | undefined } {
  const file = k.fdGet(fd);
  if (!file) return { ret: k.trace.ret("dma_buf_get", { args: { fd } }, -EBADF), dmabuf: undefined };
  if (file.kind !== DMA_BUF_FILE) {
    fput(k, file);
    return { ret: k.trace.ret("dma_buf_get", { args: { fd, file: file.kind } }, -EINVAL), dmabuf: undefined };
  }
  const dmabuf = file.priv as DmaBuf;
  k.trace.emit("dma_buf_get", { args: { fd, dmabuf: dmabuf.id, refcount: dmabuf.refcount }, ret: 0 });
  return { ret: 0, dmabuf };
}

/** get_dma_buf(): one more reference on a buffer already held. */
export function getDmaBuf(dmabuf: DmaBuf): void {
  getFile(dmabuf.file);
}

/** dma_buf_put(): drop a reference; the last one releases the buffer. */
export function dmaBufPut(k: Kernel, dmabuf: DmaBuf): void {
  k.trace.emit("dma_buf_put", { args: { dmabuf: dmabuf.id, refcount: dmabuf.refcount - 1 } });
  fput(k, dmabuf.file);
}

/**
 * dma_buf_dynamic_attach(): the exporter's attach (its error is returned), then the attachment
 * joins the list under the reservation lock. Since the revocable-dma-buf work (merged 2026) the
 * core no longer demands invalidate_mappings from importers that pass ops: the exporter decides
 * whether it needs a revocable importer (vfio-pci does).
 */
export function dmaBufDynamicAttach(
  k: Kernel,
  dmabuf: DmaBuf,
  dev: string,
  importerOps: DmaBufAttachOps | undefined,
  importerPriv?: unknown,
): { ret: number; attach: DmaBufAttachment | undefined } {
  const fn = "dma_buf_dynamic_attach";
  const args = { dmabuf: dmabuf.id, p2p: importerOps?.allowPeer2peer ?? false };
  const attach = new DmaBufAttachment(dmabuf, dev, importerOps, importerPriv);
  const ret = dmabuf.ops.attach?.(dmabuf, attach) ?? 0;
  if (ret)
    return { ret: k.trace.ret(fn, { dev, args, note: "exporter attach failed" }, ret), attach: undefined };
  dmabuf.resv.lock(fn);
  dmabuf.attachments.push(attach);
  dmabuf.resv.unlock();
  return { ret: k.trace.ret(fn, { dev, args }, 0), attach };
}

/** dma_buf_attach(): a static importer (no importer ops, not revocable). */
export function dmaBufAttach(
  k: Kernel,
  dmabuf: DmaBuf,
  dev: string,
): { ret: number; attach: DmaBufAttachment | undefined } {
  return dmaBufDynamicAttach(k, dmabuf, dev, undefined);
}

/** dma_buf_detach(): leave the list under the lock, then the exporter's detach. */
export function dmaBufDetach(k: Kernel, dmabuf: DmaBuf, attach: DmaBufAttachment): void {
  if (attach.sgt)
    k.lockdepViolation(`dma_buf_detach: ${attach.dev} detaches with a live mapping`, attach.dev);
  dmabuf.resv.lock("dma_buf_detach");
  const i = dmabuf.attachments.indexOf(attach);
  if (i >= 0) dmabuf.attachments.splice(i, 1);
  dmabuf.resv.unlock();
  dmabuf.ops.detach?.(dmabuf, attach);
  k.trace.emit("dma_buf_detach", { dev: attach.dev, args: { dmabuf: dmabuf.id } });
}

/** dma_buf_pin(): resv held; the exporter's pin. */
export function dmaBufPin(k: Kernel, attach: DmaBufAttachment): number {
  attach.dmabuf.resv.assertHeld(k, "dma_buf_pin", attach.dev);
  return k.trace.ret("dma_buf_pin", { dev: attach.dev }, attach.dmabuf.ops.pin?.(attach) ?? 0);
}
/** dma_buf_unpin() */
export function dmaBufUnpin(k: Kernel, attach: DmaBufAttachment): void {
  attach.dmabuf.resv.assertHeld(k, "dma_buf_unpin", attach.dev);
  attach.dmabuf.ops.unpin?.(attach);
  k.trace.emit("dma_buf_unpin", { dev: attach.dev });
}

/** dma_buf_map_attachment(): resv held; a static importer of a dynamic exporter pins first. */
export function dmaBufMapAttachment(
  k: Kernel,
  attach: DmaBufAttachment,
  dir: DmaDataDirection,
): { ret: number; sgt: SgTable | undefined } {
  const fn = "dma_buf_map_attachment";
  const { dmabuf } = attach;
  dmabuf.resv.assertHeld(k, fn, attach.dev);
  const pin = dmabuf.isDynamic() && !attach.isDynamic();
  if (pin) {
    const ret = dmabuf.ops.pin!(attach);
    if (ret)
      return {
        ret: k.trace.ret(fn, { dev: attach.dev, args: { dmabuf: dmabuf.id }, note: "pin failed" }, ret),
        sgt: undefined,
      };
  }
  const { ret, sgt } = dmabuf.ops.mapDmaBuf(attach, dir);
  if (ret || !sgt) {
    if (pin) dmabuf.ops.unpin!(attach);
    return {
      ret: k.trace.ret(fn, { dev: attach.dev, args: { dmabuf: dmabuf.id } }, ret || -EINVAL),
      sgt: undefined,
    };
  }
  attach.sgt = sgt;
  return {
    ret: k.trace.ret(fn, { dev: attach.dev, args: { dmabuf: dmabuf.id, nents: sgt.sgl.length } }, 0),
    sgt,
  };
}

/** dma_buf_unmap_attachment(): resv held; unpins what map pinned. */
export function dmaBufUnmapAttachment(
  k: Kernel,
  attach: DmaBufAttachment,
  sgt: SgTable,
  dir: DmaDataDirection,
): void {
  const { dmabuf } = attach;
  dmabuf.resv.assertHeld(k, "dma_buf_unmap_attachment", attach.dev);
  dmabuf.ops.unmapDmaBuf(attach, sgt, dir);
  if (dmabuf.isDynamic() && !attach.isDynamic()) dmabuf.ops.unpin!(attach);
  if (attach.sgt === sgt) attach.sgt = undefined;
  k.trace.emit("dma_buf_unmap_attachment", { dev: attach.dev, args: { dmabuf: dmabuf.id } });
}

/** dma_buf_map_attachment_unlocked(): takes and drops the reservation lock around the map. */
export function dmaBufMapAttachmentUnlocked(k: Kernel, attach: DmaBufAttachment, dir: DmaDataDirection) {
  attach.dmabuf.resv.lock("dma_buf_map_attachment_unlocked");
  const out = dmaBufMapAttachment(k, attach, dir);
  attach.dmabuf.resv.unlock();
  return out;
}
/** dma_buf_unmap_attachment_unlocked() */
export function dmaBufUnmapAttachmentUnlocked(
  k: Kernel,
  attach: DmaBufAttachment,
  sgt: SgTable,
  dir: DmaDataDirection,
): void {
  attach.dmabuf.resv.lock("dma_buf_unmap_attachment_unlocked");
  dmaBufUnmapAttachment(k, attach, sgt, dir);
  attach.dmabuf.resv.unlock();
}

/**
 * dma_buf_invalidate_mappings() (dma_buf_move_notify() before 2026): the exporter, holding the
 * reservation lock, tells every dynamic importer to stop using and unmap its mapping.
 */
export function dmaBufInvalidateMappings(k: Kernel, dmabuf: DmaBuf): void {
  const held = dmabuf.resv.assertHeld(k, "dma_buf_invalidate_mappings");
  const importers = dmabuf.attachments.filter((a) => a.importerOps?.invalidateMappings);
  k.trace.emit("dma_buf_invalidate_mappings", {
    args: { dmabuf: dmabuf.id, importers: importers.length, resv_held: held },
  });
  for (const a of importers) a.importerOps!.invalidateMappings!(a);
}

/**
 * dma_buf_get_pci_tph() (v11) - the exporter's steering tag and PH for the 8-bit (extended=false)
 * or 16-bit (extended=true) ST namespace. Asserts the reservation lock (a violation is recorded,
 * the call proceeds); -EOPNOTSUPP when the exporter has no get_pci_tph op or the revision has no
 * such op at all. The answer is valid until the exporter next invalidates the mapping.
 */
export function dmaBufGetPciTph(k: Kernel, dmabuf: DmaBuf, extended: boolean): DmaBufTph {
  const fn = "dma_buf_get_pci_tph";
  const base = { dmabuf: dmabuf.id, extended };
  if (k.b.dmaBufTph !== "get-pci-tph") {
    return {
      ret: k.trace.ret(fn, { args: base, note: `no get_pci_tph in ${k.revision}` }, -EOPNOTSUPP),
      st: 0,
      ph: 0,
    };
  }
  dmabuf.resv.assertHeld(k, fn);
  if (!dmabuf.ops.getPciTph) {
    return {
      ret: k.trace.ret(fn, { args: base, note: "exporter has no get_pci_tph" }, -EOPNOTSUPP),
      st: 0,
      ph: 0,
    };
  }
  const r = dmabuf.ops.getPciTph(dmabuf, extended);
  const args = r.ret === 0 ? { ...base, st: traceHex(r.st), ph: r.ph } : base;
  k.trace.emit(fn, { args, ret: r.ret });
  return r.ret === 0 ? r : { ret: r.ret, st: 0, ph: 0 };
}

/**
 * The rfc's query: `dmabuf->ops->get_tph(dmabuf, &st, &ph)` called directly by the importer, no
 * lock, when the op exists; -EOPNOTSUPP otherwise (or when the revision has no get_tph op).
 */
export function dmaBufGetTph(k: Kernel, dmabuf: DmaBuf): DmaBufTph {
  const fn = "dma_buf_get_tph";
  if (k.b.dmaBufTph !== "rfc-get-tph" || !dmabuf.ops.getTph) {
    const note = k.b.dmaBufTph !== "rfc-get-tph" ? `no get_tph in ${k.revision}` : "exporter has no get_tph";
    return { ret: k.trace.ret(fn, { args: { dmabuf: dmabuf.id }, note }, -EOPNOTSUPP), st: 0, ph: 0 };
  }
  const r = dmabuf.ops.getTph(dmabuf);
  const args = r.ret === 0 ? { dmabuf: dmabuf.id, st: traceHex(r.st), ph: r.ph } : { dmabuf: dmabuf.id };
  k.trace.emit(fn, { args, ret: r.ret });
  return r;
}
