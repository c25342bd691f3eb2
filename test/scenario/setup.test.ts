/** The kernel side of a scenario: boot, setup through the kernel, timeline events. */
import { describe, expect, it } from "vitest";
import { mlx5IbPageFault } from "../../src/kernel/infiniband/hw/mlx5/odp.js";
import type { RevisionName } from "../../src/kernel/revision.js";
import { parseScenario } from "../../src/scenario/load.js";
import { setupSession } from "../../src/scenario/setup.js";
import { bootSystem } from "../../src/scenario/system.js";
import { runTimelineEvent } from "../../src/scenario/timeline/actions.js";

const YAML = `
name: setup-test
duration: 100us
host: { steeringTags: [{ cpu: 2, st: 0x31, xst: 0x0731 }] }
buffers:
  - { name: hbm, length: 2MiB, tph: { st: 0x21, stExt: 0x4321, ph: 2 } }
dmah:
  - { name: cpu2, cpu: 2, ph: 1 }
mrs:
  - { name: acc, buffer: hbm }
  - { name: host, host: 1MiB, dmah: cpu2 }
flows:
  - { name: w, op: write, mr: acc, size: 4KiB }
timeline:
  - { at: 10us, action: revoke, by: memory-disable }
  - { at: 20us, action: unrevoke }
  - { at: 30us, action: set-tph, buffer: hbm, st: 0x22, stExt: 0x5555, ph: 1 }
`;

function hintsAfterTimeline(revision: RevisionName) {
  const s = parseScenario(YAML, "t.yaml");
  const sys = bootSystem(s, revision);
  const ses = setupSession(s, sys);
  const key = ses.mrs.get("acc")!.key;
  const before = sys.nicHw.tlpHints(sys.nicHw.mkeyByKey(key)!.index);
  const rets = s.timeline.map((e) => runTimelineEvent(s, ses, e, e.at));
  const fault = mlx5IbPageFault(sys.k, sys.ib, key);
  const after = sys.nicHw.tlpHints(sys.nicHw.mkeyByKey(key)!.index);
  const host = sys.nicHw.tlpHints(sys.nicHw.mkeyByKey(ses.mrs.get("host")!.key)!.index);
  return { ses, before, after, rets, fault, host };
}

describe("scenario setup through the kernel", () => {
  it("v11: the owner's SET reaches the mkey; after revoke + new SET the old tag stays", () => {
    const r = hintsAfterTimeline("v11");
    expect(r.before).toEqual({ th: true, ph: 2, st: 0x4321, prefix: true });
    expect(r.rets).toEqual([0, 0, 0]);
    expect(r.fault).toBe(0);
    expect(r.after).toEqual({ th: true, ph: 2, st: 0x4321, prefix: true });
    expect(r.host).toEqual({ th: true, ph: 1, st: 0x0731, prefix: true });
  });
  it("proposed: re-queried at re-map, the new tag", () => {
    const r = hintsAfterTimeline("proposed");
    expect(r.after).toEqual({ th: true, ph: 1, st: 0x5555, prefix: true });
  });
  it("mainline: no SET feature, no TPH on the dma-buf MR; the DMAH still works", () => {
    const r = hintsAfterTimeline("mainline");
    expect(r.ses.steps.find((s) => s.call.startsWith("SET TPH"))?.ret).toBe(-25);
    expect(r.before).toEqual({ th: false, why: "pcie_tph_en=0" });
    expect(r.rets[2]).toBe(-25);
    expect(r.host.th).toBe(true);
  });
  it("close revokes for good: the page fault fails", () => {
    const s = parseScenario(YAML.replace("by: memory-disable", "by: close"), "t.yaml");
    const sys = bootSystem(s, "v11");
    const ses = setupSession(s, sys);
    expect(runTimelineEvent(s, ses, s.timeline[0]!, 10)).toBe(0);
    expect(mlx5IbPageFault(sys.k, sys.ib, ses.mrs.get("acc")!.key)).toBe(-19);
    expect(runTimelineEvent(s, ses, s.timeline[2]!, 30)).toBe(-9);
  });
});
