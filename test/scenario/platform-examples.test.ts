/** The platform examples (issue 10 section 6) run end to end and hold the claim each exists for. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { RevisionName } from "../../src/kernel/revision.js";
import { loadScenario } from "../../src/scenario/load.js";
import type { RevisionResult } from "../../src/scenario/result.js";
import { runScenario } from "../../src/scenario/run.js";

const EX = new URL("../../examples/", import.meta.url).pathname;

function run(file: string, tweak: (text: string) => string = (t) => t) {
  const s = loadScenario(`${EX}${file}`, (p) => new TextEncoder().encode(tweak(readFileSync(p, "utf8"))));
  const o = runScenario(s);
  return (r: RevisionName): RevisionResult => o.report.results[r]!;
}
const allOk = (r: RevisionResult) => Object.values(r.invariants).every((i) => i.ok);
/** Link names, busiest direction first (the order the text report lists them). */
const byLoad = (r: RevisionResult) =>
  Object.entries(r.links)
    .sort((a, b) => Math.max(b[1].up, b[1].down) - Math.max(a[1].up, a[1].down))
    .map(([n]) => n);

describe("platform examples", () => {
  it("two-nics-one-accelerator: the accelerator's link saturates first; each NIC's data stays in its partition", () => {
    const r = run("two-nics-one-accelerator.yaml", (t) => t.replace("duration: 100us", "duration: 40us"));
    for (const rev of ["mainline", "v11", "proposed"] as const) {
      expect(byLoad(r(rev))[0]).toBe("sw0-acc0");
      expect(r(rev).links["sw0-acc0"]!.down).toBeGreaterThan(0.95);
      const [a, b] = [r(rev).flows["from-nic0"]!.goodputGbps, r(rev).flows["from-nic1"]!.goodputGbps];
      expect(Math.abs(a - b) / a).toBeLessThan(0.05); // the shared link is split evenly
      expect(allOk(r(rev))).toBe(true);
    }
    const acc = r("proposed").completers.acc0!.partitions;
    expect(acc.p1!.read.hits).toBeGreaterThan(0);
    expect(acc.p2!.read.hits).toBeGreaterThan(0);
    expect(r("proposed").bytesMisdirected).toBe(0);
    expect(r("mainline").bytesUnsteered).toBeGreaterThan(0);
  });

  it("op2-namespace: v11 asks for the NIC's 16-bit namespace and sends no tag; proposed sends the 8-bit one", () => {
    const r = run("op2-namespace.yaml", (t) => t.replace("duration: 100us", "duration: 30us"));
    expect(r("v11").tlps.withTph).toBe(0);
    expect(r("v11").bytesUnsteered).toBeGreaterThan(0);
    expect(r("proposed").tlps.withTph).toBe(r("proposed").tlps.total);
    expect(r("proposed").bytesUnsteered).toBe(0);
    expect(r("proposed").completers.acc0!.partitions.p1!.read.hits).toBeGreaterThan(0);
    expect(Object.keys(r("proposed").links).sort()).toEqual(["rp0-nic0", "rp1-acc0"]);
  });

  it("ai-server-8x8: the Root Port links saturate first; every accelerator takes its writes", () => {
    const r = run("ai-server-8x8.yaml", (t) => t.replace("duration: 40us", "duration: 25us"));
    for (const rev of ["v11", "proposed"] as const) {
      expect(byLoad(r(rev)).slice(0, 2).sort()).toEqual(["rp0-sw0", "rp1-sw2"]);
      expect(Object.keys(r(rev).completers).filter((c) => c.startsWith("acc"))).toHaveLength(8);
      for (let i = 0; i < 8; i++) {
        expect(r(rev).flows[`near${i}`]!.messages).toBeGreaterThan(0);
        expect(r(rev).flows[`far${i}`]!.messages).toBeGreaterThan(0);
      }
      expect(r(rev).tlps.withTph).toBe(r(rev).tlps.total);
      expect(allOk(r(rev))).toBe(true);
    }
  });
});
