/**
 * A platform as data (issue 10): Root Ports, a tree of switches, NICs and accelerators, each link
 * with its own speed and width. layoutPlatform() checks a description (every issue at once, each
 * with its path) and lays it out as PCI functions: Root Ports on bus 0 (00:01.0, 00:02.0, ...),
 * buses numbered depth first as firmware enumerates them, a switch as an upstream port with one
 * downstream port per thing below it (PCIe Base 6.0 section 1.3.3: every link is point to point,
 * so a Root Port or a downstream port has exactly one thing below it).
 *
 * Names: `rc` in `upstream`/`at` means the next free Root Port, `rc:N` Root Port N (0-based).
 * Root Port N is called `rpN` in link names and drawings; a link is named by its two ends,
 * upper first (`rp0-sw0`, `sw0-sw1`, `sw1-acc0`).
 */
import { InputError, type Issue } from "../base/errors.js";
import { LINK_WIDTHS, PCIE_GENS } from "../pcie/link-tables.js";

export interface PlatformLink {
  readonly gen: number;
  readonly width: number;
}
export interface PlatformSwitch {
  readonly name: string;
  /** `rc`, `rc:N`, or another switch's name. */
  readonly upstream: string;
  /** Cut-through latency of the switch (ns); default: the scenario's switch parameters. */
  readonly latencyNs?: number;
  /** The switch's upstream link; default: the platform's link. */
  readonly link?: PlatformLink;
}
export type PlatformDeviceKind = "nic" | "accelerator";
export interface PlatformDevice {
  readonly name: string;
  readonly kind: PlatformDeviceKind;
  /** `rc`, `rc:N`, or a switch's name. */
  readonly at: string;
  readonly link?: PlatformLink;
}
export interface PlatformDesc {
  /** How many Root Ports the root complex has; default: as many as the tree needs. */
  readonly rootPorts?: number;
  /** The default link of every link below. */
  readonly link: PlatformLink;
  readonly switches: readonly PlatformSwitch[];
  readonly devices: readonly PlatformDevice[];
}

export type LaidKind = "root-port" | "upstream-port" | "downstream-port" | "endpoint";
/** One PCI function of the laid-out platform, parents before children. */
export interface LaidFunction {
  readonly bdf: string;
  readonly type: LaidKind;
  /** The bdf of the bridge above (absent for Root Ports). */
  readonly parent?: string;
  /** The platform name this function belongs to: `rpN`, a switch or a device. */
  readonly owner: string;
  /** The link below a port (what sits below trains to it), or the function's own upstream link. */
  readonly link: PlatformLink;
}
/** A named element of the tree with the name above it (`rc` above a Root Port). */
export interface LaidNode {
  readonly name: string;
  readonly kind: "root-port" | "switch" | PlatformDeviceKind;
  readonly parent: string;
  /** The bdf standing for the node: the Root Port, the switch's upstream port, the endpoint. */
  readonly bdf: string;
  /** Its link to its parent (a Root Port's is absent: it sits on the root complex's bus). */
  readonly link?: PlatformLink;
  /** The link's name, `${parent}-${name}` (absent for Root Ports). */
  readonly linkName?: string;
  /** The Root Port index above it (its own for a Root Port; -1 for an unused one's descendants). */
  readonly rootPort: number;
  readonly latencyNs?: number;
}
export interface PlatformLayout {
  /** Root Ports, switches and devices, parents first (Root Ports in index order). */
  readonly nodes: readonly LaidNode[];
  readonly functions: readonly LaidFunction[];
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const RC_REF = /^rc(?::(\d+))?$/;
/** Device numbers on bus 0 for Root Ports (00:01.0 .. 00:1f.0). */
const MAX_ROOT_PORTS = 31;
/** Device numbers of a switch's downstream ports (one function each). */
const MAX_DOWNSTREAM = 32;
const MAX_BUS = 255;

function checkLink(l: PlatformLink | undefined, path: string, out: Issue[]): void {
  if (l === undefined) return;
  if (!(PCIE_GENS as readonly number[]).includes(l.gen))
    out.push({ code: "bad-gen", path: `${path}.gen`, message: `PCIe generation ${l.gen} (1 to 6)` });
  if (!(LINK_WIDTHS as readonly number[]).includes(l.width))
    out.push({
      code: "bad-width",
      path: `${path}.width`,
      message: `link width x${l.width} (${LINK_WIDTHS.join(", ")})`,
    });
}

/** Names, references and links: every issue, with its path. */
function checkDesc(d: PlatformDesc, path: string): Issue[] {
  const out: Issue[] = [];
  const seen = new Map<string, string>();
  const named = (name: string, p: string): void => {
    if (!NAME.test(name) || /^rp\d+$/.test(name) || name === "rc")
      out.push({
        code: "bad-name",
        path: p,
        message: `name "${name}": a letter then letters, digits or _ (rc and rpN are taken)`,
      });
    else if (seen.has(name))
      out.push({
        code: "duplicate",
        path: p,
        message: `name "${name}" is already used at ${seen.get(name)}`,
      });
    else seen.set(name, p);
  };
  checkLink(d.link, `${path}.link`, out);
  if (
    d.rootPorts !== undefined &&
    (!Number.isInteger(d.rootPorts) || d.rootPorts < 1 || d.rootPorts > MAX_ROOT_PORTS)
  )
    out.push({
      code: "out-of-range",
      path: `${path}.rootPorts`,
      message: `rootPorts ${d.rootPorts} (1 to ${MAX_ROOT_PORTS})`,
    });
  d.switches.forEach((s, i) => {
    named(s.name, `${path}.switches[${i}].name`);
    checkLink(s.link, `${path}.switches[${i}].link`, out);
    if (s.latencyNs !== undefined && !(Number.isFinite(s.latencyNs) && s.latencyNs >= 0))
      out.push({
        code: "out-of-range",
        path: `${path}.switches[${i}].latencyNs`,
        message: `latency ${s.latencyNs} ns (>= 0)`,
      });
  });
  d.devices.forEach((v, i) => {
    named(v.name, `${path}.devices[${i}].name`);
    checkLink(v.link, `${path}.devices[${i}].link`, out);
  });
  const switches = new Set(d.switches.map((s) => s.name));
  const ref = (r: string, p: string): void => {
    const m = RC_REF.exec(r);
    if (m) {
      const n = m[1] === undefined ? 0 : Number(m[1]);
      const max = d.rootPorts ?? MAX_ROOT_PORTS;
      if (n >= max)
        out.push({
          code: "out-of-range",
          path: p,
          message: `root port ${r}: the platform has ${max} (rc:0 to rc:${max - 1})`,
        });
    } else if (!switches.has(r)) {
      const what = seen.has(r) ? `"${r}" is a device, not a switch` : `unknown switch "${r}"`;
      out.push({ code: "unknown-name", path: p, message: `${what} (rc, rc:N or a switch's name)` });
    }
  };
  d.switches.forEach((s, i) => {
    ref(s.upstream, `${path}.switches[${i}].upstream`);
  });
  d.devices.forEach((v, i) => {
    ref(v.at, `${path}.devices[${i}].at`);
  });
  out.push(...checkCycles(d, path));
  return out;
}

/** A switch chain that never reaches the root complex. */
function checkCycles(d: PlatformDesc, path: string): Issue[] {
  const up = new Map(d.switches.map((s) => [s.name, s.upstream]));
  const out: Issue[] = [];
  d.switches.forEach((s, i) => {
    const chain = [s.name];
    for (let u = up.get(s.name); u !== undefined && up.has(u); u = up.get(u)) {
      if (chain.includes(u)) {
        if (u === s.name)
          out.push({
            code: "loop",
            path: `${path}.switches[${i}].upstream`,
            message: `switch loop ${[...chain, u].join(" -> ")}`,
          });
        return;
      }
      chain.push(u);
    }
  });
  return out;
}

/** Which Root Port each `rc`/`rc:N` reference takes, in the order written; issues for clashes. */
function assignRootPorts(
  d: PlatformDesc,
  path: string,
): { ports: Map<string, number>; count: number; issues: Issue[] } {
  const refs = [
    ...d.switches.map((s, i) => ({ name: s.name, r: s.upstream, p: `${path}.switches[${i}].upstream` })),
    ...d.devices.map((v, i) => ({ name: v.name, r: v.at, p: `${path}.devices[${i}].at` })),
  ].filter((x) => RC_REF.test(x.r));
  const taken = new Map<number, string>();
  const ports = new Map<string, number>();
  const issues: Issue[] = [];
  for (const x of refs) {
    const m = RC_REF.exec(x.r)!;
    if (m[1] === undefined) continue;
    const n = Number(m[1]);
    if (taken.has(n))
      issues.push({
        code: "port-taken",
        path: x.p,
        message: `root port ${n} already leads to ${taken.get(n)} (a link is point to point)`,
      });
    else taken.set(n, x.name);
    ports.set(x.name, n);
  }
  let next = 0;
  for (const x of refs) {
    if (RC_REF.exec(x.r)![1] !== undefined) continue;
    while (taken.has(next)) next++;
    taken.set(next, x.name);
    ports.set(x.name, next);
  }
  const needed = taken.size === 0 ? 1 : Math.max(...taken.keys()) + 1;
  if (d.rootPorts !== undefined && needed > d.rootPorts)
    issues.push({
      code: "too-few-ports",
      path: `${path}.rootPorts`,
      message: `${needed} root ports needed, ${d.rootPorts} given`,
    });
  if (needed > MAX_ROOT_PORTS)
    issues.push({
      code: "too-many-ports",
      path,
      message: `${needed} root ports needed (at most ${MAX_ROOT_PORTS})`,
    });
  return { ports, count: Math.max(needed, d.rootPorts ?? 0), issues };
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, "0");
const bdfOf = (bus: number, dev: number): string => `0000:${hex(bus, 2)}:${hex(dev, 2)}.0`;

/** Check `d` and lay it out; InputError with every issue (paths under `path`) if it is not a valid tree. */
export function layoutPlatform(d: PlatformDesc, path = "platform"): PlatformLayout {
  const issues = checkDesc(d, path);
  if (issues.length > 0) throw new InputError(issues);
  const rp = assignRootPorts(d, path);
  if (rp.issues.length > 0) throw new InputError(rp.issues);
  const below = new Map<
    string,
    { name: string; kind: "switch" | PlatformDeviceKind; link: PlatformLink; latencyNs?: number }[]
  >();
  const add = (
    parent: string,
    x: { name: string; kind: "switch" | PlatformDeviceKind; link: PlatformLink; latencyNs?: number },
  ): void => {
    below.set(parent, [...(below.get(parent) ?? []), x]);
  };
  for (const s of d.switches) {
    const parent = RC_REF.test(s.upstream) ? `rp${rp.ports.get(s.name)}` : s.upstream;
    add(parent, {
      name: s.name,
      kind: "switch",
      link: s.link ?? d.link,
      ...(s.latencyNs === undefined ? {} : { latencyNs: s.latencyNs }),
    });
  }
  for (const v of d.devices)
    add(RC_REF.test(v.at) ? `rp${rp.ports.get(v.name)}` : v.at, {
      name: v.name,
      kind: v.kind,
      link: v.link ?? d.link,
    });

  const nodes: LaidNode[] = [];
  const fns: LaidFunction[] = [];
  const out: Issue[] = [];
  let bus = 0;
  const place = (
    parentName: string,
    parentBdf: string,
    rootPort: number,
    x: { name: string; kind: "switch" | PlatformDeviceKind; link: PlatformLink; latencyNs?: number },
  ): void => {
    bus++;
    if (bus > MAX_BUS) return;
    const bdf = bdfOf(bus, 0);
    const linkName = `${parentName}-${x.name}`;
    nodes.push({
      name: x.name,
      kind: x.kind,
      parent: parentName,
      bdf,
      link: x.link,
      linkName,
      rootPort,
      ...(x.latencyNs === undefined ? {} : { latencyNs: x.latencyNs }),
    });
    if (x.kind !== "switch") {
      fns.push({ bdf, type: "endpoint", parent: parentBdf, owner: x.name, link: x.link });
      return;
    }
    fns.push({ bdf, type: "upstream-port", parent: parentBdf, owner: x.name, link: x.link });
    const kids = below.get(x.name) ?? [];
    if (kids.length > MAX_DOWNSTREAM)
      out.push({
        code: "too-many-ports",
        path,
        message: `switch ${x.name} has ${kids.length} things below it (at most ${MAX_DOWNSTREAM} downstream ports)`,
      });
    const dspBus = ++bus;
    const dsps = kids.slice(0, MAX_DOWNSTREAM).map((k, i) => {
      const dsp = bdfOf(dspBus, i);
      fns.push({ bdf: dsp, type: "downstream-port", parent: bdf, owner: x.name, link: k.link });
      return dsp;
    });
    kids.slice(0, MAX_DOWNSTREAM).forEach((k, i) => {
      place(x.name, dsps[i]!, rootPort, k);
    });
  };
  for (let i = 0; i < rp.count; i++) {
    const name = `rp${i}`;
    const kid = below.get(name)?.[0];
    const bdf = bdfOf(0, i + 1);
    nodes.push({ name, kind: "root-port", parent: "rc", bdf, rootPort: i });
    fns.push({ bdf, type: "root-port", owner: name, link: kid?.link ?? d.link });
    if (kid) place(name, bdf, i, kid);
  }
  if (bus > MAX_BUS)
    out.push({ code: "too-many-buses", path, message: `the tree needs ${bus} buses (at most ${MAX_BUS})` });
  if (out.length > 0) throw new InputError(out);
  // Root Ports first (bus 0 is enumerated before any bus below it), then depth first.
  const order = (f: LaidFunction): number => (f.type === "root-port" ? 0 : 1);
  return { nodes, functions: [...fns].sort((a, b) => order(a) - order(b)) };
}

/** The node called `name`, if any. */
export function platformNode(l: PlatformLayout, name: string): LaidNode | undefined {
  return l.nodes.find((n) => n.name === name);
}

/** Names from `name` up to its Root Port (inclusive), then `rc`. */
export function platformPathToRoot(l: PlatformLayout, name: string): string[] {
  const out: string[] = [];
  for (let n = platformNode(l, name); n; n = platformNode(l, n.parent)) out.push(n.name);
  return [...out, "rc"];
}

const linkText = (l: PlatformLink | undefined): string => (l ? ` [Gen${l.gen} x${l.width}]` : "");

/** A tree drawing (as `lspci -t` draws, with names): for `tphlab run --platforms`. */
export function drawPlatform(l: PlatformLayout): string {
  const kids = (name: string): LaidNode[] => l.nodes.filter((n) => n.parent === name);
  const lines = ["rc"];
  const walk = (n: LaidNode, prefix: string, last: boolean): void => {
    const what = n.kind === "root-port" ? "Root Port" : n.kind;
    const extra = n.latencyNs === undefined ? "" : ` ${n.latencyNs} ns`;
    lines.push(
      `${prefix}${last ? "`-" : "+-"}${n.name} (${what}, ${n.bdf.slice(5)})${linkText(n.link)}${extra}`,
    );
    const k = kids(n.name);
    k.forEach((c, i) => {
      walk(c, `${prefix}${last ? "  " : "| "}`, i === k.length - 1);
    });
  };
  const top = kids("rc");
  top.forEach((n, i) => {
    walk(n, "", i === top.length - 1);
  });
  return lines.join("\n");
}
