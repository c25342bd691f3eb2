/** The fabric graph from a hw Topology: nodes, links sized by the link model, paths, merge points. */
import { describe, expect, it } from "vitest";
import { buildGraph, nodePath } from "../../../src/hw/fabric/graph.js";
import { buildTestbed, fabricDefaults, resolveFabricParams } from "../../../src/hw/fabric/index.js";
import { Port } from "../../../src/hw/fabric/port.js";
import { CLS_COMPLETION, CLS_POSTED, RouteTable } from "../../../src/hw/fabric/route.js";

describe("fabric graph", () => {
  const tb = buildTestbed({ shape: "switch", gen: 4, width: 8 });
  const g = buildGraph(
    tb.topology,
    [
      { fn: tb.nic.fn, kind: "nic" },
      { fn: tb.accelerator!, kind: "accel" },
    ],
    fabricDefaults(),
    "fabric",
  );

  it("has the root complex, the switch, the NIC and the accelerator, linked at the topology's speed", () => {
    expect(g.nodes.map((n) => n.kind)).toEqual(["rc", "switch", "nic", "accel"]);
    // The switch is attached (with its uplink) while the NIC below it is being attached.
    expect(g.links.map((l) => l.name)).toEqual(["0000:01:00.0", "0000:03:00.0", "0000:04:00.0"]);
    for (const l of g.links) expect([l.model.config.gen, l.model.config.width]).toEqual([4, 8]);
  });

  it("routes peer to peer through the switch, or up to the root complex with ACS redirect", () => {
    const sw = g.nodes.findIndex((n) => n.kind === "switch");
    expect(nodePath(g, g.nic, g.accel, false)).toEqual([g.nic, sw, g.accel]);
    expect(nodePath(g, g.nic, g.accel, true)).toEqual([g.nic, sw, g.rc, sw, g.accel]);
    expect(nodePath(g, g.nic, g.rc, true)).toEqual([g.nic, sw, g.rc]);
  });

  it("marks the link where host and peer completions converge on the NIC as a merge point", () => {
    const sinks = new Map(
      [g.nic, g.accel, g.rc].map((n) => [n, { port: new Port(`sink${n}`, 1), latPs: 0 }]),
    );
    const rt = new RouteTable(g, fabricDefaults(), sinks);
    const fromAccel = rt.get(g.accel, g.nic, CLS_COMPLETION);
    const fromHost = rt.get(g.rc, g.nic, CLS_COMPLETION);
    const write = rt.get(g.nic, g.accel, CLS_POSTED);
    rt.markMerges();
    const merges = (r: number) => {
      const info = rt.routes[r]!;
      return Array.from({ length: info.len }, (_, i) => rt.merge[info.first + i]);
    };
    expect(merges(fromAccel)).toEqual([0, 1, 0]); // accel up, switch -> NIC (merge), NIC ingress
    expect(merges(fromHost)).toEqual([0, 1, 0]);
    expect(merges(write)).toEqual([0, 0, 0]);
  });

  it("an endpoint that is not below a port is an InputError", () => {
    const lone = buildTestbed({ shape: "host" });
    expect(() =>
      buildGraph(
        lone.topology,
        [{ fn: lone.topology.get("00:01.0")!, kind: "nic" }],
        resolveFabricParams({}),
        "fabric",
      ),
    ).toThrow(/not below a root port/);
  });
});
