import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import { EINVAL, ENXIO, EOPNOTSUPP, ERRNO_NAME, errnoName } from "../../../src/kernel/errno.js";
import { bootKernel, parseCmdline } from "../../../src/kernel/kernel.js";
import { pcieEnableTph, pcieTphSetStEntry } from "../../../src/kernel/pci/tph.js";
import { type Behaviours, REVISION_NAMES, REVISIONS } from "../../../src/kernel/revision.js";
import { TraceLog } from "../../../src/kernel/trace.js";
import { bootSystem, NIC, RP, rootPort } from "./fixtures.js";

describe("errno", () => {
  it("names errors the way the kernel log does", () => {
    expect(errnoName(-EINVAL)).toBe("-EINVAL");
    expect(errnoName(-ENXIO)).toBe("-ENXIO");
    expect(errnoName(0)).toBe("0");
    expect(errnoName(5)).toBe("5");
    expect(errnoName(-123)).toBe("-123");
    expect(ERRNO_NAME[EOPNOTSUPP]).toBe("EOPNOTSUPP");
    expect(Object.keys(ERRNO_NAME).map(Number)).toEqual([
      1, 2, 4, 6, 9, 12, 14, 16, 19, 22, 25, 28, 34, 75, 93, 95,
    ]);
  });
});

describe("trace log format", () => {
  it("prints ftrace-like lines: dev, args in order, ret as errno, quoted note", () => {
    const t = new TraceLog();
    t.emit("pcie_enable_tph", { dev: "0000:03:00.0", args: { mode: 2 }, ret: 0 });
    t.emit("x", {
      args: { on: true, off: false, big: 0x1234n, s: "a b", e: "" },
      ret: -EINVAL,
      note: 'say "hi"',
    });
    t.emit("bare");
    const [a, b, c] = t.events();
    expect(t.format(a!)).toBe("pcie_enable_tph: dev=0000:03:00.0 mode=2 ret=0");
    expect(t.format(b!)).toBe('x: on=1 off=0 big=0x1234 s="a b" e="" ret=-EINVAL note="say \\"hi\\""');
    expect(t.format(c!)).toBe("bare:");
    expect(t.dump()).toBe(
      "   1 pcie_enable_tph: dev=0000:03:00.0 mode=2 ret=0\n" +
        '   2 x: on=1 off=0 big=0x1234 s="a b" e="" ret=-EINVAL note="say \\"hi\\""\n' +
        "   3 bare:\n",
    );
  });
  it("keeps counting after clear, filters by function, returns the value from ret()", () => {
    const t = new TraceLog();
    t.emit("a");
    t.clear();
    expect(t.ret("b", { dev: "d" }, -EINVAL)).toBe(-EINVAL);
    expect(t.events()).toEqual([{ seq: 2, fn: "b", dev: "d", ret: -EINVAL }]);
    expect(t.events("a")).toEqual([]);
    expect(t.last("b")?.seq).toBe(2);
  });
  it("a whole TPH call sequence reads as a kernel trace", () => {
    const { k, nic } = bootSystem();
    pcieEnableTph(k, nic, 2);
    pcieTphSetStEntry(k, nic, 1, 0x0a);
    expect(k.trace.dump()).toBe(
      [
        "   1 pci_write_config_dword: dev=0000:03:00.0 where=0x1b8 val=0x302 ret=0",
        "   2 pcie_enable_tph: dev=0000:03:00.0 mode=2 dev_req_type=3 rp_completer=3 req_type=3 ret=0",
        "   3 pci_write_config_dword: dev=0000:03:00.0 where=0x1b8 val=0x2 ret=0",
        "   4 pci_write_config_word: dev=0000:03:00.0 where=0x1be val=0xa ret=0",
        "   5 pci_write_config_dword: dev=0000:03:00.0 where=0x1b8 val=0x302 ret=0",
        "   6 pcie_tph_set_st_entry: dev=0000:03:00.0 index=1 tag=0xa table=cap ret=0",
        "",
      ].join("\n"),
    );
  });
});

describe("revisions", () => {
  it("are named in order and each sets every behaviour", () => {
    expect(REVISION_NAMES).toEqual(["mainline", "rfc", "v11", "proposed"]);
    const keys = Object.keys(REVISIONS.mainline).sort();
    for (const r of REVISION_NAMES) expect(Object.keys(REVISIONS[r]).sort()).toEqual(keys);
  });
  it("switch the series' behaviours as series.md describes", () => {
    const pick = (b: Behaviours) => [
      b.dmaBufTph,
      b.vfioDmaBufLayout,
      b.vfioDmaBufTphFeature,
      b.rfcGetTphAlwaysOk,
    ];
    expect(pick(REVISIONS.mainline)).toEqual(["none", "mainline", false, false]);
    expect(pick(REVISIONS.rfc)).toEqual(["rfc-get-tph", "rfc", false, true]);
    expect(pick(REVISIONS.v11)).toEqual(["get-pci-tph", "mainline", true, false]);
    expect(REVISIONS.rfc.mlx5DmabufLookup).toBe("fd-again");
    expect(REVISIONS.rfc.mlx5StMapping).toBe("raw-tag-as-index");
    const open = (b: Behaviours) => [
      b.mlx5NamespaceFrom,
      b.mlx5RequeryAfterInvalidate,
      b.mlx5Direct16BitTag,
      b.mlx5StBookkeepingLeak,
      b.tphReservedCompleter,
    ];
    expect(open(REVISIONS.v11)).toEqual(["nic-req-type", false, "truncate", true, "pass-through"]);
    expect(open(REVISIONS.proposed)).toEqual(["peer-completer", true, "reject", false, "fold-to-none"]);
  });
});

describe("bootKernel", () => {
  it("parses pci= options from the command line", () => {
    expect(parseCmdline("quiet pci=noaer,notph").notph).toBe(true);
    expect(parseCmdline("notph pci=noaer").notph).toBe(false);
  });
  it("enumerates every function, in address order, with defaults v11 and 8 CPUs", () => {
    const k = bootKernel({
      topology: { devices: [rootPort(), { bdf: NIC, type: "endpoint", vendor: 1, device: 2, parent: RP }] },
    });
    expect(k.revision).toBe("v11");
    expect(k.nrCpuIds).toBe(8);
    expect(k.pciDevs.map((d) => d.name)).toEqual([RP, NIC]);
    expect(k.pciDev("03:00.0")?.tphCap).toBe(0);
    expect(k.current.allowedCpus.size).toBe(8);
  });
  it("records pci=notph in the trace at boot", () => {
    const { k } = bootSystem({ cmdline: "pci=notph" });
    expect(k.trace.events()[0]?.fn).toBe("pci_no_tph");
  });
  it.each([
    [{ revision: "v12" as never }, "revision"],
    [{ nrCpuIds: 0 }, "nrCpuIds"],
  ])("rejects bad options with an InputError (%o)", (opts, path) => {
    try {
      bootKernel({ topology: { devices: [] }, ...opts });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues[0]?.path).toBe(path);
    }
  });
  it("rejects bad firmware descriptions", () => {
    expect(() =>
      bootKernel({ topology: { devices: [] }, firmware: { rootPorts: { [RP]: { fail: "boom" as never } } } }),
    ).toThrow(InputError);
    expect(() =>
      bootKernel({
        topology: { devices: [] },
        firmware: { rootPorts: { [RP]: { stInfo: { "0": "0x1ffffffffffffffff" } } } },
      }),
    ).toThrow(/64-bit/);
  });
});
