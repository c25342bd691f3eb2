/**
 * VFIO.FEATURE_DMA_BUF (11): the ABI an existing user depends on and every check of
 * linux-tph-stack.md section 5 in the kernel's order, driven like a C test program.
 */
import { vfio_device_feature_dma_buf_mainline } from "../../../kernel/include/uapi/linux/vfio.js";
import { SEEK_END } from "../../../uapi/libc.js";
import { ibv_reg_dmabuf_mr } from "../../../uapi/verbs.js";
import { ACC_BAR, ACC_BAR_SIZE, mkeyOf } from "../machine.js";
import {
  ACCESS,
  dmaBufPayload,
  type ExportOpts,
  exportDmaBuf,
  type Owner,
  setMemory,
  startApp,
  startOwner,
} from "../program.js";
import { type Check, hex, type Scenario, showC } from "../scenario.js";
import { featureArg, VFIO } from "../uapi-h.js";

const GET = VFIO.FEATURE_GET;
const U64 = 1n << 64n;

function owner(s: Scenario, o: Parameters<Scenario["boot"]>[0] = {}) {
  const m = s.boot(o);
  return { m, owner: startOwner(s, m) };
}

/** One export attempt that must fail with `errno`; returns its "label -1 ERRNO" part. */
function refused(
  s: Scenario,
  who: Owner,
  layout: Parameters<typeof exportDmaBuf>[1],
  what: string,
  o: ExportOpts,
  errno: string,
): string {
  const ret = exportDmaBuf(who, layout, o);
  const shown = showC(ret, who.libc);
  s.fails(what, ret, who.libc, errno);
  return `${what} ${shown}`;
}

const compat: Check = {
  id: "abi-dma-buf-compat",
  title: "an existing DMA_BUF user (built against the merged layout) keeps working",
  kind: "check",
  ref: "series.md RFC: inserting fields moved flags 8->12, nr_ranges 12->16, ranges 16->24",
  run(s) {
    const { m, owner: o } = owner(s);
    const app = startApp(s, m);
    const range = { offset: 0n, length: 0x10000n };
    // The binary was compiled against the headers merged upstream, whatever kernel it runs on.
    const fd = exportDmaBuf(o, vfio_device_feature_dma_buf_mainline, { ranges: [range] });
    s.ok("export with the merged layout (ranges at offset 16)", fd, o.libc);
    const size = o.libc.lseek(fd, 0, SEEK_END);
    s.expect(size === 0x10000, `exported buffer has size ${showC(size, o.libc)}, asked 0x10000`);
    const appFd = o.libc.sendFd(fd, app.libc);
    const mr = s.some(
      "ibv_reg_dmabuf_mr",
      ibv_reg_dmabuf_mr(app.pd, 0n, 0x10000n, 0n, appFd, ACCESS),
      app.libc,
    );
    const seg = mkeyOf(m, mr)?.xlt[0];
    const why = `old binary: export fd ${fd}, size ${hex(size)}, MR maps ${seg ? `0x${seg.addr.toString(16)}+${hex(Number(seg.len))}` : "nothing"}`;
    s.expect(seg?.addr === BigInt(ACC_BAR) && seg.len === 0x10000n, why);
    return why;
  },
};

const featureFlags: Check = {
  id: "dma-buf-feature-flags",
  title: "DMA_BUF feature flags: PROBE 0; SET, neither, GET|SET and a short argsz EINVAL",
  kind: "check",
  ref: "linux-tph-stack.md 5 (vfio_check_feature)",
  run(s) {
    const { m, owner: o } = owner(s);
    const p = dmaBufPayload(m.headers.dmaBufStruct);
    const call = (flags: number, a: { argsz?: number } = {}) =>
      o.libc.ioctl(o.devFd, VFIO.DEVICE_FEATURE, featureArg(flags | VFIO.FEATURE_DMA_BUF, p, a));
    s.ok("PROBE", call(VFIO.FEATURE_PROBE), o.libc);
    s.ok("PROBE | GET", call(VFIO.FEATURE_PROBE | GET), o.libc);
    s.fails("SET", call(VFIO.FEATURE_SET), o.libc, "EINVAL");
    s.fails("neither GET nor SET", call(0), o.libc, "EINVAL");
    s.fails("GET | SET", call(GET | VFIO.FEATURE_SET), o.libc, "EINVAL");
    s.fails(
      "argsz below the struct",
      call(GET, { argsz: 8 + m.headers.dmaBufStruct.size - 1 }),
      o.libc,
      "EINVAL",
    );
    return "PROBE and PROBE|GET 0; SET, neither, GET|SET, short argsz -1 EINVAL";
  },
};

const header: Check = {
  id: "dma-buf-header-checks",
  title: "DMA_BUF header: copy fault EFAULT, nr_ranges 0 / flags EINVAL, not a BAR ENODEV, no BAR EINVAL",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner: o } = owner(s);
    const layout = m.headers.dmaBufStruct;
    const short = featureArg(GET | VFIO.FEATURE_DMA_BUF, dmaBufPayload(layout), {
      readable: 16,
    });
    s.fails("header cut after 8 bytes", o.libc.ioctl(o.devFd, VFIO.DEVICE_FEATURE, short), o.libc, "EFAULT");
    const one = [{ offset: 0n, length: 0x1000n }];
    const parts = [
      refused(s, o, layout, "ranges announced but missing", { ranges: one, nrRanges: 2 }, "EFAULT"),
      refused(s, o, layout, "nr_ranges=0", { ranges: [], nrRanges: 0 }, "EINVAL"),
      refused(s, o, layout, "flags=1", { flags: 1 }, "EINVAL"),
      refused(s, o, layout, "region 6 (ROM)", { bar: 6 }, "ENODEV"),
      refused(s, o, layout, "BAR 4 (unimplemented)", { bar: 4, ranges: one }, "EINVAL"),
    ];
    return `short header -1 EFAULT, ${parts.join(", ")}`;
  },
};

const ranges: Check = {
  id: "dma-buf-range-checks",
  title: "DMA_BUF ranges: empty, unaligned, past the BAR, wrapping EINVAL; overflowing EOVERFLOW",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner: o } = owner(s);
    const layout = m.headers.dmaBufStruct;
    const r = (offset: bigint, length: bigint) => ({ ranges: [{ offset, length }] });
    const half = 1n << 63n;
    const parts = [
      refused(s, o, layout, "length 0", r(0n, 0n), "EINVAL"),
      refused(s, o, layout, "offset 0x800", r(0x800n, 0x1000n), "EINVAL"),
      refused(s, o, layout, "length 0x1800", r(0n, 0x1800n), "EINVAL"),
      refused(s, o, layout, "past the BAR", r(BigInt(ACC_BAR_SIZE) - 0x1000n, 0x2000n), "EINVAL"),
      refused(
        s,
        o,
        layout,
        "total wraps",
        {
          ranges: [
            { offset: 0n, length: half },
            { offset: 0n, length: half },
          ],
        },
        "EINVAL",
      ),
      refused(s, o, layout, "start overflows", r(U64 - 0x1000n, 0x1000n), "EOVERFLOW"),
    ];
    s.ok("a valid range", exportDmaBuf(o, layout, r(0x1000n, 0x1000n)), o.libc);
    return parts.join(", ");
  },
};

const cannotExport: Check = {
  id: "dma-buf-cannot-export",
  title: "a device whose driver cannot export refuses even PROBE with EOPNOTSUPP",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner: o } = owner(s, { accDmaBuf: false });
    const layout = m.headers.dmaBufStruct;
    const probe = refused(
      s,
      o,
      layout,
      "PROBE",
      { featureFlags: VFIO.FEATURE_PROBE | VFIO.FEATURE_DMA_BUF },
      "EOPNOTSUPP",
    );
    const get = refused(s, o, layout, "GET", {}, "EOPNOTSUPP");
    return `${probe}, ${get}`;
  },
};

const startsRevoked: Check = {
  id: "dma-buf-starts-revoked",
  title: "a buffer exported while memory decoding is off starts revoked (import ENODEV until enabled)",
  kind: "check",
  ref: "linux-tph-stack.md 5",
  run(s) {
    const { m, owner: o } = owner(s);
    const app = startApp(s, m);
    setMemory(s, o, false);
    const fd = s.ok("export with memory off", exportDmaBuf(o, m.headers.dmaBufStruct), o.libc);
    const appFd = o.libc.sendFd(fd, app.libc);
    const reg = () => ibv_reg_dmabuf_mr(app.pd, 0n, 0x10000n, 0n, appFd, ACCESS);
    s.none("ibv_reg_dmabuf_mr while revoked", reg(), app.libc, "ENODEV");
    setMemory(s, o, true);
    s.some("ibv_reg_dmabuf_mr after memory is on", reg(), app.libc);
    return "export with memory off: MR -> NULL ENODEV; memory on: MR registered";
  },
};

export const VFIO_DMA_BUF_CHECKS: readonly Check[] = [
  compat,
  featureFlags,
  header,
  ranges,
  cannotExport,
  startsRevoked,
];
