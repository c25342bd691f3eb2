/** The verdicts with the kernel model behind them: the return values come from running it. */
import { describe, expect, it } from "vitest";
import { EFAULT, EINVAL, ENOTTY } from "../../src/kernel/errno.js";
import {
  vfio_device_feature_dma_buf_mainline,
  vfioFeatureArg,
} from "../../src/kernel/include/uapi/linux/vfio.js";
import { kernelRunFeature } from "../../src/uapi/abi-kernel.js";
import { DMA_BUF_EXPORT_FLAGS, dmaBufPayload, runDmaBuf } from "../../src/uapi/abi-run.js";
import { abiVerdicts } from "../../src/uapi/abi-verdicts.js";

describe("abi verdicts on the kernel model", () => {
  const vs = abiVerdicts(["mainline", "rfc", "v11"], kernelRunFeature);
  const find = (b: string, k: string, f: number) =>
    vs.find((v) => v.binary === b && v.kernel === k && v.feature === f);

  it("a mainline DMA_BUF export works on mainline and fails -EINVAL on the rfc kernel", () => {
    const v = find("mainline", "rfc", 11);
    expect(v?.baseline?.ret).toBeGreaterThanOrEqual(3);
    expect(v?.result?.ret).toBe(-EINVAL);
    // The rfc kernel's export handler is the one that refused (flags = the program's nr_ranges).
    expect(v?.result?.trace.some((t) => /^vfio_pci_core_feature_dma_buf: .*ret=-EINVAL/.test(t))).toBe(true);
  });
  it("an rfc export fails on the mainline and v11 kernels: its tag/ph land in flags", () => {
    for (const k of ["mainline", "v11"]) {
      const v = find("rfc", k, 11);
      expect(v?.baseline?.ret).toBeGreaterThanOrEqual(3);
      expect(v?.result?.errno).toBe("-EINVAL");
    }
  });
  it("a v11 program's feature 13 is unknown to mainline and rfc kernels", () => {
    for (const k of ["mainline", "rfc"]) {
      const v = find("v11", k, 13);
      expect(v?.kind).toBe("unknown-feature");
      expect(v?.baseline?.ret).toBe(0);
      expect(v?.result?.ret).toBe(-ENOTTY);
    }
  });
  it("each run boots a fresh kernel: the same request gives the same answer twice", () => {
    const payload = dmaBufPayload(vfio_device_feature_dma_buf_mainline);
    expect(runDmaBuf(kernelRunFeature, "v11", payload)).toEqual(runDmaBuf(kernelRunFeature, "v11", payload));
  });
  it("a truncated argument is a fault, not a crash", () => {
    const arg = vfioFeatureArg(DMA_BUF_EXPORT_FLAGS, dmaBufPayload(vfio_device_feature_dma_buf_mainline));
    const call = kernelRunFeature("v11")(arg.subarray(0, 20));
    expect(call.ret).toBe(-EFAULT);
  });
});
