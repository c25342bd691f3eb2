/**
 * The text lspci (pciutils 3.9.0) prints after `\tCapabilities: [OFF] ` for each capability.
 * Formats follow ls-caps.c / ls-ecaps.c / ls-caps-vendor.c. A few headings are printed by
 * lspci without a newline when bytes are missing (the Subsystem ID and Device Serial Number
 * capabilities, PCI-X on a CardBus bridge): `terminated` is then false, so the next output
 * continues on the same line, exactly as lspci's does.
 */
import type { CapEntry } from "../../pcie/capabilities.js";
import {
  EXT_CAP_NAMES,
  PCI_CAP_ID,
  PCI_EXT_CAP_ID,
  STD_CAP_NAMES,
  unknownExtHeading,
  unknownStdHeading,
} from "../../pcie/capability-ids.js";
import { decodeDsn } from "../../pcie/caps/dsn.js";
import { decodeExpress, SLOT_TYPES } from "../../pcie/caps/express.js";
import { decodeHt, HT_KIND, type HtCap } from "../../pcie/caps/ht.js";
import { decodeMsix } from "../../pcie/caps/msix.js";
import {
  capWord,
  decodeAgp,
  decodeDebugPort,
  decodeEa,
  decodeMsi,
  decodePcix,
  decodePm,
  decodeSata,
  decodeSlotId,
  decodeSsvid,
} from "../../pcie/caps/std-misc.js";
import { decodeDvsec, decodeExtVendor, decodeVendor, VIRTIO_CFG_NAMES } from "../../pcie/caps/vendor.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { type NameMode, type PciIds, subsystemName } from "../../pcie/pci-ids.js";
import { hx, pm } from "./format.js";

export interface Heading {
  readonly text: string;
  /** False when lspci prints this heading without a newline. */
  readonly terminated: boolean;
}

export interface HeadingContext {
  readonly verbosity: number;
  readonly names: PciIds | undefined;
  readonly numeric?: NameMode;
}

const line = (text: string): Heading => ({ text, terminated: true });
const open = (text: string): Heading => ({ text, terminated: false });

/** `\tCapabilities: [OFF] ` / `\tCapabilities: [OFF vN] ` as lspci prints the prefix. */
export function headingPrefix(
  entry: Pick<CapEntry, "kind" | "offset" | "version">,
  verbosity: number,
): string {
  if (entry.kind === "std") return `\tCapabilities: [${hx(entry.offset, 2)}] `;
  const v = verbosity > 1 ? ` v${entry.version ?? 0}` : "";
  return `\tCapabilities: [${hx(entry.offset, 3)}${v}] `;
}

/** lspci's heading for a capability found by the walk. */
export function capHeading(cs: ConfigSpace, entry: CapEntry, ctx: HeadingContext): Heading {
  return entry.kind === "std"
    ? stdHeading(cs, entry.id, entry.offset, ctx)
    : extHeading(cs, entry.id, entry.offset);
}

/** Builds the heading of one capability kind from its registers. */
type HeadingFn = (cs: ConfigSpace, at: number, ctx: HeadingContext) => Heading;

/** Standard capabilities whose heading depends on their registers; the rest print their name. */
const STD_HEADINGS: Readonly<Partial<Record<number, HeadingFn>>> = {
  [PCI_CAP_ID.PM]: (cs, at) => line(`Power Management version ${decodePm(cs, at).version}`),
  [PCI_CAP_ID.AGP]: (cs, at) => {
    const a = decodeAgp(cs, at);
    return line(`AGP version ${a.major.toString(16)}.${a.minor.toString(16)}`);
  },
  [PCI_CAP_ID.SLOTID]: (cs, at) => {
    const s = decodeSlotId(cs, at);
    return line(`Slot ID: ${s.slots} slots, First${pm(s.firstInChassis)}, chassis ${hx(s.chassis, 2)}`);
  },
  [PCI_CAP_ID.MSI]: (cs, at) => {
    const m = decodeMsi(cs, at);
    return line(
      `MSI: Enable${pm(m.enable)} Count=${m.vectorsEnabled}/${m.vectorsCapable} Maskable${pm(m.maskable)} 64bit${pm(m.addr64)}`,
    );
  },
  [PCI_CAP_ID.PCIX]: (cs, at) => {
    const v = decodePcix(cs, at).variant;
    return v === "device"
      ? line("PCI-X non-bridge device")
      : v === "bridge"
        ? line("PCI-X bridge device")
        : open("");
  },
  [PCI_CAP_ID.HT]: (cs, at) => line(htHeading(decodeHt(cs, at))),
  [PCI_CAP_ID.VNDR]: (cs, at) => line(`Vendor Specific Information: ${vendorText(cs, at)}`),
  [PCI_CAP_ID.DBG]: (cs, at) => {
    const d = decodeDebugPort(cs, at);
    return line(`Debug port: BAR=${d.bar} offset=${hx(d.offset, 4)}`);
  },
  [PCI_CAP_ID.SSVID]: (cs, at, ctx) => ssvidHeading(cs, at, ctx.names, ctx.numeric ?? 0),
  [PCI_CAP_ID.EXP]: (cs, at, ctx) => line(expressHeading(cs, at, ctx.verbosity)),
  [PCI_CAP_ID.MSIX]: (cs, at) => {
    const m = decodeMsix(cs, at);
    return line(`MSI-X: Enable${pm(m.enable)} Count=${m.tableSize} Masked${pm(m.functionMask)}`);
  },
  [PCI_CAP_ID.SATA]: (cs, at, ctx) => line(sataHeading(cs, at, ctx.verbosity)),
  [PCI_CAP_ID.EA]: (cs, at) => {
    const e = decodeEa(cs, at);
    const br = e.bridge ? `, secondary=${e.bridge.secondary}, subordinate=${e.bridge.subordinate}` : "";
    return line(`Enhanced Allocation (EA): NumEntries=${e.numEntries}${br}`);
  },
};

function stdHeading(cs: ConfigSpace, id: number, at: number, ctx: HeadingContext): Heading {
  const fn = STD_HEADINGS[id];
  if (fn) return fn(cs, at, ctx);
  return line(STD_CAP_NAMES[id]?.heading ?? unknownStdHeading(id, capWord(cs, at)));
}

const HT_TEXT: Readonly<Record<string, string>> = {
  [HT_KIND.SLAVE_PRIMARY]: "Slave or Primary Interface",
  [HT_KIND.HOST_SECONDARY]: "Host or Secondary Interface",
  [HT_KIND.SWITCH]: "Switch",
  [HT_KIND.INTERRUPT_DISCOVERY]: "Interrupt Discovery and Configuration",
  [HT_KIND.UNITID_CLUMPING]: "UnitID Clumping",
  [HT_KIND.EXT_CONFIG_ACCESS]: "Extended Configuration Space Access",
  [HT_KIND.ADDRESS_MAPPING]: "Address Mapping",
  [HT_KIND.DIRECT_ROUTE]: "DirectRoute",
  [HT_KIND.VCSET]: "VCSet",
  [HT_KIND.RETRY_MODE]: "Retry Mode",
  [HT_KIND.X86]: "X86 (reserved)",
};

function htHeading(h: HtCap): string {
  if (h.msiMapping)
    return `HyperTransport: MSI Mapping Enable${pm(h.msiMapping.enable)} Fixed${pm(h.msiMapping.fixed)}`;
  if (h.revision)
    return `HyperTransport: Revision ID: ${h.revision.major}.${String(h.revision.minor).padStart(2, "0")}`;
  return `HyperTransport: ${HT_TEXT[h.kind] ?? `#${hx(h.typeCode, 2)}`}`;
}

function vendorText(cs: ConfigSpace, at: number): string {
  const v = decodeVendor(cs, at);
  if (v.virtio) return `VirtIO: ${VIRTIO_CFG_NAMES[v.virtio.cfgType] ?? "<unknown>"}`;
  return `Len=${hx(v.length, 2)} <?>`;
}

function ssvidHeading(cs: ConfigSpace, at: number, names: PciIds | undefined, numeric: NameMode): Heading {
  const s = decodeSsvid(cs, at);
  if (s.subsystemVendor === undefined || s.subsystemDevice === undefined) return open("");
  const name = subsystemName(
    names,
    cs.read16(0),
    cs.read16(2),
    s.subsystemVendor,
    s.subsystemDevice,
    numeric,
  );
  return line(`Subsystem: ${name}`);
}

function expressHeading(cs: ConfigSpace, at: number, verbosity: number): string {
  const e = decodeExpress(cs, at);
  const version = verbosity >= 2 ? `(v${e.version}) ` : "";
  const slot = SLOT_TYPES.includes(e.type) ? ` (Slot${pm(e.slotImplemented)})` : "";
  return `Express ${version}${e.typeName}${slot}, MSI ${hx(e.interruptMessage, 2)}`;
}

function sataHeading(cs: ConfigSpace, at: number, verbosity: number): string {
  const s = decodeSata(cs, at);
  const head = `SATA HBA v${s.major}.${s.minor}`;
  if (verbosity < 2 || s.barLocation === undefined || s.barOffset === undefined) return head;
  if (s.barLocation >= 4 && s.barLocation <= 9)
    return `${head} BAR${s.barLocation - 4} Offset=${hx(s.barOffset, 8)}`;
  return s.barLocation === 15 ? `${head} InCfgSpace` : `${head} BAR??${s.barLocation}`;
}

/** Extended capabilities whose heading depends on their registers; the rest print their name. */
const EXT_HEADINGS: Readonly<Partial<Record<number, (cs: ConfigSpace, at: number) => Heading>>> = {
  [PCI_EXT_CAP_ID.DSN]: (cs, at) => {
    const d = decodeDsn(cs, at);
    if (d.serial === undefined) return open("");
    return line(`Device Serial Number ${d.serial.match(/../g)!.join("-")}`);
  },
  [PCI_EXT_CAP_ID.VNDR]: (cs, at) => {
    const v = decodeExtVendor(cs, at);
    if (v.vsecId === undefined) return line("Vendor Specific Information: <unreadable>");
    return line(
      `Vendor Specific Information: ID=${hx(v.vsecId, 4)} Rev=${v.vsecRev} Len=${hx(v.vsecLength ?? 0, 3)} <?>`,
    );
  },
  [PCI_EXT_CAP_ID.DVSEC]: (cs, at) => {
    const d = decodeDvsec(cs, at);
    if (d.vendor === undefined) return line("Designated Vendor-Specific: <unreadable>");
    const head = `Designated Vendor-Specific: Vendor=${hx(d.vendor, 4)} ID=${hx(d.dvsecId ?? 0, 4)} Rev=${d.revision} Len=${d.length}`;
    return line(d.cxl ? `${head}: CXL` : `${head} <?>`);
  },
};

function extHeading(cs: ConfigSpace, id: number, at: number): Heading {
  const fn = EXT_HEADINGS[id];
  return fn ? fn(cs, at) : line(EXT_CAP_NAMES[id]?.heading ?? unknownExtHeading(id));
}
