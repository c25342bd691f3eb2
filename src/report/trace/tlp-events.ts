/**
 * TLP-level trace records as trace events: a slice per TLP on the track of the link direction it
 * crosses (its serialisation time at the link's TLP rate), an instant per device-side record
 * (ingress accepted, landed, received, lost) on the device's track, and an instant per message on its
 * flow's track when its first TLP is sent (its span in the args). A message and its TLPs share a flow id,
 * so Perfetto draws arrows from the message to its TLPs.
 */
import type { TlpTraceRecord } from "../../hw/fabric/trace.js";
import { tlpWireBytes } from "../../pcie/link.js";
import type { InstantEvent, SliceEvent, TraceArgs, TrackTable } from "./model.js";

/** A link of the run, by the BDF of its downstream device. */
export interface TraceLink {
  readonly role: string;
  /** The downstream end's PCI address. */
  readonly bdf: string;
  readonly tlpGbps: number;
}

export interface TlpEventContext {
  readonly rev: number;
  readonly revName: string;
  readonly tracks: TrackTable;
  /** By downstream BDF. */
  readonly links: ReadonlyMap<string, TraceLink>;
  /** Flow ids are unique per (revision, flow, message). */
  readonly flowId: (flow: string, msg: number) => number;
}

/** Serialisation time of one TLP on a link (64-bit addresses, no ECRC, as the data path). */
export function tlpDurationPs(r: TlpTraceRecord, gbps: number): number {
  const payload = r.kind === "MRd" ? 0 : Math.min(r.bytes, 4096);
  const wire = tlpWireBytes(r.kind, payload, { addr: 64, ecrc: false });
  return gbps > 0 ? Math.round((wire * 8 * 1000) / gbps) : 0;
}

/** "sw0-nic0 up" (or "0000:03:00.0 up") -> "link sw0-nic0 up (0000:03:00.0)"; a device record's place -> its device track. */
function linkTrackName(where: string, links: ReadonlyMap<string, TraceLink>): string {
  const [key = where, dir = ""] = where.split(" ");
  const link = links.get(key);
  return link ? `link ${link.role} ${dir} (${link.bdf})` : `link ${where}`;
}

function deviceTrackName(where: string, links: ReadonlyMap<string, TraceLink>): string {
  const first = where.split(" ")[0] ?? where;
  // NIC-side records name what happened (request, fault, drop) rather than a BDF.
  if (!/^[0-9a-f]{4}:/.test(first)) return "device nic";
  const role = links.get(first)?.role;
  return role ? `device ${role} (${first})` : `device ${first}`;
}

function tlpArgs(r: TlpTraceRecord, stale: boolean): TraceArgs {
  return {
    kind: r.kind,
    length: r.bytes,
    TH: r.st === undefined ? 0 : 1,
    ...(r.ph === undefined ? {} : { PH: r.ph }),
    ...(r.st === undefined ? {} : { ST: `0x${r.st.toString(16)}` }),
    flow: r.flow,
    msg: r.msg,
    tlp: r.tlp,
    stale,
  };
}

interface MessageSpan {
  readonly flow: string;
  readonly msg: number;
  readonly kind: string;
  start: number;
  end: number;
  bytes: number;
  stale: boolean;
}

/** Slices and instants of one revision's records (all of them: the caller windows and caps). */
export function tlpEvents(
  records: readonly TlpTraceRecord[],
  c: TlpEventContext,
): (SliceEvent | InstantEvent)[] {
  const out: (SliceEvent | InstantEvent)[] = [];
  const msgs = new Map<string, MessageSpan>();
  const span = (r: TlpTraceRecord): MessageSpan => {
    const key = `${r.flow}\u0000${r.msg}`;
    let m = msgs.get(key);
    if (!m) {
      m = { flow: r.flow, msg: r.msg, kind: r.kind, start: r.t, end: r.t, bytes: 0, stale: false };
      msgs.set(key, m);
    }
    return m;
  };
  for (const r of records) {
    const m = span(r);
    m.end = Math.max(m.end, r.t);
    if (r.ev === "send") {
      m.bytes += r.bytes;
      if (r.stale) m.stale = true;
      continue;
    }
    const flows = [c.flowId(r.flow, r.msg)];
    if (r.ev === "link") {
      const bdf = r.where.split(" ")[0] ?? "";
      const dur = tlpDurationPs(r, c.links.get(bdf)?.tlpGbps ?? 0);
      m.end = Math.max(m.end, r.t + dur);
      const track = c.tracks.get(c.rev, c.revName, linkTrackName(r.where, c.links), "slices");
      const name = `${r.kind} ${r.bytes}B`;
      out.push({
        type: "slice",
        track,
        tsPs: r.t,
        durPs: dur,
        name,
        category: "tlp",
        args: tlpArgs(r, m.stale),
        flows,
      });
      continue;
    }
    const track = c.tracks.get(c.rev, c.revName, deviceTrackName(r.where, c.links), "slices");
    const args = { kind: r.kind, flow: r.flow, msg: r.msg, bytes: r.bytes, where: r.where };
    out.push({ type: "instant", track, tsPs: r.t, name: `${r.ev} ${r.kind}`, category: "device", args });
  }
  clipOverlaps(out);
  for (const m of msgs.values()) {
    const track = c.tracks.get(c.rev, c.revName, `flow ${m.flow}`, "slices");
    // An instant, not a slice: a flow's messages overlap in time and slices on a track must nest.
    out.push({
      type: "instant",
      track,
      tsPs: m.start,
      name: `${m.kind} message ${m.msg}`,
      category: "message",
      args: { flow: m.flow, msg: m.msg, bytes: m.bytes, stale: m.stale, spanNs: (m.end - m.start) / 1000 },
      flows: [c.flowId(m.flow, m.msg)],
    });
  }
  return out;
}

/**
 * Slices on one track must not overlap (Perfetto nests BEGIN/END by order): a TLP's estimated
 * serialisation time never runs past the next TLP's start on the same link direction.
 */
function clipOverlaps(events: (SliceEvent | InstantEvent)[]): void {
  const last = new Map<number, number>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type !== "slice") continue;
    const prev = last.get(e.track);
    if (prev !== undefined) {
      const p = events[prev] as SliceEvent;
      if (p.tsPs + p.durPs > e.tsPs) events[prev] = { ...p, durPs: Math.max(0, e.tsPs - p.tsPs) };
    }
    last.set(e.track, i);
  }
}
