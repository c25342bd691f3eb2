/**
 * The header lines lspci prints for PCI-to-PCI bridges (show_htype1) and CardBus bridges
 * (show_htype2), pciutils 3.9.0: bus numbers, the windows behind the bridge, secondary status,
 * bridge control. Reserved range types are printed as lspci's `!!! Unknown ... range types`.
 */
import type { ConfigSpace } from "../../pcie/config-space.js";
import { hx, pm } from "./format.js";
import type { LibpciFill } from "./host.js";
import { baseLines, rangeLine, romLines } from "./regions.js";

const u32 = (n: number) => n >>> 0;
const DEVSEL = ["fast", "medium", "slow", "??"];

function busLine(cs: ConfigSpace, at: readonly [number, number, number, number]): string {
  const b = at.map((o) => cs.read8(o));
  return `\tBus: primary=${hx(b[0]!, 2)}, secondary=${hx(b[1]!, 2)}, subordinate=${hx(b[2]!, 2)}, sec-latency=${b[3]}`;
}

/** show_htype1, up to the capabilities. */
export function bridgeLines(cs: ConfigSpace, fill: LibpciFill, v: number): string[] {
  const out = [...baseLines(cs, fill, 2, v), busLine(cs, [0x18, 0x19, 0x1a, 0x1b])];
  const br = fill.bridge;
  const dis = (i: number) => br !== undefined && br[i]!.size === 0n;
  out.push(
    ...ioWindow(cs, fill, v, dis(0)),
    ...memWindow(cs, fill, v, dis(1)),
    ...prefWindow(cs, fill, v, dis(2)),
  );
  const sec = cs.read16(0x1e);
  if (v > 1) {
    const f = (bit: number) => pm((sec & bit) !== 0);
    out.push(
      `\tSecondary status: 66MHz${f(0x20)} FastB2B${f(0x80)} ParErr${f(0x100)} DEVSEL=${DEVSEL[(sec >> 9) & 3]} >TAbort${f(0x800)} <TAbort${f(0x1000)} <MAbort${f(0x2000)} <SERR${f(0x4000)} <PERR${f(0x8000)}`,
    );
  }
  out.push(...romLines(cs, fill, 0x38));
  if (v > 1) {
    const c = cs.read16(0x3e);
    const f = (bit: number) => pm((c & bit) !== 0);
    out.push(
      `\tBridgeCtl: Parity${f(1)} SERR${f(2)} NoISA${f(4)} VGA${f(8)} VGA16${f(0x10)} MAbort${f(0x20)} >Reset${f(0x40)} FastB2B${f(0x80)}`,
      `\t\tPriDiscTmr${f(0x100)} SecDiscTmr${f(0x200)} DiscTmrStat${f(0x400)} DiscTmrSERREn${f(0x800)}`,
    );
  }
  return out;
}

function ioWindow(cs: ConfigSpace, fill: LibpciFill, v: number, disabled: boolean): string[] {
  const name = "\tI/O behind bridge";
  const w = fill.bridge?.[0];
  if (w && !disabled) {
    const base = w.start & ~0xfn;
    const bits = (w.start & 0xfn) === 1n ? 32 : 16;
    return [rangeLine(name, base, base + w.size - 1n, bits, disabled, v)];
  }
  const rb = cs.read8(0x1c);
  const rl = cs.read8(0x1d);
  const type = rb & 0xf;
  if (type !== (rl & 0xf) || (type !== 0 && type !== 1))
    return [`\t!!! Unknown I/O range types ${rb.toString(16)}/${rl.toString(16)}`];
  let base = u32((rb & ~0xf) << 8);
  let limit = u32((rl & ~0xf) << 8);
  if (type === 1) {
    base = u32(base | (cs.read16(0x30) << 16));
    limit = u32(limit | (cs.read16(0x32) << 16));
  }
  if (base === 0 && limit === 0 && disabled) return [];
  const bits = type === 1 ? 32 : 16;
  return [rangeLine(name, BigInt(base), BigInt(u32(limit + 0xfff)), bits, disabled, v)];
}

function memWindow(cs: ConfigSpace, fill: LibpciFill, v: number, disabled: boolean): string[] {
  const name = "\tMemory behind bridge";
  const w = fill.bridge?.[1];
  if (w && !disabled) {
    const base = w.start & ~0xfn;
    return [rangeLine(name, base, base + w.size - 1n, 32, disabled, v)];
  }
  const mb = cs.read16(0x20);
  const ml = cs.read16(0x22);
  if ((mb & 0xf) !== (ml & 0xf) || (mb & 0xf) !== 0)
    return [`\t!!! Unknown memory range types ${mb.toString(16)}/${ml.toString(16)}`];
  const base = u32((mb & ~0xf) << 16);
  const limit = u32(((ml & ~0xf) << 16) + 0xfffff);
  return [rangeLine(name, BigInt(base), BigInt(limit), 32, disabled, v)];
}

function prefWindow(cs: ConfigSpace, fill: LibpciFill, v: number, disabled: boolean): string[] {
  const name = "\tPrefetchable memory behind bridge";
  const w = fill.bridge?.[2];
  if (w && !disabled) {
    const base = w.start & ~0xfn;
    const bits = (w.start & 0xfn) === 1n ? 64 : 32;
    return [rangeLine(name, base, base + w.size - 1n, bits, disabled, v)];
  }
  const pb = cs.read16(0x24);
  const pl = cs.read16(0x26);
  const type = pb & 0xf;
  if (type !== (pl & 0xf) || (type !== 0 && type !== 1))
    return [`\t!!! Unknown prefetchable memory range types ${pb.toString(16)}/${pl.toString(16)}`];
  let base = BigInt(u32((pb & ~0xf) << 16));
  let limit = BigInt(u32((pl & ~0xf) << 16));
  if (type === 1) {
    base |= BigInt(cs.read32(0x28)) << 32n;
    limit |= BigInt(cs.read32(0x2c)) << 32n;
  }
  if (base === 0n && limit === 0n && disabled) return [];
  return [rangeLine(name, base, BigInt.asUintN(64, limit + 0xfffffn), type === 1 ? 64 : 32, disabled, v)];
}

/** show_htype2 up to the `<access denied>` check; the legacy-port line comes after it. */
export function cardbusLines(cs: ConfigSpace, fill: LibpciFill, v: number): string[] {
  const cmd = cs.read16(4);
  const brc = cs.read16(0x3e);
  const out = [...baseLines(cs, fill, 1, v), busLine(cs, [0x18, 0x19, 0x1a, 0x1b])];
  for (let i = 0; i < 2; i++) {
    const base = cs.read32(0x1c + 8 * i);
    const limit = u32(cs.read32(0x20 + 8 * i) + 0xfff);
    if (base <= limit || v > 2)
      out.push(
        `\tMemory window ${i}: ${hx(base, 8)}-${hx(limit, 8)}${cmd & 2 ? "" : " [disabled]"}${brc & (0x100 << i) ? " (prefetchable)" : ""}`,
      );
  }
  for (let i = 0; i < 2; i++) {
    let base = cs.read32(0x2c + 8 * i);
    let limit = cs.read32(0x30 + 8 * i);
    if (!(base & 1)) {
      base &= 0xffff;
      limit &= 0xffff;
    }
    base = u32(base & ~3);
    limit = u32((limit & ~3) + 3);
    if (base <= limit || v > 2)
      out.push(`\tI/O window ${i}: ${hx(base, 8)}-${hx(limit, 8)}${cmd & 1 ? "" : " [disabled]"}`);
  }
  if (cs.read16(0x16) & 0x4000) out.push("\tSecondary status: SERR");
  if (v > 1) {
    const f = (bit: number) => pm((brc & bit) !== 0);
    out.push(
      `\tBridgeCtl: Parity${f(1)} SERR${f(2)} ISA${f(4)} VGA${f(8)} MAbort${f(0x20)} >Reset${f(0x40)} 16bInt${f(0x80)} PostWrite${f(0x400)}`,
    );
  }
  return out;
}
