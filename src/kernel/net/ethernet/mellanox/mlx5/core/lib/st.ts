/**
 * drivers/net/ethernet/mellanox/mlx5/core/lib/st.c: the mlx5 steering-tag table
 * (linux-tph-stack.md section 2).
 *
 * Direct mode (no ST table in the TPH capability): the tag itself is the mkey's ST index.
 * Table mode: entry 0 is reserved for "no steering tag"; indexes 1..size-1 are handed out, one per
 * distinct tag, refcounted, and the tag is written into the capability's ST table. Mainline's last
 * dealloc erases the index but never frees its bookkeeping (`mlx5StBookkeepingLeak`, open
 * problem 5): the leaked entries are kept in `leaked`, as kmemleak would report them.
 */

import { MLX5_MKC_PCIE_TPH_NO_STEERING_TAG_INDEX } from "../../../../../../../hw/mlx5/ifc.js";
import { EBUSY, EINVAL, EOPNOTSUPP } from "../../../../../../errno.js";
import type { Kernel } from "../../../../../../kernel.js";
import {
  PCI_TPH_LOC_NONE,
  PCI_TPH_ST_DS_MODE,
  pcieDisableTph,
  pcieEnableTph,
  pcieTphGetStTableLoc,
  pcieTphGetStTableSize,
  pcieTphSetStEntry,
} from "../../../../../../pci/tph.js";
import { pcieTphGetCpuSt } from "../../../../../../pci/tph-cpu-st.js";
import { traceHex } from "../../../../../../trace.js";
import type { Mlx5CoreDev } from "../main.js";

/** struct mlx5_st_idx_data */
export interface Mlx5StIdxData {
  usecount: number;
  readonly tag: number;
}

/** struct mlx5_st */
export class Mlx5St {
  /** idx_xa: index -> entry, ordered by index like an xarray walk. */
  readonly idxXa = new Map<number, Mlx5StIdxData>();
  /** Bookkeeping entries erased from idx_xa but never freed (the mainline leak). */
  readonly leaked: { readonly index: number; readonly tag: number }[] = [];
  constructor(
    readonly directMode: boolean,
    /** xa_limit: allocatable indexes (table mode). */
    readonly indexLimit: { readonly min: number; readonly max: number },
  ) {}
}

function trace(
  k: Kernel,
  mdev: Mlx5CoreDev,
  fn: string,
  args: Record<string, number | boolean | string>,
  ret: number,
) {
  return k.trace.ret(fn, { dev: mdev.name, args }, ret);
}

/** mlx5_st_create(): NULL (undefined) unless the firmware and the function support TPH. */
export function mlx5StCreate(k: Kernel, mdev: Mlx5CoreDev): Mlx5St | undefined {
  const pdev = mdev.pdev;
  if (!mdev.hw.caps.mkeyPcieTph) return undefined;
  if (!pdev.tphCap) return undefined;
  const directMode = pcieTphGetStTableLoc(pdev) === PCI_TPH_LOC_NONE;
  const numEntries = directMode ? 0 : pcieTphGetStTableSize(pdev);
  // Table mode needs entry 0 for "no steering tag" plus at least one usable entry.
  if (!directMode && numEntries < 2) {
    k.trace.emit("mlx5_st_create", {
      dev: mdev.name,
      args: { entries: numEntries },
      note: "ST table too small",
    });
    return undefined;
  }
  // mlx5 always uses Device Specific mode; a kernel that refuses TPH leaves the NIC without it.
  const ret = pcieEnableTph(k, pdev, PCI_TPH_ST_DS_MODE);
  if (ret) {
    k.trace.emit("mlx5_st_create", { dev: mdev.name, ret, note: "pcie_enable_tph failed" });
    return undefined;
  }
  const st = new Mlx5St(directMode, {
    min: MLX5_MKC_PCIE_TPH_NO_STEERING_TAG_INDEX + 1,
    max: directMode ? 0 : numEntries - 1,
  });
  k.trace.emit("mlx5_st_create", {
    dev: mdev.name,
    args: { direct: directMode, entries: numEntries },
    ret: 0,
  });
  return st;
}

/** mlx5_st_destroy(): disables TPH; entries still allocated are a driver bug (WARN). */
export function mlx5StDestroy(k: Kernel, mdev: Mlx5CoreDev): void {
  const st = mdev.st;
  if (!st) return;
  pcieDisableTph(k, mdev.pdev);
  if (st.idxXa.size)
    k.trace.emit("WARN", { dev: mdev.name, note: `mlx5_st_destroy: ${st.idxXa.size} ST entries in use` });
  mdev.st = undefined;
}

/**
 * mlx5_st_alloc_index_by_tag() (split out by the series): the mkey ST index for `tag`.
 * Direct mode: the tag itself (a tag wider than the 8-bit mkey field is rejected under
 * `mlx5Direct16BitTag: "reject"`, else handed back whole for the caller to truncate).
 * Table mode: reuse an entry with an equal tag, else allocate the lowest free index (-EBUSY when
 * full) and write the tag into the ST table, unwinding on error.
 */
export function mlx5StAllocIndexByTag(
  k: Kernel,
  mdev: Mlx5CoreDev,
  tag: number,
): { ret: number; index: number } {
  const st = mdev.st;
  const fn = "mlx5_st_alloc_index_by_tag";
  if (!st) return { ret: trace(k, mdev, fn, { tag: traceHex(tag) }, -EOPNOTSUPP), index: 0 };
  if (st.directMode) {
    if (tag > 0xff && k.b.mlx5Direct16BitTag === "reject") {
      k.trace.emit("mlx5_st_tag_too_wide", { dev: mdev.name, args: { tag: traceHex(tag), bits: 8 } });
      return { ret: trace(k, mdev, fn, { tag: traceHex(tag) }, -EINVAL), index: 0 };
    }
    trace(k, mdev, fn, { tag: traceHex(tag), index: tag, direct: true }, 0);
    return { ret: 0, index: tag };
  }
  for (const [index, data] of st.idxXa) {
    if (data.tag === tag) {
      data.usecount++;
      trace(k, mdev, fn, { tag: traceHex(tag), index, refs: data.usecount }, 0);
      return { ret: 0, index };
    }
  }
  let index = st.indexLimit.min;
  while (index <= st.indexLimit.max && st.idxXa.has(index)) index++;
  // xa_alloc() answers -EBUSY when no index within the limit is free.
  if (index > st.indexLimit.max) return { ret: trace(k, mdev, fn, { tag: traceHex(tag) }, -EBUSY), index: 0 };
  st.idxXa.set(index, { usecount: 1, tag });
  const ret = pcieTphSetStEntry(k, mdev.pdev, index, tag);
  if (ret) {
    st.idxXa.delete(index);
    return { ret: trace(k, mdev, fn, { tag: traceHex(tag), index }, ret), index: 0 };
  }
  trace(k, mdev, fn, { tag: traceHex(tag), index, refs: 1 }, 0);
  return { ret: 0, index };
}

/** mlx5_st_alloc_index(): the ST index for a CPU's memory (the DMAH path). */
export function mlx5StAllocIndex(
  k: Kernel,
  mdev: Mlx5CoreDev,
  memType: number,
  cpu: number,
): { ret: number; index: number } {
  if (!mdev.st)
    return { ret: trace(k, mdev, "mlx5_st_alloc_index", { memType, cpu }, -EOPNOTSUPP), index: 0 };
  const { ret, tag } = pcieTphGetCpuSt(k, mdev.pdev, memType, cpu);
  if (ret) return { ret: trace(k, mdev, "mlx5_st_alloc_index", { memType, cpu }, ret), index: 0 };
  return mlx5StAllocIndexByTag(k, mdev, tag);
}

/** mlx5_st_get_index() (added by the series): one more reference on an allocated index. */
export function mlx5StGetIndex(k: Kernel, mdev: Mlx5CoreDev, index: number): number {
  const st = mdev.st;
  if (!st) return trace(k, mdev, "mlx5_st_get_index", { index }, -EOPNOTSUPP);
  if (st.directMode) return 0;
  const data = st.idxXa.get(index);
  if (!data) return trace(k, mdev, "mlx5_st_get_index", { index }, -EINVAL);
  data.usecount++;
  return trace(k, mdev, "mlx5_st_get_index", { index, refs: data.usecount }, 0);
}

/**
 * mlx5_st_dealloc_index(): drop one reference; the last one erases the index. The hardware table
 * entry keeps its old value ("no mkey will refer to it").
 */
export function mlx5StDeallocIndex(k: Kernel, mdev: Mlx5CoreDev, index: number): number {
  const st = mdev.st;
  const fn = "mlx5_st_dealloc_index";
  if (!st) return trace(k, mdev, fn, { index }, -EOPNOTSUPP);
  if (st.directMode) return 0;
  const data = st.idxXa.get(index);
  if (!data) {
    k.trace.emit("WARN", { dev: mdev.name, note: `${fn}: unknown index ${index}` });
    return trace(k, mdev, fn, { index }, -EINVAL);
  }
  data.usecount--;
  if (data.usecount === 0) {
    st.idxXa.delete(index);
    if (k.b.mlx5StBookkeepingLeak) {
      st.leaked.push({ index, tag: data.tag });
      k.trace.emit("kmemleak", {
        dev: mdev.name,
        args: { index, tag: traceHex(data.tag) },
        note: "mlx5_st_idx_data not freed",
      });
    }
  }
  return trace(k, mdev, fn, { index, refs: data.usecount }, 0);
}
