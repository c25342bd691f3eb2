/**
 * What the NIC does for a flow, read from the hardware state the kernel model programmed: the mkey
 * (present, access rights, translation valid or zapped), the translation's bus addresses and so
 * the completer they route to, and the TH/PH/ST the NIC stamps (Mlx5Device.tlpHints). Recomputed
 * at the start of a run and after every timeline callback, the only moments the kernel model runs,
 * so every TLP carries the state current when it is sent.
 *
 * Staleness: a TLP's tag is stale when it differs from what the owner publishes now in the
 * namespace the TLP uses: "st16" when it carries the TPH prefix (ST[15:8]), "st8" otherwise. The
 * caller's publishedTag(namespace, flow) says what the owner publishes now (a number; null =
 * nothing published in that namespace; undefined = not tracked for this flow).
 */
import { getField } from "../../pcie/bits.js";
import { TPH } from "../../pcie/registers.js";
import type { Mlx5Device } from "../mlx5/device.js";
import type { Topology } from "../topology.js";
import type { AcceleratorModel, TagNamespace } from "./accelerator.js";
import { type FlowSnapshot, type FlowState, NONE } from "./flow-state.js";
import type { FabricGraph } from "./graph.js";
import { CLS_COMPLETION, CLS_NONPOSTED, CLS_POSTED, type RouteTable } from "./route.js";

export type PublishedTagFn = (namespace: TagNamespace, flow: string) => number | null | undefined;

export interface SnapshotContext {
  /** The NIC carrying the flow, and its fabric node. */
  readonly nic: Mlx5Device;
  readonly nicNode: number;
  readonly topology: Topology;
  readonly graph: FabricGraph;
  readonly routes: RouteTable;
  /** The accelerators, in the order of graph.accels. */
  readonly accels: readonly AcceleratorModel[];
  readonly publishedTag: PublishedTagFn | undefined;
}

const EMPTY = new Float64Array(0);

/** A snapshot whose accesses fault for `why`. */
function faulted(why: string): FlowSnapshot {
  return {
    fault: why,
    dest: -1,
    reqRoute: -1,
    cplRoute: -1,
    th: 0,
    ph: 0,
    st: 0,
    prefix: 0,
    stale: false,
    segments: EMPTY,
    regionOffset: 0,
    regionLength: 0,
    intendedPart: NONE,
    intendedOp: NONE,
    intendedCpu: NONE,
    consumerPart: 0,
    consumerCpu: 0,
  };
}

export function snapshotFlow(ctx: SnapshotContext, f: FlowState): FlowSnapshot {
  const spec = f.spec;
  if (!ctx.nic.fn.busMasterEnabled()) return faulted("NIC bus mastering disabled");
  const mk = ctx.nic.mkeyByKey(spec.mkey);
  if (!mk || mk.fields.free) return faulted("no such mkey");
  const acc = mk.fields.access;
  if (!(spec.op === "write" ? acc.rw : spec.op === "read" ? acc.rr : acc.lw))
    return faulted("mkey access denied");
  if (!mk.xltValid) return faulted("mkey translation zapped");
  const mrLen = Number(mk.fields.len);
  const offset = spec.offset ?? 0;
  const length = spec.length ?? mrLen - offset;
  if (length <= 0 || offset + length > mrLen) return faulted("flow area outside the MR");
  if (Math.floor(length / f.slotBytes) < 1) return faulted("flow area smaller than one message slot");
  const segs = segmentsOf(mk.xlt, offset, length);
  if (!segs) return faulted("translation shorter than the flow area");
  const dest = destinationOf(ctx, segs);
  if (typeof dest === "string") return faulted(dest);
  return withHints(ctx, f, mk.index, { dest, segs, offset, length });
}

function withHints(
  ctx: SnapshotContext,
  f: FlowState,
  mkeyIndex: number,
  area: { dest: number; segs: Float64Array; offset: number; length: number },
): FlowSnapshot {
  const g = ctx.graph;
  const read = f.spec.op === "read";
  const reqRoute = ctx.routes.get(ctx.nicNode, area.dest, read ? CLS_NONPOSTED : CLS_POSTED);
  const cplRoute = read ? ctx.routes.get(area.dest, ctx.nicNode, CLS_COMPLETION) : -1;
  const h = ctx.nic.tlpHints(mkeyIndex);
  const th = h.th ? 1 : 0;
  const st = h.th ? h.st : 0;
  // The namespace the TLP uses: with the TPH prefix the 16-bit one, without it the 8-bit one (a
  // completer looks a prefix-less TLP up among 8-bit tags whatever the requester negotiated).
  // Without a hint, the requester's: what the owner would have it send.
  const ns: TagNamespace = h.th ? (h.prefix ? "st16" : "st8") : requesterExt(ctx.nic) ? "st16" : "st8";
  const published = ctx.publishedTag?.(ns, f.name);
  const accel = ctx.accels[g.accels.indexOf(area.dest)];
  let intendedPart = NONE;
  let intendedOp = NONE;
  let intendedCpu = NONE;
  const exp = f.spec.expect;
  if (exp && "cpu" in exp) intendedCpu = exp.cpu;
  else if (exp) [intendedPart, intendedOp] = [exp.partition, exp.op];
  else if (accel && published !== undefined) {
    const i = accel.intent(ns, published);
    [intendedPart, intendedOp] = [i.part, i.op];
  }
  const c = f.spec.consumer || undefined;
  const defPart = (accel ?? ctx.accels[0])?.defaultPartition ?? 0;
  return {
    fault: "",
    dest: area.dest,
    reqRoute,
    cplRoute,
    th,
    ph: h.th ? h.ph : 0,
    st,
    prefix: h.th && h.prefix ? 1 : 0,
    stale: th === 1 && published !== undefined && published !== st,
    segments: area.segs,
    regionOffset: area.offset,
    regionLength: area.length,
    intendedPart,
    intendedOp,
    intendedCpu,
    consumerPart: c?.partition ?? (intendedPart >= 0 ? intendedPart : defPart),
    consumerCpu: c?.cpu ?? Math.max(intendedCpu, 0),
  };
}

/** TPH Requester Enable of the NIC is "TPH and Extended TPH". */
function requesterExt(nic: Mlx5Device): boolean {
  const cap = nic.fn.caps.tph;
  if (!cap) return false;
  const ctrl = nic.fn.cfg.read32(cap + TPH.CTRL.offset);
  return getField(ctrl, TPH.CTRL.fields.REQ_EN.mask) === TPH.CTRL.fields.REQ_EN.values.EXT_TPH;
}

/** (MR offset, bus address, length) triples covering [offset, offset + length), or undefined. */
function segmentsOf(
  xlt: readonly { addr: bigint; len: bigint }[],
  offset: number,
  length: number,
): Float64Array | undefined {
  const out: number[] = [];
  let pos = 0;
  const end = offset + length;
  for (const s of xlt) {
    const len = Number(s.len);
    const lo = Math.max(pos, offset);
    const hi = Math.min(pos + len, end);
    if (hi > lo) out.push(lo, Number(s.addr) + (lo - pos), hi - lo);
    pos += len;
    if (pos >= end) break;
  }
  const covered = out.reduce((a, v, i) => (i % 3 === 2 ? a + v : a), 0);
  return covered === length ? Float64Array.from(out) : undefined;
}

/** The fabric node every segment routes to, or why not. */
function destinationOf(ctx: SnapshotContext, segs: Float64Array): number | string {
  let dest = -1;
  for (let k = 0; k < segs.length; k += 3) {
    const bus = segs[k + 1]!;
    const len = segs[k + 2]!;
    let d: number;
    const a = ctx.accels.findIndex((x) => x.owns(bus, len));
    if (a >= 0) d = ctx.graph.accels[a]!;
    else {
      const owner = ctx.topology
        .functions()
        .find((fn) => fn.spec.bars.some((b) => bus < b.address + b.size && bus + len > b.address));
      if (owner) return `address 0x${bus.toString(16)} is in a BAR of ${owner.bdf}: no modelled completer`;
      d = ctx.graph.rc;
    }
    if (dest >= 0 && d !== dest) return "flow area spans several completers";
    dest = d;
  }
  return dest;
}
