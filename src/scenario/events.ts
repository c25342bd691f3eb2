/**
 * A revision's kernel calls and timeline actions as timestamped markers (RunEvent, src/sim/series.ts):
 * each timeline action itself (who "timeline", no return value), then the calls it made, with what
 * the kernel returned; the setup's calls at time 0 before them. Built from the steps the run keeps
 * (setup.ts Step) and the index range of the steps each timeline action produced.
 */
import type { RunEvent } from "../sim/series.js";
import type { TimelineEvent } from "./scenario-schema.js";
import type { Step } from "./setup.js";

/** The steps [first, end) a timeline action produced at its time (kernel calls and page faults). */
export interface TimelineMark {
  readonly event: TimelineEvent;
  readonly first: number;
  readonly end: number;
  /** On a platform: the device the action acted on (accelerator, or the MR's NIC). */
  readonly device?: string;
}

/** Marker category of a timeline action. */
function actionKind(e: TimelineEvent): string {
  return e.action === "reregister" ? "re-register" : e.action;
}

function actionCall(e: TimelineEvent, device: string | undefined): string {
  const on = device === undefined ? "" : ` ${device}`;
  switch (e.action) {
    case "revoke":
      return `revoke${on} by ${e.by}`;
    case "unrevoke":
      return `unrevoke${on}`;
    case "set-tph":
      return `set-tph on ${e.buffer}`;
    case "reregister":
      return `reregister ${e.mr}`;
  }
}

function actionArgs(e: TimelineEvent, device: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (device !== undefined) out.device = device;
  if (e.action === "revoke") out.by = e.by;
  if (e.action === "reregister") out.mr = e.mr;
  if (e.action === "set-tph") {
    out.buffer = e.buffer;
    if (e.st !== undefined) out.st = e.st;
    if (e.stExt !== undefined) out.stExt = e.stExt;
    out.ph = e.ph;
    if (e.partition !== undefined) out.partition = e.partition;
  }
  return out;
}

/** A setup call's category: its SETs are marked as such, the rest is set-up. */
function setupKind(st: Step): string {
  return st.call.startsWith("SET TPH") ? "set-tph" : "setup";
}

function callEvent(st: Step, kind: string): RunEvent {
  return { atNs: st.at / 1000, who: st.who, call: st.call, kind, ret: st.ret };
}

/** Every step and timeline action of one revision, in time order. */
export function runEvents(steps: readonly Step[], marks: readonly TimelineMark[]): RunEvent[] {
  const out: RunEvent[] = [];
  let next = 0;
  for (const m of marks) {
    for (; next < m.first; next++) out.push(callEvent(steps[next]!, setupKind(steps[next]!)));
    const kind = actionKind(m.event);
    const args = actionArgs(m.event, m.device);
    out.push({
      atNs: m.event.at / 1000,
      who: "timeline",
      call: actionCall(m.event, m.device),
      kind,
      ...(Object.keys(args).length > 0 ? { args } : {}),
    });
    for (; next < m.end; next++) {
      const st = steps[next]!;
      out.push(callEvent(st, st.who === "nic" ? "page-fault" : kind));
    }
  }
  for (; next < steps.length; next++) out.push(callEvent(steps[next]!, setupKind(steps[next]!)));
  return out;
}
