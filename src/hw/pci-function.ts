/**
 * A modelled PCI function: a real ConfigSpace (header, capability chains, write masks), memory BARs
 * backed by sparse memory (the MSI-X table and its Vector Control ST bits live there, not in config
 * space), reset behaviour and power state. Software changes it only through register writes; the
 * device reacts through `cfg.onWrite` (FLR via DevCtl bit 15).
 */
import { ModelError } from "../base/errors.js";
import { ConfigSpace } from "../pcie/config-space.js";
import { EXP, HEADER, MSIX, MSIX_ENTRY, PM } from "../pcie/registers.js";
import { type CapOffsets, layoutConfigSpace, type WritableReg } from "./pci-config-layout.js";
import {
  type BarSpec,
  isBridgeType,
  normalizePciFunctionDesc,
  type PciFunctionDesc,
  type PciFunctionSpec,
  type PciFunctionType,
} from "./pci-function-desc.js";

/** Why a function was reset: Function Level Reset, a bus (hot) reset, or a power cycle. */
export type ResetKind = "flr" | "hot-reset" | "power-cycle";
export type ResetHook = (fn: PciFunction, kind: ResetKind) => void;

/** What a memory read returns when the function does not decode it (Unsupported Request). */
export const UR_READ = 0xffffffff;

export class PciFunction {
  readonly spec: PciFunctionSpec;
  /** The description it was built from, as given (JSON-able). */
  readonly desc: PciFunctionDesc;
  readonly cfg: ConfigSpace;
  readonly caps: CapOffsets;
  /** Number of resets so far (any kind). */
  resets = 0;
  /** Memory accesses dropped because decoding was off or the function was in D3hot. */
  droppedAccesses = 0;
  private readonly writable: readonly WritableReg[];
  private readonly powerOn: Uint8Array;
  private readonly barMem = new Map<number, Map<number, number>>();
  private readonly resetHooks: ResetHook[] = [];

  constructor(spec: PciFunctionSpec, desc: PciFunctionDesc) {
    this.spec = spec;
    this.desc = desc;
    this.cfg = ConfigSpace.blank();
    const { caps, writable } = layoutConfigSpace(this.cfg, spec);
    this.caps = caps;
    this.writable = writable;
    this.powerOn = this.cfg.bytes.slice();
    this.initMsixTable();
    this.cfg.onWrite((offset, width) => this.watchFlr(offset, width));
    // State after boot: the platform enabled decoding and bus mastering (unless described off).
    const cmd = HEADER.COMMAND.fields;
    const command = (spec.memoryEnabled ? cmd.MEMORY.mask : 0) | (spec.busMaster ? cmd.MASTER.mask : 0);
    this.cfg.poke(HEADER.COMMAND.offset, 2, command);
  }

  get bdf(): string {
    return this.spec.bdf;
  }
  get type(): PciFunctionType {
    return this.spec.type;
  }
  isBridge(): boolean {
    return isBridgeType(this.spec.type);
  }
  /** Requester ID: bus[15:8], device[7:3], function[2:0]. */
  requesterId(): number {
    return (this.spec.bus << 8) | (this.spec.dev << 3) | this.spec.fn;
  }
  /** Memory Space Enable in the command register. */
  memoryEnabled(): boolean {
    return (this.cfg.read16(HEADER.COMMAND.offset) & HEADER.COMMAND.fields.MEMORY.mask) !== 0;
  }
  busMasterEnabled(): boolean {
    return (this.cfg.read16(HEADER.COMMAND.offset) & HEADER.COMMAND.fields.MASTER.mask) !== 0;
  }
  /** PM power state (0 = D0 .. 3 = D3hot); D0 when there is no PM capability. */
  powerState(): number {
    if (!this.caps.pm) return 0;
    return this.cfg.read16(this.caps.pm + PM.CTRL.offset) & PM.CTRL.fields.STATE.mask;
  }
  bar(index: number): BarSpec | undefined {
    return this.spec.bars.find((b) => b.index === index);
  }
  /** MSI-X Enable in the MSI-X capability's Message Control. */
  msixEnabled(): boolean {
    if (!this.caps.msix) return false;
    return (this.cfg.read16(this.caps.msix + MSIX.FLAGS.offset) & MSIX.FLAGS.fields.ENABLE.mask) !== 0;
  }

  /** A dword of BAR memory as the device answers it; all-ones when it does not decode memory. */
  barRead32(index: number, offset: number): number {
    this.checkBar(index, offset);
    if (!this.decodesMemory()) {
      this.droppedAccesses++;
      return UR_READ;
    }
    return this.barMem.get(index)?.get(offset / 4) ?? 0;
  }
  /** Write a dword of BAR memory; dropped when the function does not decode memory. */
  barWrite32(index: number, offset: number, value: number): void {
    this.checkBar(index, offset);
    if (!this.decodesMemory()) {
      this.droppedAccesses++;
      return;
    }
    this.store(index, offset, value);
  }

  /**
   * Reset the function: writable registers return to power-on values, the MSI-X table is cleared
   * (vectors masked). Command returns to 0 (no decoding). BARs keep the platform-assigned addresses:
   * the model treats them as the power-on values, as the kernel restores them anyway.
   */
  reset(kind: ResetKind): void {
    const bytes = this.cfg.bytes;
    for (const r of this.writable) {
      for (let i = 0; i < r.width; i++) {
        const m = (r.mask >>> (8 * i)) & 0xff;
        const at = r.offset + i;
        bytes[at] = (bytes[at]! & ~m) | (this.powerOn[at]! & m);
      }
    }
    this.initMsixTable();
    this.resets++;
    for (const hook of [...this.resetHooks]) hook(this, kind);
  }
  /** Observe resets (VFIO revokes dma-bufs on them). Returns a function removing the hook. */
  onReset(hook: ResetHook): () => void {
    this.resetHooks.push(hook);
    return () => {
      const i = this.resetHooks.indexOf(hook);
      if (i >= 0) this.resetHooks.splice(i, 1);
    };
  }

  private decodesMemory(): boolean {
    return this.memoryEnabled() && this.powerState() !== PM.CTRL.fields.STATE.values.D3HOT;
  }
  private checkBar(index: number, offset: number): void {
    const bar = this.bar(index);
    if (!bar) throw new ModelError(`${this.bdf}: no BAR ${index}`);
    if (!Number.isInteger(offset) || offset % 4 !== 0 || offset < 0 || offset + 4 > bar.size) {
      throw new ModelError(
        `${this.bdf}: BAR ${index} access at 0x${offset.toString(16)} outside 0..${bar.size}`,
      );
    }
  }
  private store(index: number, offset: number, value: number): void {
    const mem = this.barMem.get(index) ?? new Map<number, number>();
    this.barMem.set(index, mem);
    mem.set(offset / 4, value >>> 0);
  }
  /** MSI-X table after reset: every vector masked, everything else 0 (PCIe Base 6.0 section 7.7.2.9). */
  private initMsixTable(): void {
    const m = this.spec.msix;
    if (!m) return;
    for (let v = 0; v < m.vectors; v++) {
      const base = m.offset + v * MSIX_ENTRY.SIZE;
      for (let d = 0; d < 3; d++) this.store(m.bar, base + 4 * d, 0);
      this.store(m.bar, base + MSIX_ENTRY.VECTOR_CTRL.offset, MSIX_ENTRY.VECTOR_CTRL.fields.MASKED.mask);
    }
    for (let d = 0; d < Math.ceil(m.vectors / 32); d++) this.store(m.pbaBar, m.pbaOffset + 4 * d, 0);
  }
  /** Initiate Function Level Reset: a write setting DevCtl bit 15 (the bit reads back 0). */
  private watchFlr(offset: number, width: number): void {
    if (!this.spec.flr) return;
    const devctl = this.caps.exp + EXP.DEVCTL.offset;
    if (offset > devctl + 1 || offset + width <= devctl + 1) return;
    if (this.cfg.read16(devctl) & EXP.DEVCTL.fields.BCR_FLR.mask) this.reset("flr");
  }
}

/** Build a function from its plain description; InputError (under `path`) on bad values. */
export function buildPciFunction(desc: PciFunctionDesc, path = "device"): PciFunction {
  return new PciFunction(normalizePciFunctionDesc(desc, path), desc);
}
