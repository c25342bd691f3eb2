/**
 * Config-space readers: text written by `lspci -x`/`-xxx`/`-xxxx`, and raw binary files
 * (e.g. a copy of /sys/bus/pci/devices/DDDD:BB:DD.F/config).
 *
 * The text format follows pciutils' dump reader (lib/dump.c, pciutils 3.9.0):
 *  - a line starting `BB:DD.F ` or `DDDD:BB:DD.F ` (4 or 5 hex digits of domain) starts a device;
 *    the rest of the line is the description lspci printed when the dump was made;
 *  - `OFF: xx xx ...` (2 to 8 hex digits of offset) carries bytes for the current device, each byte
 *    two hex digits followed by one space or the end of the line;
 *  - an empty line ends the current device; any other line (e.g. the tab-indented `lspci -vvv`
 *    text some dumps carry) is ignored;
 *  - bytes never written read as 0xff; the device's length is the highest offset written + 1.
 * Where lspci silently ignores or tolerates something odd, we are stricter and name the line:
 * data outside a device, overlapping offsets, malformed bytes, devices shorter than 64 bytes.
 */
import { inputError } from "../base/errors.js";
import { ConfigSpace } from "./config-space.js";
import { CONFIG_SIZE_EXTENDED } from "./registers.js";

/** A function's address: PCI domain (segment), bus, device, function. */
export interface PciSlot {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
}

/** One function read from a dump or a binary file. */
export interface DumpDevice {
  readonly slot: PciSlot;
  /** The text after the slot on the device line (what lspci printed when the dump was made). */
  readonly description?: string;
  readonly config: ConfigSpace;
  /** 1-based line of the device line in the source text (0 for binary input). */
  readonly line: number;
}

/** The standard header every function has: lspci needs at least these 64 bytes. */
export const MIN_CONFIG_BYTES = 64;

/** `BB:DD.F` or `DDDD:BB:DD.F` as lspci prints it (`%04x:%02x:%02x.%d`). */
export function formatSlot(slot: PciSlot, withDomain = slot.domain !== 0): string {
  const h2 = (n: number) => n.toString(16).padStart(2, "0");
  const dom = withDomain ? `${slot.domain.toString(16).padStart(4, "0")}:` : "";
  return `${dom}${h2(slot.bus)}:${h2(slot.device)}.${slot.function}`;
}

const DEVICE_LINE = /^(?:([0-9a-fA-F]{4,5}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F])(?: (.*))?$/;
const DATA_LINE = /^([0-9a-fA-F]{2,8}): (.*)$/;

interface Pending {
  slot: PciSlot;
  description: string;
  line: number;
  bytes: Uint8Array;
  length: number;
}

/**
 * Parse the text of an `lspci -x`/`-xxx`/`-xxxx` dump (any number of devices).
 * Throws InputError with path `FILE:LINE` on malformed input, or `FILE` when no device is found.
 */
export function parseLspciDump(text: string, fileName: string): DumpDevice[] {
  const devices: DumpDevice[] = [];
  let cur: Pending | undefined;
  const lines = text.split("\n");
  // A trailing newline leaves one empty element that is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const where = `${fileName}:${lineNo}`;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const dev = DEVICE_LINE.exec(line);
    if (dev) {
      if (cur) devices.push(finish(cur, fileName));
      cur = startDevice(dev, lineNo, where);
      return;
    }
    if (line === "") {
      if (cur) devices.push(finish(cur, fileName));
      cur = undefined;
      return;
    }
    const data = DATA_LINE.exec(line);
    if (!data) return; // lspci ignores any other line (e.g. tab-indented -vvv text)
    if (!cur) throw inputError(where, "hex data outside a device (no `BB:DD.F` line before it)", "dump");
    addBytes(cur, Number.parseInt(data[1]!, 16), data[2]!, where);
  });
  if (cur) devices.push(finish(cur, fileName));
  if (devices.length === 0) {
    throw inputError(fileName, "not an lspci -x dump: no `BB:DD.F description` line found", "dump");
  }
  return devices;
}

function startDevice(m: RegExpExecArray, lineNo: number, where: string): Pending {
  const fn = Number.parseInt(m[4]!, 16);
  if (fn > 7) throw inputError(where, `function number ${m[4]} out of range 0-7`, "dump");
  const slot: PciSlot = {
    domain: m[1] === undefined ? 0 : Number.parseInt(m[1], 16),
    bus: Number.parseInt(m[2]!, 16),
    device: Number.parseInt(m[3]!, 16),
    function: fn,
  };
  return { slot, description: m[5] ?? "", line: lineNo, bytes: new Uint8Array(0), length: 0 };
}

/** Parse `xx xx ...` like lib/dump.c: two hex digits then one space or the end of the line. */
function addBytes(cur: Pending, offset: number, rest: string, where: string): void {
  if (offset < cur.length) {
    throw inputError(
      where,
      `offset 0x${offset.toString(16)} out of order: bytes up to 0x${(cur.length - 1).toString(16)} already given`,
      "dump",
    );
  }
  const values: number[] = [];
  let p = 0;
  while (p < rest.length) {
    const pair = rest.slice(p, p + 2);
    const sep = rest[p + 2];
    if (!/^[0-9a-fA-F]{2}$/.test(pair) || (sep !== undefined && sep !== " ")) {
      throw inputError(where, `malformed hex byte at column ${p + 1}: '${rest.slice(p, p + 3)}'`, "dump");
    }
    values.push(Number.parseInt(pair, 16));
    p += 3;
  }
  if (offset + values.length > CONFIG_SIZE_EXTENDED) {
    throw inputError(where, `offset 0x${offset.toString(16)}: at most 4096 bytes of config space`, "dump");
  }
  if (cur.bytes.length < offset + values.length) {
    // Bytes never written read as 0xff, as in lib/dump.c.
    const grown = new Uint8Array(offset + values.length > 256 ? CONFIG_SIZE_EXTENDED : 256).fill(0xff);
    grown.set(cur.bytes.subarray(0, cur.length));
    cur.bytes = grown;
  }
  cur.bytes.set(values, offset);
  cur.length = Math.max(cur.length, offset + values.length);
}

function finish(cur: Pending, fileName: string): DumpDevice {
  if (cur.length < MIN_CONFIG_BYTES) {
    throw inputError(
      `${fileName}:${cur.line}`,
      `device ${formatSlot(cur.slot)} has ${cur.length} bytes of config space; at least 64 are needed`,
      "dump",
    );
  }
  const config = new ConfigSpace(cur.bytes, cur.length);
  const base = { slot: cur.slot, config, line: cur.line };
  return cur.description === "" ? base : { ...base, description: cur.description };
}

/**
 * Read a raw binary config space (64, 256 or 4096 bytes as sysfs gives; other sizes: the first
 * min(size, 4096) bytes, provided there are at least 64).
 */
export function parseBinaryConfig(bytes: Uint8Array, slot: PciSlot, fileName = "<binary>"): DumpDevice {
  if (bytes.length < MIN_CONFIG_BYTES) {
    throw inputError(
      fileName,
      `binary config space has ${bytes.length} bytes; at least 64 are needed`,
      "binary",
    );
  }
  const length = Math.min(bytes.length, CONFIG_SIZE_EXTENDED);
  return { slot, config: new ConfigSpace(bytes.subarray(0, length), length), line: 0 };
}

/**
 * True when `bytes` look like an lspci text dump rather than raw config space: no NUL byte, valid
 * UTF-8, and no control characters other than tab, CR and LF. Raw config space nearly always has a
 * zero byte; an all-0xff space is invalid UTF-8.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}
