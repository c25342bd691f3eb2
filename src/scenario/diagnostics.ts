/**
 * Diagnostics: what a user would otherwise have to guess from a number that stays at 0. Each has a
 * stable code, a severity, a message and the scenario key path it concerns; those that depend on
 * the kernel revision list the revisions they were seen on. Codes are documented in README.md.
 */

import type { TagNamespace } from "../hw/fabric/accelerator.js";
import type { RevisionName } from "../kernel/revision.js";
import { fabricParamsOf } from "./fabric-params.js";
import { sizeRange } from "./flow-shape.js";
import { bufferDevice, deviceSetting, eventDevice, mrNic, scenarioPlatform } from "./platform.js";
import type { RevisionResult } from "./result.js";
import type { FlowDesc, Scenario } from "./scenario-schema.js";
import { formatPath, type Path } from "./schema.js";
import { formatSize, formatTimePs } from "./units.js";

export interface Diagnostic {
  readonly code: string;
  readonly severity: "warning" | "info";
  readonly message: string;
  /** Scenario key path: `flows[0].offset`, `timeline[2]`. */
  readonly path: string;
  /** Revisions it was seen on, when not every one run. */
  readonly revisions?: readonly RevisionName[];
}

/** Every diagnostic code, for documentation and tests. */
export const DIAGNOSTIC_CODES = [
  "tag-not-sent",
  "flow-outside-mr",
  "unrevoke-without-revoke",
  "buffers-overlap",
  "warmup-past-end",
  "flow-no-messages",
  "short-window",
] as const;

function diag(code: (typeof DIAGNOSTIC_CODES)[number], path: Path, message: string): Diagnostic {
  return { code, severity: "warning", message, path: formatPath(path) };
}

function maxSize(f: FlowDesc): number {
  return sizeRange(f).max;
}

/** Bytes of an MR: its buffer's length or its host size. */
function mrLength(s: Scenario, name: string): number | undefined {
  const m = s.mrs.find((x) => x.name === name);
  if (m?.host !== undefined) return m.host;
  return s.buffers.find((b) => b.name === m?.buffer)?.length;
}

function flowsOutside(s: Scenario): Diagnostic[] {
  const out: Diagnostic[] = [];
  s.flows.forEach((f, i) => {
    const len = mrLength(s, f.mr);
    if (len === undefined) return;
    const end = f.offset + (f.length ?? maxSize(f));
    if (f.offset >= len || end > len) {
      const what =
        f.length === undefined ? `one ${formatSize(maxSize(f))} message` : `length ${formatSize(f.length)}`;
      out.push(
        diag(
          "flow-outside-mr",
          ["flows", i, f.offset >= len ? "offset" : f.length === undefined ? "size" : "length"],
          `flow ${f.name}: offset ${formatSize(f.offset)} + ${what} is past the end of MR ${f.mr} (${formatSize(len)}): the NIC rejects its accesses`,
        ),
      );
    }
  });
  return out;
}

/** An unrevoke whose accelerator has nothing revoked (on a platform, each accelerator apart). */
function unrevokes(s: Scenario): Diagnostic[] {
  const out: Diagnostic[] = [];
  const events = s.timeline.map((e, i) => [e, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]);
  const several = scenarioPlatform(s).accelerators.length > 1;
  const revoked = new Set<string>();
  for (const [e, i] of events) {
    const device = eventDevice(s, e) ?? "";
    if (e.action === "revoke") revoked.add(device);
    if (e.action !== "unrevoke") continue;
    if (!revoked.has(device)) {
      const what = several
        ? `unrevoke of ${device} at ${formatTimePs(e.at)} with nothing of ${device} revoked`
        : `unrevoke at ${formatTimePs(e.at)} with nothing revoked`;
      out.push(diag("unrevoke-without-revoke", ["timeline", i], `${what}: it changes nothing`));
    }
    revoked.delete(device);
  }
  return out;
}

function overlaps(s: Scenario): Diagnostic[] {
  const out: Diagnostic[] = [];
  s.buffers.forEach((b, i) => {
    for (let j = 0; j < i; j++) {
      const a = s.buffers[j]!;
      // Buffers of different accelerators live in different BARs.
      if (bufferDevice(s, a.name) !== bufferDevice(s, b.name)) continue;
      if (b.offset < a.offset + a.length && a.offset < b.offset + b.length)
        out.push(
          diag(
            "buffers-overlap",
            ["buffers", i, "offset"],
            `buffer ${b.name} overlaps buffer ${a.name} in BAR 0: the same bytes are exported twice`,
          ),
        );
    }
  });
  return out;
}

/** What the scenario alone says (before any run). */
export function scenarioDiagnostics(s: Scenario): Diagnostic[] {
  const out = [...flowsOutside(s), ...unrevokes(s), ...overlaps(s)];
  if (s.metrics.warmupNs * 1000 >= s.duration)
    out.push(
      diag(
        "warmup-past-end",
        ["metrics", "warmupNs"],
        `warm-up ${formatTimePs(s.metrics.warmupNs * 1000)} is not shorter than the run (${formatTimePs(s.duration)}): nothing is measured`,
      ),
    );
  return out;
}

/** Per flow, the namespace the NIC sent in and the owner's tags in each namespace. */
export type TagProbe = Map<
  string,
  { ns: TagNamespace; tag: number | null; other: number | null | undefined }
>;

const NS_NAME: Readonly<Record<TagNamespace, string>> = {
  st8: "8-bit tags (TPH)",
  st16: "16-bit tags (Extended TPH)",
};

/**
 * Goodput above the flow's NIC port (its payload rate for the flow's packets) is possible only in
 * a window the warm-up opened mid-stream: it counts deliveries that were in flight, or waiting in
 * the NIC, when it opened (README, "What the numbers mean"). Say so where it happens.
 */
function shortWindow(s: Scenario, f: FlowDesc, result: RevisionResult): string | undefined {
  const r = result.flows[f.name];
  if (!r || r.goodputGbps <= 0 || s.metrics.warmupNs * 1000 <= f.start) return undefined;
  const nic = mrNic(s, f.mr);
  const setting = <K extends keyof Scenario["nic"]>(k: K) =>
    nic ? deviceSetting(s, nic, "nic", k) : s.nic[k];
  const p = fabricParamsOf(s).nic;
  const packet = Math.min(maxSize(f), setting("mtu") ?? p.mtu);
  const overhead = setting("packetOverheadBytes") ?? p.packetOverheadBytes;
  const port = ((setting("lineRateGbps") ?? p.lineRateGbps) * packet) / (packet + overhead);
  if (r.goodputGbps <= port * (1 + 1e-9)) return undefined;
  return `flow ${f.name}: goodput ${r.goodputGbps.toFixed(1)} Gb/s is above its NIC port's payload rate (${port.toFixed(1)} Gb/s): its window (${formatTimePs(Math.round(r.activeNs * 1000))}, opened mid-stream by the warm-up) counts deliveries in flight when it opened; lengthen the run or shorten the warm-up`;
}

/** Merge what each revision saw: one diagnostic per finding, naming the revisions. */
export function runDiagnostics(
  s: Scenario,
  seen: ReadonlyMap<RevisionName, { result: RevisionResult; probe: TagProbe }>,
): Diagnostic[] {
  const found = new Map<string, { d: Diagnostic; revs: RevisionName[] }>();
  const add = (rev: RevisionName, d: Diagnostic) => {
    const key = `${d.code}|${d.path}|${d.message}`;
    const e = found.get(key) ?? { d, revs: [] };
    e.revs.push(rev);
    found.set(key, e);
  };
  for (const [rev, { result, probe }] of seen) {
    s.flows.forEach((f, i) => {
      const p = probe.get(f.name);
      if (p && p.tag === null && p.other !== null && p.other !== undefined) {
        const buffer = s.mrs.find((m) => m.name === f.mr)?.buffer;
        const other: TagNamespace = p.ns === "st8" ? "st16" : "st8";
        add(
          rev,
          diag(
            "tag-not-sent",
            ["flows", i, "mr"],
            `flow ${f.name}: the NIC negotiated ${NS_NAME[p.ns]} but buffer ${buffer} publishes only ${NS_NAME[other]}: its TLPs carry no tag`,
          ),
        );
      }
      if ((result.flows[f.name]?.messages ?? 0) === 0)
        add(rev, diag("flow-no-messages", ["flows", i], `flow ${f.name} completed no message in the run`));
      const short = shortWindow(s, f, result);
      if (short) add(rev, diag("short-window", ["flows", i], short));
    });
  }
  const all = seen.size;
  return [...found.values()].map(({ d, revs }) => (revs.length === all ? d : { ...d, revisions: revs }));
}
