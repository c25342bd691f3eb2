import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ConfigSpace } from "../../src/pcie/config-space.js";
import { parsePciIds } from "../../src/pcie/pci-ids.js";
import { DECODED_BODIES } from "../../src/report/lspci/bodies.js";
import { lspciJson } from "../../src/report/lspci/json.js";
import { renderLspci } from "../../src/report/lspci/render.js";
import { CfgBuilder, pcieEndpoint } from "../pcie/cfg-builder.js";

const slot = (bus: number, domain = 0) => ({ domain, bus, device: 0, function: 0 });
const render = (config: ConfigSpace, verbosity: 0 | 1 | 2 | 3 = 3) =>
  renderLspci([{ slot: slot(1), config }], { verbosity });
const tphDevice = (cap: number, ctrl: number, length = 4096) =>
  pcieEndpoint(length).ext(0x100, 0x17, 1, 0).set32(0x104, cap).set32(0x108, ctrl);

describe("verbosity tiers", () => {
  const cs = tphDevice(0x00010207 | 0x100, 0x301)
    .set16(0x2c, 0x17aa)
    .set16(0x2e, 0x2217)
    .build();
  it("0: device line only", () => {
    expect(render(cs, 0)).toBe("01:00.0 Class 0200: Device 8086:1234\n");
  });
  it("1: Subsystem and headings without versions, blank line after the device", () => {
    expect(render(cs, 1)).toBe(
      [
        "01:00.0 Class 0200: Device 8086:1234",
        "\tSubsystem: Device 17aa:2217",
        "\tFlags: fast devsel",
        "\tCapabilities: [40] Express Endpoint, MSI 00",
        "\tCapabilities: [100] Transaction Processing Hints",
        "",
        "",
      ].join("\n"),
    );
  });
  it("2 and 3: versions, lspci's TPH lines, then tphlab's additions", () => {
    const text = render(cs, 2);
    expect(text).toBe(render(cs, 3));
    expect(text).toContain(
      [
        "\tCapabilities: [100 v1] Transaction Processing Hints",
        "\t\tInterrupt vector mode supported",
        "\t\tDevice specific mode supported",
        "\t\tExtended requester support",
        "\t\tSteering table in TPH capability structure",
        "\t\tNo ST mode supported",
        "\t\tST table size: 2 entries",
        "\t\tControl: mode=interrupt-vector requester=tph+extended-tph",
        "\t\tST[0]: 0x0000",
        "\t\tST[1]: 0x0000",
      ].join("\n"),
    );
    expect(text).toContain("\t\t\t FRS- TPHComp- ExtTPHComp-\n");
  });
});

describe("reserved encodings and bits are flagged on lines of their own", () => {
  it("TPH: reserved location, mode, requester enable, reserved bits", () => {
    const text = render(tphDevice(0x600 | 0x80, 0x205 | 0x1000).build());
    expect(text).toContain("\t\tReserved steering table location\n");
    expect(text).toContain(
      "\t\tNo ST mode not advertised (the specification requires No ST Mode Supported = 1)\n",
    );
    expect(text).toContain("\t\tTPH capability register: reserved bits set: 00000080\n");
    expect(text).toContain("\t\tControl: mode=reserved(101b) requester=reserved(10b)\n");
    expect(text).toContain("\t\tControl: ST Mode Select 101b is a reserved encoding\n");
    expect(text).toContain("\t\tControl: TPH Requester Enable 10b is a reserved encoding\n");
    expect(text).toContain("\t\tTPH control register: reserved bits set: 00001000\n");
    expect(text).not.toContain("ST[0]");
  });
  it("TPH: table in MSI-X, single entry, clipped table, missing control", () => {
    expect(render(tphDevice(0x401, 0).build())).toContain(
      "\t\tST table size: 1 entry\n\t\tST entries: in MSI-X Vector Control words (BAR memory, not config space)\n",
    );
    const clipped = render(tphDevice(0x00030201, 0, 0x110).set16(0x10c, 0xbeef).build());
    expect(clipped).toContain(
      "\t\tST[0]: 0xbeef\n\t\tST[1]: 0x0000\n\t\tST table truncated: 2 of 4 entries in the bytes read\n",
    );
    expect(render(tphDevice(0x1, 0, 0x108).build())).toContain("\t\tControl: <not in the bytes read>\n");
  });
  it("DevCap2 TPH Completer: lspci's text for Endpoints and Root Ports, tphlab's line otherwise or when reserved", () => {
    const ep = (v: number) =>
      render(
        pcieEndpoint()
          .set32(0x64, v << 12)
          .build(),
      );
    expect(ep(1)).toContain("\t\t\t FRS- TPHComp+ ExtTPHComp-\n");
    expect(ep(3)).toContain("\t\t\t FRS- TPHComp+ ExtTPHComp+\n");
    expect(ep(2)).toContain("\t\t\t FRS- \n\t\tTPH Completer: reserved encoding (DevCap2[13:12] = 10b)\n");
    const rp = new CfgBuilder()
      .header({ capPtr: 0x40, cls: 0x0604, headerType: 1 })
      .express(0x40, 0, 4, 2, true);
    expect(render(rp.set32(0x64, 0x1020).build())).toContain(
      "\t\t\t FRS- LN System CLS Not Supported, TPHComp+ ExtTPHComp- ARIFwd+\n",
    );
    const rciep = pcieEndpoint(4096, 9).set32(0x64, 0x3000).build();
    expect(render(rciep)).toContain(
      "\t\t\t FRS-\n\t\tTPH Completer: TPH and Extended TPH (DevCap2[13:12] = 11b)\n",
    );
  });
});

describe("chain problems print like lspci", () => {
  it("standard loop, broken chain and access denied", () => {
    const loop = new CfgBuilder(256)
      .header({ capPtr: 0x40 })
      .std(0x40, 0x01, 0x50, 3)
      .std(0x50, 0x05, 0x40)
      .build();
    expect(render(loop, 1)).toContain(
      "\tCapabilities: [40] Power Management version 3\n\tCapabilities: [50] MSI: Enable- Count=1/1 Maskable- 64bit-\n\tCapabilities: [40] <chain looped>\n",
    );
    const broken = new CfgBuilder(256).header({ capPtr: 0x40 }).std(0x40, 0xff, 0).build();
    expect(render(broken, 1)).toContain("\tCapabilities: [40] <chain broken>\n");
    const short = new CfgBuilder(64).header({ capPtr: 0x40 }).build();
    expect(render(short, 1)).toBe(
      "01:00.0 Class 0200: Device 8086:1234\n\tFlags: fast devsel\n\tCapabilities: <access denied>\n\n",
    );
  });
  it("extended loop shows the version at -vv; silent ends get a !!! line", () => {
    const loop = pcieEndpoint().ext(0x100, 0x17, 1, 0x200).ext(0x200, 0x10, 2, 0x100).build();
    expect(render(loop, 2)).toContain(
      "\tCapabilities: [200 v2] Single Root I/O Virtualization (SR-IOV)\n\tCapabilities: [100 v1] <chain looped>\n",
    );
    expect(render(loop, 1)).toContain("\tCapabilities: [100] <chain looped>\n");
    const ff = pcieEndpoint().ext(0x100, 0x17, 1, 0x200).set32(0x200, 0xffffffff).build();
    expect(render(ff, 1)).toContain("\t!!! extended capability header at 200 reads ffffffff; chain ends\n");
    const trunc = pcieEndpoint(0x180).ext(0x100, 0x18, 1, 0x200).build();
    expect(render(trunc, 1)).toContain(
      "\tCapabilities: [100] Latency Tolerance Reporting\n\t!!! extended capability pointer 200 lies beyond the 384 bytes present\n",
    );
    const below = pcieEndpoint().ext(0x100, 0x18, 1, 0x40).build();
    expect(render(below, 1)).toContain(
      "\t!!! next pointer 040 at 100 points below 100 (standard config space)\n\tCapabilities: [040] Single Root I/O Virtualization (SR-IOV)\n",
    );
    expect(render(pcieEndpoint(256).build(), 1)).toContain(
      "\t!!! extended capabilities not available: only 256 bytes of config space present\n",
    );
  });
  it("a heading lspci leaves open is ended before a tphlab line, and lspci's blank line is not doubled", () => {
    const dsn = pcieEndpoint(0x106).ext(0x100, 0x03, 1, 0x200).build();
    expect(render(dsn, 1)).toBe(
      "01:00.0 Class 0200: Device 8086:1234\n\tFlags: fast devsel\n\tCapabilities: [40] Express Endpoint, MSI 00\n\tCapabilities: [100] \n\t!!! extended capability pointer 200 lies beyond the 262 bytes present\n",
    );
    const open = pcieEndpoint(0x106).ext(0x100, 0x03, 1, 0).build();
    expect(render(open, 1)).toBe(
      "01:00.0 Class 0200: Device 8086:1234\n\tFlags: fast devsel\n\tCapabilities: [40] Express Endpoint, MSI 00\n\tCapabilities: [100] \n",
    );
  });
  it("unknown header types and short CardBus bridges show no capabilities, as lspci", () => {
    const odd = new CfgBuilder(256).header({ headerType: 0x03, capPtr: 0x40 }).std(0x40, 0x01, 0).build();
    expect(render(odd, 1)).toBe("01:00.0 Class 0200: Device 8086:1234\n\t!!! Unknown header type 03\n\n");
    const cb = new CfgBuilder(64).header({ headerType: 2, cls: 0x0607, capPtr: 0x40 }).build();
    expect(render(cb, 1)).toBe(
      [
        "01:00.0 Class 0607: Device 8086:1234",
        "\tFlags: fast devsel",
        "\tBus: primary=00, secondary=00, subordinate=00, sec-latency=0",
        "\tMemory window 0: 00000000-00000fff [disabled]",
        "\tMemory window 1: 00000000-00000fff [disabled]",
        "\tI/O window 0: 00000000-00000003 [disabled]",
        "\tI/O window 1: 00000000-00000003 [disabled]",
        "\t<access denied to the rest>",
        "",
        "",
      ].join("\n"),
    );
  });
});

describe("device lines and names", () => {
  const ids = parsePciIds(
    "8086  Intel Corporation\n\t1234  Widget\nC 02  Network controller\n\t00  Ethernet controller\n",
    "ids",
  );
  it("uses pci.ids, prints rev and prog-if, sorts, and shows domains when any is non-zero", () => {
    const a = new CfgBuilder(64).header().set8(0x08, 0x02).set8(0x09, 0x30).build();
    const b = new CfgBuilder(64).header().build();
    const text = renderLspci(
      [
        { slot: slot(2, 1), config: a },
        { slot: slot(1), config: b },
      ],
      { verbosity: 1, names: ids },
    );
    expect(text.split("\n").filter((l) => /^\S/.test(l))).toEqual([
      "0000:01:00.0 Ethernet controller: Intel Corporation Widget",
      "0001:02:00.0 Ethernet controller: Intel Corporation Widget (rev 02) (prog-if 30)",
    ]);
  });
});

describe("lspciJson", () => {
  it("gives offsets as numbers, decoded fields, stTable as numbers, problems without positions", () => {
    const cs = tphDevice(0x00010201, 0x101).set16(0x10c, 7).set16(0x10e, 9).build();
    const json = lspciJson([{ slot: slot(1), description: "from a dump", config: cs }]);
    const dev = json.devices[0]!;
    expect(dev).toMatchObject({
      slot: "01:00.0",
      bus: 1,
      description: "from a dump",
      configLength: 4096,
      vendorId: 0x8086,
    });
    expect(dev.capabilities.map((c) => [c.kind, c.id, c.offset, c.heading])).toEqual([
      ["std", 0x10, 0x40, "Express (v2) Endpoint, MSI 00"],
      ["ext", 0x17, 0x100, "Transaction Processing Hints"],
    ]);
    expect(dev.capabilities[1]!.decoded).toMatchObject({
      stTable: [7, 9],
      control: { mode: "interrupt-vector" },
    });
    const looped = lspciJson([{ slot: slot(1), config: pcieEndpoint().ext(0x100, 0x17, 1, 0x100).build() }]);
    expect(looped.devices[0]!.problems).toEqual([
      { kind: "loop", list: "ext", offset: 0x100, header: 0x10010017, message: "chain loops back to 100" },
    ]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe("README: the list of decoded capability bodies", () => {
  it("is DECODED_BODIES, the one list the two-way lspci tests use", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /<!-- decoded-bodies:start -->\n([\s\S]*?)<!-- decoded-bodies:end -->/.exec(readme);
    expect(block).not.toBeNull();
    const listed = block![1]!
      .split("\n")
      .filter((l) => l.startsWith("- "))
      .map((l) => l.slice(2));
    expect(listed).toEqual(DECODED_BODIES.map((d) => d.capability));
  });
});
