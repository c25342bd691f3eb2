/**
 * Struct layouts against numbers worked out by hand from the x86-64 psABI rules and confirmed
 * with gcc 12 (offsetof/sizeof/_Alignof of the same definitions typed into a C file).
 */
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/base/errors.js";
import { array, defineStruct, field, flex, prim, type Struct } from "../../src/kernel/include/uapi/layout.js";
import {
  vfio_device_feature,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
  vfio_region_dma_range,
} from "../../src/kernel/include/uapi/linux/vfio.js";
import { ibv_dmah_init_attr, ibv_mr_init_attr } from "../../src/uapi/rdma/verbs-structs.js";

/** [member, offset, size] in declaration order. */
type Row = [string, number, number];
function shape(s: Struct): { size: number; align: number; members: Row[]; padding: Row[] } {
  return {
    size: s.size,
    align: s.align,
    members: s.members.map((m): Row => [m.name, m.offset, m.size]),
    padding: s.padding.map((p): Row => [p.name, p.offset, p.size]),
  };
}

describe("vfio.h layouts", () => {
  it("vfio_device_feature: 8-byte header, data[] at 8", () => {
    expect(shape(vfio_device_feature)).toEqual({
      size: 8,
      align: 4,
      members: [
        ["argsz", 0, 4],
        ["flags", 4, 4],
        ["data", 8, 0],
      ],
      padding: [],
    });
  });
  it("vfio_region_dma_range: two u64, 16 bytes", () => {
    expect(shape(vfio_region_dma_range)).toEqual({
      size: 16,
      align: 8,
      members: [
        ["offset", 0, 8],
        ["length", 8, 8],
      ],
      padding: [],
    });
  });
  it("vfio_device_feature_dma_buf (mainline/v11/proposed): 16-byte header, ranges at 16", () => {
    expect(shape(vfio_device_feature_dma_buf_mainline)).toEqual({
      size: 16,
      align: 8,
      members: [
        ["region_index", 0, 4],
        ["open_flags", 4, 4],
        ["flags", 8, 4],
        ["nr_ranges", 12, 4],
        ["dma_ranges", 16, 0],
      ],
      padding: [],
    });
  });
  it("vfio_device_feature_dma_buf (rfc): flags 12, nr_ranges 16, a 4-byte hole, ranges at 24", () => {
    // u16 at 8, u8 at 10, 1-byte hole to align the u32 flags at 12; nr_ranges 16..20; the u64
    // members of the range element force 8-byte alignment: hole 20..24, ranges at 24, size 24.
    expect(shape(vfio_device_feature_dma_buf_rfc)).toEqual({
      size: 24,
      align: 8,
      members: [
        ["region_index", 0, 4],
        ["open_flags", 4, 4],
        ["steering_tag", 8, 2],
        ["ph", 10, 1],
        ["flags", 12, 4],
        ["nr_ranges", 16, 4],
        ["dma_ranges", 24, 0],
      ],
      padding: [
        ["__pad@11", 11, 1],
        ["__pad@20", 20, 4],
      ],
    });
  });
  it("vfio_device_feature_dma_buf_tph: 12 bytes, no padding", () => {
    expect(shape(vfio_device_feature_dma_buf_tph)).toEqual({
      size: 12,
      align: 4,
      members: [
        ["dmabuf_fd", 0, 4],
        ["flags", 4, 4],
        ["steering_tag_ext", 8, 2],
        ["steering_tag", 10, 1],
        ["ph", 11, 1],
      ],
      padding: [],
    });
  });
});

describe("verbs.h layouts", () => {
  it("ibv_dmah_init_attr: 10 bytes of members, 2 bytes tail padding, size 12", () => {
    expect(shape(ibv_dmah_init_attr)).toEqual({
      size: 12,
      align: 4,
      members: [
        ["comp_mask", 0, 4],
        ["cpu_id", 4, 4],
        ["ph", 8, 1],
        ["tph_mem_type", 9, 1],
      ],
      padding: [["__pad@10", 10, 2]],
    });
    expect(ibv_dmah_init_attr.padding[0]?.kind).toBe("tail");
  });
  it("ibv_mr_init_attr: holes after access and fd, size 64", () => {
    expect(shape(ibv_mr_init_attr)).toEqual({
      size: 64,
      align: 8,
      members: [
        ["length", 0, 8],
        ["access", 8, 4],
        ["comp_mask", 16, 8],
        ["iova", 24, 8],
        ["addr", 32, 8],
        ["fd", 40, 4],
        ["fd_offset", 48, 8],
        ["dmah", 56, 8],
      ],
      padding: [
        ["__pad@12", 12, 4],
        ["__pad@44", 44, 4],
      ],
    });
    expect(ibv_mr_init_attr.padding.map((p) => p.kind)).toEqual(["hole", "hole"]);
  });
});

describe("layout engine", () => {
  const u8 = prim("u8", "uint8_t");
  const s8 = prim("s8", "int8_t");
  const u16 = prim("u16", "uint16_t");
  const s16 = prim("s16", "int16_t");
  const s32 = prim("s32", "int32_t");
  const u32 = prim("u32", "uint32_t");
  const u64 = prim("u64", "uint64_t");
  const s64 = prim("s64", "int64_t");
  const inner = defineStruct("inner", [field("a", u8), field("b", u64), field("c", u16)]);

  it("nested struct: member alignment 8, tail padding to 24", () => {
    expect(shape(inner)).toEqual({
      size: 24,
      align: 8,
      members: [
        ["a", 0, 1],
        ["b", 8, 8],
        ["c", 16, 2],
      ],
      padding: [
        ["__pad@1", 1, 7],
        ["__pad@18", 18, 6],
      ],
    });
  });
  it("nested struct member, fixed array, signed types, flexible array of structs", () => {
    const outer = defineStruct("outer", [
      field("x", u16),
      field("in", inner),
      field("arr", array(u8, 3)),
      field("y", s32),
      field("z", s8),
      field("n", u32),
      field("tail", flex(inner, { countField: "n" })),
    ]);
    expect(shape(outer).members).toEqual([
      ["x", 0, 2],
      ["in", 8, 24],
      ["arr", 32, 3],
      ["y", 36, 4],
      ["z", 40, 1],
      ["n", 44, 4],
      ["tail", 48, 0],
    ]);
    expect([outer.size, outer.align]).toEqual([48, 8]);
    expect(outer.sizeWith(2)).toBe(48 + 2 * 24);
    expect(outer.offsetOf("arr")).toBe(32);
    expect(outer.offsetOfEnd("n")).toBe(48);
  });
  it("flexible u8 array after a u8: offset 5, struct rounded up to 8", () => {
    const small = defineStruct("small", [
      field("a", u32),
      field("b", u8),
      field("data", flex(u8, { countField: "a" })),
    ]);
    expect(small.offsetOf("data")).toBe(5);
    expect([small.size, small.align]).toEqual([8, 4]);
    expect(small.sizeWith(2)).toBe(8);
    expect(small.sizeWith(4)).toBe(9);
  });
  it("array of s16, s64, trailing u8", () => {
    const sarr = defineStruct("sarr", [field("s", array(s16, 3)), field("big", s64), field("c", u8)]);
    expect(shape(sarr).members).toEqual([
      ["s", 0, 6],
      ["big", 8, 8],
      ["c", 16, 1],
    ]);
    expect(sarr.size).toBe(24);
  });
  it("rejects malformed definitions as model errors", () => {
    expect(() => defineStruct("e", [])).toThrow(ModelError);
    expect(() => defineStruct("d", [field("a", u8), field("a", u8)])).toThrow(/duplicate member a/);
    expect(() =>
      defineStruct("f", [field("n", u8), field("x", flex(u8, { countField: "n" })), field("z", u8)]),
    ).toThrow(/must be the last member/);
    expect(() => defineStruct("g", [field("n", u8), field("x", flex(u8, { countField: "nope" }))])).toThrow(
      /count member 'nope'/,
    );
    expect(() => array(u8, 0)).toThrow(ModelError);
    expect(() => inner.offsetOf("zz" as "a")).toThrow(/has no member zz/);
  });
});
