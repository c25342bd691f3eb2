import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import { buildPciFunction, UR_READ } from "../../../src/hw/pci-function.js";
import type { PciFunctionDesc } from "../../../src/hw/pci-function-desc.js";
import { buildTopology } from "../../../src/hw/topology.js";
import {
  PCI_EXP_TYPE,
  PciDev,
  pciFindCapability,
  pciFindExtCapability,
  pciFindNextExtCapability,
  pciPcieType,
} from "../../../src/kernel/pci/pci.js";
import { CAP_ID, EXP, EXT_CAP_ID, HEADER, MSIX, PM, TPH } from "../../../src/pcie/registers.js";
import { DEFAULT_TPH, endpoint, RP, rootPort } from "./fixtures.js";

const NIC_DESC: PciFunctionDesc = endpoint("0000:03:00.0", DEFAULT_TPH, { tphCompleter: 3 });

/** The standard capability chain as lspci walks it: [offset, id] until next = 0. */
function stdChain(cfg: { read8(o: number): number }): [number, number][] {
  const out: [number, number][] = [];
  for (let p = cfg.read8(HEADER.CAPABILITY_LIST.offset); p !== 0 && out.length < 48; p = cfg.read8(p + 1)) {
    out.push([p, cfg.read8(p)]);
  }
  return out;
}
/** The extended chain: [offset, id, version] until next = 0. */
function extChain(cfg: { read32(o: number): number }): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let p = 0x100; p !== 0 && out.length < 480; ) {
    const h = cfg.read32(p);
    if (h === 0) break;
    out.push([p, h & 0xffff, (h >>> 16) & 0xf]);
    p = (h >>> 20) & 0xffc;
  }
  return out;
}

describe("a built endpoint's config space", () => {
  const fn = buildPciFunction(NIC_DESC);
  const pdev = new PciDev(fn);

  it("has a valid type 0 header", () => {
    expect(fn.cfg.read16(0)).toBe(0x15b3);
    expect(fn.cfg.read16(2)).toBe(0x1021);
    expect(fn.cfg.read32(HEADER.CLASS.offset - 1) >>> 8).toBe(0x020000);
    expect(fn.cfg.read8(HEADER.HEADER_TYPE.offset)).toBe(0);
    expect(fn.cfg.read16(HEADER.STATUS.offset) & HEADER.STATUS.fields.CAP_LIST.mask).toBeTruthy();
    expect(fn.cfg.read16(HEADER.COMMAND.offset)).toBe(0x6); // memory + bus master after boot
    // 64-bit prefetchable BAR 0 at 0xe0000000.
    expect(fn.cfg.read32(0x10)).toBe(0xe000000c);
    expect(fn.cfg.read32(0x14)).toBe(0);
  });

  it("chains PM -> PCIe -> MSI-X and AER -> TPH, both terminating", () => {
    expect(stdChain(fn.cfg)).toEqual([
      [0x40, CAP_ID.PM],
      [0x60, CAP_ID.EXP],
      [0xa0, CAP_ID.MSIX],
    ]);
    expect(extChain(fn.cfg)).toEqual([
      [0x100, EXT_CAP_ID.ERR, 2],
      [0x1b0, EXT_CAP_ID.TPH, 1],
    ]);
  });

  it("is found by pci_find_capability / pci_find_ext_capability", () => {
    expect(pciFindCapability(pdev, CAP_ID.PM)).toBe(0x40);
    expect(pciFindCapability(pdev, CAP_ID.EXP)).toBe(0x60);
    expect(pciFindCapability(pdev, CAP_ID.MSIX)).toBe(0xa0);
    expect(pciFindCapability(pdev, CAP_ID.MSI)).toBe(0);
    expect(pciFindExtCapability(pdev, EXT_CAP_ID.TPH)).toBe(0x1b0);
    expect(pciFindExtCapability(pdev, EXT_CAP_ID.ERR)).toBe(0x100);
    expect(pciFindExtCapability(pdev, EXT_CAP_ID.ATS)).toBe(0);
    expect(pciFindNextExtCapability(pdev, 0x1b0, EXT_CAP_ID.TPH)).toBe(0);
    expect(pdev.tphCap).toBe(0x1b0);
  });

  it("carries the PCIe type, DevCap2 TPH completer, MSI-X and TPH registers", () => {
    expect(pciPcieType(pdev)).toBe(PCI_EXP_TYPE.ENDPOINT);
    expect((fn.cfg.read32(0x60 + EXP.DEVCAP2.offset) >>> 12) & 3).toBe(3);
    expect(fn.cfg.read32(0x60 + EXP.DEVCAP.offset) & EXP.DEVCAP.fields.FLR.mask).toBeTruthy();
    expect(fn.cfg.read16(0xa0 + MSIX.FLAGS.offset)).toBe(63);
    expect(fn.cfg.read32(0xa0 + MSIX.TABLE.offset)).toBe(0x2000);
    expect(fn.cfg.read32(0xa0 + MSIX.PBA.offset)).toBe(0x3000);
    // NS|IV|DS, Extended, location 01b, 16 entries.
    expect(fn.cfg.read32(0x1b0 + TPH.CAP.offset)).toBe(0x000f0307);
    expect(fn.cfg.read16(0x40 + PM.CTRL.offset)).toBe(0x0008);
  });

  it("keeps read-only bits read-only and sizes BARs", () => {
    const f = buildPciFunction(NIC_DESC);
    f.cfg.write16(0, 0x1234);
    f.cfg.write32(0x1b0 + TPH.CAP.offset, 0);
    f.cfg.write32(0x1b0 + TPH.CTRL.offset, 0xffffffff);
    expect(f.cfg.read16(0)).toBe(0x15b3);
    expect(f.cfg.read32(0x1b0 + TPH.CAP.offset)).toBe(0x000f0307);
    expect(f.cfg.read32(0x1b0 + TPH.CTRL.offset)).toBe(0x307);
    f.cfg.write32(0x10, 0xffffffff);
    expect(f.cfg.read32(0x10)).toBe(0xfe00000c); // 32 MiB
  });
});

describe("device behaviour", () => {
  it("drops BAR accesses while memory decoding is off or in D3hot", () => {
    const fn = buildPciFunction(NIC_DESC);
    fn.barWrite32(0, 0x100, 0xabcd);
    expect(fn.barRead32(0, 0x100)).toBe(0xabcd);
    fn.cfg.write16(HEADER.COMMAND.offset, 0x4);
    expect(fn.barRead32(0, 0x100)).toBe(UR_READ);
    fn.barWrite32(0, 0x100, 1);
    fn.cfg.write16(HEADER.COMMAND.offset, 0x6);
    expect(fn.barRead32(0, 0x100)).toBe(0xabcd);
    fn.cfg.write16(0x40 + PM.CTRL.offset, 3);
    expect(fn.powerState()).toBe(3);
    expect(fn.barRead32(0, 0x100)).toBe(UR_READ);
    expect(fn.droppedAccesses).toBe(3);
  });

  it("FLR through DevCtl bit 15 resets writable registers and the MSI-X table, and notifies", () => {
    const fn = buildPciFunction(NIC_DESC);
    const seen: string[] = [];
    fn.onReset((f, kind) => seen.push(`${f.bdf} ${kind}`));
    fn.cfg.write32(0x1b0 + TPH.CTRL.offset, 0x302);
    fn.barWrite32(0, 0x2000 + 0xc, 0x12340000);
    fn.cfg.write16(0x60 + EXP.DEVCTL.offset, 0x2810 | 0x8000);
    expect(seen).toEqual(["0000:03:00.0 flr"]);
    expect(fn.cfg.read32(0x1b0 + TPH.CTRL.offset)).toBe(0);
    expect(fn.cfg.read16(0x60 + EXP.DEVCTL.offset)).toBe(0x2810);
    expect(fn.cfg.read16(HEADER.COMMAND.offset)).toBe(0);
    fn.cfg.write16(HEADER.COMMAND.offset, 0x2);
    expect(fn.barRead32(0, 0x2000 + 0xc)).toBe(1); // masked, no ST
  });

  it("walks a looped extended chain without hanging", () => {
    const pdev = new PciDev(buildPciFunction(NIC_DESC));
    pdev.cfg.poke(0x1b0, 4, (0x100 << 20) | EXT_CAP_ID.TPH);
    expect(pciFindExtCapability(pdev, EXT_CAP_ID.ATS)).toBe(0);
  });

  it("builds bridge headers and bus numbers from the topology", () => {
    const topo = buildTopology({
      devices: [
        rootPort(3),
        { bdf: "0000:02:00.0", type: "upstream-port", vendor: 1, device: 2, parent: RP },
        { bdf: "0000:03:00.0", type: "downstream-port", vendor: 1, device: 2, parent: "02:00.0" },
        { ...endpoint("0000:04:00.0", undefined), parent: "03:00.0" },
      ],
    });
    const rp = topo.get(RP)!;
    expect(rp.cfg.read8(HEADER.HEADER_TYPE.offset)).toBe(1);
    expect([0x18, 0x19, 0x1a].map((o) => rp.cfg.read8(o))).toEqual([0, 2, 4]);
    const ep = topo.get("04:00.0")!;
    expect(topo.rootPortOf(ep)).toBe(rp);
    expect(topo.pathToRoot(ep).map((f) => f.bdf)).toEqual([
      "0000:04:00.0",
      "0000:03:00.0",
      "0000:02:00.0",
      RP,
    ]);
    expect(new PciDev(rp).isRcIep()).toBe(false);
  });
});

describe("description validation", () => {
  const bad: [string, Partial<PciFunctionDesc> & Record<string, unknown>, string][] = [
    ["bdf", { bdf: "3:0.0.0" }, "device.bdf"],
    ["type", { type: "switch" as never }, "device.type"],
    ["BAR size", { bars: [{ index: 0, size: 3000 }] }, "device.bars[0].size"],
    ["msix outside BAR", { msix: { vectors: 64, bar: 0, offset: 0x1fffff0 } }, "device.msix.offset"],
    ["msix in a missing BAR", { msix: { vectors: 4, bar: 2, offset: 0 } }, "device.msix.bar"],
    [
      "ST table too large",
      { tphRequester: { location: "cap", tableSize: 2048 } },
      "device.tphRequester.tableSize",
    ],
    [
      "msix location without msix",
      { msix: undefined as never, tphRequester: { location: "msix" } },
      "device.tphRequester.location",
    ],
    [
      "mode name",
      { tphRequester: { location: "cap", modes: ["xx" as never] } },
      "device.tphRequester.modes[0]",
    ],
    ["completer", { tphCompleter: 4 as never }, "device.tphCompleter"],
  ];
  it.each(bad)("rejects a bad %s with an InputError naming the path", (_n, patch, path) => {
    const desc = { ...NIC_DESC, ...patch } as PciFunctionDesc;
    try {
      buildPciFunction(desc);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues[0]?.path).toBe(path);
    }
  });

  it("rejects impossible topologies", () => {
    expect(() => buildTopology({ devices: [{ ...NIC_DESC, parent: "00:09.0" }] })).toThrow(/unknown parent/);
    expect(() => buildTopology({ devices: [NIC_DESC, { ...rootPort(), parent: "03:00.0" }] })).toThrow(
      /cannot sit below/,
    );
    expect(() => buildTopology({ devices: [rootPort(), rootPort()] })).toThrow(/duplicate/);
  });

  it("is JSON-able: a description survives a JSON round trip and builds the same bytes", () => {
    const again = buildPciFunction(JSON.parse(JSON.stringify(NIC_DESC)) as PciFunctionDesc);
    expect(again.cfg.snapshot()).toEqual(buildPciFunction(NIC_DESC).cfg.snapshot());
  });
});
