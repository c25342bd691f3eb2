/**
 * The physical fabric derived from the hw Topology: nodes (NICs, accelerators, switches, the root
 * complex with host memory) and the links between them, each link sized by the analytic link model
 * (src/pcie/link.ts) from the lower speed and width of its two ends. Routing is by address: a TLP's
 * address falls in a BAR of a modelled device, or else it is host memory; the node path between two
 * nodes goes up to their lowest common ancestor and down, the tree's unique path (a switch with ACS
 * redirect sends peer-to-peer up to the root complex instead). With a platform layout
 * (../platform.ts) nodes and links carry the platform's names (`sw1`, `sw1-acc0`) and a switch its
 * own cut-through latency; without one, a link is named by its child end's PCI address.
 */
import { InputError, inputError, ModelError } from "../../base/errors.js";
import { type LinkBandwidth, linkModel, validateLinkConfig } from "../../pcie/link.js";
import type { PciFunction } from "../pci-function.js";
import type { PlatformLayout } from "../platform.js";
import type { Topology } from "../topology.js";
import type { FabricParams } from "./params.js";
import { Port, psPerByteGbps } from "./port.js";

export type NodeKind = "nic" | "accel" | "switch" | "rc";

export interface FabricNode {
  readonly id: number;
  readonly kind: NodeKind;
  /** The endpoint, or the switch's upstream port; undefined for the root complex. */
  readonly fn: PciFunction | undefined;
  /** Parent node id (-1 for the root complex). */
  readonly parent: number;
  /** Index of the link to the parent (-1 for the root complex). */
  readonly link: number;
  /** The platform's name (`rc`, `sw0`, `nic1`), or the function's address without a layout. */
  readonly name: string;
  /** A switch's own cut-through latency (ps); -1: the fabric's switch.latencyNs. */
  readonly latPs: number;
}

export interface FabricLink {
  /** Its two ends, upper first (`rp0-sw0`, `sw1-acc0`); without a layout the child's PCI address. */
  readonly name: string;
  /** The child end's PCI address (endpoint or switch upstream port). */
  readonly bdf: string;
  readonly model: LinkBandwidth;
  /** Child to parent, and parent to child. */
  readonly up: Port;
  readonly down: Port;
  readonly propagationPs: number;
}

export interface FabricGraph {
  readonly nodes: readonly FabricNode[];
  readonly links: readonly FabricLink[];
  readonly rc: number;
  /** The NICs' and accelerators' node ids, in the order given. */
  readonly nics: readonly number[];
  readonly accels: readonly number[];
  /** The first NIC. */
  readonly nic: number;
  /** The first accelerator; -1 when the topology has none. */
  readonly accel: number;
}

/** An endpoint the fabric models. */
export interface GraphEndpoint {
  readonly fn: PciFunction;
  readonly kind: "nic" | "accel";
}

/**
 * Build the graph over `endpoints` (NICs and accelerators, attached in order with the switches
 * above them); InputError (under `path`) when a device cannot be reached.
 */
export function buildGraph(
  topo: Topology,
  endpoints: readonly GraphEndpoint[],
  p: FabricParams,
  path: string,
  layout?: PlatformLayout,
): FabricGraph {
  const named = new Map(layout?.nodes.map((n) => [n.bdf, n]));
  const nodes: FabricNode[] = [
    { id: 0, kind: "rc", fn: undefined, parent: -1, link: -1, name: "rc", latPs: -1 },
  ];
  const links: FabricLink[] = [];
  const byUsp = new Map<string, number>();
  const attach = (fn: PciFunction, kind: NodeKind, where: string): number => {
    const port = topo.parentOf(fn);
    if (!port || (port.type !== "root-port" && port.type !== "downstream-port")) {
      throw inputError(
        `${where}`,
        `${fn.bdf} is not below a root port or switch downstream port`,
        "unreachable",
      );
    }
    const parent = port.type === "root-port" ? 0 : switchNode(port, where);
    const id = nodes.length;
    const n = named.get(fn.bdf);
    const latPs = n?.latencyNs === undefined ? -1 : Math.round(n.latencyNs * 1000);
    nodes.push({ id, kind, fn, parent, link: links.length, name: n?.name ?? fn.bdf, latPs });
    links.push(makeLink(fn, port, p, where, n?.linkName ?? fn.bdf));
    return id;
  };
  const switchNode = (dsp: PciFunction, where: string): number => {
    const usp = topo.parentOf(dsp);
    if (!usp) throw inputError(where, `downstream port ${dsp.bdf} has no upstream port`, "unreachable");
    return byUsp.get(usp.bdf) ?? register(usp, where);
  };
  const register = (usp: PciFunction, where: string): number => {
    const id = attach(usp, "switch", where);
    byUsp.set(usp.bdf, id);
    return id;
  };
  const ids = endpoints.map((e, i) => {
    const what = e.kind === "nic" ? "nic" : "accelerator";
    return attach(e.fn, e.kind, endpoints.length > 2 ? `${path}.${what}s[${i}]` : `${path}.${what}`);
  });
  const nics = ids.filter((_, i) => endpoints[i]!.kind === "nic");
  const accels = ids.filter((_, i) => endpoints[i]!.kind === "accel");
  return { nodes, links, rc: 0, nics, accels, nic: nics[0] ?? -1, accel: accels[0] ?? -1 };
}

function makeLink(
  child: PciFunction,
  port: PciFunction,
  p: FabricParams,
  where: string,
  name: string,
): FabricLink {
  const cfg = {
    gen: Math.min(child.spec.link.speed, port.spec.link.speed),
    width: Math.min(child.spec.link.width, port.spec.link.width),
    mps: p.link.mps,
    mrrs: p.link.mrrs,
    ecrc: p.link.ecrc,
  };
  const issues = validateLinkConfig(cfg, `${where}.link(${child.bdf}).`);
  if (issues.length > 0) throw new InputError(issues);
  const model = linkModel(cfg);
  const ps = psPerByteGbps(model.tlpGbps);
  return {
    name,
    bdf: child.bdf,
    model,
    up: new Port(`${name} up`, ps),
    down: new Port(`${name} down`, ps),
    propagationPs: Math.round(p.link.propagationNs * 1000),
  };
}

/**
 * Node ids from `a` to `b`: up to the lowest common ancestor, then down. With `acsRedirect`, a
 * switch that would turn the TLP around sends it up to the root complex instead.
 */
export function nodePath(g: FabricGraph, a: number, b: number, acsRedirect: boolean): number[] {
  const up = (n: number): number[] => {
    const out: number[] = [];
    for (let x = n; x >= 0; x = g.nodes[x]!.parent) out.push(x);
    return out;
  };
  const ua = up(a);
  const ub = up(b);
  let lca = ua.find((x) => ub.includes(x))!;
  if (acsRedirect && g.nodes[lca]!.kind === "switch" && lca !== a && lca !== b) lca = g.rc;
  const left = ua.slice(0, ua.indexOf(lca) + 1);
  const right = ub.slice(0, ub.indexOf(lca)).reverse();
  return [...left, ...right];
}

/** The port a TLP uses going from node `from` to its neighbour `to`. */
export function hopPort(g: FabricGraph, from: number, to: number): { port: Port; link: FabricLink } {
  const f = g.nodes[from]!;
  const t = g.nodes[to]!;
  if (f.parent === to) return { port: g.links[f.link]!.up, link: g.links[f.link]! };
  if (t.parent === from) return { port: g.links[t.link]!.down, link: g.links[t.link]! };
  throw new ModelError(`fabric nodes ${from} and ${to} are not linked`);
}
