/**
 * analyzeTlp, the protocol-analyzer decode, on vectors written by hand from the header layout in
 * ../shared/reference/pcie-tph.md section 3 (never produced by our encoder), and a property over
 * header-only memory requests packed by a small independent packer in this file.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeTlp, decodeTlp } from "../../src/pcie/tlp.js";
import { TlpError } from "../../src/pcie/tlp-types.js";

const bytes = (s: string) => Uint8Array.from(s.trim().split(/\s+/), (x) => Number.parseInt(x, 16));
const rules = (hex: string) => analyzeTlp(bytes(hex)).violations.map((v) => `${v.rule} @ ${v.path}`);

describe("analyzeTlp: headers without their payload", () => {
  it("an MWr32 header of 16 DW: fields decoded, payload absent, no violation", () => {
    // 40: Fmt 010 (3 DW, data) Type 00000 = MWr; 00 00 10: Length 16. Requester 01:00.0, tag 0,
    // Last/First BE 1111/1111; Address 0x1000.
    const a = analyzeTlp(bytes("40 00 00 10  01 00 00 ff  00 00 10 00"));
    expect(a.payload).toBe("absent");
    expect(a.digest).toBe("none");
    expect(a.violations).toEqual([]);
    expect(a.tlp).toMatchObject({
      kind: "MWr",
      addressBits: 32,
      address: 0x1000n,
      lengthDw: 16,
      requesterId: 0x0100,
    });
  });
  it("an MWr64 with TH = 1, ST 0xf0 in the Tag byte, PH 10b in address bits 1:0", () => {
    // 60: Fmt 011 (4 DW, data); 01: TH; Length 16; Requester 03:00.0; Tag byte = ST 0xf0; BE ff;
    // Address[63:32] = 0x20; Address[31:2] = 0, PH = 2.
    const a = analyzeTlp(bytes("60 01 00 10  03 00 f0 ff  00 00 00 20  00 00 00 02"));
    expect(a).toMatchObject({ payload: "absent", violations: [] });
    expect(a.tlp).toMatchObject({ kind: "MWr", address: 0x20_0000_0000n, th: true, ph: 2, st: 0xf0 });
    expect(a.tlp).not.toHaveProperty("tag");
  });
  it("a CplD header of 16 DW", () => {
    // 4a: Fmt 010, Type 01010 = CplD; Completer 01:00.0, status SC, Byte Count 0x040; Requester
    // 03:00.0, tag 5, Lower Address 0.
    const a = analyzeTlp(bytes("4a 00 00 10  01 00 00 40  03 00 05 00"));
    expect(a).toMatchObject({ payload: "absent", violations: [] });
    expect(a.tlp).toMatchObject({
      kind: "CplD",
      completerId: 0x0100,
      byteCount: 64,
      requesterId: 0x0300,
      tag: 5,
    });
  });
  it("TD = 1 and the capture ends with the header or with the data: the digest is absent", () => {
    // 00 00 80 01: MRd32, TD (byte 2 bit 7), Length 1.
    expect(analyzeTlp(bytes("00 00 80 01  03 00 07 0f  00 00 10 00"))).toMatchObject({
      payload: "none",
      digest: "absent",
    });
    const withData = analyzeTlp(bytes("40 00 80 01  03 00 00 0f  00 00 10 00  de ad be ef"));
    expect(withData).toMatchObject({ payload: "present", digest: "absent", violations: [] });
  });
  it("the strict decodeTlp still refuses a header without its payload", () => {
    expect(() => decodeTlp(bytes("40 00 00 10  01 00 00 ff  00 00 10 00"))).toThrow(/truncated/);
  });
});

describe("analyzeTlp: rule-breaking TLPs decode with their violations", () => {
  it("a 512-byte MRd crossing a 4 KiB boundary", () => {
    // Length 0x80 = 128 DW = 512 B from 0x1f00: ends at 0x2100, past 0x2000.
    const a = analyzeTlp(bytes("00 00 00 80  03 00 05 ff  00 00 1f 00"));
    expect(a.tlp).toMatchObject({ kind: "MRd", address: 0x1f00n, lengthDw: 128, tag: 5 });
    expect(a.violations).toEqual([
      { rule: "4k-boundary", path: "lengthDw", message: "128 DW from 0x1f00 crosses a 4 KiB boundary" },
    ]);
  });
  it("reserved bits: PH with TH = 0, Tag[9:8] in a posted request", () => {
    expect(rules("00 00 00 01  03 00 07 0f  00 00 10 02")).toEqual(["reserved-bits @ byte 11"]);
    // 40 88: MWr with T9 (byte 1 bit 7) and T8 (bit 3) set.
    expect(rules("40 88 00 01  03 00 00 0f  00 00 10 00")).toEqual(["reserved-bits @ byte 1"]);
  });
  it("the 4 DW form for an address below 4 GiB, and byte enables against the length", () => {
    expect(rules("20 00 00 01  03 00 07 0f  00 00 00 00  00 00 10 00")).toEqual([
      "address-form @ addressBits",
    ]);
    // A wrong form does not hide the other rules: 512 B from 0xf00 in the 4 DW form also crosses 4 KiB.
    expect(rules("20 00 00 80  03 00 00 ff  00 00 00 00  00 00 0f 00")).toEqual([
      "address-form @ addressBits",
      "4k-boundary @ lengthDw",
    ]);
    // Length 1 with Last BE 1111b; Length 2 non-QW-aligned with First BE 0101b (not contiguous).
    expect(rules("00 00 00 01  03 00 07 ff  00 00 10 00")).toEqual(["byte-enables @ lastBe"]);
    expect(rules("00 00 00 02  03 00 07 f5  00 00 10 04")).toEqual(["byte-enables @ firstBe"]);
  });
  it("TPH prefix misuse: on a request with TH = 0, twice, with reserved bytes set", () => {
    expect(rules("90 12 00 00  00 00 00 01  03 00 07 0f  00 00 10 00")).toEqual(["tph @ byte 5"]);
    const two = "90 12 00 00  90 34 00 00  00 01 00 01  03 00 07 5a  00 00 10 00";
    expect(rules(two)).toEqual(["single-tph-prefix @ byte 4"]);
    expect(analyzeTlp(bytes(two)).tlp).toMatchObject({ st: 0x125a, tphPrefix: true });
    expect(rules("90 12 00 01  00 01 00 01  03 00 07 5a  00 00 10 00")).toEqual(["reserved-bits @ byte 2"]);
  });
  it("completions: TH, AT and Length set in a Cpl; data with a non-SC status", () => {
    expect(rules("0a 01 04 01  01 00 00 04  03 00 09 80")).toEqual([
      "reserved-bits @ byte 1",
      "reserved-bits @ byte 2",
      "reserved-bits @ byte 3",
      "reserved-bits @ byte 11",
    ]);
    // 4a ... status 001b (UR) with data.
    expect(rules("4a 00 00 01  01 00 20 04  03 00 09 00  00 00 00 00")).toEqual([
      "completion-status @ status",
    ]);
  });
  it("input that is not a TLP still throws a TlpError", () => {
    for (const hex of [
      "00 00 00", // shorter than DW0
      "00 00 00 01  03 00 07 0f  00 00", // header cut short
      "03 00 00 01  03 00 07 0f  00 00 10 00", // reserved Type
      "04 00 00 01  03 00 07 0f  01 00 00 00", // CfgRd0: not modelled
      "40 00 00 02  03 00 00 ff  00 00 10 00  01 02 03 04", // payload cut short
      "00 00 00 01  03 00 07 0f  00 00 10 00  00", // a byte after the end
      "0a 00 00 00  01 00 60 04  03 00 09 00", // reserved Completion Status 011b
    ]) {
      expect(() => analyzeTlp(bytes(hex)), hex).toThrow(TlpError);
    }
  });
  it("decoded TLPs and analyses survive JSON.stringify (no BigInt error)", () => {
    const a = analyzeTlp(bytes("60 01 00 10  03 00 f0 ff  00 00 00 20  00 00 00 02"));
    expect(JSON.parse(JSON.stringify(a))).toMatchObject({
      tlp: { kind: "MWr", address: "0x2000000000", st: 0xf0, requesterId: "03:00.0" },
      payload: "absent",
      violations: [],
    });
    expect(JSON.parse(JSON.stringify(decodeTlp(bytes("00 00 00 01 03 00 07 0f 00 00 10 00"))))).toMatchObject(
      {
        address: "0x1000",
      },
    );
  });
});

/** Pack a memory request header by hand (layout of pcie-tph.md section 3), big-endian. */
function packHeader(h: {
  write: boolean;
  wide: boolean;
  address: bigint;
  lengthDw: number;
  requester: number;
  tag: number;
  tc: number;
}): Uint8Array {
  const fmt = (h.write ? 0b010 : 0b000) | (h.wide ? 1 : 0);
  const len = h.lengthDw & 0x3ff;
  const be = h.lengthDw === 1 ? 0x0f : 0xff;
  const out = [fmt << 5, h.tc << 4, len >> 8, len & 0xff, h.requester >> 8, h.requester & 0xff, h.tag, be];
  const lo = Number(h.address & 0xffff_fffcn);
  if (h.wide) out.push(...[24, 16, 8, 0].map((s) => Number((h.address >> 32n) >> BigInt(s)) & 0xff));
  out.push(...[24, 16, 8, 0].map((s) => (lo >>> s) & 0xff));
  return Uint8Array.from(out);
}

describe("analyzeTlp: header-only property", () => {
  it("decodes every valid memory request header without its payload, field for field", () => {
    const header = fc
      .record({
        write: fc.boolean(),
        wide: fc.boolean(),
        page: fc.integer({ min: 0, max: 0xfffff }),
        dw: fc.integer({ min: 0, max: 1023 }),
        high: fc.bigInt({ min: 1n, max: 0xffff_ffffn }),
        requester: fc.integer({ min: 0, max: 0xffff }),
        tag: fc.integer({ min: 0, max: 255 }),
        tc: fc.integer({ min: 0, max: 7 }),
      })
      .chain((r) => fc.integer({ min: 1, max: 1024 - r.dw }).map((lengthDw) => ({ ...r, lengthDw })));
    fc.assert(
      fc.property(header, (r) => {
        const address = (r.wide ? r.high << 32n : 0n) | (BigInt(r.page) << 12n) | BigInt(r.dw * 4);
        const a = analyzeTlp(packHeader({ ...r, address }));
        expect(a.violations).toEqual([]);
        expect(a.payload).toBe(r.write ? "absent" : "none");
        expect(a.tlp).toMatchObject({
          kind: r.write ? "MWr" : "MRd",
          addressBits: r.wide ? 64 : 32,
          address,
          lengthDw: r.lengthDw,
          requesterId: r.requester,
          tag: r.tag,
          tc: r.tc,
        });
      }),
      { numRuns: 300 },
    );
  });
});
