/**
 * Random argument bytes to every facade call never throw: each call returns success or the C
 * failure value with a known errno, and the system's invariants still hold afterwards. Where the
 * input names a state linux-tph-stack.md decides (sections 3 and 5), the errno must be the one
 * written in the tables below, by hand from the reference, not taken from the model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERRNO_NAME } from "../../src/kernel/errno.js";
import { encode } from "../../src/kernel/include/uapi/codec.js";
import { checkInvariants, invariantViolations } from "../../src/kernel/invariants.js";
import { bootMachine } from "../../src/report/review/machine.js";
import { dmaBufPayload } from "../../src/report/review/program.js";
import { dmaBufTph, featureArg, VFIO } from "../../src/report/review/uapi-h.js";
import type { Libc } from "../../src/uapi/libc.js";
import { ibv_mr_init_attr } from "../../src/uapi/rdma/verbs-structs.js";
import {
  ibv_alloc_dmah,
  ibv_alloc_pd,
  ibv_get_device_list,
  ibv_open_device,
  ibv_reg_dmabuf_mr,
  ibv_reg_mr,
  ibv_reg_mr_ex,
} from "../../src/uapi/verbs.js";

const RUNS = { numRuns: 150 };

function system() {
  const m = bootMachine("proposed");
  const owner = m.host.spawn("owner");
  const dev = owner.open(m.paths.accs[0]!);
  const buf = owner.ioctl(
    dev,
    VFIO.DEVICE_FEATURE,
    featureArg(0x10000 | 11, dmaBufPayload(m.headers.dmaBufStruct)),
  );
  const app = m.host.spawn("app");
  const fd = owner.sendFd(buf, app);
  const ctx = ibv_open_device(app, ibv_get_device_list(app)[0]!)!;
  const pd = ibv_alloc_pd(ctx)!;
  return { m, owner, dev, buf, app, fd, ctx, pd };
}

/** A C-style int result: >= 0, or -1 with a known errno. */
function cResult(ret: number, libc: Libc): void {
  expect(Number.isSafeInteger(ret)).toBe(true);
  if (ret < 0) {
    expect(ret).toBe(-1);
    expect(ERRNO_NAME[libc.errno]).toBeDefined();
  }
}
/** A pointer result: an object, or NULL with a known errno. */
function ptrResult(obj: unknown, libc: Libc): void {
  if (obj === null) expect(ERRNO_NAME[libc.errno]).toBeDefined();
}

function invariantsHold(m: ReturnType<typeof bootMachine>): void {
  expect(invariantViolations(checkInvariants(m.k, { ibdevs: [m.ib] }))).toEqual([]);
}

/** Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h). */
const E = { EPERM: 1, EBADF: 9, EFAULT: 14, ENODEV: 19, EINVAL: 22, ENOTTY: 25, EOPNOTSUPP: 95 } as const;
type Errno = keyof typeof E | "ok";

/** Which states the random inputs reached, so a test also fails when it stops naming any. */
type Seen = Map<string, number>;
function note(seen: Seen, state: string): void {
  seen.set(state, (seen.get(state) ?? 0) + 1);
}

/** Checks a call's result against the table's errno for the state, when the table names one. */
function expectState(
  seen: Seen,
  want: [state: string, errno: Errno] | undefined,
  ret: number | null,
  libc: Libc,
) {
  if (!want) return;
  const [state, errno] = want;
  note(seen, state);
  if (errno === "ok") expect(ret === -1 || ret === null, `${state}: expected success`).toBe(false);
  else expect([ret === -1 || ret === null, libc.errno], state).toEqual([true, E[errno]]);
}

const u32At = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const s32At = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getInt32(at, true);

/**
 * (ioctl VFIO_DEVICE_FEATURE on the accelerator, state) -> errno, from linux-tph-stack.md 5 and
 * vfio_ioctl_device_feature(): the accelerator exports dma-bufs and is an Extended TPH completer
 * (proposed revision); `buf` is a dma-buf of it and `dev` its device fd. Undefined: a state the
 * reference leaves to the model (range contents, BAR sizes, other fds).
 */
function featureState(arg: Uint8Array, fds: { dev: number; buf: number }): [string, Errno] | undefined {
  if (arg.length < 8) return ["header not readable", "EFAULT"];
  const argsz = u32At(arg, 0);
  const flags = u32At(arg, 4);
  const [get, set, probe] = [flags & 0x10000, flags & 0x20000, flags & 0x40000];
  if (argsz < 8) return ["argsz below the header", "EINVAL"];
  if (flags & ~0x7ffff) return ["unknown flag bits", "EINVAL"];
  if (!probe && get && set) return ["GET and SET without PROBE", "EINVAL"];
  const feature = flags & 0xffff;
  const data = arg.subarray(8);
  if (feature === 11) {
    if (set) return ["DMA_BUF: SET", "EINVAL"];
    if (probe) return ["DMA_BUF: PROBE", "ok"];
    if (!get) return ["DMA_BUF: neither GET nor SET", "EINVAL"];
    if (argsz - 8 < 16) return ["DMA_BUF: argsz below the struct", "EINVAL"];
    if (data.length < 16) return ["DMA_BUF: struct not readable", "EFAULT"];
    if (u32At(data, 12) === 0 || u32At(data, 8) !== 0) return ["DMA_BUF: nr_ranges 0 or flags set", "EINVAL"];
    if (u32At(data, 0) > 5) return ["DMA_BUF: region not a BAR", "ENODEV"];
    return undefined;
  }
  if (feature === 13) {
    if (get) return ["DMA_BUF_TPH: GET", "EINVAL"];
    if (probe) return ["DMA_BUF_TPH: PROBE", "ok"];
    if (!set) return ["DMA_BUF_TPH: neither GET nor SET", "EINVAL"];
    if (argsz - 8 < 12) return ["DMA_BUF_TPH: argsz below the struct", "EINVAL"];
    if (data.length < 12) return ["DMA_BUF_TPH: struct not readable", "EFAULT"];
    if (u32At(data, 4) & ~3) return ["DMA_BUF_TPH: unknown tag flags", "EINVAL"];
    if (data[11]! & ~3) return ["DMA_BUF_TPH: ph above 3", "EINVAL"];
    const fd = s32At(data, 0);
    if (fd === fds.buf) return ["DMA_BUF_TPH: this device's dma-buf", "ok"];
    if (fd === fds.dev) return ["DMA_BUF_TPH: fd not a dma-buf", "EINVAL"];
    if (fd < 0 || fd > 1023) return ["DMA_BUF_TPH: fd not open", "EBADF"];
    return undefined;
  }
  return ["feature vfio-pci does not have", "ENOTTY"];
}

/**
 * (ibv_alloc_dmah, state) -> errno, from linux-tph-stack.md 3 (uverbs, then mlx5) for the review
 * machine's 8 CPUs: only attributes with no unknown comp_mask bit and no CPU the caller may or
 * may not be allowed are named.
 */
function dmahState(attr: Uint8Array): [string, Errno] | undefined {
  if (attr.length < 12) return undefined;
  const mask = u32At(attr, 0);
  const [cpuId, ph, memType] = [mask & 1, mask & 2, mask & 4];
  // Unknown comp_mask bits and memory types other than VM/PM: the reference does not say.
  if (mask & ~7 || (memType && attr[9]! > 1)) return undefined;
  if (cpuId && u32At(attr, 4) >= 8) return ["DMAH: cpu_id >= nr_cpu_ids", "EINVAL"];
  if (cpuId) return undefined;
  if (ph && attr[8]! & 0xfc) return ["DMAH: ph & 0xfc", "EINVAL"];
  if (!ph) return ["DMAH: no PH (mlx5)", "EINVAL"];
  if (memType) return ["DMAH: MEM_TYPE without CPU_ID (mlx5)", "EINVAL"];
  return ["DMAH: PH only", "ok"];
}

/** After a property: the states the table names that the inputs reached, at least `min` of them. */
function reached(seen: Seen, min: number): void {
  expect([...seen.keys()].length, [...seen.keys()].join("; ")).toBeGreaterThanOrEqual(min);
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** Flags that reach the dma-buf features often: a feature number 0..15 and random op bits. */
const featureFlags = fc.oneof(
  u32,
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 7 })).map(([f, op]) => f | (op << 16)),
);

describe("facade calls with random arguments", () => {
  it("ioctl(VFIO_DEVICE_FEATURE) with random bytes", () => {
    const seen: Seen = new Map();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const { m, owner, dev, buf } = system();
        const ret = owner.ioctl(dev, VFIO.DEVICE_FEATURE, bytes);
        cResult(ret, owner);
        expectState(seen, featureState(bytes, { dev, buf }), ret, owner);
        invariantsHold(m);
      }),
      RUNS,
    );
    reached(seen, 2);
  });

  it("ioctl(VFIO_DEVICE_FEATURE) with a well-formed header and a random payload", () => {
    const seen: Seen = new Map();
    fc.assert(
      fc.property(featureFlags, fc.uint8Array({ maxLength: 72 }), fc.option(u32), (flags, payload, argsz) => {
        const { m, owner, dev, buf } = system();
        const bytes = featureArg(flags, payload, argsz === null ? {} : { argsz });
        const ret = owner.ioctl(dev, VFIO.DEVICE_FEATURE, bytes);
        cResult(ret, owner);
        expectState(seen, featureState(bytes, { dev, buf }), ret, owner);
        invariantsHold(m);
      }),
      RUNS,
    );
    reached(seen, 5);
  });

  it("SET DMA_BUF_TPH with random struct fields", () => {
    const seen: Seen = new Map();
    const fields = fc.record({
      fd: fc.oneof(fc.constantFrom("buf", "dev"), fc.integer({ min: -3, max: 2000 })),
      flags: fc.oneof(fc.nat(3), u32),
      st: fc.nat(255),
      stExt: fc.nat(0xffff),
      ph: fc.oneof(fc.nat(3), fc.nat(255)),
    });
    fc.assert(
      fc.property(fields, (f) => {
        const { m, owner, dev, buf } = system();
        const fd = f.fd === "buf" ? buf : f.fd === "dev" ? dev : f.fd;
        const bytes = featureArg(VFIO.FEATURE_SET | VFIO.FEATURE_DMA_BUF_TPH, dmaBufTph({ ...f, fd }));
        const ret = owner.ioctl(dev, VFIO.DEVICE_FEATURE, bytes);
        cResult(ret, owner);
        expectState(seen, featureState(bytes, { dev, buf }), ret, owner);
        invariantsHold(m);
      }),
      RUNS,
    );
    reached(seen, 5);
  });

  it("ibv_alloc_dmah with random bytes and random attributes", () => {
    const seen: Seen = new Map();
    const dmahAttr = fc
      .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 12 }), fc.nat(255), fc.nat(2))
      .map(([mask, cpu, ph, mem]) => {
        const b = new Uint8Array(12);
        new DataView(b.buffer).setUint32(0, mask, true);
        new DataView(b.buffer).setUint32(4, cpu, true);
        b[8] = ph;
        b[9] = mem;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 16 }), dmahAttr), (bytes) => {
        const { m, app, ctx } = system();
        const dmah = ibv_alloc_dmah(ctx, bytes);
        ptrResult(dmah, app);
        expectState(seen, dmahState(bytes), dmah === null ? null : 0, app);
        invariantsHold(m);
      }),
      RUNS,
    );
    reached(seen, 3);
  });

  it("ibv_reg_mr_ex with random bytes and with random fields", () => {
    const fields = fc.record({
      length: u64,
      access: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      comp_mask: fc.oneof(u64, fc.integer({ min: 0, max: 31 }).map(BigInt)),
      iova: u64,
      addr: u64,
      fd: fc.integer({ min: -2, max: 6 }),
      fd_offset: fc.oneof(u64, fc.constantFrom(0n, 0x1000n)),
      dmah: u64,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 72 }),
          fields.map((f) => encode(ibv_mr_init_attr, f)),
        ),
        (bytes) => {
          const { m, app, pd } = system();
          ptrResult(ibv_reg_mr_ex(pd, bytes), app);
          invariantsHold(m);
        },
      ),
      RUNS,
    );
  });

  it("ibv_reg_dmabuf_mr and ibv_reg_mr with random scalars", () => {
    const access = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(u64, u64, u64, fc.integer({ min: -2, max: 6 }), access, (offset, length, iova, fd, acc) => {
        const { m, app, pd } = system();
        ptrResult(ibv_reg_dmabuf_mr(pd, offset, length, iova, fd, acc), app);
        ptrResult(ibv_reg_mr(pd, offset, length, acc), app);
        invariantsHold(m);
      }),
      RUNS,
    );
  });
});
