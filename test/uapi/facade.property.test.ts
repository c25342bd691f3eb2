/**
 * Random argument bytes to every facade call never throw: each call returns success or the C
 * failure value with a known errno, and the system's invariants still hold afterwards.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERRNO_NAME } from "../../src/kernel/errno.js";
import { encode } from "../../src/kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE,
  vfio_device_feature,
  vfioFeatureArg,
} from "../../src/kernel/include/uapi/linux/vfio.js";
import { checkInvariants, invariantViolations } from "../../src/kernel/invariants.js";
import { bootMachine } from "../../src/report/review/machine.js";
import { dmaBufPayload } from "../../src/report/review/program.js";
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
    VFIO_DEVICE_FEATURE,
    vfioFeatureArg((1 << 16) | 11, dmaBufPayload(m.headers.dmaBufStruct)),
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

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** Flags that reach the dma-buf features often: a feature number 0..15 and random op bits. */
const featureFlags = fc.oneof(
  u32,
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 7 })).map(([f, op]) => f | (op << 16)),
);

describe("facade calls with random arguments", () => {
  it("ioctl(VFIO_DEVICE_FEATURE) with random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const { m, owner, dev } = system();
        cResult(owner.ioctl(dev, VFIO_DEVICE_FEATURE, bytes), owner);
        invariantsHold(m);
      }),
      RUNS,
    );
  });

  it("ioctl(VFIO_DEVICE_FEATURE) with a well-formed header and a random payload", () => {
    fc.assert(
      fc.property(featureFlags, fc.uint8Array({ maxLength: 72 }), fc.option(u32), (flags, payload, argsz) => {
        const { m, owner, dev } = system();
        const bytes = encode(vfio_device_feature, {
          argsz: argsz ?? 8 + payload.length,
          flags,
          data: [...payload],
        });
        cResult(owner.ioctl(dev, VFIO_DEVICE_FEATURE, bytes), owner);
        invariantsHold(m);
      }),
      RUNS,
    );
  });

  it("ibv_alloc_dmah with random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const { m, app, ctx } = system();
        ptrResult(ibv_alloc_dmah(ctx, bytes), app);
        invariantsHold(m);
      }),
      RUNS,
    );
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
