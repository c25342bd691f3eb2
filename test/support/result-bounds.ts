/**
 * Physical limits every run's result must keep, whatever the scenario: the total byte ledger
 * balances, link and consumer utilizations lie in [0, 1], hit and miss counts are never negative.
 * Shared by the property tests that run random scenarios (numbers, traffic shapes).
 */
import { expect } from "vitest";
import type { RevisionResult } from "../../src/scenario/result.js";

export function expectResultBounds(r: RevisionResult, at: (what: string) => string): void {
  expect(r.bytes.offered, at("total ledger")).toBe(r.bytes.delivered + r.bytes.lost + r.bytes.inFlight);
  for (const [name, l] of Object.entries(r.links))
    for (const u of [l.utilization, l.up, l.down]) {
      expect(u, at(`link ${name}`)).toBeGreaterThanOrEqual(0);
      expect(u, at(`link ${name}`)).toBeLessThanOrEqual(1);
    }
  for (const [name, c] of Object.entries(r.consumers)) {
    expect(c.utilization, at(`consumer ${name}`)).toBeGreaterThanOrEqual(0);
    expect(c.utilization, at(`consumer ${name}`)).toBeLessThanOrEqual(1);
  }
  for (const [c, comp] of Object.entries(r.completers))
    for (const [p, x] of Object.entries(comp.partitions))
      for (const hm of [x, x.write, x.read])
        expect(Math.min(hm.hits, hm.misses), at(`${c} ${p}`)).toBeGreaterThanOrEqual(0);
}
