/** Decoder rejections (each naming the byte or field) and fast-check properties of the codec. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTlp, encodeTlp } from "../../src/pcie/tlp.js";
import {
  type AddressBits,
  type CompletionTlp,
  type CplStatus,
  type MemRequestTlp,
  type Tlp,
  TlpError,
  tlpTransactionBytes,
} from "../../src/pcie/tlp-types.js";
import { assertProperty } from "../support/fc.js";

const bytes = (s: string) => Uint8Array.from(s.split(/\s+/).map((x) => Number.parseInt(x, 16)));

/** The TlpError decodeTlp throws for `hex` (fails if it does not throw one). */
function decodeError(hex: string): { path: string; message: string } {
  try {
    decodeTlp(bytes(hex));
  } catch (e) {
    expect(e).toBeInstanceOf(TlpError);
    return (e as TlpError).issues[0]!;
  }
  throw new Error("expected decodeTlp to throw");
}

const MRD32 = "00 00 00 01 03 00 07 0f 00 00 10 00"; // valid: MRd32 1 DW, tag 7, BE 0000/1111

describe("decode rejects", () => {
  it("accepts the reference MRd32", () => {
    expect(decodeTlp(bytes(MRD32))).toMatchObject({ kind: "MRd", address: 0x1000n, tag: 7 });
  });
  it("bytes too short for DW0", () => {
    expect(decodeError("00 00 00")).toMatchObject({
      path: "byte 0",
      message: expect.stringMatching(/truncated/),
    });
  });
  it("a header cut short", () => {
    expect(decodeError("00 00 00 01 03 00 07 0f 00 00")).toMatchObject({
      path: "byte 8",
      message: expect.stringMatching(/DW2 needs bytes 8\.\.11, have 10/),
    });
  });
  it("a prefix with nothing after it", () => {
    expect(decodeError("90 12 00 00")).toMatchObject({
      path: "byte 4",
      message: expect.stringMatching(/after a prefix/),
    });
  });
  it("a reserved (Fmt, Type)", () => {
    expect(decodeError("03 00 00 01 03 00 07 0f 00 00 10 00")).toMatchObject({
      path: "byte 0",
      message: expect.stringMatching(/reserved\/unknown .*Fmt 000b, Type 00011b/),
    });
    expect(decodeError("a0 00 00 01 03 00 07 0f 00 00 10 00").message).toMatch(/Fmt 101b/);
  });
  it("a known but unmodelled TLP type", () => {
    expect(decodeError("04 00 00 01 03 00 07 0f 01 00 00 00")).toMatchObject({
      path: "byte 0",
      message: expect.stringMatching(/CfgRd0 TLP .* not modelled/),
    });
  });
  it("a truncated payload", () => {
    expect(decodeError("40 00 00 02 03 00 00 ff 00 00 10 00 01 02 03 04")).toMatchObject({
      path: "byte 12",
      message: expect.stringMatching(/expected 2 DW of data \(8 bytes\), have 4/),
    });
  });
  it("a missing ECRC DW when TD = 1", () => {
    expect(decodeError("00 00 80 01 03 00 07 0f 00 00 10 00").message).toMatch(/ECRC DW \(TD = 1\)/);
  });
  it("bytes after the end of the TLP", () => {
    expect(decodeError(`${MRD32} 00`)).toMatchObject({
      path: "byte 12",
      message: expect.stringMatching(/1 bytes after/),
    });
  });
  it("PH bits set while TH = 0 (reserved)", () => {
    expect(decodeError("00 00 00 01 03 00 07 0f 00 00 10 02")).toMatchObject({
      path: "byte 11",
      message: expect.stringMatching(/PH.*reserved when TH = 0/),
    });
  });
  it("T9/T8 set in a posted request (reserved)", () => {
    expect(decodeError("40 08 00 01 03 00 00 0f 00 00 10 00 00 00 00 00")).toMatchObject({
      path: "byte 1",
      message: expect.stringMatching(/Tag\[9:8\].*posted/),
    });
  });
  it("reserved bits in the TPH prefix", () => {
    expect(decodeError("90 12 00 01 40 01 00 01 01 13 f0 0f 00 00 10 03 de ad be ef")).toMatchObject({
      path: "byte 2",
      message: expect.stringMatching(/reserved/),
    });
  });
  it("a prefix type the model does not carry (PASID)", () => {
    expect(decodeError(`91 00 00 01 ${MRD32}`)).toMatchObject({
      path: "byte 0",
      message: expect.stringMatching(/PASID prefix .* not modelled/),
    });
  });
  it("two TPH prefixes", () => {
    expect(decodeError(`90 00 00 00 90 00 00 00 00 01 00 01 03 00 07 5a 00 00 10 00`)).toMatchObject({
      path: "byte 4",
      message: expect.stringMatching(/second TPH prefix/),
    });
  });
  it("a TPH prefix on a request with TH = 0", () => {
    expect(decodeError(`90 12 00 00 ${MRD32}`).message).toMatch(/TPH prefix present but TH = 0/);
  });
  it("a TPH prefix on a completion", () => {
    expect(decodeError("90 12 00 00 0a 00 00 00 01 00 00 04 03 00 09 00").message).toMatch(
      /TPH prefix on a Cpl/,
    );
  });
  it("TH, AT and Length set in a Cpl, a reserved status, and the reserved bit before Lower Address", () => {
    expect(decodeError("0a 01 00 00 01 00 00 04 03 00 09 00")).toMatchObject({ path: "byte 1" });
    expect(decodeError("0a 00 04 00 01 00 00 04 03 00 09 00").message).toMatch(/AT/);
    expect(decodeError("0a 00 00 01 01 00 00 04 03 00 09 00").message).toMatch(/Length is reserved in a Cpl/);
    expect(decodeError("0a 00 00 00 01 00 60 04 03 00 09 00")).toMatchObject({
      path: "byte 6",
      message: expect.stringMatching(/Status 011b is reserved/),
    });
    expect(decodeError("0a 00 00 00 01 00 00 04 03 00 09 80")).toMatchObject({ path: "byte 11" });
  });
  it("rule violations found after parsing, named by field", () => {
    // 4 DW form for an address below 4 GiB; MRd32 crossing 4 KiB; CplD with UR.
    expect(decodeError("20 00 00 01 03 00 07 0f 00 00 00 00 00 00 10 00").path).toBe("addressBits");
    expect(decodeError("00 00 00 02 03 00 07 ff 00 00 0f fc").path).toBe("lengthDw");
    expect(decodeError("4a 00 00 01 01 00 20 04 03 00 09 00 00 00 00 00").path).toBe("status");
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitraries for every valid TLP shape.

const common = fc.record(
  {
    tc: fc.integer({ min: 0, max: 7 }),
    attr: fc.integer({ min: 0, max: 7 }),
    ln: fc.boolean(),
    ep: fc.boolean(),
    ecrc: fc.integer({ min: 0, max: 0xffffffff }),
  },
  { requiredKeys: ["tc", "attr", "ln", "ep"] },
);

const FIRST = [0b1111, 0b1110, 0b1100, 0b1000];
const LAST = [0b0001, 0b0011, 0b0111, 0b1111];

/** Byte enables valid for this length and address (section 2.2.5.1). */
function beArb(len: number, address: bigint) {
  if (len === 1) return fc.record({ firstBe: fc.integer({ min: 0, max: 15 }), lastBe: fc.constant(0) });
  if (len === 2 && (address & 7n) === 0n) {
    return fc.record({ firstBe: fc.integer({ min: 1, max: 15 }), lastBe: fc.integer({ min: 1, max: 15 }) });
  }
  return fc.record({ firstBe: fc.constantFrom(...FIRST), lastBe: fc.constantFrom(...LAST) });
}

function addressArb(bits: AddressBits) {
  const [min, max] = bits === 64 ? [1n << 32n, (1n << 64n) - 1n] : [0n, (1n << 32n) - 1n];
  return fc.bigInt({ min, max }).map((a) => a & ~3n);
}

/** TH fields: absent, 8-bit ST, or 16-bit ST with the prefix. */
const tphArb = fc.oneof(
  fc.constant({ th: false as const }),
  fc.record({
    th: fc.constant(true as const),
    ph: fc.integer({ min: 0, max: 3 }),
    st: fc.integer({ min: 0, max: 0xff }),
  }),
  fc.record({
    th: fc.constant(true as const),
    ph: fc.integer({ min: 0, max: 3 }),
    st: fc.integer({ min: 0, max: 0xffff }),
    tphPrefix: fc.constant(true as const),
  }),
);

const memArb: fc.Arbitrary<MemRequestTlp> = fc
  .record({
    kind: fc.constantFrom("MRd" as const, "MWr" as const),
    addressBits: fc.constantFrom(32 as const, 64 as const),
    common,
    tph: tphArb,
    requesterId: fc.integer({ min: 0, max: 0xffff }),
    at: fc.integer({ min: 0, max: 2 }),
  })
  .chain((r) =>
    addressArb(r.addressBits).chain((address) => {
      const maxLen = (0x1000 - Number(address & 0xfffn)) / 4;
      return fc.integer({ min: 1, max: maxLen }).chain((lengthDw) => {
        const stInTag = r.tph.th && r.kind === "MWr";
        const stInBe = r.tph.th && r.kind === "MRd";
        return fc
          .record({
            tag: stInTag
              ? fc.constant(undefined)
              : fc.integer({ min: 0, max: r.kind === "MRd" ? 1023 : 255 }),
            be: stInBe ? fc.constant(undefined) : beArb(lengthDw, address),
            data: fc.uint8Array({ minLength: lengthDw * 4, maxLength: lengthDw * 4 }),
          })
          .map(({ tag, be, data }): MemRequestTlp => {
            const base = {
              ...r.common,
              addressBits: r.addressBits,
              address,
              lengthDw,
              requesterId: r.requesterId,
              at: r.at,
              ...r.tph,
              ...(tag !== undefined ? { tag } : {}),
              ...(be ?? {}),
            };
            return r.kind === "MWr" ? { kind: "MWr", ...base, data } : { kind: "MRd", ...base };
          });
      });
    }),
  );

const cplArb: fc.Arbitrary<CompletionTlp> = fc
  .record({
    withData: fc.boolean(),
    common,
    completerId: fc.integer({ min: 0, max: 0xffff }),
    status: fc.constantFrom<CplStatus>("SC", "UR", "RRS", "CA"),
    bcm: fc.boolean(),
    byteCount: fc.integer({ min: 1, max: 4096 }),
    requesterId: fc.integer({ min: 0, max: 0xffff }),
    tag: fc.integer({ min: 0, max: 1023 }),
    lowerAddress: fc.integer({ min: 0, max: 127 }),
    lengthDw: fc.integer({ min: 1, max: 1024 }),
  })
  .chain(({ withData, common: c, lengthDw, ...f }) =>
    withData
      ? fc
          .uint8Array({ minLength: lengthDw * 4, maxLength: lengthDw * 4 })
          .map((data): CompletionTlp => ({ kind: "CplD", ...c, ...f, status: "SC", lengthDw, data }))
      : fc.constant<CompletionTlp>({ kind: "Cpl", ...c, ...f }),
  );

const tlpArb: fc.Arbitrary<Tlp> = fc.oneof(memArb, cplArb);

describe("codec properties", () => {
  it("decode(encode(x)) = x for every valid TLP", () => {
    fc.assert(
      fc.property(tlpArb, (t) => {
        expect(decodeTlp(encodeTlp(t))).toStrictEqual(t);
      }),
      { numRuns: 300 },
    );
  });

  it("covers both address widths, TH on/off, 8- and 16-bit ST and every kind", () => {
    const seen = new Set<string>();
    assertProperty(
      fc.property(tlpArb, (t) => {
        const mem = t.kind === "MRd" || t.kind === "MWr";
        seen.add(mem ? `${t.kind}${t.addressBits} th=${t.th} prefix=${t.tphPrefix === true}` : t.kind);
      }),
      { numRuns: 600 },
      [7],
    );
    expect(seen.size).toBe(2 * 2 * 3 + 2);
  });

  it("the encoded length equals tlpTransactionBytes", () => {
    fc.assert(
      fc.property(tlpArb, (t) => {
        const mem = t.kind === "MRd" || t.kind === "MWr";
        const payload = t.kind === "MWr" || t.kind === "CplD" ? t.data.length : 0;
        const s = tlpTransactionBytes(
          t.kind,
          mem ? t.addressBits : 32,
          payload,
          mem && t.tphPrefix === true,
          t.ecrc !== undefined,
        );
        expect(encodeTlp(t).length).toBe(s.total);
      }),
    );
  });

  it("decode throws nothing but TlpError on random bytes", () => {
    // Half the inputs start with a modelled Fmt/Type byte so the deeper paths run too.
    const start = fc.constantFrom(0x00, 0x20, 0x40, 0x60, 0x0a, 0x4a, 0x90);
    const withHead = fc
      .tuple(start, fc.uint8Array({ minLength: 0, maxLength: 63 }))
      .map(([h, rest]) => Uint8Array.of(h, ...rest));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 64 }), withHead), (b) => {
        try {
          decodeTlp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(TlpError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a corrupted valid TLP either fails with TlpError or re-encodes to exactly the same bytes", () => {
    const corrupted = tlpArb.chain((t) => {
      const enc = encodeTlp(t);
      const head = Math.min(enc.length, 24); // corrupt the prefix/header, where the rules live
      return fc.record({
        enc: fc.constant(enc),
        at: fc.nat({ max: head - 1 }),
        xor: fc.integer({ min: 1, max: 255 }),
      });
    });
    fc.assert(
      fc.property(corrupted, ({ enc, at, xor }) => {
        const bad = enc.slice();
        bad[at]! ^= xor;
        let decoded: Tlp;
        try {
          decoded = decodeTlp(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(TlpError);
          return;
        }
        expect(encodeTlp(decoded)).toEqual(bad);
      }),
      { numRuns: 1000 },
    );
  });
});
