import { describe, expect, it } from "vitest";
import { ENOTTY } from "../../../src/kernel/errno.js";
import { pciAllocIrqVectors, pciMsixEntry } from "../../../src/kernel/pci/msi.js";
import { pcieFlr, pcieResetFlr, pciResetFunction } from "../../../src/kernel/pci/reset.js";
import { pcieEnableTph, pcieTphSetStEntry } from "../../../src/kernel/pci/tph.js";
import { EXP, HEADER, MSIX_ENTRY, TPH } from "../../../src/pcie/registers.js";
import { bootSystem, DEFAULT_TPH } from "./fixtures.js";

const st = (nic: { cfg: { read16(o: number): number }; tphCap: number }, i: number) =>
  nic.cfg.read16(nic.tphCap + TPH.ST_TABLE + 2 * i);

describe("TPH state across a reset", () => {
  it("a bare FLR clears the control register and the ST table", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, 2);
    pcieTphSetStEntry(k, nic, 1, 0x0a0b);
    expect(pcieFlr(k, nic)).toBe(0);
    expect(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset)).toBe(0);
    expect(st(nic, 1)).toBe(0);
    expect(nic.fn.resets).toBe(1);
    // FLR also clears Memory Space Enable; the DevCtl FLR bit reads back 0.
    expect(nic.fn.memoryEnabled()).toBe(false);
    expect(nic.cfg.read16(nic.pcieCap + EXP.DEVCTL.offset) & 0x8000).toBe(0);
  });

  it("pci_reset_function restores the control register and every in-capability ST entry", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, 2);
    for (const [i, tag] of [0x11, 0x2222, 0x33, 0xffff].entries()) pcieTphSetStEntry(k, nic, i * 5, tag);
    const ctrl = nic.cfg.read32(nic.tphCap + TPH.CTRL.offset);
    const table = Array.from({ length: 16 }, (_, i) => st(nic, i));
    const command = nic.cfg.read16(HEADER.COMMAND.offset);
    expect(pciResetFunction(k, nic)).toBe(0);
    expect(nic.fn.resets).toBe(1);
    expect(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset)).toBe(ctrl);
    expect(Array.from({ length: 16 }, (_, i) => st(nic, i))).toEqual(table);
    expect(nic.cfg.read16(HEADER.COMMAND.offset)).toBe(command);
    expect(nic.savedState).toBeUndefined();
  });

  it("TPH state is not saved when TPH is disabled", () => {
    const { k, nic } = bootSystem();
    pciResetFunction(k, nic);
    expect(k.trace.last("pci_save_state")?.args?.tph).toBe(false);
    expect(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset)).toBe(0);
  });

  it("MSI-X restore re-enables the vectors but not the ST bits in Vector Control", () => {
    const { k, nic } = bootSystem({ tph: { ...DEFAULT_TPH, location: "msix", tableSize: 64 } });
    pciAllocIrqVectors(k, nic, 4, 4);
    pcieEnableTph(k, nic, 2);
    expect(pcieTphSetStEntry(k, nic, 2, 0xbeef)).toBe(0);
    const { bar, offset } = pciMsixEntry(nic, 2);
    const vc = offset + MSIX_ENTRY.VECTOR_CTRL.offset;
    expect(nic.fn.barRead32(bar, vc)).toBe(0xbeef0000);
    pciResetFunction(k, nic);
    expect(nic.fn.msixEnabled()).toBe(true);
    expect(nic.fn.barRead32(bar, vc)).toBe(0);
    expect(nic.cfg.read32(nic.tphCap + TPH.CTRL.offset)).toBe(0x302);
  });

  it("a function without FLR capability -> -ENOTTY, nothing reset", () => {
    const { k } = bootSystem({
      extraDevices: [{ bdf: "0000:00:04.0", type: "rciep", vendor: 1, device: 2, flr: false }],
    });
    const d = k.pciDev("00:04.0")!;
    expect(pcieResetFlr(k, d)).toBe(-ENOTTY);
    expect(d.fn.resets).toBe(0);
  });
});
