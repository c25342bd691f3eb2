/**
 * Any valid combination of the kernel-side knobs and timeline actions runs to the end on every
 * revision: no exception, bytes conserved, kernel locks released and references balanced.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";

const ACTIONS = [
  "{ at: 3us, action: revoke, by: flr }",
  "{ at: 3us, action: revoke, by: memory-disable }",
  "{ at: 3us, action: revoke, by: d3hot }",
  "{ at: 3us, action: revoke, by: hot-reset }",
  "{ at: 3us, action: revoke, by: close }",
  "{ at: 5us, action: unrevoke }",
  "{ at: 4us, action: set-tph, buffer: hbm, st: 0x33, ph: 1, partition: 2 }",
  "{ at: 4us, action: set-tph, buffer: hbm }",
  "{ at: 6us, action: reregister, mr: acc }",
];

const scenario = fc.record({
  topology: fc.constantFrom("switch", "root-complex"),
  stTable: fc.constantFrom("table", "direct"),
  extended: fc.boolean(),
  completer: fc.constantFrom("none", "tph", "ext"),
  rpCompleter: fc.constantFrom("none", "tph", "ext"),
  useDmah: fc.boolean(),
  op: fc.constantFrom("write", "read", "send"),
  timeline: fc.subarray(ACTIONS),
});

type Combo = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function yaml(o: Combo): string {
  return `name: matrix
duration: 10us
revisions: [mainline, rfc, v11, proposed]
topology: ${o.topology}
host: { rootPortCompleter: ${o.rpCompleter}, steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
nic: { stTable: ${o.stTable}, extended: ${o.extended} }
accelerator: { completer: ${o.completer} }
buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2, partition: 1 } }]
dmah: [{ name: d, cpu: 1, ph: 2 }]
mrs: [{ name: acc, buffer: hbm${o.useDmah ? ", dmah: d" : ""} }, { name: h, host: 64KiB, dmah: d }]
flows:
  - { name: f, op: ${o.op}, mr: acc, size: 2KiB, queueDepth: 4 }
  - { name: g, op: write, mr: h, size: 1KiB, rate: 10Gb/s }
timeline: [${o.timeline.join(", ")}]
`;
}

describe("scenario matrix", () => {
  it("every combination runs on every revision with the invariants that must always hold", () => {
    fc.assert(
      fc.property(scenario, (o) => {
        const out = runScenario(parseScenario(yaml(o), "m.yaml"));
        for (const [rev, r] of Object.entries(out.report.results)) {
          for (const name of [
            "fabric.conservation",
            "kernel.locks-released",
            "kernel.lockdep-clean",
            "kernel.no-ref-leak",
          ]) {
            expect(
              r.invariants[name]?.ok,
              `${rev} ${name}: ${r.invariants[name]?.violations.join("; ")}`,
            ).toBe(true);
          }
        }
      }),
      { numRuns: 25, seed: 11 },
    );
  }, 60_000);
});
