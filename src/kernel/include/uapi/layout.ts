/**
 * A small C struct layout engine for the x86-64 Linux ABI (LP64, little endian).
 *
 * A struct is defined ONCE, as a list of fields; its size, alignment, member offsets, holes and
 * tail padding are derived from that list with the System V AMD64 psABI rules (section 3.1.2,
 * "Data Representation"): every scalar is aligned to its own size, an aggregate to its most
 * aligned member, a member is placed at the next multiple of its alignment, and the struct's size
 * is rounded up to its alignment. A trailing flexible array member (C99 6.7.2.1p18) takes no space
 * in the layout but contributes its alignment; the number of its elements comes from a count field
 * (e.g. `nr_ranges`) or from a total-size field (e.g. `argsz`).
 *
 * The codec (encode/decode) lives in codec.ts and works from the computed layout.
 */
import { ModelError } from "../../../base/errors.js";

/** Scalar types: byte size (= alignment on x86-64) and signedness. */
export const PRIMS = {
  u8: { size: 1, signed: false },
  s8: { size: 1, signed: true },
  u16: { size: 2, signed: false },
  s16: { size: 2, signed: true },
  u32: { size: 4, signed: false },
  s32: { size: 4, signed: true },
  u64: { size: 8, signed: false },
  s64: { size: 8, signed: true },
  /** C `int`: 32-bit signed under LP64. */
  int: { size: 4, signed: true },
  /** `size_t`: 64-bit unsigned under LP64. */
  size_t: { size: 8, signed: false },
  /** Any data pointer: 64-bit, held as an unsigned address. */
  pointer: { size: 8, signed: false },
} as const;
export type PrimName = keyof typeof PRIMS;
/** Scalars wider than 32 bits: values are bigint. */
export type WidePrim = "u64" | "s64" | "size_t" | "pointer";

export interface PrimType<N extends PrimName = PrimName> {
  readonly kind: "prim";
  readonly prim: N;
  /** How the header spells it (`__u32`, `uint32_t`, `struct ibv_dmah *`). */
  readonly cName: string;
  readonly size: number;
  readonly align: number;
}

export interface ArrayType<E extends CType = CType> {
  readonly kind: "array";
  readonly elem: E;
  readonly length: number;
  readonly cName: string;
  readonly size: number;
  readonly align: number;
}

/** Where the element count of a flexible array comes from. */
export type FlexCount =
  /** A scalar member holding the number of elements (`nr_ranges`). */
  | { readonly countField: string }
  /** A scalar member holding the size in bytes of the whole object, header included (`argsz`). */
  | { readonly totalSizeField: string };

export interface FlexType<E extends CType = CType> {
  readonly kind: "flex";
  readonly elem: E;
  readonly count: FlexCount;
  readonly cName: string;
  readonly size: 0;
  readonly align: number;
}

export interface FieldSpec {
  readonly name: string;
  readonly type: CType;
}

// biome-ignore lint/suspicious/noExplicitAny: any struct may be nested; its field list is erased here.
export type CType = PrimType | ArrayType<any> | FlexType<any> | Struct<any>;

/** A member placed in the layout. */
export interface LaidOutField {
  readonly kind: "field";
  readonly name: string;
  readonly offset: number;
  /** Bytes taken in the fixed part (0 for a flexible array). */
  readonly size: number;
  readonly type: CType;
}
/** Padding the compiler inserts: a hole between members, or tail padding after the last. */
export interface Padding {
  readonly kind: "hole" | "tail";
  /** `__pad@OFFSET`: never a valid C identifier, so it cannot clash with a member. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}
export type LayoutEntry = LaidOutField | Padding;

/** Decoded value of a C type: numbers up to 32 bits, bigint above, arrays, nested objects. */
export type ValueOf<T> =
  T extends PrimType<infer N>
    ? N extends WidePrim
      ? bigint
      : number
    : T extends ArrayType<infer E>
      ? ValueOf<E>[]
      : T extends FlexType<infer E>
        ? ValueOf<E>[]
        : T extends Struct<infer F>
          ? StructValue<F>
          : never;

export type StructValue<F extends readonly FieldSpec[]> = {
  -readonly [K in F[number] as K["name"]]: ValueOf<K["type"]>;
};

/** What encode accepts: 64-bit fields also take safe-integer numbers; a flexible array may be omitted. */
export type InputOf<T> =
  T extends PrimType<infer N>
    ? N extends WidePrim
      ? bigint | number
      : number
    : T extends ArrayType<infer E>
      ? readonly InputOf<E>[]
      : T extends FlexType<infer E>
        ? readonly InputOf<E>[]
        : T extends Struct<infer F>
          ? StructInput<F>
          : never;

export type StructInput<F extends readonly FieldSpec[]> = {
  readonly [K in F[number] as K["type"] extends FlexType ? never : K["name"]]: InputOf<K["type"]>;
} & {
  readonly [K in F[number] as K["type"] extends FlexType ? K["name"] : never]?: InputOf<K["type"]>;
};

function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** A scalar type spelled `cName` in the header it mirrors. */
export function prim<N extends PrimName>(name: N, cName: string): PrimType<N> {
  const { size } = PRIMS[name];
  return { kind: "prim", prim: name, cName, size, align: size };
}

/** A fixed array `elem name[length]`. */
export function array<E extends CType>(elem: E, length: number): ArrayType<E> {
  if (!Number.isInteger(length) || length < 1) {
    throw new ModelError(`array length must be a positive integer (use flex() for []), got ${length}`);
  }
  return {
    kind: "array",
    elem,
    length,
    cName: `${elem.cName}[${length}]`,
    size: elem.size * length,
    align: elem.align,
  };
}

/** A trailing flexible array `elem name[]`, its element count taken from `count`. */
export function flex<E extends CType>(elem: E, count: FlexCount): FlexType<E> {
  return { kind: "flex", elem, count, cName: `${elem.cName}[]`, size: 0, align: elem.align };
}

/** One member: `field("argsz", __u32)`. The name's literal type flows into the value types. */
export function field<const N extends string, T extends CType>(name: N, type: T): { name: N; type: T } {
  return { name, type };
}

/** Place the members of `fields` by the psABI rules, recording holes and tail padding. */
function layOut(
  structName: string,
  fields: readonly FieldSpec[],
): { entries: LayoutEntry[]; size: number; align: number } {
  const entries: LayoutEntry[] = [];
  let off = 0;
  let align = 1;
  fields.forEach((f, i) => {
    if (f.type.kind === "flex" && i !== fields.length - 1) {
      throw new ModelError(`${structName}.${f.name}: a flexible array must be the last member`);
    }
    const at = roundUp(off, f.type.align);
    if (at > off) entries.push({ kind: "hole", name: `__pad@${off}`, offset: off, size: at - off });
    entries.push({ kind: "field", name: f.name, offset: at, size: f.type.size, type: f.type });
    off = at + f.type.size;
    align = Math.max(align, f.type.align);
  });
  const size = roundUp(off, align);
  if (size > off) entries.push({ kind: "tail", name: `__pad@${off}`, offset: off, size: size - off });
  return { entries, size, align };
}

function checkFields(name: string, fields: readonly FieldSpec[]): void {
  if (fields.length === 0) throw new ModelError(`struct ${name}: no members`);
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new ModelError(`struct ${name}: duplicate member ${f.name}`);
    seen.add(f.name);
  }
  const last = fields[fields.length - 1];
  if (last?.type.kind !== "flex") return;
  const ref = "countField" in last.type.count ? last.type.count.countField : last.type.count.totalSizeField;
  const refField = fields.find((f) => f.name === ref);
  if (refField?.type.kind !== "prim") {
    throw new ModelError(`struct ${name}.${last.name}: count member '${ref}' must be a scalar member`);
  }
}

/**
 * A C struct: the field list it was defined from and everything derived from it.
 * Use `defineStruct`; encode/decode are in codec.ts.
 */
export class Struct<F extends readonly FieldSpec[] = readonly FieldSpec[]> {
  readonly kind = "struct";
  readonly cName: string;
  readonly size: number;
  readonly align: number;
  /** Members and padding in offset order. */
  readonly entries: readonly LayoutEntry[];
  /** Members only, in declaration order. */
  readonly members: readonly LaidOutField[];

  constructor(
    readonly name: string,
    readonly fields: F,
  ) {
    checkFields(name, fields);
    const { entries, size, align } = layOut(name, fields);
    this.cName = `struct ${name}`;
    this.entries = entries;
    this.members = entries.filter((e): e is LaidOutField => e.kind === "field");
    this.size = size;
    this.align = align;
  }

  /** The member named `name` (a ModelError when there is none: a typo in the model). */
  member(name: F[number]["name"]): LaidOutField {
    const m = this.members.find((e) => e.name === name);
    if (!m) throw new ModelError(`${this.cName} has no member ${name}`);
    return m;
  }

  /** offsetof(struct, name). */
  offsetOf(name: F[number]["name"]): number {
    return this.member(name).offset;
  }

  /** The trailing flexible array member, if any. */
  get flexMember(): (LaidOutField & { readonly type: FlexType }) | undefined {
    const last = this.members[this.members.length - 1];
    return last?.type.kind === "flex" ? (last as LaidOutField & { type: FlexType }) : undefined;
  }

  /** Bytes needed for the fixed part plus `n` elements of the flexible array. */
  sizeWith(n: number): number {
    const fm = this.flexMember;
    return fm ? Math.max(this.size, fm.offset + n * fm.type.elem.size) : this.size;
  }

  /** offsetofend(struct, name): the first byte after the member. */
  offsetOfEnd(name: F[number]["name"]): number {
    const m = this.member(name);
    return m.offset + m.size;
  }

  /** Holes and tail padding. */
  get padding(): readonly Padding[] {
    return this.entries.filter((e): e is Padding => e.kind !== "field");
  }
}

/** Define a struct from its member list, e.g. `defineStruct("vfio_region_dma_range", [field("offset", __u64), ...])`. */
export function defineStruct<const F extends readonly FieldSpec[]>(name: string, fields: F): Struct<F> {
  return new Struct(name, fields);
}
