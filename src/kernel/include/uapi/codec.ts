/**
 * Bytes <-> values for structs laid out by layout.ts (x86-64: little endian).
 *
 * Decoding never trusts the bytes: a buffer too short for the fixed part, or for the number of
 * flexible-array elements its count field announces, yields a `ShortRead` naming every member
 * that is missing or cut, so the kernel model can turn it into -EFAULT the way copy_from_user()
 * fails on an unmapped tail. Encoding validates every value against its C type (InputError).
 */
import { inputError, ModelError } from "../../../base/errors.js";
import {
  type CType,
  type FieldSpec,
  type FlexType,
  type LaidOutField,
  PRIMS,
  type PrimType,
  type Struct,
  type StructInput,
  type StructValue,
} from "./layout.js";

/** Bytes of one scalar (or padding) at a concrete offset. */
export interface Leaf {
  /** C-like access path: `dma_ranges[1].length`, or `__pad@20` for padding. */
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  /** The scalar type; undefined for padding. */
  readonly type: PrimType | undefined;
}

/** A member (or run of flexible-array elements, or padding) the buffer does not fully hold. */
export interface MissingBytes {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  /** How many of its bytes the buffer does hold (0 .. size-1). */
  readonly present: number;
}

export interface ShortRead {
  readonly struct: string;
  /** Bytes the object needs (fixed part plus announced flexible-array elements). */
  readonly need: number;
  /** Bytes available from the object's start. */
  readonly have: number;
  readonly missing: readonly MissingBytes[];
  readonly message: string;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T; readonly size: number }
  | { readonly ok: false; readonly error: ShortRead };

/** A ShortRead as an exception, for callers that prefer throwing; the kernel maps it to -EFAULT. */
export class ShortReadError extends Error {
  override name = "ShortReadError";
  constructor(readonly short: ShortRead) {
    super(short.message);
  }
}

export interface DecodeOptions {
  /** Where the object starts in `bytes` (default 0). */
  readonly offset?: number;
  /** "skip": read the fixed part only (like copy_from_user of sizeof(struct)); flex arrays decode as []. */
  readonly flex?: "read" | "skip";
}

const isWide = (p: PrimType): boolean => p.size === 8;

function writePrim(view: DataView, at: number, t: PrimType, v: unknown, path: string): void {
  const { size, signed } = PRIMS[t.prim];
  const bits = BigInt(size * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  let b: bigint;
  if (typeof v === "bigint" && isWide(t)) b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else {
    const want = isWide(t) ? "an integer (bigint or safe number)" : "an integer number";
    throw inputError(
      path,
      `${t.cName}: expected ${want}, found ${typeof v === "bigint" ? `${v}n` : String(v)}`,
      "type",
    );
  }
  if (b < min || b > max) throw inputError(path, `${t.cName}: ${b} out of range ${min}..${max}`, "range");
  const n = Number(b);
  if (size === 1) view.setUint8(at, n & 0xff);
  else if (size === 2) view.setUint16(at, n & 0xffff, true);
  else if (size === 4) view.setUint32(at, n >>> 0, true);
  else view.setBigUint64(at, BigInt.asUintN(64, b), true);
}

function readPrim(view: DataView, at: number, t: PrimType): number | bigint {
  const { size, signed } = PRIMS[t.prim];
  if (size === 1) return signed ? view.getInt8(at) : view.getUint8(at);
  if (size === 2) return signed ? view.getInt16(at, true) : view.getUint16(at, true);
  if (size === 4) return signed ? view.getInt32(at, true) : view.getUint32(at, true);
  return signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
}

function writeValue(view: DataView, at: number, t: CType, v: unknown, path: string): void {
  if (t.kind === "prim") {
    writePrim(view, at, t, v, path);
    return;
  }
  if (t.kind === "struct") {
    writeStruct(view, at, t, v, path);
    return;
  }
  if (!Array.isArray(v)) throw inputError(path, `${t.cName}: expected an array`, "type");
  if (t.kind === "array" && v.length !== t.length) {
    throw inputError(path, `${t.cName}: expected ${t.length} elements, found ${v.length}`, "type");
  }
  v.forEach((e, i) => {
    writeValue(view, at + i * t.elem.size, t.elem, e, `${path}[${i}]`);
  });
}

function writeStruct(view: DataView, at: number, s: Struct, v: unknown, path: string): void {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw inputError(path, `${s.cName}: expected an object`, "type");
  }
  const obj = v as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!s.members.some((m) => m.name === key))
      throw inputError(`${path}.${key}`, `not a member of ${s.cName}`);
  }
  for (const m of s.members) {
    const mv = obj[m.name];
    if (mv === undefined && m.type.kind === "flex") continue;
    if (mv === undefined) throw inputError(`${path}.${m.name}`, "is required", "required");
    writeValue(view, at + m.offset, m.type, mv, `${path}.${m.name}`);
  }
}

/**
 * Encode `value` as the bytes a C program would hold: padding zeroed, the flexible array's
 * elements (if given) after the fixed part. The count member is written as given, never derived,
 * so inconsistent objects (count 2, one element) can be built on purpose.
 */
export function encode<F extends readonly FieldSpec[]>(s: Struct<F>, value: StructInput<F>): Uint8Array {
  const fm = s.flexMember;
  const flexValues = fm ? (value as Record<string, unknown>)[fm.name] : undefined;
  const n = Array.isArray(flexValues) ? flexValues.length : 0;
  const bytes = new Uint8Array(s.sizeWith(n));
  writeStruct(new DataView(bytes.buffer), 0, s as Struct, value, s.name);
  return bytes;
}

/** Element count the flexible array announces, from the already-decoded fixed part. */
export function flexCount(s: Struct, fixed: Record<string, unknown>): number {
  const fm = s.flexMember;
  if (!fm) return 0;
  const c = fm.type.count;
  if ("countField" in c) return Number(fixed[c.countField]);
  const total = Number(fixed[c.totalSizeField]);
  return Math.max(0, Math.floor((total - fm.offset) / fm.type.elem.size));
}

function readValue(view: DataView, at: number, t: CType): unknown {
  if (t.kind === "prim") return readPrim(view, at, t);
  if (t.kind === "struct") return readStruct(view, at, t, "skip");
  if (t.kind === "flex") return [];
  return Array.from({ length: t.length }, (_, i) => readValue(view, at + i * t.elem.size, t.elem));
}

function readStruct(
  view: DataView,
  at: number,
  s: Struct,
  flexMode: "read" | "skip",
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of s.members) out[m.name] = readValue(view, at + m.offset, m.type);
  const fm = s.flexMember;
  if (fm && flexMode === "read") {
    const n = flexCount(s, out);
    const elem = (fm.type as FlexType).elem;
    out[fm.name] = Array.from({ length: n }, (_, i) => readValue(view, at + fm.offset + i * elem.size, elem));
  }
  return out;
}

/** Every scalar and padding byte run of a value of type `t` placed at `at`, in offset order. */
function leavesOf(t: CType, at: number, path: string, out: Leaf[]): void {
  if (t.kind === "prim") {
    out.push({ path, offset: at, size: t.size, type: t });
  } else if (t.kind === "array") {
    for (let i = 0; i < t.length; i++) leavesOf(t.elem, at + i * t.elem.size, `${path}[${i}]`, out);
  } else if (t.kind === "struct") {
    const pre = path === "" ? "" : `${path}.`;
    for (const e of t.entries) {
      if (e.kind === "field") leavesOf(e.type, at + e.offset, `${pre}${e.name}`, out);
      else out.push({ path: `${pre}${e.name}`, offset: at + e.offset, size: e.size, type: undefined });
    }
  }
}

/**
 * The struct flattened to scalars and padding at concrete offsets, with `n` flexible-array
 * elements appended (`dma_ranges[0].offset`, ...). Padding inside nested structs is included.
 */
export function leaves(s: Struct, n = 0): Leaf[] {
  const out: Leaf[] = [];
  leavesOf(s, 0, "", out);
  const fm = s.flexMember;
  if (fm) {
    const elem = fm.type.elem as CType;
    for (let i = 0; i < n; i++) leavesOf(elem, fm.offset + i * elem.size, `${fm.name}[${i}]`, out);
  }
  return out.filter((l) => l.size > 0).sort((a, b) => a.offset - b.offset);
}

function missingOf(s: Struct, have: number, n: number, fm: LaidOutField | undefined): MissingBytes[] {
  const out: MissingBytes[] = [];
  const cut = (path: string, offset: number, size: number) => {
    if (offset + size > have) out.push({ path, offset, size, present: Math.max(0, have - offset) });
  };
  for (const l of leaves(s, 0)) cut(l.path, l.offset, l.size);
  if (!fm || n === 0) return out;
  const elem = (fm.type as FlexType).elem as CType;
  // The first element that is cut is listed member by member; whole elements after it as one run.
  const first = Math.max(0, Math.floor((have - fm.offset) / elem.size));
  if (first >= n) return out;
  const firstAt = fm.offset + first * elem.size;
  if (have > firstAt) {
    const parts: Leaf[] = [];
    leavesOf(elem, firstAt, `${fm.name}[${first}]`, parts);
    for (const l of parts) cut(l.path, l.offset, l.size);
  }
  const from = have > firstAt ? first + 1 : first;
  if (from < n) {
    const at = fm.offset + from * elem.size;
    const name = from === n - 1 ? `${fm.name}[${from}]` : `${fm.name}[${from}..${n - 1}]`;
    out.push({ path: name, offset: at, size: (n - from) * elem.size, present: 0 });
  }
  return out;
}

function shortRead(
  s: Struct,
  need: number,
  have: number,
  n: number,
  fm: LaidOutField | undefined,
): ShortRead {
  const missing = missingOf(s, have, n, fm);
  const list = missing.map((m) => `${m.path} @${m.offset} (${m.present}/${m.size} bytes)`).join(", ");
  const message = `${s.cName}: need ${need} bytes, have ${have}; missing ${list}`;
  return { struct: s.name, need, have, missing, message };
}

/**
 * Decode `bytes` as struct `s`. Reads the fixed part, then the number of flexible-array elements
 * the count member announces (unless `flex: "skip"`); reports a ShortRead when bytes run out.
 * Never throws for any input bytes (only for a negative `offset`, a bug in the caller).
 */
export function decode<F extends readonly FieldSpec[]>(
  s: Struct<F>,
  bytes: Uint8Array,
  opts: DecodeOptions = {},
): DecodeResult<StructValue<F>> {
  const base = opts.offset ?? 0;
  if (!Number.isSafeInteger(base) || base < 0)
    throw new ModelError(`decode offset must be >= 0, got ${base}`);
  const have = Math.max(0, bytes.length - base);
  const st = s as Struct;
  const fm = opts.flex === "skip" ? undefined : st.flexMember;
  if (have < st.size) return { ok: false, error: shortRead(st, st.size, have, 0, undefined) };
  const view = new DataView(bytes.buffer, bytes.byteOffset + base, have);
  const fixed = readStruct(view, 0, st, "skip");
  const n = fm ? flexCount(st, fixed) : 0;
  const need = fm ? st.sizeWith(n) : st.size;
  if (have < need) return { ok: false, error: shortRead(st, need, have, n, fm) };
  const value = fm ? readStruct(view, 0, st, "read") : fixed;
  return { ok: true, value: value as StructValue<F>, size: need };
}

/** decode(), throwing ShortReadError instead of returning it. */
export function decodeOrThrow<F extends readonly FieldSpec[]>(
  s: Struct<F>,
  bytes: Uint8Array,
  opts: DecodeOptions = {},
): StructValue<F> {
  const r = decode(s, bytes, opts);
  if (!r.ok) throw new ShortReadError(r.error);
  return r.value;
}

/** Read one scalar leaf from `bytes` (for showing how another layout's bytes are read). */
export function readLeaf(bytes: Uint8Array, leaf: Leaf): number | bigint | undefined {
  if (!leaf.type || leaf.offset + leaf.size > bytes.length) return undefined;
  return readPrim(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), leaf.offset, leaf.type);
}
