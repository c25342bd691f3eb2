import { describe, expect, it } from "vitest";
import { InputError } from "../../src/base/errors.js";
import {
  drawPlatform,
  layoutPlatform,
  type PlatformDesc,
  platformPathToRoot,
} from "../../src/hw/platform.js";
import { PLATFORM_PRESET_NAMES, PLATFORM_PRESETS } from "../../src/hw/platform-presets.js";
import { buildTopology } from "../../src/hw/topology.js";

const LINK = { gen: 5, width: 16 };

function issues(d: PlatformDesc): string[] {
  try {
    layoutPlatform(d);
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.code} ${i.path}`);
    throw e;
  }
  return [];
}

/** Lay `desc` out and build the hw Topology from it (the layout must be a valid PCI tree). */
function build(desc: PlatformDesc) {
  const l = layoutPlatform(desc);
  const topo = buildTopology({
    devices: l.functions.map((f) => ({
      bdf: f.bdf,
      type: f.type,
      vendor: 0x1000,
      device: 0x1,
      link: { speed: f.link.gen, width: f.link.width },
      ...(f.parent === undefined ? {} : { parent: f.parent }),
    })),
  });
  return { l, topo };
}

describe("layoutPlatform", () => {
  it("lays out the issue's example: buses depth first, one downstream port per child", () => {
    const { l, topo } = build({
      rootPorts: 2,
      link: LINK,
      switches: [
        { name: "sw0", upstream: "rc" },
        { name: "sw1", upstream: "sw0", latencyNs: 150, link: { gen: 4, width: 16 } },
      ],
      devices: [
        { name: "nic0", kind: "nic", at: "sw1", link: { gen: 4, width: 8 } },
        { name: "acc0", kind: "accelerator", at: "sw1" },
        { name: "acc1", kind: "accelerator", at: "rc:1" },
      ],
    });
    expect(l.nodes.map((n) => `${n.name}@${n.bdf.slice(5)}<${n.parent} ${n.linkName ?? ""}`)).toEqual([
      "rp0@00:01.0<rc ",
      "sw0@01:00.0<rp0 rp0-sw0",
      "sw1@03:00.0<sw0 sw0-sw1",
      "nic0@05:00.0<sw1 sw1-nic0",
      "acc0@06:00.0<sw1 sw1-acc0",
      "rp1@00:02.0<rc ",
      "acc1@07:00.0<rp1 rp1-acc1",
    ]);
    const nic = topo.get("05:00.0")!;
    expect(topo.rootPortOf(nic)?.bdf).toBe("0000:00:01.0");
    expect(topo.pathToRoot(nic).map((f) => f.bdf.slice(5))).toEqual([
      "05:00.0",
      "04:00.0",
      "03:00.0",
      "02:00.0",
      "01:00.0",
      "00:01.0",
    ]);
    expect(nic.spec.link).toEqual({ speed: 4, width: 8 });
    expect(platformPathToRoot(l, "acc0")).toEqual(["acc0", "sw1", "sw0", "rp0", "rc"]);
    expect(drawPlatform(l)).toBe(
      [
        "rc",
        "+-rp0 (Root Port, 00:01.0)",
        "| `-sw0 (switch, 01:00.0) [Gen5 x16]",
        "|   `-sw1 (switch, 03:00.0) [Gen4 x16] 150 ns",
        "|     +-nic0 (nic, 05:00.0) [Gen4 x8]",
        "|     `-acc0 (accelerator, 06:00.0) [Gen5 x16]",
        "`-rp1 (Root Port, 00:02.0)",
        "  `-acc1 (accelerator, 07:00.0) [Gen5 x16]",
      ].join("\n"),
    );
  });

  it("collects every issue with its path", () => {
    expect(
      issues({
        rootPorts: 1,
        link: { gen: 7, width: 3 },
        switches: [
          { name: "a", upstream: "b" },
          { name: "b", upstream: "a" },
          { name: "rp0", upstream: "rc" },
        ],
        devices: [
          { name: "a", kind: "nic", at: "nope" },
          { name: "x", kind: "accelerator", at: "rc:3" },
          { name: "y", kind: "nic", at: "x" },
        ],
      }),
    ).toEqual([
      "bad-gen platform.link.gen",
      "bad-width platform.link.width",
      "bad-name platform.switches[2].name",
      "duplicate platform.devices[0].name",
      "unknown-name platform.devices[0].at",
      "out-of-range platform.devices[1].at",
      "unknown-name platform.devices[2].at",
      "loop platform.switches[0].upstream",
      "loop platform.switches[1].upstream",
    ]);
  });

  it("a Root Port has one link; too few Root Ports is an error", () => {
    expect(
      issues({
        link: LINK,
        switches: [],
        devices: [
          { name: "n", kind: "nic", at: "rc:0" },
          { name: "a", kind: "accelerator", at: "rc:0" },
        ],
      }),
    ).toEqual(["port-taken platform.devices[1].at"]);
    expect(
      issues({
        rootPorts: 1,
        link: LINK,
        switches: [],
        devices: [
          { name: "n", kind: "nic", at: "rc" },
          { name: "a", kind: "accelerator", at: "rc" },
        ],
      }),
    ).toEqual(["too-few-ports platform.rootPorts"]);
  });

  it.each(PLATFORM_PRESET_NAMES)("preset %s lays out as a valid PCI tree", (name) => {
    const p = PLATFORM_PRESETS[name];
    const { l, topo } = build({ link: LINK, ...p });
    for (const d of p.devices) {
      const n = l.nodes.find((x) => x.name === d.name)!;
      expect(topo.get(n.bdf)?.type).toBe("endpoint");
      expect(topo.rootPortOf(topo.get(n.bdf)!)).toBeDefined();
    }
  });

  it("ai-server-8x8: 4 switches with 2 NICs and 2 accelerators each, 2 per Root Port", () => {
    const l = layoutPlatform({ link: LINK, ...PLATFORM_PRESETS["ai-server-8x8"] });
    const sw = l.nodes.filter((n) => n.kind === "switch");
    expect(sw).toHaveLength(4);
    for (const s of sw) {
      const kids = l.nodes.filter((n) => n.parent === s.name);
      expect(kids.filter((k) => k.kind === "nic")).toHaveLength(2);
      expect(kids.filter((k) => k.kind === "accelerator")).toHaveLength(2);
    }
    expect(sw.map((s) => s.rootPort)).toEqual([0, 0, 1, 1]);
  });
});
