/**
 * The kernel's view of a function, as lspci reads it from sysfs next to the config space: the IRQ,
 * the resources (addresses, sizes, flags), NUMA node, IOMMU group, slot, driver and modules.
 * A dump has none of it; lspci (libpci's generic fill) then derives IRQ, BAR and ROM addresses
 * from the config registers. `libpciFill` is that choice, in one place.
 */
import type { ConfigSpace } from "../../pcie/config-space.js";
import type { PciSlot } from "../../pcie/dump.js";

/** One line of sysfs `resource`: start, size (end - start + 1, or 0) and the kernel's flags. */
export interface HostResource {
  readonly start: bigint;
  readonly size: bigint;
  readonly flags: bigint;
}

export interface HostInfo {
  readonly irq?: number;
  /** The 6 BAR lines, the ROM line and, for configured bridges, the 4 window lines. */
  readonly resources?: {
    readonly bars: readonly HostResource[];
    readonly rom?: HostResource;
    readonly bridge?: readonly HostResource[];
  };
  readonly numaNode?: number;
  readonly iommuGroup?: string;
  readonly physSlot?: string;
  readonly label?: string;
  readonly dtNode?: string;
  readonly driver?: string;
  readonly modules?: readonly string[];
  /** The upstream PCI function in sysfs' device hierarchy (for `-t`), when there is one. */
  readonly parent?: PciSlot;
}

/** libpci's `struct pci_dev` fields lspci's verbose header uses. */
export interface LibpciFill {
  readonly irq: number;
  readonly baseAddr: readonly bigint[];
  /** Present when the source gives sizes and I/O flags (sysfs), absent for dumps. */
  readonly size?: readonly bigint[];
  readonly ioFlags?: readonly bigint[];
  readonly romBase: bigint;
  readonly romSize?: bigint;
  readonly romFlags?: bigint;
  readonly bridge?: readonly HostResource[];
  readonly numaNode: number;
}

const ADDR_FLAG_MASK = 0xfn;
const BAR_COUNT: Readonly<Record<number, number>> = { 0: 6, 1: 2, 2: 1 };

/** What libpci fills for lspci -v: sysfs values where given, else the generic config reads. */
export function libpciFill(cs: ConfigSpace, host: HostInfo | undefined): LibpciFill {
  const layout = cs.read8(0x0e) & 0x7f;
  const res = host?.resources;
  const generic = genericBases(cs, layout);
  const rom = res?.rom;
  return {
    irq: host?.irq ?? cs.read8(0x3c),
    baseAddr: res ? res.bars.map((r) => r.start | (r.flags & ADDR_FLAG_MASK)) : generic.bases,
    ...(res ? { size: res.bars.map((r) => r.size), ioFlags: res.bars.map((r) => r.flags) } : {}),
    romBase: rom ? rom.start | (rom.flags & ADDR_FLAG_MASK) : generic.rom,
    ...(rom ? { romSize: rom.size, romFlags: rom.flags } : {}),
    ...(res?.bridge ? { bridge: res.bridge } : {}),
    numaNode: host?.numaNode ?? -1,
  };
}

/** lib/generic.c pci_generic_fill_info: BARs (64-bit ones joined) and the ROM register. */
function genericBases(cs: ConfigSpace, layout: number): { bases: bigint[]; rom: bigint } {
  const cnt = BAR_COUNT[layout] ?? 0;
  const bases: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  for (let i = 0; i < cnt; i++) {
    const x = cs.read32(0x10 + 4 * i);
    if (x === 0 || x === 0xffffffff) continue;
    if ((x & 1) === 1 || (x & 6) !== 4) bases[i] = BigInt(x);
    else if (i < cnt - 1) {
      const y = cs.read32(0x10 + 4 * (i + 1));
      bases[i] = BigInt(x) | (BigInt(y) << 32n);
      i++;
    }
  }
  const reg = layout === 0 ? 0x30 : layout === 1 ? 0x38 : 0;
  const u = reg ? cs.read32(reg) : 0xffffffff;
  return { bases, rom: u === 0xffffffff ? 0n : BigInt(u) };
}

/** lspci's device_has_memory_space_bar: some BAR with an address or size that is not I/O. */
export function hasMemoryBar(fill: LibpciFill): boolean {
  return fill.baseAddr.some((b, i) => (b !== 0n || (fill.size?.[i] ?? 0n) !== 0n) && (b & 1n) === 0n);
}
