import { describe, expect, it } from "vitest";
import { tourCommand } from "../../src/cli/commands/tour.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

describe("tphlab tour", () => {
  it("shows the modelled NIC's programmed steering tag in config space and on the wire", async () => {
    const io = captureIo();
    expect(await main(["tour"], io, [tourCommand])).toBe(0);
    expect(io.out).toContain("pcie_tph_get_cpu_st: dev=0000:01:00.0 mem_type=vm cpu=2");
    expect(io.out).toContain("\t\tST[1]: 0x4321\n");
    expect(io.out).toContain("Control: mode=device-specific requester=tph+extended-tph");
    expect(io.out).toContain("TH=1 PH=2 (Target) ST=0x4321");
    expect(io.err).toBe("");
  });
});
