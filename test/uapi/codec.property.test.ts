/**
 * Property tests of the codec over every struct the model defines: random valid objects
 * round-trip; random bytes decode to a value or a ShortRead, never anything thrown; decoding then
 * re-encoding reproduces the bytes with padding zeroed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode, leaves } from "../../src/kernel/include/uapi/codec.js";
import {
  array,
  type CType,
  defineStruct,
  field,
  flex,
  PRIMS,
  prim,
  type Struct,
} from "../../src/kernel/include/uapi/layout.js";
import { vfioUapiStructs } from "../../src/kernel/include/uapi/linux/vfio.js";
import { REVISIONS } from "../../src/kernel/revision.js";
import { VERBS_STRUCTS } from "../../src/uapi/rdma/verbs-structs.js";

/** Every distinct struct of every revision, plus one exercising arrays, nesting and signed types. */
const inner = defineStruct("inner", [field("a", prim("s8", "int8_t")), field("b", prim("s64", "int64_t"))]);
const mixed = defineStruct("mixed", [
  field("x", prim("s16", "int16_t")),
  field("arr", array(inner, 2)),
  field("bytes", array(prim("u8", "uint8_t"), 3)),
  field("n", prim("u16", "uint16_t")),
  field("tail", flex(inner, { countField: "n" })),
]);
const ALL: Struct[] = [
  ...new Set([...Object.values(REVISIONS).flatMap((b) => vfioUapiStructs(b)), ...VERBS_STRUCTS, mixed]),
] as Struct[];

function primArb(t: CType & { kind: "prim" }): fc.Arbitrary<unknown> {
  const { size, signed } = PRIMS[t.prim];
  if (size === 8) return signed ? fc.bigInt(-(1n << 63n), (1n << 63n) - 1n) : fc.bigInt(0n, (1n << 64n) - 1n);
  const bits = size * 8;
  return signed
    ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 })
    : fc.integer({ min: 0, max: 2 ** bits - 1 });
}

function valueArb(t: CType): fc.Arbitrary<unknown> {
  if (t.kind === "prim") return primArb(t);
  if (t.kind === "array") return fc.array(valueArb(t.elem), { minLength: t.length, maxLength: t.length });
  if (t.kind === "flex") return fc.array(valueArb(t.elem), { maxLength: 4 });
  return structArb(t);
}

/** A valid object: the flexible array's count member agrees with its length. */
function structArb(s: Struct): fc.Arbitrary<Record<string, unknown>> {
  const rec = Object.fromEntries(s.members.map((m) => [m.name, valueArb(m.type)]));
  return fc.record(rec).map((v) => {
    const fm = s.flexMember;
    if (!fm) return v;
    const elems = v[fm.name] as unknown[];
    const c = fm.type.count;
    if ("countField" in c) return { ...v, [c.countField]: elems.length };
    return { ...v, [c.totalSizeField]: s.sizeWith(elems.length) };
  });
}

/**
 * Random counts almost never fit the buffer; set the count member (element count or total size)
 * to what `small` elements need, clamped to what the buffer holds, so the decode succeeds.
 */
function withSmallCount(s: Struct, bytes: Uint8Array, small: number): void {
  const fm = s.flexMember;
  if (!fm) return;
  const c = fm.type.count;
  const fits = Math.floor((bytes.length - fm.offset) / fm.type.elem.size);
  const n = Math.max(0, Math.min(small, fits));
  const name = "countField" in c ? c.countField : c.totalSizeField;
  const value = "countField" in c ? n : s.sizeWith(n);
  const m = s.members.find((x) => x.name === name);
  if (!m) throw new Error(`no count member ${name}`);
  bytes.fill(0, m.offset, m.offset + m.size);
  bytes[m.offset] = value & 0xff;
  bytes[m.offset + 1] = value >> 8;
}

describe.each(ALL.map((s) => [`${s.name} (${s.size} bytes)`, s] as const))("%s", (_label, s) => {
  it("random valid objects round-trip through encode/decode", () => {
    fc.assert(
      fc.property(structArb(s), (v) => {
        const bytes = encode(s, v as never);
        const r = decode(s, bytes);
        expect(r).toEqual({ ok: true, value: v, size: bytes.length });
      }),
    );
  });
  it("random bytes decode without throwing; a failure is a ShortRead", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3 * s.size + 40 }), (bytes) => {
        const r = decode(s, bytes);
        if (r.ok) {
          expect(r.size).toBeLessThanOrEqual(bytes.length);
          return;
        }
        expect(r.error.need).toBeGreaterThan(r.error.have);
        expect(r.error.have).toBe(bytes.length);
        expect(r.error.missing.length).toBeGreaterThan(0);
        for (const m of r.error.missing) expect(m.offset + m.size).toBeGreaterThan(bytes.length);
      }),
    );
  });
  it("decode then encode gives back the bytes with padding zeroed", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: s.size, maxLength: 3 * s.size + 40 }),
        fc.nat(3),
        (bytes, small) => {
          withSmallCount(s, bytes, small);
          const r = decode(s, bytes);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const again = encode(s, r.value as never);
          const want = bytes.slice(0, r.size);
          const n = (r.value as Record<string, unknown[]>)[s.flexMember?.name ?? ""]?.length ?? 0;
          for (const l of leaves(s, n)) if (l.type === undefined) want.fill(0, l.offset, l.offset + l.size);
          // A u8 data[] sized by argsz may end inside the struct's tail; encode still emits sizeof.
          expect(again.subarray(0, want.length)).toEqual(want);
        },
      ),
    );
  });
});
