/**
 * The built-in demo (`tphlab demo`, what `npm start` runs): NIC -> accelerator RDMA WRITE and READ
 * through a PCIe switch, with a revoke, a re-partition and a new SET mid-run, on mainline, v11 and
 * proposed. The text is examples/demo.yaml verbatim (a test keeps them equal), embedded so the
 * built program needs no file. The summary is computed from the results, never written by hand.
 */
import type { RevisionName } from "../kernel/revision.js";
import { parseScenario } from "./load.js";
import type { RevisionResult, RunOutcome } from "./result.js";
import type { Scenario } from "./scenario-schema.js";
import { num } from "./table.js";
import { formatTimePs } from "./units.js";

export const DEMO_YAML = `name: demo
description: >-
  NIC -> accelerator RDMA WRITE and READ through a PCIe switch; mid-run the owner revokes the
  buffer, re-partitions its device, SETs a new tag and re-enables memory.
duration: 200us
revisions: [mainline, v11, proposed]
topology: switch
link: { gen: 5, width: 16 }
buffers:
  - name: hbm
    length: 4MiB
    tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 }
mrs:
  - { name: acc, buffer: hbm }
flows:
  - { name: write, op: write, mr: acc, size: 4KiB, rate: 100Gb/s, length: 2MiB }
  - { name: read, op: read, mr: acc, size: 4KiB, queueDepth: 8, length: 2MiB }
timeline:
  - { at: 80us, action: revoke, by: memory-disable }
  - { at: 90us, action: set-tph, buffer: hbm, st: 0x22, stExt: 0x5555, ph: 2, partition: 2 }
  - { at: 100us, action: unrevoke }
`;

/** The demo scenario, validated like any file. */
export function demoScenario(): Scenario {
  return parseScenario(DEMO_YAML, "examples/demo.yaml");
}

function tphShare(r: RevisionResult): string {
  const { total, withTph } = r.tlps;
  return total ? `${((100 * withTph) / total).toFixed(0)}%` : "0%";
}

/** What the comparison shows, as sentences built from the numbers of `o`. */
export function demoSummary(o: RunOutcome, s: Scenario): string {
  const revs = Object.keys(o.report.results) as RevisionName[];
  const res = (r: RevisionName) => o.report.results[r]!;
  const lines = ["What it shows:"];
  lines.push(`- TLPs carrying TPH: ${revs.map((r) => `${r} ${tphShare(res(r))}`).join(", ")}.`);
  const set = s.timeline.find((e) => e.action === "set-tph");
  if (set) {
    const stale = revs.map(
      (r) => `${r} ${num(res(r).tlps.stale)} (${num(res(r).bytesMisdirected)} bytes misdirected)`,
    );
    lines.push(
      `- New SET at ${formatTimePs(set.at)}; TLPs with a stale tag (not the one the owner publishes): ${stale.join(", ")}.`,
    );
  }
  const consume = (r: RevisionName) => Object.values(res(r).consumers)[0]?.timeToConsumeNs.p50;
  if (revs.some((r) => consume(r) !== undefined)) {
    lines.push(
      `- Time for the accelerator to consume a message (p50): ${revs.map((r) => `${r} ${num(consume(r) ?? 0)} ns`).join(", ")}.`,
    );
  }
  const broken = revs.flatMap((r) =>
    Object.entries(res(r).invariants)
      .filter(([, i]) => !i.ok)
      .map(([n]) => `${r} ${n}`),
  );
  lines.push(`- Invariants: ${broken.length ? `broken: ${broken.join(", ")}` : "all held"}.`);
  return `${lines.join("\n")}\n`;
}
