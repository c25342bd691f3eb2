/**
 * drivers/pci/p2pdma.c as the model has it: distances and map types between an accelerator (the
 * provider) and a NIC (the client), and the dma-buf registration the kernel refuses. Expected
 * values come from the kernel's own comments (two devices below one switch: distance 4) and the
 * trees drawn by hand; EINVAL = 22 is written out (include/uapi/asm-generic/errno-base.h).
 */
import { describe, expect, it } from "vitest";
import { calcMapTypeAndDist, pciP2pdmaDistance, pciP2pdmaMapType } from "../../../src/kernel/pci/p2pdma.js";
import type { PlatformSystem } from "../../../src/kernel/platform-system.js";
import { platformHost } from "../../../src/uapi/platform-host.js";
import { appRegister, bootDesc, type Extra, ownerExport, presetDesc } from "./support.js";

const EINVAL = 22;

function pair(sys: PlatformSystem, acc: string, nic: string) {
  const provider = sys.accelerators.find((a) => a.name === acc)!.vfio.pdev;
  const client = sys.nics.find((n) => n.name === nic)!.core.pdev;
  return { provider, client };
}
function path(preset: Parameters<typeof presetDesc>[0], acc: string, nic: string, o: Extra = {}) {
  const sys = bootDesc(presetDesc(preset), "v11", o);
  const { provider, client } = pair(sys, acc, nic);
  return { sys, provider, client, r: calcMapTypeAndDist(sys.k, provider, client, false) };
}

describe("pci_p2pdma distance and map type", () => {
  it("below one switch: bus addresses, distance 4 (the kernel's own example)", () => {
    const { sys, provider, client, r } = path("switch", "acc0", "nic0");
    expect(r).toEqual({ mapType: "bus-addr", distance: 4, acsRedirect: [], commonBridge: "0000:01:00.0" });
    expect(pciP2pdmaDistance(sys.k, provider, client, false)).toBe(4);
  });

  it("two switch levels: the fan-out switch is the common bridge, distance 8", () => {
    const { r } = path("two-level", "acc1", "nic0");
    expect(r).toMatchObject({ mapType: "bus-addr", distance: 8, commonBridge: "0000:01:00.0" });
  });

  it("ai-server-8x8: the cascade below one Root Port stays on the bus; across Root Ports it goes through the host bridge", () => {
    // nic0 on sw0, acc2 on sw1 (below sw0): acc2, its port, sw1, sw0's port, sw0 = 4 up; nic0, its port, sw0 = 2.
    expect(path("ai-server-8x8", "acc2", "nic0").r).toMatchObject({ mapType: "bus-addr", distance: 6 });
    const across = path("ai-server-8x8", "acc4", "nic0").r;
    expect(across).toMatchObject({ mapType: "thru-host-bridge", commonBridge: undefined });
  });

  describe("across the root complex (no common bridge)", () => {
    const cases: [string, Extra, "thru-host-bridge" | "not-supported"][] = [
      ["AMD Zen CPU (the default)", {}, "thru-host-bridge"],
      [
        "AMD family 0x16 (before Zen), no host bridge",
        { cpu: { vendor: "amd", family: 0x16 } },
        "not-supported",
      ],
      [
        "Intel CPU, Root Port 8086:352a first on bus 0 (not whitelisted)",
        { rootComplexP2p: false },
        "not-supported",
      ],
      [
        "Intel CPU, host bridge 8086:2020 (Skylake-E, whitelisted)",
        { rootComplexP2p: false, hostBridge: { vendor: 0x8086, device: 0x2020 } },
        "thru-host-bridge",
      ],
      [
        "Intel CPU, host bridge 8086:3c00 (needs the same host bridge: it is)",
        { rootComplexP2p: false, hostBridge: { vendor: 0x8086, device: 0x3c00 } },
        "thru-host-bridge",
      ],
      [
        "Intel CPU, host bridge 8086:1234 (not whitelisted)",
        { rootComplexP2p: false, hostBridge: { vendor: 0x8086, device: 0x1234 } },
        "not-supported",
      ],
    ];
    for (const [what, o, want] of cases)
      it(`${what}: ${want}`, () => {
        const { sys, provider, client, r } = path("root-complex", "acc0", "nic0", o);
        expect(r.mapType).toBe(want);
        // nic0 and its Root Port, acc0 and its Root Port: 2 + 2.
        expect(r.distance).toBe(4);
        expect(pciP2pdmaDistance(sys.k, provider, client, false)).toBe(want === "not-supported" ? -1 : 4);
      });
  });

  describe("ACS redirect on the switch's downstream ports", () => {
    it("sends P2P up through the host bridge, naming both ports", () => {
      const { r } = path("switch", "acc0", "nic0", { acsRedirect: true });
      expect(r).toMatchObject({ mapType: "thru-host-bridge", distance: 4 });
      expect([...r.acsRedirect].sort()).toEqual(["0000:02:00.0", "0000:02:01.0"]);
    });
    it("and is not supported when the root complex may not forward P2P", () => {
      const { r } = path("switch", "acc0", "nic0", { acsRedirect: true, rootComplexP2p: false });
      expect(r.mapType).toBe("not-supported");
    });
    it("the capability is in config space: clearing RR/CR (pci=disable_acs_redir) brings bus addresses back", () => {
      const { sys, provider, client } = path("switch", "acc0", "nic0", { acsRedirect: true });
      for (const bdf of ["0000:02:00.0", "0000:02:01.0"]) {
        const port = sys.k.pciDev(bdf)!;
        // ACS sits after AER at 0x148; control at +6.
        expect(port.cfg.read16(0x148) & 0xffff).toBe(0x000d);
        port.cfg.write(0x148 + 6, 2, 0);
      }
      expect(calcMapTypeAndDist(sys.k, provider, client, false).mapType).toBe("bus-addr");
    });
  });

  it("pci_p2pdma_map_type: NOT_SUPPORTED for a non-PCI client or a provider without p2pdma; cached per client", () => {
    const sys = bootDesc(presetDesc("switch"), "v11", { acsRedirect: true, rootComplexP2p: false });
    const { provider, client } = pair(sys, "acc0", "nic0");
    expect(pciP2pdmaMapType(sys.k, provider, undefined)).toBe("not-supported");
    expect(pciP2pdmaMapType(sys.k, client, provider)).toBe("not-supported");
    expect(pciP2pdmaMapType(sys.k, provider, client)).toBe("not-supported");
    // The answer is remembered: turning redirect off later does not change it (as the xarray).
    sys.k.pciDev("0000:02:00.0")!.cfg.write(0x148 + 6, 2, 0);
    sys.k.pciDev("0000:02:01.0")!.cfg.write(0x148 + 6, 2, 0);
    expect(pciP2pdmaMapType(sys.k, provider, client)).toBe("not-supported");
  });
});

describe("a dma-buf MR for an unreachable pair", () => {
  it("ibv_reg_mr_ex fails with EINVAL from dma_buf_phys_vec_to_sgt(); a reachable pair on the same machine registers", () => {
    const sys = bootDesc(presetDesc("ai-server-8x8"), "v11", { rootComplexP2p: false });
    const ph = platformHost(sys);
    const ibdev = (name: string) => sys.nics.find((n) => n.name === name)!.ibdev;
    const across = appRegister(
      ph,
      ibdev("nic0"),
      ownerExport(ph, "acc4", { st: 0x21, stExt: 0x4321, ph: 2 }),
    );
    expect([across.mr, across.errno]).toEqual([null, EINVAL]);
    const refused = sys.k.trace.last("dma_buf_phys_vec_to_sgt");
    expect(refused?.ret).toBe(-EINVAL);
    expect(refused?.dev).toBe(sys.nics.find((n) => n.name === "nic0")!.bdf);
    const near = appRegister(ph, ibdev("nic0"), ownerExport(ph, "acc2"));
    expect(near.mr).not.toBeNull();
    // The failed registration left nothing behind: no attachment on acc4's buffer.
    const acc4 = sys.accelerators.find((a) => a.name === "acc4")!;
    expect(acc4.vfio.dmabufs[0]!.dmabuf.attachments).toEqual([]);
  });

  for (const revision of ["mainline", "rfc", "v11", "proposed"] as const)
    it(`${revision}: the same refusal on root-complex without P2P between Root Ports`, () => {
      const sys = bootDesc(presetDesc("root-complex"), revision, { rootComplexP2p: false });
      const ph = platformHost(sys);
      const r = appRegister(ph, "mlx5_0", ownerExport(ph, "acc0"));
      expect([r.mr, r.errno]).toEqual([null, EINVAL]);
    });
});
