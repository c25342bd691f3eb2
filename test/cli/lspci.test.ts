import { describe, expect, it } from "vitest";
import {
  loadPciIds,
  lspciCommand,
  parseSlotFilter,
  readSysfs,
  slotFromSysfsName,
  slotMatches,
} from "../../src/cli/commands/lspci.js";
import { type CapturedIo, captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { dumpText, pcieEndpoint } from "../pcie/cfg-builder.js";

const FIXTURE = new URL("../../../shared/fixtures/pciutils/pri-pasid", import.meta.url).pathname;
const NO_IDS = ["-i", "/nonexistent/pci.ids"];

async function run(
  args: string[],
  files: Record<string, string | Uint8Array> = {},
): Promise<{ code: number; io: CapturedIo }> {
  const io = captureIo(files);
  const code = await main(["lspci", ...args], io, [lspciCommand]);
  return { code, io };
}

const tphBytes = () =>
  pcieEndpoint().ext(0x100, 0x17, 1, 0).set32(0x104, 0x00010205).set32(0x108, 0x102).set16(0x10e, 0x0a).bytes;

describe("tphlab lspci: bad input is one line, exit 2, no stack trace", () => {
  it.each([
    [
      "not a dump",
      { "/in/x": "hello world\n" },
      ["-F", "/in/x"],
      "tphlab lspci: /in/x: not an lspci -x dump: no `BB:DD.F description` line found\n",
    ],
    [
      "odd hex",
      { "/in/x": "00:00.0 d\n00: 0a 1\n" },
      ["-F", "/in/x"],
      "tphlab lspci: /in/x:2: malformed hex byte at column 4: '1'\n",
    ],
    [
      "unknown slot",
      { "/in/x": dumpText([{ slot: "00:00.0", bytes: new Uint8Array(64) }]) },
      ["-F", "/in/x", "-s", "12:00.0"],
      "tphlab lspci: /in/x: no device matches -s 12:00.0\n",
    ],
    ["bad -s", {}, ["-F", "/in/x", "-s", "1:2:3:4"], "tphlab lspci: -s: too many ':' in '1:2:3:4'\n"],
    [
      "unreadable file",
      {},
      ["-F", "/nonexistent/dump"],
      "tphlab lspci: /nonexistent/dump: cannot read (ENOENT)\n",
    ],
    [
      "short binary",
      { "/in/b": new Uint8Array(10) },
      ["-F", "/in/b"],
      "tphlab lspci: /in/b: binary config space has 10 bytes; at least 64 are needed\n",
    ],
    [
      "bad pci.ids",
      { "/in/x": dumpText([{ slot: "00:00.0", bytes: new Uint8Array(64) }]), "/in/ids": "zzzz  Foo\n" },
      ["-F", "/in/x", "-i", "/in/ids"],
      "tphlab lspci: /in/ids:1: Parse error\n",
    ],
    ["unknown flag", {}, ["--frobnicate"], undefined],
  ])("%s", async (_name, files, args, err) => {
    const { code, io } = await run(args, files);
    expect(code).toBe(2);
    expect(io.out).toBe("");
    expect(io.err.split("\n")).toHaveLength(2);
    if (err !== undefined) expect(io.err).toBe(err);
    expect(io.err).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe("tphlab lspci: input forms", () => {
  it("shows a fixture's TPH at -vvv with -s", async () => {
    const { code, io } = await run(["-F", FIXTURE, "-s", "6a:01.0", "-vvv", ...NO_IDS]);
    expect(code).toBe(0);
    expect(io.out).toMatch(/^6a:01\.0 Class 0880: Device 8086:0b25\n/);
    expect(io.out).toContain(
      "\tCapabilities: [160 v1] Transaction Processing Hints\n\t\tDevice specific mode supported\n",
    );
    expect(io.out).toContain("\t\tST[1]: 0x000a\n");
  });
  it("auto-detects raw binary config space, taking the slot from a sysfs-like path", async () => {
    const path = "/sys/bus/pci/devices/0000:3b:00.1/config";
    const { code, io } = await run(["-F", path, "-vv", ...NO_IDS], { [path]: tphBytes() });
    expect(code).toBe(0);
    expect(io.out).toMatch(/^3b:00\.1 Class 0200: Device 8086:1234\n/);
    expect(io.out).toContain("\t\tControl: mode=device-specific requester=tph-only\n");
  });
  it("--json gives the decoded TPH with stTable as numbers", async () => {
    const { code, io } = await run(["-F", "/in/b", "--json", ...NO_IDS], { "/in/b": tphBytes() });
    expect(code).toBe(0);
    const json = JSON.parse(io.out);
    const tph = json.devices[0].capabilities.find(
      (c: { id: number; kind: string }) => c.kind === "ext" && c.id === 0x17,
    );
    expect(tph.offset).toBe(0x100);
    expect(tph.decoded.stTable).toEqual([0, 10]);
    expect(tph.decoded.capability.noStMode).toBe(true);
  });
  it("uses names from -i, numeric names when the database is absent", async () => {
    const files = { "/in/b": tphBytes(), "/in/ids": "8086  Intel Corporation\n\t1234  Widget\n" };
    expect((await run(["-F", "/in/b", "-i", "/in/ids"], files)).io.out).toBe(
      "00:00.0 Class 0200: Intel Corporation Widget\n",
    );
    expect((await run(["-F", "/in/b", ...NO_IDS], files)).io.out).toBe(
      "00:00.0 Class 0200: Device 8086:1234\n",
    );
  });
  it("reads the live system through io.readDir/io.readFile, 64-byte (non-root) reads included", () => {
    const root = "/fake/devices";
    const io = captureIo({
      [`${root}/0000:00:00.0/config`]: new Uint8Array(64)
        .fill(0)
        .map((_, i) => (i === 6 ? 0x10 : i === 0x34 ? 0x40 : 0)),
      [`${root}/0000:00:01.0/config`]: new Uint8Array(10),
    });
    io.readDir = (p) => (p === root ? ["0000:00:01.0", "0000:00:00.0", "not-a-device"] : []);
    const r = readSysfs(io, root);
    expect(r.devices.map((d) => d.config.length)).toEqual([64]);
    expect(r.errors).toBe(1);
    expect(io.err).toBe(
      `tphlab lspci: ${root}/0000:00:01.0/config: only 10 bytes of config space (64 needed)\n`,
    );
  });
});

describe("helpers", () => {
  it("parses -s like lspci", () => {
    expect(parseSlotFilter("6a:01.0")).toEqual({ bus: 0x6a, device: 1, function: 0 });
    expect(parseSlotFilter("0001:6a:01.7")).toEqual({ domain: 1, bus: 0x6a, device: 1, function: 7 });
    expect(parseSlotFilter("01")).toEqual({ device: 1 });
    expect(parseSlotFilter(".3")).toEqual({ function: 3 });
    expect(parseSlotFilter("*:1f.*")).toEqual({ device: 0x1f });
    expect(() => parseSlotFilter("00:20.0")).toThrow(/device 20 out of range/);
    expect(() => parseSlotFilter("00:00.8")).toThrow(/function 8 out of range/);
    const s = { domain: 0, bus: 0x6a, device: 1, function: 0 };
    expect(slotMatches(parseSlotFilter("6a:01"), s)).toBe(true);
    expect(slotMatches(parseSlotFilter("6a:01.1"), s)).toBe(false);
  });
  it("reads sysfs names and loads pci.ids only when present", () => {
    expect(slotFromSysfsName("0000:3b:00.1")).toEqual({ domain: 0, bus: 0x3b, device: 0, function: 1 });
    expect(slotFromSysfsName("config")).toBeUndefined();
    expect(loadPciIds(captureIo(), "/nonexistent")).toBeUndefined();
    expect(loadPciIds(captureIo({ "/x": "8086  Intel\n" }), "/x")?.vendor(0x8086)).toBe("Intel");
  });
});
