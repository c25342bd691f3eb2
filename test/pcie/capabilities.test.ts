import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findCapability, walkCapabilities, walkExtended, walkStandard } from "../../src/pcie/capabilities.js";
import {
  EXT_CAP_NAMES,
  extCapName,
  PCI_CAP_ID,
  PCI_EXT_CAP_ID,
  STD_CAP_NAMES,
  stdCapName,
  unknownExtHeading,
  unknownStdHeading,
} from "../../src/pcie/capability-ids.js";
import { parseLspciDump } from "../../src/pcie/dump.js";
import { CfgBuilder, pcieEndpoint } from "./cfg-builder.js";

const FIXTURES = "../shared/fixtures/pciutils";
const kinds = (w: { problems: readonly { kind: string }[] }) => w.problems.map((p) => p.kind);

describe("standard capability list", () => {
  it("walks a chain from 0x34 in order", () => {
    const cs = new CfgBuilder(256)
      .header({ capPtr: 0x40 })
      .std(0x40, 0x01, 0x50)
      .std(0x50, 0x05, 0x70)
      .std(0x70, 0x11, 0)
      .build();
    const w = walkCapabilities(cs);
    expect(w.entries).toEqual([
      { kind: "std", id: 1, offset: 0x40 },
      { kind: "std", id: 5, offset: 0x50 },
      { kind: "std", id: 0x11, offset: 0x70 },
    ]);
    expect(w.problems).toEqual([]);
    expect(w.extWalked).toBe(false);
  });

  it("does nothing when Status.CapList is clear", () => {
    const b = new CfgBuilder(256).header().std(0x40, 0x01, 0).set8(0x34, 0x40);
    const w = walkCapabilities(b.build());
    expect(w.capList).toBe(false);
    expect(w.entries).toEqual([]);
  });

  it("uses 0x14 for CardBus bridges", () => {
    const cs = new CfgBuilder(256)
      .header({ headerType: 2, cls: 0x0607, capPtr: 0x80 })
      .std(0x80, 0x01, 0)
      .build();
    expect(walkCapabilities(cs).entries).toEqual([{ kind: "std", id: 1, offset: 0x80 }]);
  });

  it("masks the low two pointer bits like lspci and reports them", () => {
    const cs = new CfgBuilder(256).header({ capPtr: 0x43 }).std(0x40, 0x01, 0x52).std(0x50, 0x05, 0).build();
    const w = walkCapabilities(cs);
    expect(w.entries.map((e) => e.offset)).toEqual([0x40, 0x50]);
    expect(w.problems.map((p) => [p.kind, p.pointer, p.offset, p.at])).toEqual([
      ["unaligned", 0x43, 0x40, 0],
      ["unaligned", 0x52, 0x50, 1],
    ]);
  });

  it("stops at a loop (<chain looped>)", () => {
    const cs = new CfgBuilder(256)
      .header({ capPtr: 0x40 })
      .std(0x40, 0x01, 0x50)
      .std(0x50, 0x05, 0x40)
      .build();
    const w = walkCapabilities(cs);
    expect(w.entries).toHaveLength(2);
    expect(w.problems).toMatchObject([{ kind: "loop", list: "std", offset: 0x40, at: 2 }]);
  });

  it("stops at ID 0xff (<chain broken>)", () => {
    const cs = new CfgBuilder(256)
      .header({ capPtr: 0x40 })
      .std(0x40, 0x01, 0x48)
      .std(0x48, 0xff, 0x50)
      .build();
    const w = walkCapabilities(cs);
    expect(w.entries).toHaveLength(1);
    expect(w.problems).toMatchObject([{ kind: "broken", offset: 0x48 }]);
  });

  it("reports <access denied> when the capability lies beyond a 64-byte read", () => {
    const cs = new CfgBuilder(64).header({ capPtr: 0x40 }).build();
    const w = walkCapabilities(cs);
    expect(w.entries).toEqual([]);
    expect(w.problems).toMatchObject([{ kind: "access-denied", offset: 0x40, at: 0 }]);
  });

  it("follows a pointer into the header like lspci, and reports it", () => {
    const cs = new CfgBuilder(256).header({ capPtr: 0x40 }).std(0x40, 0x01, 0x10).build();
    const w = walkCapabilities(cs);
    expect(w.entries.map((e) => e.offset)).toEqual([0x40, 0x10]);
    expect(kinds(w)).toEqual(["pointer-in-header"]);
  });

  it("shows nothing for unknown header types", () => {
    const cs = new CfgBuilder(256).header({ headerType: 0x05, capPtr: 0x40 }).std(0x40, 0x01, 0).build();
    const w = walkCapabilities(cs);
    expect(w.entries).toEqual([]);
    expect(kinds(w)).toEqual(["unknown-header-type"]);
    expect(walkStandard(cs).entries).toHaveLength(1);
  });
});

describe("extended capability list", () => {
  it("walks from 0x100 with versions, only for PCIe (or PCI-X) devices", () => {
    const b = pcieEndpoint().ext(0x100, 0x01, 2, 0x160).ext(0x160, 0x17, 1, 0);
    const w = walkCapabilities(b.build());
    expect(w.extWalked).toBe(true);
    expect(w.entries.slice(1)).toEqual([
      { kind: "ext", id: 1, version: 2, offset: 0x100 },
      { kind: "ext", id: 0x17, version: 1, offset: 0x160 },
    ]);
    expect(findCapability(w, "ext", 0x17)?.offset).toBe(0x160);
    const conventional = new CfgBuilder().header({ capPtr: 0x40 }).std(0x40, 0x01, 0).ext(0x100, 0x01, 1, 0);
    expect(walkCapabilities(conventional.build()).entries).toHaveLength(1);
    expect(walkExtended(conventional.build()).entries).toHaveLength(1);
  });

  it("stops at a loop", () => {
    const w = walkCapabilities(pcieEndpoint().ext(0x100, 0x17, 1, 0x200).ext(0x200, 0x10, 1, 0x100).build());
    expect(w.entries).toHaveLength(3);
    expect(w.problems).toMatchObject([
      { kind: "loop", list: "ext", offset: 0x100, header: 0x20010017 >>> 0 },
    ]);
  });

  it("ends silently (for lspci) at 0xffffffff, a zero header, or a pointer beyond the data", () => {
    const ff = pcieEndpoint().ext(0x100, 0x17, 1, 0x200).set32(0x200, 0xffffffff).build();
    expect(walkCapabilities(ff).problems).toMatchObject([
      { kind: "broken", offset: 0x200, header: 0xffffffff },
    ]);
    const zero = pcieEndpoint().ext(0x100, 0x17, 1, 0x200).build();
    expect(kinds(walkCapabilities(zero))).toEqual(["broken"]);
    const trunc = pcieEndpoint(0x180).ext(0x100, 0x17, 1, 0xffc).build();
    expect(walkCapabilities(trunc).problems).toMatchObject([{ kind: "truncated", offset: 0xffc }]);
    const none = pcieEndpoint().build();
    expect(walkCapabilities(none).problems).toEqual([]);
  });

  it("follows a pointer below 0x100 like lspci, and reports it", () => {
    const w = walkCapabilities(pcieEndpoint().ext(0x100, 0x17, 1, 0x040).build());
    expect(w.entries.map((e) => e.offset)).toEqual([0x40, 0x100, 0x40]);
    expect(kinds(w)).toEqual(["pointer-below-ext"]);
  });

  it("reports that extended space is absent from a 256-byte dump", () => {
    const w = walkCapabilities(pcieEndpoint(256).build());
    expect(w.problems).toMatchObject([{ kind: "ext-absent", offset: 0x100, at: 1 }]);
  });

  it("handles the broken-ecaps fixture (Cap- device: nothing to walk)", () => {
    const [d] = parseLspciDump(readFileSync(`${FIXTURES}/broken-ecaps`, "utf8"), "broken-ecaps");
    const w = walkCapabilities(d!.config);
    expect(w.capList).toBe(false);
    expect(w.entries).toEqual([]);
    // The dump does hold extended headers; walked alone they end in a broken chain or loop, never a throw.
    expect(() => walkExtended(d!.config)).not.toThrow();
  });
});

describe("capability names", () => {
  it("names every ID lspci names, with lspci's heading where constant", () => {
    expect(STD_CAP_NAMES[PCI_CAP_ID.CHSWP]?.heading).toBe("CompactPCI hot-swap <?>");
    expect(stdCapName(PCI_CAP_ID.EXP)).toBe("Express");
    expect(stdCapName(0x15)).toBe("Capability ID 0x15");
    expect(unknownStdHeading(0x15, 0x3412)).toBe("Capability ID 0x15 [3412]");
    expect(EXT_CAP_NAMES[PCI_EXT_CAP_ID.TPH]?.heading).toBe("Transaction Processing Hints");
    expect(EXT_CAP_NAMES[PCI_EXT_CAP_ID.PL_16GT]?.heading).toBe("Physical Layer 16.0 GT/s <?>");
    expect(extCapName(0x2a)).toBe("Extended Capability ID 0x2a");
    expect(unknownExtHeading(0xc)).toBe("Extended Capability ID 0xc");
    expect(Object.keys(STD_CAP_NAMES)).toHaveLength(21);
    expect(Object.keys(EXT_CAP_NAMES)).toHaveLength(41);
  });
});
