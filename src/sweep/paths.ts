/**
 * Paths into scenario documents and run results, as a sweep file writes them: dot-separated keys,
 * where a segment under a list picks the item of that `name` (`flows.write.size`) or, as a number,
 * the item at that index (`timeline.1.at`, also spelled `timeline[1].at`).
 */
import { isRecord, suggest } from "../scenario/schema.js";

export type Segment = string | number;

/** `a.b[2].c` -> ["a", "b", "2", "c"] (index segments stay text until a list is met). */
export function splitPath(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, ".$1").split(".");
}

/** Where a path stopped resolving, and why (a one-line message). */
export interface PathMiss {
  readonly at: number;
  readonly message: string;
}

function pickItem(list: readonly unknown[], seg: string): number | string {
  if (/^\d+$/.test(seg)) {
    const i = Number(seg);
    return i < list.length ? i : `index ${i} is past the end of a list of ${list.length}`;
  }
  const names = list.map((x) => (isRecord(x) && typeof x.name === "string" ? x.name : undefined));
  const i = names.indexOf(seg);
  if (i >= 0) return i;
  const known = names.filter((n): n is string => n !== undefined);
  const hint =
    suggest(seg, known) ||
    (known.length ? ` (names: ${known.join(", ")})` : " (its items have no names: use an index)");
  return `no item named '${seg}'${hint}`;
}

/**
 * The concrete path (list items by index) of `path` in `doc`, creating nothing. Keys absent from a
 * mapping are fine (the scenario schema judges them: a default, or an unknown key); a list item
 * that does not exist is a miss.
 */
export function resolveDocPath(doc: unknown, path: string): Segment[] | PathMiss {
  const segs = splitPath(path);
  const out: Segment[] = [];
  let node: unknown = doc;
  for (const [at, seg] of segs.entries()) {
    if (seg === "") return { at, message: "empty key in the path" };
    if (Array.isArray(node)) {
      const i = pickItem(node, seg);
      if (typeof i === "string") return { at, message: `${segs.slice(0, at).join(".")}: ${i}` };
      out.push(i);
      node = node[i];
    } else {
      out.push(seg);
      node = isRecord(node) ? node[seg] : undefined;
    }
  }
  return out;
}

/** A deep copy of `doc` with `value` at the concrete path `segs` (missing mappings created). */
export function withValue(doc: unknown, segs: readonly Segment[], value: unknown): unknown {
  const root: unknown = structuredClone(doc);
  let node = root as Record<string | number, unknown>;
  for (const [i, seg] of segs.entries()) {
    if (i === segs.length - 1) {
      node[seg] = structuredClone(value);
      break;
    }
    const next = node[seg];
    if (typeof next !== "object" || next === null) node[seg] = {};
    node = node[seg] as Record<string | number, unknown>;
  }
  return root;
}

/** The value at a metric path in a run's result: a number, null (nothing recorded), or a miss. */
export function metricValue(result: unknown, path: string): number | null | PathMiss {
  const segs = splitPath(path);
  let node: unknown = result;
  for (const [at, seg] of segs.entries()) {
    if (!isRecord(node)) return { at, message: `${segs.slice(0, at).join(".")} is a number, not a mapping` };
    if (!Object.hasOwn(node, seg)) {
      const keys = Object.keys(node);
      const where = at === 0 ? "" : `${segs.slice(0, at).join(".")}: `;
      return { at, message: `${where}no '${seg}'${suggest(seg, keys) || ` (there: ${keys.join(", ")})`}` };
    }
    node = node[seg];
  }
  if (node === null || typeof node === "number") return node;
  const keys = isRecord(node) ? `: pick one of ${Object.keys(node).join(", ")}` : "";
  return { at: segs.length - 1, message: `${path} is not a number${keys}` };
}

export function isMiss(v: unknown): v is PathMiss {
  return isRecord(v) && typeof v.message === "string" && typeof v.at === "number";
}
