/**
 * PCIe TLP Processing Hints core (drivers/pci/tph.c, include/linux/pci-tph.h), every check in the
 * kernel's order with its errno (linux-tph-stack.md section 1; PCIe Base 6.0 sections 6.17, 7.9.13).
 * The CPU steering-tag query through the ACPI _DSM lives in tph-cpu-st.ts.
 */
import { getField, setField } from "../../pcie/bits.js";
import { EXP, MSIX_ENTRY, TPH } from "../../pcie/registers.js";
import { EBUSY, EINVAL, ENXIO } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { traceHex } from "../trace.js";
import { pciMsixEntry } from "./msi.js";
import {
  type PciDev,
  pcieCapabilityReadDword,
  pcieFindRootPort,
  pciReadConfigDword,
  pciReadConfigWord,
  pciWriteConfigDword,
  pciWriteConfigWord,
  readl,
  writel,
} from "./pci.js";

/** pcie_tph_get_cpu_st() and enum tph_mem_type live in tph-cpu-st.ts; tph.c has them, so re-exported. */
export { pcieTphGetCpuSt, TPH_MEM_TYPE_PM, TPH_MEM_TYPE_VM } from "./tph-cpu-st.js";
/** PCI_TPH_REQ_* (Requester Enable values) and PCI_TPH_ST_*_MODE (ST Mode Select values). */
export const PCI_TPH_REQ_DISABLE = TPH.CTRL.fields.REQ_EN.values.DISABLE;
export const PCI_TPH_REQ_TPH_ONLY = TPH.CTRL.fields.REQ_EN.values.TPH_ONLY;
export const PCI_TPH_REQ_EXT_TPH = TPH.CTRL.fields.REQ_EN.values.EXT_TPH;
export const PCI_TPH_ST_NS_MODE = TPH.CTRL.fields.MODE_SEL.values.NS;
export const PCI_TPH_ST_IV_MODE = TPH.CTRL.fields.MODE_SEL.values.IV;
export const PCI_TPH_ST_DS_MODE = TPH.CTRL.fields.MODE_SEL.values.DS;
/** PCI_TPH_LOC_* as the field value (0..3), what pcie_tph_get_st_table_loc() returns. */
export const PCI_TPH_LOC_NONE = TPH.CAP.fields.LOC.values.NONE;
export const PCI_TPH_LOC_CAP = TPH.CAP.fields.LOC.values.CAP;
export const PCI_TPH_LOC_MSIX = TPH.CAP.fields.LOC.values.MSIX;
/** PCI_EXP_DEVCAP2_TPH_COMP_* */
export const PCI_EXP_DEVCAP2_TPH_COMP_NONE = EXP.DEVCAP2.fields.TPH_COMP.values.NONE;
export const PCI_EXP_DEVCAP2_TPH_COMP_TPH_ONLY = EXP.DEVCAP2.fields.TPH_COMP.values.TPH_ONLY;
export const PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH = EXP.DEVCAP2.fields.TPH_COMP.values.EXT_TPH;

const MODE_BITS = TPH.CAP.fields.NO_ST.mask | TPH.CAP.fields.IV.mask | TPH.CAP.fields.DS.mask;

function capReg(pdev: PciDev): number {
  return pciReadConfigDword(pdev, pdev.tphCap + TPH.CAP.offset);
}

/** get_st_modes(): the NS/IV/DS supported bits. */
function getStModes(pdev: PciDev): number {
  return capReg(pdev) & MODE_BITS;
}

/** pcie_tph_get_st_table_loc(): the ST Table Location field (0 none, 1 capability, 2 MSI-X, 3 reserved). */
export function pcieTphGetStTableLoc(pdev: PciDev): number {
  // The kernel reads at tph_cap + 4 unconditionally; the model answers "none" without a capability.
  if (!pdev.tphCap) return PCI_TPH_LOC_NONE;
  return getField(capReg(pdev), TPH.CAP.fields.LOC.mask);
}

/** pcie_tph_get_st_table_size(): entries of the in-capability table, 0 for any other location. */
export function pcieTphGetStTableSize(pdev: PciDev): number {
  if (pcieTphGetStTableLoc(pdev) !== PCI_TPH_LOC_CAP) return 0;
  return getField(capReg(pdev), TPH.CAP.fields.ST_SIZE.mask) + 1;
}

/** get_rp_completer_type(): the Root Port's DevCap2 TPH Completer Supported, 0 without a Root Port. */
function getRpCompleterType(k: Kernel, pdev: PciDev): number {
  const rp = pcieFindRootPort(k, pdev);
  if (!rp) return 0;
  const { ret, val } = pcieCapabilityReadDword(rp, EXP.DEVCAP2.offset);
  if (ret) return 0;
  const type = getField(val, EXP.DEVCAP2.fields.TPH_COMP.mask);
  // The reserved value 2 goes through unchanged unless the follow-up fix is in (revision.ts).
  return type === 2 && k.b.tphReservedCompleter === "fold-to-none" ? 0 : type;
}

/** set_ctrl_reg_req_en(): rewrite TPH Requester Enable, keeping the rest of the control register. */
function setCtrlRegReqEn(k: Kernel, pdev: PciDev, reqType: number): void {
  const at = pdev.tphCap + TPH.CTRL.offset;
  pciWriteConfigDword(
    k,
    pdev,
    at,
    setField(pciReadConfigDword(pdev, at), TPH.CTRL.fields.REQ_EN.mask, reqType),
  );
}

/**
 * pcie_enable_tph() - enable TPH in ST mode `mode`, negotiating the requester type with the Root Port.
 * Order: pci=notph, no capability, already enabled, unsupported mode, type 0 after negotiation.
 */
export function pcieEnableTph(k: Kernel, pdev: PciDev, mode: number): number {
  const fn = "pcie_enable_tph";
  const dev = pdev.name;
  if (k.cmdline.notph) return k.trace.ret(fn, { dev, args: { mode }, note: "pci=notph" }, -EINVAL);
  if (!pdev.tphCap) return k.trace.ret(fn, { dev, args: { mode }, note: "no TPH capability" }, -EINVAL);
  if (pdev.tphEnabled) return k.trace.ret(fn, { dev, args: { mode }, note: "already enabled" }, -EBUSY);
  const m = mode & TPH.CTRL.fields.MODE_SEL.mask;
  if (!((1 << m) & getStModes(pdev))) {
    return k.trace.ret(fn, { dev, args: { mode: m }, note: "mode not supported" }, -EINVAL);
  }
  pdev.tphMode = m;
  const ext = (capReg(pdev) & TPH.CAP.fields.EXT_TPH.mask) !== 0;
  pdev.tphReqType = ext ? PCI_TPH_REQ_EXT_TPH : PCI_TPH_REQ_TPH_ONLY;
  const dev0 = pdev.tphReqType;
  let rpType: number | string = "skipped-rciep";
  if (!pdev.isRcIep()) {
    rpType = getRpCompleterType(k, pdev);
    pdev.tphReqType = Math.min(pdev.tphReqType, rpType);
  }
  const args = { mode: m, dev_req_type: dev0, rp_completer: rpType, req_type: pdev.tphReqType };
  if (pdev.tphReqType === PCI_TPH_REQ_DISABLE) {
    return k.trace.ret(fn, { dev, args, note: "requester type 0 after negotiation" }, -EINVAL);
  }
  const at = pdev.tphCap + TPH.CTRL.offset;
  let reg = setField(pciReadConfigDword(pdev, at), TPH.CTRL.fields.MODE_SEL.mask, pdev.tphMode);
  reg = setField(reg, TPH.CTRL.fields.REQ_EN.mask, pdev.tphReqType);
  pciWriteConfigDword(k, pdev, at, reg);
  pdev.tphEnabled = true;
  return k.trace.ret(fn, { dev, args }, 0);
}

/** pcie_disable_tph(): no-op without capability or when not enabled; else control := 0. */
export function pcieDisableTph(k: Kernel, pdev: PciDev): void {
  if (!pdev.tphCap || !pdev.tphEnabled) {
    k.trace.emit("pcie_disable_tph", {
      dev: pdev.name,
      note: pdev.tphCap ? "not enabled" : "no TPH capability",
    });
    return;
  }
  pciWriteConfigDword(k, pdev, pdev.tphCap + TPH.CTRL.offset, 0);
  pdev.tphMode = 0;
  pdev.tphReqType = 0;
  pdev.tphEnabled = false;
  k.trace.emit("pcie_disable_tph", { dev: pdev.name });
}

/** write_tag_to_msix(): bits 31:16 of vector `index`'s Vector Control; -ENXIO without that MSI descriptor. */
function writeTagToMsix(k: Kernel, pdev: PciDev, index: number, tag: number): number {
  if (!pdev.msixEnabled || index < 0 || index >= pdev.msixNvec) return -ENXIO;
  const { bar, offset } = pciMsixEntry(pdev, index);
  const at = offset + MSIX_ENTRY.VECTOR_CTRL.offset;
  writel(k, pdev, bar, at, setField(readl(pdev, bar, at), MSIX_ENTRY.VECTOR_CTRL.fields.ST.mask, tag));
  readl(pdev, bar, at); // read back to flush the posted write
  return 0;
}

/** write_tag_to_st_table(): the 16-bit entry at cap + 0x0C + 2*index; -ENXIO past the table. */
function writeTagToStTable(k: Kernel, pdev: PciDev, index: number, tag: number): number {
  if (index < 0 || index >= pcieTphGetStTableSize(pdev)) return -ENXIO;
  return pciWriteConfigWord(k, pdev, pdev.tphCap + TPH.ST_TABLE + 2 * index, tag);
}

/**
 * pcie_tph_set_st_entry() - program ST entry `index` with `tag`. Requester Enable is cleared during
 * the update (PCIe r6.2 section 6.17.3 cautions against changing STs while enabled); on error TPH is
 * disabled and the error returned; on success Requester Enable is restored.
 */
export function pcieTphSetStEntry(k: Kernel, pdev: PciDev, index: number, tag: number): number {
  const fn = "pcie_tph_set_st_entry";
  const dev = pdev.name;
  const args = { index, tag: traceHex(tag & 0xffff) };
  if (!pdev.tphCap) return k.trace.ret(fn, { dev, args, note: "no TPH capability" }, -EINVAL);
  if (!pdev.tphEnabled) return k.trace.ret(fn, { dev, args, note: "TPH not enabled" }, -EINVAL);
  if (pdev.tphMode === PCI_TPH_ST_NS_MODE) return k.trace.ret(fn, { dev, args, note: "No ST mode" }, 0);
  setCtrlRegReqEn(k, pdev, PCI_TPH_REQ_DISABLE);
  const loc = pcieTphGetStTableLoc(pdev);
  let err: number;
  if (loc === PCI_TPH_LOC_MSIX) err = writeTagToMsix(k, pdev, index, tag & 0xffff);
  else if (loc === PCI_TPH_LOC_CAP) err = writeTagToStTable(k, pdev, index, tag & 0xffff);
  else err = -EINVAL;
  const where = loc === PCI_TPH_LOC_MSIX ? "msix" : loc === PCI_TPH_LOC_CAP ? "cap" : `loc${loc}`;
  if (err) {
    pcieDisableTph(k, pdev);
    return k.trace.ret(fn, { dev, args: { ...args, table: where } }, err);
  }
  setCtrlRegReqEn(k, pdev, pdev.tphReqType);
  return k.trace.ret(fn, { dev, args: { ...args, table: where } }, 0);
}

/** pcie_tph_enabled_req_type() (series): the negotiated requester type, DISABLE when TPH is off. */
export function pcieTphEnabledReqType(pdev: PciDev): number {
  return pdev.tphEnabled ? pdev.tphReqType : PCI_TPH_REQ_DISABLE;
}

/** pcie_tph_completer_type() (series): own DevCap2 TPH Completer bits, reserved 2 folded to NONE. */
export function pcieTphCompleterType(pdev: PciDev): number {
  const { ret, val } = pcieCapabilityReadDword(pdev, EXP.DEVCAP2.offset);
  if (ret) return PCI_EXP_DEVCAP2_TPH_COMP_NONE;
  const type = getField(val, EXP.DEVCAP2.fields.TPH_COMP.mask);
  return type === 2 ? PCI_EXP_DEVCAP2_TPH_COMP_NONE : type;
}

/** pci_save_tph_state(): the control register and the in-capability ST entries (only when enabled). */
export function pciSaveTphState(pdev: PciDev): { ctrl: number; st: number[] } | undefined {
  if (!pdev.tphCap || !pdev.tphEnabled) return undefined;
  const ctrl = pciReadConfigDword(pdev, pdev.tphCap + TPH.CTRL.offset);
  const st: number[] = [];
  for (let i = 0; i < pcieTphGetStTableSize(pdev); i++)
    st.push(pciReadConfigWord(pdev, pdev.tphCap + TPH.ST_TABLE + 2 * i));
  return { ctrl, st };
}

/** pci_restore_tph_state(): write the saved control register back, then every saved ST entry. */
export function pciRestoreTphState(
  k: Kernel,
  pdev: PciDev,
  saved: { readonly ctrl: number; readonly st: readonly number[] } | undefined,
): void {
  if (!pdev.tphCap || !pdev.tphEnabled || !saved) return;
  pciWriteConfigDword(k, pdev, pdev.tphCap + TPH.CTRL.offset, saved.ctrl);
  for (const [i, v] of saved.st.entries()) pciWriteConfigWord(k, pdev, pdev.tphCap + TPH.ST_TABLE + 2 * i, v);
}
