/**
 * The plain, JSON-able description a modelled PCI function is built from, and its validation.
 * Scenario files hold these objects as they are; `normalizePciFunctionDesc` fills the defaults and
 * reports bad values as InputError naming the path (e.g. `devices[1].msix.vectors`).
 */
import { inputError } from "../base/errors.js";

/** Device/Port Type of the PCI Express Capability (PCIe Base 6.0 section 7.5.3.2). */
export const PCI_FUNCTION_TYPES = [
  "endpoint",
  "legacy-endpoint",
  "rciep",
  "root-port",
  "upstream-port",
  "downstream-port",
] as const;
export type PciFunctionType = (typeof PCI_FUNCTION_TYPES)[number];

/** TPH Requester modes by their capability bit names: No ST, Interrupt Vector, Device Specific. */
export type TphModeName = "ns" | "iv" | "ds";
export type TphLocationName = "none" | "cap" | "msix" | "reserved";

export interface BarDesc {
  readonly index: number;
  /** Bytes; a power of two >= 16 (memory BARs only). */
  readonly size: number;
  /** Address the platform assigned (decimal or 0x-hex string in scenario files). */
  readonly address?: number | string;
  readonly bits64?: boolean;
  readonly prefetchable?: boolean;
}

export interface TphRequesterDesc {
  /** Supported ST modes; the spec requires "ns". Default ["ns", "ds"]. */
  readonly modes?: readonly TphModeName[];
  /** Extended TPH Requester Supported (can send 16-bit tags). Default false. */
  readonly ext?: boolean;
  readonly location: TphLocationName;
  /** ST table entries (1..2048); default 1 for "cap", the MSI-X vector count for "msix", else 1. */
  readonly tableSize?: number;
  /** Offset of the extended capability; default 0x1b0 (0x100 when there is no AER capability). */
  readonly offset?: number;
}

export interface MsixDesc {
  readonly vectors: number;
  readonly bar: number;
  /** Table offset inside the BAR, 8-byte aligned. */
  readonly offset: number;
  readonly pbaBar?: number;
  readonly pbaOffset?: number;
}

export interface PciFunctionDesc {
  /** "DDDD:BB:DD.F" (domain optional: "03:00.0" means domain 0). */
  readonly bdf: string;
  readonly type: PciFunctionType;
  readonly vendor: number;
  readonly device: number;
  /** 24-bit class code: base class, subclass, programming interface (e.g. 0x020000 Ethernet). */
  readonly classCode?: number;
  readonly revision?: number;
  readonly subsystem?: { readonly vendor: number; readonly device: number };
  /** Human name, used by lspci-style output ("Ethernet controller: ..."). */
  readonly label?: string;
  readonly bars?: readonly BarDesc[];
  readonly msix?: MsixDesc;
  readonly pm?: boolean;
  readonly aer?: boolean;
  /** Function Level Reset Capability (DevCap bit 28). Default true for endpoints. */
  readonly flr?: boolean;
  /** DevCap2 TPH Completer Supported: 0 none, 1 TPH only, 2 reserved, 3 TPH and Extended TPH. */
  readonly tphCompleter?: 0 | 1 | 2 | 3;
  readonly tphRequester?: TphRequesterDesc;
  /**
   * An ACS Extended Capability (switch downstream ports, Root Ports): Source Validation, P2P
   * Request/Completion Redirect and Upstream Forwarding supported; `redirect` turns RR and CR on
   * in the control register at boot (as the kernel does with an IOMMU). Absent: no ACS capability.
   */
  readonly acs?: { readonly redirect: boolean };
  /** Link speed (1 = 2.5 GT/s .. 6 = 64 GT/s) and width. Default Gen4 x16. */
  readonly link?: { readonly speed: number; readonly width: number };
  /** Command register after boot: memory decoding and bus mastering on unless false. */
  readonly memoryEnabled?: boolean;
  readonly busMaster?: boolean;
}

export interface BarSpec {
  readonly index: number;
  readonly size: number;
  readonly address: number;
  readonly bits64: boolean;
  readonly prefetchable: boolean;
}

/** A validated description with defaults filled. */
export interface PciFunctionSpec {
  readonly bdf: string;
  readonly domain: number;
  readonly bus: number;
  readonly dev: number;
  readonly fn: number;
  readonly type: PciFunctionType;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  readonly revision: number;
  readonly subsystem: { readonly vendor: number; readonly device: number };
  readonly label: string;
  readonly bars: readonly BarSpec[];
  readonly msix: Required<MsixDesc> | undefined;
  readonly pm: boolean;
  readonly aer: boolean;
  readonly flr: boolean;
  readonly tphCompleter: 0 | 1 | 2 | 3;
  readonly tphRequester: Required<TphRequesterDesc> | undefined;
  readonly acs: { readonly redirect: boolean } | undefined;
  readonly link: { readonly speed: number; readonly width: number };
  readonly memoryEnabled: boolean;
  readonly busMaster: boolean;
}

export interface ParsedBdf {
  readonly domain: number;
  readonly bus: number;
  readonly dev: number;
  readonly fn: number;
  /** Canonical "DDDD:BB:DD.F". */
  readonly name: string;
}

const BDF_RE = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/** Parse "0000:03:00.0" or "03:00.0"; InputError at `path` when malformed. */
export function parseBdf(text: string, path = "bdf"): ParsedBdf {
  const m = BDF_RE.exec(text);
  if (!m) throw inputError(path, `not a PCI address (DDDD:BB:DD.F): ${JSON.stringify(text)}`, "bad-bdf");
  const domain = Number.parseInt(m[1] ?? "0", 16);
  const bus = Number.parseInt(m[2]!, 16);
  const dev = Number.parseInt(m[3]!, 16);
  const fn = Number.parseInt(m[4]!, 16);
  if (dev > 31) throw inputError(path, `device number ${dev} above 31`, "bad-bdf");
  const h = (n: number, d: number) => n.toString(16).padStart(d, "0");
  return { domain, bus, dev, fn, name: `${h(domain, 4)}:${h(bus, 2)}:${h(dev, 2)}.${fn}` };
}

/** An integer from a JSON number or a "0x.." / decimal string; InputError otherwise. */
export function intValue(v: unknown, path: string, min: number, max: number): number {
  const n = typeof v === "string" && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min || n > max) {
    throw inputError(path, `must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`, "out-of-range");
  }
  return n;
}

function isPow2(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function normalizeBars(desc: PciFunctionDesc, p: string, maxBars: number): BarSpec[] {
  const used = new Set<number>();
  return (desc.bars ?? []).map((b, i) => {
    const bp = `${p}.bars[${i}]`;
    const index = intValue(b.index, `${bp}.index`, 0, maxBars - 1);
    const bits64 = b.bits64 ?? false;
    if (bits64 && index === maxBars - 1) throw inputError(`${bp}.index`, "a 64-bit BAR needs two slots");
    for (const slot of bits64 ? [index, index + 1] : [index]) {
      if (used.has(slot)) throw inputError(`${bp}.index`, `BAR slot ${slot} already used`, "duplicate");
      used.add(slot);
    }
    const size = intValue(b.size, `${bp}.size`, 16, bits64 ? 2 ** 52 : 2 ** 31);
    if (!isPow2(size)) throw inputError(`${bp}.size`, `must be a power of two, got ${size}`);
    const address = intValue(b.address ?? 0, `${bp}.address`, 0, bits64 ? 2 ** 53 - 1 : 0xffffffff);
    if (address % size !== 0) throw inputError(`${bp}.address`, "must be aligned to the BAR size");
    return { index, size, address, bits64, prefetchable: b.prefetchable ?? false };
  });
}

function normalizeMsix(desc: PciFunctionDesc, p: string, bars: readonly BarSpec[]): Required<MsixDesc> {
  const m = desc.msix!;
  const mp = `${p}.msix`;
  const vectors = intValue(m.vectors, `${mp}.vectors`, 1, 2048);
  const barOf = (idx: number, path: string) => {
    const bar = bars.find((b) => b.index === idx);
    if (!bar) throw inputError(path, `BAR ${idx} is not described in bars`, "missing-bar");
    return bar;
  };
  const bar = intValue(m.bar, `${mp}.bar`, 0, 5);
  const offset = intValue(m.offset, `${mp}.offset`, 0, 0xfffffff8);
  if (offset % 8 !== 0) throw inputError(`${mp}.offset`, "must be 8-byte aligned");
  if (offset + vectors * 16 > barOf(bar, `${mp}.bar`).size)
    throw inputError(`${mp}.offset`, "table beyond BAR");
  const pbaBar = intValue(m.pbaBar ?? bar, `${mp}.pbaBar`, 0, 5);
  const defPba = offset + Math.ceil((vectors * 16) / 0x1000) * 0x1000;
  const pbaOffset = intValue(m.pbaOffset ?? defPba, `${mp}.pbaOffset`, 0, 0xfffffff8);
  const pbaBytes = Math.ceil(vectors / 64) * 8;
  if (pbaOffset % 8 !== 0 || pbaOffset + pbaBytes > barOf(pbaBar, `${mp}.pbaBar`).size) {
    throw inputError(`${mp}.pbaOffset`, "PBA must be 8-byte aligned and inside its BAR");
  }
  return { vectors, bar, offset, pbaBar, pbaOffset };
}

function normalizeTph(desc: PciFunctionDesc, p: string, aer: boolean): Required<TphRequesterDesc> {
  const t = desc.tphRequester!;
  const tp = `${p}.tphRequester`;
  if (!["none", "cap", "msix", "reserved"].includes(t.location)) {
    throw inputError(
      `${tp}.location`,
      `must be none, cap, msix or reserved, got ${JSON.stringify(t.location)}`,
    );
  }
  const modes = t.modes ?? ["ns", "ds"];
  for (const [i, m] of modes.entries()) {
    if (!["ns", "iv", "ds"].includes(m))
      throw inputError(`${tp}.modes[${i}]`, `unknown mode ${JSON.stringify(m)}`);
  }
  if (t.location === "msix" && !desc.msix)
    throw inputError(`${tp}.location`, "msix location needs an msix block");
  const defSize = t.location === "msix" ? desc.msix!.vectors : 1;
  const tableSize = intValue(t.tableSize ?? defSize, `${tp}.tableSize`, 1, 2048);
  const offset = intValue(t.offset ?? (aer ? 0x1b0 : 0x100), `${tp}.offset`, 0x100, 0xff0);
  if (offset % 4 !== 0 || (aer && offset < 0x148) || (!aer && offset !== 0x100)) {
    throw inputError(`${tp}.offset`, "must be dword aligned, after AER (0x100..0x147), or 0x100 without AER");
  }
  const end = offset + 0x0c + (t.location === "cap" ? 2 * tableSize : 0);
  if (end > 0x1000)
    throw inputError(`${tp}.tableSize`, `capability ends at 0x${end.toString(16)}, past 0xfff`);
  return { modes, ext: t.ext ?? false, location: t.location, tableSize, offset };
}

/** ACS sits after AER (0x148), or at 0x100 without it; a TPH Requester there too is not modelled. */
function normalizeAcs(desc: PciFunctionDesc, path: string): { readonly redirect: boolean } | undefined {
  if (desc.acs === undefined) return undefined;
  if (desc.tphRequester)
    throw inputError(`${path}.acs`, "an ACS capability beside a TPH Requester is not modelled");
  return { redirect: desc.acs.redirect };
}

/** Validate `desc` and fill defaults. `path` prefixes error locations. */
export function normalizePciFunctionDesc(desc: PciFunctionDesc, path = "device"): PciFunctionSpec {
  const bdf = parseBdf(desc.bdf, `${path}.bdf`);
  if (!PCI_FUNCTION_TYPES.includes(desc.type)) {
    throw inputError(`${path}.type`, `must be one of ${PCI_FUNCTION_TYPES.join(", ")}`);
  }
  const bridge = isBridgeType(desc.type);
  const bars = normalizeBars(desc, path, bridge ? 2 : 6);
  const aer = desc.aer ?? true;
  const tphCompleter = intValue(desc.tphCompleter ?? 0, `${path}.tphCompleter`, 0, 3) as 0 | 1 | 2 | 3;
  const link = desc.link ?? { speed: 4, width: 16 };
  return {
    ...bdf,
    bdf: bdf.name,
    type: desc.type,
    vendor: intValue(desc.vendor, `${path}.vendor`, 0, 0xffff),
    device: intValue(desc.device, `${path}.device`, 0, 0xffff),
    classCode: intValue(desc.classCode ?? (bridge ? 0x060400 : 0xff0000), `${path}.classCode`, 0, 0xffffff),
    revision: intValue(desc.revision ?? 0, `${path}.revision`, 0, 0xff),
    subsystem: desc.subsystem ?? { vendor: desc.vendor, device: 0 },
    label: desc.label ?? "",
    bars,
    msix: desc.msix ? normalizeMsix(desc, path, bars) : undefined,
    pm: desc.pm ?? true,
    aer,
    flr: desc.flr ?? !bridge,
    tphCompleter,
    tphRequester: desc.tphRequester ? normalizeTph(desc, path, aer) : undefined,
    acs: normalizeAcs(desc, path),
    link: {
      speed: intValue(link.speed, `${path}.link.speed`, 1, 6),
      width: intValue(link.width, `${path}.link.width`, 1, 32),
    },
    memoryEnabled: desc.memoryEnabled ?? true,
    busMaster: desc.busMaster ?? true,
  };
}

/** Types with a type 1 (bridge) header. */
export function isBridgeType(type: PciFunctionType): boolean {
  return type === "root-port" || type === "upstream-port" || type === "downstream-port";
}
