/**
 * bootPlatformSystem(): every preset boots on every revision with one mlx5 function per NIC and
 * one vfio-pci device per accelerator, each where the layout put it; the requester type of each
 * NIC follows its own Root Port; the uapi sees every device. Expected addresses and names are
 * written out by hand from the presets' descriptions (src/hw/platform-presets.ts).
 */
import { describe, expect, it } from "vitest";
import { PLATFORM_PRESET_NAMES, type PlatformPresetName } from "../../../src/hw/platform-presets.js";
import { REVISION_NAMES } from "../../../src/kernel/revision.js";
import { platformHost } from "../../../src/uapi/platform-host.js";
import { ibv_get_device_list } from "../../../src/uapi/verbs.js";
import { appRegister, bootDesc, LINK, ownerExport, presetDesc } from "./support.js";

/**
 * Per preset, hand-written from its tree: NIC and accelerator names in PCI bus order (the order
 * Linux probes them, so mlx5_N follows it), and the first of each. In ai-server-8x8 the cascaded
 * switch (sw1 below sw0) takes the first port of sw0, so its devices get the lower buses.
 */
const EXPECTED: Record<PlatformPresetName, { nics: string[]; accs: string[]; nic0: string; acc0: string }> = {
  switch: { nics: ["nic0"], accs: ["acc0"], nic0: "0000:03:00.0", acc0: "0000:04:00.0" },
  "root-complex": { nics: ["nic0"], accs: ["acc0"], nic0: "0000:01:00.0", acc0: "0000:02:00.0" },
  // rp0 -> sw0 (bus 1, ports on 2) -> sw1 (3, ports on 4) -> nic2 05, acc2 06, nic3 07, acc3 08; then nic0 09 ...
  "ai-server-8x8": {
    nics: ["nic2", "nic3", "nic0", "nic1", "nic6", "nic7", "nic4", "nic5"],
    accs: ["acc2", "acc3", "acc0", "acc1", "acc6", "acc7", "acc4", "acc5"],
    nic0: "0000:05:00.0",
    acc0: "0000:06:00.0",
  },
  // rp0 -> sw0 (1, ports on 2) -> sw1 (3, ports on 4) -> nic0 05, acc0 06
  "two-level": { nics: ["nic0", "nic1"], accs: ["acc0", "acc1"], nic0: "0000:05:00.0", acc0: "0000:06:00.0" },
};

const overlap = (a: { address: number; size: number }, b: { address: number; size: number }) =>
  a.address < b.address + b.size && b.address < a.address + a.size;

describe("every preset on every revision", () => {
  for (const preset of PLATFORM_PRESET_NAMES)
    for (const revision of REVISION_NAMES)
      it(`${preset} on ${revision}: devices, addresses, names, disjoint BARs`, () => {
        const sys = bootDesc(presetDesc(preset), revision);
        const want = EXPECTED[preset];
        expect(sys.nics.map((n) => n.name)).toEqual(want.nics);
        expect(sys.nics.map((n) => n.ibdev)).toEqual(want.nics.map((_, i) => `mlx5_${i}`));
        expect(sys.accelerators.map((a) => a.name)).toEqual(want.accs);
        expect(sys.accelerators.map((a) => a.cdev)).toEqual(
          want.accs.map((_, i) => `/dev/vfio/devices/vfio${i}`),
        );
        expect([sys.nics[0]!.bdf, sys.accelerators[0]!.bdf]).toEqual([want.nic0, want.acc0]);
        for (const n of sys.nics) {
          expect(n.core.pdev.name).toBe(n.bdf);
          expect(n.core.pdev.driver).toBe("mlx5_core");
          // Every Root Port completes Extended TPH by default; the NIC asks for Extended.
          expect(n.core.pdev.tphReqType).toBe(3);
        }
        for (const a of sys.accelerators) {
          expect(a.vfio.pdev.name).toBe(a.bdf);
          expect(a.vfio.pdev.driver).toBe("vfio-pci");
          const bar = a.vfio.pdev.fn.spec.bars.find((b) => b.index === 0)!;
          expect({ address: bar.address, size: bar.size }).toEqual(a.bar0);
          expect(a.bar0.size).toBe(256 * 1024 * 1024);
        }
        const bars = sys.k.pciDevs.flatMap((d) => d.fn.spec.bars.map((b) => ({ ...b, dev: d.name })));
        for (let i = 0; i < bars.length; i++)
          for (let j = i + 1; j < bars.length; j++)
            expect(
              overlap(bars[i]!, bars[j]!),
              `${bars[i]!.dev} BAR ${bars[i]!.index} vs ${bars[j]!.dev}`,
            ).toBe(false);
        const ph = platformHost(sys);
        const libc = ph.host.spawn("ls");
        expect(ibv_get_device_list(libc).map((d) => d.name)).toEqual(sys.nics.map((n) => n.ibdev));
      });
});

describe("per-device options", () => {
  it("BAR sizes per accelerator stay aligned and disjoint; a bound sibling takes the next cdev", () => {
    const sys = bootDesc(presetDesc("two-level"), "v11", {
      accelerators: { acc0: { barSize: 64 * 1024 * 1024, sibling: "vfio-pci" }, acc1: { barSize: 1 << 30 } },
    });
    const [a0, a1] = sys.accelerators;
    expect(a0!.bar0).toEqual({ address: 0x40_0000_0000, size: 64 * 1024 * 1024 });
    // The sibling's BAR 0 follows (0x40_0400_0000); acc1's 1 GiB BAR aligns up to 0x40_4000_0000.
    expect(a0!.sibling!.pdev.fn.spec.bars[0]!.address).toBe(0x40_0400_0000);
    expect(a1!.bar0).toEqual({ address: 0x40_4000_0000, size: 1 << 30 });
    expect([a0!.cdev, a1!.cdev]).toEqual(["/dev/vfio/devices/vfio0", "/dev/vfio/devices/vfio2"]);
    const ph = platformHost(sys);
    expect(ph.host.devfs.lookup("/dev/vfio/devices/vfio1")?.name).toBe("0000:06:00.1");
    expect(ph.host.devfs.lookup("/dev/vfio/devices/vfio2")?.name).toBe(a1!.bdf);
  });

  it("opening /dev/vfio/devices/vfioN exports from that accelerator, not another", () => {
    const sys = bootDesc(presetDesc("ai-server-8x8"), "v11");
    const ph = platformHost(sys);
    const owner = ownerExport(ph, "acc5");
    const acc5 = sys.accelerators.find((a) => a.name === "acc5")!;
    expect(acc5.vfio.dmabufs).toHaveLength(1);
    expect(sys.accelerators.filter((a) => a.vfio.dmabufs.length > 0)).toHaveLength(1);
    expect(Number(acc5.vfio.dmabufs[0]!.physVec[0]!.paddr)).toBe(acc5.bar0.address);
    expect(owner.buf).toBeGreaterThan(0);
  });

  it("a NIC without TPH has no ST table while its neighbour keeps one", () => {
    const sys = bootDesc(presetDesc("two-level"), "v11", { nics: { nic1: { tph: "none" } } });
    expect(sys.nics[0]!.core.st).toBeDefined();
    expect(sys.nics[1]!.core.st).toBeUndefined();
    expect(sys.nics[1]!.core.pdev.tphCap).toBe(0);
  });
});

/** Three Root Ports: nic0 alone on rp0, acc0 on rp1, nic1 on rp2. */
const THREE_PORTS = {
  link: LINK,
  switches: [],
  devices: [
    { name: "nic0", kind: "nic", at: "rc:0" },
    { name: "acc0", kind: "accelerator", at: "rc:1" },
    { name: "nic1", kind: "nic", at: "rc:2" },
  ],
} as const;

/** What the NIC stamps on TLPs for an MR. */
function hintsOf(sys: ReturnType<typeof bootDesc>, nic: number, lkey: number) {
  const hw = sys.nics[nic]!.hw;
  const mkey = hw.mkeyByKey(lkey)!;
  return hw.tlpHints(mkey.index);
}

describe("requester type per NIC, against its own Root Port (open problem 2 set-ups)", () => {
  const tag = { st: 0x21, stExt: 0x4321, ph: 2 };

  it("a TPH-only Root Port gives its NIC TPH_ONLY; the NIC on an Extended port keeps EXT_TPH", () => {
    const sys = bootDesc(THREE_PORTS, "v11", { rootPorts: { rp0: { completer: 1 } } });
    expect(sys.nics.map((n) => n.core.pdev.tphReqType)).toEqual([1, 3]);
  });

  for (const revision of ["v11", "proposed"] as const)
    it(`${revision}: NIC on a TPH-only port, Extended accelerator: the 8-bit tag (the NIC may not send Extended)`, () => {
      const sys = bootDesc(THREE_PORTS, revision, { rootPorts: { rp0: { completer: 1 } } });
      const ph = platformHost(sys);
      const owner = ownerExport(ph, "acc0", tag);
      const r0 = appRegister(ph, "mlx5_0", owner);
      expect(r0.mr).not.toBeNull();
      expect(hintsOf(sys, 0, r0.mr!.lkey)).toMatchObject({ th: true, st: 0x21, ph: 2, prefix: false });
      const r1 = appRegister(ph, "mlx5_1", owner);
      expect(hintsOf(sys, 1, r1.mr!.lkey)).toMatchObject({ th: true, st: 0x4321, ph: 2, prefix: true });
    });

  it("NIC on an Extended port, TPH-only accelerator behind another port: v11 asks the wrong (16-bit) namespace, proposed the peer's", () => {
    const got = (["v11", "proposed"] as const).map((revision) => {
      const sys = bootDesc(THREE_PORTS, revision, { accelerators: { acc0: { completer: 1 } } });
      const ph = platformHost(sys);
      // A TPH-only completer takes only an 8-bit tag (SET with ST_EXT is -EOPNOTSUPP).
      const r = appRegister(ph, "mlx5_1", ownerExport(ph, "acc0", { st: 0x21, ph: 2 }));
      const h = hintsOf(sys, 1, r.mr!.lkey);
      return h.th ? { st: h.st, prefix: h.prefix } : { st: -1, prefix: false };
    });
    expect(got).toEqual([
      { st: -1, prefix: false },
      { st: 0x21, prefix: false },
    ]);
  });
});
