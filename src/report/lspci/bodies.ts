/**
 * Capability bodies (shown from -vv on): the lines lspci 3.9.0 prints for the TPH Requester,
 * Access Control Services (./acs.ts), the Device Capabilities 2 part of the PCI Express capability, MSI-X and VirtIO vendor
 * capabilities, followed by what tphlab adds on lines lspci never prints (so a diff against
 * lspci shows only additions): the TPH No ST bit, table size, control register, ST entries,
 * reserved encodings and bits, and the TPH Completer field where lspci omits it.
 */
import type { CapEntry } from "../../pcie/capabilities.js";
import { PCI_CAP_ID, PCI_EXT_CAP_ID } from "../../pcie/capability-ids.js";
import { type DevCap2, decodeExpress, SLOT_TYPES } from "../../pcie/caps/express.js";
import { decodeMsix } from "../../pcie/caps/msix.js";
import { decodeTph, type TphCapabilityRegister, type TphControlRegister } from "../../pcie/caps/tph.js";
import { decodeVendor } from "../../pcie/caps/vendor.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { EXP } from "../../pcie/registers.js";
import { acsBody } from "./acs.js";
import { bin, hx, pm } from "./format.js";

const T = EXP.FLAGS.fields.TYPE.values;

/**
 * Body lines (each without its newline) for a capability at -vv and above. `limit`: where the
 * next capability begins (capabilityLimit), for bodies whose length the device declares.
 */
export function capBody(cs: ConfigSpace, entry: CapEntry, hasMemBar = false, limit?: number): string[] {
  if (entry.kind === "ext") {
    if (entry.id === PCI_EXT_CAP_ID.TPH) return tphBody(cs, entry.offset);
    return entry.id === PCI_EXT_CAP_ID.ACS ? acsBody(cs, entry.offset, limit) : [];
  }
  switch (entry.id) {
    case PCI_CAP_ID.EXP:
      return expressBody(cs, entry.offset, hasMemBar);
    case PCI_CAP_ID.MSIX:
      return msixBody(cs, entry.offset);
    case PCI_CAP_ID.VNDR:
      return virtioBody(cs, entry.offset);
    default:
      return [];
  }
}

const ST_LOCATION_TEXT = [
  "No steering table available",
  "Steering table in TPH capability structure",
  "Steering table in MSI-X table",
  "Reserved steering table location",
];

/** ls-ecaps.c cap_tph, then tphlab's additions. */
export function tphBody(cs: ConfigSpace, at: number): string[] {
  const t = decodeTph(cs, at);
  if (!t.capability) return [];
  const c = t.capability;
  const out: string[] = [];
  if (c.interruptVectorMode) out.push("\t\tInterrupt vector mode supported");
  if (c.deviceSpecificMode) out.push("\t\tDevice specific mode supported");
  if (c.extendedRequester) out.push("\t\tExtended requester support");
  out.push(`\t\t${ST_LOCATION_TEXT[c.stTableLocation]}`);
  out.push(...tphCapAdditions(c));
  out.push(...(t.control ? tphControlLines(t.control) : ["\t\tControl: <not in the bytes read>"]));
  if (t.stTable) {
    t.stTable.forEach((st, i) => {
      out.push(`\t\tST[${i}]: 0x${hx(st, 4)}`);
    });
    if (t.stTableMissing) {
      out.push(`\t\tST table truncated: ${t.stTable.length} of ${c.stTableSize} entries in the bytes read`);
    }
  }
  return out;
}

function tphCapAdditions(c: TphCapabilityRegister): string[] {
  const out = [
    c.noStMode
      ? "\t\tNo ST mode supported"
      : "\t\tNo ST mode not advertised (the specification requires No ST Mode Supported = 1)",
    `\t\tST table size: ${c.stTableSize} ${c.stTableSize === 1 ? "entry" : "entries"}`,
  ];
  if (c.stTableLocationName === "msix")
    out.push("\t\tST entries: in MSI-X Vector Control words (BAR memory, not config space)");
  if (c.reservedBits !== 0)
    out.push(`\t\tTPH capability register: reserved bits set: ${hx(c.reservedBits, 8)}`);
  return out;
}

const MODE_TEXT: Readonly<Record<string, string>> = {
  "no-st": "no-st",
  "interrupt-vector": "interrupt-vector",
  "device-specific": "device-specific",
};
const REQ_TEXT: Readonly<Record<string, string>> = {
  disabled: "disabled",
  "tph-only": "tph-only",
  "tph-and-extended": "tph+extended-tph",
};

function tphControlLines(k: TphControlRegister): string[] {
  const mode = MODE_TEXT[k.mode] ?? `reserved(${bin(k.modeSelect, 3)})`;
  const req = REQ_TEXT[k.requester] ?? `reserved(${bin(k.requesterEnable, 2)})`;
  const out = [`\t\tControl: mode=${mode} requester=${req}`];
  if (k.mode === "reserved")
    out.push(`\t\tControl: ST Mode Select ${bin(k.modeSelect, 3)} is a reserved encoding`);
  if (k.requester === "reserved") out.push("\t\tControl: TPH Requester Enable 10b is a reserved encoding");
  if (k.reservedBits !== 0) out.push(`\t\tTPH control register: reserved bits set: ${hx(k.reservedBits, 8)}`);
  return out;
}

/**
 * The Device Capabilities 2 lines of ls-caps.c cap_express_dev2, printed when lspci prints them:
 * capability version >= 2 and the registers lspci fetches present.
 */
export function expressBody(cs: ConfigSpace, at: number, hasMemBar = false): string[] {
  const e = decodeExpress(cs, at);
  const slot = SLOT_TYPES.includes(e.type) && e.slotImplemented;
  const size1 = e.type === T.ROOT_PORT || e.type === T.RC_EC ? 32 : slot ? 24 : 16;
  if (!cs.has(at + 4, size1) || e.version < 2 || !e.devCap2) return [];
  if (!cs.has(at + EXP.DEVCAP2.offset, slot ? 24 : 16)) return [];
  return [...devCap2Lines(e.devCap2, e.type, hasMemBar), ...tphCompleterAddition(e.devCap2, e.type)];
}

const TIMEOUT_RANGES: Readonly<Record<number, string>> = {
  0: "Not Supported",
  1: "Range A",
  2: "Range B",
  3: "Range AB",
  6: "Range BC",
  7: "Range ABC",
  14: "Range BCD",
  15: "Range ABCD",
};
const OBFF = ["Not Supported", "Via message", "Via WAKE#", "Via message/WAKE#"];
const EPR = ["Not Supported", "Dev Specific", "Form Factor Dev Specific", "Reserved"];
const LN_CLS = ["Not Supported", "64byte cachelines", "128byte cachelines", "Reserved"];
/** lspci's TPHComp text by DevCap2 bits 13:12; the reserved value prints nothing. */
const TPH_COMP = ["TPHComp- ExtTPHComp-", "TPHComp+ ExtTPHComp-", "", "TPHComp+ ExtTPHComp+"];

/**
 * `hasMemBar`: the function has a memory BAR (lspci's device_has_memory_space_bar), which makes
 * an Endpoint's AtomicOp completer bits worth printing.
 */
export function devCap2Lines(d: DevCap2, type: number, hasMemBar = false): string[] {
  const mee = d.endEndTlpPrefix ? `, MaxEETLPPrefixes ${d.maxEndEndTlpPrefixes || 4}` : "";
  let frs = `\t\t\t FRS${pm(d.frs)}`;
  if (type === T.ROOT_PORT) frs += ` LN System CLS ${LN_CLS[d.lnSystemCls]},`;
  if (type === T.ROOT_PORT || type === T.ENDPOINT) frs += ` ${TPH_COMP[d.tphCompleter]}`;
  if (type === T.ROOT_PORT || type === T.DOWNSTREAM) frs += ` ARIFwd${pm(d.ariForwarding)}`;
  return [
    `\t\tDevCap2: Completion Timeout: ${TIMEOUT_RANGES[d.completionTimeoutRanges] ?? "Unknown"}, TimeoutDis${pm(d.completionTimeoutDisable)} NROPrPrP${pm(d.noRoPrPrPassing)} LTR${pm(d.ltr)}`,
    `\t\t\t 10BitTagComp${pm(d.tag10Completer)} 10BitTagReq${pm(d.tag10Requester)} OBFF ${OBFF[d.obff]}, ExtFmt${pm(d.extendedFmt)} EETLPPrefix${pm(d.endEndTlpPrefix)}${mee}`,
    `\t\t\t EmergencyPowerReduction ${EPR[d.emergencyPowerReduction]}, EmergencyPowerReductionInit${pm(d.emergencyPowerReductionInit)}`,
    frs,
    ...atomicOpsCapLine(d, type, hasMemBar),
  ];
}

function atomicOpsCapLine(d: DevCap2, type: number, hasMemBar: boolean): string[] {
  const switchPort = type === T.ROOT_PORT || type === T.UPSTREAM || type === T.DOWNSTREAM;
  if (!switchPort && !hasMemBar) return [];
  let s = "\t\t\t AtomicOpsCap:";
  if (switchPort) s += ` Routing${pm(d.atomicOpRouting)}`;
  if (type === T.ROOT_PORT || hasMemBar)
    s += ` 32bit${pm(d.atomicOp32Completer)} 64bit${pm(d.atomicOp64Completer)} 128bitCAS${pm(d.cas128Completer)}`;
  return [s];
}

const TPH_COMPLETER_TEXT = ["not supported", "TPH only", "reserved encoding", "TPH and Extended TPH"];

/** lspci shows TPHComp only for Root Ports and Endpoints, and nothing for the reserved value. */
function tphCompleterAddition(d: DevCap2, type: number): string[] {
  const shown = (type === T.ROOT_PORT || type === T.ENDPOINT) && d.tphCompleter !== 2;
  if (shown) return [];
  return [
    `\t\tTPH Completer: ${TPH_COMPLETER_TEXT[d.tphCompleter]} (DevCap2[13:12] = ${bin(d.tphCompleter, 2)})`,
  ];
}

/** ls-caps.c cap_msix body: where the vector table and PBA live. */
export function msixBody(cs: ConfigSpace, at: number): string[] {
  if (!cs.has(at + 4, 8)) return [];
  const m = decodeMsix(cs, at);
  if (!m.table || !m.pba) return [];
  return [
    `\t\tVector table: BAR=${m.table.bir} offset=${hx(m.table.offset, 8)}`,
    `\t\tPBA: BAR=${m.pba.bir} offset=${hx(m.pba.offset, 8)}`,
  ];
}

/** ls-caps-vendor.c show_vendor_caps_virtio body. */
export function virtioBody(cs: ConfigSpace, at: number): string[] {
  const v = decodeVendor(cs, at).virtio;
  if (!v) return [];
  const mult = v.multiplier === undefined ? "" : ` multiplier=${hx(v.multiplier, 8)}`;
  return [`\t\tBAR=${v.bar} offset=${hx(v.offset, 8)} size=${hx(v.length, 8)}${mult}`];
}

/**
 * The capability bodies tphlab prints as lspci does, by lspci heading (the text after
 * `Capabilities: [OFF] `). `blocks` names the register blocks printed (a block is a `\t\tName:`
 * line and its deeper continuation lines); "all" means the whole body. The body of every other
 * capability is not decoded: tphlab prints its heading only. This table is the one list of what
 * is not decoded; the README's "Not decoded" section and the two-way lspci tests read it.
 */
export const DECODED_BODIES: readonly {
  readonly capability: string;
  readonly heading: RegExp;
  readonly blocks: "all" | readonly string[];
}[] = [
  { capability: "Transaction Processing Hints", heading: /^Transaction Processing Hints$/, blocks: "all" },
  { capability: "Access Control Services", heading: /^Access Control Services$/, blocks: "all" },
  { capability: "PCI Express (Device Capabilities 2 only)", heading: /^Express /, blocks: ["DevCap2"] },
  { capability: "MSI-X", heading: /^MSI-X: /, blocks: "all" },
  { capability: "VirtIO vendor-specific", heading: /^Vendor Specific Information: VirtIO: /, blocks: "all" },
];

/** What of a capability's lspci body tphlab prints: "all", the named blocks, or nothing. */
export function decodedBlocks(heading: string): "all" | readonly string[] {
  return DECODED_BODIES.find((d) => d.heading.test(heading))?.blocks ?? [];
}
