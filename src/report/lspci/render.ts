/**
 * `tphlab lspci` text output. Input is a plain list of functions (slot, optional description,
 * config space), so dumps, sysfs and the kernel model's live devices all render the same way.
 *
 * Tiers, as lspci's: verbosity 0 prints device lines; 1 (-v) adds the verbose header (`Subsystem:`,
 * `Flags:`, regions, ROM, bridge windows, lspci's `!!!` remarks), every capability heading and
 * the kernel driver; 2 (-vv) and 3 (-vvv) give `Control:`/`Status:`/`Latency:`/`Interrupt:`
 * instead of `Flags:`, capability versions in headings and the bodies tphlab decodes (see
 * UNDECODED in bodies.ts for the rest). `hex` appends lspci's -x/-xxx/-xxxx dump.
 * Byte-identical to lspci 3.9.0 for all of those lines; tphlab's own additions are on lines lspci
 * never prints, and chain problems lspci passes over silently get a `\t!!! ` line (from -v on).
 */
import {
  type CapabilityWalk,
  type ChainProblem,
  capabilityLimit,
  walkCapabilities,
} from "../../pcie/capabilities.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { formatSlot, type PciSlot } from "../../pcie/dump.js";
import type { NameMode, PciIds } from "../../pcie/pci-ids.js";
import { capBody } from "./bodies.js";
import { deviceLine, headerInfo, verboseHeaderLines } from "./device.js";
import { hx } from "./format.js";
import { verboseHeaderBody } from "./header.js";
import { capHeading, headingPrefix } from "./headings.js";
import { type HostInfo, hasMemoryBar, libpciFill } from "./host.js";

/** One function to show. */
export interface LspciDevice {
  readonly slot: PciSlot;
  /** What the source said about it (e.g. the dump's description); not used for names. */
  readonly description?: string;
  readonly config: ConfigSpace;
  /** The kernel's view (sysfs); absent for dumps. */
  readonly host?: HostInfo;
}

export interface LspciOptions {
  readonly verbosity: 0 | 1 | 2 | 3;
  /** The PCI ID database; absent: numeric names, as lspci prints them without one. */
  readonly names?: PciIds | undefined;
  /** Print domains (lspci does when any function it scanned has a non-zero domain). */
  readonly showDomains?: boolean;
  /** -n (1) or -nn (2). */
  readonly numeric?: NameMode;
  /** The number of -x given (0-4): 1-2 the first 64 bytes, 3 256, 4 4096. */
  readonly hex?: number;
}

/** lspci's order: domain, bus, device, function. */
export function sortDevices<T extends { readonly slot: PciSlot }>(devices: readonly T[]): T[] {
  const key = (s: PciSlot) => [s.domain, s.bus, s.device, s.function];
  return [...devices].sort((a, b) => {
    const ka = key(a.slot);
    const kb = key(b.slot);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}

/** Render devices as lspci does (see the module comment for what is shown at each verbosity). */
export function renderLspci(devices: readonly LspciDevice[], opts: LspciOptions): string {
  const showDomains = opts.showDomains ?? devices.some((d) => d.slot.domain !== 0);
  return sortDevices(devices)
    .map((d) => renderDevice(d, opts, showDomains))
    .join("");
}

function renderDevice(dev: LspciDevice, opts: LspciOptions, showDomains: boolean): string {
  const cs = dev.config;
  if (!cs.has(0, 64))
    return `${formatSlot(dev.slot, showDomains)} <only ${cs.length} bytes of config space>\n`;
  const h = headerInfo(cs);
  const v = opts.verbosity;
  const mode = opts.numeric ?? 0;
  let out = `${deviceLine(dev.slot, h, opts.names, v, showDomains, mode)}\n`;
  let endedOpen = false;
  if (v > 0) {
    const body = verboseBody(dev, opts);
    out += body.text;
    endedOpen = body.endedOpenLine;
  }
  if (opts.hex) out += hexDump(cs, h.layout, opts.hex);
  // The blank line after a device; lspci's went to end an open heading if we ended it already.
  return (v > 0 && !(endedOpen && !opts.hex)) || (v === 0 && opts.hex) ? `${out}\n` : out;
}

/** Everything lspci -v.. prints after the device line, without the final blank line. */
function verboseBody(dev: LspciDevice, opts: LspciOptions): { text: string; endedOpenLine: boolean } {
  const cs = dev.config;
  const h = headerInfo(cs);
  const v = opts.verbosity;
  const lines = [...verboseHeaderLines(h, opts.names, opts.numeric ?? 0)];
  lines.push(...verboseHeaderBody(cs, libpciFill(cs, dev.host), dev.host, v));
  let caps = "";
  let endedOpenLine = false;
  // lspci.c show_htype2: a CardBus bridge whose second 64 bytes are missing shows no capabilities.
  if (h.layout === 2 && !cs.has(64, 64)) lines.push("\t<access denied to the rest>");
  else {
    const exca = h.layout === 2 ? cs.read16(0x44) : 0;
    if (exca) lines.push(`\t16-bit legacy interface ports at ${hx(exca, 4)}`);
    if (h.layout <= 2) {
      // An open heading left by lspci is ended by whatever lspci prints next, as in lspci.
      const c = capabilityOutput(cs, walkCapabilities(cs), opts, dev.host);
      caps = c.text;
      endedOpenLine = c.endedOpenLine;
    }
  }
  const tail = kernelLines(dev);
  if (tail.length > 0) endedOpenLine = false;
  // lspci prints the sysfs label without a newline (show_terse), so the next line continues it.
  const label = dev.host?.label === undefined ? "" : `\tDeviceName: ${dev.host.label}`;
  const text = `${label}${lines.map((l) => `${l}\n`).join("")}${caps}${tail.map((l) => `${l}\n`).join("")}`;
  return { text, endedOpenLine };
}

/** ls-kernel.c show_kernel: the driver bound now and the modules that could drive the device. */
function kernelLines(dev: LspciDevice): string[] {
  const out: string[] = [];
  if (dev.host?.driver !== undefined) out.push(`\tKernel driver in use: ${dev.host.driver}`);
  const mods = dev.host?.modules ?? [];
  if (mods.length > 0) out.push(`\tKernel modules: ${mods.join(", ")}`);
  return out;
}

/** lspci.c show_hex_dump: 64 bytes (128 for a CardBus bridge), 256 with -xxx, 4096 with -xxxx. */
function hexDump(cs: ConfigSpace, layout: number, level: number): string {
  let cnt = layout === 2 && cs.has(64, 64) ? 128 : 64;
  if (level >= 3 && cs.has(0, 256)) {
    cnt = 256;
    if (level >= 4 && cs.has(0, 4096)) cnt = 4096;
  }
  let out = "";
  for (let i = 0; i < cnt; i += 16) {
    const row = [];
    for (let j = i; j < i + 16; j++) row.push(hx(cs.read8(j), 2));
    out += `${hx(i, 2)}: ${row.join(" ")}\n`;
  }
  return out;
}

/** Headings (and bodies at -vv) in walk order, with chain problems where they occurred. */
export function renderCapabilities(cs: ConfigSpace, walk: CapabilityWalk, opts: LspciOptions): string {
  return capabilityOutput(cs, walk, opts).text;
}

function capabilityOutput(
  cs: ConfigSpace,
  walk: CapabilityWalk,
  opts: LspciOptions,
  host?: HostInfo,
): Output {
  const memBar = hasMemoryBar(libpciFill(cs, host));
  const ctx = { verbosity: opts.verbosity, names: opts.names, numeric: opts.numeric ?? 0 };
  const out = new Output();
  walk.entries.forEach((entry, i) => {
    for (const p of walk.problems) if (p.at === i) out.problem(p, opts.verbosity);
    const heading = capHeading(cs, entry, ctx);
    out.lspci(headingPrefix(entry, opts.verbosity) + heading.text, heading.terminated);
    if (opts.verbosity >= 2)
      for (const l of capBody(cs, entry, memBar, capabilityLimit(walk, entry))) out.lspci(l, true);
  });
  for (const p of walk.problems) if (p.at === walk.entries.length) out.problem(p, opts.verbosity);
  return out;
}

/**
 * Text being built. lspci leaves a few headings without a newline (the next output continues the
 * line); tphlab's own lines must not be glued onto one, so they first end the open line.
 */
class Output {
  text = "";
  /** The last lspci line was left open by lspci. */
  private open = false;
  /** We ended such an open line (lspci ends it with the blank line after the device). */
  endedOpenLine = false;
  lspci(text: string, terminated: boolean): void {
    this.text += text + (terminated ? "\n" : "");
    this.open = !terminated;
    this.endedOpenLine = false;
  }
  problem(p: ChainProblem, verbosity: number): void {
    const own = problemText(p, verbosity);
    if (own === "") return;
    const ours = own.startsWith("\t!!! ");
    if (ours && this.open) {
      this.text += "\n";
      this.endedOpenLine = true;
    } else if (!ours) {
      this.endedOpenLine = false;
    }
    this.text += own;
    this.open = false;
  }
}

/** lspci's own chain messages where it prints one; tphlab's `!!!` line where lspci is silent. */
function problemText(p: ChainProblem, verbosity: number): string {
  switch (p.kind) {
    case "access-denied":
      return "\tCapabilities: <access denied>\n";
    case "loop": {
      const where = { kind: p.list, offset: p.offset };
      const prefix = headingPrefix(
        p.header === undefined ? where : { ...where, version: (p.header >>> 16) & 0xf },
        verbosity,
      );
      return `${prefix}<chain looped>\n`;
    }
    case "broken":
      if (p.list === "std") return `\tCapabilities: [${hx(p.offset, 2)}] <chain broken>\n`;
      return `\t!!! ${p.message}\n`;
    case "unknown-header-type":
      return ""; // lspci's own `!!! Unknown header type` line is printed with the header remarks
    default:
      return `\t!!! ${p.message}\n`;
  }
}
