import { describe, expect, it } from "vitest";
import { abiCommand, makeAbiCommand } from "../../src/cli/commands/abi.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { decodeOrThrow, encode } from "../../src/kernel/include/uapi/codec.js";
import {
  VFIO_DEVICE_FEATURE_DMA_BUF,
  VFIO_DEVICE_FEATURE_DMA_BUF_TPH,
  VFIO_DEVICE_FEATURE_GET,
  vfio_device_feature,
  vfio_device_feature_dma_buf_mainline,
  vfio_device_feature_dma_buf_rfc,
  vfio_device_feature_dma_buf_tph,
} from "../../src/kernel/include/uapi/linux/vfio.js";
import type { RevisionName } from "../../src/kernel/revision.js";
import { abiLayouts, layoutJson } from "../../src/uapi/abi.js";
import type { RunFeature } from "../../src/uapi/abi-run.js";
import { abiVerdicts, reinterpret } from "../../src/uapi/abi-verdicts.js";

describe("abiLayouts", () => {
  it("keys a struct by name when all selected revisions agree, else per revision", () => {
    const keys = abiLayouts(["mainline", "rfc", "v11", "proposed"]).map((l) => l.key);
    expect(keys).toEqual([
      "vfio_device_feature",
      "vfio_region_dma_range",
      "vfio_device_feature_dma_buf@mainline",
      "vfio_device_feature_dma_buf@rfc",
      "vfio_device_feature_dma_buf@v11",
      "vfio_device_feature_dma_buf@proposed",
      "vfio_device_feature_dma_buf_tph@v11",
      "vfio_device_feature_dma_buf_tph@proposed",
      "ibv_dmah_init_attr",
      "ibv_mr_init_attr",
    ]);
    // v11 and proposed agree on everything, and both have feature 13.
    expect(abiLayouts(["v11", "proposed"]).map((l) => l.key)).toContain("vfio_device_feature_dma_buf_tph");
  });
  it("prints the rfc layout as JSON: members, sizes, padding apart", () => {
    expect(layoutJson(vfio_device_feature_dma_buf_rfc)).toEqual({
      size: 24,
      align: 8,
      fields: [
        { field: "region_index", offset: 0, size: 4 },
        { field: "open_flags", offset: 4, size: 4 },
        { field: "steering_tag", offset: 8, size: 2 },
        { field: "ph", offset: 10, size: 1 },
        { field: "flags", offset: 12, size: 4 },
        { field: "nr_ranges", offset: 16, size: 4 },
        { field: "dma_ranges", offset: 24, size: 0 },
      ],
      padding: [
        { name: "__pad@11", offset: 11, size: 1 },
        { name: "__pad@20", offset: 20, size: 4 },
      ],
    });
  });
});

describe("reinterpret: a mainline program's bytes read by the rfc kernel", () => {
  const bytes = encode(vfio_device_feature_dma_buf_mainline, {
    region_index: 1,
    open_flags: 2,
    flags: 0,
    nr_ranges: 1,
    dma_ranges: [{ offset: 0x5000n, length: 0x1000n }],
  });
  const { written, count } = reinterpret(
    vfio_device_feature_dma_buf_mainline,
    vfio_device_feature_dma_buf_rfc,
    bytes,
  );
  const by = (f: string) => written.find((w) => w.field === f)?.readAs.map((r) => `${r.field}=${r.value}`);

  it("flags at 8 is read as steering_tag and ph (and the hole)", () => {
    expect(by("flags")).toEqual(["steering_tag=0x0", "ph=0x0", "__pad@11=null"]);
  });
  it("nr_ranges at 12 is read as flags", () => {
    expect(by("nr_ranges")).toEqual(["flags=0x1"]);
  });
  it("the first range's offset is read as nr_ranges (low half) and the hole", () => {
    expect(by("dma_ranges[0].offset")).toEqual(["nr_ranges=0x5000", "__pad@20=null"]);
  });
  it("the kernel's count announces 0x5000 ranges, of which one starts inside the 32 bytes", () => {
    expect(count).toEqual({ field: "nr_ranges", value: 0x5000, inPayload: 1 });
    // The range length at 24 is the kernel's first range's offset, cut short by the payload end.
    expect(written.find((w) => w.field === "dma_ranges[0].length")?.readAs).toEqual([
      { field: "dma_ranges[0].offset", offset: 24, size: 8, value: "0x1000" },
    ]);
  });
  it("and the rfc program's steering_tag/ph land in the mainline kernel's flags", () => {
    const rfc = encode(vfio_device_feature_dma_buf_rfc, {
      region_index: 0,
      open_flags: 0,
      steering_tag: 0x1234,
      ph: 3,
      flags: 0,
      nr_ranges: 0,
    });
    const r = reinterpret(vfio_device_feature_dma_buf_rfc, vfio_device_feature_dma_buf_mainline, rfc);
    expect(r.written.find((w) => w.field === "ph")?.readAs).toEqual([
      { field: "flags", offset: 8, size: 4, value: "0x31234", part: [2, 3] },
    ]);
  });
});

/** A kernel stand-in that records each ioctl and answers a distinct number, so plumbing is visible. */
function recorder(): { run: RunFeature; calls: { kernel: RevisionName; arg: Uint8Array; ret: number }[] } {
  const calls: { kernel: RevisionName; arg: Uint8Array; ret: number }[] = [];
  const run: RunFeature = (kernel) => (arg) => {
    const ret = 100 + calls.length;
    calls.push({ kernel, arg, ret });
    return { ret, trace: [`call ${ret}`] };
  };
  return { run, calls };
}

describe("abiVerdicts", () => {
  it("without a hook: verdicts for differing layouts and missing features, results not run", () => {
    const vs = abiVerdicts(["mainline", "rfc", "v11"]);
    expect(vs.map((v) => `${v.binary}>${v.kernel}:${v.feature}:${v.kind}`)).toEqual([
      "mainline>rfc:11:reinterpreted",
      "rfc>mainline:11:reinterpreted",
      "rfc>v11:11:reinterpreted",
      "v11>mainline:13:unknown-feature",
      "v11>rfc:11:reinterpreted",
      "v11>rfc:13:unknown-feature",
    ]);
    expect(vs.every((v) => v.result === null && v.baseline === null)).toBe(true);
    expect(abiVerdicts(["mainline", "v11"]).map((v) => v.feature)).toEqual([13]);
  });
  it("passes the program's exact ioctl argument to kernels of both revisions and reports their answers", () => {
    const { run, calls } = recorder();
    const [v] = abiVerdicts(["mainline", "rfc"], run);
    // mainline>rfc first (baseline on mainline, then rfc), then rfc>mainline.
    expect(calls.map((c) => c.kernel)).toEqual(["mainline", "rfc", "rfc", "mainline"]);
    const hdr = decodeOrThrow(vfio_device_feature, calls[1]?.arg ?? new Uint8Array());
    expect(hdr.flags).toBe(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF);
    expect(hdr.argsz).toBe(8 + 16 + 16);
    expect(calls[0]?.arg).toEqual(calls[1]?.arg);
    expect(v?.baseline).toEqual({ ret: 100, errno: "100", trace: ["call 100"] });
    expect(v?.result).toEqual({ ret: 101, errno: "101", trace: ["call 101"] });
  });
  it("feature 13: exports in the kernel's own layout, then SETs with the returned fd", () => {
    const { run, calls } = recorder();
    const vs = abiVerdicts(["rfc", "v11"], run).filter((v) => v.feature === VFIO_DEVICE_FEATURE_DMA_BUF_TPH);
    expect(vs).toHaveLength(1);
    // rfc>v11 dma_buf (2 calls), v11>rfc dma_buf (2 calls), then v11>rfc tph: v11 kernel, rfc kernel.
    const tph = calls.slice(4);
    expect(tph.map((c) => c.kernel)).toEqual(["v11", "v11", "rfc", "rfc"]);
    const exportOnRfc = decodeOrThrow(vfio_device_feature, tph[2]?.arg ?? new Uint8Array());
    expect(exportOnRfc.argsz).toBe(8 + 24 + 16); // the rfc kernel's own layout
    const set = tph[3]?.arg.subarray(8) ?? new Uint8Array();
    expect(decodeOrThrow(vfio_device_feature_dma_buf_tph, set).dmabuf_fd).toBe(tph[2]?.ret);
    expect(vs[0]?.result?.ret).toBe(tph[3]?.ret);
  });
});

describe("tphlab abi", () => {
  it("--json: a key per layout plus verdicts", async () => {
    const io = captureIo();
    expect(await main(["abi", "--json"], io, [abiCommand])).toBe(0);
    const out = JSON.parse(io.out) as Record<string, unknown>;
    expect(out["vfio_device_feature_dma_buf@mainline"]).toMatchObject({ size: 16, align: 8 });
    expect(out.vfio_region_dma_range).toMatchObject({ size: 16 });
    expect(Array.isArray(out.verdicts)).toBe(true);
  });
  it("text: pahole-like layouts with holes, then the verdicts with the hook's results", async () => {
    const { run } = recorder();
    const io = captureIo();
    expect(
      await main(["abi", "--revision", "rfc", "--revision", "mainline"], io, [makeAbiCommand(run)]),
    ).toBe(0);
    expect(io.out).toContain(
      "struct vfio_device_feature_dma_buf {  /* vfio_device_feature_dma_buf@mainline: mainline */",
    );
    expect(io.out).toContain("\t/* XXX 4 bytes hole (__pad@20) */");
    expect(io.out).toContain(
      "mainline program on rfc kernel: struct vfio_device_feature_dma_buf (feature 11, GET)",
    );
    expect(io.out).toContain("returns 101; on a kernel of its own revision: 100");
    expect(io.out).toMatch(/nr_ranges +@12 +4 +0x1 +-> flags @12 = 0x1/);
    expect(io.out.indexOf("@mainline")).toBeLessThan(io.out.indexOf("@rfc"));
  });
  it("one revision: layouts keyed by name, no verdicts", async () => {
    const io = captureIo();
    expect(await main(["abi", "--revision", "v11", "--json"], io, [abiCommand])).toBe(0);
    const out = JSON.parse(io.out) as Record<string, unknown>;
    expect(Object.keys(out)).toContain("vfio_device_feature_dma_buf_tph");
    expect(out.verdicts).toEqual([]);
  });
  it("rejects an unknown or repeated revision with exit 2", async () => {
    const io = captureIo();
    expect(await main(["abi", "--revision", "v12"], io, [abiCommand])).toBe(2);
    expect(io.err).toBe(
      "tphlab abi: --revision: unknown revision 'v12' (known revisions: mainline, rfc, v11, proposed)\n",
    );
    const io2 = captureIo();
    expect(await main(["abi", "--revision", "rfc", "--revision", "rfc"], io2, [abiCommand])).toBe(2);
    expect(io2.err).toContain("'rfc' given twice");
  });
});
