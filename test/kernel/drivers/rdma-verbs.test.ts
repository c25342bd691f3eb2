/**
 * RDMA verbs (linux-tph-stack.md section 3): DMAH allocation checks and use counts, MR
 * registration from an address or a dma-buf fd, each check in order, DMAH precedence, ODP and
 * re-registration limits.
 */
import { describe, expect, it } from "vitest";
import {
  EBADF,
  EBUSY,
  EFAULT,
  EINVAL,
  ENOENT,
  EOPNOTSUPP,
  EPERM,
  EPROTONOSUPPORT,
} from "../../../src/kernel/errno.js";
import { VFIO_DMA_BUF_TPH_ST, VFIO_DMA_BUF_TPH_ST_EXT } from "../../../src/kernel/include/uapi/linux/vfio.js";
import {
  IB_ACCESS,
  IB_MR_REREG,
  IbDevice,
  type IbDeviceOps,
} from "../../../src/kernel/infiniband/core/ib_verbs.js";
import {
  ibUverbsAllocPd,
  ibUverbsDeallocPd,
  ibUverbsDeregMr,
  ibUverbsOpenDevice,
  ibUverbsRegMr,
  ibUverbsReregMr,
  uverbsMrObject,
} from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import {
  type DmahAllocAttrs,
  uverbsDmahAlloc,
  uverbsDmahFree,
  uverbsDmahObject,
} from "../../../src/kernel/infiniband/core/uverbs_std_types_dmah.js";
import {
  type RegMrAttrs,
  uverbsRegDmabufMr,
  uverbsRegMr,
} from "../../../src/kernel/infiniband/core/uverbs_std_types_mr.js";
import type { Mlx5IbDmah } from "../../../src/kernel/infiniband/hw/mlx5/mlx5_ib.js";
import { mlx5IbPageFault } from "../../../src/kernel/infiniband/hw/mlx5/odp.js";
import { bootTestbed, exportDmaBuf, mkeyOf, openBoth, setDmaBufTph, type TestbedOptions } from "./testbed.js";

const LW = IB_ACCESS.LOCAL_WRITE;
const RW = IB_ACCESS.REMOTE_WRITE;
const stInfo = { "1": { vm: { st: 0x11, xst: 0x0a11 } }, "3": { vm: { st: 0x33, xst: 0x0b33 } } };

function verbs(o: TestbedOptions = {}) {
  const t = bootTestbed({ stInfo, ...o });
  const { devFd, ufd } = openBoth(t);
  const pd = ibUverbsAllocPd(t.k, ufd);
  const dmabufFd = exportDmaBuf(t.k, devFd, { ranges: [{ offset: 0, length: 0x10000 }] });
  return { ...t, devFd, ufd, pd, dmabufFd };
}

type Verbs = ReturnType<typeof verbs>;

/** One page at user address 0x7000_1000 (iova 0x1000), local write, with `dmah`. */
function addrMr(t: Verbs, dmah: number) {
  return uverbsRegMr(t.k, t.ufd, {
    pd: t.pd,
    iova: 0x1000n,
    length: 0x1000n,
    access: LW,
    addr: 0x7000_1000n,
    dmah,
  });
}

/** The first page of the testbed's dma-buf, local write, with `dmah`. */
function dmabufMr(t: Verbs, dmah: number) {
  return uverbsRegMr(t.k, t.ufd, {
    pd: t.pd,
    iova: 0n,
    length: 0x1000n,
    access: LW,
    fd: t.dmabufFd,
    fdOffset: 0n,
    dmah,
  });
}

/** A device with only the mandatory ops: no DMAH, no dma-buf MRs. */
function bareDevice() {
  const ops: IbDeviceOps = {
    allocPd: () => 0,
    deallocPd: () => 0,
    regUserMr: () => -EOPNOTSUPP,
    deregMr: () => 0,
  };
  return new IbDevice("bare_0", ops);
}

describe("DMAH allocation: each check in order", () => {
  const rows: [string, DmahAllocAttrs, number][] = [
    [
      "mem_type outside the enum -> -EOPNOTSUPP (parsing, before the CPU checks)",
      { memType: 2, cpuId: 99, ph: 9 },
      -EOPNOTSUPP,
    ],
    ["cpu_id >= nr_cpu_ids -> -EINVAL (before -EPERM)", { cpuId: 8, memType: 0, ph: 1 }, -EINVAL],
    [
      "CPU not allowed for the caller -> -EPERM (before the PH check)",
      { cpuId: 5, memType: 0, ph: 4 },
      -EPERM,
    ],
    ["ph & 0xFC -> -EINVAL", { cpuId: 1, memType: 0, ph: 4 }, -EINVAL],
    ["mlx5: no PH -> -EINVAL", { cpuId: 1, memType: 0 }, -EINVAL],
    ["mlx5: CPU without MEM_TYPE -> -EINVAL", { cpuId: 1, ph: 1 }, -EINVAL],
    ["mlx5: MEM_TYPE without CPU -> -EINVAL", { memType: 0, ph: 1 }, -EINVAL],
    ["a negative mem_type -> -EOPNOTSUPP", { memType: -1, cpuId: 1, ph: 1 }, -EOPNOTSUPP],
    ["a negative cpu_id -> -EINVAL", { cpuId: -1, memType: 0, ph: 1 }, -EINVAL],
  ];
  it.each(rows)("%s", (_n, attrs, errno) => {
    const t = verbs();
    t.k.switchTo(t.k.spawn("app", [0, 1, 2, 3]));
    const ufd = ibUverbsOpenDevice(t.k, t.ib.ibdev);
    expect(uverbsDmahAlloc(t.k, ufd, attrs)).toBe(errno);
  });

  // uverbs_ioctl.c: a method dropped by UAPI_DEF_OBJ_NEEDS_FN has no slot -> -EPROTONOSUPPORT.
  it("a device without DMA handles -> -EPROTONOSUPPORT before anything else", () => {
    const t = bootTestbed();
    const ufd = ibUverbsOpenDevice(t.k, bareDevice());
    expect(uverbsDmahAlloc(t.k, ufd, { memType: 7 })).toBe(-EPROTONOSUPPORT);
    // Valid attributes too: the missing method, not the attributes, refuses them.
    expect(uverbsDmahAlloc(t.k, ufd, { cpuId: 1, memType: 0, ph: 1 })).toBe(-EPROTONOSUPPORT);
  });

  it("a closed or unknown verbs fd -> -EBADF for alloc and free; no object behind a bad handle", () => {
    const t = verbs();
    expect(uverbsDmahAlloc(t.k, 999, { ph: 1 })).toBe(-EBADF);
    expect(uverbsDmahFree(t.k, 999, 0)).toBe(-EBADF);
    expect(uverbsDmahObject(t.k, 999, 0)).toBeUndefined();
    expect(uverbsDmahObject(t.k, t.ufd, 12345)).toBeUndefined();
  });

  it("CPU-bound: an ST index for the CPU's tag (table mode); PH only: no index", () => {
    const t = verbs();
    const h = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 3, memType: 0, ph: 2 });
    expect(h).toBeGreaterThanOrEqual(0);
    const d = uverbsDmahObject(t.k, t.ufd, h) as Mlx5IbDmah;
    expect(d.stIndex).toBe(1);
    expect(t.nic.st!.idxXa.get(1)).toEqual({ usecount: 1, tag: 0x0b33 });
    const p = uverbsDmahObject(t.k, t.ufd, uverbsDmahAlloc(t.k, t.ufd, { ph: 3 })) as Mlx5IbDmah;
    expect([p.stIndex, p.ph, p.validFields]).toEqual([0, 3, 4]);
  });

  // mlx5 main.c sets mlx5_ib_dev_dmah_ops only `if (mdev->st)`: no table, no DMAH method at all.
  it("without an ST table every DMAH (CPU-bound or PH only) -> -EPROTONOSUPPORT", () => {
    const t = verbs({ nicCaps: { mkeyPcieTph: false } });
    expect(uverbsDmahAlloc(t.k, t.ufd, { cpuId: 1, memType: 0, ph: 1 })).toBe(-EPROTONOSUPPORT);
    expect(uverbsDmahAlloc(t.k, t.ufd, { ph: 1 })).toBe(-EPROTONOSUPPORT);
  });
});

describe("DMAH and PD use counts", () => {
  it("-EBUSY on freeing a DMAH (or PD) an MR uses; after dereg both free, the ST index with them", () => {
    const t = verbs();
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 1, memType: 0, ph: 1 });
    const mr = addrMr(t, dmah);
    expect(mr.ret).toBe(0);
    expect(uverbsDmahFree(t.k, t.ufd, dmah)).toBe(-EBUSY);
    expect(ibUverbsDeallocPd(t.k, t.ufd, t.pd)).toBe(-EBUSY);
    expect(ibUverbsDeregMr(t.k, t.ufd, mr.handle)).toBe(0);
    expect(uverbsDmahFree(t.k, t.ufd, dmah)).toBe(0);
    expect(t.nic.st!.idxXa.size).toBe(0);
    expect(ibUverbsDeallocPd(t.k, t.ufd, t.pd)).toBe(0);
    expect(uverbsDmahFree(t.k, t.ufd, dmah)).toBe(-ENOENT);
  });

  it("closing the verbs file destroys MRs, then DMA handles, then PDs", () => {
    const t = verbs();
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 1, memType: 0, ph: 1 });
    dmabufMr(t, dmah);
    t.k.fdClose(t.ufd);
    expect(t.nicHw.mkeys.size).toBe(0);
    expect(t.nic.st!.idxXa.size).toBe(0);
    expect(t.acc.dmabufs[0]!.dmabuf.attachments).toEqual([]);
  });
});

describe("UVERBS_METHOD_REG_MR (ibv_reg_mr_ex): each check in order", () => {
  type Row = [string, (t: ReturnType<typeof verbs>) => RegMrAttrs, number];
  const base = (t: ReturnType<typeof verbs>) => ({ pd: t.pd, iova: 0n, length: 0x1000n, access: LW });
  const FLUSH = IB_ACCESS.FLUSH_GLOBAL;
  const rows: Row[] = [
    ["unknown PD handle -> -ENOENT (parsing)", (t) => ({ ...base(t), pd: 77, addr: 1n }), -ENOENT],
    [
      "a DMAH handle given as PD -> -EINVAL",
      (t) => ({ ...base(t), pd: uverbsDmahAlloc(t.k, t.ufd, { ph: 0 }) }),
      -EINVAL,
    ],
    [
      "unknown DMAH handle -> -ENOENT (before the fd rules)",
      (t) => ({ ...base(t), dmah: 9, fd: t.dmabufFd }),
      -ENOENT,
    ],
    ["fd without fd_offset -> -EINVAL", (t) => ({ ...base(t), fd: t.dmabufFd }), -EINVAL],
    ["fd with addr -> -EINVAL", (t) => ({ ...base(t), fd: t.dmabufFd, fdOffset: 0n, addr: 0n }), -EINVAL],
    [
      "fd_offset and iova page offsets differ -> -EINVAL",
      (t) => ({ ...base(t), fd: t.dmabufFd, fdOffset: 0x10n }),
      -EINVAL,
    ],
    [
      "fd: FLUSH is no dma-buf access -> -EINVAL",
      (t) => ({ ...base(t), fd: t.dmabufFd, fdOffset: 0n, access: LW | FLUSH }),
      -EINVAL,
    ],
    ["no addr -> -EINVAL", (t) => base(t), -EINVAL],
    ["fd_offset without fd -> -EINVAL", (t) => ({ ...base(t), addr: 0n, fdOffset: 0n }), -EINVAL],
    [
      "addr/iova page offsets differ -> -EINVAL (before the access checks)",
      (t) => ({ ...base(t), addr: 0x10n, access: LW | FLUSH }),
      -EINVAL,
    ],
    ["remote write without local write -> -EINVAL", (t) => ({ ...base(t), addr: 0n, access: RW }), -EINVAL],
    ["unsupported access bit -> -EINVAL", (t) => ({ ...base(t), addr: 0n, access: LW | (1 << 12) }), -EINVAL],
    [
      "FLUSH_GLOBAL on a device without it -> -EOPNOTSUPP",
      (t) => ({ ...base(t), addr: 0n, access: LW | FLUSH }),
      -EOPNOTSUPP,
    ],
    [
      "ODP with a DMAH -> -EOPNOTSUPP (mlx5)",
      (t) => ({
        ...base(t),
        addr: 0n,
        access: LW | IB_ACCESS.ON_DEMAND,
        dmah: uverbsDmahAlloc(t.k, t.ufd, { ph: 1 }),
      }),
      -EOPNOTSUPP,
    ],
    [
      "dma-buf range past the buffer -> -EINVAL",
      (t) => ({ ...base(t), fd: t.dmabufFd, fdOffset: 0x10000n }),
      -EINVAL,
    ],
    [
      "dma-buf range wraps -> -EINVAL",
      (t) => ({ ...base(t), fd: t.dmabufFd, fdOffset: (1n << 64n) - 0x1000n, iova: 0n }),
      -EINVAL,
    ],
    ["zero length -> -EINVAL", (t) => ({ ...base(t), length: 0n, fd: t.dmabufFd, fdOffset: 0n }), -EINVAL],
    ["fd not open -> -EBADF", (t) => ({ ...base(t), fd: 99, fdOffset: 0n }), -EBADF],
    ["fd not a dma-buf -> -EINVAL", (t) => ({ ...base(t), fd: t.ufd, fdOffset: 0n }), -EINVAL],
    ["address beyond user space -> -EFAULT", (t) => ({ ...base(t), addr: 1n << 47n, iova: 0n }), -EFAULT],
  ];
  it.each(rows)("%s", (_n, build, errno) => {
    const t = verbs();
    expect(uverbsRegMr(t.k, t.ufd, build(t)).ret).toBe(errno);
  });

  it("a device without dma-buf MRs -> -EOPNOTSUPP for an fd", () => {
    const t = bootTestbed();
    const ufd = ibUverbsOpenDevice(t.k, bareDevice());
    const pd = ibUverbsAllocPd(t.k, ufd);
    expect(uverbsRegMr(t.k, ufd, { pd, iova: 0n, length: 0x1000n, access: LW, fd: 3 }).ret).toBe(-EOPNOTSUPP);
  });

  it("ODP without a DMAH registers, with nothing mapped until the first fault", () => {
    const t = verbs();
    const mr = uverbsRegMr(t.k, t.ufd, {
      pd: t.pd,
      iova: 0n,
      length: 0x2000n,
      access: LW | IB_ACCESS.ON_DEMAND,
      addr: 0x4000n,
    });
    expect(mr.ret).toBe(0);
    expect(mkeyOf(t, t.ufd, mr.handle)!.xltValid).toBe(false);
    expect(mlx5IbPageFault(t.k, t.ib, mr.lkey)).toBe(0);
    expect(mkeyOf(t, t.ufd, mr.handle)!.xlt).toEqual([{ addr: 0x4000n, len: 0x2000n }]);
  });
});

describe("UVERBS_METHOD_REG_DMABUF_MR (ibv_reg_dmabuf_mr)", () => {
  it("offset/iova page offsets -> -EINVAL before the access check; ODP is no dma-buf access", () => {
    const t = verbs();
    const a = { pd: t.pd, offset: 0x10n, length: 0x1000n, iova: 0n, fd: t.dmabufFd, access: RW };
    expect(uverbsRegDmabufMr(t.k, t.ufd, a).ret).toBe(-EINVAL);
    expect(uverbsRegDmabufMr(t.k, t.ufd, { ...a, offset: 0n, access: LW | IB_ACCESS.ON_DEMAND }).ret).toBe(
      -EINVAL,
    );
    expect(uverbsRegDmabufMr(t.k, t.ufd, { ...a, offset: 0n, access: LW }).ret).toBe(0);
  });
});

describe("DMAH precedence", () => {
  it("a DMAH wins over the dma-buf's tag: its PH and CPU ST index; the exporter is not asked", () => {
    const t = verbs();
    setDmaBufTph(t.k, t.devFd, {
      fd: t.dmabufFd,
      flags: VFIO_DMA_BUF_TPH_ST | VFIO_DMA_BUF_TPH_ST_EXT,
      st: 0x99,
      stExt: 0x9999,
      ph: 2,
    });
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 1, memType: 0, ph: 1 });
    const mr = dmabufMr(t, dmah);
    const mkey = mkeyOf(t, t.ufd, mr.handle)!;
    expect(mkey.fields).toMatchObject({ tphEn: true, tphPh: 1, tphStIndex: 1 });
    expect(t.nicHw.tlpHints(mkey.index)).toEqual({ th: true, ph: 1, st: 0x0a11, prefix: true });
    expect(t.k.trace.events("dma_buf_get_pci_tph")).toEqual([]);
  });

  it("a PH-only DMAH: TPH with the PH, ST index 0 (no steering tag)", () => {
    const t = verbs();
    setDmaBufTph(t.k, t.devFd, { fd: t.dmabufFd, flags: VFIO_DMA_BUF_TPH_ST_EXT, stExt: 0x9999, ph: 2 });
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { ph: 3 });
    const mr = dmabufMr(t, dmah);
    expect(mkeyOf(t, t.ufd, mr.handle)!.fields).toMatchObject({ tphEn: true, tphPh: 3, tphStIndex: 0 });
  });

  it("address MR with a CPU DMAH carries the CPU's tag", () => {
    const t = verbs();
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { cpuId: 3, memType: 0, ph: 2 });
    const mr = addrMr(t, dmah);
    const mkey = mkeyOf(t, t.ufd, mr.handle)!;
    expect(t.nicHw.tlpHints(mkey.index)).toEqual({ th: true, ph: 2, st: 0x0b33, prefix: true });
    expect(mkey.xlt).toEqual([{ addr: 0x7000_1000n, len: 0x1000n }]);
  });
});

describe("re-registration", () => {
  it("a TPH MR -> -EOPNOTSUPP; after the core's own checks", () => {
    const t = verbs();
    const dmah = uverbsDmahAlloc(t.k, t.ufd, { ph: 1 });
    const mr = uverbsRegMr(t.k, t.ufd, { pd: t.pd, iova: 0n, length: 0x1000n, access: LW, addr: 0n, dmah });
    const c = { handle: mr.handle, start: 0n, length: 0x1000n, hcaVa: 0n, access: LW };
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: 0 })).toBe(-EINVAL);
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: 8 })).toBe(-EOPNOTSUPP);
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: IB_MR_REREG.TRANS, start: 0x10n })).toBe(-EINVAL);
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: IB_MR_REREG.ACCESS, access: RW })).toBe(-EINVAL);
    expect(ibUverbsReregMr(t.k, t.ufd, { ...c, flags: IB_MR_REREG.ACCESS })).toBe(-EOPNOTSUPP);
  });

  it("a plain MR: PD and access change in place; a new translation makes a new mkey under the handle", () => {
    const t = verbs();
    const mr = ibUverbsRegMr(t.k, t.ufd, { pd: t.pd, start: 0n, length: 0x1000n, hcaVa: 0n, access: LW });
    const pd2 = ibUverbsAllocPd(t.k, t.ufd);
    const c = { handle: mr.handle, start: 0n, length: 0x1000n, hcaVa: 0n };
    expect(
      ibUverbsReregMr(t.k, t.ufd, {
        ...c,
        flags: IB_MR_REREG.PD | IB_MR_REREG.ACCESS,
        access: LW | RW,
        pd: pd2,
      }),
    ).toBe(0);
    const mkey = mkeyOf(t, t.ufd, mr.handle)!;
    expect(mkey.key).toBe(mr.lkey);
    expect(mkey.fields).toMatchObject({ pd: 2, access: { lw: true, rw: true } });
    expect(ibUverbsDeallocPd(t.k, t.ufd, t.pd)).toBe(0);
    expect(
      ibUverbsReregMr(t.k, t.ufd, {
        ...c,
        flags: IB_MR_REREG.TRANS,
        start: 0x8000n,
        hcaVa: 0x8000n,
        access: 0,
      }),
    ).toBe(0);
    const now = uverbsMrObject(t.k, t.ufd, mr.handle)!;
    expect(now.lkey).not.toBe(mr.lkey);
    expect(t.nicHw.mkeys.size).toBe(1);
  });
});
