/**
 * DMA handles on a platform: a DMAH is an object of the verbs context it was allocated on, and
 * the kernel finds a registration's handle in the registering context only. The application
 * allocates each scenario DMAH on every NIC whose MRs use it, so an MR on the second NIC gets its
 * hint instead of -ENOENT; an allocation on the wrong context is refused as the kernel does.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { bootScenarioPlatform, setupPlatform } from "../../src/scenario/platform-run.js";
import { runScenario } from "../../src/scenario/run.js";
import { dmahKey, registerMr } from "../../src/scenario/setup.js";

const base = readFileSync("examples/two-nics-one-accelerator.yaml", "utf8").split("\nmrs:")[0];
const TEXT = `${base}
dmah:
  - { name: h, ph: 1 }
  - { name: both, ph: 1 }
mrs:
  - { name: ma, buffer: a, nic: nic0, dmah: both }
  - { name: mb, buffer: b, nic: nic1, dmah: h }
  - { name: mb2, buffer: b, nic: nic1, dmah: both }
flows:
  - { name: from-nic0, op: write, mr: ma, size: 8KiB, rate: 100Gb/s }
  - { name: from-nic1, op: write, mr: mb, size: 8KiB, rate: 100Gb/s }
`;

describe("DMAHs on a platform", () => {
  const s = parseScenario(TEXT, "dmah.yaml");

  it("allocates each DMAH on the NICs whose MRs use it, and every MR registers", () => {
    const out = runScenario(s, { revisions: ["proposed"] });
    const steps = out.steps.proposed!.filter((x) => /DMAH|register/.test(x.call));
    expect(steps.map((x) => `${x.call} = ${x.ret}`)).toEqual([
      "alloc DMAH h on nic1 = 0",
      "alloc DMAH both on nic0 = 0",
      "alloc DMAH both on nic1 = 0",
      "register MR ma = 0",
      "register MR mb = 0",
      "register MR mb2 = 0",
    ]);
    expect(out.report.results.proposed!.flows["from-nic1"]!.goodputGbps).toBeGreaterThan(90);
  });

  it("a handle of another NIC's context is refused, as in the kernel", () => {
    // Handles number a context's objects of every type: nic0's y, looked up in nic1's context,
    // names another kind of object there (-EINVAL; a number nothing holds gives -ENOENT).
    const t = TEXT.replace(
      "  - { name: both, ph: 1 }",
      "  - { name: both, ph: 1 }\n  - { name: x, ph: 1 }\n  - { name: y, ph: 1 }",
    ).replace(
      "nic: nic0, dmah: both }",
      "nic: nic0, dmah: both }\n  - { name: mx, buffer: a, nic: nic0, dmah: x }\n  - { name: my, buffer: a, nic: nic0, dmah: y }",
    );
    const s3 = parseScenario(t, "dmah3.yaml");
    const ses = setupPlatform(s3, bootScenarioPlatform(s3, "proposed"));
    const dmahs = ses.dmahs as Map<string, unknown>;
    dmahs.set(dmahKey("nic1", "h"), dmahs.get(dmahKey("nic0", "y"))); // nic0's handle 2 on nic1
    const m = { name: "mb", mr: null, key: 0 };
    registerMr(s3, ses, m, 0);
    expect(m.mr).toBeNull();
    expect(ses.steps.at(-1)).toMatchObject({ call: "register MR mb", ret: -22 });
  });
});
