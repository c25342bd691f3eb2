/**
 * The userspace ABI of the series: every struct's byte layout per revision, keyed the way
 * `tphlab abi --json` prints it. A struct whose layout is the same in every selected revision
 * (and exists in all of them) is keyed by its C name (`vfio_region_dma_range`); otherwise one key
 * per revision that has it (`vfio_device_feature_dma_buf@rfc`).
 */
import type { Padding, Struct } from "../kernel/include/uapi/layout.js";
import { vfioUapiStructs } from "../kernel/include/uapi/linux/vfio.js";
import { type RevisionName, revisionBehaviours } from "../kernel/revision.js";
import { VERBS_STRUCTS } from "./rdma/verbs-structs.js";

/** One layout as printed: a struct, the key it is printed under, the revisions it belongs to. */
export interface AbiLayout {
  readonly key: string;
  readonly struct: Struct;
  readonly revisions: readonly RevisionName[];
}

/** JSON form of a layout. Padding is listed apart from the members, each run named `__pad@OFFSET`. */
export interface AbiLayoutJson {
  readonly size: number;
  readonly align: number;
  readonly fields: readonly { readonly field: string; readonly offset: number; readonly size: number }[];
  readonly padding: readonly { readonly name: string; readonly offset: number; readonly size: number }[];
}

/** Every struct the headers of revision `r` define (kernel uapi first, then rdma-core). */
export function structsOf(r: RevisionName): readonly Struct[] {
  return [...vfioUapiStructs(revisionBehaviours(r)), ...(VERBS_STRUCTS as readonly Struct[])];
}

/** A layout's identity: two structs with the same name and signature are byte-compatible. */
export function layoutSignature(s: Struct): string {
  return (
    s.entries.map((e) => `${e.name}:${e.kind}:${e.offset}:${e.size}`).join(",") + `|${s.size}/${s.align}`
  );
}

/** Layouts of the selected revisions, grouped and keyed (see the module comment), in first-seen order. */
export function abiLayouts(revisions: readonly RevisionName[]): AbiLayout[] {
  const byName = new Map<string, { r: RevisionName; s: Struct }[]>();
  const order: string[] = [];
  for (const r of revisions) {
    let prev = -1;
    for (const s of structsOf(r)) {
      // A struct only some revisions have is listed after its predecessor in those revisions' headers.
      if (!order.includes(s.name)) order.splice(prev + 1, 0, s.name);
      prev = order.indexOf(s.name);
      byName.set(s.name, [...(byName.get(s.name) ?? []), { r, s }]);
    }
  }
  return order.flatMap((name) => {
    const list = byName.get(name) ?? [];
    const first = list[0];
    const sigs = new Set(list.map((x) => layoutSignature(x.s)));
    if (first && sigs.size === 1 && list.length === revisions.length) {
      return [{ key: name, struct: first.s, revisions: list.map((x) => x.r) }];
    }
    return list.map((x) => ({ key: `${name}@${x.r}`, struct: x.s, revisions: [x.r] }));
  });
}

export function layoutJson(s: Struct): AbiLayoutJson {
  return {
    size: s.size,
    align: s.align,
    fields: s.members.map((m) => ({ field: m.name, offset: m.offset, size: m.size })),
    padding: s.padding.map((p: Padding) => ({ name: p.name, offset: p.offset, size: p.size })),
  };
}

/** pahole-like text of one layout: offset, size, C declaration; holes and tail padding shown. */
export function formatLayout(l: AbiLayout): string {
  const s = l.struct;
  const rows = s.entries.map((e) => {
    const at = `/* ${String(e.offset).padStart(4)} ${String(e.size).padStart(4)} */`;
    if (e.kind !== "field") {
      const what = e.kind === "hole" ? "hole" : "padding";
      return `\t/* XXX ${e.size} byte${e.size === 1 ? "" : "s"} ${what} (${e.name}) */`;
    }
    const decl = e.type.kind === "flex" ? `${e.type.elem.cName} ${e.name}[];` : declOf(e.type.cName, e.name);
    return `\t${decl.padEnd(44)}${at}`;
  });
  const tail = `\t/* size: ${s.size}, align: ${s.align}, holes: ${s.padding.filter((p) => p.kind === "hole").length}, padding: ${s.padding.filter((p) => p.kind === "tail").reduce((n, p) => n + p.size, 0)} */`;
  return `${s.cName} {  /* ${l.key}: ${l.revisions.join(", ")} */\n${rows.join("\n")}\n\n${tail}\n};\n`;
}

/** `__u8 x[4]` and `void * p` spelled the C way. */
function declOf(cName: string, name: string): string {
  const arr = /^(.*)\[(\d+)\]$/.exec(cName);
  if (arr) return `${arr[1]} ${name}[${arr[2]}];`;
  return cName.endsWith("*") ? `${cName}${name};` : `${cName} ${name};`;
}
