/**
 * The PCI ID database (pci.ids, https://pci-ids.ucw.cz): vendor, device, subsystem and class names,
 * and name formatting as libpci's pci_lookup_name does it (pciutils 3.9.0 lib/names.c,
 * lib/names-parse.c), so headings and device lines read exactly as lspci prints them.
 *
 * File syntax: `vvvv  name` vendor; `\tdddd  name` device; `\t\tssss dddd  name` subsystem;
 * `C cc  name` class, `\tss  name` subclass, `\t\tpp  name` programming interface;
 * `S vvvv` starts a generic subsystem block; other `X ` blocks are skipped; `#` comments.
 * When no database is loaded, lookups fail and names come out numeric (`Device 8086:0b25`,
 * `Class 0880`), as lspci prints them without one.
 */
import { inputError } from "../base/errors.js";

const h4 = (n: number) => n.toString(16).padStart(4, "0");

export class PciIds {
  private readonly names = new Map<string, string>();

  /** Store a name; false if the key already exists (a duplicate entry). */
  insert(key: string, name: string): boolean {
    if (this.names.has(key)) return false;
    this.names.set(key, name);
    return true;
  }
  vendor(v: number): string | undefined {
    return this.names.get(`v${v}`);
  }
  device(v: number, d: number): string | undefined {
    return this.names.get(`d${v}:${d}`);
  }
  /** Per-device subsystem entry (`\t\tssss dddd` under vendor v, device d). */
  subsystem(v: number, d: number, sv: number, sd: number): string | undefined {
    return this.names.get(`s${v}:${d}:${sv}:${sd}`);
  }
  /** Generic subsystem entry (from an `S vvvv` block). */
  genericSubsystem(sv: number, sd: number): string | undefined {
    return this.names.get(`g${sv}:${sd}`);
  }
  baseClass(c: number): string | undefined {
    return this.names.get(`c${c}`);
  }
  subclass(c: number, s: number): string | undefined {
    return this.names.get(`c${c}:${s}`);
  }
  progIf(c: number, s: number, p: number): string | undefined {
    return this.names.get(`c${c}:${s}:${p}`);
  }
}

/** `cnt` hex digits at `s[at]`, or -1 (names-parse.c id_hex). */
function idHex(s: string, at: number, cnt: number): number {
  const part = s.slice(at, at + cnt);
  return part.length === cnt && /^[0-9a-fA-F]+$/.test(part) ? Number.parseInt(part, 16) : -1;
}
const isWhite = (c: string | undefined) => c === " " || c === "\t";

type Cat =
  | "none"
  | "vendor"
  | "device"
  | "subsystem"
  | "gensub"
  | "class"
  | "subclass"
  | "progif"
  | "unknown";

interface ParseState {
  cat: Cat;
  id1: number;
  id2: number;
}

/**
 * Parse pci.ids text. Errors (lspci: "Parse error", "Duplicate entry", "Vendor does not exist")
 * throw InputError at `FILE:LINE`.
 */
export function parsePciIds(text: string, fileName: string): PciIds {
  const ids = new PciIds();
  const st: ParseState = { cat: "none", id1: 0, id2: 0 };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/\r$/, "");
    // names-parse.c strips a single trailing blank.
    if (isWhite(line[line.length - 1])) line = line.slice(0, -1);
    const trimmed = line.replace(/^[ \t]+/, "");
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const err = parseLine(ids, st, line);
    if (err) throw inputError(`${fileName}:${i + 1}`, err, "pci-ids");
  }
  return ids;
}

/** Parse one non-comment line; returns an error message or undefined. */
function parseLine(ids: PciIds, st: ParseState, line: string): string | undefined {
  const nest = /^\t*/.exec(line)![0].length;
  const p = line.slice(nest);
  let key: string;
  let rest: string;
  if (nest === 0) {
    if (p[0] === "C" && p[1] === " ") {
      const c = idHex(p, 2, 2);
      if (c < 0 || !isWhite(p[4])) return "Parse error";
      Object.assign(st, { cat: "class", id1: c });
      key = `c${c}`;
      rest = p.slice(5);
    } else if (p[0] === "S" && p[1] === " ") {
      const v = idHex(p, 2, 4);
      if (v < 0 || p.length !== 6) return "Parse error";
      if (ids.vendor(v) === undefined) return "Vendor does not exist";
      Object.assign(st, { cat: "gensub", id1: v });
      return undefined;
    } else if (/^[A-Z] /.test(p)) {
      st.cat = "unknown";
      return undefined;
    } else {
      const v = idHex(p, 0, 4);
      if (v < 0 || !isWhite(p[4])) return "Parse error";
      Object.assign(st, { cat: "vendor", id1: v });
      key = `v${v}`;
      rest = p.slice(5);
    }
  } else if (st.cat === "unknown") {
    return undefined;
  } else if (nest === 1) {
    const r = nestedOne(st, p);
    if (!r) return "Parse error";
    [key, rest] = r;
  } else if (nest === 2) {
    const r = nestedTwo(st, p);
    if (!r) return "Parse error";
    [key, rest] = r;
  } else {
    return "Parse error";
  }
  const name = rest.replace(/^[ \t]+/, "");
  if (name === "") return "Parse error";
  return ids.insert(key, name) ? undefined : "Duplicate entry";
}

function nestedOne(st: ParseState, p: string): [string, string] | undefined {
  if (st.cat === "vendor" || st.cat === "device" || st.cat === "subsystem" || st.cat === "gensub") {
    const d = idHex(p, 0, 4);
    if (d < 0 || !isWhite(p[4])) return undefined;
    if (st.cat === "gensub") return [`g${st.id1}:${d}`, p.slice(5)];
    st.cat = "device";
    st.id2 = d;
    return [`d${st.id1}:${d}`, p.slice(5)];
  }
  if (st.cat === "class" || st.cat === "subclass" || st.cat === "progif") {
    const s = idHex(p, 0, 2);
    if (s < 0 || !isWhite(p[2])) return undefined;
    st.cat = "subclass";
    st.id2 = s;
    return [`c${st.id1}:${s}`, p.slice(3)];
  }
  return undefined;
}

function nestedTwo(st: ParseState, p: string): [string, string] | undefined {
  if (st.cat === "device" || st.cat === "subsystem") {
    const sv = idHex(p, 0, 4);
    const sd = idHex(p, 5, 4);
    if (sv < 0 || !isWhite(p[4]) || sd < 0 || !isWhite(p[9])) return undefined;
    st.cat = "subsystem";
    return [`s${st.id1}:${st.id2}:${sv}:${sd}`, p.slice(10)];
  }
  if (st.cat === "subclass" || st.cat === "progif") {
    const pi = idHex(p, 0, 2);
    if (pi < 0 || !isWhite(p[2])) return undefined;
    st.cat = "progif";
    return [`c${st.id1}:${st.id2}:${pi}`, p.slice(3)];
  }
  return undefined;
}

/**
 * lspci's buffers: a name that does not fit in `size` bytes (with its NUL) ends in `...`
 * (names.c format_name: the last three characters before the NUL become dots).
 */
function fitName(s: string, size: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length < size) return s;
  return `${new TextDecoder().decode(bytes.subarray(0, size - 4))}...`;
}

/** Buffer sizes lspci uses: 128 for class and device names, 256 for subsystem names. */
export const NAME_BUF = { CLASS: 128, DEVICE: 128, SUBSYSTEM: 256 } as const;

/** lspci's -n count: 0 names, 1 numbers only (`-n`), 2 names and numbers (`-nn`). */
export type NameMode = 0 | 1 | 2;

/** Vendor and device name as lspci's device line prints them (`Intel Corporation Device 0b25`). */
export function vendorDeviceName(
  ids: PciIds | undefined,
  v: number,
  d: number,
  mode: NameMode = 0,
  size: number = NAME_BUF.DEVICE,
): string {
  const num = `${h4(v)}:${h4(d)}`;
  return fitName(pairName(mode === 1 ? undefined : ids?.vendor(v), ids?.device(v, d), num, mode), size);
}

/** libpci format_name_pair: both names, vendor + `Device dddd`, or `Device vvvv:dddd`; -n, -nn. */
function pairName(v: string | undefined, d: string | undefined, num: string, mode: NameMode): string {
  if (mode === 1) return num;
  if (mode === 2) {
    if (v !== undefined && d !== undefined) return `${v} ${d} [${num}]`;
    return v === undefined ? `Device [${num}]` : `${v} Device [${num}]`;
  }
  if (v !== undefined && d !== undefined) return `${v} ${d}`;
  if (v === undefined) return `Device ${num}`;
  return `${v} Device ${num.slice(5)}`;
}

/**
 * Subsystem name (lspci `Subsystem:` lines and the SSVID capability heading): per-device entry,
 * then generic entry, then the device's own name when the subsystem IDs equal the device IDs
 * (names.c id_lookup_subsys).
 */
export function subsystemName(
  ids: PciIds | undefined,
  v: number,
  d: number,
  sv: number,
  sd: number,
  mode: NameMode = 0,
  size: number = NAME_BUF.SUBSYSTEM,
): string {
  let name = v > 0 && d > 0 ? ids?.subsystem(v, d, sv, sd) : undefined;
  name ??= ids?.genericSubsystem(sv, sd);
  if (name === undefined && v === sv && d === sd) name = ids?.device(v, d);
  const vendor = mode === 1 ? undefined : ids?.vendor(sv);
  return fitName(pairName(vendor, name, `${h4(sv)}:${h4(sd)}`, mode), size);
}

/** Class name for the device line: subclass name, else `Base class name [ccss]`, else `Class ccss`. */
export function className(
  ids: PciIds | undefined,
  cls: number,
  mode: NameMode = 0,
  size: number = NAME_BUF.CLASS,
): string {
  if (mode === 1) return h4(cls);
  const sub = ids?.subclass(cls >> 8, cls & 0xff);
  if (sub !== undefined) return fitName(mode === 2 ? `${sub} [${h4(cls)}]` : sub, size);
  const base = ids?.baseClass(cls >> 8);
  if (base !== undefined) return fitName(`${base} [${h4(cls)}]`, size);
  return fitName(mode === 2 ? `Class [${h4(cls)}]` : `Class ${h4(cls)}`, size);
}

/**
 * Programming interface name, or undefined when unknown (lspci prints `(prog-if xx [name])`).
 * IDE controllers (class 0101) get a name built from the prog-if bits when the database has none.
 */
export function progIfName(ids: PciIds | undefined, cls: number, progIf: number): string | undefined {
  const known = ids?.progIf(cls >> 8, cls & 0xff, progIf);
  if (known !== undefined || cls !== 0x0101 || (progIf & 0x70) !== 0) return known;
  const parts = [
    [0x80, "Master"],
    [0x08, "SecP"],
    [0x04, "SecO"],
    [0x02, "PriP"],
    [0x01, "PriO"],
  ] as const;
  return parts
    .filter(([bit]) => (progIf & bit) !== 0)
    .map(([, n]) => n)
    .join(" ");
}
