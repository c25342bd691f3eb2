/**
 * `lspci -t`: the bus tree as pciutils 3.9.0 draws it (ls-tree.c grow_tree / show_forest),
 * including its quirks: bridges are found by class and header type, each bridge's parent is the
 * bridge whose bus range holds its primary bus with the smallest span in unsigned arithmetic
 * (which the host bridge's ~0..~0 always wins), and devices go to the first child bridge whose
 * range holds their bus. Bus numbers come from the device's bytes and are not trusted: loops and
 * overlaps draw what lspci draws, without recursion past what the lists hold.
 */
import type { ConfigSpace } from "../../pcie/config-space.js";
import type { PciSlot } from "../../pcie/dump.js";
import { type NameMode, type PciIds, vendorDeviceName } from "../../pcie/pci-ids.js";
import { hx } from "./format.js";
import type { HostInfo } from "./host.js";
import { sortDevices } from "./render.js";

export interface TreeDevice {
  readonly slot: PciSlot;
  readonly config: ConfigSpace;
  readonly host?: HostInfo;
}

export interface TreeOptions {
  readonly names?: PciIds | undefined;
  readonly numeric?: NameMode;
  readonly verbosity?: number;
  readonly showDomains?: boolean;
  /** With -s: the slots that match (lspci shows the paths leading to them). */
  readonly filter?: ReadonlySet<PciSlot> | undefined;
}

interface Bus {
  readonly domain: number;
  readonly number: number;
  readonly devs: Dev[];
}
interface Bridge {
  readonly domain: number;
  readonly primary: number;
  readonly secondary: number;
  readonly subordinate: number;
  readonly dev: Dev | undefined;
  readonly children: Bridge[];
  readonly buses: Bus[];
}
interface Dev {
  readonly d: TreeDevice;
  bridge?: Bridge;
}

const U32 = 0xffffffff;
const sameSlot = (a: PciSlot, b: PciSlot) =>
  a.domain === b.domain && a.bus === b.bus && a.device === b.device && a.function === b.function;

function findBus(b: Bridge, domain: number, n: number): Bus | undefined {
  return b.buses.find((u) => u.domain === domain && u.number === n);
}
function newBus(b: Bridge, domain: number, n: number): Bus {
  const bus = { domain, number: n, devs: [] };
  b.buses.push(bus);
  return bus;
}

function makeBridge(dev: Dev | undefined, domain: number, pri: number, sec: number, sub: number): Bridge {
  const b: Bridge = { domain, primary: pri, secondary: sec, subordinate: sub, dev, children: [], buses: [] };
  if (dev) dev.bridge = b;
  return b;
}

/** grow_tree: the host bridge with everything under it. */
function growTree(devices: readonly TreeDevice[]): Bridge {
  const devs: Dev[] = sortDevices(devices).map((d) => ({ d }));
  const host = makeBridge(undefined, 0, U32, 0, U32);
  const chain: Bridge[] = [host];
  for (const dv of devs) {
    const cs = dv.d.config;
    const ht = cs.read8(0x0e) & 0x7f;
    if (cs.read8(0x0b) !== 0x06 || (ht !== 1 && ht !== 2)) continue;
    chain.push(makeBridge(dv, dv.d.slot.domain, cs.read8(0x18), cs.read8(0x19), cs.read8(0x1a)));
  }
  const parentOf = (dv: Dev) => {
    const p = dv.d.host?.parent;
    return p ? devs.find((o) => sameSlot(o.d.slot, p)) : undefined;
  };
  for (const dv of devs) {
    const parent = parentOf(dv);
    if (!parent || parent.bridge) continue;
    const s = dv.d.slot.bus;
    chain.push(makeBridge(parent, parent.d.slot.domain, parent.d.slot.bus, s, s));
  }
  const span = (c: Bridge) => (c.subordinate - c.primary) >>> 0;
  for (const b of chain) {
    let best = b.dev ? parentOf(b.dev)?.bridge : undefined;
    if (!best) {
      for (const c of chain) {
        if (c === b || (c !== host && b.domain !== c.domain)) continue;
        if (b.primary >= c.secondary && b.primary <= c.subordinate && (!best || span(best) > span(c)))
          best = c;
      }
    }
    best?.children.unshift(b);
  }
  for (const b of chain) if (!findBus(b, b.domain, b.secondary)) newBus(b, b.domain, b.secondary);
  for (const dv of devs) insertDev(dv, host, parentOf(dv));
  return host;
}

function insertDev(dv: Dev, b: Bridge, parent: Dev | undefined): void {
  const s = dv.d.slot;
  let bus: Bus | undefined;
  if (parent?.bridge) bus = parent.bridge.buses[0] ?? newBus(parent.bridge, s.domain, s.bus);
  if (!bus) bus = findBus(b, s.domain, s.bus);
  if (!bus) {
    const c = b.children.find((k) => k.domain === s.domain && k.secondary <= s.bus && s.bus <= k.subordinate);
    if (c) {
      insertDev(dv, c, undefined);
      return;
    }
    bus = newBus(b, s.domain, s.bus);
  }
  bus.devs.push(dv);
}

/** The line buffer lspci draws into: printing it turns everything but `+`/`|` into spaces. */
class Lines {
  line: string[] = [];
  out = "";
  put(p: number, text: string): number {
    for (let i = 0; i < text.length; i++) this.line[p + i] = text[i]!;
    return p + text.length;
  }
  print(p: number): void {
    this.out += `${this.line.slice(0, p).join("")}\n`;
    this.line = this.line.slice(0, p).map((c) => (c === "+" || c === "|" ? "|" : " "));
  }
}

interface Ctx {
  readonly out: Lines;
  readonly opts: TreeOptions;
  readonly chain: readonly Bridge[];
  readonly seen: Set<Bridge>;
}

function devMatches(ctx: Ctx, dv: Dev, depth = 0): boolean {
  const f = ctx.opts.filter;
  if (!f) return true;
  if ([...f].some((s) => sameSlot(s, dv.d.slot))) return true;
  if (!dv.bridge || depth > 256) return false;
  return dv.bridge.buses.some((u) => busMatches(ctx, u, depth + 1));
}
function busMatches(ctx: Ctx, u: Bus, depth = 0): boolean {
  return !ctx.opts.filter || u.devs.some((dv) => devMatches(ctx, dv, depth));
}

function showDev(ctx: Ctx, dv: Dev, p: number): void {
  const s = dv.d.slot;
  p = ctx.out.put(p, `${hx(s.device, 2)}.${s.function.toString(16)}`);
  const b = dv.bridge;
  // A bridge whose bus range leads back to itself would recurse forever; lspci's would too.
  if (b && !ctx.seen.has(b)) {
    ctx.seen.add(b);
    if (b.secondary === 0) p = ctx.out.put(p, "-");
    else if (b.secondary === b.subordinate) p = ctx.out.put(p, `-[${hx(b.secondary, 2)}]-`);
    else p = ctx.out.put(p, `-[${hx(b.secondary, 2)}-${hx(b.subordinate, 2)}]-`);
    showBridge(ctx, b, p);
    ctx.seen.delete(b);
    return;
  }
  if (ctx.opts.verbosity) {
    const c = dv.d.config;
    p = ctx.out.put(
      p,
      `  ${vendorDeviceName(ctx.opts.names, c.read16(0), c.read16(2), ctx.opts.numeric ?? 0, 256)}`,
    );
  }
  ctx.out.print(p);
}

function showBus(ctx: Ctx, u: Bus, p: number): void {
  const devs = u.devs;
  if (devs.length === 0) {
    ctx.out.print(p);
    return;
  }
  if (devs.length === 1) {
    if (devMatches(ctx, devs[0]!)) showDev(ctx, devs[0]!, ctx.out.put(p, "--"));
    else ctx.out.print(p);
    return;
  }
  let empty = true;
  devs.forEach((dv, i) => {
    if (!devMatches(ctx, dv)) return;
    showDev(ctx, dv, ctx.out.put(p, i === devs.length - 1 ? "\\-" : "+-"));
    empty = false;
  });
  if (empty) ctx.out.print(p);
}

function showBridge(ctx: Ctx, b: Bridge, p: number): void {
  p = ctx.out.put(p, "-");
  const buses = b.buses;
  if (buses.length === 1) {
    const u = buses[0]!;
    if (!busMatches(ctx, u)) {
      ctx.out.print(p);
      return;
    }
    if (b === ctx.chain[0]) p = ctx.out.put(p, `[${hx(b.domain, 4)}:${hx(u.number, 2)}]-`);
    showBus(ctx, u, p);
    return;
  }
  let empty = true;
  buses.forEach((u, i) => {
    if (!busMatches(ctx, u)) return;
    const k = ctx.out.put(
      p,
      `${i === buses.length - 1 ? "\\-" : "+-"}[${hx(u.domain, 4)}:${hx(u.number, 2)}]-`,
    );
    showBus(ctx, u, k);
    empty = false;
  });
  if (empty) ctx.out.print(p);
}

/** Render `lspci -t` (with `verbosity` > 0, `-tv`: device names). */
export function renderTree(devices: readonly TreeDevice[], opts: TreeOptions = {}): string {
  const host = growTree(devices);
  const out = new Lines();
  showBridge({ out, opts, chain: [host], seen: new Set() }, host, 0);
  return out.out;
}
