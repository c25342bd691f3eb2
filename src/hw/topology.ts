/**
 * The PCIe fabric as a tree: Root Ports (on the root complex's bus), switches (upstream and
 * downstream ports) and endpoints, with parent links. RCiEPs sit on the root bus with no parent.
 * An endpoint described without a parent has no Root Port (as in a VM that hides it): the kernel's
 * pcie_find_root_port() then finds none.
 */
import { inputError } from "../base/errors.js";
import { HEADER } from "../pcie/registers.js";
import { buildPciFunction, type PciFunction } from "./pci-function.js";
import { type PciFunctionDesc, type PciFunctionType, parseBdf } from "./pci-function-desc.js";

/** A function of the fabric with the bdf of its upstream port (a bridge), if any. */
export interface TopologyNodeDesc extends PciFunctionDesc {
  readonly parent?: string;
}
export interface TopologyDesc {
  readonly devices: readonly TopologyNodeDesc[];
}

/** Which port types may sit directly below which (PCIe Base 6.0 section 1.3). */
const ALLOWED_PARENT: Record<PciFunctionType, readonly PciFunctionType[]> = {
  endpoint: ["root-port", "downstream-port"],
  "legacy-endpoint": ["root-port", "downstream-port"],
  rciep: [],
  "root-port": [],
  "upstream-port": ["root-port", "downstream-port"],
  "downstream-port": ["upstream-port"],
};

export class Topology {
  private readonly fns = new Map<string, PciFunction>();
  private readonly parents = new Map<string, string>();

  /** Add a built function below `parent` (a bdf already in the topology). */
  add(fn: PciFunction, parent?: string, path = "device"): PciFunction {
    if (this.fns.has(fn.bdf)) throw inputError(`${path}.bdf`, `duplicate PCI address ${fn.bdf}`, "duplicate");
    if (parent !== undefined) {
      const p = this.get(parent);
      if (!p)
        throw inputError(`${path}.parent`, `unknown parent ${parent} (list parents first)`, "unknown-parent");
      if (!ALLOWED_PARENT[fn.type].includes(p.type)) {
        throw inputError(`${path}.parent`, `a ${fn.type} cannot sit below a ${p.type}`, "bad-parent");
      }
      const sibling = this.children(p)[0];
      if (sibling && sibling.spec.bus !== fn.spec.bus) {
        throw inputError(`${path}.bdf`, `bus ${fn.spec.bus} differs from sibling ${sibling.bdf}`, "bad-bus");
      }
      this.parents.set(fn.bdf, p.bdf);
    }
    this.fns.set(fn.bdf, fn);
    this.assignBusNumbers();
    return fn;
  }

  /** The function at `bdf` ("0000:03:00.0" or "03:00.0"), if any. */
  get(bdf: string): PciFunction | undefined {
    try {
      return this.fns.get(parseBdf(bdf).name);
    } catch {
      return undefined;
    }
  }
  /** Every function, ordered by PCI address (as lspci lists them). */
  functions(): readonly PciFunction[] {
    return [...this.fns.values()].sort((a, b) => (a.bdf < b.bdf ? -1 : a.bdf > b.bdf ? 1 : 0));
  }
  /** The bridge directly upstream of `fn` (pci_upstream_bridge()). */
  parentOf(fn: PciFunction): PciFunction | undefined {
    const p = this.parents.get(fn.bdf);
    return p === undefined ? undefined : this.fns.get(p);
  }
  children(fn: PciFunction): readonly PciFunction[] {
    return this.functions().filter((f) => this.parents.get(f.bdf) === fn.bdf);
  }
  /** The Root Port above `fn` (itself if it is one), or undefined (RCiEP, parentless endpoint). */
  rootPortOf(fn: PciFunction): PciFunction | undefined {
    for (let f: PciFunction | undefined = fn; f; f = this.parentOf(f)) if (f.type === "root-port") return f;
    return undefined;
  }
  /** `fn` and its upstream bridges, up to the top. */
  pathToRoot(fn: PciFunction): readonly PciFunction[] {
    const out: PciFunction[] = [];
    for (let f: PciFunction | undefined = fn; f; f = this.parentOf(f)) out.push(f);
    return out;
  }

  /** Program bridges' primary/secondary/subordinate bus numbers from what sits below them. */
  private assignBusNumbers(): void {
    for (const bridge of this.fns.values()) {
      if (!bridge.isBridge()) continue;
      const below = this.descendants(bridge).map((f) => f.spec.bus);
      const kids = this.children(bridge);
      const secondary = kids[0]?.spec.bus ?? 0;
      bridge.cfg.poke(HEADER.PRIMARY_BUS.offset, 1, bridge.spec.bus);
      bridge.cfg.poke(HEADER.SECONDARY_BUS.offset, 1, secondary);
      bridge.cfg.poke(HEADER.SUBORDINATE_BUS.offset, 1, Math.max(secondary, ...below));
    }
  }
  private descendants(fn: PciFunction): PciFunction[] {
    return this.children(fn).flatMap((c) => [c, ...this.descendants(c)]);
  }
}

/** Build a fabric from plain descriptions; parents must be listed before their children. */
export function buildTopology(desc: TopologyDesc, path = "topology"): Topology {
  const topo = new Topology();
  desc.devices.forEach((d, i) => {
    const p = `${path}.devices[${i}]`;
    topo.add(buildPciFunction(d, p), d.parent, p);
  });
  return topo;
}
