/** The mlx5 steering-tag table (linux-tph-stack.md section 2). */
import { describe, expect, it } from "vitest";
import { EBUSY, EINVAL, EOPNOTSUPP } from "../../../src/kernel/errno.js";
import {
  mlx5StAllocIndex,
  mlx5StAllocIndexByTag,
  mlx5StDeallocIndex,
  mlx5StDestroy,
  mlx5StGetIndex,
} from "../../../src/kernel/net/ethernet/mellanox/mlx5/core/lib/st.js";
import { mlx5Remove } from "../../../src/kernel/net/ethernet/mellanox/mlx5/core/main.js";
import { pcieDisableTph } from "../../../src/kernel/pci/tph.js";
import type { RevisionName } from "../../../src/kernel/revision.js";
import { bootTestbed, NIC_TPH_DIRECT, type TestbedOptions } from "./testbed.js";

const small = (o: TestbedOptions = {}) =>
  bootTestbed({ nicTph: { modes: ["ns", "ds"], ext: true, location: "cap", tableSize: 4 }, ...o });
/** The ST table entry `i` of the NIC's TPH capability, as the hardware holds it. */
const entry = (t: ReturnType<typeof bootTestbed>, i: number) =>
  t.nic.pdev.cfg.read16(t.nic.pdev.tphCap + 0x0c + 2 * i);

describe("mlx5_st_create", () => {
  it.each<[string, TestbedOptions]>([
    ["firmware without mkey_pcie_tph", { nicCaps: { mkeyPcieTph: false } }],
    ["no TPH capability", { nicTph: "none" }],
    [
      "a table of one entry (entry 0 is reserved)",
      { nicTph: { modes: ["ns", "ds"], location: "cap", tableSize: 1 } },
    ],
    ["ST table in MSI-X (table size reads 0)", { nicTph: { modes: ["ns", "ds"], location: "msix" } }],
    ["pci=notph (pcie_enable_tph fails)", { cmdline: "pci=notph" }],
    ["Root Port is no TPH completer (requester type 0)", { rpCompleter: 0 }],
  ])("no table: %s", (_n, o) => {
    const t = bootTestbed(o);
    expect(t.nic.st).toBeUndefined();
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 5)).toEqual({ ret: -EOPNOTSUPP, index: 0 });
    expect(mlx5StDeallocIndex(t.k, t.nic, 1)).toBe(-EOPNOTSUPP);
    expect(mlx5StGetIndex(t.k, t.nic, 1)).toBe(-EOPNOTSUPP);
  });

  it("table mode: indexes 1..size-1, TPH enabled in Device Specific mode", () => {
    const t = small();
    expect(t.nic.st).toMatchObject({ directMode: false, indexLimit: { min: 1, max: 3 } });
    expect(t.nic.pdev.tphMode).toBe(2);
    expect(t.nic.pdev.tphEnabled).toBe(true);
  });

  it("direct mode when there is no ST table", () => {
    const t = bootTestbed({ nicTph: NIC_TPH_DIRECT });
    expect(t.nic.st?.directMode).toBe(true);
  });
});

describe("table mode: refcounted entries", () => {
  it("entry 0 is never handed out; equal tags share an entry; the tag is written to the table", () => {
    const t = small();
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 0x1234)).toEqual({ ret: 0, index: 1 });
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 0x1234)).toEqual({ ret: 0, index: 1 });
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 0x0042)).toEqual({ ret: 0, index: 2 });
    expect(t.nic.st!.idxXa.get(1)).toEqual({ usecount: 2, tag: 0x1234 });
    expect([entry(t, 0), entry(t, 1), entry(t, 2)]).toEqual([0, 0x1234, 0x0042]);
  });

  it("a full table -> -EBUSY; a freed index is reused", () => {
    const t = small();
    for (const tag of [1, 2, 3]) expect(mlx5StAllocIndexByTag(t.k, t.nic, tag).ret).toBe(0);
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 4)).toEqual({ ret: -EBUSY, index: 0 });
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 2)).toEqual({ ret: 0, index: 2 });
    mlx5StDeallocIndex(t.k, t.nic, 1);
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 4)).toEqual({ ret: 0, index: 1 });
  });

  it("dealloc: unknown index -> -EINVAL (WARN); the last reference frees the index, the table keeps the tag", () => {
    const t = small();
    mlx5StAllocIndexByTag(t.k, t.nic, 0x77);
    mlx5StGetIndex(t.k, t.nic, 1);
    expect(mlx5StDeallocIndex(t.k, t.nic, 3)).toBe(-EINVAL);
    expect(t.k.trace.last("WARN")?.note).toMatch(/unknown index 3/);
    expect(mlx5StDeallocIndex(t.k, t.nic, 1)).toBe(0);
    expect(t.nic.st!.idxXa.get(1)?.usecount).toBe(1);
    expect(mlx5StDeallocIndex(t.k, t.nic, 1)).toBe(0);
    expect(t.nic.st!.idxXa.size).toBe(0);
    expect(entry(t, 1)).toBe(0x77);
  });

  it("get_index: one more reference; unknown index -> -EINVAL", () => {
    const t = small();
    mlx5StAllocIndexByTag(t.k, t.nic, 9);
    expect(mlx5StGetIndex(t.k, t.nic, 1)).toBe(0);
    expect(t.nic.st!.idxXa.get(1)?.usecount).toBe(2);
    expect(mlx5StGetIndex(t.k, t.nic, 2)).toBe(-EINVAL);
  });

  it("a failing ST-entry write is unwound: the index is not kept", () => {
    const t = small();
    pcieDisableTph(t.k, t.nic.pdev);
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 9).ret).toBe(-EINVAL);
    expect(t.nic.st!.idxXa.size).toBe(0);
  });

  it.each<[RevisionName, number]>([
    ["mainline", 1],
    ["rfc", 1],
    ["v11", 1],
    ["proposed", 0],
  ])("bookkeeping leak on the last dealloc (open problem 5): %s leaks %d", (revision, leaks) => {
    const t = small({ revision });
    mlx5StAllocIndexByTag(t.k, t.nic, 0x55);
    mlx5StDeallocIndex(t.k, t.nic, 1);
    expect(t.nic.st!.leaked).toHaveLength(leaks);
    expect(t.k.trace.events("kmemleak")).toHaveLength(leaks);
  });

  it("destroy with entries still allocated WARNs and disables TPH", () => {
    const t = small();
    mlx5StAllocIndexByTag(t.k, t.nic, 1);
    mlx5StDestroy(t.k, t.nic);
    expect(t.k.trace.last("WARN")?.note).toMatch(/1 ST entries in use/);
    expect(t.nic.pdev.tphEnabled).toBe(false);
    expect(t.nic.st).toBeUndefined();
  });
});

describe("direct mode", () => {
  it("the tag is the index; dealloc is a no-op", () => {
    const t = bootTestbed({ nicTph: NIC_TPH_DIRECT });
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 0x42)).toEqual({ ret: 0, index: 0x42 });
    expect(mlx5StDeallocIndex(t.k, t.nic, 0x42)).toBe(0);
    expect(mlx5StGetIndex(t.k, t.nic, 0x42)).toBe(0);
  });
  it.each<[RevisionName, { ret: number; index: number }, number]>([
    ["v11", { ret: 0, index: 0x1234 }, 0],
    ["proposed", { ret: -EINVAL, index: 0 }, 1],
  ])("a 16-bit tag (open problem 4): %s", (revision, want, traced) => {
    const t = bootTestbed({ revision, nicTph: NIC_TPH_DIRECT });
    expect(mlx5StAllocIndexByTag(t.k, t.nic, 0x1234)).toEqual(want);
    expect(t.k.trace.events("mlx5_st_tag_too_wide")).toHaveLength(traced);
  });
});

describe("mlx5_st_alloc_index (a CPU's tag through ACPI)", () => {
  const stInfo = { "2": { vm: { st: 0x11, xst: 0x1122 }, pm: { st: 0x33 } } };
  it("the tag of the negotiated namespace, then an index for it", () => {
    const t = small({ stInfo });
    expect(mlx5StAllocIndex(t.k, t.nic, 0, 2)).toEqual({ ret: 0, index: 1 });
    expect(t.nic.st!.idxXa.get(1)?.tag).toBe(0x1122);
    const t8 = small({ stInfo, rpCompleter: 1 });
    mlx5StAllocIndex(t8.k, t8.nic, 1, 2);
    expect(t8.nic.st!.idxXa.get(1)?.tag).toBe(0x33);
  });
  it("errors of pcie_tph_get_cpu_st pass through (cpu >= nr_cpu_ids -> -EINVAL)", () => {
    const t = small({ stInfo, nrCpuIds: 4 });
    expect(mlx5StAllocIndex(t.k, t.nic, 0, 4).ret).toBe(-EINVAL);
  });
});

describe("mlx5 remove", () => {
  it("unbinding destroys the ST table and disables TPH", () => {
    const t = small();
    mlx5Remove(t.k, t.nic);
    expect(t.nic.st).toBeUndefined();
    expect(t.nic.pdev.tphEnabled).toBe(false);
    expect(t.nic.pdev.driver).toBeUndefined();
  });
});
