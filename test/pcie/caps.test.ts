import { describe, expect, it } from "vitest";
import { PCI_CAP_ID, PCI_EXT_CAP_ID } from "../../src/pcie/capability-ids.js";
import { decodeDsn } from "../../src/pcie/caps/dsn.js";
import { decodeDevCap2, decodeExpress, EXPRESS_TYPE_NAMES } from "../../src/pcie/caps/express.js";
import { decodeHt } from "../../src/pcie/caps/ht.js";
import { decodeCapability, decoderFor, EXT_DECODERS, STD_DECODERS } from "../../src/pcie/caps/index.js";
import { decodeMsix } from "../../src/pcie/caps/msix.js";
import {
  decodeAgp,
  decodeDebugPort,
  decodeEa,
  decodeMsi,
  decodePcix,
  decodePm,
  decodeSata,
  decodeSlotId,
  decodeSsvid,
} from "../../src/pcie/caps/std-misc.js";
import { decodeTph, decodeTphCapabilityRegister, decodeTphControlRegister } from "../../src/pcie/caps/tph.js";
import { decodeDvsec, decodeExtVendor, decodeVendor } from "../../src/pcie/caps/vendor.js";
import { CfgBuilder, pcieEndpoint } from "./cfg-builder.js";

describe("TPH Requester capability register (pcie-tph.md section 1)", () => {
  it.each([
    ["noStMode", 0x1],
    ["interruptVectorMode", 0x2],
    ["deviceSpecificMode", 0x4],
    ["extendedRequester", 0x100],
  ] as const)("decodes %s alone from bit mask %s", (field, mask) => {
    const on = decodeTphCapabilityRegister(mask);
    const off = decodeTphCapabilityRegister(0);
    expect(on[field]).toBe(true);
    expect(off[field]).toBe(false);
    for (const other of [
      "noStMode",
      "interruptVectorMode",
      "deviceSpecificMode",
      "extendedRequester",
    ] as const) {
      if (other !== field) expect(on[other]).toBe(false);
    }
    expect(on.reservedBits).toBe(0);
  });

  it.each([
    [0x000, 0, "none"],
    [0x200, 1, "capability"],
    [0x400, 2, "msix"],
    [0x600, 3, "reserved"],
  ] as const)("ST Table Location bits 0x%s -> %s (%s)", (raw, loc, name) => {
    const c = decodeTphCapabilityRegister(raw);
    expect(c.stTableLocation).toBe(loc);
    expect(c.stTableLocationName).toBe(name);
  });

  it("ST Table Size is bits 26:16 plus one (1..2048 entries)", () => {
    expect(decodeTphCapabilityRegister(0).stTableSize).toBe(1);
    expect(decodeTphCapabilityRegister(0x00010000).stTableSize).toBe(2);
    expect(decodeTphCapabilityRegister(0x07ff0000).stTableSize).toBe(2048);
  });

  it("reports reserved bits set and tolerates them", () => {
    const c = decodeTphCapabilityRegister(0xf800f8f9);
    expect(c.reservedBits).toBe(0xf800f8f8);
    expect(c.noStMode).toBe(true);
    expect(c.stTableSize).toBe(1);
  });
});

describe("TPH Requester control register", () => {
  it.each([
    [0, "no-st"],
    [1, "interrupt-vector"],
    [2, "device-specific"],
    [3, "reserved"],
    [7, "reserved"],
  ] as const)("ST Mode Select %i -> %s", (v, mode) => {
    const k = decodeTphControlRegister(v);
    expect(k.modeSelect).toBe(v);
    expect(k.mode).toBe(mode);
  });
  it.each([
    [0, "disabled"],
    [1, "tph-only"],
    [2, "reserved"],
    [3, "tph-and-extended"],
  ] as const)("Requester Enable %i -> %s", (v, req) => {
    const k = decodeTphControlRegister(v << 8);
    expect(k.requesterEnable).toBe(v);
    expect(k.requester).toBe(req);
    expect(k.reservedBits).toBe(0);
  });
  it("reports reserved control bits", () => {
    expect(decodeTphControlRegister(0xfffffcf8).reservedBits).toBe(0xfffffcf8);
  });
});

describe("decodeTph", () => {
  it("decodes pri-pasid's TPH (cap 0x00010205, ctrl 0x102, ST[1] = 0x0a)", () => {
    const cs = pcieEndpoint()
      .ext(0x160, 0x17, 1, 0)
      .set32(0x164, 0x00010205)
      .set32(0x168, 0x102)
      .set16(0x16e, 0x0a)
      .build();
    const t = decodeTph(cs, 0x160);
    expect(t.truncated).toBe(false);
    expect(t.capability).toMatchObject({
      noStMode: true,
      deviceSpecificMode: true,
      stTableLocation: 1,
      stTableSize: 2,
    });
    expect(t.control).toMatchObject({ mode: "device-specific", requester: "tph-only" });
    expect(t.stTable).toEqual([0, 0x0a]);
  });
  it("reads 16-bit entries (ST upper in bits 15:8)", () => {
    const cs = pcieEndpoint()
      .set32(0x104, 0x00020301)
      .set16(0x10c, 0x1234)
      .set16(0x10e, 0xff00)
      .set16(0x110, 0x00ff)
      .build();
    expect(decodeTph(cs, 0x100).stTable).toEqual([0x1234, 0xff00, 0x00ff]);
  });
  it("clips the ST table to the bytes present and says how many are missing", () => {
    const cs = pcieEndpoint(0x110).set32(0x104, 0x00070201).build();
    const t = decodeTph(cs, 0x100);
    expect(t.stTable).toHaveLength(2);
    expect(t.stTableMissing).toBe(6);
    expect(t.truncated).toBe(true);
  });
  it("has no table when it is elsewhere, and reports missing registers", () => {
    expect(decodeTph(pcieEndpoint().set32(0x104, 0x401).build(), 0x100).stTable).toBeUndefined();
    expect(decodeTph(pcieEndpoint(0x104).build(), 0x100)).toEqual({ truncated: true });
    const noCtrl = decodeTph(pcieEndpoint(0x108).build(), 0x100);
    expect(noCtrl.capability).toBeDefined();
    expect(noCtrl.control).toBeUndefined();
    expect(noCtrl.truncated).toBe(true);
  });
});

describe("PCI Express capability", () => {
  it.each(Object.entries(EXPRESS_TYPE_NAMES))("type %s is %s", (type, name) => {
    const cs = new CfgBuilder().header({ capPtr: 0x40 }).express(0x40, 0, Number(type)).build();
    expect(decodeExpress(cs, 0x40).typeName).toBe(name);
  });
  it("decodes version, slot, interrupt message number and unknown types", () => {
    const cs = new CfgBuilder()
      .header({ capPtr: 0x40 })
      .std(0x40, 0x10, 0, 0x2000 | 0x0100 | 0x42)
      .build();
    expect(decodeExpress(cs, 0x40)).toMatchObject({
      version: 2,
      type: 4,
      slotImplemented: true,
      interruptMessage: 0x10,
    });
    const odd = new CfgBuilder().header({ capPtr: 0x40 }).std(0x40, 0x10, 0, 0xb2).build();
    expect(decodeExpress(odd, 0x40).typeName).toBe("Unknown type 11");
  });
  it("decodes DevCap2 only for version >= 2 and when present", () => {
    const v2 = new CfgBuilder().header({ capPtr: 0x40 }).express(0x40, 0, 0).set32(0x64, 0x3000).build();
    expect(decodeExpress(v2, 0x40).devCap2?.tphCompleterName).toBe("tph-and-extended");
    const v1 = new CfgBuilder().header({ capPtr: 0x40 }).express(0x40, 0, 0, 1).set32(0x64, 0x3000).build();
    expect(decodeExpress(v1, 0x40).devCap2).toBeUndefined();
    const short = new CfgBuilder(0x60).header({ capPtr: 0x40 }).express(0x40, 0, 0).build();
    expect(decodeExpress(short, 0x40).truncated).toBe(true);
  });
  it.each([
    [0, "none"],
    [1, "tph-only"],
    [2, "reserved"],
    [3, "tph-and-extended"],
  ] as const)("DevCap2 TPH Completer %i -> %s", (v, name) => {
    const d = decodeDevCap2(v << 12);
    expect(d.tphCompleter).toBe(v);
    expect(d.tphCompleterName).toBe(name);
  });
  it("decodes every other DevCap2 field", () => {
    expect(decodeDevCap2(0)).toMatchObject({ frs: false, ltr: false, obff: 0, completionTimeoutRanges: 0 });
    const d = decodeDevCap2(0xffffffff);
    expect(d).toMatchObject({
      completionTimeoutRanges: 15,
      completionTimeoutDisable: true,
      ariForwarding: true,
      atomicOpRouting: true,
      atomicOp32Completer: true,
      atomicOp64Completer: true,
      cas128Completer: true,
      noRoPrPrPassing: true,
      ltr: true,
      lnSystemCls: 3,
      tag10Completer: true,
      tag10Requester: true,
      obff: 3,
      extendedFmt: true,
      endEndTlpPrefix: true,
      maxEndEndTlpPrefixes: 3,
      emergencyPowerReduction: 3,
      emergencyPowerReductionInit: true,
      frs: true,
    });
    expect(decodeDevCap2(0x80000000).frs).toBe(true);
    expect(decodeDevCap2(0x4000).lnSystemCls).toBe(1);
    expect(decodeDevCap2(0x20).ariForwarding).toBe(true);
  });
});

describe("MSI-X capability", () => {
  it("decodes enable, mask, table size and the table/PBA BIR and offsets", () => {
    const cs = new CfgBuilder()
      .header({ capPtr: 0x80 })
      .std(0x80, 0x11, 0, 0x8000 | 0x4000 | 8)
      .set32(0x84, 0x00002000 | 2)
      .set32(0x88, 0x00003008 | 5)
      .build();
    expect(decodeMsix(cs, 0x80)).toEqual({
      truncated: false,
      control: 0xc008,
      enable: true,
      functionMask: true,
      tableSize: 9,
      table: { raw: 0x2002, bir: 2, offset: 0x2000 },
      pba: { raw: 0x300d, bir: 5, offset: 0x3008 },
    });
    const trunc = new CfgBuilder(0x86).header({ capPtr: 0x80 }).std(0x80, 0x11, 0, 0x7ff).build();
    expect(decodeMsix(trunc, 0x80)).toMatchObject({ truncated: true, tableSize: 2048, enable: false });
  });
});

describe("heading decoders", () => {
  const at = (word: number, id = 0x01, len = 256, extra?: (b: CfgBuilder) => void) => {
    const b = new CfgBuilder(len).header({ capPtr: 0x40 }).std(0x40, id, 0, word);
    extra?.(b);
    return b.build();
  };
  it("PM, AGP, Slot ID, MSI, Debug port", () => {
    expect(decodePm(at(0x0003), 0x40).version).toBe(3);
    expect(decodeAgp(at(0x0030), 0x40)).toMatchObject({ major: 3, minor: 0 });
    expect(decodeSlotId(at(0x3432), 0x40)).toMatchObject({ slots: 18, firstInChassis: true, chassis: 0x34 });
    expect(decodeMsi(at(0x01f5), 0x40)).toMatchObject({
      enable: true,
      vectorsCapable: 4,
      vectorsEnabled: 128,
      addr64: true,
      maskable: true,
    });
    expect(decodeDebugPort(at(0x3412), 0x40)).toMatchObject({ bar: 1, offset: 0x1412 });
  });
  it("PCI-X and EA depend on the header type", () => {
    expect(decodePcix(at(0), 0x40).variant).toBe("device");
    const bridge = new CfgBuilder()
      .header({ headerType: 1, cls: 0x0604, capPtr: 0x40 })
      .std(0x40, 0x14, 0, 4);
    bridge.set8(0x44, 2).set8(0x45, 9);
    expect(decodePcix(bridge.build(), 0x40).variant).toBe("bridge");
    expect(decodeEa(bridge.build(), 0x40)).toMatchObject({
      numEntries: 4,
      bridge: { secondary: 2, subordinate: 9 },
    });
    expect(decodeEa(at(0x3f), 0x40)).toMatchObject({ numEntries: 63, isBridge: false });
  });
  it("Subsystem ID, SATA, HT need their bytes", () => {
    expect(decodeSsvid(at(0, 0x0d, 0x44), 0x40)).toEqual({ truncated: true });
    expect(
      decodeSsvid(
        at(0, 0x0d, 256, (b) => b.set32(0x44, 0x22171aa4)),
        0x40,
      ),
    ).toMatchObject({
      subsystemVendor: 0x1aa4,
      subsystemDevice: 0x2217,
    });
    expect(
      decodeSata(
        at(0x10, 0x12, 256, (b) => b.set32(0x44, 0x48)),
        0x40,
      ),
    ).toMatchObject({
      major: 1,
      minor: 0,
      barLocation: 8,
      barOffset: 4,
    });
    expect(decodeHt(at(0xa803), 0x40)).toMatchObject({
      kind: "msi-mapping",
      msiMapping: { enable: true, fixed: true },
    });
    expect(decodeHt(at(0x2000), 0x40).kind).toBe("host-secondary");
    expect(decodeHt(at(0xd000), 0x40)).toMatchObject({ kind: "unknown", typeCode: 0x1a });
  });
  it("vendor-specific: VirtIO only for Red Hat virtio IDs with 16+ bytes", () => {
    const b = new CfgBuilder()
      .header({ vendor: 0x1af4, device: 0x1041, capPtr: 0x40 })
      .std(0x40, 0x09, 0, 0x0214);
    b.set8(0x44, 4).set32(0x48, 0x3000).set32(0x4c, 0x1000).set32(0x50, 4);
    expect(decodeVendor(b.build(), 0x40).virtio).toEqual({
      cfgType: 2,
      bar: 4,
      offset: 0x3000,
      length: 0x1000,
      multiplier: 4,
    });
    expect(decodeVendor(at(0x0214, 0x09), 0x40)).toEqual({ truncated: false, length: 0x14 });
  });
  it("extended vendor, DVSEC (CXL) and DSN", () => {
    const cs = pcieEndpoint()
      .set32(0x104, 0x01810002)
      .set32(0x204, 0x03801e98)
      .set16(0x208, 7)
      .set32(0x304, 0xec106881)
      .set32(0x308, 0x00000000)
      .build();
    expect(decodeExtVendor(cs, 0x100)).toMatchObject({ vsecId: 2, vsecRev: 1, vsecLength: 0x018 });
    expect(decodeDvsec(cs, 0x200)).toMatchObject({
      vendor: 0x1e98,
      revision: 0,
      length: 56,
      dvsecId: 7,
      cxl: true,
    });
    expect(decodeDsn(cs, 0x300).serial).toBe("00000000ec106881");
    expect(decodeDvsec(pcieEndpoint(0x108).build(), 0x100)).toEqual({ truncated: true });
  });
});

describe("decoder registry", () => {
  it("maps capability IDs to decoders", () => {
    expect(decoderFor("ext", PCI_EXT_CAP_ID.TPH)).toBe(EXT_DECODERS[PCI_EXT_CAP_ID.TPH]);
    expect(decoderFor("std", PCI_CAP_ID.MSIX)).toBe(STD_DECODERS[PCI_CAP_ID.MSIX]);
    expect(decoderFor("std", 0x42)).toBeUndefined();
    const cs = pcieEndpoint().build();
    expect(decodeCapability(cs, { kind: "std", id: PCI_CAP_ID.EXP, offset: 0x40 })).toMatchObject({
      typeName: "Endpoint",
    });
    expect(decodeCapability(cs, { kind: "ext", id: 0x01, offset: 0x100 })).toBeUndefined();
  });
});
