import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { formatSlot, looksLikeText, parseBinaryConfig, parseLspciDump } from "../../src/pcie/dump.js";
import { dumpText } from "./cfg-builder.js";

const bytes = (n: number, f: (i: number) => number = (i) => i & 0xff) =>
  Uint8Array.from({ length: n }, (_, i) => f(i));

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("parseLspciDump", () => {
  it("reads several devices of 64, 256 and 4096 bytes", () => {
    const text = dumpText([
      { slot: "00:00.0", bytes: bytes(64), desc: "Host bridge: X" },
      { slot: "00:1f.3", bytes: bytes(256) },
      { slot: "0001:6a:01.7", bytes: bytes(4096, (i) => (i * 7) & 0xff) },
    ]);
    const devs = parseLspciDump(text, "f");
    expect(devs.map((d) => d.config.length)).toEqual([64, 256, 4096]);
    expect(devs[0]!.slot).toEqual({ domain: 0, bus: 0, device: 0, function: 0 });
    expect(devs[0]!.description).toBe("Host bridge: X");
    expect(devs[0]!.line).toBe(1);
    expect(devs[1]!.slot).toEqual({ domain: 0, bus: 0, device: 0x1f, function: 3 });
    expect(devs[2]!.slot).toEqual({ domain: 1, bus: 0x6a, device: 1, function: 7 });
    expect(devs[2]!.config.read8(0xfff)).toBe((0xfff * 7) & 0xff);
    expect(devs[1]!.config.read32(0xfc)).toBe(0xfffefdfc);
  });

  it("ignores tab-indented lspci -vvv text between the device line and the bytes, and CRLF", () => {
    const text = `00:02.0 VGA\r\n\tSubsystem: foo\r\n\tCapabilities: [40] x\r\n${dumpText([
      { slot: "", bytes: bytes(64) },
    ])
      .replace(/^ Device\n/, "")
      .replace(/\n/g, "\r\n")}`;
    const [d] = parseLspciDump(text, "f");
    expect(d!.config.length).toBe(64);
    expect(d!.config.read8(0x3f)).toBe(0x3f);
  });

  it("accepts 5-digit domains and upper-case hex like lib/dump.c", () => {
    const text = `10000:AB:1F.2 dev\n00: ${"FF ".repeat(15)}FF\n10: ${"00 ".repeat(16).trim()}\n20: ${"00 ".repeat(16).trim()}\n30: ${"00 ".repeat(16).trim()}\n`;
    const [d] = parseLspciDump(text, "f");
    expect(d!.slot).toEqual({ domain: 0x10000, bus: 0xab, device: 0x1f, function: 2 });
    expect(d!.config.read16(0)).toBe(0xffff);
  });

  it("fills bytes never written with 0xff (gaps), length = highest offset + 1", () => {
    const rows = [
      "00:00.0 d",
      ...[0, 1, 2, 3].map((r) => `${(r * 16).toString(16).padStart(2, "0")}: ${"11 ".repeat(16).trim()}`),
    ];
    rows.push(`60: ${"22 ".repeat(16).trim()}`);
    const [d] = parseLspciDump(rows.join("\n"), "f");
    expect(d!.config.length).toBe(0x70);
    expect(d!.config.read8(0x40)).toBe(0xff);
    expect(d!.config.read8(0x60)).toBe(0x22);
  });

  it("rejects text without any device line", () => {
    const e = errorOf(() => parseLspciDump("hello\nworld\n", "x.txt"));
    expect(e.issues[0]!.path).toBe("x.txt");
    expect(e.message).toMatch(/not an lspci -x dump/);
  });

  it.each([
    ["odd hex", "00:00.0 d\n00: 0a 1\n", "f:2", /malformed hex byte/],
    ["invalid hex", "00:00.0 d\n00: 0a zz\n", "f:2", /malformed hex byte/],
    ["two spaces", "00:00.0 d\n00: 0a  0b\n", "f:2", /malformed hex byte/],
    ["data before a device", "00: 00 11\n00:00.0 d\n", "f:1", /outside a device/],
    [
      "data after a blank line",
      `${dumpText([{ slot: "00:00.0", bytes: bytes(64) }])}40: 00\n`,
      "f:7",
      /outside a device/,
    ],
    ["offset out of order", `00:00.0 d\n00: ${"00 ".repeat(16).trim()}\n08: 00\n`, "f:3", /out of order/],
    ["offset too large", "00:00.0 d\nfff: 00 00\n", "f:2", /4096/],
    ["too short", "00:00.0 d\n00: 00 00\n", "f:1", /at least 64/],
    ["bad function", "00:00.8 d\n", "f:1", /function/],
  ])("rejects %s with FILE:LINE", (_name, text, path, msg) => {
    const e = errorOf(() => parseLspciDump(text, "f"));
    expect(e.issues[0]!.path).toBe(path);
    expect(e.issues[0]!.message).toMatch(msg);
    expect(e.issues).toHaveLength(1);
  });
});

describe("parseBinaryConfig", () => {
  const slot = { domain: 0, bus: 3, device: 0, function: 1 };
  it.each([64, 256, 4096])("keeps all %i bytes", (n) => {
    expect(parseBinaryConfig(bytes(n), slot).config.length).toBe(n);
  });
  it("takes what is there for other sizes >= 64, at most 4096", () => {
    expect(parseBinaryConfig(bytes(100), slot).config.length).toBe(100);
    expect(parseBinaryConfig(bytes(5000), slot).config.length).toBe(4096);
  });
  it("rejects fewer than 64 bytes, naming the file", () => {
    const e = errorOf(() => parseBinaryConfig(bytes(63), slot, "cfg.bin"));
    expect(e.issues[0]!.path).toBe("cfg.bin");
  });
});

describe("looksLikeText / formatSlot", () => {
  it("tells dumps from binary config space", () => {
    expect(looksLikeText(new TextEncoder().encode("00:00.0 x\n00: 00\n"))).toBe(true);
    expect(looksLikeText(bytes(64))).toBe(false);
    expect(looksLikeText(bytes(64, () => 0xff))).toBe(false);
  });
  it("formats slots as lspci does", () => {
    expect(formatSlot({ domain: 0, bus: 0x6a, device: 1, function: 0 })).toBe("6a:01.0");
    expect(formatSlot({ domain: 0, bus: 0x6a, device: 1, function: 0 }, true)).toBe("0000:6a:01.0");
    expect(formatSlot({ domain: 0x10000, bus: 0, device: 0x1f, function: 7 })).toBe("10000:00:1f.7");
  });
});
