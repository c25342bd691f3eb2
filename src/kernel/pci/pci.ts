/**
 * struct pci_dev and the PCI core accessors the TPH code and drivers use (drivers/pci/pci.c,
 * access.c, include/linux/pci.h). Config reads go straight to the function's ConfigSpace; config
 * and MMIO writes are traced so the log shows what a call did to the hardware.
 *
 * Lookups (pciFind*, reads) take the device only; calls that change state take the Kernel first.
 */
import type { PciFunction } from "../../hw/pci-function.js";
import { getField } from "../../pcie/bits.js";
import { CAP_ID, EXP, EXT_CAP_HEADER, EXT_CAP_ID, HEADER } from "../../pcie/registers.js";
import type { Kernel } from "../kernel.js";
import { traceHex } from "../trace.js";
import type { PciP2pdma } from "./p2pdma.js";

/** PCIBIOS_BAD_REGISTER_NUMBER (include/linux/pci.h): a positive PCIBIOS code, not an errno. */
export const PCIBIOS_BAD_REGISTER_NUMBER = 0x87;
/** PCI_EXP_TYPE_* (pci_regs.h). */
export const PCI_EXP_TYPE = EXP.FLAGS.fields.TYPE.values;
/** PCI_FIND_CAP_TTL: at most 48 standard capabilities are walked. */
const PCI_FIND_CAP_TTL = 48;
/** PCI_CFG_SPACE_SIZE and PCI_CFG_SPACE_EXP_SIZE. */
const CFG_SPACE_SIZE = 0x100;
const CFG_SPACE_EXP_SIZE = 0x1000;

/** Registers pci_save_state() keeps (a subset of struct pci_saved_state), plus the TPH buffer. */
export interface PciSavedState {
  readonly command: number;
  readonly devctl: number;
  readonly devctl2: number;
  readonly msixFlags: number;
  /** pci_save_tph_state(): TPH control register then the in-capability ST entries. */
  readonly tph: { readonly ctrl: number; readonly st: readonly number[] } | undefined;
}

/** struct pci_dev: the kernel's view of one function. */
export class PciDev {
  readonly fn: PciFunction;
  /** pci_name(): "0000:03:00.0". */
  readonly name: string;
  /** pdev->pcie_cap, msix_cap, pm_cap: capability offsets, 0 when absent. */
  readonly pcieCap: number;
  readonly msixCap: number;
  readonly pmCap: number;
  /** pdev->tph_cap (pci_tph_init()), 0 when absent. */
  readonly tphCap: number;
  tphMode = 0;
  tphReqType = 0;
  tphEnabled = false;
  /** pdev->msix_enabled and the number of MSI-X descriptors allocated (pci_alloc_irq_vectors()). */
  msixEnabled = false;
  msixNvec = 0;
  /**
   * pdev->no_command_memory: the Command register's Memory Space bit does not gate the BARs (set by
   * pci_iov_add_virtfn() for SR-IOV VFs; the model has no SR-IOV, so callers set it).
   */
  noCommandMemory = false;
  /** pdev->saved_state after pci_save_state(). */
  savedState: PciSavedState | undefined = undefined;
  /** Bound driver name and its private data (dev_set_drvdata()). */
  driver: string | undefined = undefined;
  driverData: unknown = undefined;
  /** pdev->p2pdma: set once the device provides P2P memory (pcim_p2pdma_init()). */
  p2pdma: PciP2pdma | undefined = undefined;

  constructor(fn: PciFunction) {
    this.fn = fn;
    this.name = fn.bdf;
    this.pcieCap = pciFindCapability(this, CAP_ID.EXP);
    this.msixCap = pciFindCapability(this, CAP_ID.MSIX);
    this.pmCap = pciFindCapability(this, CAP_ID.PM);
    this.tphCap = pciFindExtCapability(this, EXT_CAP_ID.TPH);
  }
  get cfg() {
    return this.fn.cfg;
  }
  /** pci_pcie_type(pdev) == PCI_EXP_TYPE_RC_END */
  isRcIep(): boolean {
    return pciPcieType(this) === PCI_EXP_TYPE.RC_END;
  }
}

/** pci_setup_device() + pci_tph_init(): the kernel's PciDev for a function found at boot. */
export function pciSetupDevice(_k: Kernel, fn: PciFunction): PciDev {
  return new PciDev(fn);
}

/** pci_read_config_byte() */
export function pciReadConfigByte(pdev: PciDev, where: number): number {
  return pdev.cfg.has(where, 1) ? pdev.cfg.read8(where) : 0xff;
}
/** pci_read_config_word(): all-ones when the register is out of range (PCI_ERROR_RESPONSE). */
export function pciReadConfigWord(pdev: PciDev, where: number): number {
  return where % 2 === 0 && pdev.cfg.has(where, 2) ? pdev.cfg.read16(where) : 0xffff;
}
/** pci_read_config_dword() */
export function pciReadConfigDword(pdev: PciDev, where: number): number {
  return where % 4 === 0 && pdev.cfg.has(where, 4) ? pdev.cfg.read32(where) : 0xffffffff;
}

function writeConfig(k: Kernel, pdev: PciDev, where: number, width: 1 | 2 | 4, val: number): number {
  const fn = `pci_write_config_${width === 1 ? "byte" : width === 2 ? "word" : "dword"}`;
  const args = { where: traceHex(where), val: traceHex(val) };
  if (where % width !== 0 || !pdev.cfg.has(where, width)) {
    return k.trace.ret(fn, { dev: pdev.name, args }, PCIBIOS_BAD_REGISTER_NUMBER);
  }
  pdev.cfg.write(where, width, val);
  return k.trace.ret(fn, { dev: pdev.name, args }, 0);
}
/** pci_write_config_byte() */
export function pciWriteConfigByte(k: Kernel, pdev: PciDev, where: number, val: number): number {
  return writeConfig(k, pdev, where, 1, val);
}
/** pci_write_config_word() */
export function pciWriteConfigWord(k: Kernel, pdev: PciDev, where: number, val: number): number {
  return writeConfig(k, pdev, where, 2, val);
}
/** pci_write_config_dword() */
export function pciWriteConfigDword(k: Kernel, pdev: PciDev, where: number, val: number): number {
  return writeConfig(k, pdev, where, 4, val);
}

/** pci_find_capability(): offset of standard capability `id`, 0 if absent (walk bounded by TTL). */
export function pciFindCapability(pdev: PciDev, id: number): number {
  if (!(pciReadConfigWord(pdev, HEADER.STATUS.offset) & HEADER.STATUS.fields.CAP_LIST.mask)) return 0;
  let pos = pciReadConfigByte(pdev, HEADER.CAPABILITY_LIST.offset);
  for (let ttl = PCI_FIND_CAP_TTL; ttl > 0; ttl--) {
    if (pos < 0x40) break;
    pos &= ~3;
    const ent = pciReadConfigWord(pdev, pos);
    const capId = ent & 0xff;
    if (capId === 0xff) break;
    if (capId === id) return pos;
    pos = ent >>> 8;
  }
  return 0;
}

/** pci_find_next_ext_capability(): next extended capability `id` after `start` (0 = from the top). */
export function pciFindNextExtCapability(pdev: PciDev, start: number, id: number): number {
  if (pdev.cfg.length <= CFG_SPACE_SIZE) return 0;
  let pos = start || CFG_SPACE_SIZE;
  let header = pciReadConfigDword(pdev, pos);
  // No extended capabilities at all: ID, version and next all 0.
  if (header === 0 || header === 0xffffffff) return 0;
  for (let ttl = (CFG_SPACE_EXP_SIZE - CFG_SPACE_SIZE) / 8; ttl > 0; ttl--) {
    if (getField(header, EXT_CAP_HEADER.fields.ID.mask) === id && pos !== start) return pos;
    pos = getField(header, EXT_CAP_HEADER.fields.NEXT.mask) & 0xffc;
    if (pos < CFG_SPACE_SIZE) break;
    header = pciReadConfigDword(pdev, pos);
  }
  return 0;
}
/** pci_find_ext_capability() */
export function pciFindExtCapability(pdev: PciDev, id: number): number {
  return pciFindNextExtCapability(pdev, 0, id);
}

/** pci_is_pcie() */
export function pciIsPcie(pdev: PciDev): boolean {
  return pdev.pcieCap !== 0;
}
/** pci_pcie_type(): Device/Port Type from the PCI Express Capabilities register. */
export function pciPcieType(pdev: PciDev): number {
  if (!pdev.pcieCap) return -1;
  return getField(pciReadConfigWord(pdev, pdev.pcieCap + EXP.FLAGS.offset), EXP.FLAGS.fields.TYPE.mask);
}

/** pcie_capability_read_dword(): { ret: 0 or PCIBIOS code, val } (val 0 on failure or no PCIe cap). */
export function pcieCapabilityReadDword(pdev: PciDev, pos: number): { ret: number; val: number } {
  if (pos & 3) return { ret: PCIBIOS_BAD_REGISTER_NUMBER, val: 0 };
  if (!pciIsPcie(pdev)) return { ret: 0, val: 0 };
  return { ret: 0, val: pciReadConfigDword(pdev, pdev.pcieCap + pos) };
}
/** pcie_capability_read_word() */
export function pcieCapabilityReadWord(pdev: PciDev, pos: number): { ret: number; val: number } {
  if (pos & 1) return { ret: PCIBIOS_BAD_REGISTER_NUMBER, val: 0 };
  if (!pciIsPcie(pdev)) return { ret: 0, val: 0 };
  return { ret: 0, val: pciReadConfigWord(pdev, pdev.pcieCap + pos) };
}
/** pcie_capability_write_word() */
export function pcieCapabilityWriteWord(k: Kernel, pdev: PciDev, pos: number, val: number): number {
  if (pos & 1) return PCIBIOS_BAD_REGISTER_NUMBER;
  if (!pciIsPcie(pdev)) return 0;
  return pciWriteConfigWord(k, pdev, pdev.pcieCap + pos, val);
}
/** The contract's short names. */
export const pcieCapabilityRead32 = pcieCapabilityReadDword;
export const pcieCapabilityWrite16 = pcieCapabilityWriteWord;

/** pci_upstream_bridge() */
export function pciUpstreamBridge(k: Kernel, pdev: PciDev): PciDev | undefined {
  const parent = k.topology.parentOf(pdev.fn);
  return parent ? k.pciDevs.find((d) => d.fn === parent) : undefined;
}
/** pcie_find_root_port(): the Root Port above `pdev` (or itself), walking upstream bridges. */
export function pcieFindRootPort(k: Kernel, pdev: PciDev): PciDev | undefined {
  for (let d: PciDev | undefined = pdev; d; d = pciUpstreamBridge(k, d)) {
    if (pciIsPcie(d) && pciPcieType(d) === PCI_EXP_TYPE.ROOT_PORT) return d;
  }
  return undefined;
}

/** readl() of a BAR mapping (pci_iomap()): what the device answers. */
export function readl(pdev: PciDev, bar: number, offset: number): number {
  return pdev.fn.barRead32(bar, offset);
}
/** writel() to a BAR mapping; traced. */
export function writel(k: Kernel, pdev: PciDev, bar: number, offset: number, val: number): void {
  k.trace.emit("writel", { dev: pdev.name, args: { bar, off: traceHex(offset), val: traceHex(val) } });
  pdev.fn.barWrite32(bar, offset, val);
}
