/**
 * The series' importer side in drivers/infiniband/hw/mlx5/mr.c: which TPH a dma-buf MR's mkey
 * gets. Every difference between revisions comes from `k.b` (src/kernel/revision.ts):
 *
 * - precedence: a DMAH given at registration wins (its PH, and its CPU ST index when CPU-bound);
 * - `mlx5DmabufLookup`: rfc looks the fd up again (a time-of-check/time-of-use window, with a
 *   fault-injection hook), v11 asks the umem's own dma-buf;
 * - `dmaBufTph`: rfc `get_tph` without a lock, v11 `get_pci_tph` under the reservation lock for the
 *   namespace of `mlx5NamespaceFrom` (NIC requester type, or proposed: also the peer completer);
 * - `mlx5StMapping`: rfc writes the raw tag as the ST index, v11 maps it (direct: the tag; table:
 *   a refcounted index held for the MR's life);
 * - any failure: no TPH, silently (a trace event says why).
 */
import {
  type DmaBuf,
  type DmaBufTph,
  dmaBufGet,
  dmaBufGetPciTph,
  dmaBufGetTph,
  dmaBufPut,
} from "../../../dma-buf/dma-buf.js";
import type { Kernel } from "../../../kernel.js";
import {
  mlx5StAllocIndexByTag,
  mlx5StDeallocIndex,
  mlx5StGetIndex,
} from "../../../net/ethernet/mellanox/mlx5/core/lib/st.js";
import type { PciDev } from "../../../pci/pci.js";
import {
  PCI_TPH_REQ_EXT_TPH,
  PCI_TPH_REQ_TPH_ONLY,
  pcieTphCompleterType,
  pcieTphEnabledReqType,
} from "../../../pci/tph.js";
import { traceHex } from "../../../trace.js";
import { IB_DMAH_CPU_ID_EXISTS, type IbDmah } from "../../core/ib_verbs.js";
import { type IbUmemDmabuf, ibUmemDmabufMapPages } from "../../core/umem_dmabuf.js";
import { type Mlx5IbDev, type Mlx5IbDmah, type MrTph, NO_TPH } from "./mlx5_ib.js";

/**
 * The DMAH's TPH: its PH, and its ST index when it is bound to a CPU. Under `mlx5MrDmahStRef`
 * (the series, v6+) the MR takes its own reference on that index with mlx5_st_get_index(), held
 * for the MR's life and dropped at mkey cleanup; a failure fails the registration.
 */
export function mlx5IbDmahTph(k: Kernel, dev: Mlx5IbDev, dmah: IbDmah): MrTph | number {
  const stIndex = dmah.has(IB_DMAH_CPU_ID_EXISTS) ? (dmah as Mlx5IbDmah).stIndex : 0;
  const table = dev.mdev.st !== undefined && !dev.mdev.st.directMode;
  if (!k.b.mlx5MrDmahStRef || !table || stIndex === 0)
    return { stIndex, ph: dmah.ph, stRef: undefined, source: "dmah" };
  const ret = mlx5StGetIndex(k, dev.mdev, stIndex);
  if (ret) return ret;
  return { stIndex, ph: dmah.ph, stRef: stIndex, source: "dmah" };
}

function noTph(k: Kernel, dev: Mlx5IbDev, why: string, ret?: number): MrTph {
  k.trace.emit("mlx5_ib_dmabuf_no_tph", { dev: dev.name, ...(ret === undefined ? {} : { ret }), note: why });
  return NO_TPH;
}

/**
 * The P2P provider of a mapping: the function whose BAR holds the first DMA address (what
 * drivers/pci/p2pdma.c records as the pages' provider). Undefined for host memory.
 */
export function p2pdmaProviderOf(k: Kernel, addr: bigint): PciDev | undefined {
  return k.pciDevs.find((d) =>
    d.fn.spec.bars.some((b) => BigInt(b.address) <= addr && addr < BigInt(b.address) + BigInt(b.size)),
  );
}

/**
 * The ST namespace to ask for: false = 8-bit, true = 16-bit Extended; undefined = no TPH.
 * v11: from the NIC's negotiated requester type. Proposed (open problem 2): the lower of that and
 * the completer type of the peer that owns the memory; host memory keeps the NIC's type.
 */
function tphNamespace(k: Kernel, dev: Mlx5IbDev, umem: IbUmemDmabuf): boolean | undefined {
  let type = pcieTphEnabledReqType(dev.mdev.pdev);
  if (k.b.mlx5NamespaceFrom === "peer-completer") {
    const first = umem.segments()[0];
    const peer = first ? p2pdmaProviderOf(k, first.addr) : undefined;
    if (peer) {
      const comp = pcieTphCompleterType(peer);
      k.trace.emit("mlx5_ib_tph_peer_completer", {
        dev: dev.name,
        args: { peer: peer.name, completer: comp, req: type },
      });
      type = Math.min(type, comp);
    }
  }
  if (type === PCI_TPH_REQ_TPH_ONLY) return false;
  if (type === PCI_TPH_REQ_EXT_TPH) return true;
  return undefined;
}

/**
 * get_pci_tph under the reservation lock, which the caller holds. Proposed maps the pages first
 * (still under the lock) to learn the peer; mapping twice is a no-op.
 */
function queryPciTphLocked(
  k: Kernel,
  dev: Mlx5IbDev,
  umem: IbUmemDmabuf,
  dmabuf: DmaBuf,
): DmaBufTph | string {
  if (k.b.mlx5NamespaceFrom === "peer-completer" && dmabuf === umem.dmabuf) ibUmemDmabufMapPages(k, umem);
  const extended = tphNamespace(k, dev, umem);
  if (extended === undefined) return "NIC requester type allows no TPH";
  return dmaBufGetPciTph(k, dmabuf, extended);
}

/** Turn the exporter's tag into the mkey's ST index per `mlx5StMapping`. */
function mapTag(k: Kernel, dev: Mlx5IbDev, tag: number, ph: number): MrTph {
  if (k.b.mlx5StMapping === "raw-tag-as-index") {
    k.trace.emit("mlx5_ib_dmabuf_tph", {
      dev: dev.name,
      args: { tag: traceHex(tag), ph, st_index: tag, raw: true },
    });
    return { stIndex: tag, ph, stRef: undefined, source: "dmabuf", tag };
  }
  const r = mlx5StAllocIndexByTag(k, dev.mdev, tag);
  if (r.ret) return noTph(k, dev, "no ST index for the tag", r.ret);
  const table = dev.mdev.st !== undefined && !dev.mdev.st.directMode;
  k.trace.emit("mlx5_ib_dmabuf_tph", { dev: dev.name, args: { tag: traceHex(tag), ph, st_index: r.index } });
  return { stIndex: r.index, ph, stRef: table ? r.index : undefined, source: "dmabuf", tag };
}

/** Query the exporter (lock taken here for get_pci_tph) and map the answer. */
function queryAndMap(k: Kernel, dev: Mlx5IbDev, umem: IbUmemDmabuf, dmabuf: DmaBuf): MrTph {
  let q: DmaBufTph | string;
  if (k.b.dmaBufTph === "rfc-get-tph") {
    q = dmaBufGetTph(k, dmabuf);
  } else {
    dmabuf.resv.lock("mlx5_ib_reg_user_mr_dmabuf");
    q = queryPciTphLocked(k, dev, umem, dmabuf);
    dmabuf.resv.unlock();
  }
  if (typeof q === "string") return noTph(k, dev, q);
  if (q.ret) return noTph(k, dev, "exporter has no tag", q.ret);
  return mapTag(k, dev, q.st, q.ph);
}

/** The TPH of a dma-buf MR registered without a DMAH. */
export function mlx5IbDmabufTph(k: Kernel, dev: Mlx5IbDev, umem: IbUmemDmabuf, fd: number): MrTph {
  if (k.b.dmaBufTph === "none") return NO_TPH;
  if (k.b.mlx5DmabufLookup === "umem") return queryAndMap(k, dev, umem, umem.dmabuf);
  // rfc: a second dma_buf_get(fd); whatever the fd names now is what gets asked.
  dev.faults.beforeTphFdLookup?.(k, fd);
  const { ret, dmabuf } = dmaBufGet(k, fd);
  if (ret || !dmabuf) return noTph(k, dev, "second fd lookup failed", ret);
  if (dmabuf !== umem.dmabuf) {
    k.trace.emit("mlx5_ib_dmabuf_fd_changed", {
      dev: dev.name,
      args: { fd, umem_dmabuf: umem.dmabuf.id, looked_up: dmabuf.id },
      note: "tag taken from another dma-buf",
    });
  }
  const tph = queryAndMap(k, dev, umem, dmabuf);
  dmaBufPut(k, dmabuf);
  return tph;
}

/** The new TPH of a re-query, and whether the MR's old ST reference was already dropped. */
export interface Requery {
  readonly next: MrTph;
  readonly oldReleased: boolean;
}

/**
 * Proposed (open problem 1): the answer of get_pci_tph is valid only until the next invalidation,
 * so at re-map (resv held) ask again. Returns undefined when nothing changes (the caller keeps
 * the mkey as it is). Under `mlx5RequeryReleaseFirst` an unchanged tag keeps its index without a
 * second allocation, and the old index is released before the new one is allocated: the mkey is
 * zapped meanwhile, so no TLP uses it, and a full table still has room for the new tag.
 */
export function mlx5IbDmabufRequeryTph(
  k: Kernel,
  dev: Mlx5IbDev,
  umem: IbUmemDmabuf,
  old: MrTph,
): Requery | undefined {
  umem.dmabuf.resv.assertHeld(k, "mlx5_ib_dmabuf_requery_tph", dev.name);
  const q = queryPciTphLocked(k, dev, umem, umem.dmabuf);
  if (typeof q === "string") return changed(k, dev, old, noTph(k, dev, q), false);
  if (q.ret) return changed(k, dev, old, noTph(k, dev, "exporter has no tag", q.ret), false);
  if (!k.b.mlx5RequeryReleaseFirst) return changed(k, dev, old, mapTag(k, dev, q.st, q.ph), false);
  if (old.source === "dmabuf" && old.tag === q.st && old.ph === q.ph) return undefined;
  mlx5IbPutTph(k, dev, old);
  return { next: mapTag(k, dev, q.st, q.ph), oldReleased: true };
}

/** Undefined when `next` programs the mkey as `old` does (its extra reference dropped). */
function changed(
  k: Kernel,
  dev: Mlx5IbDev,
  old: MrTph,
  next: MrTph,
  oldReleased: boolean,
): Requery | undefined {
  if (next.stIndex === old.stIndex && next.ph === old.ph && next.source === old.source) {
    mlx5IbPutTph(k, dev, next);
    return undefined;
  }
  return { next, oldReleased };
}

/** Drop the ST-table reference an MR's TPH holds (after the mkey stopped using it). */
export function mlx5IbPutTph(k: Kernel, dev: Mlx5IbDev, tph: MrTph): void {
  if (tph.stRef !== undefined) mlx5StDeallocIndex(k, dev.mdev, tph.stRef);
}
