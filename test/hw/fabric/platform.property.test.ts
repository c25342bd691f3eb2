/**
 * Issue 10, "Done means", over random valid platforms (Root Ports, switch trees up to 4 deep,
 * 2-6 NICs and accelerators, each link its own speed and width): every flow takes the tree's
 * unique path; a link direction's carried bytes equal the sum over the flows that cross it (their
 * TLPs' wire bytes, from the spec's header sizes); P2P under one switch never touches the root
 * complex; a Gen3 x4 link anywhere on a path limits that flow to `tphlab bw`'s figure for Gen3 x4
 * within 1%; and the physics (utilization <= 1, goodput <= the path's capacity, conserved bytes,
 * non-negative counts) hold with several NICs and accelerators. Expected paths come from the
 * platform description (platformPathToRoot), not from the fabric's router.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FabricResults } from "../../../src/hw/fabric/index.js";
import {
  type PlatformDesc,
  type PlatformLayout,
  type PlatformLink,
  platformNode,
  platformPathToRoot,
} from "../../../src/hw/platform.js";
import { linkModel, tlpOverheadBytes } from "../../../src/pcie/link.js";
import { assertProperty } from "../../support/fc.js";
import { type PlatformFlow, platformRig } from "./platform-rig.js";

const linkArb = fc.record({ gen: fc.integer({ min: 2, max: 5 }), width: fc.constantFrom(1, 4, 8, 16) });

const platformArb = fc
  .record({
    switches: fc.array(
      fc.record({
        up: fc.nat(),
        link: fc.option(linkArb),
        latencyNs: fc.option(fc.integer({ min: 0, max: 400 })),
      }),
      { maxLength: 4 },
    ),
    devices: fc.array(fc.record({ nic: fc.boolean(), at: fc.nat(), link: fc.option(linkArb) }), {
      minLength: 2,
      maxLength: 6,
    }),
    link: linkArb,
  })
  .map(({ switches, devices, link }): PlatformDesc => {
    const ref = (k: number, n: number) => (k % (n + 1) === 0 ? "rc" : `sw${(k % (n + 1)) - 1}`);
    return {
      link,
      switches: switches.map((s, i) => ({
        name: `sw${i}`,
        upstream: ref(s.up, i),
        ...(s.link ? { link: s.link } : {}),
        ...(s.latencyNs === null ? {} : { latencyNs: s.latencyNs }),
      })),
      devices: devices.map((d, i) => {
        const kind = i === 0 ? "nic" : i === 1 ? "accelerator" : d.nic ? "nic" : "accelerator";
        return {
          name: `${kind === "nic" ? "nic" : "acc"}${i}`,
          kind,
          at: ref(d.at, switches.length),
          ...(d.link ? { link: d.link } : {}),
        };
      }),
    };
  });

/** Link names (`parent-child`) from `a` to `b` on the tree, each with its direction. */
function treePath(l: PlatformLayout, a: string, b: string): { up: string[]; down: string[]; viaRc: boolean } {
  const pa = platformPathToRoot(l, a);
  const pb = platformPathToRoot(l, b === "host" ? "rc" : b);
  const lca = pa.find((x) => pb.includes(x))!;
  const links = (p: string[]) =>
    p
      .slice(0, p.indexOf(lca))
      .map((n) => platformNode(l, n)?.linkName)
      .filter((x): x is string => x !== undefined);
  return { up: links(pa), down: links(pb), viaRc: lca === "rc" };
}

const flowsArb = (d: PlatformDesc) => {
  const nics = d.devices.filter((x) => x.kind === "nic").map((x) => x.name);
  const accs = d.devices.filter((x) => x.kind === "accelerator").map((x) => x.name);
  return fc.tuple(
    ...nics.map((nic) =>
      fc.record({
        nic: fc.constant(nic),
        to: fc.constantFrom(...accs, "host"),
        size: fc.constantFrom(256, 1024, 4096),
        messages: fc.integer({ min: 1, max: 12 }),
        queueDepth: fc.integer({ min: 1, max: 4 }),
      }),
    ),
  );
};

const OVH = tlpOverheadBytes("MWr", { addr: 64, ecrc: false });

function checkPhysics(r: FabricResults): void {
  for (const [name, l] of Object.entries(r.links)) {
    for (const dir of [l.up, l.down]) {
      expect(dir.utilization, name).toBeGreaterThanOrEqual(0);
      expect(dir.utilization, name).toBeLessThanOrEqual(1 + 1e-9);
      expect(dir.bytes).toBeGreaterThanOrEqual(0);
    }
  }
  for (const [name, p] of Object.entries(r.ports)) expect(p.utilization, name).toBeLessThanOrEqual(1 + 1e-9);
  for (const [name, f] of Object.entries(r.flows)) {
    expect(f.conserved, name).toBe(true);
    for (const v of Object.values(f.bytes)) expect(v).toBeGreaterThanOrEqual(0);
    expect(f.messages).toBeGreaterThanOrEqual(0);
  }
  for (const a of Object.values(r.accelerators))
    for (const p of a.partitions) expect(p.misses).toBeGreaterThanOrEqual(0);
}

describe("fabric on random platforms", () => {
  it("flows take the tree path, links carry exactly their flows' bytes, P2P under a switch stays below it", () => {
    assertProperty(
      fc.property(
        platformArb.chain((d) => fc.tuple(fc.constant(d), flowsArb(d))),
        ([desc, flowArgs]) => {
          const flows = flowArgs.map((f, i) => ({ name: `f${i}`, op: "write" as const, ...f }));
          const { fabric, tb } = platformRig(desc, flows satisfies PlatformFlow[], { trace: true });
          const r = fabric.run(2_000_000);
          checkPhysics(r);
          const carried = new Map<string, number>();
          for (const f of flows) {
            const fr = r.flows[f.name]!;
            // Drained: every byte landed, so the TLPs' wire bytes are the flow's own numbers.
            expect(fr.bytes.delivered, f.name).toBe(fr.bytes.offered);
            expect(fr.bytes.offered).toBe(f.size * f.messages);
            expect(fr.completer).toBe(f.to === "host" ? "rc" : f.to);
            const p = treePath(tb.layout, f.nic, f.to);
            const want = [...p.up.map((n) => `${n} up`), ...p.down.map((n) => `${n} down`)].sort();
            const used = new Set(
              fabric
                .trace()
                .filter((t) => t.flow === f.name && t.ev === "link")
                .map((t) => t.where),
            );
            expect([...used].sort(), `${f.name}: ${f.nic} -> ${f.to}`).toEqual(want);
            if (f.to !== "host" && !p.viaRc)
              for (const w of used)
                expect(w.startsWith("rp"), `${f.name} P2P under a switch reached ${w}`).toBe(false);
            const wire = fr.tlps.total * OVH + fr.bytes.landed;
            for (const w of want) carried.set(w, (carried.get(w) ?? 0) + wire);
          }
          for (const [name, l] of Object.entries(r.links)) {
            expect(l.up.bytes, `${name} up`).toBe(carried.get(`${name} up`) ?? 0);
            expect(l.down.bytes, `${name} down`).toBe(carried.get(`${name} down`) ?? 0);
          }
          const p2pUnderSwitch = flows.every(
            (f) => f.to !== "host" && !treePath(tb.layout, f.nic, f.to).viaRc,
          );
          if (p2pUnderSwitch) {
            // Only the routes flows use are built: with no host flow the port may not exist at all.
            expect(r.ports["host memory"]?.jobs ?? 0).toBe(0);
            for (const [name, p] of Object.entries(r.ports))
              if (name.startsWith("rc p2p")) expect(p.jobs, name).toBe(0);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a Gen3 x4 link anywhere on the path holds the flow to tphlab bw's Gen3 x4 figure within 1%", () => {
    const fast: PlatformLink = { gen: 5, width: 16 };
    assertProperty(
      fc.property(
        platformArb,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(256, 1024),
        fc.constantFrom(128, 256),
        (base, pickAcc, pickLink, size, mps) => {
          // Every link Gen5 x16 but one Gen3 x4 link on the path from nic0 to an accelerator.
          const plain: PlatformDesc = {
            link: fast,
            switches: base.switches.map(({ link: _l, ...s }) => s),
            devices: base.devices.map(({ link: _l, ...d }) => d),
          };
          const accs = plain.devices.filter((d) => d.kind === "accelerator");
          const to = accs[pickAcc % accs.length]!.name;
          const probe = platformRig(plain, []).tb.layout;
          const p = treePath(probe, "nic0", to);
          const path = [...p.up, ...p.down];
          const slow = path[pickLink % path.length]!;
          const child = slow.slice(slow.indexOf("-") + 1);
          const desc: PlatformDesc = {
            ...plain,
            switches: plain.switches.map((s) =>
              s.name === child ? { ...s, link: { gen: 3, width: 4 } } : s,
            ),
            devices: plain.devices.map((d) => (d.name === child ? { ...d, link: { gen: 3, width: 4 } } : d)),
          };
          const { fabric } = platformRig(
            desc,
            [
              {
                name: "s",
                nic: "nic0",
                to,
                op: "write",
                size,
                queueDepth: Math.floor(2 ** 19 / size),
                consumer: false,
              },
            ],
            {
              params: {
                link: { mps },
                nic: {
                  lineRateGbps: 100_000,
                  dmaWriteRequestNs: 0,
                  dmaWriteGBps: 10_000,
                  dmaReadRequestNs: 0,
                  dmaReadGBps: 10_000,
                },
                metrics: { warmupNs: 5000 },
              },
            },
          );
          const r = fabric.run(100_000);
          const want = linkModel({ gen: 3, width: 4, mps, mrrs: 512 }).writeGbps(size);
          const got = r.flows.s!.goodputGbps;
          expect(Math.abs(got - want) / want, `${slow}: ${got} vs ${want} Gb/s`).toBeLessThan(0.01);
          expect(r.links[slow]!.gen).toBe(3);
        },
      ),
      { numRuns: 12 },
    );
  });
});
