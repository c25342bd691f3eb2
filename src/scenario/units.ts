/**
 * Quantities with units in scenario files: times ("150ns"), bandwidths ("100Gb/s"), sizes
 * ("4KiB" or a bare byte count) and plain counts. Each kind parses to one base unit, so the rest
 * of the program never sees a unit: integer picoseconds (src/sim/time.ts), bits per second,
 * integer bytes.
 *
 * Decimal prefixes are powers of 1000 (Gb/s = 1e9 bit/s, as PCIe and Ethernet rates are quoted);
 * binary sizes (KiB, MiB, GiB) are powers of 1024 and KB/MB/GB powers of 1000.
 */

/** What a quantity measures. */
export const QUANTITY_KINDS = ["time", "bandwidth", "size"] as const;
export type QuantityKind = (typeof QUANTITY_KINDS)[number];

/** Multipliers to the base unit, by unit spelling (case-sensitive: "Mb/s" is not "MB/s"). */
const UNITS: Readonly<Record<QuantityKind, Readonly<Record<string, number>>>> = {
  time: { ps: 1, ns: 1e3, us: 1e6, µs: 1e6, ms: 1e9, s: 1e12 },
  bandwidth: {
    "b/s": 1,
    "Kb/s": 1e3,
    "Mb/s": 1e6,
    "Gb/s": 1e9,
    "Tb/s": 1e12,
    "B/s": 8,
    "KB/s": 8e3,
    "MB/s": 8e6,
    "GB/s": 8e9,
    "TB/s": 8e12,
  },
  size: { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 },
};

/** The base unit each kind parses to (for documentation). */
export const BASE_UNIT: Readonly<Record<QuantityKind, string>> = {
  time: "ps",
  bandwidth: "b/s",
  size: "B",
};

/** An example of each kind, for "expected ..." messages. */
export const EXAMPLE: Readonly<Record<QuantityKind, string>> = {
  time: "150ns",
  bandwidth: "100Gb/s",
  size: "4KiB",
};

const QUANTITY_RE = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([^\s\d].*?)?\s*$/;

/** The unit spellings accepted for a kind. */
export function unitsOf(kind: QuantityKind): readonly string[] {
  return Object.keys(UNITS[kind]);
}

/**
 * Parse "150ns" / "2.5 us" / "100Gb/s" / "4KiB" to the base unit. A bare number is accepted only
 * for sizes (bytes). Returns a string describing the problem when the text is not such a quantity.
 */
export function parseQuantity(kind: QuantityKind, v: unknown): number | string {
  if (typeof v === "number") {
    if (kind === "size") return v;
    return `a number needs a unit (${unitsOf(kind).join(", ")})`;
  }
  if (typeof v !== "string") return "not a quantity";
  const m = QUANTITY_RE.exec(v);
  if (!m) return "not a number with a unit";
  const unit = m[2] ?? (kind === "size" ? "B" : undefined);
  if (unit === undefined) return `missing unit (${unitsOf(kind).join(", ")})`;
  const mult = Object.hasOwn(UNITS[kind], unit) ? UNITS[kind][unit] : undefined;
  if (mult === undefined) return `unknown unit '${unit}' (use ${unitsOf(kind).join(", ")})`;
  return scaled(Number(m[1]), mult);
}

/** `x` times `mult`, with binary noise such as 0.1 * 1e3 = 100.00000000000001 rounded away. */
export function scaled(x: number, mult: number): number {
  const n = x * mult;
  const r = Math.round(n);
  return Math.abs(n - r) < 1e-9 * Math.max(1, Math.abs(n)) ? r : n;
}

/** Print a time in picoseconds with the largest unit that keeps it short ("1.5us", "150ns"). */
export function formatTimePs(ps: number): string {
  return formatWith(ps, [
    ["s", 1e12],
    ["ms", 1e9],
    ["us", 1e6],
    ["ns", 1e3],
    ["ps", 1],
  ]);
}

/** Print bits per second as Gb/s, Mb/s... ("100Gb/s"). */
export function formatBandwidth(bps: number): string {
  return formatWith(bps, [
    ["Tb/s", 1e12],
    ["Gb/s", 1e9],
    ["Mb/s", 1e6],
    ["Kb/s", 1e3],
    ["b/s", 1],
  ]);
}

/** Print bytes with a binary unit when exact ("4KiB", "2MiB", "1500B"). */
export function formatSize(bytes: number): string {
  for (const [u, m] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= m && bytes % m === 0) return `${bytes / m}${u}`;
  }
  return `${bytes}B`;
}

/** Print a quantity of `kind` given in its base unit. */
export function formatQuantity(kind: QuantityKind, v: number): string {
  if (kind === "time") return formatTimePs(v);
  if (kind === "bandwidth") return formatBandwidth(v);
  return formatSize(v);
}

function formatWith(v: number, units: readonly (readonly [string, number])[]): string {
  if (v === 0) return `0${units[units.length - 1]![0]}`;
  for (const [u, m] of units) {
    if (Math.abs(v) >= m) return `${trim(v / m)}${u}`;
  }
  const [u, m] = units[units.length - 1]!;
  return `${trim(v / m)}${u}`;
}

/** At most 4 significant decimals, no trailing zeros. */
function trim(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}
