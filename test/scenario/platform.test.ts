/**
 * The platform block of a scenario (issue 10 section 1): presets and the topology shorthand lay
 * out the same machine, every name is checked with its line:col, buffers and MRs name their
 * devices (defaulting to the only one), and `tphlab run --platforms` lists the presets.
 */
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/run.js";
import { captureIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseScenario } from "../../src/scenario/load.js";
import { deviceParamsInput, singleMachineShape } from "../../src/scenario/platform.js";
import { runScenario } from "../../src/scenario/run.js";
import { scenarioProblems } from "../support/problems.js";

const BODY = `buffers: [{ name: hbm, length: 1MiB, tph: { st: 0x21, ph: 2, partition: 1 } }]
mrs: [{ name: acc, buffer: hbm }]
flows: [{ name: w, op: write, mr: acc, size: 4KiB, rate: 50Gb/s }]
`;
const file = (head: string, body = BODY) =>
  `name: p\nduration: 10us\nrevisions: [proposed]\n${head}\n${body}`;

const problems = (text: string) => scenarioProblems(text);

describe("scenario platform", () => {
  it("the shorthand, the preset and the same tree written out run the same machine and numbers", () => {
    const written = `platform:
  switches: [{ name: sw0, upstream: rc }]
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: acc0, kind: accelerator, at: sw0 }`;
    const runs = ["topology: switch", "platform: { preset: switch }", written].map((h) => {
      const s = parseScenario(file(h), "f.yaml");
      expect(singleMachineShape(s)).toBe("switch");
      return runScenario(s).report.results.proposed!;
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(Object.keys(runs[0]!.links).sort()).toEqual(["rp0-sw0", "sw0-acc0", "sw0-nic0"]);
    const rc = runScenario(parseScenario(file("topology: root-complex"), "f.yaml")).report.results.proposed!;
    expect(Object.keys(rc.links).sort()).toEqual(["rp0-nic0", "rp1-acc0"]);
  });

  it("reports every platform problem at its line:col", () => {
    const bad = file(`topology: switch
platform:
  switches:
    - { name: sw0, upstream: sw9 }
    - { name: sw1, upstream: rc, link: { gen: 4, width: 3 } }
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: sw0, kind: accelerator, at: rc:40 }`);
    expect(problems(bad)).toEqual([
      "f.yaml:4:11: topology: give either topology (a shorthand) or platform, not both",
      'f.yaml:7:30: platform.switches[0].upstream: unknown switch "sw9" (rc, rc:N or a switch\'s name)',
      "f.yaml:8:57: platform.switches[1].link.width: link width x3 (1, 2, 4, 8, 12, 16, 32)",
      'f.yaml:11:15: platform.devices[1].name: name "sw0" is already used at platform.switches[0].name',
      "f.yaml:11:43: platform.devices[1].at: root port rc:40: the platform has 31 (rc:0 to rc:30)",
    ]);
    // A schema error stops before the cross-field checks (as everywhere in a scenario).
    expect(problems(file("platform: { devices: [{ name: a, kind: gpu, at: rc }] }"))).toEqual([
      'f.yaml:4:40: platform.devices[0].kind: expected one of nic, accelerator, found "gpu"',
    ]);
  });

  it("buffers name their accelerator and MRs their NIC, defaulting to the only one", () => {
    const two = `platform:
  switches: [{ name: sw0, upstream: rc }]
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: nic1, kind: nic, at: sw0 }
    - { name: acc0, kind: accelerator, at: sw0, cacheSets: 4096 }`;
    expect(problems(file(two))).toEqual([
      "f.yaml:11:7: mrs[0]: the platform has 2 NICs (nic0, nic1): name one with nic:",
    ]);
    const named = file(
      two,
      BODY.replace("{ name: acc, buffer: hbm }", "{ name: acc, buffer: hbm, nic: nic2 }").replace(
        "{ name: hbm,",
        "{ name: hbm, device: acc9,",
      ),
    );
    expect(problems(named)).toEqual([
      "f.yaml:10:32: buffers[0].device: no accelerator named 'acc9' on the platform (known: acc0)",
      "f.yaml:11:38: mrs[0].nic: no NIC named 'nic2' on the platform (known: nic0, nic1)",
    ]);
    // A valid multi-device platform runs: the flow goes through the MR's NIC.
    const ok = file(two, BODY.replace("{ name: acc, buffer: hbm }", "{ name: acc, buffer: hbm, nic: nic1 }"));
    expect(problems(ok)).toEqual([]);
    const r = runScenario(parseScenario(ok, "f.yaml")).report.results.proposed!;
    expect(r.links["sw0-nic1"]!.up).toBeGreaterThan(0);
    expect(r.links["sw0-nic0"]!.up).toBe(0);
    expect(r.flows.w!.bytes.delivered).toBeGreaterThan(0);
    // Timeline events run on a larger platform too (the only accelerator is the default).
    expect(problems(`${ok}timeline: [{ at: 5us, action: unrevoke }]\n`)).toEqual([]);
  });

  it("a device entry's own parameters override the section's (kernel side and data path)", () => {
    const head = (acc: string) => `accelerator: { cacheSets: 8192, completer: ext }
platform:
  switches: [{ name: sw0, upstream: rc }]
  devices:
    - { name: nic0, kind: nic, at: sw0 }
    - { name: acc0, kind: accelerator, at: sw0${acc} }`;
    const s = parseScenario(file(head(", cacheSets: 4096, completer: tph")), "f.yaml");
    expect(deviceParamsInput(s, "acc0", "accelerator")).toEqual({ cacheSets: 4096 });
    expect(s.accelerator.cacheSets).toBe(4096);
    expect(s.accelerator.completer).toBe("tph");
    expect(s.accelerator.hbmGBps).toBe(parseScenario(file(head("")), "f.yaml").accelerator.hbmGBps);
    // The run uses the device's value.
    const cap = (h: string) =>
      runScenario(parseScenario(file(head(h)), "f.yaml")).report.config.params.accelerator.cacheSets;
    expect(cap(", cacheSets: 4096")).toBe(4096);
    expect(cap("")).toBe(8192);
  });

  it("tphlab run --platforms draws every preset; --json lists their devices and links", async () => {
    const io = captureIo({});
    expect(await main(["run", "--platforms"], io, [runCommand])).toBe(0);
    expect(io.out).toContain("ai-server-8x8: 8 NICs and 8 accelerators");
    expect(io.out).toContain("`-rp0 (Root Port, 00:01.0)\n  `-sw0 (switch, 01:00.0) [Gen4 x16]");
    const j = captureIo({});
    expect(await main(["run", "--platforms", "--json"], j, [runCommand])).toBe(0);
    const all = JSON.parse(j.out) as { name: string; nics: string[]; links: Record<string, unknown> }[];
    expect(all.map((e) => e.name)).toEqual(["switch", "root-complex", "ai-server-8x8", "two-level"]);
    const ai = all.find((e) => e.name === "ai-server-8x8")!;
    expect(ai.nics).toHaveLength(8);
    expect(Object.keys(ai.links)).toHaveLength(20);
  });
});
