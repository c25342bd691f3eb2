/**
 * Invariants of a quiescent system (no call in flight), computed from the model's real state and
 * reported by name, like a kmemleak/lockdep/refcount sweep at the end of a test:
 *
 * - `no-st-leak`: every mlx5 ST-table entry's use count equals its owners: CPU-bound DMA handles,
 *   plus MRs holding a reference (`tph.stRef`: a dma-buf tag's index; with the series'
 *   mlx5_st_get_index(), `mlx5MrDmahStRef`, also an MR on a CPU-bound DMAH, so such an index
 *   counts 2 for one DMAH and one MR on v11); the hardware table holds its tag, and no
 *   bookkeeping entry was leaked;
 * - `no-ref-leak`: every file's reference count equals its fd-table entries plus the kernel
 *   references (an MR's umem on a dma-buf); vfio device references, DMAH and PD use counts, dma-buf
 *   attachments and NIC mkeys all belong to something alive;
 * - `no-mr-on-revoked-buffer`: no MR keeps a mapping (umem, attachment or mkey translation) of a
 *   revoked dma-buf;
 * - `locks-released`: no reservation lock or vfio memory_lock is held;
 * - `lockdep-clean`: no lockdep-style violation was recorded.
 *
 * Objects are found the way the kernel reaches them: processes' fd tables (uverbs files and their
 * objects, dma-buf and vfio files), the drivers bound to k.pciDevs, and what those point to.
 */
import { TPH } from "../pcie/registers.js";
import type { DmaBuf } from "./dma-buf/dma-buf.js";
import { IB_DMAH_CPU_ID_EXISTS, type IbDevice, type IbDmah, type IbPd } from "./infiniband/core/ib_verbs.js";
import type { IbUverbsFile } from "./infiniband/core/uverbs_main.js";
import { type Mlx5IbDev, Mlx5IbDmah, Mlx5IbMr } from "./infiniband/hw/mlx5/mlx5_ib.js";
import type { File, Kernel } from "./kernel.js";
import { Mlx5CoreDev } from "./net/ethernet/mellanox/mlx5/core/main.js";
import { PCI_TPH_LOC_CAP, pcieTphGetStTableLoc } from "./pci/tph.js";
import { traceHex } from "./trace.js";
import { VfioPciCoreDevice } from "./vfio/pci/vfio_pci_core.js";
import { vfioPciDmaBufPriv } from "./vfio/pci/vfio_pci_dmabuf.js";

export const INVARIANT_NAMES = [
  "no-st-leak",
  "no-ref-leak",
  "no-mr-on-revoked-buffer",
  "locks-released",
  "lockdep-clean",
] as const;
export type InvariantName = (typeof INVARIANT_NAMES)[number];

export interface InvariantResult {
  readonly ok: boolean;
  readonly violations: string[];
}
export type InvariantReport = Record<InvariantName, InvariantResult>;

export interface InvariantOptions {
  /** mlx5 IB devices, to attribute DMA handles to their core device (else learnt from MRs). */
  readonly ibdevs?: readonly Mlx5IbDev[];
}

/** Everything alive, gathered once. */
interface Live {
  /** fd-table references per open file, over every process. */
  readonly fdRefs: Map<File, number>;
  readonly ufiles: IbUverbsFile[];
  readonly mrs: Mlx5IbMr[];
  readonly dmahs: IbDmah[];
  readonly pds: IbPd[];
  readonly dmabufs: Set<DmaBuf>;
  readonly vfios: VfioPciCoreDevice[];
  readonly mdevs: Mlx5CoreDev[];
}

function gather(k: Kernel): Live {
  const fdRefs = new Map<File, number>();
  for (const p of k.processes) for (const f of p.fds.values()) fdRefs.set(f, (fdRefs.get(f) ?? 0) + 1);
  const files = [...fdRefs.keys()];
  const ufiles = files.filter((f) => f.kind === "uverbs").map((f) => f.priv as IbUverbsFile);
  const objs = ufiles.flatMap((u) => [...u.objects.values()]);
  const mrs = objs.flatMap((o) => (o.type === "mr" && o.obj instanceof Mlx5IbMr ? [o.obj] : []));
  const dmahs = objs.flatMap((o) => (o.type === "dmah" ? [o.obj] : []));
  const pds = objs.flatMap((o) => (o.type === "pd" ? [o.obj] : []));
  const vfios = k.pciDevs.flatMap((d) => (d.driverData instanceof VfioPciCoreDevice ? [d.driverData] : []));
  const mdevs = k.pciDevs.flatMap((d) => (d.driverData instanceof Mlx5CoreDev ? [d.driverData] : []));
  const dmabufs = new Set<DmaBuf>();
  for (const f of files) if (f.kind === "dma_buf") dmabufs.add(f.priv as DmaBuf);
  for (const mr of mrs) if (mr.umemDmabuf) dmabufs.add(mr.umemDmabuf.dmabuf);
  for (const v of vfios) for (const p of v.dmabufs) dmabufs.add(p.dmabuf);
  return { fdRefs, ufiles, mrs, dmahs, pds, dmabufs, vfios, mdevs };
}

/** The core device a DMA handle was allocated on. */
function dmahOwner(live: Live, ibdevs: readonly Mlx5IbDev[], device: IbDevice): Mlx5CoreDev | undefined {
  const byIb = ibdevs.find((d) => d.ibdev === device)?.mdev;
  if (byIb) return byIb;
  const byMr = live.mrs.find((mr) => mr.device === device)?.dev.mdev;
  if (byMr) return byMr;
  const withSt = live.mdevs.filter((m) => m.st !== undefined);
  return withSt.length === 1 ? withSt[0] : undefined;
}

function stLeaks(live: Live, ibdevs: readonly Mlx5IbDev[]): string[] {
  const out: string[] = [];
  for (const mdev of live.mdevs) {
    const st = mdev.st;
    if (!st) continue;
    for (const l of st.leaked)
      out.push(`${mdev.name}: bookkeeping of ST index ${l.index} (tag ${traceHex(l.tag)}) never freed`);
    if (st.directMode) continue;
    const cpuDmahs = live.dmahs.filter(
      (d) =>
        d instanceof Mlx5IbDmah && d.has(IB_DMAH_CPU_ID_EXISTS) && dmahOwner(live, ibdevs, d.device) === mdev,
    ) as Mlx5IbDmah[];
    const mrs = live.mrs.filter((mr) => mr.dev.mdev === mdev);
    for (const [index, data] of st.idxXa) {
      const owners =
        mrs.filter((mr) => mr.tph.stRef === index).length +
        cpuDmahs.filter((d) => d.stIndex === index).length;
      if (data.usecount !== owners)
        out.push(
          `${mdev.name}: ST index ${index} (tag ${traceHex(data.tag)}) use count ${data.usecount}, owners ${owners}`,
        );
      const pdev = mdev.pdev;
      if (pdev.tphEnabled && pcieTphGetStTableLoc(pdev) === PCI_TPH_LOC_CAP) {
        const hw = pdev.cfg.read16(pdev.tphCap + TPH.ST_TABLE + 2 * index);
        if (hw !== data.tag)
          out.push(`${mdev.name}: ST table entry ${index} holds ${traceHex(hw)}, not ${traceHex(data.tag)}`);
      }
    }
    for (const mr of mrs) {
      if (mr.tph.stRef !== undefined && !st.idxXa.has(mr.tph.stRef))
        out.push(`${mdev.name}: mkey ${traceHex(mr.key)} refers to ST index ${mr.tph.stRef}, which is free`);
    }
  }
  return out;
}

function fileLeaks(live: Live): string[] {
  const out: string[] = [];
  const umemRefs = (b: DmaBuf) => live.mrs.filter((mr) => mr.umemDmabuf?.dmabuf === b).length;
  for (const b of live.dmabufs) {
    const name = `dma-buf ${b.id}`;
    if (b.released) {
      if (umemRefs(b) > 0) out.push(`${name} released while an MR still holds it`);
      continue;
    }
    const want = (live.fdRefs.get(b.file) ?? 0) + umemRefs(b);
    if (b.file.count !== want) out.push(`${name}: ${b.file.count} references, ${want} holders (fds + MRs)`);
    for (const a of b.attachments) {
      if (!live.mrs.some((mr) => mr.umemDmabuf?.attach === a))
        out.push(`${name}: attachment of ${a.dev} belongs to no live MR`);
    }
  }
  for (const [f, n] of live.fdRefs) {
    if (f.kind !== "dma_buf" && f.count !== n) out.push(`${f.kind} file: ${f.count} references, ${n} fds`);
  }
  return out;
}

function objectLeaks(live: Live): string[] {
  const out: string[] = [];
  for (const v of live.vfios) {
    const files = [...live.fdRefs.keys()].filter((f) => f.kind === "vfio-device" && f.priv === v.vdev).length;
    const bufs = v.dmabufs.filter((p) => !p.dmabuf.released).length;
    if (v.vdev.refcount !== 1 + files + bufs)
      out.push(`vfio ${v.name}: refcount ${v.vdev.refcount}, want 1 + ${files} files + ${bufs} dma-bufs`);
  }
  for (const d of live.dmahs) {
    const users = live.mrs.filter((mr) => mr.dmah === d).length;
    if (d.usecnt !== users) out.push(`DMAH on ${d.device.name}: use count ${d.usecnt}, ${users} MRs`);
  }
  for (const pd of live.pds) {
    const users = live.mrs.filter((mr) => mr.pd === pd).length;
    if (pd.usecnt !== users) out.push(`PD ${pd.pdn}: use count ${pd.usecnt}, ${users} MRs`);
  }
  for (const mdev of live.mdevs) {
    const keys = new Set(live.mrs.filter((mr) => mr.dev.mdev === mdev).map((mr) => mr.key));
    for (const m of mdev.hw.mkeys.values())
      if (!keys.has(m.key)) out.push(`${mdev.name}: mkey ${traceHex(m.key)} belongs to no live MR`);
    for (const key of keys)
      if (!mdev.hw.mkeyByKey(key)) out.push(`${mdev.name}: live MR's mkey ${traceHex(key)} is gone`);
  }
  return out;
}

function revokedMappings(live: Live): string[] {
  const out: string[] = [];
  for (const mr of live.mrs) {
    const umem = mr.umemDmabuf;
    if (!umem || !vfioPciDmaBufPriv(umem.dmabuf)?.revoked) continue;
    const what = `mkey ${traceHex(mr.key)} on revoked dma-buf ${umem.dmabuf.id}`;
    if (umem.sgt || umem.attach.sgt) out.push(`${what}: still mapped`);
    if (mr.dev.mdev.hw.mkeyByKey(mr.key)?.xltValid) out.push(`${what}: translation still valid`);
  }
  return out;
}

function memoryLockHolder(v: VfioPciCoreDevice): string | undefined {
  return v.memoryLock.heldBy();
}

function heldLocks(live: Live): string[] {
  const out: string[] = [];
  for (const b of live.dmabufs)
    if (b.resv.isHeld()) out.push(`dma-buf ${b.id}: reservation lock held by ${b.resv.heldBy()}`);
  for (const v of live.vfios) {
    const h = memoryLockHolder(v);
    if (h !== undefined) out.push(`vfio ${v.name}: memory_lock held by ${h}`);
  }
  return out;
}

const result = (violations: string[]): InvariantResult => ({ ok: violations.length === 0, violations });

/** Every invariant of the system `k`, by name. */
export function checkInvariants(k: Kernel, opts: InvariantOptions = {}): InvariantReport {
  const live = gather(k);
  return {
    "no-st-leak": result(stLeaks(live, opts.ibdevs ?? [])),
    "no-ref-leak": result([...fileLeaks(live), ...objectLeaks(live)]),
    "no-mr-on-revoked-buffer": result(revokedMappings(live)),
    "locks-released": result(heldLocks(live)),
    "lockdep-clean": result([...k.violations]),
  };
}

/** The violations of a report, each prefixed by its invariant's name. */
export function invariantViolations(r: InvariantReport): string[] {
  return INVARIANT_NAMES.flatMap((n) => r[n].violations.map((v) => `${n}: ${v}`));
}
