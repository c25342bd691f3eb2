/**
 * What the data path needs from a scenario after the kernel set it up: flow descriptions (with the
 * mkeys the kernel created), the accelerator owner's device table (tag -> partition, op), and what
 * the owner publishes now (the exporter's SET state, read from the kernel model at every refresh).
 */
import type { StTableEntry, TagNamespace } from "../hw/fabric/accelerator.js";
import {
  choiceSize,
  type FlowExpect,
  type FlowSpec,
  type SizeSampler,
  uniformSize,
} from "../hw/fabric/flow-spec.js";
import { VFIO_DMA_BUF_TPH_ST, VFIO_DMA_BUF_TPH_ST_EXT } from "../kernel/include/uapi/linux/vfio.js";
import { shapeSpec } from "./flow-shape.js";
import type { FlowDesc, Scenario, SizeDist } from "./scenario-schema.js";
import type { Session } from "./setup.js";

function sampler(size: SizeDist): number | SizeSampler {
  if (typeof size === "number") return size;
  if (size.dist === "uniform") return uniformSize(size.min, size.max);
  return size.weights ? choiceSize(size.values, size.weights) : choiceSize(size.values);
}

/** The intended CPU of a flow on an MR registered with a CPU-bound DMA handle. */
function dmahIntent(s: Scenario, f: FlowDesc): FlowSpec["expect"] {
  const mr = s.mrs.find((m) => m.name === f.mr);
  const d = mr?.dmah === undefined ? undefined : s.dmah.find((x) => x.name === mr.dmah);
  return d?.cpu === undefined ? undefined : { cpu: d.cpu };
}

/**
 * Where the owner means each buffer's data to go (partition, op), as the scenario declares it:
 * the buffer's tph at setup, then each timeline set-tph that names a partition. This is the owner's
 * intent in every revision, whether or not its kernel can carry the tag, so bytes are judged the
 * same way everywhere (misdirected: hinted elsewhere; unsteered: no hint).
 */
export type OwnerIntents = Map<string, FlowExpect>;

export function initialIntents(s: Scenario): OwnerIntents {
  const out: OwnerIntents = new Map();
  for (const b of s.buffers) {
    if (b.tph?.partition !== undefined) out.set(b.name, { partition: b.tph.partition, op: b.tph.op });
  }
  return out;
}

/** The owner's intent for the buffer under flow `f`'s MR, if it declared one. */
function ownerIntent(s: Scenario, f: FlowDesc, intents: OwnerIntents): FlowExpect | undefined {
  const buffer = s.mrs.find((m) => m.name === f.mr)?.buffer;
  return buffer === undefined ? undefined : intents.get(buffer);
}

/** The fabric's description of flow `f`, using the key the MR has now and the owner's intent. */
export function flowSpec(
  s: Scenario,
  ses: Pick<Session, "mrs">,
  f: FlowDesc,
  intents: OwnerIntents = new Map(),
): FlowSpec {
  const key = ses.mrs.get(f.mr)?.key ?? 0;
  const c = f.consumer;
  const consumer =
    c === undefined
      ? undefined
      : c === "none"
        ? false
        : {
            engines: c.engines,
            ...(c.partition === undefined ? {} : { partition: c.partition }),
            ...(c.cpu === undefined ? {} : { cpu: c.cpu }),
          };
  const expect = f.expect ?? dmahIntent(s, f) ?? ownerIntent(s, f, intents);
  return {
    name: f.name,
    op: f.op,
    mkey: key,
    offset: f.offset,
    ...(f.size === undefined ? {} : { size: sampler(f.size) }),
    arrival: f.arrival,
    startNs: f.start / 1000,
    ...shapeSpec(f),
    ...(f.length === undefined ? {} : { length: f.length }),
    ...(f.rate === undefined ? {} : { rateGbps: f.rate / 1e9 }),
    ...(f.queueDepth === undefined ? {} : { queueDepth: f.queueDepth }),
    ...(f.messages === undefined ? {} : { messages: f.messages }),
    ...(consumer === undefined ? {} : { consumer }),
    ...(expect === undefined ? {} : { expect }),
  };
}

/** Device-table entries for a tag the owner uses: each given namespace -> (partition, op). */
export function steeringEntries(t: {
  readonly st?: number | undefined;
  readonly stExt?: number | undefined;
  readonly partition?: number | undefined;
  readonly op: number;
}): StTableEntry[] {
  if (t.partition === undefined) return [];
  const out: StTableEntry[] = [];
  if (t.st !== undefined) out.push({ namespace: "st8", st: t.st, partition: t.partition, op: t.op });
  if (t.stExt !== undefined) out.push({ namespace: "st16", st: t.stExt, partition: t.partition, op: t.op });
  return out;
}

/** The owner's device table at the start: explicit entries, then each buffer's tag(s). */
export function initialStTable(s: Scenario): StTableEntry[] {
  return mergeEntries(
    s.accelerator.stTable.map((e) => ({ ...e })),
    s.buffers.flatMap((b) => (b.tph ? steeringEntries(b.tph) : [])),
  );
}

/** `table` with `added` on top (a later entry for the same namespace and tag wins). */
export function mergeEntries(table: readonly StTableEntry[], added: readonly StTableEntry[]): StTableEntry[] {
  const key = (e: StTableEntry) => `${e.namespace}:${e.st}`;
  const out = new Map(table.map((e) => [key(e), e]));
  for (const e of added) out.set(key(e), e);
  return [...out.values()];
}

/**
 * What the owner publishes now for the buffer under `flow`'s MR, in namespace `ns`: the tag, null
 * when nothing is published there, undefined when the flow's MR is not on a buffer (not tracked).
 * v11/proposed: the SET state with its valid bits; rfc: its one tag, in either namespace.
 */
export function publishedTag(
  s: Scenario,
  ses: Pick<Session, "buffers" | "k">,
  ns: TagNamespace,
  flow: string,
): number | null | undefined {
  const mrName = s.flows.find((f) => f.name === flow)?.mr;
  const buffer = s.mrs.find((m) => m.name === mrName)?.buffer;
  if (buffer === undefined) return undefined;
  const p = ses.buffers.get(buffer)?.priv;
  if (!p) return null;
  const { k } = ses;
  if (k.b.dmaBufTph === "rfc-get-tph") return p.tph.st !== 0 || p.tph.ph !== 0 ? p.tph.st : null;
  const bit = ns === "st16" ? VFIO_DMA_BUF_TPH_ST_EXT : VFIO_DMA_BUF_TPH_ST;
  if (!(p.tph.flags & bit)) return null;
  return ns === "st16" ? p.tph.stExt : p.tph.st;
}
