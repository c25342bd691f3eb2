/**
 * pcie_tph_set_st_entry() at the edges of both tables: the first and the last index are written,
 * one past the end and a negative index are refused (-ENXIO, TPH disabled).
 */
import { describe, expect, it } from "vitest";
import { ENXIO } from "../../../src/kernel/errno.js";
import { pciAllocIrqVectors, pciMsixEntry } from "../../../src/kernel/pci/msi.js";
import { pcieEnableTph, pcieTphSetStEntry } from "../../../src/kernel/pci/tph.js";
import { bootSystem, DEFAULT_TPH } from "./fixtures.js";

describe("ST table in the TPH capability: 16 entries at cap + 0x0C", () => {
  it.each([0, 15])("entry %i is written", (i) => {
    const { k, nic } = bootSystem();
    expect(pcieEnableTph(k, nic, 2)).toBe(0);
    expect(pcieTphSetStEntry(k, nic, i, 0xbeef)).toBe(0);
    expect(nic.cfg.read16(nic.tphCap + 0x0c + 2 * i)).toBe(0xbeef);
    expect(nic.tphEnabled).toBe(true);
  });

  it("a negative index -> -ENXIO and TPH disabled", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, -1, 1)).toBe(-ENXIO);
    expect(nic.tphEnabled).toBe(false);
  });
});

describe("ST table in the MSI-X table: one entry per allocated vector", () => {
  const MSIX_TPH = { ...DEFAULT_TPH, location: "msix" as const, tableSize: 64 };

  it.each([0, 7])("vector %i of 8 is written", (i) => {
    const { k, nic } = bootSystem({ tph: MSIX_TPH });
    expect(pciAllocIrqVectors(k, nic, 1, 8)).toBe(8);
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, i, 0x4321)).toBe(0);
    const { bar, offset } = pciMsixEntry(nic, i);
    expect(nic.fn.barRead32(bar, offset + 12) >>> 16).toBe(0x4321);
  });

  it("a negative index -> -ENXIO and TPH disabled", () => {
    const { k, nic } = bootSystem({ tph: MSIX_TPH });
    expect(pciAllocIrqVectors(k, nic, 1, 8)).toBe(8);
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, -1, 1)).toBe(-ENXIO);
    expect(nic.tphEnabled).toBe(false);
  });
});
