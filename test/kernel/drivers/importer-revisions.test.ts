/**
 * The mlx5 dma-buf importer per revision (series.md; linux-tph-stack.md sections 2 and 4):
 * rfc's fd-again lookup, get_tph and raw tag as index; v11's namespace choice, silent fallback
 * and table-mode references; the proposed fixes.
 */
import { describe, expect, it } from "vitest";
import { dmaBufExport, dmaBufFd } from "../../../src/kernel/dma-buf/dma-buf.js";
import {
  VFIO_DMA_BUF_TPH_ST as ST,
  VFIO_DMA_BUF_TPH_ST_EXT as ST_EXT,
} from "../../../src/kernel/include/uapi/linux/vfio.js";
import { IB_ACCESS } from "../../../src/kernel/infiniband/core/ib_verbs.js";
import { ibUverbsAllocPd, ibUverbsDeregMr } from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import { uverbsRegMr } from "../../../src/kernel/infiniband/core/uverbs_std_types_mr.js";
import { mlx5IbPageFault } from "../../../src/kernel/infiniband/hw/mlx5/odp.js";
import { fput, getFile, type Kernel } from "../../../src/kernel/kernel.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { vfioPciConfigWrite } from "../../../src/kernel/vfio/pci/vfio_pci_config.js";
import { vfioPciCoreRegisterDevice, vfioPciOpen } from "../../../src/kernel/vfio/pci/vfio_pci_core.js";
import {
  bootTestbed,
  exportDmaBuf,
  mkeyOf,
  NIC_TPH_DIRECT,
  openBoth,
  setDmaBufTph,
  type TestbedOptions,
} from "./testbed.js";

const LW = IB_ACCESS.LOCAL_WRITE;

/** dup2(oldfd, newfd) on the current process's table. */
function dup2(k: Kernel, oldfd: number, newfd: number): void {
  const f = k.fds.get(oldfd)!;
  const prev = k.fds.get(newfd);
  k.fds.set(newfd, getFile(f));
  if (prev) fput(k, prev);
}

function setup(o: TestbedOptions & { st?: number; ph?: number } = {}) {
  const t = bootTestbed(o);
  const { devFd, ufd } = openBoth(t);
  const pd = ibUverbsAllocPd(t.k, ufd);
  const dmabufFd = exportDmaBuf(t.k, devFd, {
    ranges: [{ offset: 0, length: 0x10000 }],
    st: o.st ?? 0,
    ph: o.ph ?? 0,
  });
  const reg = (fd = dmabufFd) =>
    uverbsRegMr(t.k, ufd, { pd, iova: 0n, length: 0x1000n, access: LW, fd, fdOffset: 0n });
  const mkey = (handle: number) => mkeyOf(t, ufd, handle)!;
  const hints = (handle: number) => t.nicHw.tlpHints(mkey(handle).index);
  const set = (flags: number, st = 0, stExt = 0, ph = 0) =>
    setDmaBufTph(t.k, devFd, { fd: dmabufFd, flags, st, stExt, ph });
  return { ...t, devFd, ufd, pd, dmabufFd, reg, mkey, hints, set };
}

describe("mainline: no dma-buf TPH", () => {
  it("an MR on a dma-buf gets no TPH; the exporter is never asked", () => {
    const s = setup({ revision: "mainline" });
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
    expect(s.k.trace.events("dma_buf_get_pci_tph")).toEqual([]);
    expect(s.k.trace.events("dma_buf_get_tph")).toEqual([]);
  });
});

describe("rfc", () => {
  it("no tag was given: get_tph still returns 0, so TPH is on with ST 0 / PH 0", () => {
    const s = setup({ revision: "rfc" });
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields).toMatchObject({ tphEn: true, tphPh: 0, tphStIndex: 0 });
    expect(s.k.trace.last("dma_buf_get_tph")?.ret).toBe(0);
  });

  it("the raw tag is written as the ST index: right in direct mode", () => {
    const s = setup({ revision: "rfc", nicTph: NIC_TPH_DIRECT, st: 0x42, ph: 2 });
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields).toMatchObject({ tphEn: true, tphPh: 2, tphStIndex: 0x42 });
    expect(s.hints(mr.handle)).toEqual({ th: true, ph: 2, st: 0x42, prefix: false });
  });

  it("the raw tag as an index in table mode selects the wrong entry (no table entry is allocated)", () => {
    const s = setup({ revision: "rfc", st: 0x05, ph: 1 });
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields.tphStIndex).toBe(5);
    expect(s.nic.st!.idxXa.size).toBe(0);
    expect(s.hints(mr.handle)).toEqual({ th: true, ph: 1, st: 0, prefix: false });
  });

  it("a 16-bit tag is cut to the 8-bit field by the hardware", () => {
    const s = setup({ revision: "rfc", nicTph: NIC_TPH_DIRECT, st: 0x1234, ph: 3 });
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields.tphStIndex).toBe(0x34);
  });

  it("TOCTOU: another dma-buf dup'ed onto the fd between the two lookups lends its tag", () => {
    const s = setup({ revision: "rfc", nicTph: NIC_TPH_DIRECT, st: 0x11, ph: 1, sibling: "unbound" });
    const sib = vfioPciCoreRegisterDevice(s.k, s.k.pciDev("0000:04:00.1")!);
    if (typeof sib === "number") throw new Error("bind");
    const otherFd = exportDmaBuf(s.k, vfioPciOpen(s.k, sib), { st: 0x99, ph: 3 });
    s.ib.faults.beforeTphFdLookup = (k, fd) => dup2(k, otherFd, fd);
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    const mkey = s.mkey(mr.handle);
    // Memory from the accelerator's buffer, tag from the sibling's.
    expect(mkey.xlt[0]?.addr).toBe(0x40_0000_0000n);
    expect(mkey.fields).toMatchObject({ tphStIndex: 0x99, tphPh: 3 });
    expect(s.k.trace.last("mlx5_ib_dmabuf_fd_changed")?.note).toBe("tag taken from another dma-buf");
  });

  it("TOCTOU: the fd now names another exporter's buffer (no get_tph) -> no TPH, registration still works", () => {
    const s = setup({ revision: "rfc", st: 0x11, ph: 1 });
    const ops = { mapDmaBuf: () => ({ ret: 0, sgt: { sgl: [] } }), unmapDmaBuf: () => {}, release: () => {} };
    const foreign = dmaBufExport(s.k, { exporter: "test", ops, size: 4096, priv: {} }).dmabuf;
    const foreignFd = dmaBufFd(s.k, foreign);
    s.ib.faults.beforeTphFdLookup = (k, fd) => dup2(k, foreignFd, fd);
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
  });

  it("TOCTOU: the fd was closed -> the second lookup fails -> no TPH", () => {
    const s = setup({ revision: "rfc", st: 0x11, ph: 1 });
    s.ib.faults.beforeTphFdLookup = (k, fd) => void k.fdClose(fd);
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
  });
});

describe("v11", () => {
  it("v11 asks the umem's own buffer: the fault hook never runs", () => {
    const s = setup({ revision: "v11" });
    let ran = false;
    s.ib.faults.beforeTphFdLookup = () => {
      ran = true;
    };
    s.set(ST | ST_EXT, 0x12, 0x3456, 2);
    s.reg();
    expect(ran).toBe(false);
  });

  it.each<[string, TestbedOptions, number, boolean]>([
    ["NIC negotiated EXT_TPH -> 16-bit namespace", { rpCompleter: 3 }, 0x3456, true],
    ["NIC negotiated TPH_ONLY (Root Port) -> 8-bit namespace", { rpCompleter: 1 }, 0x12, false],
    [
      "NIC cannot send Extended TPH -> 8-bit namespace",
      { nicTph: { modes: ["ns", "ds"], location: "cap", tableSize: 8 } },
      0x12,
      false,
    ],
  ])("%s", (_n, o, tag, ext) => {
    const s = setup(o);
    s.set(ST | ST_EXT, 0x12, 0x3456, 2);
    const mr = s.reg();
    expect(s.k.trace.last("dma_buf_get_pci_tph")?.args).toMatchObject({ extended: ext });
    expect(s.nic.st!.idxXa.get(1)?.tag).toBe(tag);
    expect(s.hints(mr.handle)).toMatchObject({ th: true, ph: 2, st: tag });
    expect(s.k.violations).toEqual([]);
  });

  it.each<[string, TestbedOptions, (s: ReturnType<typeof setup>) => void]>([
    ["no SET at all", {}, () => {}],
    ["only the other namespace was set", {}, (s) => void s.set(ST, 0x12, 0, 1)],
    [
      "flags 0 cleared the tags",
      {},
      (s) => {
        s.set(ST_EXT, 0, 0x3456, 1);
        s.set(0);
      },
    ],
    ["the NIC has TPH disabled", { rpCompleter: 0 }, (s) => void s.set(ST | ST_EXT, 1, 2, 1)],
  ])("silent fallback to no TPH: %s", (_n, o, prep) => {
    const s = setup(o);
    prep(s);
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
    expect(s.k.trace.events("mlx5_ib_dmabuf_no_tph")).toHaveLength(1);
  });

  it("ST table full -> that MR falls back to no TPH", () => {
    const s = setup({ nicTph: { modes: ["ns", "ds"], ext: true, location: "cap", tableSize: 2 } });
    s.set(ST_EXT, 0, 0x1111, 1);
    const a = s.reg();
    s.set(ST_EXT, 0, 0x2222, 1);
    const b = s.reg();
    expect(s.mkey(a.handle).fields.tphEn).toBe(true);
    expect(s.mkey(b.handle).fields.tphEn).toBe(false);
    expect(s.k.trace.last("mlx5_st_alloc_index_by_tag")?.ret).toBe(-16);
  });

  it("table mode: equal tags share one refcounted entry held for each MR's life", () => {
    const s = setup();
    s.set(ST_EXT, 0, 0x0777, 2);
    const a = s.reg();
    const b = s.reg();
    expect(s.mkey(a.handle).fields.tphStIndex).toBe(1);
    expect(s.mkey(b.handle).fields.tphStIndex).toBe(1);
    expect(s.nic.st!.idxXa.get(1)?.usecount).toBe(2);
    ibUverbsDeregMr(s.k, s.ufd, a.handle);
    expect(s.nic.st!.idxXa.get(1)?.usecount).toBe(1);
    ibUverbsDeregMr(s.k, s.ufd, b.handle);
    expect(s.nic.st!.idxXa.size).toBe(0);
    expect(s.nic.st!.leaked).toEqual([{ index: 1, tag: 0x0777 }]);
  });

  it("direct mode: a 16-bit tag is truncated into the 8-bit index field (open problem 4)", () => {
    const s = setup({ nicTph: NIC_TPH_DIRECT });
    s.set(ST_EXT, 0, 0x1234, 1);
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields.tphStIndex).toBe(0x34);
    expect(s.hints(mr.handle)).toEqual({ th: true, ph: 1, st: 0x34, prefix: false });
  });

  it("peer completer is TPH-only but the NIC negotiated EXT with the Root Port: no TPH (open problem 2)", () => {
    const s = setup({ accCompleter: 1 });
    expect(s.set(ST, 0x12, 0, 2)).toBe(0);
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
  });
});

describe("proposed", () => {
  it("the peer's completer type lowers the namespace: the 8-bit tag is used", () => {
    const s = setup({ revision: "proposed", accCompleter: 1 });
    s.set(ST, 0x12, 0, 2);
    const mr = s.reg();
    expect(s.k.trace.last("dma_buf_get_pci_tph")?.args).toMatchObject({ extended: false });
    expect(s.hints(mr.handle)).toEqual({ th: true, ph: 2, st: 0x12, prefix: false });
  });

  it("direct mode: a 16-bit tag is rejected, never truncated: no TPH and a trace event", () => {
    const s = setup({ revision: "proposed", nicTph: NIC_TPH_DIRECT });
    s.set(ST_EXT, 0, 0x1234, 1);
    const mr = s.reg();
    expect(mr.ret).toBe(0);
    expect(s.mkey(mr.handle).fields.tphEn).toBe(false);
    expect(s.k.trace.events("mlx5_st_tag_too_wide")).toHaveLength(1);
  });

  it("after a revoke the tag is asked again at re-map; a cleared tag turns TPH off and frees the entry", () => {
    const s = setup({ revision: "proposed" });
    s.set(ST_EXT, 0, 0x0abc, 1);
    const mr = s.reg();
    expect(s.mkey(mr.handle).fields.tphEn).toBe(true);
    vfioPciConfigWrite(s.k, s.devFd, 0x04, 2, 0x0004);
    s.set(0);
    vfioPciConfigWrite(s.k, s.devFd, 0x04, 2, 0x0006);
    expect(mlx5IbPageFault(s.k, s.ib, mr.lkey)).toBe(0);
    expect(s.mkey(mr.handle).fields).toMatchObject({ tphEn: false, tphPh: 0, tphStIndex: 0 });
    expect(s.nic.st!.idxXa.size).toBe(0);
    expect(s.nic.st!.leaked).toEqual([]);
  });

  it("an unchanged tag keeps the mkey and the single reference", () => {
    const s = setup({ revision: "proposed" });
    s.set(ST_EXT, 0, 0x0abc, 1);
    const mr = s.reg();
    vfioPciConfigWrite(s.k, s.devFd, 0x04, 2, 0x0004);
    vfioPciConfigWrite(s.k, s.devFd, 0x04, 2, 0x0006);
    mlx5IbPageFault(s.k, s.ib, mr.lkey);
    expect(s.nic.st!.idxXa.get(1)).toEqual({ usecount: 1, tag: 0x0abc });
    expect(s.k.trace.events("mlx5r_umr_update_tph")).toEqual([]);
  });

  it.each<[RevisionName, number]>([
    ["v11", 1],
    ["proposed", 0],
  ])("deregistering the last MR of a tag: %s leaks %d bookkeeping entries", (revision, n) => {
    const s = setup({ revision });
    s.set(ST_EXT, 0, 0x0abc, 1);
    const mr = s.reg();
    ibUverbsDeregMr(s.k, s.ufd, mr.handle);
    expect(s.nic.st!.leaked).toHaveLength(n);
  });
});
