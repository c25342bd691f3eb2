/**
 * `tphlab lspci` text output. Input is a plain list of functions (slot, optional description,
 * config space), so dumps, sysfs and the kernel model's live devices all render the same way.
 *
 * Tiers, as lspci's: verbosity 0 prints device lines; 1 (-v) adds `Subsystem:`, lspci's `!!!`
 * header remarks and every capability heading; 2 (-vv) and 3 (-vvv) add capability versions to
 * headings and the bodies tphlab decodes (TPH Requester, Device Capabilities 2, MSI-X, VirtIO).
 * Byte-identical to lspci 3.9.0 for those lines; tphlab's own additions are on lines lspci never
 * prints, and chain problems lspci passes over silently get a `\t!!! ` line (from -v on).
 * Everything else lspci prints (Control:, Status:, regions, other bodies) is left out.
 */
import { type CapabilityWalk, type ChainProblem, walkCapabilities } from "../../pcie/capabilities.js";
import type { ConfigSpace } from "../../pcie/config-space.js";
import { formatSlot, type PciSlot } from "../../pcie/dump.js";
import type { PciIds } from "../../pcie/pci-ids.js";
import { capBody } from "./bodies.js";
import { deviceLine, headerInfo, verboseHeaderLines } from "./device.js";
import { hx } from "./format.js";
import { capHeading, headingPrefix } from "./headings.js";

/** One function to show. */
export interface LspciDevice {
  readonly slot: PciSlot;
  /** What the source said about it (e.g. the dump's description); not used for names. */
  readonly description?: string;
  readonly config: ConfigSpace;
}

export interface LspciOptions {
  readonly verbosity: 0 | 1 | 2 | 3;
  /** The PCI ID database; absent: numeric names, as lspci prints them without one. */
  readonly names?: PciIds | undefined;
  /** Print domains (lspci does when any function it scanned has a non-zero domain). */
  readonly showDomains?: boolean;
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
  let out = `${deviceLine(dev.slot, h, opts.names, opts.verbosity, showDomains)}\n`;
  if (opts.verbosity === 0) return out;
  for (const l of verboseHeaderLines(h, opts.names)) out += `${l}\n`;
  // lspci.c show_htype2: a CardBus bridge whose second 64 bytes are missing shows no capabilities.
  if (h.layout === 2 && !cs.has(64, 64)) return `${out}\t<access denied to the rest>\n\n`;
  const caps = capabilityOutput(cs, walkCapabilities(cs), opts);
  // The blank line after a device; lspci's went to end an open heading if we ended it already.
  return `${out}${caps.text}${caps.endedOpenLine ? "" : "\n"}`;
}

/** Headings (and bodies at -vv) in walk order, with chain problems where they occurred. */
export function renderCapabilities(cs: ConfigSpace, walk: CapabilityWalk, opts: LspciOptions): string {
  return capabilityOutput(cs, walk, opts).text;
}

function capabilityOutput(cs: ConfigSpace, walk: CapabilityWalk, opts: LspciOptions): Output {
  const ctx = { verbosity: opts.verbosity, names: opts.names };
  const out = new Output();
  walk.entries.forEach((entry, i) => {
    for (const p of walk.problems) if (p.at === i) out.problem(p, opts.verbosity);
    const heading = capHeading(cs, entry, ctx);
    out.lspci(headingPrefix(entry, opts.verbosity) + heading.text, heading.terminated);
    if (opts.verbosity >= 2) for (const l of capBody(cs, entry)) out.lspci(l, true);
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
