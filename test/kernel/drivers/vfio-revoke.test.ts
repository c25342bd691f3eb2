/**
 * Revoke and un-revoke of every dma-buf of a device (linux-tph-stack.md section 5): memory
 * disable, FLR (ioctl and config write), hot reset, D3hot, close (revoked forever); the exporter's
 * attach/map/pin rules.
 */
import { describe, expect, it } from "vitest";
import {
  dmaBufAttach,
  dmaBufDynamicAttach,
  dmaBufGet,
  dmaBufMapAttachment,
} from "../../../src/kernel/dma-buf/dma-buf.js";
import { EBADF, EBUSY, EINTR, EINVAL, ENODEV, EOPNOTSUPP } from "../../../src/kernel/errno.js";
import { VFIO_DMA_BUF_TPH_ST } from "../../../src/kernel/include/uapi/linux/vfio.js";
import { IB_ACCESS } from "../../../src/kernel/infiniband/core/ib_verbs.js";
import { ibUverbsAllocPd } from "../../../src/kernel/infiniband/core/uverbs_cmd.js";
import { uverbsRegMr } from "../../../src/kernel/infiniband/core/uverbs_std_types_mr.js";
import { mlx5IbPageFault } from "../../../src/kernel/infiniband/hw/mlx5/odp.js";
import { vfioPciConfigRead, vfioPciConfigWrite } from "../../../src/kernel/vfio/pci/vfio_pci_config.js";
import {
  vfioPciCoreRegisterDevice,
  vfioPciIoctlHotReset,
  vfioPciIoctlReset,
  vfioPciOpen,
} from "../../../src/kernel/vfio/pci/vfio_pci_core.js";
import { vfioPciDmaBufMove } from "../../../src/kernel/vfio/pci/vfio_pci_dmabuf.js";
import { bootTestbed, exportDmaBuf, mkeyOf, openBoth, setDmaBufTph, type TestbedOptions } from "./testbed.js";

const ACCESS = IB_ACCESS.LOCAL_WRITE | IB_ACCESS.REMOTE_WRITE;
const CMD = 0x04;
const MEM_ON = 0x0006;
const MEM_OFF = 0x0004;
const PM_CTRL = 0x40 + 4;
const DEVCTL = 0x60 + 8;

/** Testbed + one exported buffer + one MR on it. */
function flow(o: TestbedOptions = {}) {
  const t = bootTestbed(o);
  const { devFd, ufd } = openBoth(t);
  const dmabufFd = exportDmaBuf(t.k, devFd, { ranges: [{ offset: 0, length: 0x4000 }] });
  const pd = ibUverbsAllocPd(t.k, ufd);
  const mr = uverbsRegMr(t.k, ufd, {
    pd,
    iova: 0n,
    length: 0x4000n,
    access: ACCESS,
    fd: dmabufFd,
    fdOffset: 0n,
  });
  if (mr.ret) throw new Error(`reg ${mr.ret}`);
  const buf = t.acc.dmabufs[0]!;
  const mapped = () => mkeyOf(t, ufd, mr.handle)!.xltValid;
  const invalidations = () => t.k.trace.events("mlx5_ib_dmabuf_invalidate_cb").length;
  return { ...t, devFd, ufd, dmabufFd, pd, mr, buf, mapped, invalidations };
}

describe("memory space enable", () => {
  it("clearing MSE revokes (importer zapped, re-map fails); setting it un-revokes", () => {
    const f = flow();
    expect(f.mapped()).toBe(true);
    expect(vfioPciConfigWrite(f.k, f.devFd, CMD, 2, MEM_OFF)).toBe(2);
    expect(f.buf.status).toBe("temp-revoked");
    expect(f.mapped()).toBe(false);
    expect(f.invalidations()).toBe(1);
    expect(vfioPciConfigRead(f.k, f.devFd, CMD, 2) & 2).toBe(0);
    expect(mlx5IbPageFault(f.k, f.ib, f.mr.lkey)).toBe(-ENODEV);
    // A new importer cannot attach to a revoked buffer.
    const pd2 = ibUverbsAllocPd(f.k, f.ufd);
    const r = uverbsRegMr(f.k, f.ufd, {
      pd: pd2,
      iova: 0n,
      length: 0x1000n,
      access: ACCESS,
      fd: f.dmabufFd,
      fdOffset: 0n,
    });
    expect(r.ret).toBe(-ENODEV);
    vfioPciConfigWrite(f.k, f.devFd, CMD, 2, MEM_ON);
    expect(f.buf.status).toBe("ok");
    expect(f.mapped()).toBe(false); // nothing is mapped until the NIC faults
    expect(mlx5IbPageFault(f.k, f.ib, f.mr.lkey)).toBe(0);
    expect(f.mapped()).toBe(true);
    expect(f.k.violations).toEqual([]);
  });

  it("a byte write of the command register counts, and a write keeping MSE on revokes nothing", () => {
    const f = flow();
    vfioPciConfigWrite(f.k, f.devFd, CMD, 1, 0x06);
    expect(f.invalidations()).toBe(0);
    vfioPciConfigWrite(f.k, f.devFd, CMD, 4, 0x0000_0004);
    expect(f.buf.status).toBe("temp-revoked");
  });

  it("a buffer exported while memory decoding is off starts revoked", () => {
    const t = bootTestbed();
    const devFd = vfioPciOpen(t.k, t.acc);
    vfioPciConfigWrite(t.k, devFd, CMD, 2, MEM_OFF);
    exportDmaBuf(t.k, devFd);
    expect(t.acc.dmabufs[0]!.status).toBe("temp-revoked");
    vfioPciConfigWrite(t.k, devFd, CMD, 2, MEM_ON);
    expect(t.acc.dmabufs[0]!.status).toBe("ok");
  });
});

describe("function level reset", () => {
  it("VFIO_DEVICE_RESET revokes, resets, then un-revokes (memory still on)", () => {
    const f = flow();
    const resets = f.k.pciDev("0000:04:00.0")!.fn.resets;
    expect(vfioPciIoctlReset(f.k, f.devFd)).toBe(0);
    expect(f.k.pciDev("0000:04:00.0")!.fn.resets).toBe(resets + 1);
    expect(f.invalidations()).toBe(1);
    expect(f.mapped()).toBe(false);
    expect(f.buf.status).toBe("ok");
    expect(mlx5IbPageFault(f.k, f.ib, f.mr.lkey)).toBe(0);
  });

  it("after a reset with memory disabled by the user the buffer stays revoked", () => {
    const f = flow();
    vfioPciConfigWrite(f.k, f.devFd, CMD, 2, MEM_OFF);
    expect(vfioPciIoctlReset(f.k, f.devFd)).toBe(0);
    expect(f.buf.status).toBe("temp-revoked");
  });

  it("Initiate FLR through the config region does the same", () => {
    const f = flow();
    vfioPciConfigWrite(f.k, f.devFd, DEVCTL, 2, 0x8000 | 0x2810);
    expect(f.invalidations()).toBe(1);
    expect(f.buf.status).toBe("ok");
    expect(f.k.trace.events("pcie_flr").length).toBeGreaterThanOrEqual(2);
  });

  it("a function without FLR: VFIO_DEVICE_RESET -> -EINVAL and nothing is revoked", () => {
    const f = flow({ accFlr: false });
    expect(vfioPciIoctlReset(f.k, f.devFd)).toBe(-EINVAL);
    expect(f.invalidations()).toBe(0);
  });
});

describe("hot reset", () => {
  it("revokes every vfio device on the bus and brings them back", () => {
    const f = flow({ sibling: "unbound" });
    const sib = vfioPciCoreRegisterDevice(f.k, f.k.pciDev("0000:04:00.1")!);
    if (typeof sib === "number") throw new Error("bind");
    const sibFd = vfioPciOpen(f.k, sib);
    exportDmaBuf(f.k, sibFd);
    expect(vfioPciIoctlHotReset(f.k, f.devFd)).toBe(0);
    const revokes = f.k.trace.events("vfio_pci_dma_buf_revoke").map((e) => [e.dev, e.args?.revoked]);
    expect(revokes).toEqual([
      ["0000:04:00.0", true],
      ["0000:04:00.1", true],
      ["0000:04:00.0", false],
      ["0000:04:00.1", false],
    ]);
    expect(f.mapped()).toBe(false);
    expect(f.buf.status).toBe("ok");
    expect(f.k.pciDev("0000:04:00.1")!.fn.resets).toBeGreaterThan(0);
  });

  // vfio_pci_dev_set_hot_reset(): down_write_trylock() on each memory_lock, -EBUSY and unwind on
  // contention (locking several devices could deadlock).
  it("a memory_lock held elsewhere -> -EBUSY; the devices already locked come back", () => {
    const f = flow({ sibling: "unbound" });
    const sib = vfioPciCoreRegisterDevice(f.k, f.k.pciDev("0000:04:00.1")!);
    if (typeof sib === "number") throw new Error("bind");
    vfioPciOpen(f.k, sib);
    sib.memoryLock.downWrite(f.k, "another task");
    const resets = f.k.pciDev("0000:04:00.1")!.fn.resets;
    expect(vfioPciIoctlHotReset(f.k, f.devFd)).toBe(-EBUSY);
    expect(f.buf.status).toBe("ok");
    expect(f.acc.memoryLock.heldBy()).toBeUndefined();
    expect(f.k.pciDev("0000:04:00.1")!.fn.resets).toBe(resets);
    expect(f.k.violations).toEqual([]);
    sib.memoryLock.upWrite(f.k);
    expect(vfioPciIoctlHotReset(f.k, f.devFd)).toBe(0);
  });

  it("a function on the bus not bound to vfio-pci -> -EINVAL, nothing revoked", () => {
    const f = flow({ sibling: "unbound" });
    expect(vfioPciIoctlHotReset(f.k, f.devFd)).toBe(-EINVAL);
    expect(f.invalidations()).toBe(0);
  });
});

describe("D3hot", () => {
  it("entering D3hot revokes; back to D0 un-revokes", () => {
    const f = flow();
    vfioPciConfigWrite(f.k, f.devFd, PM_CTRL, 2, 3);
    expect(f.k.pciDev("0000:04:00.0")!.fn.powerState()).toBe(3);
    expect(f.buf.status).toBe("temp-revoked");
    expect(f.mapped()).toBe(false);
    vfioPciConfigWrite(f.k, f.devFd, PM_CTRL, 2, 0);
    expect(f.buf.status).toBe("ok");
  });
});

describe("close", () => {
  it("closing the device revokes for good: reopening and enabling memory brings nothing back", () => {
    const f = flow();
    setDmaBufTph(f.k, f.devFd, { fd: f.dmabufFd, flags: VFIO_DMA_BUF_TPH_ST, st: 5, ph: 1 });
    expect(f.k.fdClose(f.devFd)).toBe(0);
    expect(f.buf.status).toBe("perm-revoked");
    expect(f.buf.vdev).toBeUndefined();
    expect(f.acc.dmabufs).toEqual([]);
    expect(f.mapped()).toBe(false);
    const devFd2 = vfioPciOpen(f.k, f.acc);
    vfioPciConfigWrite(f.k, devFd2, CMD, 2, MEM_OFF);
    vfioPciConfigWrite(f.k, devFd2, CMD, 2, MEM_ON);
    expect(f.buf.status).toBe("perm-revoked");
    expect(mlx5IbPageFault(f.k, f.ib, f.mr.lkey)).toBe(-ENODEV);
    // The old buffer no longer belongs to the device: SET on it -> -EINVAL.
    expect(setDmaBufTph(f.k, devFd2, { fd: f.dmabufFd, flags: VFIO_DMA_BUF_TPH_ST, st: 6, ph: 1 })).toBe(
      -EINVAL,
    );
    f.k.fdClose(devFd2);
    expect(setDmaBufTph(f.k, devFd2, { fd: f.dmabufFd, flags: VFIO_DMA_BUF_TPH_ST, st: 6, ph: 1 })).toBe(
      -EBADF,
    );
  });

  it("the last buffer reference releases it and drops the device registration", () => {
    const t = bootTestbed();
    const devFd = vfioPciOpen(t.k, t.acc);
    const fd = exportDmaBuf(t.k, devFd);
    expect(t.acc.vdev.refcount).toBe(3);
    t.k.fdClose(fd);
    expect(t.acc.vdev.refcount).toBe(2);
    expect(t.acc.dmabufs).toEqual([]);
  });
});

/** A testbed with the accelerator's VFIO device open and one dma-buf exported from it. */
function buf() {
  const t = bootTestbed();
  const devFd = vfioPciOpen(t.k, t.acc);
  const fd = exportDmaBuf(t.k, devFd);
  const { dmabuf } = dmaBufGet(t.k, fd);
  return { ...t, devFd, dmabuf: dmabuf! };
}

describe("exporter rules", () => {
  // vfio_pci_dma_buf_attach() after the revocable-dma-buf work: !peer2peer -> -EOPNOTSUPP,
  // revoked -> -ENODEV, not revocable -> -EOPNOTSUPP; vfio has no .pin any more.
  it("attach: peer-to-peer first, then revoked, then revocable; no pin op", () => {
    const t = buf();
    expect(dmaBufAttach(t.k, t.dmabuf, "static").ret).toBe(-EOPNOTSUPP);
    expect(
      dmaBufDynamicAttach(t.k, t.dmabuf, "no-p2p", { allowPeer2peer: false, invalidateMappings: () => {} })
        .ret,
    ).toBe(-EOPNOTSUPP);
    expect(dmaBufDynamicAttach(t.k, t.dmabuf, "p2p-unrevocable", { allowPeer2peer: true }).ret).toBe(
      -EOPNOTSUPP,
    );
    const a = dmaBufDynamicAttach(t.k, t.dmabuf, "ok", {
      allowPeer2peer: true,
      invalidateMappings: () => {},
    });
    expect(a.ret).toBe(0);
    expect(t.dmabuf.ops.pin).toBeUndefined();
    vfioPciConfigWrite(t.k, t.devFd, CMD, 2, MEM_OFF);
    // Revoked: a non-P2P importer still hears -EOPNOTSUPP, an unrevocable P2P one now -ENODEV.
    expect(dmaBufDynamicAttach(t.k, t.dmabuf, "no-p2p", { allowPeer2peer: false }).ret).toBe(-EOPNOTSUPP);
    expect(dmaBufDynamicAttach(t.k, t.dmabuf, "p2p-unrevocable", { allowPeer2peer: true }).ret).toBe(-ENODEV);
  });
  it("map of a revoked buffer -> -ENODEV; an importer that keeps its mapping hangs the revoke", () => {
    const t = buf();
    const a = dmaBufDynamicAttach(t.k, t.dmabuf, t.nic.name, {
      allowPeer2peer: true,
      invalidateMappings: () => {},
    }).attach!;
    t.dmabuf.resv.lock("test");
    expect(dmaBufMapAttachment(t.k, a, "bidirectional").ret).toBe(0);
    t.dmabuf.resv.unlock();
    vfioPciConfigWrite(t.k, t.devFd, CMD, 2, MEM_OFF);
    expect(t.k.violations.some((v) => v.includes("revoke never completes"))).toBe(true);
    a.sgt = undefined;
    t.dmabuf.resv.lock("test");
    expect(dmaBufMapAttachment(t.k, a, "bidirectional").ret).toBe(-ENODEV);
    t.dmabuf.resv.unlock();
  });
  it("vfio_pci_dma_buf_move without memory_lock is a lockdep violation", () => {
    const t = buf();
    vfioPciDmaBufMove(t.k, t.acc, true);
    expect(t.k.violations).toEqual([
      "vfio_pci_dma_buf_move: lockdep_assert_held_write(&vdev->memory_lock) failed",
    ]);
  });
});

// drivers/vfio/pci/vfio_pci_dmabuf.c and vfio_pci_core.c details (issue 8, departure 7).
describe("cleanup and memory enable as the kernel has them", () => {
  it("vfio_pci_dma_buf_cleanup() waits for importers to unmap: one that keeps its mapping hangs the close", () => {
    const t = buf();
    const a = dmaBufDynamicAttach(t.k, t.dmabuf, t.nic.name, {
      allowPeer2peer: true,
      invalidateMappings: () => {},
    }).attach!;
    t.dmabuf.resv.lock("test");
    expect(dmaBufMapAttachment(t.k, a, "bidirectional").ret).toBe(0);
    t.dmabuf.resv.unlock();
    t.k.fdClose(t.devFd);
    expect(t.k.violations).toEqual([
      "vfio_pci_dma_buf_cleanup: 1 importer(s) still mapped, close never completes",
    ]);
  });
  it("a VF (no_command_memory) counts as memory enabled: clearing Memory Space does not leave it revoked", () => {
    const t = bootTestbed();
    t.acc.pdev.noCommandMemory = true;
    const devFd = vfioPciOpen(t.k, t.acc);
    vfioPciConfigWrite(t.k, devFd, CMD, 2, MEM_OFF);
    const { dmabuf } = dmaBufGet(t.k, exportDmaBuf(t.k, devFd));
    const a = dmaBufDynamicAttach(t.k, dmabuf!, t.nic.name, {
      allowPeer2peer: true,
      invalidateMappings: () => {},
    });
    expect(a.ret).toBe(0);
    dmabuf!.resv.lock("test");
    expect(dmaBufMapAttachment(t.k, a.attach!, "bidirectional").ret).toBe(0);
    dmabuf!.resv.unlock();
  });
});

describe("SET takes the reservation lock interruptibly (dma_resv_lock_interruptible)", () => {
  it("another holder and a pending signal -> -EINTR, the tag unchanged; without the signal it proceeds", () => {
    const t = bootTestbed();
    const devFd = vfioPciOpen(t.k, t.acc);
    const fd = exportDmaBuf(t.k, devFd);
    const { dmabuf } = dmaBufGet(t.k, fd);
    dmabuf!.resv.lock("another task");
    t.k.current.signalPending = true;
    expect(setDmaBufTph(t.k, devFd, { fd, flags: VFIO_DMA_BUF_TPH_ST, st: 0x21, ph: 1 })).toBe(-EINTR);
    expect(t.acc.dmabufs[0]!.tph.flags).toBe(0);
    dmabuf!.resv.unlock();
    expect(setDmaBufTph(t.k, devFd, { fd, flags: VFIO_DMA_BUF_TPH_ST, st: 0x21, ph: 1 })).toBe(0);
  });
});
