import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bwCommand } from "../../src/cli/commands/bw.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

/** pcie-bench's numbers (test/fixtures/pcie-bench-golden.json, see its provenance), 5 significant digits. */
const golden = JSON.parse(
  readFileSync(new URL("../fixtures/pcie-bench-golden.json", import.meta.url), "utf8"),
) as {
  sizes: number[];
  links: number[][];
  rows: number[][];
};
const near = (ours: number, theirs: number, what: string) =>
  expect(Math.abs(ours - theirs) / theirs, `${what}: ${ours} vs pcie-bench ${theirs}`).toBeLessThan(1e-3);

const BASE = ["--gen", "3", "--width", "8", "--mps", "256", "--mrrs", "512"];

async function bw(args: string[]) {
  const io = captureIo();
  const code = await main(["bw", ...args], io, [bwCommand]);
  return { code, out: io.out, err: io.err };
}

describe("tphlab bw", () => {
  it("prints a table with raw and TLP rates (calibration.md Gen3 x8 values)", async () => {
    const r = await bw([...BASE, "--size", "64,1500,4096"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("PCIe Gen3 x8 (8 GT/s, 128b/130b), MPS 256, MRRS 512, 64-bit addresses, no ECRC");
    expect(lines[1]).toBe("raw 63.02 Gb/s, TLP 57.88 Gb/s (Ack 3.94%, UpdateFC 3.94%, SKP 0.26% of raw)");
    expect(lines[2]).toBe("per-TLP overhead: MWr 24 B, MRd 24 B, CplD 20 B");
    expect(lines[4]).toBe("size (B)  write Gb/s  read Gb/s  read+write Gb/s");
    expect(lines[5]?.trim().split(/\s+/)).toEqual(["64", "42.10", "44.10", "33.08"]);
    expect(lines[6]?.trim().split(/\s+/)).toEqual(["1500", "52.81", "53.60", "50.60"]);
    expect(lines[7]?.trim().split(/\s+/)).toEqual(["4096", "52.92", "53.69", "50.75"]);
  });

  it("--json prints one object per size with exactly the documented fields, pcie-bench's numbers", async () => {
    const r = await bw([...BASE, "--addr", "32", "--ecrc", "--size", "64, 9000", "--json"]);
    expect(r.code).toBe(0);
    const points = JSON.parse(r.out) as Record<string, number>[];
    expect(points).toHaveLength(2);
    const [, , , raw, tlp] = golden.links.find(([g, w, mps]) => g === 3 && w === 8 && mps === 256)!;
    const row = golden.rows.find((x) => x.slice(0, 6).join() === "3,8,256,512,32,1")!;
    for (const [i, size] of [64, 9000].entries()) {
      const p = points[i]!;
      const at = 6 + 3 * golden.sizes.indexOf(size);
      expect(Object.keys(p)).toEqual([
        "size",
        "rawGbps",
        "tlpGbps",
        "writeGbps",
        "readGbps",
        "readWriteGbps",
      ]);
      expect(p.size).toBe(size);
      near(p.rawGbps!, raw!, "rawGbps");
      near(p.tlpGbps!, tlp!, "tlpGbps");
      near(p.writeGbps!, row[at]!, `writeGbps ${size}`);
      near(p.readGbps!, row[at + 1]!, `readGbps ${size}`);
      near(p.readWriteGbps!, row[at + 2]!, `readWriteGbps ${size}`);
    }
  });

  it("prints extrapolation notes (on stderr with --json)", async () => {
    const text = await bw(["--gen", "6", "--width", "12", "--mps", "256", "--mrrs", "512", "--size", "64"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("note: Gen6 is extrapolated");
    expect(text.out).toContain("note: x12: Ack/UpdateFC pacing derived");
    const json = await bw([
      "--gen",
      "6",
      "--width",
      "16",
      "--mps",
      "256",
      "--mrrs",
      "512",
      "--size",
      "64",
      "--json",
    ]);
    expect(JSON.parse(json.out)).toHaveLength(1);
    expect(json.err).toMatch(/^tphlab bw: note: Gen6 is extrapolated/);
  });

  it("reports every bad flag on its own line and exits 2", async () => {
    const r = await bw([
      "--gen",
      "7",
      "--width",
      "x8",
      "--mps",
      "100",
      "--addr",
      "48",
      "--size",
      "64,0,abc,",
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toEqual([
      "tphlab bw: --gen: must be a PCIe generation 1, 2, 3, 4, 5, 6, found 7",
      "tphlab bw: --width: expected an integer, found 'x8'",
      "tphlab bw: --mps: must be a power of two from 128 to 4096 bytes, found 100",
      "tphlab bw: --mrrs: is required",
      "tphlab bw: --addr: must be 32 or 64 (address bits), found 48",
      "tphlab bw: --size: item 2: expected a positive integer byte count, found '0'",
      "tphlab bw: --size: item 3: expected a positive integer byte count, found 'abc'",
      "tphlab bw: --size: item 4: expected a positive integer byte count, found ''",
    ]);
  });

  it("requires --size and rejects unknown flags and positionals", async () => {
    expect((await bw(BASE)).err).toBe("tphlab bw: --size: is required (comma-separated byte counts)\n");
    const unknown = await bw([...BASE, "--size", "64", "--lanes", "8"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^tphlab bw: .*--lanes/);
    expect((await bw([...BASE, "--size", "64", "extra"])).code).toBe(2);
  });

  it("--help prints the usage", async () => {
    const r = await bw(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: tphlab bw --gen N --width N --mps N --mrrs N/);
  });
});
