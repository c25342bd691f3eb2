import { describe, expect, it } from "vitest";
import {
  encodeStInfo,
  PCI_ACPI_DSM_GUID,
  type PlatformFirmwareDesc,
} from "../../../src/hw/platform-firmware.js";
import { EINVAL, ENODEV } from "../../../src/kernel/errno.js";
import { pcieEnableTph, TPH_MEM_TYPE_PM, TPH_MEM_TYPE_VM } from "../../../src/kernel/pci/tph.js";
import { decodeStInfo, pcieTphGetCpuSt, tphExtractTag } from "../../../src/kernel/pci/tph-cpu-st.js";
import { bootSystem, DEFAULT_TPH, RP } from "./fixtures.js";

// vm_st 0x12, vm_xst 0x3456, pm_st 0x78, pm_xst 0x9abc; valid bits chosen per test.
const TAGS = 0x9abc_7800_3456_1200n;

function fw(
  stInfo: Record<string, bigint | string>,
  extra: Partial<PlatformFirmwareDesc> = {},
): PlatformFirmwareDesc {
  const table = Object.fromEntries(
    Object.entries(stInfo).map(([k, v]) => [k, typeof v === "bigint" ? `0x${v.toString(16)}` : v]),
  );
  return { rootPorts: { [RP]: { stInfo: table } }, ...extra };
}

// Order per drivers/pci/tph.c pcie_tph_get_cpu_st() since the logical-CPU change (April 2026):
// acpi_get_cpu_uid() first, then the Root Port, then the _DSM on ACPI_HANDLE(rp->bus->bridge).
describe("pcie_tph_get_cpu_st checks in order", () => {
  it("acpi_get_cpu_uid() runs first: a bad cpu is -EINVAL even without a Root Port", () => {
    const { k, orphan } = bootSystem();
    expect(pcieTphGetCpuSt(k, orphan, TPH_MEM_TYPE_VM, 999)).toEqual({ ret: -EINVAL, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe("cpu >= nr_cpu_ids");
  });
  it("no Root Port (parentless endpoint) -> -ENODEV", () => {
    const { k, orphan } = bootSystem();
    expect(pcieTphGetCpuSt(k, orphan, TPH_MEM_TYPE_VM, 1)).toEqual({ ret: -ENODEV, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe("no Root Port");
  });
  it("an RCiEP has no Root Port -> -ENODEV", () => {
    const { k, rciep } = bootSystem();
    expect(pcieTphGetCpuSt(k, rciep, TPH_MEM_TYPE_VM, 0).ret).toBe(-ENODEV);
  });
  it("no ACPI companion on the host bridge: no separate check, the _DSM fails -> tag 0, -EINVAL", () => {
    const { k, nic } = bootSystem({ firmware: {} });
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 1)).toEqual({ ret: -EINVAL, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe("no ACPI handle");
    expect(k.firmware.dsmCalls).toHaveLength(0);
  });
  it("the _DSM is the host bridge's: two Root Ports on one root bus must describe it alike", () => {
    const other = "0000:00:02.0";
    expect(
      () => bootSystem({ firmware: { rootPorts: { [RP]: { stInfo: { "1": "0x1" } }, [other]: {} } } }).k,
    ).toThrow(/host bridge pci0000:00/);
  });
  it.each([8, 9, 4096])("cpu %i >= nr_cpu_ids (8) -> -EINVAL, no _DSM call", (cpu) => {
    const { k, nic } = bootSystem();
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, cpu)).toEqual({ ret: -EINVAL, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe("cpu >= nr_cpu_ids");
    expect(k.firmware.dsmCalls).toHaveLength(0);
  });
  it.each([
    ["no-dsm", "_DSM function 0xF not implemented"],
    ["no-func", "_DSM function 0xF not implemented"],
    ["null", "_DSM evaluation failed"],
    ["not-buffer", "_DSM returned integer, not a buffer"],
  ] as const)("_DSM failure %s -> tag 0, -EINVAL", (fail, note) => {
    const { k, nic } = bootSystem({ firmware: { rootPorts: { [RP]: { stInfo: { "1": "0x1201" }, fail } } } });
    pcieEnableTph(k, nic, 2);
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 1)).toEqual({ ret: -EINVAL, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe(note);
  });
  it("a short buffer is read as 8 bytes (zeros past its end), noted in the trace", () => {
    const { k, nic } = bootSystem({
      tph: { ...DEFAULT_TPH, ext: false },
      firmware: {
        rootPorts: {
          [RP]: {
            stInfo: { "1": encodeStInfo({ vm: { st: 0x12 }, pm: { st: 0x34 } }).toString() },
            fail: "short-buffer",
          },
        },
      },
    });
    pcieEnableTph(k, nic, 2);
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 1)).toEqual({ ret: 0, tag: 0x12 });
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_PM, 1)).toEqual({ ret: 0, tag: 0 });
    expect(k.trace.last("pcie_tph_get_cpu_st")?.note).toBe("buffer of 4 bytes read as 8");
  });
});

describe("the _DSM call", () => {
  it("checks function 0 at revision 7, then calls function 0xF with {0, UID, 0}", () => {
    const { k, nic } = bootSystem({ firmware: { ...fw({ "16": TAGS | 1n }), cpuUids: [0, 1, 16, 3] } });
    pcieEnableTph(k, nic, 2);
    pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 2);
    expect(k.firmware.dsmCalls).toEqual([
      { hostBridge: "pci0000:00", guid: PCI_ACPI_DSM_GUID, rev: 7, func: 0, args: [] },
      { hostBridge: "pci0000:00", guid: PCI_ACPI_DSM_GUID, rev: 7, func: 15, args: [0n, 16n, 0n] },
    ]);
    expect(k.trace.format(k.trace.last("pcie_tph_get_cpu_st")!)).toBe(
      "pcie_tph_get_cpu_st: dev=0000:03:00.0 mem_type=vm cpu=2 uid=16 st_info=0x9abc780034561201 req_type=3 tag=0x0 ret=0",
    );
  });
  it("a UID the firmware does not list answers nothing valid: tag 0, success", () => {
    const { k, nic } = bootSystem({ firmware: fw({ "0": TAGS | 0x3_0000_0003n }) });
    pcieEnableTph(k, nic, 2);
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 5)).toEqual({ ret: 0, tag: 0 });
  });
});

/** All 16 combinations of the four valid bits, for both memory types and both requester types. */
describe("st_info decoding: every valid-bit combination", () => {
  const combos = Array.from({ length: 16 }, (_, i) => ({
    vmSt: (i & 1) !== 0,
    vmXst: (i & 2) !== 0,
    pmSt: (i & 4) !== 0,
    pmXst: (i & 8) !== 0,
  }));
  it.each(combos)("vm_st=$vmSt vm_xst=$vmXst pm_st=$pmSt pm_xst=$pmXst", (c) => {
    const bits =
      (c.vmSt ? 1n : 0n) | (c.vmXst ? 2n : 0n) | (c.pmSt ? 1n << 32n : 0n) | (c.pmXst ? 1n << 33n : 0n);
    for (const ext of [false, true]) {
      const { k, nic } = bootSystem({ tph: { ...DEFAULT_TPH, ext }, firmware: fw({ "3": TAGS | bits }) });
      expect(pcieEnableTph(k, nic, 2)).toBe(0);
      const vm = pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 3);
      const pm = pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_PM, 3);
      const wantVm = ext ? (c.vmXst ? 0x3456 : 0) : c.vmSt ? 0x12 : 0;
      const wantPm = ext ? (c.pmXst ? 0x9abc : 0) : c.pmSt ? 0x78 : 0;
      expect([vm, pm]).toEqual([
        { ret: 0, tag: wantVm },
        { ret: 0, tag: wantPm },
      ]);
    }
  });

  it("ph_ignore bits are decoded but do not change the tag", () => {
    const info = decodeStInfo(TAGS | 0x7_0000_0007n);
    expect(info).toEqual({
      vmStValid: true,
      vmXstValid: true,
      vmPhIgnore: true,
      vmSt: 0x12,
      vmXst: 0x3456,
      pmStValid: true,
      pmXstValid: true,
      pmPhIgnore: true,
      pmSt: 0x78,
      pmXst: 0x9abc,
    });
    expect(tphExtractTag(TPH_MEM_TYPE_VM, 1, info)).toBe(0x12);
    expect(tphExtractTag(TPH_MEM_TYPE_VM, 1, { ...info, vmPhIgnore: false })).toBe(0x12);
  });

  it("requester type disabled (TPH off), reserved 2, or an unknown memory type -> tag 0", () => {
    const info = decodeStInfo(TAGS | 0x3_0000_0003n);
    expect(tphExtractTag(TPH_MEM_TYPE_VM, 0, info)).toBe(0);
    expect(tphExtractTag(TPH_MEM_TYPE_VM, 2, info)).toBe(0);
    expect(tphExtractTag(2, 3, info)).toBe(0);
    const { k, nic } = bootSystem({ firmware: fw({ "0": TAGS | 0x3_0000_0003n }) });
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 0)).toEqual({ ret: 0, tag: 0 });
  });

  it("the quirk: Requester Enable 2 (Root Port reports reserved 2) gets tag 0 for every memory type", () => {
    const { k, nic } = bootSystem({ rpCompleter: 2, firmware: fw({ "0": TAGS | 0x3_0000_0003n }) });
    expect(pcieEnableTph(k, nic, 2)).toBe(0);
    expect(nic.tphReqType).toBe(2);
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_VM, 0).tag).toBe(0);
    expect(pcieTphGetCpuSt(k, nic, TPH_MEM_TYPE_PM, 0).tag).toBe(0);
  });

  it("encodeStInfo sets each valid bit with its tag", () => {
    expect(
      encodeStInfo({ vm: { st: 0x12, xst: 0x3456 }, pm: { st: 0x78, xst: 0x9abc, phIgnore: true } }),
    ).toBe(TAGS | 0x7_0000_0003n);
  });
});
