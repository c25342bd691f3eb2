/**
 * The ACS Extended Capability decoder (src/pcie/caps/acs.ts). Bit positions are written out here
 * from PCIe Base 6.0 section 7.7.8 (ACS Capability / Control registers), not imported.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capabilityLimit, walkCapabilities } from "../../src/pcie/capabilities.js";
import { decodeAcs, decodeAcsCapabilityRegister, decodeAcsControlRegister } from "../../src/pcie/caps/acs.js";
import { decodeCapability } from "../../src/pcie/caps/index.js";
import { assertProperty } from "../support/fc.js";
import { pcieEndpoint } from "./cfg-builder.js";

/** A switch downstream port (type 6) with ACS at `at` (next `next`), cap and control words. */
const acsPort = (cap: number, ctrl: number, at = 0x100, next = 0, length = 4096) =>
  pcieEndpoint(length, 6)
    .ext(at, 0x0d, 1, next)
    .set16(at + 4, cap)
    .set16(at + 6, ctrl);

describe("ACS Capability register", () => {
  it.each([
    ["sourceValidation", 0x01],
    ["translationBlocking", 0x02],
    ["p2pRequestRedirect", 0x04],
    ["p2pCompletionRedirect", 0x08],
    ["upstreamForwarding", 0x10],
    ["p2pEgressControl", 0x20],
    ["directTranslatedP2p", 0x40],
    ["enhanced", 0x80],
  ] as const)("%s is bit mask %s alone", (field, mask) => {
    const on = decodeAcsCapabilityRegister(mask);
    expect(on[field]).toBe(true);
    expect(decodeAcsCapabilityRegister(0)[field]).toBe(false);
    expect(decodeAcsCapabilityRegister(0x7f & ~mask)[field]).toBe(false);
  });

  it("Egress Control Vector Size is bits 15:8, 00h meaning 256, and only with P2P Egress Control", () => {
    expect(decodeAcsCapabilityRegister(0x0820).egressVectorBits).toBe(8);
    expect(decodeAcsCapabilityRegister(0x0020).egressVectorBits).toBe(256);
    expect(decodeAcsCapabilityRegister(0xff20).egressVectorBits).toBe(255);
    expect(decodeAcsCapabilityRegister(0x0800).egressVectorBits).toBeUndefined();
    expect(decodeAcsCapabilityRegister(0x0800).egressVectorSizeField).toBe(8);
  });
});

describe("ACS Control register", () => {
  const plain = decodeAcsCapabilityRegister(0x7f);
  const enhanced = decodeAcsCapabilityRegister(0xff);
  it("bits 12:7 are reserved without the Enhanced Capability, 15:13 always", () => {
    expect(decodeAcsControlRegister(0x1f80, plain).reservedBits).toBe(0x1f80);
    expect(decodeAcsControlRegister(0x1f80, enhanced).reservedBits).toBe(0);
    expect(decodeAcsControlRegister(0xe000, enhanced).reservedBits).toBe(0xe000);
  });
  it("decodes the enhanced controls: I/O blocking, memory target access (9:8, 11:10), unclaimed redirect", () => {
    const k = decodeAcsControlRegister(0x0080 | (2 << 8) | (1 << 10) | 0x1000, enhanced);
    expect(k).toMatchObject({
      ioRequestBlocking: true,
      dspMemoryTargetAccess: "redirect",
      uspMemoryTargetAccess: "block",
      unclaimedRequestRedirect: true,
    });
    expect(decodeAcsControlRegister(0x0f00, enhanced).dspMemoryTargetAccess).toBe("reserved");
  });
  it("flags a control enabled that the capability does not offer", () => {
    const cap = decodeAcsCapabilityRegister(0x1d); // SV RR CR UF
    expect(decodeAcsControlRegister(0x0c, cap).enabledNotSupported).toBe(0);
    expect(decodeAcsControlRegister(0x2e, cap).enabledNotSupported).toBe(0x22);
  });
});

describe("Egress Control Vector", () => {
  it("reads ceil(bits / 32) DWORDs from +8 and lists the bits set", () => {
    const cs = acsPort(0x2820, 0x20).set32(0x108, 0x8000_0001).set32(0x10c, 0x0000_0080).build();
    const a = decodeAcs(cs, 0x100);
    expect(a.truncated).toBe(false);
    expect(a.egressVector).toEqual({
      offset: 0x108,
      bits: 40,
      dwords: [0x8000_0001, 0x80],
      set: [0, 31, 39],
      reservedBits: 0,
    });
  });
  it("reports bits beyond the size in the last DWORD as reserved", () => {
    const cs = acsPort(0x0420, 0).set32(0x108, 0x0000_0013).build();
    expect(decodeAcs(cs, 0x100).egressVector).toMatchObject({ bits: 4, set: [0, 1], reservedBits: 0x10 });
  });
  it("a vector running into the next capability is broken, not read", () => {
    // 256 bits = 32 bytes from 0x108; the next capability sits at 0x110.
    const cs = acsPort(0x0020, 0, 0x100, 0x110).ext(0x110, 0x01, 1, 0).build();
    const walk = walkCapabilities(cs);
    const acs = walk.entries.find((e) => e.id === 0x0d)!;
    const a = decodeCapability(cs, acs, capabilityLimit(walk, acs)) as ReturnType<typeof decodeAcs>;
    expect(a.egressVector).toBeUndefined();
    expect(a.egressVectorProblem).toEqual({
      kind: "into-next-capability",
      offset: 0x108,
      end: 0x128,
      limit: 0x110,
    });
  });
  it("a vector past the end of config space is broken, not read", () => {
    const cs = acsPort(0x0020, 0, 0xff0)
      .set32(0x100, 0x0ff0_0000 | 0x0001_0001)
      .build();
    const a = decodeAcs(cs, 0xff0);
    expect(a.egressVectorProblem).toEqual({
      kind: "past-config-space",
      offset: 0xff8,
      end: 0x1018,
      limit: 0x1000,
    });
  });
  it("a vector beyond the bytes read is truncated", () => {
    // 96 bits = 3 DWORDs, 0x108..0x113, in a dump of 0x110 bytes; 64 bits would fit exactly.
    const cs = acsPort(0x6020, 0, 0x100, 0, 0x110).build();
    expect(decodeAcs(cs, 0x100)).toMatchObject({
      truncated: true,
      egressVectorProblem: { kind: "not-in-bytes-read", offset: 0x108, end: 0x114, limit: 0x110 },
    });
    expect(decodeAcs(acsPort(0x4020, 0, 0x100, 0, 0x110).build(), 0x100).egressVector?.bits).toBe(64);
  });
  it("registers not present: truncated, nothing else", () => {
    expect(decodeAcs(acsPort(0, 0, 0x100, 0, 0x104).build(), 0x100)).toEqual({ truncated: true });
  });
});

describe("never trusts the device", () => {
  it("decodes any ACS bytes at any offset without throwing, the vector inside the bounds it was given", () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 0x3ff }).map((d) => 4 * d),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0x100, max: 0x1000 }),
        fc.integer({ min: 0, max: 0x1000 }),
        (at, cap, ctrl, length, limit) => {
          const b = pcieEndpoint(length, 6);
          if (at + 8 <= 4096) b.set16(at + 4, cap).set16(at + 6, ctrl);
          const a = decodeAcs(b.build(), at, limit);
          if (a.egressVector) {
            const end = a.egressVector.offset + 4 * a.egressVector.dwords.length;
            expect(end).toBeLessThanOrEqual(Math.min(limit, length));
            expect(a.egressVector.dwords.length).toBe(Math.ceil(a.egressVector.bits / 32));
          }
        },
      ),
    );
  });
});
