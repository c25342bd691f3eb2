/**
 * Golden byte vectors, written out by hand from the header layout (PCIe Base 6.x section 2.2 and
 * shared/reference/pcie-tph.md section 3), not produced by the encoder.
 */
import { describe, expect, it } from "vitest";
import { decodeTlp, encodeTlp, toHex } from "../../src/pcie/tlp.js";
import { formatRid, parseRid, type Tlp, tlpTransactionBytes } from "../../src/pcie/tlp-types.js";

const bytes = (s: string) => Uint8Array.from(s.split(" ").map((x) => Number.parseInt(x, 16)));
const zeros = (n: number) => Array(n).fill("00").join(" ");
const flags = { tc: 0, attr: 0, ln: false, ep: false } as const;

const cases: { name: string; tlp: Tlp; hex: string }[] = [
  {
    // 0x60 = Fmt 011 (4DW, data) Type 0; 0x01 = TH; Tag byte = ST[7:0]; BE byte 1111/1111;
    // DW2 = Address[63:32]; DW3 = Address[31:2] | PH 10b.
    name: "MWr64 TH=1 PH=2 ST=0xF0 (8-bit ST in the Tag byte, no extra bytes)",
    tlp: {
      kind: "MWr",
      ...flags,
      addressBits: 64,
      address: 0x20_0000_0000n,
      lengthDw: 16,
      requesterId: 0x0300,
      at: 0,
      th: true,
      ph: 2,
      st: 0xf0,
      firstBe: 0xf,
      lastBe: 0xf,
      data: new Uint8Array(64),
    },
    hex: `60 01 00 10 03 00 f0 ff 00 00 00 20 00 00 00 02 ${zeros(64)}`,
  },
  {
    // Prefix 0x90 (Fmt 100, Type 1_0000) with ST[15:8] = 0x12; ST[7:0] = 0xf0 in the Tag byte;
    // requester 01:02.3 = 0000_0001 00010 011 = 0x0113; PH 11b in address bits 1:0.
    name: "MWr32 with a 16-bit ST 0x12F0 in the TPH prefix",
    tlp: {
      kind: "MWr",
      ...flags,
      addressBits: 32,
      address: 0x1000n,
      lengthDw: 1,
      requesterId: 0x0113,
      at: 0,
      th: true,
      ph: 3,
      st: 0x12f0,
      tphPrefix: true,
      firstBe: 0xf,
      lastBe: 0,
      data: bytes("de ad be ef"),
    },
    hex: "90 12 00 00 40 01 00 01 01 13 f0 0f 00 00 10 03 de ad be ef",
  },
  {
    // MRd32 TH=1: ST[7:0] = 0x5a in the BE byte (BEs implied 1111/0000), tag stays a tag.
    name: "MRd32 TH=1 PH=1 ST=0x5A in the BE byte",
    tlp: {
      kind: "MRd",
      ...flags,
      addressBits: 32,
      address: 0x8000_0010n,
      lengthDw: 1,
      requesterId: 0x0300,
      at: 0,
      th: true,
      ph: 1,
      st: 0x5a,
      tag: 7,
    },
    hex: "00 01 00 01 03 00 07 5a 80 00 00 11",
  },
  {
    // Every DW0 bit: T9 TC=7 T8 A2 LN = 0xfe; TD EP Attr=11 AT=10 Len[9:8]=00 = 0xf8; Length 0 =
    // 1024 DW; Tag 0x3ff (T9 T8 + 0xff); 4 KiB aligned so 1024 DW ends exactly at the boundary.
    name: "MRd64 1024 DW, all flags, 10-bit tag, ECRC digest",
    tlp: {
      kind: "MRd",
      tc: 7,
      attr: 7,
      ln: true,
      ep: true,
      ecrc: 0xdeadbeef,
      addressBits: 64,
      address: 0x1_0000_0000n,
      lengthDw: 1024,
      requesterId: 0xffff,
      at: 2,
      th: false,
      tag: 0x3ff,
      firstBe: 0xf,
      lastBe: 0xf,
    },
    hex: "20 fe f8 00 ff ff ff ff 00 00 00 01 00 00 00 00 de ad be ef",
  },
  {
    // CplD 0x4a; T8 set (tag 0x105); completer 01:00.0; SC, byte count 4; lower address 0x10.
    name: "CplD with a 10-bit tag",
    tlp: {
      kind: "CplD",
      ...flags,
      completerId: 0x0100,
      status: "SC",
      bcm: false,
      byteCount: 4,
      requesterId: 0x0300,
      tag: 0x105,
      lowerAddress: 0x10,
      lengthDw: 1,
      data: bytes("11 22 33 44"),
    },
    hex: "4a 08 00 01 01 00 00 04 03 00 05 10 11 22 33 44",
  },
  {
    // Cpl 0x0a, Length reserved (0); status UR = 001b in byte 6 bits 7:5; BCM bit 4; 4096 = 0.
    name: "Cpl UR with BCM and byte count 4096",
    tlp: {
      kind: "Cpl",
      ...flags,
      completerId: 0x0100,
      status: "UR",
      bcm: true,
      byteCount: 4096,
      requesterId: 0x0300,
      tag: 9,
      lowerAddress: 0,
    },
    hex: "0a 00 00 00 01 00 30 00 03 00 09 00",
  },
];

describe("golden TLP byte vectors", () => {
  for (const c of cases) {
    it(`encodes ${c.name}`, () => {
      expect(toHex(encodeTlp(c.tlp))).toBe(c.hex);
    });
    it(`decodes ${c.name}`, () => {
      expect(decodeTlp(bytes(c.hex))).toStrictEqual(c.tlp);
    });
  }
});

describe("tlpTransactionBytes", () => {
  it("counts header, prefix, payload and digest from the table", () => {
    expect(tlpTransactionBytes("MWr", 64, 256, false, false)).toEqual({
      prefix: 0,
      header: 16,
      payload: 256,
      digest: 0,
      total: 272,
    });
    expect(tlpTransactionBytes("MRd", 32, 0, true, true).total).toBe(4 + 12 + 4);
    expect(tlpTransactionBytes("CplD", 64, 5, false, false)).toMatchObject({ header: 12, payload: 8 });
  });
  it("rejects a payload on MRd/Cpl, none on MWr/CplD, and a prefix on completions", () => {
    expect(() => tlpTransactionBytes("MRd", 64, 4, false, false)).toThrow(/payloadBytes/);
    expect(() => tlpTransactionBytes("MWr", 64, 0, false, false)).toThrow(/payloadBytes/);
    expect(() => tlpTransactionBytes("CplD", 32, 4097, false, false)).toThrow(/payloadBytes/);
    expect(() => tlpTransactionBytes("Cpl", 32, 0, true, false)).toThrow(/hasPrefix/);
  });
  it("matches the encoder's length for every golden vector", () => {
    for (const { tlp } of cases) {
      const isMem = tlp.kind === "MRd" || tlp.kind === "MWr";
      const payload = tlp.kind === "MWr" || tlp.kind === "CplD" ? tlp.data.length : 0;
      const s = tlpTransactionBytes(
        tlp.kind,
        isMem ? tlp.addressBits : 32,
        payload,
        isMem && tlp.tphPrefix === true,
        tlp.ecrc !== undefined,
      );
      expect(s.total).toBe(encodeTlp(tlp).length);
    }
  });
});

describe("routing IDs", () => {
  it("formats and parses bb:dd.f", () => {
    expect(formatRid(0x0113)).toBe("01:02.3");
    expect(parseRid("01:02.3")).toBe(0x0113);
    expect(parseRid("ff:1f.7")).toBe(0xffff);
    expect(parseRid("00:20.0")).toBeUndefined();
    expect(parseRid("00:00.8")).toBeUndefined();
    expect(parseRid("0000:00:00.0")).toBeUndefined();
  });
});
