/**
 * Any valid combination of the kernel-side knobs and timeline actions runs to the end on every
 * revision: no exception, bytes conserved, kernel locks released and references balanced. Every
 * pair of factor values is run (a pairwise covering set, each timeline action a yes/no factor),
 * then random combinations from the run's fast-check seed and the fixed regression seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { assertProperty } from "../support/fc.js";
import { pairwise } from "../support/pairwise.js";

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

const KNOBS = {
  topology: ["switch", "root-complex"],
  stTable: ["table", "direct"],
  extended: [false, true],
  completer: ["none", "tph", "ext"],
  rpCompleter: ["none", "tph", "ext"],
  useDmah: [false, true],
  op: ["write", "read", "send"],
} as const;

type Knobs = { -readonly [K in keyof typeof KNOBS]: (typeof KNOBS)[K][number] };
type Combo = Knobs & { timeline: string[] };

const scenario: fc.Arbitrary<Combo> = fc.record({
  topology: fc.constantFrom(...KNOBS.topology),
  stTable: fc.constantFrom(...KNOBS.stTable),
  extended: fc.constantFrom(...KNOBS.extended),
  completer: fc.constantFrom(...KNOBS.completer),
  rpCompleter: fc.constantFrom(...KNOBS.rpCompleter),
  useDmah: fc.constantFrom(...KNOBS.useDmah),
  op: fc.constantFrom(...KNOBS.op),
  timeline: fc.subarray(ACTIONS),
});

/** Each timeline action is a factor of its own: in the timeline or not. */
const ACTION_FACTORS = Object.fromEntries(ACTIONS.map((_, i) => [`action${i}`, [false, true]]));
const PAIRWISE: Combo[] = pairwise({ ...KNOBS, ...ACTION_FACTORS }).map((row) => {
  const r = row as Knobs & Record<string, boolean>;
  return { ...r, timeline: ACTIONS.filter((_, i) => r[`action${i}`]) };
});

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

function invariantsHold(o: Combo): void {
  const out = runScenario(parseScenario(yaml(o), "m.yaml"));
  for (const [rev, r] of Object.entries(out.report.results)) {
    for (const name of [
      "fabric.conservation",
      "kernel.locks-released",
      "kernel.lockdep-clean",
      "kernel.no-ref-leak",
    ]) {
      expect(r.invariants[name]?.ok, `${rev} ${name}: ${r.invariants[name]?.violations.join("; ")}`).toBe(
        true,
      );
    }
  }
}

describe("scenario matrix", () => {
  it(`every pair of factor values (${PAIRWISE.length} combinations) runs with the invariants that must always hold`, () => {
    for (const o of PAIRWISE) invariantsHold(o);
  });

  it("random combinations from the run's seed and the regression seed", () => {
    assertProperty(fc.property(scenario, invariantsHold), { numRuns: 10 }, [11]);
  });
});
