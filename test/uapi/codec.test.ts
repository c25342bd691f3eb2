import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import {
  decode,
  decodeOrThrow,
  encode,
  leaves,
  ShortReadError,
} from "../../src/kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_SET,
  vfio_device_feature,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
  vfioFeatureArg,
} from "../../src/kernel/include/uapi/linux/vfio.js";
import { ibv_mr_init_attr } from "../../src/uapi/rdma/verbs-structs.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const mainlineReq = {
  region_index: 2,
  open_flags: 0x80002,
  flags: 0,
  nr_ranges: 2,
  dma_ranges: [
    { offset: 0x1000n, length: 0x2000n },
    { offset: 0x10000n, length: 0x1000n },
  ],
};

describe("encode", () => {
  it("writes little-endian members at their offsets, ranges after the header", () => {
    const b = encode(vfio_device_feature_dma_buf_mainline, mainlineReq);
    expect(b.length).toBe(16 + 2 * 16);
    expect(hex(b.subarray(0, 16))).toBe("02000000" + "02000800" + "00000000" + "02000000");
    expect(hex(b.subarray(16, 32))).toBe("0010000000000000" + "0020000000000000");
  });
  it("zeroes padding and puts rfc members where the rfc layout has them", () => {
    const b = encode(vfio_device_feature_dma_buf_rfc, {
      region_index: 1,
      open_flags: 2,
      steering_tag: 0xbeef,
      ph: 3,
      flags: 0,
      nr_ranges: 0,
    });
    expect(hex(b)).toBe(
      "01000000" + "02000000" + "efbe" + "03" + "00" + "00000000" + "00000000" + "00000000",
    );
  });
  it("encodes signed members two's complement", () => {
    const b = encode(vfio_device_feature_dma_buf_tph, {
      dmabuf_fd: -1,
      flags: 3,
      steering_tag_ext: 0x1234,
      steering_tag: 0x56,
      ph: 1,
    });
    expect(hex(b)).toBe("ffffffff" + "03000000" + "3412" + "56" + "01");
  });
  it("accepts safe numbers for 64-bit members and writes the header of an ioctl argument", () => {
    const b = encode(ibv_mr_init_attr, {
      length: 4096,
      access: 7,
      comp_mask: 4,
      iova: 0,
      addr: 0,
      fd: 5,
      fd_offset: 0,
      dmah: 0n,
    });
    expect(b.length).toBe(64);
    const arg = vfioFeatureArg(
      VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF,
      new Uint8Array([9, 8, 7]),
    );
    expect(hex(arg)).toBe("0b000000" + "0b000200" + "090807");
  });
  it("rejects out-of-range, non-integer, missing and unknown members with the member's path", () => {
    const base = { dmabuf_fd: 0, flags: 0, steering_tag_ext: 0, steering_tag: 0, ph: 0 };
    const err = (v: unknown): InputError => {
      try {
        encode(vfio_device_feature_dma_buf_tph, v as typeof base);
      } catch (e) {
        if (e instanceof InputError) return e;
        throw e;
      }
      throw new Error("no error");
    };
    expect(err({ ...base, steering_tag: 256 }).issues[0]).toMatchObject({
      path: "vfio_device_feature_dma_buf_tph.steering_tag",
      code: "range",
    });
    expect(err({ ...base, dmabuf_fd: 2 ** 31 }).message).toContain("out of range -2147483648..2147483647");
    expect(err({ ...base, ph: 1.5 }).issues[0]?.code).toBe("type");
    expect(err({ ...base, ph: 1n }).issues[0]?.code).toBe("type");
    const { ph: _ph, ...noPh } = base;
    expect(err(noPh).issues[0]).toMatchObject({
      path: "vfio_device_feature_dma_buf_tph.ph",
      code: "required",
    });
    expect(err({ ...base, bogus: 1 }).issues[0]?.path).toBe("vfio_device_feature_dma_buf_tph.bogus");
    expect(() =>
      encode(vfio_device_feature_dma_buf_mainline, {
        ...mainlineReq,
        dma_ranges: [{ offset: -1n, length: 0n }],
      }),
    ).toThrow(/dma_ranges\[0\]\.offset: __u64: -1 out of range/);
  });
});

describe("decode", () => {
  it("round-trips a request with two ranges and reports the bytes consumed", () => {
    const b = encode(vfio_device_feature_dma_buf_mainline, mainlineReq);
    const r = decode(vfio_device_feature_dma_buf_mainline, b);
    expect(r).toEqual({ ok: true, value: mainlineReq, size: 48 });
  });
  it("reads the fixed part only with flex: skip (copy_from_user of sizeof(struct))", () => {
    const b = encode(vfio_device_feature_dma_buf_mainline, mainlineReq).subarray(0, 16);
    const r = decode(vfio_device_feature_dma_buf_mainline, b, { flex: "skip" });
    expect(r.ok && r.value.dma_ranges).toEqual([]);
    expect(r.ok && r.value.nr_ranges).toBe(2);
  });
  it("decodes at an offset and reads signed values back as negative", () => {
    const arg = vfioFeatureArg(
      0,
      encode(vfio_device_feature_dma_buf_tph, {
        dmabuf_fd: -9,
        flags: 0,
        steering_tag_ext: 0xffff,
        steering_tag: 0xff,
        ph: 0,
      }),
    );
    const r = decodeOrThrow(vfio_device_feature_dma_buf_tph, arg, { offset: 8 });
    expect(r).toEqual({ dmabuf_fd: -9, flags: 0, steering_tag_ext: 0xffff, steering_tag: 0xff, ph: 0 });
  });
  it("sizes data[] of vfio_device_feature from argsz", () => {
    const arg = vfioFeatureArg(7, new Uint8Array([1, 2, 3, 4]));
    expect(decodeOrThrow(vfio_device_feature, arg)).toEqual({ argsz: 12, flags: 7, data: [1, 2, 3, 4] });
    // argsz below the header: no data elements, not a negative count.
    const tiny = new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeOrThrow(vfio_device_feature, tiny).data).toEqual([]);
    // argsz promising more than the buffer holds: a short read of data[].
    const r = decode(vfio_device_feature, new Uint8Array([16, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
    expect(r.ok ? null : r.error.missing).toEqual([{ path: "data[2..7]", offset: 10, size: 6, present: 0 }]);
  });
});

describe("short buffers", () => {
  it("names each member of the fixed part that is missing or cut", () => {
    const b = encode(vfio_device_feature_dma_buf_rfc, {
      region_index: 0,
      open_flags: 0,
      steering_tag: 0,
      ph: 0,
      flags: 0,
      nr_ranges: 0,
    }).subarray(0, 14);
    const r = decode(vfio_device_feature_dma_buf_rfc, b);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ struct: "vfio_device_feature_dma_buf", need: 24, have: 14 });
    expect(r.error.missing).toEqual([
      { path: "flags", offset: 12, size: 4, present: 2 },
      { path: "nr_ranges", offset: 16, size: 4, present: 0 },
      { path: "__pad@20", offset: 20, size: 4, present: 0 },
    ]);
    expect(r.error.message).toBe(
      "struct vfio_device_feature_dma_buf: need 24 bytes, have 14; missing flags @12 (2/4 bytes), " +
        "nr_ranges @16 (0/4 bytes), __pad@20 @20 (0/4 bytes)",
    );
  });
  it("counts only tail padding as missing when the members are all there", () => {
    const r = decode(ibv_mr_init_attr, new Uint8Array(60));
    expect(r.ok ? null : r.error.missing).toEqual([{ path: "dmah", offset: 56, size: 8, present: 4 }]);
  });
  it("reports flexible-array elements the count announces but the buffer lacks", () => {
    const full = encode(vfio_device_feature_dma_buf_mainline, { ...mainlineReq, nr_ranges: 4 });
    // 2 ranges encoded, 4 announced; cut 4 bytes into the second range.
    const r = decode(vfio_device_feature_dma_buf_mainline, full.subarray(0, 36));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.error.need, r.error.have]).toEqual([80, 36]);
    expect(r.error.missing).toEqual([
      { path: "dma_ranges[1].offset", offset: 32, size: 8, present: 4 },
      { path: "dma_ranges[1].length", offset: 40, size: 8, present: 0 },
      { path: "dma_ranges[2..3]", offset: 48, size: 32, present: 0 },
    ]);
  });
  it("handles a count of 2^32-1 without allocating it", () => {
    const b = encode(vfio_device_feature_dma_buf_mainline, { ...mainlineReq, nr_ranges: 0xffffffff });
    const r = decode(vfio_device_feature_dma_buf_mainline, b);
    expect(r.ok ? null : r.error.missing).toEqual([
      { path: "dma_ranges[2..4294967294]", offset: 48, size: (0xffffffff - 2) * 16, present: 0 },
    ]);
  });
  it("an empty buffer misses every member; an offset past the end has 0 bytes", () => {
    const r = decode(vfio_device_feature_dma_buf_tph, new Uint8Array(0));
    expect(r.ok ? [] : r.error.missing.map((m) => m.path)).toEqual([
      "dmabuf_fd",
      "flags",
      "steering_tag_ext",
      "steering_tag",
      "ph",
    ]);
    const past = decode(vfio_device_feature_dma_buf_tph, new Uint8Array(4), { offset: 9 });
    expect(past.ok ? -1 : past.error.have).toBe(0);
  });
  it("decodeOrThrow throws the typed ShortReadError carrying the report", () => {
    try {
      decodeOrThrow(vfio_device_feature_dma_buf_mainline, new Uint8Array(3));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ShortReadError);
      expect((e as ShortReadError).short.need).toBe(16);
    }
  });
});

describe("leaves", () => {
  it("flattens members, padding and flexible-array elements in offset order", () => {
    expect(leaves(vfio_device_feature_dma_buf_rfc, 1).map((l) => `${l.path}@${l.offset}+${l.size}`)).toEqual([
      "region_index@0+4",
      "open_flags@4+4",
      "steering_tag@8+2",
      "ph@10+1",
      "__pad@11@11+1",
      "flags@12+4",
      "nr_ranges@16+4",
      "__pad@20@20+4",
      "dma_ranges[0].offset@24+8",
      "dma_ranges[0].length@32+8",
    ]);
  });
});
