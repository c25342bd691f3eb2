/**
 * The pciutils fixtures against what Debian's lspci 3.9.0 printed for them (NAME.lspci-vvv.txt):
 * device lines, every capability heading, every TPH body line and every DevCap2 line carrying
 * TPHComp must be byte-identical; everything else tphlab prints must be lspci's lines, in order,
 * or one of tphlab's additions; and every line lspci prints must be tphlab's, in order, except the
 * capability bodies DECODED_BODIES (src/report/lspci/bodies.ts) does not list.
 */
import { describe, expect, it } from "vitest";
import { lspciJson } from "../../src/report/lspci/json.js";
import { renderLspci } from "../../src/report/lspci/render.js";
import {
  deviceLines,
  firstDropped,
  firstNotInLspci,
  fixtureNames,
  headingLines,
  loadFixture,
  SYSTEM_PCI_IDS,
  systemNames,
  tphCompLines,
  tphLines,
} from "./lspci-support.js";

const names = systemNames();
const fixtures = fixtureNames();

describe("pciutils fixtures", () => {
  it("has the 41 fixtures", () => {
    expect(fixtures).toHaveLength(41);
  });

  describe.each(fixtures)("%s", (name) => {
    const { devices, expected } = loadFixture(name);
    const ours = renderLspci(devices, { verbosity: 3, names });

    it("decodes without error (text and JSON)", () => {
      expect(devices.length).toBeGreaterThan(0);
      expect(() => lspciJson(devices, { names })).not.toThrow();
    });

    it.skipIf(!SYSTEM_PCI_IDS)(
      "prints every heading and device line exactly as lspci -vvv (needs pci.ids)",
      () => {
        expect(headingLines(ours)).toEqual(headingLines(expected));
        expect(deviceLines(ours)).toEqual(deviceLines(expected));
      },
    );

    it("prints every TPH line and every DevCap2 line with TPHComp exactly as lspci -vvv", () => {
      expect(tphLines(ours)).toEqual(tphLines(expected));
      expect(tphCompLines(ours)).toEqual(tphCompLines(expected));
    });

    it.skipIf(!SYSTEM_PCI_IDS)(
      "adds only lines lspci never prints (the rest is lspci's, in order) (needs pci.ids)",
      () => {
        expect(firstNotInLspci(ours, expected)).toBe(-1);
      },
    );

    it.skipIf(!SYSTEM_PCI_IDS)(
      "drops no line of lspci's but the bodies listed as not decoded (needs pci.ids)",
      () => {
        expect(firstDropped(ours, expected)).toBeUndefined();
      },
    );
  });
});

describe("TPH in the fixtures", () => {
  it("pri-pasid: TPH at 0x160, cap 0x00010205, ctrl 0x102, ST[1] = 0x0a", () => {
    const { devices } = loadFixture("pri-pasid");
    const text = renderLspci(devices, { verbosity: 3, names });
    const start = text.indexOf("\tCapabilities: [160 v1] Transaction Processing Hints\n");
    expect(start).toBeGreaterThan(0);
    expect(text.slice(start).split("\n").slice(0, 8)).toEqual([
      "\tCapabilities: [160 v1] Transaction Processing Hints",
      "\t\tDevice specific mode supported",
      "\t\tSteering table in TPH capability structure",
      "\t\tNo ST mode supported",
      "\t\tST table size: 2 entries",
      "\t\tControl: mode=device-specific requester=tph-only",
      "\t\tST[0]: 0x0000",
      "\t\tST[1]: 0x000a",
    ]);
    const tph = lspciJson(devices, { names }).devices[0]!.capabilities.find(
      (c) => c.kind === "ext" && c.id === 0x17,
    );
    expect(tph).toMatchObject({
      offset: 0x160,
      version: 1,
      decoded: {
        capability: {
          raw: 0x00010205,
          noStMode: true,
          deviceSpecificMode: true,
          stTableLocation: 1,
          stTableSize: 2,
        },
        control: { raw: 0x102, modeSelect: 2, requesterEnable: 1 },
        stTable: [0, 0x0a],
      },
    });
  });

  it("cap-dvsec-cxl: TPH at 0x5b0, cap 0x000f0300 (no No-ST bit, extended, 16 entries in the capability)", () => {
    const { devices } = loadFixture("cap-dvsec-cxl");
    const json = lspciJson(devices, { names });
    const tph = json.devices.flatMap((d) => d.capabilities).find((c) => c.kind === "ext" && c.id === 0x17);
    expect(tph).toMatchObject({
      offset: 0x5b0,
      decoded: {
        capability: { raw: 0x000f0300, noStMode: false, extendedRequester: true, stTableSize: 16 },
        control: { raw: 0 },
      },
    });
    const stTable = (tph?.decoded as { stTable?: number[] } | undefined)?.stTable;
    expect(stTable).toHaveLength(16);
    const text = renderLspci(devices, { verbosity: 3, names });
    expect(text).toContain(
      "\t\tNo ST mode not advertised (the specification requires No ST Mode Supported = 1)\n\t\tST table size: 16 entries\n\t\tControl: mode=no-st requester=disabled\n",
    );
  });
});
