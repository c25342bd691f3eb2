/**
 * `tphlab lspci --json`: the same facts as the text output, structured. Offsets and register
 * values are numbers; every capability carries lspci's heading (as at -vv) and, where tphlab has
 * a decoder, every decoded field (for TPH: `capability`, `control`, `stTable` as numbers);
 * chain problems are listed per device.
 */
import {
  type CapEntry,
  type ChainProblem,
  capabilityLimit,
  walkCapabilities,
} from "../../pcie/capabilities.js";
import { extCapName, stdCapName } from "../../pcie/capability-ids.js";
import { decodeCapability } from "../../pcie/caps/index.js";
import type { DecodedCap } from "../../pcie/caps/types.js";
import { formatSlot } from "../../pcie/dump.js";
import { className, type PciIds, subsystemName, vendorDeviceName } from "../../pcie/pci-ids.js";
import { headerInfo } from "./device.js";
import { capHeading } from "./headings.js";
import { type LspciDevice, sortDevices } from "./render.js";

export interface CapabilityJson {
  readonly kind: CapEntry["kind"];
  readonly id: number;
  readonly version?: number;
  readonly offset: number;
  readonly name: string;
  /** lspci's heading text after `Capabilities: [OFF vN] ` (as with -vv). */
  readonly heading: string;
  readonly decoded?: DecodedCap;
}

export interface DeviceJson {
  readonly slot: string;
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
  readonly description?: string;
  readonly configLength: number;
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision: number;
  readonly classCode: number;
  readonly progIf: number;
  readonly headerType: number;
  /** lspci's device line after the slot: `Class: Vendor Device`. */
  readonly name?: string;
  readonly subsystem?: { readonly vendorId: number; readonly deviceId: number; readonly name: string };
  readonly capabilities: readonly CapabilityJson[];
  readonly problems: readonly Omit<ChainProblem, "at">[];
}

export interface LspciJson {
  readonly devices: readonly DeviceJson[];
}

export interface LspciJsonOptions {
  readonly names?: PciIds | undefined;
  readonly showDomains?: boolean;
}

/** Build the JSON document for `devices` (sorted as lspci sorts them). */
export function lspciJson(devices: readonly LspciDevice[], opts: LspciJsonOptions = {}): LspciJson {
  const showDomains = opts.showDomains ?? devices.some((d) => d.slot.domain !== 0);
  return { devices: sortDevices(devices).map((d) => deviceJson(d, opts.names, showDomains)) };
}

function deviceJson(dev: LspciDevice, names: PciIds | undefined, showDomains: boolean): DeviceJson {
  const cs = dev.config;
  const s = dev.slot;
  const where = {
    slot: formatSlot(s, showDomains),
    domain: s.domain,
    bus: s.bus,
    device: s.device,
    function: s.function,
  };
  const desc = dev.description === undefined ? {} : { description: dev.description };
  if (!cs.has(0, 64)) {
    const zero = { vendorId: 0, deviceId: 0, revision: 0, classCode: 0, progIf: 0, headerType: 0 };
    const problem = {
      kind: "access-denied",
      list: "std",
      offset: 0,
      message: `only ${cs.length} bytes of config space`,
    } as const;
    return { ...where, ...desc, configLength: cs.length, ...zero, capabilities: [], problems: [problem] };
  }
  const h = headerInfo(cs);
  const walk = walkCapabilities(cs);
  const ctx = { verbosity: 2, names };
  const sub = h.subsystem;
  return {
    ...where,
    ...desc,
    configLength: cs.length,
    vendorId: h.vendorId,
    deviceId: h.deviceId,
    revision: h.revision,
    classCode: h.classCode,
    progIf: h.progIf,
    headerType: h.layout,
    name: `${className(names, h.classCode)}: ${vendorDeviceName(names, h.vendorId, h.deviceId)}`,
    ...(sub && sub.vendorId !== 0 && sub.vendorId !== 0xffff
      ? {
          subsystem: {
            ...sub,
            name: subsystemName(names, h.vendorId, h.deviceId, sub.vendorId, sub.deviceId),
          },
        }
      : {}),
    capabilities: walk.entries.map((e) => {
      const decoded = decodeCapability(cs, e, capabilityLimit(walk, e));
      return {
        kind: e.kind,
        id: e.id,
        ...(e.version === undefined ? {} : { version: e.version }),
        offset: e.offset,
        name: e.kind === "std" ? stdCapName(e.id) : extCapName(e.id),
        heading: capHeading(cs, e, ctx).text,
        ...(decoded ? { decoded } : {}),
      };
    }),
    problems: walk.problems.map(({ at: _at, ...p }) => p),
  };
}
