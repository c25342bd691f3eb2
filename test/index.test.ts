import { describe, expect, it } from "vitest";
import * as tphlab from "../src/index.js";

describe("the library entry point", () => {
  it("exposes each layer's main API", () => {
    for (const name of [
      "ConfigSpace",
      "parseLspciDump",
      "walkCapabilities",
      "decodeTph",
      "encodeTlp",
      "decodeTlp",
      "linkModel",
      "Simulator",
      "buildFabric",
      "bootKernel",
      "pcieEnableTph",
      "dmaBufGetPciTph",
      "vfioDeviceFeature",
      "bootMachine",
      "runCatalogue",
      "parseScenario",
      "runScenario",
      "renderLspci",
    ]) {
      expect(typeof (tphlab as Record<string, unknown>)[name], name).toBe("function");
    }
  });
  it("runs the README walkthrough's first step from the package entry", () => {
    const m = tphlab.bootMachine("proposed");
    expect(m.k.revision).toBe("proposed");
  });
});
