/**
 * Random VALID scenarios on random platforms, for the physics audit: custom switch trees (or a
 * preset), each link its own generation and width (Gen1 x1 beside Gen5 x16), several NICs and
 * accelerators with their own line rates, WRITE/READ/SEND flows into accelerator buffers or host
 * memory (DDIO on or off), small and large messages, size mixes, on/off bursts, start/stop, CSV
 * traces, offered loads far above the link, and every revision (bases and single fixes).
 *
 * Besides the YAML, each scenario carries what a test needs to judge it without asking the code
 * under test: every flow's path as the list of links it crosses, each link's speed and width.
 */
import fc from "fast-check";
import { FIXES, REVISION_NAMES } from "../../src/kernel/revision.js";

export interface GenLink {
  readonly gen: number;
  readonly width: number;
}

interface GenNode {
  readonly name: string;
  /** "rc" (a Root Port) or a switch's name. */
  readonly up: string;
  readonly link: GenLink;
}

export interface GenFlow {
  readonly name: string;
  readonly op: "write" | "read" | "send";
  readonly nic: string;
  /** An accelerator's name, or "host". */
  readonly to: string;
  /** Every message size the flow can send (a uniform range is given by its ends). */
  readonly sizes: readonly number[];
  readonly uniform: boolean;
  readonly startNs: number;
  readonly stopNs: number | undefined;
  /** Most messages the flow may start (`messages:`), if limited. */
  readonly messages: number | undefined;
  readonly yaml: string;
  readonly trace?: { readonly file: string; readonly text: string };
}

export interface GenScenario {
  readonly yaml: string;
  /** The same scenario without its timeline (for builds that refuse timelines on this platform as not yet). */
  readonly yamlNoTimeline: string;
  readonly files: Readonly<Record<string, string>>;
  readonly durationNs: number;
  readonly warmupNs: number;
  readonly mps: number;
  readonly mrrs: number;
  readonly mtu: number;
  /** Line rate of each NIC, Gb/s. */
  readonly lineGbps: Readonly<Record<string, number>>;
  /** Each switch's and device's upstream link. */
  readonly nodes: readonly GenNode[];
  readonly flows: readonly GenFlow[];
}

const SIZES = [1, 64, 200, 1500, 4096, 9000, 65536, 1 << 20];
const WIDTHS = [1, 2, 4, 8, 16];
const linkArb = fc.record({ gen: fc.integer({ min: 1, max: 5 }), width: fc.constantFrom(...WIDTHS) });

const revisionArb = fc.oneof(
  fc.constantFrom(...REVISION_NAMES),
  fc
    .tuple(fc.constantFrom("rfc", "v11"), fc.constantFrom(...FIXES.map((f) => f.name)))
    .map(([b, f]) => `${b}+${f}`),
);

const treeArb = fc.record({
  switches: fc.array(fc.record({ up: fc.nat(), link: fc.option(linkArb) }), { maxLength: 3 }),
  devices: fc.array(
    fc.record({
      nic: fc.boolean(),
      at: fc.nat(),
      link: fc.option(linkArb),
      lineGbps: fc.option(fc.constantFrom(25, 100, 200, 400)),
    }),
    { minLength: 2, maxLength: 5 },
  ),
});

const PRESETS = {
  switch: {
    sw: [["sw0", "rc"]],
    dev: [
      ["nic0", "sw0"],
      ["acc0", "sw0"],
    ],
  },
  "root-complex": {
    sw: [],
    dev: [
      ["nic0", "rc"],
      ["acc0", "rc"],
    ],
  },
  "two-level": {
    sw: [
      ["sw0", "rc"],
      ["sw1", "sw0"],
      ["sw2", "sw0"],
    ],
    dev: [
      ["nic0", "sw1"],
      ["acc0", "sw1"],
      ["nic1", "sw2"],
      ["acc1", "sw2"],
    ],
  },
  "ai-server-8x8": {
    sw: [
      ["sw0", "rc"],
      ["sw1", "sw0"],
      ["sw2", "rc"],
      ["sw3", "sw2"],
    ],
    dev: [0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [
      [`nic${i}`, `sw${i >> 1}`],
      [`acc${i}`, `sw${i >> 1}`],
    ]),
  },
} as const;

const sizeArb = fc.oneof(
  fc.constantFrom(...SIZES).map((s) => ({ yaml: `${s}`, sizes: [s], uniform: false })),
  fc.uniqueArray(fc.integer({ min: 1, max: 20000 }), { minLength: 2, maxLength: 2 }).map(([a, b]) => {
    const [lo, hi] = [Math.min(a!, b!), Math.max(a!, b!)];
    return { yaml: `{ dist: uniform, min: ${lo}, max: ${hi} }`, sizes: [lo, hi], uniform: true };
  }),
  fc.uniqueArray(fc.constantFrom(...SIZES), { minLength: 1, maxLength: 3 }).map((v) => ({
    yaml: `{ dist: choice, values: [${v.join(", ")}] }`,
    sizes: v,
    uniform: false,
  })),
);

const traceArb = fc.array(
  fc.record({ gapNs: fc.integer({ min: 0, max: 600 }), size: fc.constantFrom(...SIZES.slice(0, 6)) }),
  { minLength: 1, maxLength: 30 },
);

const flowArb = fc.record({
  op: fc.constantFrom("write", "read", "send"),
  nic: fc.nat(),
  to: fc.nat(),
  host: fc.boolean(),
  shape: fc.oneof(
    { weight: 4, arbitrary: fc.record({ size: sizeArb, load: loadArb() }) },
    { weight: 1, arbitrary: fc.record({ trace: traceArb }) },
  ),
  startNs: fc.constantFrom(0, 0, 0, 1500),
  stopAfterNs: fc.option(fc.integer({ min: 500, max: 6000 })),
  consumer: fc.option(
    fc.oneof(
      fc.constant("none"),
      fc.integer({ min: 1, max: 4 }).map((e) => `{ engines: ${e} }`),
    ),
  ),
  messages: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 4 }),
  /** Cycle through a small area of the MR (lines reused: cache hits) or the whole MR. */
  lengthKiB: fc.option(fc.constantFrom(4, 64)),
});

function loadArb() {
  return fc.record({
    // Up to 4 Tb/s: far above any link here (overload).
    rate: fc.option(fc.constantFrom(1, 10, 100, 400, 4000)),
    poisson: fc.boolean(),
    queueDepth: fc.integer({ min: 1, max: 64 }),
    // Off at most 20x on: a 1 MiB message at 1 Gb/s then still starts within the 1 s the loader allows.
    burst: fc.option(
      fc
        .record({ onNs: fc.integer({ min: 1, max: 3000 }), offNs: fc.integer({ min: 0, max: 3000 }) })
        .map((b) => ({ onNs: b.onNs, offNs: Math.min(b.offNs, 20 * b.onNs) })),
    ),
  });
}

const rawArb = fc.record({
  preset: fc.option(fc.constantFrom(...(Object.keys(PRESETS) as (keyof typeof PRESETS)[])), {
    freq: 3,
  }),
  tree: treeArb,
  link: linkArb,
  mps: fc.constantFrom(128, 256, 512),
  mrrs: fc.constantFrom(128, 512, 4096),
  mtu: fc.constantFrom(256, 1024, 4096),
  lineGbps: fc.constantFrom(25, 100, 400),
  tags: fc.constantFrom(1, 16, 256),
  ddio: fc.boolean(),
  warmupNs: fc.constantFrom(0, 0, 1000, ...(process.env.AUDIT_LONG ? [20_000] : [])),
  durationUs: process.env.AUDIT_LONG ? fc.constantFrom(30, 60) : fc.integer({ min: 5, max: 8 }),
  revisions: fc.uniqueArray(revisionArb, { minLength: 1, maxLength: 2 }),
  flows: fc.array(flowArb, { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 0, max: 1 << 20 }),
  timeline: fc.array(
    fc.record({
      atNs: fc.integer({ min: 0, max: 6000 }),
      kind: fc.constantFrom("revoke", "unrevoke", "set-tph", "reregister"),
      by: fc.constantFrom("flr", "memory-disable", "d3hot", "hot-reset", "close"),
      pick: fc.nat(),
    }),
    { maxLength: 3 },
  ),
});

type Raw = typeof rawArb extends fc.Arbitrary<infer T> ? T : never;

export const platformScenarioArb: fc.Arbitrary<GenScenario> = rawArb.map((o) => build(o));

function layout(o: Raw): {
  yaml: string;
  nodes: GenNode[];
  nics: { name: string; lineGbps: number | null }[];
  accs: string[];
} {
  if (o.preset !== null) {
    const p = PRESETS[o.preset];
    const nodes = [...p.sw, ...p.dev].map(([name, up]) => ({ name, up, link: o.link }));
    const nics = p.dev.filter(([n]) => n.startsWith("nic")).map(([name]) => ({ name, lineGbps: null }));
    const accs = p.dev.filter(([n]) => n.startsWith("acc")).map(([n]) => n as string);
    return { yaml: `platform: { preset: ${o.preset} }`, nodes, nics, accs };
  }
  const ref = (k: number, n: number) => (k % (n + 1) === 0 ? "rc" : `sw${(k % (n + 1)) - 1}`);
  const nodes: GenNode[] = [];
  const lines: string[] = ["platform:", "  switches:"];
  o.tree.switches.forEach((s, i) => {
    const up = ref(s.up, i);
    nodes.push({ name: `sw${i}`, up, link: s.link ?? o.link });
    const link = s.link ? `, link: { gen: ${s.link.gen}, width: ${s.link.width} }` : "";
    lines.push(`    - { name: sw${i}, upstream: ${up}${link} }`);
  });
  if (o.tree.switches.length === 0) lines[1] = "  switches: []";
  lines.push("  devices:");
  const nics: { name: string; lineGbps: number | null }[] = [];
  const accs: string[] = [];
  o.tree.devices.forEach((d, i) => {
    const nic = i === 0 ? true : i === 1 ? false : d.nic;
    const name = `${nic ? "nic" : "acc"}${i}`;
    const at = ref(d.at, o.tree.switches.length);
    nodes.push({ name, up: at, link: d.link ?? o.link });
    if (nic) nics.push({ name, lineGbps: d.lineGbps });
    else accs.push(name);
    const link = d.link ? `, link: { gen: ${d.link.gen}, width: ${d.link.width} }` : "";
    const rate = nic && d.lineGbps !== null ? `, lineRateGbps: ${d.lineGbps}` : "";
    lines.push(`    - { name: ${name}, kind: ${nic ? "nic" : "accelerator"}, at: ${at}${link}${rate} }`);
  });
  return { yaml: lines.join("\n"), nodes, nics, accs };
}

function flowYaml(
  raw: Raw["flows"][number],
  i: number,
  nic: string,
  to: string,
  durationNs: number,
): GenFlow {
  const name = `f${i}`;
  const parts = [`name: ${name}`, `op: ${raw.op}`, `mr: m${i}`];
  if (raw.startNs) parts.push(`start: ${raw.startNs}ns`);
  const stopNs = raw.stopAfterNs === null ? undefined : Math.min(raw.startNs + raw.stopAfterNs, durationNs);
  if (stopNs !== undefined) parts.push(`stop: ${stopNs}ns`);
  if (raw.consumer !== null) parts.push(`consumer: ${raw.consumer}`);
  if (raw.messages !== null) parts.push(`messages: ${raw.messages}`);
  if (raw.lengthKiB !== null) parts.push(`length: ${raw.lengthKiB}KiB`);
  const messages = raw.messages ?? undefined;
  const base = { name, op: raw.op, nic, to, startNs: raw.startNs, stopNs, messages };
  if ("trace" in raw.shape) {
    let t = 0;
    const lines = raw.shape.trace.map((x) => {
      t += x.gapNs;
      return `${t}ns,${x.size}`;
    });
    const file = `t${i}.csv`;
    parts.push(`trace: ${file}`);
    return {
      ...base,
      sizes: raw.shape.trace.map((x) => x.size),
      uniform: false,
      yaml: `  - { ${parts.join(", ")} }`,
      trace: { file, text: `time,size\n${lines.join("\n")}\n` },
    };
  }
  const { size, load } = raw.shape;
  parts.push(`size: ${size.yaml}`);
  if (load.rate !== null)
    parts.push(`rate: ${load.rate}Gb/s`, `arrival: ${load.poisson ? "poisson" : "constant"}`);
  else parts.push(`queueDepth: ${load.queueDepth}`);
  if (load.burst) parts.push(`burst: { on: ${load.burst.onNs}ns, off: ${load.burst.offNs}ns }`);
  return { ...base, sizes: size.sizes, uniform: size.uniform, yaml: `  - { ${parts.join(", ")} }` };
}

function build(o: Raw): GenScenario {
  const l = layout(o);
  const durationNs = o.durationUs * 1000;
  const files: Record<string, string> = {};
  const buffers = l.accs.map(
    (a, k) =>
      `  - { name: b_${a}, device: ${a}, length: 2MiB, tph: { st: 0x2${k}, stExt: 0x432${k}, ph: 2, partition: ${1 + (k % 2)} } }`,
  );
  const mrs: string[] = [];
  const flows = o.flows.map((raw, i) => {
    const nic = l.nics[raw.nic % l.nics.length]!.name;
    const to = raw.host ? "host" : l.accs[raw.to % l.accs.length]!;
    mrs.push(
      to === "host"
        ? `  - { name: m${i}, nic: ${nic}, host: 2MiB, dmah: d }`
        : `  - { name: m${i}, nic: ${nic}, buffer: b_${to} }`,
    );
    const f = flowYaml(raw, i, nic, to, durationNs);
    if (f.trace) files[f.trace.file] = f.trace.text;
    return f;
  });
  const timeline = o.timeline.map((e) => {
    const at = `at: ${e.atNs % durationNs}ns`;
    // The accelerator whose owner acts (named: a platform may have several).
    const device = `device: ${l.accs[e.pick % l.accs.length]!}`;
    if (e.kind === "revoke") return `{ ${at}, action: revoke, by: ${e.by}, ${device} }`;
    if (e.kind === "unrevoke") return `{ ${at}, action: unrevoke, ${device} }`;
    if (e.kind === "reregister") return `{ ${at}, action: reregister, mr: m${e.pick % o.flows.length} }`;
    const acc = l.accs[e.pick % l.accs.length]!;
    return `{ ${at}, action: set-tph, buffer: b_${acc}, st: 0x3${e.pick % 10}, ph: ${e.pick % 4} }`;
  });
  const lineGbps = Object.fromEntries(l.nics.map((n) => [n.name, n.lineGbps ?? o.lineGbps]));
  const yaml = `name: audit
duration: ${o.durationUs}us
seed: ${o.seed}
revisions: [${o.revisions.join(", ")}]
link: { gen: ${o.link.gen}, width: ${o.link.width}, mps: ${o.mps}, mrrs: ${o.mrrs} }
${l.yaml}
nic: { maxOutstandingReads: ${o.tags}, mtu: ${o.mtu}, lineRateGbps: ${o.lineGbps} }
host: { ddio: ${o.ddio}, steeringTags: [{ cpu: 1, st: 0x11, xst: 0x0111 }] }
metrics: { warmupNs: ${o.warmupNs} }
buffers:
${buffers.join("\n")}
dmah: [{ name: d, cpu: 1, ph: 2 }]
mrs:
${mrs.join("\n")}
flows:
${flows.map((f) => f.yaml).join("\n")}
timeline: [${timeline.join(", ")}]
`;
  return {
    yaml,
    yamlNoTimeline: yaml.replace(/^timeline: .*$/m, "timeline: []"),
    files,
    durationNs,
    warmupNs: o.warmupNs,
    mps: o.mps,
    mrrs: o.mrrs,
    mtu: o.mtu,
    lineGbps,
    nodes: l.nodes,
    flows,
  };
}

/** Upstream links (by child name) from `name` to the root. */
function chain(s: GenScenario, name: string): string[] {
  const out: string[] = [];
  for (let n = s.nodes.find((x) => x.name === name); n; n = s.nodes.find((x) => x.name === n!.up)) {
    out.push(n.name);
    if (n.up === "rc") break;
  }
  return out;
}

/**
 * The link directions a flow's data crosses, as `CHILD up` / `CHILD down` (CHILD: the link's
 * device or switch end): WRITE/SEND data flows from the NIC to the target, READ data back.
 */
export function flowDataLinks(s: GenScenario, f: GenFlow): string[] {
  const a = chain(s, f.nic);
  const b = f.to === "host" ? [] : chain(s, f.to);
  const shared = new Set(a.filter((x) => b.includes(x)));
  const [from, to] = f.op === "read" ? [b, a] : [a, b];
  return [
    ...from.filter((x) => !shared.has(x)).map((x) => `${x} up`),
    ...to.filter((x) => !shared.has(x)).map((x) => `${x} down`),
  ];
}

/** The link of a switch or device (its upstream link). */
export function nodeLink(s: GenScenario, name: string): GenLink {
  return s.nodes.find((n) => n.name === name)!.link;
}

/** The links a flow crosses, each named by its child end (a device or a switch), with its speed. */
export function flowPath(s: GenScenario, f: GenFlow): GenLink[] {
  const a = chain(s, f.nic);
  const b = f.to === "host" ? [] : chain(s, f.to);
  const shared = new Set(a.filter((x) => b.includes(x)));
  return [...a, ...b].filter((x) => !shared.has(x)).map((x) => s.nodes.find((n) => n.name === x)!.link);
}
