/**
 * `tphlab lspci --scenario`: the machine a scenario describes, booted by the kernel model. Its
 * switch downstream ports carry ACS whose control register follows `switch.acsRedirect`, and the
 * kernel's P2P distance reads that same register.
 */
import { describe, expect, it } from "vitest";
import { lspciCommand } from "../../src/cli/commands/lspci.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

async function run(args: string[], files: Record<string, string> = {}) {
  const io = captureIo(files);
  const code = await main(["lspci", "-i", "/nonexistent/pci.ids", ...args], io, [lspciCommand]);
  return { code, out: io.out, err: io.err };
}

/** The ACSCtl line of each function that has ACS, by slot. */
function acsControls(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dev of text.split("\n\n")) {
    const ctl = /\t\tACSCtl:\t(.*)/.exec(dev);
    if (ctl) out[dev.slice(0, 7)] = ctl[1]!;
  }
  return out;
}

const scenario = (redirect: boolean) => `name: acs
duration: 10us
topology: switch
switch: { acsRedirect: ${redirect} }
buffers:
  - { name: hbm, length: 1MiB }
mrs:
  - { name: acc, buffer: hbm }
flows:
  - { name: w, op: write, mr: acc, size: 4KiB, messages: 1 }
`;

const OFF = "SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-";
const REDIRECT = "SrcValid- TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-";

describe("tphlab lspci --scenario", () => {
  it("ai-server-8x8: every switch downstream port (16 to devices, 2 to leaf switches) has ACS, controls off by default", async () => {
    const r = await run(["--scenario", "ai-server-8x8", "-vv"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const acs = acsControls(r.out);
    expect(Object.keys(acs)).toHaveLength(18);
    for (const ctl of Object.values(acs)) expect(ctl).toBe(OFF);
    expect(r.out).toContain(
      "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n",
    );
    expect(r.out).toContain("\tKernel driver in use: vfio-pci\n");
  });

  it.each([
    [false, OFF],
    [true, REDIRECT],
  ])("switch.acsRedirect: %s -> the downstream ports' ACSCtl is %s", async (redirect, ctl) => {
    const r = await run(["--scenario", "/in/acs.yaml", "-vv"], { "/in/acs.yaml": scenario(redirect) });
    expect(r.err).toBe("");
    expect(acsControls(r.out)).toEqual({ "02:00.0": ctl, "02:01.0": ctl });
  });

  it("only ports carry ACS: Root Ports, the upstream port and endpoints have none", async () => {
    const r = await run(["--scenario", "/in/acs.yaml", "-v"], { "/in/acs.yaml": scenario(false) });
    const withAcs = r.out
      .split("\n\n")
      .filter((d) => d.includes("Access Control Services"))
      .map((d) => d.slice(0, 7));
    expect(withAcs).toEqual(["02:00.0", "02:01.0"]);
  });

  it("refuses -F with --scenario, and a bad scenario names where, exit 2", async () => {
    const both = await run(["-F", "/x", "--scenario", "demo"]);
    expect(both.code).toBe(2);
    expect(both.err).toBe("tphlab lspci: --scenario: give either -F FILE or --scenario, not both\n");
    const bad = await run(["--scenario", "/in/bad.yaml"], {
      "/in/bad.yaml": scenario(false).replace("duration: 10us", "duration: fast"),
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^tphlab lspci: \/in\/bad\.yaml:2:11: duration: expected a time/);
    expect(bad.err).not.toContain("    at ");
  });
});
