/** The userspace facade keeps C's conventions: return values, errno, fds per process, NULL + errno. */
import { describe, expect, it } from "vitest";
import type { DmaBuf } from "../../src/kernel/dma-buf/dma-buf.js";
import { EBADF, EBUSY, EFAULT, EINVAL, ENOENT, ENOTTY, EPERM } from "../../src/kernel/errno.js";
import { encode } from "../../src/kernel/include/uapi/codec.js";
import { VFIO_DEVICE_FEATURE, vfioFeatureArg } from "../../src/kernel/include/uapi/linux/vfio.js";
import { checkInvariants, INVARIANT_NAMES } from "../../src/kernel/invariants.js";
import { bootMachine, type Machine, mkeyOf, tlpOf } from "../../src/report/review/machine.js";
import { dmaBufPayload, dmabufMrAttr } from "../../src/report/review/program.js";
import { SEEK_CUR, SEEK_END, SEEK_SET } from "../../src/uapi/libc.js";
import {
  encodeDmahInitAttr,
  IBV_ACCESS,
  IBV_REG_MR_MASK_ADDR,
  IBV_REG_MR_MASK_DMAH,
  ibv_mr_init_attr,
} from "../../src/uapi/rdma/verbs-structs.js";
import {
  ibv_alloc_dmah,
  ibv_alloc_pd,
  ibv_close_device,
  ibv_dealloc_dmah,
  ibv_dealloc_pd,
  ibv_dereg_mr,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_mr,
  ibv_reg_mr_ex,
} from "../../src/uapi/verbs.js";
import { VFIO_PCI_CONFIG_REGION_INDEX, vfioRegionOffset } from "../../src/uapi/vfio.js";

const GET_DMA_BUF = (1 << 16) | 11;
const ACCESS = IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE;

function setup(rev: Parameters<typeof bootMachine>[0] = "v11") {
  const m = bootMachine(rev);
  const owner = m.host.spawn("owner");
  const dev = owner.open(m.paths.accs[0]!);
  const buf = owner.ioctl(
    dev,
    VFIO_DEVICE_FEATURE,
    vfioFeatureArg(GET_DMA_BUF, dmaBufPayload(m.headers.dmaBufStruct)),
  );
  const app = m.host.spawn("app");
  const ctx = ibv_open_device(app, ibv_get_device_list(app)[0]!)!;
  const pd = ibv_alloc_pd(ctx)!;
  return { m, owner, dev, buf, app, ctx, pd };
}

function addrAttr(dmahPtr?: bigint): Uint8Array {
  return encode(ibv_mr_init_attr, {
    length: 0x10000n,
    access: ACCESS,
    comp_mask: BigInt(IBV_REG_MR_MASK_ADDR | (dmahPtr === undefined ? 0 : IBV_REG_MR_MASK_DMAH)),
    iova: 0n,
    addr: 0x7f00_0000_0000n,
    fd: 0,
    fd_offset: 0n,
    dmah: dmahPtr ?? 0n,
  });
}

function allOk(m: Machine): Record<string, boolean> {
  const r = checkInvariants(m.k, { ibdevs: [m.ib] });
  return Object.fromEntries(INVARIANT_NAMES.map((n) => [n, r[n].ok]));
}

describe("libc", () => {
  it("returns -1 with errno on failure and leaves errno alone on success", () => {
    const { m, owner, dev, buf } = setup();
    expect([dev, buf]).toEqual([3, 4]);
    expect(owner.open("/dev/nope")).toBe(-1);
    expect(owner.errno).toBe(ENOENT);
    expect(owner.lseek(buf, 0, SEEK_END)).toBe(0x200000);
    expect(owner.errno).toBe(ENOENT);
    expect(owner.close(77)).toBe(-1);
    expect(owner.errno).toBe(EBADF);
    expect(m.k.trace.last("sys_exit_close")?.ret).toBe(-EBADF);
  });

  it("dispatches ioctl on the file type: ENOTTY for other files and unknown requests", () => {
    const { owner, dev, buf, app, ctx } = setup();
    expect(owner.ioctl(buf, VFIO_DEVICE_FEATURE, new Uint8Array(8))).toBe(-1);
    expect(owner.errno).toBe(ENOTTY);
    expect(owner.ioctl(dev, 0x3b99)).toBe(-1);
    expect(owner.errno).toBe(ENOTTY);
    expect(app.ioctl(ctx.cmdFd, VFIO_DEVICE_FEATURE)).toBe(-1);
    expect(app.errno).toBe(ENOTTY);
    expect(owner.ioctl(42, VFIO_DEVICE_FEATURE)).toBe(-1);
    expect(owner.errno).toBe(EBADF);
  });

  it("keeps an fd table per process and passes files with SCM_RIGHTS", () => {
    const { m, owner, buf, app } = setup();
    const dmabuf = owner.file(buf)!.priv as DmaBuf;
    expect(dmabuf.refcount).toBe(1);
    const got = owner.sendFd(buf, app);
    expect(got).toBe(4); // app: 3 is the uverbs file
    expect(app.file(got)).toBe(owner.file(buf));
    expect(dmabuf.refcount).toBe(2);
    expect(owner.sendFd(99, app)).toBe(-1);
    expect(owner.errno).toBe(EBADF);
    expect(app.dup2(got, 10)).toBe(10);
    expect(dmabuf.refcount).toBe(3);
    expect(app.dup2(got, got)).toBe(got);
    expect(app.dup2(55, 10)).toBe(-1);
    expect(app.errno).toBe(EBADF);
    owner.exit();
    app.exit();
    expect(dmabuf.released).toBe(true);
    expect(allOk(m)).toEqual(Object.fromEntries(INVARIANT_NAMES.map((n) => [n, true])));
  });

  it("lseek answers a dma-buf's size only", () => {
    const { owner, dev, buf } = setup();
    expect(owner.lseek(buf, 0, SEEK_SET)).toBe(0);
    for (const [fd, off, whence] of [
      [buf, 0, SEEK_CUR],
      [buf, 4096, SEEK_END],
      [dev, 0, SEEK_END],
    ] as const) {
      expect(owner.lseek(fd, off, whence)).toBe(-1);
      expect(owner.errno).toBe(EINVAL);
    }
  });

  it("reads and writes config space through the VFIO config region", () => {
    const { owner, dev } = setup();
    const cfg = (off: number) => vfioRegionOffset(VFIO_PCI_CONFIG_REGION_INDEX, off);
    const id = new Uint8Array(4);
    expect(owner.pread(dev, id, cfg(0))).toBe(4);
    expect([...id]).toEqual([0xee, 0x10, 0x3f, 0x90]);
    expect(owner.pread(dev, new Uint8Array(3), cfg(0))).toBe(-1);
    expect(owner.errno).toBe(EINVAL);
    expect(owner.pwrite(dev, new Uint8Array(2), vfioRegionOffset(0, 0))).toBe(-1);
    expect(owner.errno).toBe(EINVAL);
    expect(owner.pwrite(dev, Uint8Array.from([6, 0]), cfg(4))).toBe(2);
  });

  it("sched_setaffinity restricts the CPUs a DMAH may name", () => {
    const { app, ctx } = setup();
    expect(app.sched_setaffinity(0, [])).toBe(-1);
    expect(app.errno).toBe(EINVAL);
    expect(app.sched_setaffinity(999, [1])).toBe(-1);
    expect(app.sched_setaffinity(0, [1, 99])).toBe(0);
    expect(ibv_alloc_dmah(ctx, encodeDmahInitAttr({ cpu: 2, memType: 0, ph: 0 }))).toBeNull();
    expect(app.errno).toBe(EPERM);
    expect(ibv_alloc_dmah(ctx, encodeDmahInitAttr({ cpu: 1, memType: 0, ph: 0 }))).not.toBeNull();
  });
});

describe("libibverbs", () => {
  it("lists and opens the mlx5 device", () => {
    const { app } = setup();
    expect(ibv_get_device_list(app)).toEqual([{ name: "mlx5_0", path: "/dev/infiniband/uverbs0" }]);
    expect(ibv_open_device(app, { name: "x", path: "/dev/infiniband/uverbs9" })).toBeNull();
    expect(app.errno).toBe(ENOENT);
  });

  it("returns NULL + EFAULT for short structs and wild or freed pointers, EINVAL for unknown masks", () => {
    const { app, ctx, pd } = setup();
    expect(ibv_alloc_dmah(ctx, new Uint8Array(9))).toBeNull();
    expect(app.errno).toBe(EFAULT);
    expect(ibv_alloc_dmah(ctx, Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull();
    expect(app.errno).toBe(EINVAL);
    expect(ibv_reg_mr_ex(pd, addrAttr(0xdead0000n))).toBeNull();
    expect(app.errno).toBe(EFAULT);
    expect(ibv_reg_mr_ex(pd, new Uint8Array(63))).toBeNull();
    expect(app.errno).toBe(EFAULT);
    const dmah = ibv_alloc_dmah(ctx, encodeDmahInitAttr({ ph: 1 }))!;
    expect(ibv_dealloc_dmah(dmah)).toBe(0);
    expect(ibv_reg_mr_ex(pd, addrAttr(dmah.ptr))).toBeNull();
    expect(app.errno).toBe(EFAULT);
    expect(ibv_dealloc_dmah(dmah)).toBe(EFAULT);
  });

  it("returns errno values from dealloc/dereg and NULL + errno from the kernel's refusals", () => {
    const { m, app, ctx, pd, owner, buf } = setup();
    const dmah = ibv_alloc_dmah(ctx, encodeDmahInitAttr({ ph: 1 }))!;
    const mr = ibv_reg_mr_ex(pd, addrAttr(dmah.ptr))!;
    expect(tlpOf(m, mr)).toMatchObject({ th: true, ph: 1 });
    expect(ibv_dealloc_dmah(dmah)).toBe(EBUSY);
    expect(app.errno).toBe(EBUSY);
    expect(ibv_dealloc_pd(pd)).toBe(EBUSY);
    expect(ibv_dereg_mr(mr)).toBe(0);
    expect(ibv_dereg_mr(mr)).toBe(EFAULT);
    expect(ibv_dealloc_dmah(dmah)).toBe(0);
    const fd = owner.sendFd(buf, app);
    expect(ibv_reg_mr_ex(pd, dmabufMrAttr(fd, { access: IBV_ACCESS.REMOTE_WRITE }))).toBeNull();
    expect(app.errno).toBe(EINVAL);
    const plain = ibv_reg_mr(pd, 0x7f00_0000_1000n, 0x2000n, ACCESS)!;
    expect(mkeyOf(m, plain)?.fields).toMatchObject({ start: 0x7f00_0000_1000n, tphEn: false });
    expect(ibv_reg_mr(pd, 0x7fff_ffff_f000n, 0x2000n, ACCESS)).toBeNull();
    expect(app.errno).toBe(EFAULT);
  });

  it("closing the device destroys what is left; later calls get EFAULT", () => {
    const { m, app, ctx, pd } = setup();
    ibv_reg_mr_ex(pd, addrAttr());
    expect(m.nicHw.mkeys.size).toBe(1);
    expect(ibv_close_device(ctx)).toBe(0);
    expect(m.nicHw.mkeys.size).toBe(0);
    expect(ibv_alloc_pd(ctx)).toBeNull();
    expect(app.errno).toBe(EFAULT);
    expect(ibv_reg_mr_ex(pd, addrAttr())).toBeNull();
    expect(allOk(m)["no-ref-leak"]).toBe(true);
  });
});
