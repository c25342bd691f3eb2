/** One test per rule the codec enforces, on encode and on decode. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import { decodeTlp, type EncodeOptions, encodeTlp } from "../../src/pcie/tlp.js";
import { validateTlp } from "../../src/pcie/tlp-rules.js";
import { type CplDTlp, type MRdTlp, type MWrTlp, type Tlp, TlpError } from "../../src/pcie/tlp-types.js";

const flags = { tc: 0, attr: 0, ln: false, ep: false } as const;
const mwr: MWrTlp = {
  kind: "MWr",
  ...flags,
  addressBits: 64,
  address: 0x20_0000_0000n,
  lengthDw: 4,
  requesterId: 0x0300,
  at: 0,
  th: false,
  tag: 0,
  firstBe: 0xf,
  lastBe: 0xf,
  data: new Uint8Array(16),
};
const mrd: MRdTlp = {
  kind: "MRd",
  ...flags,
  addressBits: 32,
  address: 0x1000n,
  lengthDw: 4,
  requesterId: 0x0300,
  at: 0,
  th: false,
  tag: 1,
  firstBe: 0xf,
  lastBe: 0xf,
};
const cplD: CplDTlp = {
  kind: "CplD",
  ...flags,
  completerId: 0x0100,
  status: "SC",
  bcm: false,
  byteCount: 4,
  requesterId: 0x0300,
  tag: 1,
  lowerAddress: 0,
  lengthDw: 1,
  data: new Uint8Array(4),
};

/** The TlpError encodeTlp throws for `tlp` (fails the test if it does not throw one). */
function encodeError(tlp: unknown, opts: EncodeOptions = {}): TlpError {
  try {
    encodeTlp(tlp as Tlp, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(TlpError);
    expect(e).toBeInstanceOf(InputError);
    return e as TlpError;
  }
  throw new Error("expected encodeTlp to throw");
}

/** Expect exactly one issue, on `path`, whose message matches `re`. */
function rejects(tlp: unknown, path: string, re: RegExp, opts: EncodeOptions = {}): void {
  const e = encodeError(tlp, opts);
  expect(e.issues.map((i) => i.path)).toEqual([path]);
  expect(e.issues[0]!.message).toMatch(re);
}

describe("encode accepts the base values", () => {
  it("MWr, MRd and CplD as written", () => {
    for (const t of [mwr, mrd, cplD]) expect(validateTlp(t)).toEqual([]);
  });
});

describe("TPH rules", () => {
  it("PH without TH", () => rejects({ ...mwr, ph: 2 }, "ph", /without TH/));
  it("ST without TH", () => rejects({ ...mwr, st: 5 }, "st", /without TH/));
  it("the prefix without TH", () => rejects({ ...mwr, tphPrefix: true }, "tphPrefix", /without TH/));
  it("PH > 3", () => rejects({ ...mwr, tag: undefined, th: true, ph: 4, st: 1 }, "ph", /0\.\.3/));
  it("PH missing with TH", () =>
    rejects({ ...stripBe(mrd), th: true, st: 1 }, "ph", /is required when TH = 1/));
  it("ST > 0xffff", () =>
    rejects({ ...withoutTag(mwr), th: true, ph: 0, st: 0x10000, tphPrefix: true }, "st", /0\.\.0xffff/));
  it("16-bit ST without the prefix", () =>
    rejects({ ...withoutTag(mwr), th: true, ph: 0, st: 0x1f0 }, "st", /needs 16 bits/));
  it("the prefix from a requester enabled for TPH only (01b)", () =>
    rejects({ ...withoutTag(mwr), th: true, ph: 0, st: 0x1f0, tphPrefix: true }, "tphPrefix", /01b/, {
      requesterEnable: "tph-only",
    }));
  it("a 16-bit ST with the prefix is fine for an Extended TPH requester", () => {
    expect(() =>
      encodeTlp(
        { ...withoutTag(mwr), th: true, ph: 0, st: 0x1f0, tphPrefix: true },
        { requesterEnable: "ext-tph" },
      ),
    ).not.toThrow();
  });
  it("TPH from a requester whose TPH Requester Enable is 00b", () =>
    rejects({ ...withoutTag(mwr), th: true, ph: 0, st: 1 }, "th", /00b/, { requesterEnable: "disabled" }));
  it("MWr TH=1 with a tag (the Tag byte carries ST)", () =>
    rejects({ ...mwr, th: true, ph: 0, st: 1 }, "tag", /Tag byte/));
  it("MRd TH=1 with explicit byte enables that disagree with the implied ones", () => {
    rejects({ ...mrd, th: true, ph: 0, st: 1, firstBe: 0x3, lastBe: 0xf }, "firstBe", /implies 1111b/);
    rejects({ ...mrd, lengthDw: 1, th: true, ph: 0, st: 1, firstBe: 0xf, lastBe: 0xf }, "lastBe", /0000b/);
  });
  it("MRd TH=1 with explicit byte enables equal to the implied ones is accepted, and canonicalised", () => {
    const t = { ...mrd, th: true, ph: 1, st: 0x22, firstBe: 0xf, lastBe: 0xf };
    expect(decodeTlp(encodeTlp(t))).toStrictEqual(stripBe(t));
  });
});

describe("length, address and form", () => {
  it("length 0 DW", () => rejects({ ...mrd, lengthDw: 0 }, "lengthDw", /1\.\.1024/));
  it("length > 1024 DW", () => rejects({ ...mrd, lengthDw: 1025 }, "lengthDw", /1\.\.1024/));
  it("a request crossing a 4 KiB boundary", () =>
    rejects({ ...mrd, address: 0x1ff8n, lengthDw: 3 }, "lengthDw", /4 KiB/));
  it("a request ending exactly at a 4 KiB boundary is fine", () => {
    expect(validateTlp({ ...mrd, address: 0x1ff0n, lengthDw: 4 })).toEqual([]);
  });
  it("the 64-bit form below 4 GiB", () =>
    rejects({ ...mwr, address: 0xffff_f000n }, "addressBits", /32-bit \(3 DW\)/));
  it("the 32-bit form at or above 4 GiB", () =>
    rejects({ ...mrd, address: 0x1_0000_0000n }, "addressBits", /64-bit \(4 DW\)/));
  it("an address that is not DW aligned", () =>
    rejects({ ...mrd, address: 0x1002n }, "address", /DW aligned/));
  it("an address of 2^64 or more", () => rejects({ ...mwr, address: 1n << 64n }, "address", /2\^64/));
  it("AT 11b (reserved)", () => rejects({ ...mrd, at: 3 }, "at", /reserved/));
  it("MWr payload length differs from Length", () =>
    rejects({ ...mwr, data: new Uint8Array(12) }, "data", /12 bytes.*needs 16/));
});

describe("byte enables (section 2.2.5.1)", () => {
  it("Last DW BE non-zero with Length 1", () =>
    rejects({ ...mrd, lengthDw: 1, lastBe: 1 }, "lastBe", /0000b/));
  it("First DW BE 0000b with Length > 1", () => rejects({ ...mrd, firstBe: 0 }, "firstBe", /0000b/));
  it("Last DW BE 0000b with Length > 1", () => rejects({ ...mrd, lastBe: 0 }, "lastBe", /0000b/));
  it("non-contiguous First DW BE with Length >= 3", () =>
    rejects({ ...mrd, lengthDw: 3, firstBe: 0b1011 }, "firstBe", /contiguous/));
  it("non-contiguous Last DW BE with Length >= 3", () =>
    rejects({ ...mrd, lengthDw: 3, lastBe: 0b1101 }, "lastBe", /contiguous/));
  it("a gap at the edge (first 0110b) is non-contiguous too", () =>
    rejects({ ...mrd, lengthDw: 3, firstBe: 0b0110 }, "firstBe", /contiguous/));
  it("non-contiguous enables in a non-QW-aligned 2 DW request", () =>
    rejects({ ...mrd, address: 0x1004n, lengthDw: 2, firstBe: 0b0101 }, "firstBe", /non-QW-aligned/));
  it("non-contiguous enables in a QW-aligned 2 DW request are fine", () => {
    expect(validateTlp({ ...mrd, address: 0x1008n, lengthDw: 2, firstBe: 0b0101, lastBe: 0b1010 })).toEqual(
      [],
    );
  });
  it("non-contiguous and zero First DW BE with Length 1 are fine", () => {
    expect(validateTlp({ ...mrd, lengthDw: 1, firstBe: 0b1010, lastBe: 0 })).toEqual([]);
    expect(validateTlp({ ...mrd, lengthDw: 1, firstBe: 0, lastBe: 0 })).toEqual([]);
  });
  it("byte enables missing when the BE byte holds byte enables", () =>
    rejects({ ...mrd, firstBe: undefined }, "firstBe", /missing/));
});

describe("tags and common fields", () => {
  it("MRd tag > 1023", () => rejects({ ...mrd, tag: 1024 }, "tag", /0\.\.1023/));
  it("MWr tag > 255 (Tag[9:8] reserved in posted requests)", () =>
    rejects({ ...mwr, tag: 256 }, "tag", /reserved in posted/));
  it("MRd without a tag", () => rejects({ ...mrd, tag: undefined }, "tag", /missing/));
  it("TC, Attr, requester ID and ECRC out of range", () => {
    rejects({ ...mrd, tc: 8 }, "tc", /0\.\.7/);
    rejects({ ...mrd, attr: 8 }, "attr", /0\.\.7/);
    rejects({ ...mrd, requesterId: 0x10000 }, "requesterId", /65535/);
    rejects({ ...mrd, ecrc: 2 ** 32 }, "ecrc", /4294967295/);
  });
  it("an unknown kind", () => rejects({ ...mrd, kind: "IORd" }, "kind", /MRd, MWr, Cpl or CplD/));
  it("collects every issue, not just the first", () => {
    const e = encodeError({ ...mrd, lengthDw: 0, tc: 9, ph: 1 });
    expect(e.issues.map((i) => i.path).sort()).toEqual(["lengthDw", "ph", "tc"]);
    expect(e.message.split("\n")).toHaveLength(3);
  });
});

describe("completion fields", () => {
  it("a reserved completion status", () => rejects({ ...cplD, status: "XX" }, "status", /SC, UR, RRS, CA/));
  it("CplD with a status other than SC", () =>
    rejects({ ...cplD, status: "UR" }, "status", /Cpl \(Table 2-3\)/));
  it("byte count 0 and 4097", () => {
    rejects({ ...cplD, byteCount: 0 }, "byteCount", /1\.\.4096/);
    rejects({ ...cplD, byteCount: 4097 }, "byteCount", /1\.\.4096/);
  });
  it("lower address > 127", () => rejects({ ...cplD, lowerAddress: 128 }, "lowerAddress", /0\.\.127/));
  it("tag > 1023", () => rejects({ ...cplD, tag: 1024 }, "tag", /0\.\.1023/));
  it("completer ID > 0xffff", () => rejects({ ...cplD, completerId: -1 }, "completerId", /0\.\.65535/));
  it("CplD payload length differs from Length", () =>
    rejects({ ...cplD, lengthDw: 2 }, "data", /4 bytes.*needs 8/));
  it("a Cpl with UR needs no data and is fine", () => {
    const { lengthDw: _l, data: _d, ...rest } = cplD;
    expect(validateTlp({ ...rest, kind: "Cpl", status: "UR" })).toEqual([]);
  });
});

function withoutTag<T extends { tag?: number }>(t: T): Omit<T, "tag"> {
  const { tag: _tag, ...rest } = t;
  return rest;
}
function stripBe<T extends { firstBe?: number; lastBe?: number }>(t: T): Omit<T, "firstBe" | "lastBe"> {
  const { firstBe: _f, lastBe: _l, ...rest } = t;
  return rest;
}
