/**
 * The timeline on the fabric, the same on the single machine (run.ts) and on a platform
 * (platform-run.ts): each event runs at its simulated time as the programs' calls (./actions.ts),
 * then the data path sees what the kernel did.
 *
 * - set-tph: the owner of the buffer's accelerator programs that device's table for the new tag
 *   before publishing it, and the flows on that buffer are judged against the new intent;
 * - reregister: the flows on the MR use its new key (the application hands it to its peers);
 * - page faults: each NIC touches a zapped dma-buf MR on its next access; the model runs that fault
 *   (mlx5_ib_page_fault) right after every event for each zapped MR a flow uses, on the MR's own
 *   NIC. While the buffer is revoked the fault fails and the flow's bytes are lost; after the
 *   un-revoke it re-maps (and in `proposed` re-queries the exporter's tag). A revoke reaches only
 *   the MRs on that accelerator's dma-bufs, so the other accelerators' flows keep running;
 * - the kernel's invariants are swept after each event.
 *
 * The fabric re-reads every flow's view (Fabric.at then refresh) after each callback.
 */
import type { StTableEntry } from "../../hw/fabric/accelerator.js";
import type { Fabric } from "../../hw/fabric/fabric.js";
import { mlx5IbPageFault } from "../../kernel/infiniband/hw/mlx5/odp.js";
import { checkInvariants } from "../../kernel/invariants.js";
import type { TimelineMark } from "../events.js";
import { flowSpec, mergeEntries, type OwnerIntents, steeringEntries } from "../fabric-adapter.js";
import { bufferDevice, eventDevice, mrNic } from "../platform.js";
import type { Sweep } from "../revision-run.js";
import type { Scenario } from "../scenario-schema.js";
import type { Session } from "../setup.js";
import { formatTimePs } from "../units.js";
import { runTimelineEvent } from "./actions.js";

/** What the timeline leaves for the results: the invariant sweeps and each event's steps. */
export interface TimelineRecord {
  readonly sweeps: Sweep[];
  readonly marks: TimelineMark[];
}

/** Each NIC faults on each zapped dma-buf MR a flow uses; its driver re-maps it if it can. */
function pageFaults(s: Scenario, ses: Session, now: number): void {
  const used = new Set(s.flows.map((f) => f.mr));
  for (const m of ses.mrs.values()) {
    const desc = s.mrs.find((x) => x.name === m.name);
    if (!used.has(m.name) || desc?.buffer === undefined || !m.mr) continue;
    const nicName = mrNic(s, m.name) ?? "";
    const nic = ses.nics.get(nicName);
    const mkey = nic?.hw.mkeyByKey(m.key);
    if (!nic || !mkey || mkey.xltValid) continue;
    ses.steps.push({
      at: now,
      who: "nic",
      call: `page fault on MR ${m.name}${ses.namesDevices ? ` (${nicName})` : ""}`,
      ret: mlx5IbPageFault(ses.k, nic.ib, m.key),
    });
  }
}

/** The flows on MR `mr` use the key it has now (read at each refresh). */
function repoint(fabric: Fabric, s: Scenario, ses: Session, mr: string): void {
  for (const f of fabric.flows) {
    const desc = s.flows.find((x) => x.name === f.name);
    if (desc?.mr !== mr) continue;
    fabric.setFlowKey(f.name, flowSpec(s, ses, desc).mkey);
  }
}

/** The flows whose MR is on `buffer`. */
function flowsOn(s: Scenario, buffer: string): Scenario["flows"] {
  const mrs = new Set(s.mrs.filter((m) => m.buffer === buffer).map((m) => m.name));
  return s.flows.filter((f) => mrs.has(f.mr));
}

/**
 * Schedule `s.timeline` on `fabric`. `tables` holds each accelerator's device table at the start,
 * by name, in the fabric's order (fabric.accelerators[i] is the i-th); `intents` the owners'
 * intents by buffer, updated as set-tph events name partitions.
 */
export function scheduleTimeline(
  fabric: Fabric,
  s: Scenario,
  ses: Session,
  tables: ReadonlyMap<string, readonly StTableEntry[]>,
  intents: OwnerIntents,
): TimelineRecord {
  const rec: TimelineRecord = { sweeps: [], marks: [] };
  const current = new Map(tables);
  const index = new Map([...tables.keys()].map((name, i) => [name, i]));
  const ibdevs = [...ses.nics.values()].map((n) => n.ib);
  const events = s.timeline.map((e, i) => [e, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]);
  for (const [e] of events) {
    fabric.at(e.at / 1000, (fab) => {
      if (e.action === "set-tph" && e.partition !== undefined) {
        // The owner programs its device for the new tag before publishing it.
        const device = bufferDevice(s, e.buffer) ?? "";
        const model = fab.accelerators[index.get(device) ?? -1];
        if (model) {
          const table = mergeEntries(current.get(device) ?? [], steeringEntries(e));
          current.set(device, table);
          model.setStTable(table, "timeline");
        }
        intents.set(e.buffer, { partition: e.partition, op: e.op });
        for (const f of flowsOn(s, e.buffer)) fab.setFlowExpect(f.name, flowSpec(s, ses, f, intents).expect);
      }
      const first = ses.steps.length;
      runTimelineEvent(s, ses, e, e.at);
      if (e.action === "reregister") repoint(fab, s, ses, e.mr);
      pageFaults(s, ses, e.at);
      const device = ses.namesDevices ? eventDevice(s, e) : undefined;
      rec.marks.push({ event: e, first, end: ses.steps.length, ...(device === undefined ? {} : { device }) });
      rec.sweeps.push({ at: `@${formatTimePs(e.at)}`, report: checkInvariants(ses.k, { ibdevs }) });
    });
  }
  return rec;
}
