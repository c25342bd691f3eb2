/** The whole P2P flow, end to end, on each revision: the shape the facade will drive. */
import { describe, expect, it } from "vitest";
import { VFIO_DMA_BUF_TPH_ST, VFIO_DMA_BUF_TPH_ST_EXT } from "../../../src/kernel/include/uapi/linux/vfio.js";
import { IB_ACCESS } from "../../../src/kernel/infiniband/core/ib_verbs.js";
import { ibUverbsAllocPd } from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import { uverbsRegMr } from "../../../src/kernel/infiniband/core/uverbs_std_types_mr.js";
import { mlx5IbPageFault } from "../../../src/kernel/infiniband/hw/mlx5/odp.js";
import { vfioPciConfigWrite } from "../../../src/kernel/vfio/pci/vfio_pci_config.js";
import { bootTestbed, exportDmaBuf, mkeyOf, openBoth, setDmaBufTph } from "./testbed.js";

const ACCESS = IB_ACCESS.LOCAL_WRITE | IB_ACCESS.REMOTE_WRITE | IB_ACCESS.REMOTE_READ;

describe("P2P flow: export, SET TPH, register, revoke, re-SET", () => {
  it("v11 programs the tag, keeps the old one after revoke + new SET (open problem 1)", () => {
    const t = bootTestbed({ revision: "v11" });
    const { k } = t;
    const { devFd, ufd } = openBoth(t);
    const dmabufFd = exportDmaBuf(k, devFd, { ranges: [{ offset: 0, length: 0x200000 }] });
    expect(dmabufFd).toBeGreaterThan(2);
    const flags = VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT;
    expect(setDmaBufTph(k, devFd, { fd: dmabufFd, flags, st: 0x21, stExt: 0x4321, ph: 2 })).toBe(0);
    const pd = ibUverbsAllocPd(k, ufd);
    const mr = uverbsRegMr(k, ufd, {
      pd,
      iova: 0n,
      length: 0x200000n,
      access: ACCESS,
      fd: dmabufFd,
      fdOffset: 0n,
    });
    expect(mr.ret).toBe(0);
    let mkey = mkeyOf(t, ufd, mr.handle)!;
    expect(mkey.fields).toMatchObject({ tphEn: true, tphPh: 2, tphStIndex: 1 });
    expect(t.nicHw.tlpHints(mkey.index)).toEqual({ th: true, ph: 2, st: 0x4321, prefix: true });
    expect(mkey.xlt).toEqual([{ addr: 0x40_0000_0000n, len: 0x200000n }]);
    // Memory decoding off: revoked, the NIC's mapping zapped.
    vfioPciConfigWrite(k, devFd, 0x04, 2, 0x0004);
    expect(mkeyOf(t, ufd, mr.handle)!.xltValid).toBe(false);
    expect(mlx5IbPageFault(k, t.ib, mr.lkey)).toBe(-19);
    vfioPciConfigWrite(k, devFd, 0x04, 2, 0x0006);
    expect(setDmaBufTph(k, devFd, { fd: dmabufFd, flags, st: 0x22, stExt: 0x5555, ph: 1 })).toBe(0);
    expect(mlx5IbPageFault(k, t.ib, mr.lkey)).toBe(0);
    mkey = mkeyOf(t, ufd, mr.handle)!;
    expect(mkey.xltValid).toBe(true);
    expect(t.nicHw.tlpHints(mkey.index)).toEqual({ th: true, ph: 2, st: 0x4321, prefix: true });
  });

  it("proposed re-queries at re-map and sends the new tag", () => {
    const t = bootTestbed({ revision: "proposed" });
    const { k } = t;
    const { devFd, ufd } = openBoth(t);
    const dmabufFd = exportDmaBuf(k, devFd);
    const flags = VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT;
    setDmaBufTph(k, devFd, { fd: dmabufFd, flags, st: 0x21, stExt: 0x4321, ph: 2 });
    const pd = ibUverbsAllocPd(k, ufd);
    const mr = uverbsRegMr(k, ufd, {
      pd,
      iova: 0n,
      length: 0x10000n,
      access: ACCESS,
      fd: dmabufFd,
      fdOffset: 0n,
    });
    vfioPciConfigWrite(k, devFd, 0x04, 2, 0x0004);
    vfioPciConfigWrite(k, devFd, 0x04, 2, 0x0006);
    setDmaBufTph(k, devFd, { fd: dmabufFd, flags, st: 0x22, stExt: 0x5555, ph: 1 });
    expect(mlx5IbPageFault(k, t.ib, mr.lkey)).toBe(0);
    const mkey = mkeyOf(t, ufd, mr.handle)!;
    expect(t.nicHw.tlpHints(mkey.index)).toEqual({ th: true, ph: 1, st: 0x5555, prefix: true });
    // The old table entry was released: one entry in use, no leak.
    expect([...t.nic.st!.idxXa.values()]).toEqual([{ usecount: 1, tag: 0x5555 }]);
    expect(t.nic.st!.leaked).toEqual([]);
  });
});
