/**
 * Capability IDs and the names lspci (pciutils 3.9.0) gives them.
 *
 * Sources: pciutils lib/header.h (PCI_CAP_ID_*, PCI_EXT_CAP_ID_*), ls-caps.c `show_caps` and
 * ls-ecaps.c `show_ext_caps` (the switch statements that name each ID), checked against the
 * output of Debian's lspci 3.9.0. `heading` is lspci's whole heading text where it is constant
 * (those it has no decoder for end in ` <?>`); where lspci computes the heading from register
 * contents (e.g. `Power Management version 3`), only `name` is given and the lspci renderer
 * builds the heading. IDs absent here are printed by lspci as `Capability ID 0x..` /
 * `Extended Capability ID 0x..`.
 */

export interface CapName {
  /** A short name for the capability (no `<?>`). */
  readonly name: string;
  /** lspci's heading text when it does not depend on register contents. */
  readonly heading?: string;
}

/** Standard (legacy) capability IDs, PCI Code and ID Assignment Specification section 2. */
export const PCI_CAP_ID = {
  NULL: 0x00,
  PM: 0x01,
  AGP: 0x02,
  VPD: 0x03,
  SLOTID: 0x04,
  MSI: 0x05,
  CHSWP: 0x06,
  PCIX: 0x07,
  HT: 0x08,
  VNDR: 0x09,
  DBG: 0x0a,
  CCRC: 0x0b,
  HOTPLUG: 0x0c,
  SSVID: 0x0d,
  AGP3: 0x0e,
  SECURE: 0x0f,
  EXP: 0x10,
  MSIX: 0x11,
  SATA: 0x12,
  AF: 0x13,
  EA: 0x14,
} as const;

/** Extended capability IDs, PCI Code and ID Assignment Specification section 3. */
export const PCI_EXT_CAP_ID = {
  NULL: 0x00,
  AER: 0x01,
  VC: 0x02,
  DSN: 0x03,
  PB: 0x04,
  RCLINK: 0x05,
  RCILINK: 0x06,
  RCEC: 0x07,
  MFVC: 0x08,
  VC2: 0x09,
  RCRB: 0x0a,
  VNDR: 0x0b,
  CAC: 0x0c,
  ACS: 0x0d,
  ARI: 0x0e,
  ATS: 0x0f,
  SRIOV: 0x10,
  MRIOV: 0x11,
  MCAST: 0x12,
  PRI: 0x13,
  REBAR: 0x15,
  DPA: 0x16,
  TPH: 0x17,
  LTR: 0x18,
  SECPCI: 0x19,
  PMUX: 0x1a,
  PASID: 0x1b,
  LNR: 0x1c,
  DPC: 0x1d,
  L1PM: 0x1e,
  PTM: 0x1f,
  M_PCIE: 0x20,
  FRS: 0x21,
  RTR: 0x22,
  DVSEC: 0x23,
  VF_REBAR: 0x24,
  DLNK: 0x25,
  PL_16GT: 0x26,
  LMR: 0x27,
  HIER_ID: 0x28,
  NPEM: 0x29,
  PL_32GT: 0x2a,
  DOE: 0x2e,
} as const;

const fixed = (heading: string): CapName => ({ name: heading.replace(/ <\?>$/, ""), heading });

/** Standard capability names, as lspci 3.9.0 names them (ls-caps.c show_caps). */
export const STD_CAP_NAMES: Readonly<Record<number, CapName>> = {
  [PCI_CAP_ID.NULL]: fixed("Null"),
  [PCI_CAP_ID.PM]: { name: "Power Management" },
  [PCI_CAP_ID.AGP]: { name: "AGP" },
  [PCI_CAP_ID.VPD]: fixed("Vital Product Data"),
  [PCI_CAP_ID.SLOTID]: { name: "Slot ID" },
  [PCI_CAP_ID.MSI]: { name: "MSI" },
  [PCI_CAP_ID.CHSWP]: fixed("CompactPCI hot-swap <?>"),
  [PCI_CAP_ID.PCIX]: { name: "PCI-X" },
  [PCI_CAP_ID.HT]: { name: "HyperTransport" },
  [PCI_CAP_ID.VNDR]: { name: "Vendor Specific Information" },
  [PCI_CAP_ID.DBG]: { name: "Debug port" },
  [PCI_CAP_ID.CCRC]: fixed("CompactPCI central resource control <?>"),
  [PCI_CAP_ID.HOTPLUG]: fixed("Hot-plug capable"),
  [PCI_CAP_ID.SSVID]: { name: "Subsystem" },
  [PCI_CAP_ID.AGP3]: fixed("AGP3 <?>"),
  [PCI_CAP_ID.SECURE]: fixed("Secure device <?>"),
  [PCI_CAP_ID.EXP]: { name: "Express" },
  [PCI_CAP_ID.MSIX]: { name: "MSI-X" },
  [PCI_CAP_ID.SATA]: { name: "SATA HBA" },
  [PCI_CAP_ID.AF]: fixed("PCI Advanced Features"),
  [PCI_CAP_ID.EA]: { name: "Enhanced Allocation (EA)" },
};

/** Extended capability names, as lspci 3.9.0 names them (ls-ecaps.c show_ext_caps). */
export const EXT_CAP_NAMES: Readonly<Record<number, CapName>> = {
  [PCI_EXT_CAP_ID.NULL]: fixed("Null"),
  [PCI_EXT_CAP_ID.AER]: fixed("Advanced Error Reporting"),
  [PCI_EXT_CAP_ID.VC]: fixed("Virtual Channel"),
  [PCI_EXT_CAP_ID.DSN]: { name: "Device Serial Number" },
  [PCI_EXT_CAP_ID.PB]: fixed("Power Budgeting <?>"),
  [PCI_EXT_CAP_ID.RCLINK]: fixed("Root Complex Link"),
  [PCI_EXT_CAP_ID.RCILINK]: fixed("Root Complex Internal Link <?>"),
  [PCI_EXT_CAP_ID.RCEC]: fixed("Root Complex Event Collector Endpoint Association"),
  [PCI_EXT_CAP_ID.MFVC]: fixed("Multi-Function Virtual Channel <?>"),
  [PCI_EXT_CAP_ID.VC2]: fixed("Virtual Channel"),
  [PCI_EXT_CAP_ID.RCRB]: fixed("Root Complex Register Block <?>"),
  [PCI_EXT_CAP_ID.VNDR]: { name: "Vendor Specific Information" },
  [PCI_EXT_CAP_ID.ACS]: fixed("Access Control Services"),
  [PCI_EXT_CAP_ID.ARI]: fixed("Alternative Routing-ID Interpretation (ARI)"),
  [PCI_EXT_CAP_ID.ATS]: fixed("Address Translation Service (ATS)"),
  [PCI_EXT_CAP_ID.SRIOV]: fixed("Single Root I/O Virtualization (SR-IOV)"),
  [PCI_EXT_CAP_ID.MRIOV]: fixed("Multi-Root I/O Virtualization <?>"),
  [PCI_EXT_CAP_ID.MCAST]: fixed("Multicast"),
  [PCI_EXT_CAP_ID.PRI]: fixed("Page Request Interface (PRI)"),
  [PCI_EXT_CAP_ID.REBAR]: fixed("Physical Resizable BAR"),
  [PCI_EXT_CAP_ID.DPA]: fixed("Dynamic Power Allocation <?>"),
  [PCI_EXT_CAP_ID.TPH]: fixed("Transaction Processing Hints"),
  [PCI_EXT_CAP_ID.LTR]: fixed("Latency Tolerance Reporting"),
  [PCI_EXT_CAP_ID.SECPCI]: fixed("Secondary PCI Express"),
  [PCI_EXT_CAP_ID.PMUX]: fixed("Protocol Multiplexing <?>"),
  [PCI_EXT_CAP_ID.PASID]: fixed("Process Address Space ID (PASID)"),
  [PCI_EXT_CAP_ID.LNR]: fixed("LN Requester <?>"),
  [PCI_EXT_CAP_ID.DPC]: fixed("Downstream Port Containment"),
  [PCI_EXT_CAP_ID.L1PM]: fixed("L1 PM Substates"),
  [PCI_EXT_CAP_ID.PTM]: fixed("Precision Time Measurement"),
  [PCI_EXT_CAP_ID.M_PCIE]: fixed("PCI Express over M_PHY <?>"),
  [PCI_EXT_CAP_ID.FRS]: fixed("FRS Queueing <?>"),
  [PCI_EXT_CAP_ID.RTR]: fixed("Readiness Time Reporting <?>"),
  [PCI_EXT_CAP_ID.DVSEC]: { name: "Designated Vendor-Specific" },
  [PCI_EXT_CAP_ID.VF_REBAR]: fixed("Virtual Resizable BAR"),
  [PCI_EXT_CAP_ID.DLNK]: fixed("Data Link Feature <?>"),
  [PCI_EXT_CAP_ID.PL_16GT]: fixed("Physical Layer 16.0 GT/s <?>"),
  [PCI_EXT_CAP_ID.LMR]: fixed("Lane Margining at the Receiver <?>"),
  [PCI_EXT_CAP_ID.HIER_ID]: fixed("Hierarchy ID <?>"),
  [PCI_EXT_CAP_ID.NPEM]: fixed("Native PCIe Enclosure Management <?>"),
  [PCI_EXT_CAP_ID.DOE]: fixed("Data Object Exchange"),
};

/** C's `%#02x`: `0x` and the hex digits for non-zero values, `00` for zero. */
function cHexAlt(n: number): string {
  return n === 0 ? "00" : `0x${n.toString(16)}`;
}

/** lspci's heading for a standard capability it does not know (`Capability ID %#02x [%04x]`). */
export function unknownStdHeading(id: number, capWord: number): string {
  return `Capability ID ${cHexAlt(id)} [${capWord.toString(16).padStart(4, "0")}]`;
}

/** lspci's heading for an extended capability it does not know (`Extended Capability ID %#02x`). */
export function unknownExtHeading(id: number): string {
  return `Extended Capability ID ${cHexAlt(id)}`;
}

/** The name of a standard capability ID: lspci's name, or `Capability ID 0x..`. */
export function stdCapName(id: number): string {
  return STD_CAP_NAMES[id]?.name ?? `Capability ID ${cHexAlt(id)}`;
}

/** The name of an extended capability ID: lspci's name, or `Extended Capability ID 0x..`. */
export function extCapName(id: number): string {
  return EXT_CAP_NAMES[id]?.name ?? unknownExtHeading(id);
}
