/**
 * MSI-X as far as TPH needs it (drivers/pci/msi/msi.c): allocating vectors creates one MSI
 * descriptor per vector and enables MSI-X; the table lives in BAR memory (pdev->msix_base).
 * Only MSI-X is modelled; a function without it cannot allocate vectors.
 */

import { getField } from "../../pcie/bits.js";
import { MSIX, MSIX_ENTRY } from "../../pcie/registers.js";
import { EINVAL, ENOSPC } from "../errno.js";
import type { Kernel } from "../kernel.js";
import {
  type PciDev,
  pciReadConfigDword,
  pciReadConfigWord,
  pciWriteConfigWord,
  readl,
  writel,
} from "./pci.js";

/** Where vector `index`'s MSI-X table entry lives: BAR and byte offset (pdev->msix_base + index * 16). */
export function pciMsixEntry(pdev: PciDev, index: number): { bar: number; offset: number } {
  const table = pciReadConfigDword(pdev, pdev.msixCap + MSIX.TABLE.offset);
  const bar = getField(table, MSIX.TABLE.fields.BIR.mask);
  const base = (table & MSIX.TABLE.fields.OFFSET.mask) >>> 0;
  return { bar, offset: base + index * MSIX_ENTRY.SIZE };
}

/** pci_msix_vec_count(): table size from Message Control, or -EINVAL without MSI-X. */
export function pciMsixVecCount(pdev: PciDev): number {
  if (!pdev.msixCap) return -EINVAL;
  return (
    getField(pciReadConfigWord(pdev, pdev.msixCap + MSIX.FLAGS.offset), MSIX.FLAGS.fields.QSIZE.mask) + 1
  );
}

/** Program vector `i` (address toward CPU i's local APIC, data = vector 0x20 + i) and unmask it. */
function msixSetupEntry(k: Kernel, pdev: PciDev, i: number): void {
  const { bar, offset } = pciMsixEntry(pdev, i);
  writel(k, pdev, bar, offset, (0xfee00000 | ((i % k.nrCpuIds) << 12)) >>> 0);
  writel(k, pdev, bar, offset + 4, 0);
  writel(k, pdev, bar, offset + 8, 0x20 + i);
  const ctrl = readl(pdev, bar, offset + MSIX_ENTRY.VECTOR_CTRL.offset);
  writel(
    k,
    pdev,
    bar,
    offset + MSIX_ENTRY.VECTOR_CTRL.offset,
    ctrl & ~MSIX_ENTRY.VECTOR_CTRL.fields.MASKED.mask,
  );
}

function msixSetEnable(k: Kernel, pdev: PciDev, enable: boolean): void {
  const f = MSIX.FLAGS.fields;
  const at = pdev.msixCap + MSIX.FLAGS.offset;
  const ctrl = pciReadConfigWord(pdev, at) & ~(f.ENABLE.mask | f.MASKALL.mask);
  pciWriteConfigWord(k, pdev, at, enable ? ctrl | f.ENABLE.mask : ctrl);
}

/**
 * pci_alloc_irq_vectors(pdev, min, max, PCI_IRQ_MSIX): allocates up to `maxVecs` vectors; returns
 * the number allocated, -EINVAL when MSI-X is already on or the range is bad, -ENOSPC when the
 * device has no MSI-X or fewer than `minVecs` vectors.
 */
export function pciAllocIrqVectors(k: Kernel, pdev: PciDev, minVecs: number, maxVecs: number): number {
  const fields = { dev: pdev.name, args: { min: minVecs, max: maxVecs } };
  if (pdev.msixEnabled || minVecs < 1 || maxVecs < minVecs)
    return k.trace.ret("pci_alloc_irq_vectors", fields, -EINVAL);
  const count = pciMsixVecCount(pdev);
  if (count < minVecs) return k.trace.ret("pci_alloc_irq_vectors", fields, -ENOSPC);
  const nvec = Math.min(count, maxVecs);
  // Enable with Function Mask set while the entries are programmed, as msix_capability_init() does.
  const f = MSIX.FLAGS.fields;
  const at = pdev.msixCap + MSIX.FLAGS.offset;
  pciWriteConfigWord(k, pdev, at, pciReadConfigWord(pdev, at) | f.ENABLE.mask | f.MASKALL.mask);
  for (let i = 0; i < nvec; i++) msixSetupEntry(k, pdev, i);
  msixSetEnable(k, pdev, true);
  pdev.msixEnabled = true;
  pdev.msixNvec = nvec;
  return k.trace.ret("pci_alloc_irq_vectors", fields, nvec);
}

/** pci_free_irq_vectors(): mask every vector and disable MSI-X. */
export function pciFreeIrqVectors(k: Kernel, pdev: PciDev): void {
  if (!pdev.msixEnabled) return;
  for (let i = 0; i < pdev.msixNvec; i++) {
    const { bar, offset } = pciMsixEntry(pdev, i);
    const at = offset + MSIX_ENTRY.VECTOR_CTRL.offset;
    writel(k, pdev, bar, at, readl(pdev, bar, at) | MSIX_ENTRY.VECTOR_CTRL.fields.MASKED.mask);
  }
  msixSetEnable(k, pdev, false);
  pdev.msixEnabled = false;
  pdev.msixNvec = 0;
  k.trace.emit("pci_free_irq_vectors", { dev: pdev.name });
}

/**
 * pci_restore_msi_state() for MSI-X: re-program and unmask the allocated vectors, then enable.
 * The ST bits of Vector Control are not part of this restore (the TPH code saves only the
 * in-capability table, linux-tph-stack.md section 1).
 */
export function pciRestoreMsixState(k: Kernel, pdev: PciDev): void {
  if (!pdev.msixEnabled) return;
  const f = MSIX.FLAGS.fields;
  const at = pdev.msixCap + MSIX.FLAGS.offset;
  pciWriteConfigWord(k, pdev, at, pciReadConfigWord(pdev, at) | f.ENABLE.mask | f.MASKALL.mask);
  for (let i = 0; i < pdev.msixNvec; i++) msixSetupEntry(k, pdev, i);
  msixSetEnable(k, pdev, true);
}
