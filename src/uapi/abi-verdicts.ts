/**
 * Cross-revision verdicts: a program built against the headers of revision A runs on a kernel of
 * revision B. For every struct whose layout differs (or that B lacks), show each field the program
 * wrote, what the kernel reads at those bytes, and the ioctl's return value, obtained by RUNNING the
 * kernel model (the `runFeature` hook), never predicted here.
 */
import { decode, flexCount, type Leaf, leaves, readLeaf } from "../kernel/include/uapi/codec.js";
import { PRIMS, type Struct } from "../kernel/include/uapi/layout.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET,
  VFIO_DEVICE_FEATURE_SET,
  vfioDmaBufStruct,
  vfioDmaBufTphStruct,
} from "../kernel/include/uapi/linux/vfio.js";
import { type RevisionName, revisionBehaviours } from "../kernel/revision.js";
import { layoutSignature } from "./abi.js";
import {
  DMA_BUF_EXPORT_FLAGS,
  DMA_BUF_TPH_SET_FLAGS,
  dmaBufPayload,
  dmaBufTphPayload,
  type RunFeature,
  type RunResult,
  runDmaBuf,
  runDmaBufTph,
} from "./abi-run.js";

export interface ReadAs {
  readonly field: string;
  readonly offset: number;
  readonly size: number;
  /** The value read there (hex; decimal when negative), null for padding or bytes past the argument. */
  readonly value: string | null;
}
/** A kernel member covering (part of) a field the program wrote. */
export interface KernelRead extends ReadAs {
  /** Present when only some of the kernel member's bytes come from this field: [from, to) within it. */
  readonly part?: readonly [number, number];
}
export interface WrittenField extends ReadAs {
  /** The kernel members (or padding) covering these bytes; empty when the kernel never reads them. */
  readonly readAs: readonly KernelRead[];
}
export interface Verdict {
  readonly struct: string;
  readonly binary: RevisionName;
  readonly kernel: RevisionName;
  /** Feature index the program requests (bits 15:0 of vfio_device_feature.flags). */
  readonly feature: number;
  /** The whole vfio_device_feature.flags word it passes (GET for feature 11, SET for 13). */
  readonly featureFlags: number;
  /** "reinterpreted": both know the struct, the layouts differ; "unknown-feature": the kernel's headers lack it. */
  readonly kind: "reinterpreted" | "unknown-feature";
  /** The program's payload size in bytes (argsz minus the 8-byte vfio_device_feature header). */
  readonly payloadSize: number;
  readonly written: readonly WrittenField[];
  /** The kernel's count member as read, and how many of the elements it announces lie in the payload. */
  readonly kernelCount: { readonly field: string; readonly value: number; readonly inPayload: number } | null;
  /** The same program on a kernel of its own revision. */
  readonly baseline: RunResult | null;
  readonly result: RunResult | null;
}

/** Unsigned values in hex, signed ones (an fd) in decimal. */
const valueText = (v: number | bigint, l: Leaf): string =>
  l.type && PRIMS[l.type.prim].signed ? String(v) : `0x${v.toString(16)}`;
const overlaps = (a: Leaf, b: Leaf): boolean => a.offset < b.offset + b.size && b.offset < a.offset + a.size;

function readAs(bytes: Uint8Array, l: Leaf): ReadAs {
  const v = readLeaf(bytes, l);
  return { field: l.path, offset: l.offset, size: l.size, value: v === undefined ? null : valueText(v, l) };
}

function kernelRead(bytes: Uint8Array, w: Leaf, t: Leaf): KernelRead {
  const from = Math.max(w.offset, t.offset) - t.offset;
  const to = Math.min(w.offset + w.size, t.offset + t.size) - t.offset;
  const r = readAs(bytes, t);
  return from === 0 && to === t.size ? r : { ...r, part: [from, to] };
}

/** Kernel-side leaves of `k` over `bytes`: fixed part plus the announced elements that start in `bytes`. */
function kernelLeaves(k: Struct, bytes: Uint8Array): { leaves: Leaf[]; count: Verdict["kernelCount"] } {
  const fm = k.flexMember;
  const head = decode(k, bytes, { flex: "skip" });
  if (!fm || !head.ok) return { leaves: leaves(k, 0), count: null };
  const n = flexCount(k, head.value as Record<string, unknown>);
  const fits = Math.max(0, Math.ceil((bytes.length - fm.offset) / fm.type.elem.size));
  const inPayload = Math.min(n, fits);
  const c = fm.type.count;
  const field = "countField" in c ? c.countField : c.totalSizeField;
  return { leaves: leaves(k, inPayload), count: { field, value: n, inPayload } };
}

/** Field-by-field reading of the program's bytes (layout `a`) by a kernel using layout `k`. */
export function reinterpret(
  a: Struct,
  k: Struct | undefined,
  bytes: Uint8Array,
): { written: WrittenField[]; count: Verdict["kernelCount"] } {
  const head = decode(a, bytes, { flex: "skip" });
  const n = head.ok ? flexCount(a, head.value as Record<string, unknown>) : 0;
  const mine = leaves(a, n).filter((l) => l.type !== undefined);
  const theirs = k ? kernelLeaves(k, bytes) : { leaves: [], count: null };
  const written = mine.map((w) => ({
    ...readAs(bytes, w),
    readAs: theirs.leaves.filter((t) => overlaps(w, t)).map((t) => kernelRead(bytes, w, t)),
  }));
  return { written, count: theirs.count };
}

function verdict(
  struct: Struct,
  binary: RevisionName,
  kernel: RevisionName,
  feature: number,
  payload: Uint8Array,
  runs: { baseline: RunResult | null; result: RunResult | null },
  kernelStruct: Struct | undefined,
): Verdict {
  const { written, count } = reinterpret(struct, kernelStruct, payload);
  const kind = kernelStruct ? "reinterpreted" : "unknown-feature";
  const featureFlags = feature === VFIO_DEVICE_FEATURE_DMA_BUF ? DMA_BUF_EXPORT_FLAGS : DMA_BUF_TPH_SET_FLAGS;
  return {
    struct: struct.name,
    binary,
    kernel,
    feature,
    featureFlags,
    kind,
    payloadSize: payload.length,
    written,
    kernelCount: count,
    ...runs,
  };
}

/** Verdicts for the DMA_BUF request of a program of revision `a` on a kernel of revision `b`. */
function dmaBufVerdict(
  a: RevisionName,
  b: RevisionName,
  runFeature: RunFeature | undefined,
): Verdict | undefined {
  const sa = vfioDmaBufStruct(revisionBehaviours(a)) as Struct;
  const sb = vfioDmaBufStruct(revisionBehaviours(b)) as Struct;
  if (layoutSignature(sa) === layoutSignature(sb)) return undefined;
  const payload = dmaBufPayload(vfioDmaBufStruct(revisionBehaviours(a)));
  const run = (r: RevisionName) => (runFeature ? runDmaBuf(runFeature, r, payload) : null);
  const runs = { baseline: run(a), result: run(b) };
  return verdict(sa, a, b, VFIO_DEVICE_FEATURE_DMA_BUF, payload, runs, sb);
}

/** Verdict for the DMA_BUF_TPH request of a program of revision `a` on a kernel of revision `b`. */
function dmaBufTphVerdict(
  a: RevisionName,
  b: RevisionName,
  runFeature: RunFeature | undefined,
): Verdict | undefined {
  const ta = vfioDmaBufTphStruct(revisionBehaviours(a));
  const tb = vfioDmaBufTphStruct(revisionBehaviours(b));
  if (!ta || (tb && layoutSignature(ta) === layoutSignature(tb))) return undefined;
  const base = runFeature ? runDmaBufTph(runFeature, a) : null;
  const res = runFeature ? runDmaBufTph(runFeature, b) : null;
  // The bytes shown are those sent to kernel b (its fd; -1 when no hook ran an export).
  const payload = res ? res.payload : dmaBufTphPayload(-1);
  const pick = (r: typeof res) => (r ? { ret: r.ret, errno: r.errno, trace: r.trace } : null);
  const runs = { baseline: pick(base), result: pick(res) };
  return verdict(ta, a, b, VFIO_DEVICE_FEATURE_DMA_BUF_TPH, payload, runs, tb);
}

/**
 * Verdicts for every ordered pair of distinct selected revisions whose layouts of a VFIO struct
 * differ, or where the program's struct does not exist in the kernel's headers. Without
 * `runFeature` the return values are left null (reported as "not run").
 */
export function abiVerdicts(revisions: readonly RevisionName[], runFeature?: RunFeature): Verdict[] {
  const out: Verdict[] = [];
  for (const a of revisions) {
    for (const b of revisions) {
      if (a === b) continue;
      const d = dmaBufVerdict(a, b, runFeature);
      if (d) out.push(d);
      const t = dmaBufTphVerdict(a, b, runFeature);
      if (t) out.push(t);
    }
  }
  return out;
}

function readAsText(r: KernelRead): string {
  if (r.field.includes("__pad@")) return `${r.field} (padding, ignored)`;
  const [from, to] = r.part ?? [0, 0];
  const part = !r.part ? "" : to - from === 1 ? ` (its byte ${from})` : ` (its bytes ${from}..${to - 1})`;
  return `${r.field} @${r.offset}${part} = ${r.value ?? "(past the argument)"}`;
}

const opName = (flags: number): string =>
  flags & VFIO_DEVICE_FEATURE_GET ? "GET" : flags & VFIO_DEVICE_FEATURE_SET ? "SET" : "PROBE";

const runText = (r: RunResult | null): string => (r ? r.errno : "not run (no runFeature hook)");

/** Text of one verdict (standing for `same`, the pairs whose verdict reads identically). */
export function formatVerdict(v: Verdict, same: readonly Verdict[] = [v]): string {
  const pairs = same.map((x) => `${x.binary} program on ${x.kernel} kernel`).join(", ");
  const lines = [
    `${pairs}: struct ${v.struct} (feature ${v.feature}, ${opName(v.featureFlags)}), ${v.payloadSize}-byte payload`,
    `  returns ${runText(v.result)}; on a kernel of its own revision: ${runText(v.baseline)}`,
  ];
  if (v.kind === "unknown-feature") {
    lines.push(
      `  the ${v.kernel} headers have no struct ${v.struct}: the kernel does not know feature ${v.feature}`,
    );
  }
  const width = Math.max(...v.written.map((w) => w.field.length));
  for (const w of v.written) {
    const where = `${w.field.padEnd(width)} @${String(w.offset).padEnd(3)} ${String(w.size).padStart(2)}`;
    const read = w.readAs.length === 0 ? "(not read)" : w.readAs.map(readAsText).join(", ");
    lines.push(`  ${where}  ${String(w.value).padEnd(10)} -> ${read}`);
  }
  const c = v.kernelCount;
  if (c)
    lines.push(
      `  kernel: ${c.field} = ${c.value}; ${c.inPayload} of those elements start inside the payload`,
    );
  for (const t of v.result?.trace ?? []) lines.push(`  trace: ${t}`);
  return `${lines.join("\n")}\n`;
}

/** What a verdict's text shows, minus the revision names: verdicts with equal keys print once. */
function textKey(v: Verdict): string {
  const { binary: _b, kernel: _k, ...rest } = v;
  return JSON.stringify({ ...rest, unknownIn: v.kind === "unknown-feature" ? v.kernel : "" });
}

/** All verdicts as text, those that read identically (e.g. v11 and proposed programs on rfc) merged. */
export function formatVerdicts(verdicts: readonly Verdict[]): string {
  const groups = new Map<string, Verdict[]>();
  for (const v of verdicts) groups.set(textKey(v), [...(groups.get(textKey(v)) ?? []), v]);
  return [...groups.values()].map((g) => formatVerdict(g[0] as Verdict, g)).join("\n");
}
