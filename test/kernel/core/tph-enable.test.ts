import { describe, expect, it } from "vitest";
import { EBUSY, EINVAL } from "../../../src/kernel/errno.js";
import {
  PCI_TPH_REQ_EXT_TPH,
  PCI_TPH_ST_DS_MODE,
  pcieDisableTph,
  pcieEnableTph,
  pcieTphEnabledReqType,
} from "../../../src/kernel/pci/tph.js";
import { TPH } from "../../../src/pcie/registers.js";
import { bootSystem, DEFAULT_TPH } from "./fixtures.js";

const ctrlOf = (cfg: { read32(o: number): number }, cap: number) => cfg.read32(cap + TPH.CTRL.offset);

/**
 * pcie_enable_tph(), one row per check in the kernel's order. Rows that break several rules at once
 * prove the order: the earliest check wins.
 */
const ENABLE_ROWS = [
  {
    name: "pci=notph",
    cmdline: "pci=notph",
    tph: DEFAULT_TPH,
    pre: false,
    mode: 2,
    ret: -EINVAL,
    note: "pci=notph",
  },
  {
    name: "pci=notph + no capability",
    cmdline: "quiet pci=realloc,notph",
    tph: undefined,
    pre: false,
    mode: 2,
    ret: -EINVAL,
    note: "pci=notph",
  },
  {
    name: "no capability",
    cmdline: "",
    tph: undefined,
    pre: false,
    mode: 2,
    ret: -EINVAL,
    note: "no TPH capability",
  },
  {
    name: "already enabled",
    cmdline: "",
    tph: DEFAULT_TPH,
    pre: true,
    mode: 2,
    ret: -EBUSY,
    note: "already enabled",
  },
  {
    name: "already enabled + bad mode",
    cmdline: "",
    tph: DEFAULT_TPH,
    pre: true,
    mode: 5,
    ret: -EBUSY,
    note: "already enabled",
  },
  {
    name: "mode 3 (reserved)",
    cmdline: "",
    tph: DEFAULT_TPH,
    pre: false,
    mode: 3,
    ret: -EINVAL,
    note: "mode not supported",
  },
  {
    name: "mode 7 (reserved)",
    cmdline: "",
    tph: DEFAULT_TPH,
    pre: false,
    mode: 7,
    ret: -EINVAL,
    note: "mode not supported",
  },
  {
    name: "IV not supported",
    cmdline: "",
    tph: { ...DEFAULT_TPH, modes: ["ns", "ds"] as const },
    pre: false,
    mode: 1,
    ret: -EINVAL,
    note: "mode not supported",
  },
  {
    name: "NS bit clear (broken device)",
    cmdline: "",
    tph: { ...DEFAULT_TPH, modes: ["ds"] as const },
    pre: false,
    mode: 0,
    ret: -EINVAL,
    note: "mode not supported",
  },
  {
    name: "mode masked to 3 bits: 10 is DS",
    cmdline: "",
    tph: DEFAULT_TPH,
    pre: false,
    mode: 10,
    ret: 0,
    note: undefined,
  },
  { name: "success", cmdline: "", tph: DEFAULT_TPH, pre: false, mode: 2, ret: 0, note: undefined },
] as const;

describe("pcie_enable_tph checks in order", () => {
  it.each(ENABLE_ROWS)("$name -> $ret", (row) => {
    const { k, nic } = bootSystem({ cmdline: row.cmdline, tph: row.tph });
    if (row.pre) {
      // A first enable with the checks off is impossible under notph; rows with pre have no notph.
      expect(pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE)).toBe(0);
    }
    const before = nic.tphCap ? ctrlOf(nic.cfg, nic.tphCap) : 0;
    expect(pcieEnableTph(k, nic, row.mode)).toBe(row.ret);
    expect(k.trace.last("pcie_enable_tph")?.note).toBe(row.note);
    if (row.ret !== 0) {
      // A failed call leaves the control register as it was.
      if (nic.tphCap) expect(ctrlOf(nic.cfg, nic.tphCap)).toBe(before);
      expect(nic.tphEnabled).toBe(row.pre);
    }
  });

  it("writes ST Mode Select and Requester Enable on success", () => {
    const { k, nic } = bootSystem();
    expect(pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE)).toBe(0);
    expect(ctrlOf(nic.cfg, nic.tphCap)).toBe(0x302);
    expect(nic.tphMode).toBe(2);
    expect(nic.tphReqType).toBe(PCI_TPH_REQ_EXT_TPH);
    expect(k.trace.format(k.trace.last("pcie_enable_tph")!)).toBe(
      "pcie_enable_tph: dev=0000:03:00.0 mode=2 dev_req_type=3 rp_completer=3 req_type=3 ret=0",
    );
  });

  it("requester type 0 after negotiation leaves tph_mode set but TPH disabled (kernel side effect)", () => {
    const { k, nic } = bootSystem({ rpCompleter: 0 });
    expect(pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE)).toBe(-EINVAL);
    expect(k.trace.last("pcie_enable_tph")?.note).toBe("requester type 0 after negotiation");
    expect(nic.tphMode).toBe(2);
    expect(nic.tphEnabled).toBe(false);
    expect(ctrlOf(nic.cfg, nic.tphCap)).toBe(0);
  });
});

describe("pcie_disable_tph", () => {
  it("is a no-op without capability or when not enabled", () => {
    const { k, nic } = bootSystem({ tph: undefined });
    pcieDisableTph(k, nic);
    expect(k.trace.last("pcie_disable_tph")?.note).toBe("no TPH capability");
    const s = bootSystem();
    pcieDisableTph(s.k, s.nic);
    expect(s.k.trace.last("pcie_disable_tph")?.note).toBe("not enabled");
    expect(s.k.trace.events("pci_write_config_dword")).toHaveLength(0);
  });

  it("writes the whole control register as 0 and clears the state", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE);
    pcieDisableTph(k, nic);
    expect(ctrlOf(nic.cfg, nic.tphCap)).toBe(0);
    expect([nic.tphMode, nic.tphReqType, nic.tphEnabled]).toEqual([0, 0, false]);
    expect(pcieTphEnabledReqType(nic)).toBe(0);
    // Enabling again works after a disable.
    expect(pcieEnableTph(k, nic, PCI_TPH_ST_DS_MODE)).toBe(0);
  });
});
