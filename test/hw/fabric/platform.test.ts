/** The fabric on named platforms: names, per-link speeds, per-switch latency, shared completers. */
import { describe, expect, it } from "vitest";
import { fabricDefaults } from "../../../src/hw/fabric/index.js";
import type { PlatformDesc } from "../../../src/hw/platform.js";
import { PLATFORM_PRESETS } from "../../../src/hw/platform-presets.js";
import { linkModel } from "../../../src/pcie/link.js";
import { platformRig } from "./platform-rig.js";

const GEN5 = { gen: 5, width: 16 } as const;
const preset = (name: keyof typeof PLATFORM_PRESETS): PlatformDesc => ({
  link: GEN5,
  ...PLATFORM_PRESETS[name],
});
const P = fabricDefaults();

describe("fabric on a platform", () => {
  it("names links by their two ends and sizes each from the platform (ai-server-8x8, one Gen4 x8 NIC)", () => {
    const base = preset("ai-server-8x8");
    const desc: PlatformDesc = {
      ...base,
      devices: base.devices.map((d) => (d.name === "nic3" ? { ...d, link: { gen: 4, width: 8 } } : d)),
    };
    const { fabric } = platformRig(desc, []);
    const links = Object.fromEntries(fabric.graph.links.map((l) => [l.name, l.model.config]));
    expect(Object.keys(links).sort()).toEqual(
      [
        "rp0-sw0",
        "rp1-sw2",
        "sw0-sw1",
        "sw2-sw3",
        ...Array.from({ length: 8 }, (_, i) => [`sw${i >> 1}-nic${i}`, `sw${i >> 1}-acc${i}`]).flat(),
      ].sort(),
    );
    expect([links["sw1-nic3"]!.gen, links["sw1-nic3"]!.width]).toEqual([4, 8]);
    expect([links["sw1-acc3"]!.gen, links["sw1-acc3"]!.width]).toEqual([5, 16]);
  });

  it("a switch's own latency is paid by the TLPs crossing it, each way", () => {
    const lat = (latencyNs: number | undefined) => {
      const d = preset("two-level");
      const desc: PlatformDesc = {
        ...d,
        switches: d.switches.map((s) =>
          s.name === "sw1" && latencyNs !== undefined ? { ...s, latencyNs } : s,
        ),
      };
      const { fabric } = platformRig(desc, [
        { name: "r", nic: "nic0", to: "acc0", op: "read", size: 64, messages: 1, consumer: false },
      ]);
      return fabric.run(20_000).flows.r!.readRoundTripNs.p50!;
    };
    // nic0 and acc0 sit on leaf switch sw1: its latency counts on the request and the completion.
    expect(lat(P.switch.latencyNs + 100) - lat(undefined)).toBeCloseTo(200, 3);
  });

  it("P2P across Root Ports pays the root complex's P2P cost; under one switch it does not", () => {
    const read = (to: string) => {
      const { fabric } = platformRig(preset("ai-server-8x8"), [
        { name: "r", nic: "nic0", to, op: "read", size: 64, messages: 1, consumer: false },
      ]);
      const r = fabric.run(20_000);
      return { rtt: r.flows.r!.readRoundTripNs.p50!, rc: r.links["rp0-sw0"]!.up.jobs };
    };
    const near = read("acc1"); // same switch
    const far = read("acc4"); // behind Root Port 1
    expect(near.rc).toBe(0);
    expect(far.rc).toBe(1);
    // The far path adds links and switches, and the root complex twice (request, completion).
    expect(far.rtt - near.rtt).toBeGreaterThan(
      2 * (2 * P.rootComplex.portLatencyNs + P.rootComplex.p2pPenaltyNs),
    );
  });

  it("two NICs writing into one accelerator share its link, ingress and partitions", () => {
    const flows = ["nic0", "nic1"].map((nic) => ({
      name: nic,
      nic,
      to: "acc0",
      op: "write" as const,
      size: 4096,
      rateGbps: 400,
      consumer: false as const,
    }));
    const { fabric } = platformRig(preset("ai-server-8x8"), flows, {
      params: { metrics: { warmupNs: 5000 } },
    });
    const r = fabric.run(40_000);
    const cap = linkModel({ gen: 5, width: 16, mps: P.link.mps, mrrs: P.link.mrrs }).writeGbps(4096);
    const total = r.flows.nic0!.goodputGbps + r.flows.nic1!.goodputGbps;
    expect(r.links["sw0-acc0"]!.down.utilization).toBeGreaterThan(0.99);
    expect(total).toBeLessThanOrEqual(cap * 1.01);
    expect(total).toBeGreaterThan(cap * 0.95);
    for (const f of ["nic0", "nic1"]) expect(r.flows[f]!.goodputGbps).toBeGreaterThan(cap * 0.4);
    expect(r.accelerators.acc0!.hbmWriteBytes).toBeGreaterThan(0);
    expect(r.accelerators.acc1!.hbmWriteBytes).toBe(0);
    expect(Object.keys(r.nics).sort()).toEqual([
      "nic0",
      "nic1",
      "nic2",
      "nic3",
      "nic4",
      "nic5",
      "nic6",
      "nic7",
    ]);
  });
});
