/**
 * The README walkthrough of the P2P flow through the userspace facade, kept true by running it:
 * the accelerator's owner exports BAR memory and sets ST/PH, the RDMA application registers an MR
 * on the dma-buf, and the NIC's mkey carries the tag.
 */
import { describe, expect, it } from "vitest";
import { EINVAL } from "../../src/kernel/errno.js";
import { encode } from "../../src/kernel/include/uapi/codec.js";
import * as V from "../../src/kernel/include/uapi/linux/vfio.js";
import { bootMachine, mkeyOf, tlpOf } from "../../src/report/review/machine.js";
import { O_CLOEXEC, O_RDWR } from "../../src/uapi/libc.js";
import * as R from "../../src/uapi/rdma/verbs-structs.js";
import { ibv_alloc_pd, ibv_get_device_list, ibv_open_device, ibv_reg_mr_ex } from "../../src/uapi/verbs.js";

describe("README walkthrough: owner sets ST/PH, app registers the MR, the mkey carries the tag", () => {
  // biome-ignore format: the README example, kept to its printed shape
  it("runs as documented on v11", () => {
    // --- README example starts here ---
    const m = bootMachine("v11"); // Root Port -> switch -> mlx5 NIC + accelerator, drivers bound
    // The accelerator's owner: open its VFIO device, export 2 MiB of BAR 0 as a dma-buf, set ST/PH on it.
    const owner = m.host.spawn("acc-owner");
    const dev = owner.open("/dev/vfio/devices/vfio0"); // 3
    const exp = encode(V.vfio_device_feature_dma_buf_mainline, { region_index: 0, open_flags: O_RDWR | O_CLOEXEC,
      flags: 0, nr_ranges: 1, dma_ranges: [{ offset: 0n, length: 0x200000n }] });
    const buf = owner.ioctl(dev, V.VFIO_DEVICE_FEATURE, V.vfioFeatureArg(V.VFIO_DEVICE_FEATURE_GET | V.VFIO_DEVICE_FEATURE_DMA_BUF, exp)); // 4
    const tph = (ph: number) => V.vfioFeatureArg(V.VFIO_DEVICE_FEATURE_SET | V.VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
      encode(V.vfio_device_feature_dma_buf_tph, { dmabuf_fd: buf, flags: V.VFIO_DMA_BUF_TPH_ST | V.VFIO_DMA_BUF_TPH_ST_EXT,
        steering_tag: 0x21, steering_tag_ext: 0x4321, ph }));
    const bad = owner.ioctl(dev, V.VFIO_DEVICE_FEATURE, tph(4)); // -1, owner.errno === EINVAL: PH has two bits
    const ok = owner.ioctl(dev, V.VFIO_DEVICE_FEATURE, tph(2)); // 0
    // The RDMA application: receive the fd (SCM_RIGHTS) and register an MR on it, without a DMAH.
    const app = m.host.spawn("rdma-app");
    const fd = owner.sendFd(buf, app); // 3: the app's first fd
    const pd = ibv_alloc_pd(ibv_open_device(app, ibv_get_device_list(app)[0]!)!)!;
    const mr = ibv_reg_mr_ex(pd, encode(R.ibv_mr_init_attr, { length: 0x200000n, access: R.IBV_ACCESS.LOCAL_WRITE |
      R.IBV_ACCESS.REMOTE_WRITE, comp_mask: BigInt(R.IBV_REG_MR_MASK_FD | R.IBV_REG_MR_MASK_FD_OFFSET |
      R.IBV_REG_MR_MASK_IOVA), iova: 0n, addr: 0n, fd, fd_offset: 0n, dmah: 0n }))!;
    // What the NIC holds for that MR, and what it stamps on every TLP it sends for it:
    const mkey = mkeyOf(m, mr)!.fields; // { tphEn: true, tphPh: 2, tphStIndex: 1, ... }
    const hints = tlpOf(m, mr); // { th: true, ph: 2, st: 0x4321, prefix: true }: ST table entry 1 holds 0x4321
    // --- README example ends here ---
    expect([buf, bad, owner.errno, ok]).toEqual([4, -1, EINVAL, 0]);
    expect([dev, fd]).toEqual([3, 3]);
    expect(mkey).toMatchObject({ tphEn: true, tphPh: 2, tphStIndex: 1 });
    expect(hints).toEqual({ th: true, ph: 2, st: 0x4321, prefix: true });
    // The ST table entry behind index 1 holds the 16-bit tag the owner set.
    expect([...m.nic.st!.idxXa]).toEqual([[1, { usecount: 1, tag: 0x4321 }]]);
  });
});
