/**
 * Timelines on random platforms (issue 10), on every revision: random trees of switches with 2-6
 * NICs and accelerators, a buffer on each accelerator, MRs on random buffers and NICs (and host
 * memory), random flows, and random revoke / unrevoke / set-tph / reregister events naming random
 * devices. Nothing throws; the physical bounds of every result hold (test/support/result-bounds.ts);
 * every event leaves its marker and its steps; and the kernel keeps devices apart: a page fault
 * happens only on an MR over an accelerator some event acted on, and a flow into an accelerator
 * no revoke named loses no byte.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { singleMachineShape } from "../../src/scenario/platform.js";
import type { RevisionResult } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";
import type { Scenario } from "../../src/scenario/scenario-schema.js";
import { assertProperty } from "../support/fc.js";
import { expectResultBounds } from "../support/result-bounds.js";

const BY = ["flr", "memory-disable", "d3hot", "hot-reset", "close"] as const;

const eventArb = fc.record({
  kind: fc.constantFrom("revoke", "revoke", "unrevoke", "set-tph", "reregister"),
  pick: fc.nat(),
  by: fc.constantFrom(...BY),
  atUs: fc.integer({ min: 0, max: 9 }),
  partition: fc.option(fc.integer({ min: 0, max: 2 })),
  st: fc.integer({ min: 0, max: 0xff }),
});

const scenarioArb = fc.record({
  switches: fc.array(fc.nat(), { maxLength: 3 }),
  devices: fc.array(
    fc.record({ nic: fc.boolean(), at: fc.nat(), gen: fc.option(fc.integer({ min: 3, max: 5 })) }),
    {
      minLength: 2,
      maxLength: 6,
    },
  ),
  mrs: fc.array(fc.record({ buffer: fc.nat(), nic: fc.nat(), host: fc.boolean() }), {
    minLength: 2,
    maxLength: 4,
  }),
  flows: fc.array(
    fc.record({
      op: fc.constantFrom("write", "read", "send"),
      size: fc.constantFrom(256, 4096, 9000),
      // Light loads: no path saturates, so a byte is lost only where a buffer was revoked.
      rateGbps: fc.integer({ min: 1, max: 10 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  timeline: fc.array(eventArb, { maxLength: 5 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Combo = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  readonly yaml: string;
  readonly accs: string[];
  /** MR name -> the accelerator its buffer lives on (undefined: host memory). */
  readonly mrAcc: Map<string, string | undefined>;
  /** Flow name -> its MR. */
  readonly flowMr: Map<string, string>;
}

function build(o: Combo): Built {
  const sw = o.switches.map((up, i) => ({
    name: `sw${i}`,
    up: up % (i + 1) === 0 ? "rc" : `sw${(up % (i + 1)) - 1}`,
  }));
  const at = (k: number) => (k % (sw.length + 1) === 0 ? "rc" : `sw${(k % (sw.length + 1)) - 1}`);
  const devs = o.devices.map((d, i) => {
    const kind = i === 0 ? "nic" : i === 1 ? "accelerator" : d.nic ? "nic" : "accelerator";
    return { name: `${kind === "nic" ? "nic" : "acc"}${i}`, kind, at: at(d.at), gen: d.gen };
  });
  const nics = devs.filter((d) => d.kind === "nic").map((d) => d.name);
  const accs = devs.filter((d) => d.kind === "accelerator").map((d) => d.name);
  const mrAcc = new Map<string, string | undefined>();
  const mrs = o.mrs.map((m, i) => {
    const nic = nics[m.nic % nics.length]!;
    const acc = accs[m.buffer % accs.length]!;
    mrAcc.set(`m${i}`, m.host ? undefined : acc);
    return m.host
      ? `{ name: m${i}, host: 1MiB, nic: ${nic} }`
      : `{ name: m${i}, buffer: b-${acc}, nic: ${nic} }`;
  });
  const flowMr = new Map<string, string>();
  // A flow on every MR (the flows' specs taken in turn), so every MR shows what happens to it.
  const n = Math.max(o.flows.length, o.mrs.length);
  const flows = Array.from({ length: n }, (_, i) => {
    const f = o.flows[i % o.flows.length]!;
    const mr = `m${i % o.mrs.length}`;
    flowMr.set(`f${i}`, mr);
    return `{ name: f${i}, op: ${f.op}, mr: ${mr}, size: ${f.size}, rate: ${f.rateGbps}Gb/s }`;
  });
  const events = o.timeline.map((e) => {
    const when = `at: ${e.atUs}us`;
    const acc = accs[e.pick % accs.length]!;
    switch (e.kind) {
      case "revoke":
        return `{ ${when}, action: revoke, device: ${acc}, by: ${e.by} }`;
      case "unrevoke":
        return `{ ${when}, action: unrevoke, device: ${acc} }`;
      case "set-tph": {
        const part = e.partition === null ? "" : `, partition: ${e.partition}`;
        return `{ ${when}, action: set-tph, buffer: b-${acc}, st: ${e.st}, stExt: ${0x100 + e.st}, ph: 2${part} }`;
      }
      default:
        return `{ ${when}, action: reregister, mr: m${e.pick % o.mrs.length} }`;
    }
  });
  const link = (g: number | null) => (g === null ? "" : `, link: { gen: ${g}, width: 8 }`);
  const yaml = `name: ptl
duration: 10us
seed: ${o.seed}
revisions: [mainline, rfc, v11, proposed]
link: { gen: 5, width: 16 }
platform:
  switches: [${sw.map((w) => `{ name: ${w.name}, upstream: ${w.up} }`).join(", ")}]
  devices:
${devs.map((d) => `    - { name: ${d.name}, kind: ${d.kind}, at: ${d.at}${link(d.gen)} }`).join("\n")}
buffers:
${accs.map((a) => `  - { name: b-${a}, device: ${a}, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }`).join("\n")}
mrs: [${mrs.join(", ")}]
flows: [${flows.join(", ")}]
timeline: [${events.join(", ")}]
`;
  return { yaml, accs, mrAcc, flowMr };
}

type Run = ReturnType<typeof runScenario>;
type Event = Scenario["timeline"][number];

/** The accelerator an event acts on (a re-registration: none; it acts on an MR). */
const eventAcc = (e: Event): string | undefined =>
  e.action === "revoke" || e.action === "unrevoke"
    ? e.device
    : e.action === "set-tph"
      ? e.buffer.slice(2)
      : undefined;

/** Per flow: the ledger balances; a flow into an accelerator no revoke named loses nothing. */
function checkFlows(b: Built, s: Scenario, r: RevisionResult, at: (w: string) => string): void {
  const revoked = new Set(s.timeline.flatMap((e) => (e.action === "revoke" ? [e.device!] : [])));
  for (const [name, f] of Object.entries(r.flows)) {
    const x = f.bytes;
    expect(x.offered, at(`${name} ledger`)).toBe(x.delivered + x.lost + x.inFlight);
    const acc = b.mrAcc.get(b.flowMr.get(name)!);
    if (acc === undefined || !revoked.has(acc))
      expect(x.lost, at(`${name} lost, ${acc} never revoked`)).toBe(0);
  }
}

/**
 * Every event leaves its marker; a revoke or unrevoke is its accelerator owner's call; a revoke
 * that worked makes each NIC fault on each used MR over that accelerator (registered at setup and
 * never again) at once; and no MR faults before an event acted on its accelerator.
 */
function checkSteps(b: Built, s: Scenario, out: Run, rev: string, at: (w: string) => string): void {
  const events = out.report.events[rev]!;
  expect(
    events.filter((e) => e.who === "timeline"),
    at("markers"),
  ).toHaveLength(s.timeline.length);
  const steps = out.steps[rev]!;
  // The single machine's calls read as they always have (no device named).
  const single = singleMachineShape(s) !== undefined;
  const used = new Set(b.flowMr.values());
  const again = new Set(s.timeline.flatMap((e) => (e.action === "reregister" ? [e.mr] : [])));
  for (const e of s.timeline) {
    if (e.action !== "revoke" && e.action !== "unrevoke") continue;
    const call = single ? `${e.action} (` : `${e.action} ${e.device} (`;
    const own = steps.find((x) => x.at === e.at && x.who === "owner" && x.call.startsWith(call));
    expect(own, at(`${e.action} ${e.device} step`)).toBeDefined();
    if (e.action !== "revoke" || own!.ret !== 0) continue;
    for (const [mr, acc] of b.mrAcc) {
      if (acc !== e.device || !used.has(mr) || again.has(mr)) continue;
      if (steps.find((x) => x.at === 0 && x.call === `register MR ${mr}`)?.ret !== 0) continue;
      const fault = steps.some(
        (x) => x.at === e.at && x.who === "nic" && /page fault on MR (\S+)/.exec(x.call)![1] === mr,
      );
      expect(fault, at(`revoke of ${acc} at ${e.at}: no fault on ${mr}`)).toBe(true);
    }
  }
  for (const x of steps.filter((y) => y.who === "nic")) {
    const mr = /page fault on MR (\S+)/.exec(x.call)![1]!;
    const acted = s.timeline.some((e) => e.at <= x.at && eventAcc(e) === b.mrAcc.get(mr));
    expect(acted, at(`fault on ${mr} at ${x.at}: no event acted on its accelerator before`)).toBe(true);
  }
}

function holds(o: Combo): void {
  const b = build(o);
  const s = parseScenario(b.yaml, "ptl.yaml");
  const out = runScenario(s);
  for (const [rev, r] of Object.entries(out.report.results)) {
    const at = (what: string) => `${rev} ${what}\n${b.yaml}`;
    expectResultBounds(r, at);
    checkFlows(b, s, r, at);
    checkSteps(b, s, out, rev, at);
  }
}

describe("timelines on random platforms", () => {
  it("every revision: no crash, physical bounds, markers and steps, devices kept apart", () => {
    assertProperty(fc.property(scenarioArb, holds), { numRuns: 12 });
  }, 600_000);
});
