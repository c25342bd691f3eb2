import { describe, expect, it } from "vitest";
import { tlpCommand } from "../../src/cli/commands/tlp.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(["tlp", ...argv], io, [tlpCommand]);
  return { code, out: io.out, err: io.err };
}

/** Expect exit 2 with exactly one stderr line matching `re` and nothing on stdout. */
async function badInput(re: RegExp, ...argv: string[]) {
  const r = await run(...argv);
  expect(r.code).toBe(2);
  expect(r.out).toBe("");
  expect(r.err.trimEnd().split("\n")).toHaveLength(1);
  expect(r.err).toMatch(re);
}

const MWR64_ARGS = [
  "--kind",
  "MWr",
  "--addr",
  "0x2000000000",
  "--len-dw",
  "16",
  "--th",
  "--ph",
  "2",
  "--st",
  "0xf0",
];
const MWR64_HEX = `60 01 00 10 03 00 f0 ff 00 00 00 20 00 00 00 02 ${Array(64).fill("00").join(" ")}`;

describe("tphlab tlp encode", () => {
  it("encodes the MWr64 TH=1 PH=2 ST=0xf0 example as one line of spaced hex", async () => {
    const r = await run("encode", ...MWR64_ARGS, "--requester", "03:00.0");
    expect(r).toEqual({ code: 0, out: `${MWR64_HEX}\n`, err: "" });
  });
  it("puts ST[15:8] in a TPH prefix with --ext and uses --data as the payload", async () => {
    const r = await run(
      "encode",
      ...["--kind", "MWr", "--addr", "0x1000", "--th", "--ph", "3", "--st", "0x12f0", "--ext"],
      ...["--requester", "01:02.3", "--data", "de:ad:be:ef"],
    );
    expect(r.out).toBe("90 12 00 00 40 01 00 01 01 13 f0 0f 00 00 10 03 de ad be ef\n");
  });
  it("encodes completions with defaults (SC, byte count from the data)", async () => {
    const r = await run(
      "encode",
      "--kind",
      "CplD",
      "--completer",
      "01:00.0",
      "--requester",
      "03:00.0",
      "--tag",
      "261",
      "--lower-addr",
      "0x10",
      "--data",
      "11223344",
    );
    expect(r.out).toBe("4a 08 00 01 01 00 00 04 03 00 05 10 11 22 33 44\n");
    const ur = await run("encode", "--kind", "Cpl", "--status", "crs", "--byte-count", "4096");
    expect(ur.out).toBe("0a 00 00 00 00 00 40 00 00 00 00 00\n");
  });
  it("rejects PH without TH, naming --ph", () =>
    badInput(
      /^tphlab tlp: --ph: given without TH/,
      "encode",
      "--kind",
      "MWr",
      "--addr",
      "0x1000",
      "--len-dw",
      "1",
      "--ph",
      "2",
    ));
  it("rejects a 16-bit ST without --ext", () =>
    badInput(
      /--st: 0x1234 needs 16 bits/,
      "encode",
      "--kind",
      "MRd",
      "--addr",
      "0x1000",
      "--len-dw",
      "1",
      "--th",
      "--ph",
      "0",
      "--st",
      "0x1234",
    ));
  it("rejects --ext from a TPH-only requester", () =>
    badInput(
      /--ext: TPH Requester Enable 01b/,
      "encode",
      "--kind",
      "MWr",
      "--addr",
      "0x1000",
      "--len-dw",
      "1",
      "--th",
      "--ph",
      "0",
      "--st",
      "0x1234",
      "--ext",
      "--req-enable",
      "tph-only",
    ));
  it("rejects a 4 KiB crossing and the 64-bit form below 4 GiB", async () => {
    await badInput(/--len-dw: .*4 KiB/, "encode", "--kind", "MWr", "--addr", "0x1ff0", "--len-dw", "8");
    await badInput(
      /--addr-bits: .*32-bit/,
      "encode",
      "--kind",
      "MRd",
      "--addr",
      "0x1000",
      "--addr-bits",
      "64",
      "--len-dw",
      "1",
    );
  });
  it("rejects flags the kind does not use, and a missing --kind", async () => {
    await badInput(
      /--status: not used by MWr/,
      "encode",
      "--kind",
      "MWr",
      "--addr",
      "0x1000",
      "--len-dw",
      "1",
      "--status",
      "SC",
    );
    await badInput(/--th: not used by Cpl/, "encode", "--kind", "Cpl", "--th");
    await badInput(/--kind: is required/, "encode");
  });
  it("rejects a malformed requester ID and address", async () => {
    await badInput(/--requester: expected BB:DD.F/, "encode", ...MWR64_ARGS, "--requester", "03:20.0");
    await badInput(/--addr: expected an integer/, "encode", "--kind", "MRd", "--addr", "1k", "--len-dw", "1");
  });
  it("reports every problem, one line each", async () => {
    const r = await run("encode", "--kind", "MRd", "--addr", "0x1002", "--len-dw", "0", "--tc", "9");
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n").sort()).toEqual(
      [
        expect.stringMatching(/^tphlab tlp: --addr: .*DW aligned/),
        expect.stringMatching(/^tphlab tlp: --len-dw: .*1\.\.1024/),
        expect.stringMatching(/^tphlab tlp: --tc: .*0\.\.7/),
      ].sort(),
    );
  });
});

describe("tphlab tlp decode", () => {
  it("prints the JSON fields of an MWr with TH: ph, st, byte enables, no tag", async () => {
    const r = await run("decode", MWR64_HEX, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      kind: "MWr",
      addressBits: 64,
      address: "0x2000000000",
      lengthDw: 16,
      requesterId: "03:00.0",
      tc: 0,
      th: true,
      ph: 2,
      st: 0xf0,
      firstBe: 15,
      lastBe: 15,
    });
    expect(j).not.toHaveProperty("tag");
    expect(j).not.toHaveProperty("prefix");
  });
  it("JSON of an MRd with TH has a tag but no byte enables", async () => {
    const j = JSON.parse((await run("decode", "00 01 00 01 03 00 07 5a 80 00 00 11", "--json")).out);
    expect(j).toMatchObject({
      kind: "MRd",
      addressBits: 32,
      address: "0x80000010",
      tag: 7,
      th: true,
      ph: 1,
      st: 0x5a,
    });
    expect(j).not.toHaveProperty("firstBe");
    expect(j).not.toHaveProperty("lastBe");
  });
  it("JSON without TH has no ph/st, and a 16-bit ST shows the prefix", async () => {
    const plain = JSON.parse((await run("decode", "00 00 00 01 03 00 07 0f 00 00 10 00", "--json")).out);
    expect(plain).toMatchObject({ th: false, tag: 7, firstBe: 15, lastBe: 0 });
    expect(plain).not.toHaveProperty("ph");
    expect(plain).not.toHaveProperty("st");
    const ext = JSON.parse(
      (await run("decode", "90 12 00 00 40 01 00 01 01 13 f0 0f 00 00 10 03 de ad be ef", "--json")).out,
    );
    expect(ext).toMatchObject({ st: 0x12f0, prefix: "TPH", data: "deadbeef" });
  });
  it("prints protocol-analyser lines by default", async () => {
    const r = await run("decode", MWR64_HEX);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toBe("MWr64 len=16 req=03:00.0 addr=0x2000000000 BE first=1111 last=1111");
    expect(lines[1]).toBe("TH=1 PH=2 (Target) ST=0xf0 (ST[7:0] in the Tag byte)");
    expect(lines.at(-1)).toBe("size header 16 + data 64 = 80 B (before framing, sequence number and LCRC)");
  });
  it("accepts colons, commas, 0x prefixes and several arguments", async () => {
    const r = await run("decode", "0x00:01:00:01", "03,00,07,5a", "0x80000011");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^MRd32 len=1 req=03:00.0 tag=7 addr=0x80000010\n/);
  });
  it("rejects odd hex, junk and nothing with exit 2 and one line", async () => {
    await badInput(/^tphlab tlp: HEX: odd number of hex digits \(3\)$/m, "decode", "001");
    await badInput(/^tphlab tlp: HEX: not hex: 'zz'$/m, "decode", "00 zz");
    await badInput(/HEX: no bytes given/, "decode");
  });
  it("rejects bytes that are not a TLP, naming the byte", async () => {
    await badInput(/byte 0: reserved\/unknown TLP encoding/, "decode", "03 00 00 01 03 00 07 0f 00 00 10 00");
    await badInput(/byte 12: TLP truncated/, "decode", "40 00 00 02 03 00 00 ff 00 00 10 00 01 02 03 04");
    await badInput(/byte 8: TLP truncated/, "decode", "00 00 00 01 03 00 07 0f 00 00");
  });
});

describe("tphlab tlp", () => {
  it("needs a subcommand", async () => {
    await badInput(/expected 'decode' or 'encode', found nothing/);
    await badInput(/found 'frob'/, "frob");
  });
  it("prints usage with --help", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: tphlab tlp decode HEX/);
  });
});
