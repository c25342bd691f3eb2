/**
 * `tphlab lspci`: config space as lspci 3.9.0 shows it, plus the TPH details lspci omits.
 * Input: an `lspci -x/-xxx/-xxxx` text dump or a raw binary config space (-F, auto-detected),
 * or the live system through sysfs. Names come from pci.ids (-i, or the usual paths).
 */

import { InputError, inputError } from "../../base/errors.js";
import { shownPath } from "../../base/input-file.js";
import {
  type DumpDevice,
  looksLikeText,
  MIN_CONFIG_BYTES,
  type PciSlot,
  parseBinaryConfig,
  parseLspciDump,
} from "../../pcie/dump.js";
import { type NameMode, type PciIds, parsePciIds } from "../../pcie/pci-ids.js";
import type { HostInfo } from "../../report/lspci/host.js";
import { lspciJson } from "../../report/lspci/json.js";
import { renderLspci } from "../../report/lspci/render.js";
import { renderTree } from "../../report/lspci/tree.js";
import { loadScenario } from "../../scenario/load.js";
import { scenarioFunctions } from "../../scenario/machine-config.js";
import type { Command } from "../command.js";
import type { Io } from "../io.js";
import { resolveScenarioPath } from "../package.js";
import type { OptionSpec } from "../spec.js";
import { modulesFor, readHostInfo, readModuleAliases, readSlots, slotKey } from "./lspci-host.js";

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "file",
    short: "F",
    value: "FILE",
    help: "read an lspci -x/-xxx/-xxxx text dump or a raw binary config space\n(default: the live system, /sys/bus/pci/devices/*/config)",
    complete: "file",
  },
  {
    name: "scenario",
    value: "FILE|EXAMPLE",
    help: "the machine a scenario describes, booted by the kernel model (drivers bound, before\nany flow): its Root Ports, switch ports (with their ACS), NICs and accelerators",
    complete: "file",
  },
  {
    name: "slot",
    short: "s",
    value: "SLOT",
    help: "show only matching functions ([[[DDDD]:]BB]:][DD][.[F]], parts may be empty or *)",
  },
  {
    name: "verbose",
    short: "v",
    repeat: true,
    help: "-v the verbose header and capability headings; -vv adds Control/Status, versions\nand the decoded capability bodies (TPH, ACS, DevCap2, MSI-X, VirtIO)",
  },
  { name: "numeric", short: "n", repeat: true, help: "numeric IDs instead of names (-n), or both (-nn)" },
  {
    name: "hex",
    short: "x",
    repeat: true,
    help: "hex dump of the first 64 (-x), 256 (-xxx) or 4096 (-xxxx) bytes",
  },
  { name: "tree", short: "t", help: "the bus tree, as lspci -t draws it" },
  { name: "domains", short: "D", help: "always show PCI domain numbers" },
  {
    name: "ids",
    short: "i",
    value: "PCI_IDS",
    help: "the PCI ID database (default: /usr/share/misc/pci.ids, /usr/share/hwdata/pci.ids,\n/usr/share/pci.ids; none found: numeric names, as lspci prints them)",
    complete: "file",
  },
];

export const SYSFS_PCI_DEVICES = "/sys/bus/pci/devices";
export const DEFAULT_PCI_IDS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"];

/** A `-s` filter; undefined fields match anything. */
export interface SlotFilter {
  readonly domain?: number;
  readonly bus?: number;
  readonly device?: number;
  readonly function?: number;
}

/** Parse lspci's `-s [[[[DDDD]:]BB]:][DD][.[F]]` (pciutils lib/filter.c). */
export function parseSlotFilter(text: string): SlotFilter {
  const bad = (what: string) => inputError("-s", `${what} in '${text}'`, "slot");
  const parts = text.split(":");
  if (parts.length > 3) throw bad("too many ':'");
  const [slotPart, busPart, domPart] = [...parts].reverse() as [string, string?, string?];
  const dot = slotPart.split(".");
  if (dot.length > 2) throw bad("too many '.'");
  const field = (s: string | undefined, max: number, what: string): number | undefined => {
    if (s === undefined || s === "" || s === "*") return undefined;
    if (!/^[0-9a-fA-F]+$/.test(s)) throw bad(`invalid ${what} '${s}'`);
    const n = Number.parseInt(s, 16);
    if (n > max) throw bad(`${what} ${s} out of range`);
    return n;
  };
  const f: { -readonly [K in keyof SlotFilter]: SlotFilter[K] } = {};
  const domain = field(domPart, 0x7fffffff, "domain");
  const bus = field(busPart, 0xff, "bus");
  const device = field(dot[0], 0x1f, "device");
  const fn = field(dot[1], 7, "function");
  if (domain !== undefined) f.domain = domain;
  if (bus !== undefined) f.bus = bus;
  if (device !== undefined) f.device = device;
  if (fn !== undefined) f.function = fn;
  return f;
}

export function slotMatches(f: SlotFilter, s: PciSlot): boolean {
  return (
    (f.domain === undefined || f.domain === s.domain) &&
    (f.bus === undefined || f.bus === s.bus) &&
    (f.device === undefined || f.device === s.device) &&
    (f.function === undefined || f.function === s.function)
  );
}

const SYSFS_NAME = /^([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/** The slot a sysfs device directory name (or a path ending in `NAME/config`) stands for. */
export function slotFromSysfsName(name: string): PciSlot | undefined {
  const m = SYSFS_NAME.exec(name);
  if (!m) return undefined;
  const n = (i: number) => Number.parseInt(m[i]!, 16);
  return { domain: n(1), bus: n(2), device: n(3), function: n(4) };
}

function errnoText(e: unknown): string {
  // readInputFile's own wording ("cannot read: ENOENT") in this command's style.
  if (e instanceof InputError)
    return e.issues.map((i) => i.message.replace(/^cannot read: ([A-Z]+)$/, "cannot read ($1)")).join("; ");
  const err = e as NodeJS.ErrnoException;
  return err.code ? `cannot read (${err.code})` : `cannot read (${String(err.message ?? e)})`;
}

/** Read -F FILE: a text dump or raw binary config space. */
export function readConfigFile(io: Io, path: string): DumpDevice[] {
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (e) {
    throw inputError(shownPath(path), errnoText(e), "io");
  }
  if (looksLikeText(bytes)) return parseLspciDump(new TextDecoder().decode(bytes), path);
  const dirName = path.split("/").slice(-2, -1)[0] ?? "";
  const slot = slotFromSysfsName(dirName) ?? { domain: 0, bus: 0, device: 0, function: 0 };
  return [parseBinaryConfig(bytes, slot, path)];
}

/** Read every function's config space from sysfs; unreadable ones are reported on stderr. */
export function readSysfs(
  io: Io,
  root = SYSFS_PCI_DEVICES,
): { devices: (DumpDevice & { host: HostInfo })[]; errors: number } {
  let names: string[];
  try {
    names = io.readDir(root);
  } catch (e) {
    throw inputError(root, `${errnoText(e)}: no PCI devices to show (use -F FILE)`, "io");
  }
  const devices: (DumpDevice & { host: HostInfo })[] = [];
  const slots = readSlots(io, `${root}/../slots`);
  const aliases = readModuleAliases(io);
  let errors = 0;
  for (const name of [...names].sort()) {
    const slot = slotFromSysfsName(name);
    if (!slot) continue;
    const path = `${root}/${name}/config`;
    let bytes: Uint8Array;
    try {
      bytes = io.readFile(path, 4096);
    } catch (e) {
      io.stderr(`tphlab lspci: ${shownPath(path)}: ${errnoText(e)}\n`);
      errors++;
      continue;
    }
    if (bytes.length < MIN_CONFIG_BYTES) {
      io.stderr(`tphlab lspci: ${path}: only ${bytes.length} bytes of config space (64 needed)\n`);
      errors++;
      continue;
    }
    const info = readHostInfo(io, `${root}/${name}`, slots.get(slotKey(slot)));
    const parent = parentSlot(io, `${root}/${name}`);
    const modules = modulesFor(io, `${root}/${name}`, aliases);
    const host = { ...info, ...(parent ? { parent } : {}), ...(modules.length > 0 ? { modules } : {}) };
    devices.push({ ...parseBinaryConfig(bytes, slot, path), host });
  }
  return { devices, errors };
}

/** The PCI function above `dir` in sysfs' device tree (its link target's parent directory). */
function parentSlot(io: Io, dir: string): PciSlot | undefined {
  let target: string;
  try {
    target = io.readLink(dir);
  } catch {
    return undefined;
  }
  const parts = target.split("/");
  return slotFromSysfsName(parts[parts.length - 2] ?? "");
}

/** Load pci.ids: -i FILE, else the first default path that exists; unreadable means no names. */
export function loadPciIds(io: Io, path: string | undefined): PciIds | undefined {
  for (const p of path === undefined ? DEFAULT_PCI_IDS : [path]) {
    let bytes: Uint8Array;
    try {
      bytes = io.readFile(p);
    } catch (e) {
      // A missing database means numeric names (as lspci); a device node or a huge file is refused.
      if (e instanceof InputError && e.issues.some((i) => i.code !== "read")) throw e;
      continue;
    }
    return parsePciIds(new TextDecoder().decode(bytes), p);
  }
  return undefined;
}

/** The functions of a scenario's machine, booted by the kernel model, with their bound drivers. */
function modelledDevices(io: Io, given: string): (DumpDevice & { host: HostInfo })[] {
  const s = loadScenario(resolveScenarioPath(io, given), io.readFile);
  return scenarioFunctions(s).map((f) => ({
    slot: slotFromSysfsName(f.bdf)!,
    config: f.config,
    line: 0,
    host: f.driver === undefined ? {} : { driver: f.driver },
  }));
}

const shownSet = (shown: readonly DumpDevice[]) => new Set(shown.map((d) => d.slot));

export const lspciCommand: Command = {
  name: "lspci",
  summary: "show config space like lspci, with every TPH field decoded",
  synopsis: [
    "[-F FILE | --scenario FILE|EXAMPLE] [-s [[DDDD:]BB:]DD.F] [-v|-vv|-vvv] [-n|-nn] [-x|-xxx|-xxxx] [-t] [-D] [--json] [-i PCI_IDS]",
  ],
  options: OPTIONS,
  notes: "--json: structured output, every decoded field, offsets as numbers.",
  run(flags, io): number {
    const slot = flags.string("slot");
    const filter = slot === undefined ? undefined : parseSlotFilter(slot);
    const file = flags.string("file");
    const scenario = flags.string("scenario");
    if (file !== undefined && scenario !== undefined)
      throw inputError("--scenario", "give either -F FILE or --scenario, not both", "usage");
    const source =
      scenario !== undefined
        ? { devices: modelledDevices(io, scenario), errors: 0 }
        : file === undefined
          ? readSysfs(io)
          : { devices: readConfigFile(io, file), errors: 0 };
    const showDomains = flags.bool("domains") || source.devices.some((d) => d.slot.domain !== 0);
    const shown = filter ? source.devices.filter((d) => slotMatches(filter, d.slot)) : source.devices;
    if (filter && shown.length === 0) {
      throw inputError(file ?? scenario ?? SYSFS_PCI_DEVICES, `no device matches -s ${slot}`, "slot");
    }
    const names = loadPciIds(io, flags.string("ids"));
    const verbosity = Math.min(flags.count("verbose"), 3) as 0 | 1 | 2 | 3;
    const numeric = Math.min(flags.count("numeric"), 2) as NameMode;
    const hex = flags.count("hex");
    if (flags.bool("tree")) {
      io.stdout(renderTree(source.devices, { names, numeric, verbosity, filter: filter && shownSet(shown) }));
    } else if (flags.bool("json")) {
      io.stdout(`${JSON.stringify(lspciJson(shown, { names, showDomains }), null, 2)}\n`);
    } else {
      io.stdout(renderLspci(shown, { verbosity, names, showDomains, numeric, hex }));
    }
    // lspci exits 2 when it could not read some device.
    return source.errors > 0 ? 2 : 0;
  },
};
