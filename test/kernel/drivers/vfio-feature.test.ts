/**
 * VFIO_DEVICE_FEATURE with DMA_BUF (11) and DMA_BUF_TPH (13): one row per check of
 * linux-tph-stack.md section 5, each built so that it would ALSO fail a later check, which proves
 * the order (the earlier check's errno wins).
 */
import { describe, expect, it } from "vitest";
import { dmaBufGet, dmaBufGetPciTph, dmaBufPut } from "../../../src/kernel/dma-buf/dma-buf.js";
import {
  EBADF,
  EFAULT,
  EINVAL,
  ENODEV,
  ENOMEM,
  ENOTTY,
  EOPNOTSUPP,
  EOVERFLOW,
} from "../../../src/kernel/errno.js";
import { encode } from "../../../src/kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF as DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH as DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET as GET,
  VFIO_DEVICE_FEATURE_PROBE as PROBE,
  VFIO_DEVICE_FEATURE_SET as SET,
  VFIO_DMA_BUF_TPH_ST as ST,
  VFIO_DMA_BUF_TPH_ST_EXT as ST_EXT,
  vfio_device_feature_dma_buf_mainline,
} from "../../../src/kernel/include/uapi/linux/vfio.js";
import type { Kernel } from "../../../src/kernel/kernel.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { vfioPciCoreRegisterDevice, vfioPciOpen } from "../../../src/kernel/vfio/pci/vfio_pci_core.js";
import { vfioPciCoreFeatureDmaBuf } from "../../../src/kernel/vfio/pci/vfio_pci_dmabuf_feature.js";
import { vfioDeviceFeature, vfioUnregisterGroupDev } from "../../../src/kernel/vfio/vfio_main.js";
import { vfioFeatureArgRaw as arg, encodeDmaBufTph } from "../../../src/uapi/vfio.js";
import {
  ACC_BAR_SIZE,
  ACC_SIBLING,
  bootTestbed,
  dmaBufPayload,
  exportDmaBuf,
  type TestbedOptions,
} from "./testbed.js";

const U64 = 1n << 64n;

function setup(o: TestbedOptions = {}) {
  const t = bootTestbed({ sibling: "unbound", ...o });
  const devFd = vfioPciOpen(t.k, t.acc);
  return { ...t, devFd };
}

type Row = readonly [name: string, build: (k: Kernel) => Uint8Array, errno: number];

describe("VFIO_DEVICE_FEATURE header (vfio_ioctl_device_feature)", () => {
  const ok = (k: Kernel) => dmaBufPayload(k);
  const rows: Row[] = [
    ["header not readable -> -EFAULT", (k) => arg(GET | DMA_BUF, ok(k), { readable: 7 }), -EFAULT],
    [
      "argsz below the header -> -EINVAL (before flags)",
      (k) => arg(GET | SET | (1 << 19), ok(k), { argsz: 7 }),
      -EINVAL,
    ],
    ["unknown flag bit -> -EINVAL", (k) => arg(GET | DMA_BUF | (1 << 19), ok(k)), -EINVAL],
    ["GET and SET without PROBE -> -EINVAL", (k) => arg(GET | SET | DMA_BUF, ok(k)), -EINVAL],
    ["unknown feature -> -ENOTTY", (k) => arg(GET | 99, ok(k)), -ENOTTY],
  ];
  it.each(rows)("%s", (_n, build, errno) => {
    const t = setup();
    expect(vfioDeviceFeature(t.k, t.devFd, build(t.k))).toBe(errno);
  });
  it("a bad device fd -> -EBADF; a non-VFIO fd -> -EBADF", () => {
    const t = setup();
    expect(vfioDeviceFeature(t.k, 42, arg(GET | DMA_BUF, dmaBufPayload(t.k)))).toBe(-EBADF);
    const dmabufFd = exportDmaBuf(t.k, t.devFd);
    expect(vfioDeviceFeature(t.k, dmabufFd, arg(GET | DMA_BUF, dmaBufPayload(t.k)))).toBe(-EBADF);
  });
});

describe("VFIO_DEVICE_FEATURE_DMA_BUF: each check in order", () => {
  const p = (k: Kernel, o: Parameters<typeof dmaBufPayload>[1]) => dmaBufPayload(k, o);
  const rows: Row[] = [
    [
      "SET (not supported) -> -EINVAL, even with argsz 0",
      (k) => arg(SET | DMA_BUF, p(k, {}), { argsz: 8 }),
      -EINVAL,
    ],
    ["PROBE -> 0, whatever follows", () => arg(PROBE | GET | DMA_BUF, new Uint8Array(0)), 0],
    ["neither GET nor SET -> -EINVAL", (k) => arg(DMA_BUF, p(k, {})), -EINVAL],
    [
      "argsz below 16 -> -EINVAL (before the copy faults)",
      (k) => arg(GET | DMA_BUF, p(k, {}), { argsz: 8 + 15, readable: 8 }),
      -EINVAL,
    ],
    ["header copy faults -> -EFAULT", (k) => arg(GET | DMA_BUF, p(k, {}), { readable: 8 + 10 }), -EFAULT],
    [
      "nr_ranges 0 -> -EINVAL (before the region check)",
      (k) => arg(GET | DMA_BUF, p(k, { bar: 7, ranges: [] })),
      -EINVAL,
    ],
    [
      "flags != 0 -> -EINVAL (before the region check)",
      (k) => arg(GET | DMA_BUF, p(k, { bar: 7, flags: 1 })),
      -EINVAL,
    ],
    [
      "region 6 (ROM) -> -ENODEV (before the ranges are copied)",
      (k) => arg(GET | DMA_BUF, p(k, { bar: 6 }), { readable: 8 + 16 }),
      -ENODEV,
    ],
    [
      "ranges too large to copy -> -ENOMEM (before they fault)",
      (k) => {
        const b = arg(GET | DMA_BUF, p(k, {}));
        new DataView(b.buffer).setUint32(8 + 12, 262145, true);
        return b;
      },
      -ENOMEM,
    ],
    [
      "ranges of exactly KMALLOC_MAX_SIZE are copied (here they fault: -EFAULT, not -ENOMEM)",
      (k) => {
        const b = arg(GET | DMA_BUF, p(k, {}));
        new DataView(b.buffer).setUint32(8 + 12, 262144, true);
        return b;
      },
      -EFAULT,
    ],
    [
      "ranges not readable -> -EFAULT",
      (k) => arg(GET | DMA_BUF, p(k, {}), { readable: 8 + 16 + 8 }),
      -EFAULT,
    ],
    [
      "zero-length range -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: 0, length: 0 }] })),
      -EINVAL,
    ],
    [
      "offset not page aligned -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: 0x800, length: 0x1000 }] })),
      -EINVAL,
    ],
    [
      "length not page aligned -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: 0, length: 0x1800 }] })),
      -EINVAL,
    ],
    [
      "total length wraps -> -EINVAL (before the -EOVERFLOW of range 0)",
      (k) =>
        arg(
          GET | DMA_BUF,
          p(k, {
            ranges: [
              { offset: U64 - 0x1000n, length: 1n << 63n },
              { offset: 0, length: 1n << 63n },
            ],
          }),
        ),
      -EINVAL,
    ],
    [
      "total with bit 63 -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: 0, length: 1n << 63n }] })),
      -EINVAL,
    ],
    [
      "BAR 1 (upper half of 64-bit BAR 0) is no provider -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { bar: 1 })),
      -EINVAL,
    ],
    [
      "start + offset wraps -> -EOVERFLOW",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: U64 - 0x1000n, length: 0x1000 }] })),
      -EOVERFLOW,
    ],
    [
      "range past the BAR -> -EINVAL",
      (k) => arg(GET | DMA_BUF, p(k, { ranges: [{ offset: ACC_BAR_SIZE, length: 0x1000 }] })),
      -EINVAL,
    ],
    [
      "ranges checked in order: range 0 past the BAR wins over range 1 wrapping",
      (k) =>
        arg(
          GET | DMA_BUF,
          p(k, {
            ranges: [
              { offset: ACC_BAR_SIZE, length: 0x1000 },
              { offset: U64 - 0x2000n, length: 0x1000 },
            ],
          }),
        ),
      -EINVAL,
    ],
    [
      "ranges checked in order: range 0 wrapping wins over range 1 past the BAR",
      (k) =>
        arg(
          GET | DMA_BUF,
          p(k, {
            ranges: [
              { offset: U64 - 0x2000n, length: 0x1000 },
              { offset: ACC_BAR_SIZE, length: 0x1000 },
            ],
          }),
        ),
      -EOVERFLOW,
    ],
  ];
  it.each(rows)("%s", (_n, build, errno) => {
    const t = setup();
    expect(vfioDeviceFeature(t.k, t.devFd, build(t.k))).toBe(errno);
  });

  it("a range ending exactly at the end of the BAR is exported", () => {
    const t = setup();
    const last = arg(GET | DMA_BUF, p(t.k, { ranges: [{ offset: ACC_BAR_SIZE - 0x1000, length: 0x1000 }] }));
    expect(vfioDeviceFeature(t.k, t.devFd, last)).toBeGreaterThan(t.devFd);
  });

  it("a device that cannot export -> -EOPNOTSUPP, before the flag check", () => {
    const t = setup();
    const sib = vfioPciCoreRegisterDevice(t.k, t.k.pciDev(ACC_SIBLING)!, { dmabuf: false });
    if (typeof sib === "number") throw new Error("bind");
    const fd = vfioPciOpen(t.k, sib);
    expect(vfioDeviceFeature(t.k, fd, arg(SET | DMA_BUF, dmaBufPayload(t.k)))).toBe(-EOPNOTSUPP);
  });

  it("an unregistered device -> -ENODEV, after every argument check", () => {
    const t = bootTestbed();
    vfioUnregisterGroupDev(t.k, t.acc.vdev);
    const payload = dmaBufPayload(t.k);
    expect(vfioPciCoreFeatureDmaBuf(t.k, t.acc, GET | DMA_BUF, payload, payload.length)).toBe(-ENODEV);
    const bad = dmaBufPayload(t.k, { bar: 6 });
    expect(vfioPciCoreFeatureDmaBuf(t.k, t.acc, GET | DMA_BUF, bad, bad.length)).toBe(-ENODEV);
    const unaligned = dmaBufPayload(t.k, { ranges: [{ offset: 1, length: 0x1000 }] });
    expect(vfioPciCoreFeatureDmaBuf(t.k, t.acc, GET | DMA_BUF, unaligned, unaligned.length)).toBe(-EINVAL);
  });

  it("success: a new fd whose file carries open_flags; live while memory decoding is on", () => {
    const t = setup();
    const fd = exportDmaBuf(t.k, t.devFd, {
      openFlags: 0o2000000,
      ranges: [
        { offset: 0x1000, length: 0x3000 },
        { offset: 0x10000, length: 0x1000 },
      ],
    });
    expect(fd).toBeGreaterThan(t.devFd);
    const file = t.k.fds.get(fd)!;
    expect(file.kind).toBe("dma_buf");
    expect(file.flags).toBe(0o2000000);
    expect(t.acc.dmabufs).toHaveLength(1);
    expect(t.acc.dmabufs[0]!.size).toBe(0x4000n);
    expect(t.acc.dmabufs[0]!.status).toBe("ok");
  });

  it("the ranges may follow the header beyond argsz (memdup reads user memory, not argsz)", () => {
    const t = setup();
    expect(
      vfioDeviceFeature(t.k, t.devFd, arg(GET | DMA_BUF, dmaBufPayload(t.k), { argsz: 8 + 16 })),
    ).toBeGreaterThan(2);
  });
});

describe("rfc layout: __u16 steering_tag; __u8 ph; after open_flags", () => {
  it("a binary built against the mainline header is misread (nr_ranges read as flags) -> -EINVAL", () => {
    const t = setup({ revision: "rfc" });
    const mainlineBytes = encode(vfio_device_feature_dma_buf_mainline, {
      region_index: 0,
      open_flags: 0,
      flags: 0,
      nr_ranges: 1,
      dma_ranges: [{ offset: 0, length: 0x1000 }],
    });
    expect(vfioDeviceFeature(t.k, t.devFd, arg(GET | DMA_BUF, mainlineBytes))).toBe(-EINVAL);
    expect(t.k.trace.last("vfio_pci_core_feature_dma_buf")!.args).toMatchObject({ flags: 1 });
  });
  it("argsz must cover the 24-byte rfc header", () => {
    const t = setup({ revision: "rfc" });
    const payload = dmaBufPayload(t.k);
    expect(vfioDeviceFeature(t.k, t.devFd, arg(GET | DMA_BUF, payload, { argsz: 8 + 20 }))).toBe(-EINVAL);
    expect(vfioDeviceFeature(t.k, t.devFd, arg(GET | DMA_BUF, payload))).toBeGreaterThan(2);
  });
  it("the tag and PH are stored with the buffer, unchecked", () => {
    const t = setup({ revision: "rfc" });
    exportDmaBuf(t.k, t.devFd, { st: 0x1234, ph: 7 });
    expect(t.acc.dmabufs[0]!.tph).toEqual({ flags: 0, st: 0x1234, stExt: 0, ph: 7 });
  });
});

describe("VFIO_DEVICE_FEATURE_DMA_BUF_TPH (v11): each check in order", () => {
  function tph(o: TestbedOptions = {}) {
    const t = setup(o);
    const dmabufFd = exportDmaBuf(t.k, t.devFd);
    return { ...t, dmabufFd };
  }
  const T = (fd: number, flags: number, ph = 0, extra: Partial<{ st: number; stExt: number }> = {}) =>
    encodeDmaBufTph({ fd, flags, ph, ...extra });
  type TRow = readonly [string, TestbedOptions, (fd: number) => Uint8Array, number];
  const rows: TRow[] = [
    [
      "no TPH completer -> -EOPNOTSUPP, even for PROBE",
      { accCompleter: 0 },
      (fd) => arg(PROBE | SET | DMA_BUF_TPH, T(fd, ST)),
      -EOPNOTSUPP,
    ],
    [
      "no TPH completer -> -EOPNOTSUPP before GET's -EINVAL",
      { accCompleter: 0 },
      (fd) => arg(GET | DMA_BUF_TPH, T(fd, ST)),
      -EOPNOTSUPP,
    ],
    [
      "reserved completer value 2 counts as none",
      { accCompleter: 2 },
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST)),
      -EOPNOTSUPP,
    ],
    ["GET (SET only) -> -EINVAL", {}, (fd) => arg(GET | DMA_BUF_TPH, T(fd, ST)), -EINVAL],
    ["PROBE -> 0", { accCompleter: 1 }, () => arg(PROBE | SET | DMA_BUF_TPH, new Uint8Array(0)), 0],
    [
      "argsz below 12 -> -EINVAL (before the copy faults)",
      {},
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST), { argsz: 8 + 11, readable: 8 }),
      -EINVAL,
    ],
    [
      "copy faults -> -EFAULT",
      {},
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, 99, 9), { readable: 8 + 11 }),
      -EFAULT,
    ],
    [
      "unknown flag bits -> -EINVAL (before ST_EXT's -EOPNOTSUPP)",
      { accCompleter: 1 },
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST_EXT | 4)),
      -EINVAL,
    ],
    [
      "ph above 3 -> -EINVAL (before ST_EXT's -EOPNOTSUPP)",
      { accCompleter: 1 },
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST_EXT, 4)),
      -EINVAL,
    ],
    [
      "ST_EXT on a TPH-only completer -> -EOPNOTSUPP (before the fd check)",
      { accCompleter: 1 },
      () => arg(SET | DMA_BUF_TPH, T(99, ST_EXT)),
      -EOPNOTSUPP,
    ],
    ["fd not open -> dma_buf_get()'s -EBADF", {}, () => arg(SET | DMA_BUF_TPH, T(99, ST)), -EBADF],
    ["fd not a dma-buf -> -EINVAL", {}, () => arg(SET | DMA_BUF_TPH, T(3, ST)), -EINVAL],
    [
      "ST only on a TPH-only completer -> 0",
      { accCompleter: 1 },
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST, 3, { st: 0xff })),
      0,
    ],
    [
      "both namespaces on an Extended completer -> 0",
      {},
      (fd) => arg(SET | DMA_BUF_TPH, T(fd, ST | ST_EXT, 1)),
      0,
    ],
  ];
  it.each(rows)("%s", (_n, o, build, errno) => {
    const t = tph(o);
    expect(vfioDeviceFeature(t.k, t.devFd, build(t.dmabufFd))).toBe(errno);
  });

  it("a dma-buf of another vfio device -> -EINVAL", () => {
    const t = tph();
    const sib = vfioPciCoreRegisterDevice(t.k, t.k.pciDev(ACC_SIBLING)!);
    if (typeof sib === "number") throw new Error("bind");
    const sibFd = vfioPciOpen(t.k, sib);
    const otherBuf = exportDmaBuf(t.k, sibFd);
    expect(vfioDeviceFeature(t.k, t.devFd, arg(SET | DMA_BUF_TPH, T(otherBuf, ST)))).toBe(-EINVAL);
    expect(vfioDeviceFeature(t.k, sibFd, arg(SET | DMA_BUF_TPH, T(otherBuf, ST)))).toBe(0);
  });

  it("each SET replaces the whole state; flags 0 makes both namespaces invalid", () => {
    const t = tph();
    const query = (ext: boolean) => {
      const { dmabuf } = dmaBufGet(t.k, t.dmabufFd);
      dmabuf!.resv.lock("test");
      const r = dmaBufGetPciTph(t.k, dmabuf!, ext);
      dmabuf!.resv.unlock();
      dmaBufPut(t.k, dmabuf!);
      return r;
    };
    vfioDeviceFeature(
      t.k,
      t.devFd,
      arg(SET | DMA_BUF_TPH, T(t.dmabufFd, ST | ST_EXT, 2, { st: 0x12, stExt: 0x3456 })),
    );
    expect(query(false)).toEqual({ ret: 0, st: 0x12, ph: 2 });
    expect(query(true)).toEqual({ ret: 0, st: 0x3456, ph: 2 });
    vfioDeviceFeature(t.k, t.devFd, arg(SET | DMA_BUF_TPH, T(t.dmabufFd, ST_EXT, 1, { stExt: 0x77 })));
    expect(query(false).ret).toBe(-EOPNOTSUPP);
    expect(query(true)).toEqual({ ret: 0, st: 0x77, ph: 1 });
    vfioDeviceFeature(t.k, t.devFd, arg(SET | DMA_BUF_TPH, T(t.dmabufFd, 0)));
    expect(query(true).ret).toBe(-EOPNOTSUPP);
    expect(t.k.violations).toEqual([]);
  });

  it("tags are not range-checked (open problem 3): any 16-bit value is stored", () => {
    const t = tph();
    expect(
      vfioDeviceFeature(t.k, t.devFd, arg(SET | DMA_BUF_TPH, T(t.dmabufFd, ST_EXT, 0, { stExt: 0xffff }))),
    ).toBe(0);
    expect(t.acc.dmabufs[0]!.tph.stExt).toBe(0xffff);
  });

  it.each<RevisionName>(["mainline", "rfc"])("%s has no feature 13 -> -ENOTTY", (revision) => {
    const t = setup({ revision });
    expect(vfioDeviceFeature(t.k, t.devFd, arg(SET | DMA_BUF_TPH, T(5, ST)))).toBe(-ENOTTY);
  });
});
