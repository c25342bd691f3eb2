/**
 * Saving and restoring a function's state around a reset (drivers/pci/pci.c pci_save_state(),
 * pci_restore_state(), pcie_flr(), pci_reset_function()). The TPH part is pci_save_tph_state() /
 * pci_restore_tph_state(): the control register and the in-capability ST table.
 */
import { EXP, HEADER, MSIX } from "../../pcie/registers.js";
import { ENOTTY } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { pciRestoreMsixState } from "./msi.js";
import {
  type PciDev,
  pcieCapabilityReadDword,
  pcieCapabilityReadWord,
  pcieCapabilityWriteWord,
  pciReadConfigWord,
  pciWriteConfigWord,
} from "./pci.js";
import { pciRestoreTphState, pciSaveTphState } from "./tph.js";

/** pci_save_state() */
export function pciSaveState(k: Kernel, pdev: PciDev): void {
  pdev.savedState = {
    command: pciReadConfigWord(pdev, HEADER.COMMAND.offset),
    devctl: pcieCapabilityReadWord(pdev, EXP.DEVCTL.offset).val,
    devctl2: pcieCapabilityReadWord(pdev, EXP.DEVCTL2.offset).val,
    msixFlags: pdev.msixCap ? pciReadConfigWord(pdev, pdev.msixCap + MSIX.FLAGS.offset) : 0,
    tph: pciSaveTphState(pdev),
  };
  k.trace.emit("pci_save_state", { dev: pdev.name, args: { tph: pdev.savedState.tph !== undefined } });
}

/** pci_restore_state(): PCIe control registers, command, MSI-X, then TPH; the saved state is consumed. */
export function pciRestoreState(k: Kernel, pdev: PciDev): void {
  const s = pdev.savedState;
  if (!s) return;
  pcieCapabilityWriteWord(k, pdev, EXP.DEVCTL.offset, s.devctl & ~EXP.DEVCTL.fields.BCR_FLR.mask);
  pcieCapabilityWriteWord(k, pdev, EXP.DEVCTL2.offset, s.devctl2);
  pciWriteConfigWord(k, pdev, HEADER.COMMAND.offset, s.command);
  pciRestoreMsixState(k, pdev);
  pciRestoreTphState(k, pdev, s.tph);
  pdev.savedState = undefined;
  k.trace.emit("pci_restore_state", { dev: pdev.name });
}

/** pcie_reset_flr(): -ENOTTY when the function has no FLR capability, else pcie_flr(). */
export function pcieResetFlr(k: Kernel, pdev: PciDev): number {
  const devcap = pcieCapabilityReadDword(pdev, EXP.DEVCAP.offset).val;
  if (!(devcap & EXP.DEVCAP.fields.FLR.mask))
    return k.trace.ret("pcie_reset_flr", { dev: pdev.name }, -ENOTTY);
  return pcieFlr(k, pdev);
}

/** pcie_flr(): Initiate Function Level Reset (DevCtl bit 15). */
export function pcieFlr(k: Kernel, pdev: PciDev): number {
  const devctl = pcieCapabilityReadWord(pdev, EXP.DEVCTL.offset).val;
  pcieCapabilityWriteWord(k, pdev, EXP.DEVCTL.offset, devctl | EXP.DEVCTL.fields.BCR_FLR.mask);
  return k.trace.ret("pcie_flr", { dev: pdev.name }, 0);
}

/** pci_reset_function(): save state, reset (FLR), restore state. */
export function pciResetFunction(k: Kernel, pdev: PciDev): number {
  pciSaveState(k, pdev);
  const ret = pcieResetFlr(k, pdev);
  pciRestoreState(k, pdev);
  return k.trace.ret("pci_reset_function", { dev: pdev.name }, ret);
}
