import { describe, expect, it } from "vitest";
import { EINVAL, ENXIO } from "../../../src/kernel/errno.js";
import type { Kernel } from "../../../src/kernel/kernel.js";
import { pciAllocIrqVectors, pciMsixEntry } from "../../../src/kernel/pci/msi.js";
import type { PciDev } from "../../../src/kernel/pci/pci.js";
import {
  pcieEnableTph,
  pcieTphGetStTableLoc,
  pcieTphGetStTableSize,
  pcieTphSetStEntry,
} from "../../../src/kernel/pci/tph.js";
import { getField } from "../../../src/pcie/bits.js";
import { MSIX_ENTRY, TPH } from "../../../src/pcie/registers.js";
import { bootSystem, DEFAULT_TPH } from "./fixtures.js";

/** Every write to the TPH control register, as Requester Enable values, in order. */
function watchReqEn(pdev: PciDev): number[] {
  const seen: number[] = [];
  const ctrl = pdev.tphCap + TPH.CTRL.offset;
  pdev.cfg.onWrite((off) => {
    if (off === ctrl) seen.push(getField(pdev.cfg.read32(ctrl), TPH.CTRL.fields.REQ_EN.mask));
  });
  return seen;
}

/** Trace of config and MMIO writes, as "fn where/off" strings. */
function writes(k: Kernel): string[] {
  return k.trace
    .events()
    .filter((e) => e.fn.startsWith("pci_write_config") || e.fn === "writel")
    .map((e) => `${e.fn} ${e.args?.where ?? e.args?.off}=${e.args?.val}`);
}

describe("pcie_tph_set_st_entry checks in order", () => {
  it("no capability -> -EINVAL", () => {
    const { k, nic } = bootSystem({ tph: undefined });
    expect(pcieTphSetStEntry(k, nic, 0, 1)).toBe(-EINVAL);
    expect(k.trace.last("pcie_tph_set_st_entry")?.note).toBe("no TPH capability");
  });
  it("not enabled -> -EINVAL, nothing written", () => {
    const { k, nic } = bootSystem();
    expect(pcieTphSetStEntry(k, nic, 0, 1)).toBe(-EINVAL);
    expect(k.trace.last("pcie_tph_set_st_entry")?.note).toBe("TPH not enabled");
    expect(writes(k)).toEqual([]);
  });
  it("No ST mode -> 0 and nothing written", () => {
    const { k, nic } = bootSystem();
    expect(pcieEnableTph(k, nic, 0)).toBe(0);
    k.trace.clear();
    expect(pcieTphSetStEntry(k, nic, 3, 0xab)).toBe(0);
    expect(writes(k)).toEqual([]);
    expect(nic.cfg.read16(nic.tphCap + TPH.ST_TABLE + 6)).toBe(0);
  });
});

describe("ST table in the TPH capability", () => {
  it("writes the 16-bit entry at cap + 0x0C + 2*index with Requester Enable cleared around it", () => {
    const { k, nic } = bootSystem();
    expect(pcieEnableTph(k, nic, 2)).toBe(0);
    const reqEn = watchReqEn(nic);
    k.trace.clear();
    expect(pcieTphSetStEntry(k, nic, 5, 0xabcd)).toBe(0);
    const at = nic.tphCap + 0x0c + 10;
    expect([nic.cfg.bytes[at], nic.cfg.bytes[at + 1]]).toEqual([0xcd, 0xab]);
    expect(reqEn).toEqual([0, 3]);
    expect(writes(k)).toEqual([
      "pci_write_config_dword 0x1b8=0x2",
      "pci_write_config_word 0x1c6=0xabcd",
      "pci_write_config_dword 0x1b8=0x302",
    ]);
    // Neighbouring entries untouched.
    expect(nic.cfg.read16(at - 2)).toBe(0);
    expect(nic.cfg.read16(at + 2)).toBe(0);
  });

  it("index >= table size -> -ENXIO, and TPH is disabled", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, 2);
    const reqEn = watchReqEn(nic);
    expect(pcieTphSetStEntry(k, nic, 16, 1)).toBe(-ENXIO);
    expect(nic.tphEnabled).toBe(false);
    expect(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset)).toBe(0);
    expect(reqEn).toEqual([0, 0]); // cleared for the update, then the whole register by disable
    expect(pcieTphSetStEntry(k, nic, 15, 1)).toBe(-EINVAL); // now not enabled
  });

  it("reports table size and location", () => {
    const { nic } = bootSystem();
    expect(pcieTphGetStTableLoc(nic)).toBe(1);
    expect(pcieTphGetStTableSize(nic)).toBe(16);
  });
});

describe("ST table in the MSI-X table", () => {
  const MSIX_TPH = { ...DEFAULT_TPH, location: "msix" as const, tableSize: 64 };

  it("size is 0 and location 2", () => {
    const { nic } = bootSystem({ tph: MSIX_TPH });
    expect(pcieTphGetStTableLoc(nic)).toBe(2);
    expect(pcieTphGetStTableSize(nic)).toBe(0);
  });

  it("MSI-X not enabled -> -ENXIO and TPH disabled", () => {
    const { k, nic } = bootSystem({ tph: MSIX_TPH });
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, 0, 0x42)).toBe(-ENXIO);
    expect(nic.tphEnabled).toBe(false);
  });

  it("a vector without an MSI descriptor -> -ENXIO", () => {
    const { k, nic } = bootSystem({ tph: MSIX_TPH });
    expect(pciAllocIrqVectors(k, nic, 1, 8)).toBe(8);
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, 8, 0x42)).toBe(-ENXIO);
    expect(nic.tphEnabled).toBe(false);
  });

  it("writes bits 31:16 of Vector Control in BAR memory, keeping the mask bit, REQ_EN cleared around it", () => {
    const { k, nic } = bootSystem({ tph: MSIX_TPH });
    expect(pciAllocIrqVectors(k, nic, 1, 8)).toBe(8);
    const { bar, offset } = pciMsixEntry(nic, 3);
    expect([bar, offset]).toEqual([0, 0x2000 + 3 * 16]);
    const vc = offset + MSIX_ENTRY.VECTOR_CTRL.offset;
    nic.fn.barWrite32(bar, vc, 1); // mask vector 3, as a driver might
    pcieEnableTph(k, nic, 2);
    k.trace.clear();
    expect(pcieTphSetStEntry(k, nic, 3, 0x1234)).toBe(0);
    expect(nic.fn.barRead32(bar, vc)).toBe(0x12340001);
    expect(writes(k)).toEqual([
      "pci_write_config_dword 0x1b8=0x2",
      "writel 0x203c=0x12340001",
      "pci_write_config_dword 0x1b8=0x302",
    ]);
    // Vector 2's entry is untouched (unmasked, no ST).
    expect(nic.fn.barRead32(bar, vc - 16)).toBe(0);
    expect(k.trace.last("pcie_tph_set_st_entry")?.args?.table).toBe("msix");
  });
});

describe("other locations", () => {
  it.each(["none", "reserved"] as const)("location %s -> -EINVAL and TPH disabled", (location) => {
    const { k, nic } = bootSystem({ tph: { ...DEFAULT_TPH, location } });
    expect(pcieEnableTph(k, nic, 2)).toBe(0);
    expect(pcieTphSetStEntry(k, nic, 0, 1)).toBe(-EINVAL);
    expect(nic.tphEnabled).toBe(false);
    expect(pcieTphGetStTableSize(nic)).toBe(0);
  });
});
