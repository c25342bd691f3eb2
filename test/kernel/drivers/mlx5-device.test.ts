/** The mlx5 hardware model: mkey context bits, firmware commands, UMR, and the hints on TLPs. */
import { describe, expect, it } from "vitest";
import { Mlx5Device, mlx5FunctionDesc } from "../../../src/hw/mlx5/device.js";
import { MKC, MLX5_CMD_STAT, mlx5Get, mlx5GetBig, mlx5Set, newMkc } from "../../../src/hw/mlx5/ifc.js";
import { buildPciFunction, type PciFunction } from "../../../src/hw/pci-function.js";
import type { TphRequesterDesc } from "../../../src/hw/pci-function-desc.js";

const TABLE: TphRequesterDesc = { modes: ["ns", "ds"], ext: true, location: "cap", tableSize: 4 };

function nic(tph: TphRequesterDesc = TABLE, caps = { mkeyPcieTph: true, logMaxMkey: 4 }) {
  const fn = buildPciFunction(mlx5FunctionDesc({ bdf: "03:00.0", tph }));
  return { fn, dev: new Mlx5Device(fn, caps) };
}
/** Program the TPH control register (mode, requester enable) and ST entries as a driver would. */
function tphCtrl(fn: PciFunction, mode: number, reqEn: number, entries: number[] = []): void {
  fn.cfg.write32(fn.caps.tph + 8, mode | (reqEn << 8));
  entries.forEach((e, i) => {
    fn.cfg.write16(fn.caps.tph + 0x0c + 2 * i, e);
  });
}
function mkc(o: { en?: number; ph?: number; index?: number } = {}): Uint8Array {
  const m = newMkc();
  mlx5Set(m, MKC.pcie_tph_en, o.en ?? 1);
  mlx5Set(m, MKC.pcie_tph_ph, o.ph ?? 2);
  mlx5Set(m, MKC.pcie_tph_steering_tag_index, o.index ?? 1);
  return m;
}

describe("mkey context bits (mlx5_ifc_mkc_bits)", () => {
  it("TPH fields sit at bits 0x1e5..0x1ef, MSB first; MLX5_SET keeps only the field's width", () => {
    const m = newMkc();
    mlx5Set(m, MKC.pcie_tph_en, 1);
    mlx5Set(m, MKC.pcie_tph_ph, 3);
    expect(mlx5Set(m, MKC.pcie_tph_steering_tag_index, 0x1234)).toBe(0x34n);
    expect([m[0x3c], m[0x3d], m[0x3e]]).toEqual([0x07, 0x34, 0x00]);
    expect(mlx5Get(m, MKC.pcie_tph_steering_tag_index)).toBe(0x34);
  });
  it("64-bit fields round-trip; a 32-bit getter refuses them", () => {
    const m = newMkc();
    mlx5Set(m, MKC.start_addr, 0x1234_5678_9abc_def0n);
    expect(mlx5GetBig(m, MKC.start_addr)).toBe(0x1234_5678_9abc_def0n);
    expect(m[0x10]).toBe(0x12);
    expect(() => mlx5Get(m, MKC.len)).toThrow();
  });
});

describe("firmware commands", () => {
  it("CREATE_MKEY: TPH without mkey_pcie_tph -> BAD_PARAM; a full table -> LIM_ERR; index 0 never used", () => {
    const noCap = nic(TABLE, { mkeyPcieTph: false, logMaxMkey: 4 }).dev;
    expect(noCap.createMkey(mkc(), 0).status).toBe(MLX5_CMD_STAT.BAD_PARAM_ERR);
    expect(noCap.createMkey(mkc({ en: 0 }), 0).status).toBe(MLX5_CMD_STAT.OK);
    const small = nic(TABLE, { mkeyPcieTph: true, logMaxMkey: 1 }).dev;
    expect(small.createMkey(mkc(), 7)).toEqual({ status: MLX5_CMD_STAT.OK, index: 1 });
    expect(small.createMkey(mkc(), 8).status).toBe(MLX5_CMD_STAT.LIM_ERR);
    expect(small.mkeyByKey(0x107)?.fields.tphPh).toBe(2);
    expect(small.mkeyByKey(0x108)).toBeUndefined();
    expect(small.destroyMkey(5)).toBe(MLX5_CMD_STAT.BAD_RES_ERR);
    expect(small.commandLog.map((c) => c.status)).toEqual([0, 8, 5]);
  });
  it("UMR changes only the masked fields and the translation", () => {
    const { dev } = nic();
    const { index } = dev.createMkey(mkc({ ph: 1, index: 2 }), 0);
    expect(
      dev.umr(index, {
        mkc: mkc({ en: 0, ph: 3, index: 9 }),
        mask: ["pcie_tph_ph"],
        xlt: [{ addr: 1n, len: 2n }],
      }),
    ).toBe(0);
    expect(dev.mkeys.get(index)!.fields).toMatchObject({ tphEn: true, tphPh: 3, tphStIndex: 2 });
    expect(dev.mkeys.get(index)!.xltValid).toBe(true);
    dev.umr(index, { xlt: "zap" });
    expect(dev.mkeys.get(index)!.xlt).toEqual([]);
    expect(dev.umr(99, { xlt: "zap" })).toBe(MLX5_CMD_STAT.BAD_RES_ERR);
  });
  it("a function reset wipes the mkey table", () => {
    const { fn, dev } = nic();
    dev.createMkey(mkc(), 0);
    fn.reset("flr");
    expect(dev.mkeys.size).toBe(0);
  });
});

describe("TLP hints for an mkey", () => {
  it.each<
    [
      string,
      TphRequesterDesc,
      () => [number, number, number[]],
      { index?: number; en?: number; ph?: number },
      unknown,
    ]
  >([
    ["tph_en = 0: no TH", TABLE, () => [2, 3, []], { en: 0 }, { th: false, why: "pcie_tph_en=0" }],
    [
      "Requester Enable 0: no TH",
      TABLE,
      () => [2, 0, []],
      {},
      { th: false, why: "TPH Requester Enable = 0" },
    ],
    [
      "table mode: the entry's 16-bit tag with the prefix",
      TABLE,
      () => [2, 3, [0, 0x4321]],
      { index: 1 },
      { th: true, ph: 2, st: 0x4321, prefix: true },
    ],
    [
      "TPH-only requester: ST[7:0] only, no prefix",
      TABLE,
      () => [2, 1, [0, 0x4321]],
      { index: 1 },
      { th: true, ph: 2, st: 0x21, prefix: false },
    ],
    [
      "index past the table: ST 0",
      TABLE,
      () => [2, 3, [0, 1, 2, 3]],
      { index: 9 },
      { th: true, ph: 2, st: 0, prefix: false },
    ],
    [
      "No ST mode: ST 0",
      TABLE,
      () => [0, 3, [0, 0x55]],
      { index: 1 },
      { th: true, ph: 2, st: 0, prefix: false },
    ],
    [
      "direct mode: the index is the tag",
      { modes: ["ns", "ds"], location: "none" },
      () => [2, 1, []],
      { index: 0xab },
      { th: true, ph: 2, st: 0xab, prefix: false },
    ],
  ])("%s", (_n, tph, ctl, fields, want) => {
    const { fn, dev } = nic(tph);
    const [mode, req, entries] = ctl();
    tphCtrl(fn, mode, req, entries);
    const { index } = dev.createMkey(mkc(fields), 0);
    expect(dev.tlpHints(index)).toEqual(want);
  });
  it("no TPH capability: no TH", () => {
    const fn = buildPciFunction({ ...mlx5FunctionDesc({ bdf: "03:00.0", tph: "none" }) });
    const dev = new Mlx5Device(fn);
    const { index } = dev.createMkey(mkc(), 0);
    expect(dev.tlpHints(index)).toEqual({ th: false, why: "no TPH Requester capability" });
  });
});
