/**
 * The kernel's view of each function, read from sysfs as libpci's sysfs backend reads it
 * (lib/sysfs.c, pciutils 3.9.0): irq, resource, numa_node, iommu_group, label, of_node, driver,
 * the physical slots under /sys/bus/pci/slots, and the parent bridge for `-t`. Every file is
 * optional: a missing one leaves the field out, as lspci does. Modules are not looked up (lspci
 * needs libkmod for that; see the README).
 */
import type { PciSlot } from "../../pcie/dump.js";
import type { HostInfo, HostResource } from "../../report/lspci/host.js";
import type { Io } from "../io.js";

/** Sysfs attribute files are small; anything larger is not what we expect. */
const ATTR_LIMIT = 64 * 1024;

function text(io: Io, path: string): string | undefined {
  try {
    return new TextDecoder().decode(io.readFile(path, ATTR_LIMIT)).trim();
  } catch {
    return undefined;
  }
}

function link(io: Io, path: string): string | undefined {
  try {
    return io.readLink(path);
  } catch {
    return undefined;
  }
}

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** `resource`: one `start end flags` line per resource, hex; size is end - start + 1 when end > start. */
export function parseResource(body: string): HostInfo["resources"] | undefined {
  const lines: HostResource[] = [];
  for (const l of body.split("\n").slice(0, 18)) {
    const m = /^\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/i.exec(l);
    if (!m) return undefined;
    const start = BigInt(`0x${m[1]}`);
    const end = BigInt(`0x${m[2]}`);
    lines.push({ start, size: end > start ? end - start + 1n : 0n, flags: BigInt(`0x${m[3]}`) });
  }
  if (lines.length < 6) return undefined;
  const extra = lines.length - 7;
  const bridgeAt = extra === 4 ? 7 : extra === 10 ? 13 : undefined;
  return {
    bars: lines.slice(0, 6),
    ...(lines[6] ? { rom: lines[6] } : {}),
    ...(bridgeAt === undefined ? {} : { bridge: lines.slice(bridgeAt, bridgeAt + 4) }),
  };
}

const int = (s: string | undefined) => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined);

/** Host facts for one function directory. */
export function readHostInfo(io: Io, dir: string, physSlot: string | undefined): HostInfo {
  const res = text(io, `${dir}/resource`);
  const resources = res === undefined ? undefined : parseResource(res);
  const irq = int(text(io, `${dir}/irq`));
  const numa = int(text(io, `${dir}/numa_node`));
  const group = link(io, `${dir}/iommu_group`);
  const label = text(io, `${dir}/label`);
  const dt = link(io, `${dir}/of_node`);
  const driver = link(io, `${dir}/driver`);
  return {
    ...(irq === undefined ? {} : { irq }),
    ...(resources ? { resources } : {}),
    ...(numa === undefined ? {} : { numaNode: numa }),
    ...(group === undefined ? {} : { iommuGroup: baseName(group) }),
    ...(physSlot === undefined ? {} : { physSlot }),
    ...(label === undefined ? {} : { label }),
    ...(dt === undefined ? {} : { dtNode: dt }),
    ...(driver === undefined ? {} : { driver: baseName(driver) }),
  };
}

/** lib/sysfs.c sysfs_fill_slots: slot directory name by `DDDD:BB:DD` address. */
export function readSlots(io: Io, root: string): Map<string, string> {
  const slots = new Map<string, string>();
  let names: string[];
  try {
    names = io.readDir(root);
  } catch {
    return slots;
  }
  for (const name of [...names].sort()) {
    const addr = text(io, `${root}/${name}/address`);
    const m = addr === undefined ? null : /^([0-9a-f]+):([0-9a-f]+):([0-9a-f]+)/i.exec(addr);
    if (!m) continue;
    const key = [m[1], m[2], m[3]].map((x) => Number.parseInt(x!, 16)).join(":");
    if (!slots.has(key)) slots.set(key, name);
  }
  return slots;
}

export const slotKey = (s: PciSlot) => `${s.domain}:${s.bus}:${s.device}`;

/** modules.alias patterns (`alias GLOB MODULE`) as matchers, in file order. */
export type ModuleAliases = readonly { readonly match: RegExp; readonly module: string }[];

function globRegExp(glob: string): RegExp {
  let re = "";
  for (const c of glob)
    re +=
      c === "*" ? ".*" : c === "?" ? "." : c === "[" || c === "]" ? c : c.replace(/[\\^$.|+(){}]/g, "\\$&");
  return new RegExp(`^${re}$`);
}

/**
 * The running kernel's modules.alias, if readable (lspci asks libkmod, which reads the binary
 * index of the same file; without it lspci prints no `Kernel modules:` line, and neither do we).
 */
export function readModuleAliases(io: Io): ModuleAliases {
  const release = text(io, "/proc/sys/kernel/osrelease");
  const body = release && text(io, `/lib/modules/${release}/modules.alias`);
  if (!body) return [];
  const out: { match: RegExp; module: string }[] = [];
  for (const l of body.split("\n")) {
    const m = /^alias\s+(pci:\S+)\s+(\S+)/.exec(l);
    if (!m) continue;
    try {
      out.push({ match: globRegExp(m[1]!), module: m[2]! });
    } catch {
      // A pattern we cannot read matches nothing.
    }
  }
  return out;
}

/** The modules whose alias matches the function's `modalias`, consecutive repeats dropped (as lspci). */
export function modulesFor(io: Io, dir: string, aliases: ModuleAliases): string[] {
  if (aliases.length === 0) return [];
  const alias = text(io, `${dir}/modalias`);
  if (!alias) return [];
  const out: string[] = [];
  for (const a of aliases) if (a.match.test(alias) && out[out.length - 1] !== a.module) out.push(a.module);
  return out;
}
