/**
 * lspci's verbose header (lspci.c show_verbose, pciutils 3.9.0) between the Subsystem line and the
 * capabilities: Physical Slot, Control/Status/Latency (-vv) or Flags (-v), Interrupt, NUMA node,
 * IOMMU group, BIST, regions, ROM and the bridge lines. Device bytes are not trusted: reserved
 * DEVSEL and range encodings print as lspci prints them (`??`, `!!! Unknown ... range types`).
 */
import type { ConfigSpace } from "../../pcie/config-space.js";
import { bridgeLines, cardbusLines } from "./bridge.js";
import { pm } from "./format.js";
import type { HostInfo, LibpciFill } from "./host.js";
import { baseLines, romLines } from "./regions.js";

const DEVSEL = ["fast", "medium", "slow", "??"];

/** Lines after `Subsystem:`/`!!! Invalid class` and before the capabilities. */
export function verboseHeaderBody(
  cs: ConfigSpace,
  fill: LibpciFill,
  host: HostInfo | undefined,
  v: number,
): string[] {
  const layout = cs.read8(0x0e) & 0x7f;
  const known = layout <= 2;
  const out: string[] = [];
  if (host?.physSlot !== undefined) out.push(`\tPhysical Slot: ${host.physSlot}`);
  if (host?.dtNode !== undefined) out.push(`\tDevice tree node: ${host.dtNode}`);
  if (known && v > 1) out.push(...controlStatus(cs));
  if (v > 1) {
    const pin = known ? cs.read8(0x3d) : 0;
    if (pin || fill.irq) out.push(`\tInterrupt: pin ${pinChar(pin)} routed to IRQ ${fill.irq}`);
    if (fill.numaNode !== -1) out.push(`\tNUMA node: ${fill.numaNode}`);
    if (host?.iommuGroup !== undefined) out.push(`\tIOMMU group: ${host.iommuGroup}`);
  }
  if (known && v <= 1) out.push(flagsLine(cs, fill, host));
  const bist = known ? cs.read8(0x0f) : 0;
  if (bist & 0x80)
    out.push(
      bist & 0x40 ? "\tBIST is running" : `\tBIST result: ${(bist & 0x0f).toString(16).padStart(2, "0")}`,
    );
  if (layout === 0) out.push(...baseLines(cs, fill, 6, v), ...romLines(cs, fill, 0x30));
  else if (layout === 1) out.push(...bridgeLines(cs, fill, v));
  else if (layout === 2) out.push(...cardbusLines(cs, fill, v));
  else out.push(...unknownTypeLines(cs, fill, v));
  return out;
}

/**
 * `'A' + pin - 1` as lspci's `%c` prints it: pins 1-4 are INTA-INTD; 0 with an IRQ is `?`; other
 * values are reserved and come out as whatever byte that makes, which a UTF-8 reader of lspci's
 * output sees as U+FFFD when it is not ASCII.
 */
function pinChar(pin: number): string {
  if (pin === 0) return "?";
  const c = (0x40 + pin) & 0xff;
  return c < 0x80 ? String.fromCharCode(c) : "\ufffd";
}

function controlStatus(cs: ConfigSpace): string[] {
  const cmd = cs.read16(4);
  const st = cs.read16(6);
  const c = (bit: number) => pm((cmd & bit) !== 0);
  const s = (bit: number) => pm((st & bit) !== 0);
  const out = [
    `\tControl: I/O${c(1)} Mem${c(2)} BusMaster${c(4)} SpecCycle${c(8)} MemWINV${c(0x10)} VGASnoop${c(0x20)} ParErr${c(0x40)} Stepping${c(0x80)} SERR${c(0x100)} FastB2B${c(0x200)} DisINTx${c(0x400)}`,
    `\tStatus: Cap${s(0x10)} 66MHz${s(0x20)} UDF${s(0x40)} FastB2B${s(0x80)} ParErr${s(0x100)} DEVSEL=${DEVSEL[(st >> 9) & 3]} >TAbort${s(0x800)} <TAbort${s(0x1000)} <MAbort${s(0x2000)} >SERR${s(0x4000)} <PERR${s(0x8000)} INTx${s(0x08)}`,
  ];
  if (cmd & 4) {
    const layout = cs.read8(0x0e) & 0x7f;
    const minGnt = layout === 0 ? cs.read8(0x3e) : 0;
    const maxLat = layout === 0 ? cs.read8(0x3f) : 0;
    let l = `\tLatency: ${cs.read8(0x0d)}`;
    if (minGnt || maxLat) {
      const parts = [minGnt ? `${minGnt * 250}ns min` : "", maxLat ? `${maxLat * 250}ns max` : ""];
      l += ` (${parts.filter((p) => p !== "").join(", ")})`;
    }
    const cls = cs.read8(0x0c);
    if (cls) l += `, Cache Line Size: ${cls * 4} bytes`;
    out.push(l);
  }
  return out;
}

/** The one-line summary lspci prints at -v instead of Control/Status. */
function flagsLine(cs: ConfigSpace, fill: LibpciFill, host: HostInfo | undefined): string {
  const cmd = cs.read16(4);
  const st = cs.read16(6);
  let s = "\tFlags: ";
  if (cmd & 4) s += "bus master, ";
  if (cmd & 0x20) s += "VGA palette snoop, ";
  if (cmd & 0x80) s += "stepping, ";
  if (cmd & 0x200) s += "fast Back2Back, ";
  if (st & 0x20) s += "66MHz, ";
  if (st & 0x40) s += "user-definable features, ";
  s += `${DEVSEL[(st >> 9) & 3]} devsel`;
  if (cmd & 4) s += `, latency ${cs.read8(0x0d)}`;
  if (fill.irq) s += `, IRQ ${fill.irq}`;
  if (fill.numaNode !== -1) s += `, NUMA node ${fill.numaNode}`;
  if (host?.iommuGroup !== undefined) s += `, IOMMU group ${host.iommuGroup}`;
  return s;
}

/** show_htype_unknown: only the kernel's resources (none from a dump). */
function unknownTypeLines(cs: ConfigSpace, fill: LibpciFill, v: number): string[] {
  return [...baseLines(cs, fill, 6, v, true), ...romLines(cs, fill, undefined)];
}
