/** The documented parameter tree: defaults with sources, overrides, and bad input as InputError with paths. */
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/base/errors.js";
import {
  FABRIC_PARAMS,
  fabricDefaults,
  listParams,
  resolveFabricParams,
} from "../../../src/hw/fabric/index.js";

describe("fabric parameters", () => {
  it("every leaf has a default, a unit or kind, a doc and a source; calibration values are as published", () => {
    const leaves = listParams(FABRIC_PARAMS);
    expect(leaves.length).toBeGreaterThan(50);
    for (const [path, spec] of leaves) {
      expect(spec.doc, path).not.toBe("");
      expect(spec.source, path).not.toBe("");
    }
    const d = fabricDefaults();
    expect(d.switch.latencyNs).toBe(150);
    expect(d.host.ddioWays).toBe(2);
    expect(d.rootComplex.p2pCompletionGBps).toBe(7.1);
    expect(d.link.mps).toBe(256);
    const byPath = new Map(leaves);
    expect(byPath.get("switch.latencyNs")!.extrapolated).toBe(false);
    expect(byPath.get("link.propagationNs")!.extrapolated).toBe(true);
    expect(byPath.get("host.dramLatencyNs")!.source).toMatch(/600 ns/);
  });

  it("merges overrides over the defaults", () => {
    const p = resolveFabricParams({ switch: { acsRedirect: true }, accelerator: { partitionWays: [4, 4] } });
    expect(p.switch).toEqual({ latencyNs: 150, acsRedirect: true });
    expect(p.accelerator.partitionWays).toEqual([4, 4]);
    expect(p.nic).toEqual(fabricDefaults().nic);
  });

  it("reports every bad value with its path", () => {
    const bad = () =>
      resolveFabricParams({
        switch: { latencyNs: -1 },
        nic: { mtu: 100.5, bogus: 1 } as never,
        accelerator: { noHint: "drop" as never, phAllocate: [true] },
        link: { mps: 384 },
      });
    expect(bad).toThrow(InputError);
    try {
      bad();
    } catch (e) {
      const paths = (e as InputError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "params.switch.latencyNs",
          "params.nic.mtu",
          "params.nic.bogus",
          "params.accelerator.noHint",
          "params.accelerator.phAllocate",
        ]),
      );
    }
    expect(() => resolveFabricParams({ link: { mps: 384 } })).toThrow(
      /params.link.mps: must be a power of two/,
    );
    expect(() => resolveFabricParams({ accelerator: { defaultPartition: 5 } })).toThrow(/defaultPartition/);
  });
});
