import { describe, expect, it } from "vitest";
import {
  loadPciIds,
  lspciCommand,
  parseSlotFilter,
  readSysfs,
  slotFromSysfsName,
  slotMatches,
} from "../../src/cli/commands/lspci.js";
import { parseResource } from "../../src/cli/commands/lspci-host.js";
import { type CapturedIo, captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { renderLspci } from "../../src/report/lspci/render.js";
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
    [
      "-F a device node",
      {},
      ["-F", "/dev/zero"],
      "tphlab lspci: /dev/zero: cannot read: a character device, expected a regular file\n",
    ],
    [
      "-i a device node",
      { "/in/x": dumpText([{ slot: "00:00.0", bytes: new Uint8Array(64) }]) },
      ["-F", "/in/x", "-i", "/dev/zero"],
      "tphlab lspci: /dev/zero: cannot read: a character device, expected a regular file\n",
    ],
    [
      "-F a directory",
      {},
      ["-F", "/tmp"],
      "tphlab lspci: /tmp: cannot read: a directory, expected a regular file\n",
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

describe("tphlab lspci: the kernel's view from sysfs", () => {
  const root = "/fake/devices";
  const dev = `${root}/0000:00:02.0`;
  // Endpoint, Mem+ BusMaster+, 64-bit prefetchable BAR0 at 0xfe000000, INTA, IRQ line 0 in config.
  const config = pcieEndpoint().set16(4, 0x0006).set32(0x10, 0xfe00000c).set32(0x14, 0).set8(0x3d, 1).bytes;
  const files = {
    [`${dev}/config`]: config.subarray(0, 256),
    [`${dev}/irq`]: "11\n",
    [`${dev}/numa_node`]: "0\n",
    [`${dev}/resource`]: `${[
      "0x00000000fe000000 0x00000000fe003fff 0x000000000014220c",
      ...Array(6).fill("0x0000000000000000 0x0000000000000000 0x0000000000000000"),
    ].join("\n")}\n`,
  };
  const sysfsIo = () => {
    const io = captureIo(files);
    io.readDir = (p) => (p === root ? ["0000:00:02.0"] : []);
    io.readLink = (p) => {
      if (p === `${dev}/driver`) return "../../../bus/pci/drivers/foo";
      if (p === `${dev}/iommu_group`) return "../../../kernel/iommu_groups/7";
      throw Object.assign(new Error("no link"), { code: "ENOENT" });
    };
    return io;
  };
  it("shows IRQ, NUMA node, IOMMU group, sized regions and the driver as lspci -vv does", () => {
    const { devices } = readSysfs(sysfsIo(), root);
    const text = renderLspci(devices, { verbosity: 2 });
    expect(text.split("\n").filter((l) => /^\t[A-Z]/.test(l) && !l.startsWith("\tCapabilities"))).toEqual([
      "\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-",
      "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-",
      "\tLatency: 0",
      "\tInterrupt: pin A routed to IRQ 11",
      "\tNUMA node: 0",
      "\tIOMMU group: 7",
      "\tRegion 0: Memory at fe000000 (64-bit, prefetchable) [size=16K]",
      "\tKernel driver in use: foo",
    ]);
    expect(renderLspci(devices, { verbosity: 1 })).toContain(
      "\tFlags: bus master, fast devsel, latency 0, IRQ 11, NUMA node 0, IOMMU group 7\n\tMemory at fe000000 (64-bit, prefetchable) [size=16K]\n",
    );
  });
  it("reads the bridge windows after the ROM line (with or without the 6 IOV lines)", () => {
    const line = (a: number, b: number) => `0x${a.toString(16)} 0x${b.toString(16)} 0x200`;
    const plain = Array.from({ length: 7 }, () => line(0, 0));
    expect(
      parseResource([...plain, line(0x1000, 0x1fff), ...Array(3).fill(line(0, 0))].join("\n"))?.bridge?.[0],
    ).toEqual({ start: 0x1000n, size: 0x1000n, flags: 0x200n });
    const iov = [...plain, ...Array(6).fill(line(0, 0)), line(0x2000, 0x2fff), ...Array(3).fill(line(0, 0))];
    expect(parseResource(iov.join("\n"))?.bridge?.[0]?.start).toBe(0x2000n);
    expect(parseResource(plain.join("\n"))?.bridge).toBeUndefined();
    expect(parseResource("garbage")).toBeUndefined();
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
