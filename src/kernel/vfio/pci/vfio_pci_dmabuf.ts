/**
 * drivers/vfio/pci/vfio_pci_dmabuf.c: vfio-pci as a dma-buf exporter of BAR ranges
 * (linux-tph-stack.md section 5) and, from the series, the steering tags the device owner stores
 * on a buffer: rfc through the DMA_BUF feature's inserted fields and `get_tph`; v11 through
 * VFIO_DEVICE_FEATURE_DMA_BUF_TPH (13) and `get_pci_tph`.
 *
 * A buffer is OK, temporarily revoked (memory decoding off, reset, D3hot), or revoked for good
 * (the device was closed). Revoking invalidates every importer's mapping under the reservation
 * lock, waits for fences, then requires every importer to have unmapped.
 */
import {
  type DmaBuf,
  type DmaBufAttachment,
  type DmaBufOps,
  type DmaBufTph,
  dmaBufExport,
  dmaBufFd,
  dmaBufGet,
  dmaBufInvalidateMappings,
  dmaBufPut,
  type SgTable,
} from "../../dma-buf/dma-buf.js";
import { EINTR, EINVAL, ENODEV, EOPNOTSUPP } from "../../errno.js";
import { VFIO_DMA_BUF_TPH_ST, VFIO_DMA_BUF_TPH_ST_EXT } from "../../include/uapi/linux/vfio.js";
import type { Kernel } from "../../kernel.js";
import { PCI_P2PDMA_MAP, pciP2pdmaMapType } from "../../pci/p2pdma.js";
import type { PciDev } from "../../pci/pci.js";
import { traceHex } from "../../trace.js";
import { vfioDevicePutRegistration, vfioDeviceTryGetRegistration } from "../vfio_main.js";
import type { VfioPciCoreDevice } from "./vfio_pci_core.js";

export const VFIO_PCI_DMABUF_STATUS = {
  OK: "ok",
  TEMP_REVOKED: "temp-revoked",
  PERM_REVOKED: "perm-revoked",
} as const;
export type VfioPciDmaBufStatus = (typeof VFIO_PCI_DMABUF_STATUS)[keyof typeof VFIO_PCI_DMABUF_STATUS];

/** One physical range of the buffer (struct dma_buf_phys_vec): bus address and length. */
export interface PhysVec {
  readonly paddr: bigint;
  readonly len: bigint;
}

/** The steering-tag state a SET stores (v11 feature 13; rfc: st/ph from the DMA_BUF struct). */
export interface VfioDmaBufTphState {
  /** VFIO_DMA_BUF_TPH_ST / _ST_EXT valid bits (rfc: 0). */
  readonly flags: number;
  readonly st: number;
  readonly stExt: number;
  readonly ph: number;
}

/** struct vfio_pci_dma_buf */
export class VfioPciDmaBuf {
  dmabuf!: DmaBuf;
  status: VfioPciDmaBufStatus = VFIO_PCI_DMABUF_STATUS.OK;
  /** SETs received so far (for review output). */
  tphSets = 0;
  tph: VfioDmaBufTphState = { flags: 0, st: 0, stExt: 0, ph: 0 };
  constructor(
    /** NULL after the device was closed. */
    public vdev: VfioPciCoreDevice | undefined,
    /** The P2P provider: the exporting function. */
    readonly provider: PciDev,
    readonly physVec: readonly PhysVec[],
    readonly size: bigint,
  ) {}
  get revoked(): boolean {
    return this.status !== VFIO_PCI_DMABUF_STATUS.OK;
  }
}

/** The buffer's vfio private data, when `dmabuf` was exported by vfio-pci. */
export function vfioPciDmaBufPriv(dmabuf: DmaBuf): VfioPciDmaBuf | undefined {
  return dmabuf.exporter === "vfio-pci" && dmabuf.priv instanceof VfioPciDmaBuf ? dmabuf.priv : undefined;
}

/** dma_buf_ops of vfio-pci; get_tph / get_pci_tph exist per the revision's `dmaBufTph`. */
function vfioPciDmabufOps(k: Kernel): DmaBufOps {
  const priv = (d: DmaBuf) => d.priv as VfioPciDmaBuf;
  const ops: DmaBufOps = {
    // vfio_pci_dma_buf_attach() after the revocable-dma-buf work (merged 2026): a peer-to-peer
    // importer, then a live buffer, then an importer that can be revoked, in this order.
    attach: (dmabuf: DmaBuf, a: DmaBufAttachment) => {
      if (!a.peer2peer) return -EOPNOTSUPP;
      if (priv(dmabuf).revoked) return -ENODEV;
      return a.importerOps?.invalidateMappings ? 0 : -EOPNOTSUPP;
    },
    // No .pin/.unpin: that work dropped them, the buffer must stay revocable.
    mapDmaBuf: (a: DmaBufAttachment) => {
      const p = priv(a.dmabuf);
      a.dmabuf.resv.assertHeld(k, "vfio_pci_dma_buf_map", a.dev);
      if (p.revoked) return { ret: -ENODEV, sgt: undefined };
      return dmaBufPhysVecToSgt(k, a, p.provider, p.physVec);
    },
    unmapDmaBuf: () => {},
    release: (dmabuf: DmaBuf) => vfioPciDmaBufRelease(k, priv(dmabuf)),
  };
  if (k.b.dmaBufTph === "rfc-get-tph") ops.getTph = (d) => rfcGetTph(k, priv(d));
  if (k.b.dmaBufTph === "get-pci-tph") ops.getPciTph = (d, extended) => getPciTph(k, d, extended);
  return ops;
}

/**
 * dma_buf_phys_vec_to_sgt() (drivers/dma-buf/dma-buf-mapping.c): the importer must reach the
 * provider: through a common bridge (bus addresses) or the host bridge (the model has no IOMMU,
 * so the DMA addresses are the same); anything else -> -EINVAL.
 */
function dmaBufPhysVecToSgt(
  k: Kernel,
  a: DmaBufAttachment,
  provider: PciDev,
  physVec: readonly PhysVec[],
): { ret: number; sgt: SgTable | undefined } {
  const client = k.pciDev(a.dev);
  const mapType = pciP2pdmaMapType(k, provider, client);
  if (mapType === PCI_P2PDMA_MAP.NOT_SUPPORTED) {
    const args = { provider: provider.name, map_type: mapType };
    return { ret: k.trace.ret("dma_buf_phys_vec_to_sgt", { dev: a.dev, args }, -EINVAL), sgt: undefined };
  }
  const sgt: SgTable = {
    sgl: physVec.map((v) => ({ dmaAddress: Number(v.paddr), length: Number(v.len) })),
  };
  return { ret: 0, sgt };
}

/** rfc get_tph(): the stored tag and PH; always 0 under `rfcGetTphAlwaysOk`, even with nothing set. */
function rfcGetTph(k: Kernel, p: VfioPciDmaBuf): DmaBufTph {
  const given = p.tph.st !== 0 || p.tph.ph !== 0;
  if (!given && !k.b.rfcGetTphAlwaysOk) return { ret: -EOPNOTSUPP, st: 0, ph: 0 };
  return { ret: 0, st: p.tph.st, ph: p.tph.ph };
}

/** get_pci_tph(): the tag of the namespace asked for, never the other one; -EOPNOTSUPP when unset. */
function getPciTph(k: Kernel, dmabuf: DmaBuf, extended: boolean): DmaBufTph {
  const p = dmabuf.priv as VfioPciDmaBuf;
  dmabuf.resv.assertHeld(k, "vfio_pci_dma_buf_get_pci_tph");
  const bit = extended ? VFIO_DMA_BUF_TPH_ST_EXT : VFIO_DMA_BUF_TPH_ST;
  if (!(p.tph.flags & bit)) return { ret: -EOPNOTSUPP, st: 0, ph: 0 };
  return { ret: 0, st: extended ? p.tph.stExt : p.tph.st, ph: p.tph.ph };
}

/** release: leave the device's list (unless cleanup already did) and drop the registration. */
function vfioPciDmaBufRelease(k: Kernel, p: VfioPciDmaBuf): void {
  const vdev = p.vdev;
  if (!vdev) return;
  vdev.memoryLock.downWrite(k, "vfio_pci_dma_buf_release");
  const i = vdev.dmabufs.indexOf(p);
  if (i >= 0) vdev.dmabufs.splice(i, 1);
  vdev.memoryLock.upWrite(k);
  vfioDevicePutRegistration(k, vdev.vdev);
}

/**
 * vfio_pci_dmabuf_export() + dma_buf_fd(): a registration reference (-ENODEV when the device is
 * unregistered), the export, the buffer joins the device's list (revoked when memory is off).
 */
export function vfioPciDmabufExport(
  k: Kernel,
  vdev: VfioPciCoreDevice,
  p: VfioPciDmaBuf,
  openFlags: number,
  tph: VfioDmaBufTphState | undefined,
): number {
  if (!vfioDeviceTryGetRegistration(vdev.vdev)) return -ENODEV;
  const { ret, dmabuf } = dmaBufExport(k, {
    exporter: "vfio-pci",
    ops: vfioPciDmabufOps(k),
    size: Number(p.size),
    priv: p,
    flags: openFlags,
  });
  if (ret || !dmabuf) {
    vfioDevicePutRegistration(k, vdev.vdev);
    return ret || -EINVAL;
  }
  p.dmabuf = dmabuf;
  if (tph) p.tph = tph;
  vdev.memoryLock.downWrite(k, "vfio_pci_dmabuf_export");
  dmabuf.resv.lock("vfio_pci_dmabuf_export");
  p.status = vdev.memoryEnabled() ? VFIO_PCI_DMABUF_STATUS.OK : VFIO_PCI_DMABUF_STATUS.TEMP_REVOKED;
  vdev.dmabufs.push(p);
  dmabuf.resv.unlock();
  vdev.memoryLock.upWrite(k);
  const fd = dmaBufFd(k, dmabuf);
  k.trace.emit("vfio_pci_dmabuf_export", {
    dev: vdev.name,
    args: { dmabuf: dmabuf.id, size: p.size, status: p.status, fd },
  });
  return fd;
}

/**
 * __vfio_pci_dma_buf_revoke(): revoke: under the lock mark revoked, invalidate importers, wait for
 * fences; then every importer must have unmapped (the kernel waits for that). Un-revoke:
 * importers are told to re-map (invalidate), then the buffer is OK again. A buffer revoked for
 * good never comes back.
 */
function dmaBufRevoke(k: Kernel, p: VfioPciDmaBuf, revoked: boolean, permanently: boolean): void {
  const S = VFIO_PCI_DMABUF_STATUS;
  if (
    p.status === S.PERM_REVOKED ||
    (p.status === S.OK && !revoked) ||
    (p.status === S.TEMP_REVOKED && revoked && !permanently)
  ) {
    return;
  }
  const dmabuf = p.dmabuf;
  dmabuf.resv.lock("vfio_pci_dma_buf_revoke");
  if (revoked) p.status = permanently ? S.PERM_REVOKED : S.TEMP_REVOKED;
  dmaBufInvalidateMappings(k, dmabuf);
  dmabuf.resv.waitFences();
  dmabuf.resv.unlock();
  if (revoked) {
    const mapped = dmabuf.attachments.filter((a) => a.sgt !== undefined);
    // The kernel blocks until the last mapping is gone; an importer that kept its mapping hangs it.
    if (mapped.length) {
      k.lockdepViolation(
        `vfio_pci_dma_buf_revoke: ${mapped.length} importer(s) still mapped, revoke never completes`,
      );
    }
  } else {
    dmabuf.resv.lock("vfio_pci_dma_buf_revoke");
    p.status = S.OK;
    dmabuf.resv.unlock();
  }
  k.trace.emit("vfio_pci_dma_buf_revoke", {
    dev: p.provider.name,
    args: { dmabuf: dmabuf.id, revoked, permanently, status: p.status },
  });
}

/** vfio_pci_dma_buf_move(): memory_lock held for write; every live buffer of the device. */
export function vfioPciDmaBufMove(k: Kernel, vdev: VfioPciCoreDevice, revoked: boolean): void {
  vdev.memoryLock.assertHeldWrite(k, "vfio_pci_dma_buf_move");
  for (const p of [...vdev.dmabufs]) {
    if (p.dmabuf.released) continue;
    dmaBufRevoke(k, p, revoked, false);
  }
}

/**
 * vfio_pci_dma_buf_cleanup(): at close every buffer is revoked for good and leaves the device,
 * after its importers were invalidated and have unmapped.
 */
export function vfioPciDmaBufCleanup(k: Kernel, vdev: VfioPciCoreDevice): void {
  vdev.memoryLock.downWrite(k, "vfio_pci_dma_buf_cleanup");
  for (const p of [...vdev.dmabufs]) {
    if (p.dmabuf.released) continue;
    const dmabuf = p.dmabuf;
    dmabuf.resv.lock("vfio_pci_dma_buf_cleanup");
    vdev.dmabufs.splice(vdev.dmabufs.indexOf(p), 1);
    p.vdev = undefined;
    p.status = VFIO_PCI_DMABUF_STATUS.PERM_REVOKED;
    dmaBufInvalidateMappings(k, dmabuf);
    dmabuf.resv.waitFences();
    dmabuf.resv.unlock();
    // Like a revoke, cleanup waits until every importer has unmapped (the kernel blocks there).
    const mapped = dmabuf.attachments.filter((a) => a.sgt !== undefined).length;
    if (mapped)
      k.lockdepViolation(
        `vfio_pci_dma_buf_cleanup: ${mapped} importer(s) still mapped, close never completes`,
      );
    k.trace.emit("vfio_pci_dma_buf_cleanup", { dev: vdev.name, args: { dmabuf: dmabuf.id } });
    vfioDevicePutRegistration(k, vdev.vdev);
  }
  vdev.memoryLock.upWrite(k);
}

function sameTph(a: VfioDmaBufTphState, b: VfioDmaBufTphState): boolean {
  return a.flags === b.flags && a.st === b.st && a.stExt === b.stExt && a.ph === b.ph;
}

/**
 * The SET of VFIO_DEVICE_FEATURE_DMA_BUF_TPH after the checks (vfio_pci_dmabuf_feature.ts): the fd must
 * be a vfio dma-buf of this same, still open device (-EINVAL; a bad fd keeps dma_buf_get()'s
 * errno). The lock is taken interruptibly (-EINTR when a signal ends the wait for another
 * holder). The whole state is replaced under the reservation lock; under `vfioSetTphRetracts` a
 * change invalidates the importers' mappings (still under the lock, as invalidate_mappings needs).
 */
export function vfioPciDmaBufSetTph(
  k: Kernel,
  vdev: VfioPciCoreDevice,
  fd: number,
  tph: VfioDmaBufTphState,
): number {
  const { ret, dmabuf } = dmaBufGet(k, fd);
  if (ret || !dmabuf) return ret;
  const p = vfioPciDmaBufPriv(dmabuf);
  let err = 0;
  if (!p || p.vdev !== vdev) {
    err = -EINVAL;
  } else if (dmabuf.resv.isHeld() && k.current.signalPending) {
    // dma_resv_lock_interruptible(): someone else holds the lock and a signal ends the wait.
    err = -EINTR;
  } else {
    dmabuf.resv.lock("vfio_pci_dma_buf_set_tph");
    const changed = !sameTph(p.tph, tph);
    p.tph = tph;
    p.tphSets++;
    // Proposed (open problem 3, `retract-on-set`): importers that mapped the buffer hold the old
    // answer of get_pci_tph; invalidating their mappings makes them query again at the next fault.
    const retract = k.b.vfioSetTphRetracts && changed && dmabuf.attachments.some((a) => a.sgt !== undefined);
    if (retract) dmaBufInvalidateMappings(k, dmabuf);
    dmabuf.resv.unlock();
    k.trace.emit("vfio_pci_dma_buf_set_tph", {
      dev: vdev.name,
      args: {
        dmabuf: dmabuf.id,
        flags: tph.flags,
        st: traceHex(tph.st),
        st_ext: traceHex(tph.stExt),
        ph: tph.ph,
        retracted: retract,
      },
    });
  }
  dmaBufPut(k, dmabuf);
  return err;
}
