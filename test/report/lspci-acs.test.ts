/**
 * The ACS body as lspci 3.9.0 prints it (ACSCap/ACSCtl, seven +/- flags each), checked against
 * the pciutils fixtures' recorded output and against the real `lspci -F` on crafted dumps (an
 * Egress Control Vector, vectors that do not fit, controls the capability does not offer), with
 * tphlab's additions on lines of their own.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLspciDump } from "../../src/pcie/dump.js";
import { lspciJson } from "../../src/report/lspci/json.js";
import { renderLspci } from "../../src/report/lspci/render.js";
import { dumpText, pcieEndpoint } from "../pcie/cfg-builder.js";
import {
  ADDITION,
  firstDropped,
  firstNotInLspci,
  fixtureNames,
  loadFixture,
  SYSTEM_PCI_IDS,
  systemNames,
} from "./lspci-support.js";

/** lspci's ACS body lines (no additions) after each ACS heading, with the heading. */
function acsLines(text: string): string[] {
  const out: string[] = [];
  let inAcs = false;
  for (const l of text.split("\n")) {
    if (l.startsWith("\tCapabilities: ")) {
      inAcs = l.endsWith("] Access Control Services");
      if (inAcs) out.push(l);
    } else if (!l.startsWith("\t\t")) inAcs = false;
    else if (inAcs && !ADDITION.test(l)) out.push(l);
  }
  return out;
}

describe("ACS in the pciutils fixtures", () => {
  const withAcs = fixtureNames().filter((n) => loadFixture(n).expected.includes("Access Control Services"));
  it("ten fixtures carry ACS (Intel, AMD and others' root and downstream ports)", () => {
    expect(withAcs).toHaveLength(10);
  });
  it.each(withAcs)(
    "%s: every ACS heading, ACSCap and ACSCtl line exactly as lspci -vvv printed it",
    (name) => {
      const { devices, expected } = loadFixture(name);
      const ours = renderLspci(devices, { verbosity: 3 });
      const want = acsLines(expected);
      expect(want.some((l) => l.startsWith("\t\tACSCtl:\t"))).toBe(true);
      expect(acsLines(ours)).toEqual(want);
    },
  );
  it("cap-aer-root: the Xeon E5 v3 root port has its ACS controls on (SrcValid+ ... UpstreamFwd+)", () => {
    const { devices } = loadFixture("cap-aer-root");
    const text = renderLspci(devices, { verbosity: 2 });
    expect(text).toContain(
      "\t\tACSCtl:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n",
    );
  });
});

const at = 0x100;
/** A switch downstream port with ACS at 0x100 (next `next`). */
const port = (cap: number, ctrl: number, next = 0) =>
  pcieEndpoint(4096, 6)
    .ext(at, 0x0d, 1, next)
    .set16(at + 4, cap)
    .set16(at + 6, ctrl);

const CRAFTED = [
  // 1: Egress Control with a 40-bit vector (bits 0, 31 and 39 set), then AER at 0x110.
  port(0x2861, 0x0025, 0x110).set32(0x108, 0x8000_0001).set32(0x10c, 0x80).ext(0x110, 0x01, 2, 0),
  // 2: 256-bit vector (size 00h) that would cover the AER header at 0x110.
  port(0x0021, 0x0001, 0x110).ext(0x110, 0x01, 2, 0),
  // 3: at 0xff0, a 256-bit vector past the end of config space (ACS reached from 0x100).
  pcieEndpoint(4096, 6)
    .ext(0x100, 0x01, 2, 0xff0)
    .ext(0xff0, 0x0d, 1, 0)
    .set16(0xff4, 0x0021)
    .set16(0xff6, 0),
  // 4: redirects enabled that ACSCap does not offer, reserved bits, Enhanced Capability.
  port(0x0081 | 0x0300, 0x000d | 0x0200 | 0x8000),
];
const devices = CRAFTED.map((b, i) => ({ slot: `0${i + 1}:00.0`, bytes: b.bytes }));
const parsed = parseLspciDump(dumpText(devices), "crafted");
const ours = renderLspci(parsed, { verbosity: 2 });

const body = (text: string, slot: string) => {
  const dev = text.split("\n\n").find((d) => d.startsWith(slot))!;
  const lines = dev.split("\n");
  const from = lines.findIndex((l) => l.includes("Access Control Services"));
  return lines.slice(from + 1).filter((l) => l.startsWith("\t\t"));
};

describe("crafted ACS capabilities", () => {
  it("prints the vector, which bits are set, and nothing lspci does not print on its own lines", () => {
    expect(body(ours, "01:00.0")).toEqual([
      "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl+ DirectTrans+",
      "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir- UpstreamFwd- EgressCtrl+ DirectTrans-",
      "\t\tACS control: enabled but not in ACSCap (hardwired 0 there): ReqRedir",
      "\t\tEgress Control Vector: 40 bits at [108]: 80000001 00000080",
      "\t\tEgress Control Vector: bits set (egress blocked or redirected): 0 31 39",
    ]);
  });
  it("a vector that would cover the next capability is reported broken, not read", () => {
    expect(body(ours, "02:00.0").slice(2)).toEqual([
      "\t\tEgress Control Vector: broken: 256 bits, [108..127] runs into the capability at [110]",
    ]);
  });
  it("a vector past the end of config space is reported broken, not read", () => {
    expect(body(ours, "03:00.0").slice(2)).toEqual([
      "\t\tEgress Control Vector: broken: 256 bits, [ff8..1017] runs past the end of config space (1000)",
    ]);
  });
  it("Enhanced Capability controls, reserved control bits and unsupported enables", () => {
    expect(body(ours, "04:00.0")).toEqual([
      "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-",
      "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-",
      "\t\tACS enhanced: IOReqBlk- DSPMemTgt=redirect USPMemTgt=direct UnclaimedRedir-",
      "\t\tACS control: enabled but not in ACSCap (hardwired 0 there): ReqRedir CmpltRedir",
      "\t\tACS control: reserved bits set: 8000",
      "\t\tEgress Control Vector Size: 03 ignored (EgressCtrl-)",
    ]);
  });
  it("--json carries the decoded registers and the vector's problem", () => {
    const json = lspciJson(parsed);
    const acs = (i: number) => json.devices[i]!.capabilities.find((c) => c.id === 0x0d)!.decoded;
    expect(acs(0)).toMatchObject({
      capability: { raw: 0x2861, egressVectorBits: 40 },
      control: { raw: 0x25, enabledNotSupported: 0x04 },
      egressVector: { offset: 0x108, set: [0, 31, 39] },
    });
    expect(acs(1)).toMatchObject({ egressVectorProblem: { kind: "into-next-capability", limit: 0x110 } });
    expect(acs(2)).toMatchObject({ egressVectorProblem: { kind: "past-config-space", end: 0x1018 } });
  });

  const probe = spawnSync("lspci", ["--version"]);
  const reason =
    probe.error || probe.status !== 0 ? "lspci is not installed" : SYSTEM_PCI_IDS ? "" : "no pci.ids";
  const skip = reason === "" ? "" : ` (skipped: ${reason})`;
  const names = systemNames();
  it.skipIf(reason !== "")(
    `the real lspci -F prints the same ACSCap/ACSCtl lines, ours add only${skip}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), "tphlab-acs-"));
      try {
        const file = join(dir, "acs.dump");
        writeFileSync(file, dumpText(devices));
        for (const v of ["-vv", "-vvv"]) {
          const r = spawnSync("lspci", ["-O", "hwdb.disable=1", "-F", file, v]);
          expect(r.status).toBe(0);
          const lspci = r.stdout.toString();
          const mine = renderLspci(parsed, { verbosity: v === "-vv" ? 2 : 3, names });
          expect(acsLines(mine)).toEqual(acsLines(lspci));
          expect(acsLines(lspci).filter((l) => l.includes("ACSC"))).toHaveLength(2 * CRAFTED.length);
          expect(firstNotInLspci(mine, lspci)).toBe(-1);
          expect(firstDropped(mine, lspci)).toBeUndefined();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
