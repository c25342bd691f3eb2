/**
 * The bytes a program passes, as the model's encoders build them, against the same structs packed
 * by hand from the headers (src/report/review/uapi-h.ts): a moved field, a wrong flag bit or a
 * renumbered feature in the model shows here, for any field values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VFIO_DEVICE_FEATURE, vfioDmaBufStruct } from "../../src/kernel/include/uapi/linux/vfio.js";
import { REVISIONS } from "../../src/kernel/revision.js";
import { bootMachine } from "../../src/report/review/machine.js";
import * as H from "../../src/report/review/uapi-h.js";
import { vfioExportDmaBuf, vfioSetDmaBufTph } from "../../src/uapi/p2p-host.js";
import { encodeDmahInitAttr, encodeMrInitAttr } from "../../src/uapi/rdma/verbs-structs.js";
import {
  DMA_BUF_EXPORT_FLAGS,
  DMA_BUF_TPH_SET_FLAGS,
  dmaBufExportArg,
  dmaBufTphFlags,
  dmaBufTphSetArg,
  encodeDmaBuf,
  encodeDmaBufTph,
  vfioFeatureArgRaw,
} from "../../src/uapi/vfio.js";

const u8 = fc.nat(255);
const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const s32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const tph = fc.record({ fd: s32, flags: u32, st: u8, stExt: u16, ph: u8 }, { requiredKeys: ["fd", "flags"] });
const ranges = fc.array(fc.record({ offset: u64, length: u64 }), { maxLength: 3 });
const exportArgs = fc.record(
  { bar: u32, openFlags: u32, flags: u32, ranges, nrRanges: u32, st: u16, ph: u8 },
  { requiredKeys: ["ranges"] },
);
const bytes = (b: Uint8Array) => [...b];

describe("model encoders agree with the headers, byte for byte", () => {
  it("feature flags and the VFIO_DEVICE_FEATURE ioctl number", () => {
    expect(VFIO_DEVICE_FEATURE).toBe(H.VFIO.DEVICE_FEATURE);
    expect(DMA_BUF_EXPORT_FLAGS).toBe(H.VFIO.FEATURE_GET | H.VFIO.FEATURE_DMA_BUF);
    expect(DMA_BUF_TPH_SET_FLAGS).toBe(H.VFIO.FEATURE_SET | H.VFIO.FEATURE_DMA_BUF_TPH);
  });

  it("struct vfio_device_feature_dma_buf_tph, its valid bits, and the whole SET argument", () => {
    fc.assert(
      fc.property(tph, (a) => {
        expect(bytes(encodeDmaBufTph(a))).toEqual(bytes(H.dmaBufTph(a)));
        expect(dmaBufTphFlags(a)).toBe(H.tphFlags(a));
        expect(bytes(dmaBufTphSetArg(a))).toEqual(bytes(H.featureArg(DMA_BUF_TPH_SET_FLAGS, H.dmaBufTph(a))));
      }),
    );
  });

  it("struct vfio_device_feature_dma_buf in both layouts, and the whole export argument", () => {
    fc.assert(
      fc.property(
        exportArgs,
        fc.constantFrom("proposed", "rfc") as fc.Arbitrary<"proposed" | "rfc">,
        (a, rev) => {
          const layout = vfioDmaBufStruct(REVISIONS[rev]);
          const rfc = rev === "rfc";
          const { st: _st, ph: _ph, ...plain } = a;
          const mine = rfc ? a : plain;
          expect(bytes(encodeDmaBuf(layout, mine))).toEqual(bytes(H.dmaBuf(mine, rfc)));
          expect(bytes(dmaBufExportArg(layout, mine))).toEqual(
            bytes(H.featureArg(H.VFIO.FEATURE_GET | H.VFIO.FEATURE_DMA_BUF, H.dmaBuf(mine, rfc))),
          );
        },
      ),
    );
  });

  it("a raw feature argument with any argsz and readable length", () => {
    fc.assert(
      fc.property(
        u32,
        fc.uint8Array({ maxLength: 40 }),
        opt(u32),
        opt(fc.nat(60)),
        (flags, p, argsz, readable) => {
          const o = {
            ...(argsz === undefined ? {} : { argsz }),
            ...(readable === undefined ? {} : { readable }),
          };
          expect(bytes(vfioFeatureArgRaw(flags, p, o))).toEqual(bytes(H.featureArg(flags, p, o)));
        },
      ),
    );
  });

  it("struct ibv_dmah_init_attr and struct ibv_mr_init_attr", () => {
    const dmah = fc.record({ cpu: u32, ph: u8, memType: u8 }, { requiredKeys: [] });
    const mr = fc.record(
      {
        length: u64,
        access: s32,
        iova: u64,
        addr: u64,
        fd: s32,
        fdOffset: u64,
        dmah: u64,
        compMask: fc.nat(31),
      },
      { requiredKeys: ["length", "access"] },
    );
    fc.assert(
      fc.property(dmah, mr, (d, m) => {
        expect(bytes(encodeDmahInitAttr(d))).toEqual(bytes(H.dmahInitAttr(d)));
        const { dmah: ptr, ...rest } = m;
        expect(bytes(encodeMrInitAttr(ptr === undefined ? rest : { ...rest, dmah: { ptr } }))).toEqual(
          bytes(H.mrInitAttr(m)),
        );
      }),
    );
  });

  it("the owner's two calls send what a C program would", () => {
    const m = bootMachine("proposed");
    const owner = m.host.spawn("owner");
    const dev = owner.open(m.paths.accs[0]!);
    const range = { ranges: [{ offset: 0n, length: 0x10000n }] };
    const fd = vfioExportDmaBuf(owner, dev, m.headers.dmaBufStruct, range);
    expect(fd).toBeGreaterThan(dev);
    const seen: Uint8Array[] = [];
    const ioctl = owner.ioctl.bind(owner);
    owner.ioctl = (f: number, cmd: number | string, arg?: Uint8Array) => {
      if (arg) seen.push(arg);
      return ioctl(f, cmd as never, arg as never);
    };
    const tag = { fd, flags: H.VFIO.DMA_BUF_TPH_ST, st: 0x21, ph: 2 };
    expect(vfioSetDmaBufTph(owner, dev, tag)).toBe(0);
    expect(vfioExportDmaBuf(owner, dev, m.headers.dmaBufStruct, range)).toBeGreaterThan(fd);
    expect(seen.map(bytes)).toEqual([
      bytes(H.featureArg(H.VFIO.FEATURE_SET | H.VFIO.FEATURE_DMA_BUF_TPH, H.dmaBufTph(tag))),
      bytes(H.featureArg(H.VFIO.FEATURE_GET | H.VFIO.FEATURE_DMA_BUF, H.dmaBuf(range))),
    ]);
  });
});
