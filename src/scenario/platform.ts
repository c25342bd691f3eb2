/**
 * A scenario's platform (issue 10): the `platform:` block, a preset, or the `topology:` shorthand
 * (switch | root-complex, the presets of the same names), as a PlatformDesc laid out by
 * src/hw/platform.ts; which NIC carries each MR and which accelerator exports each buffer; each
 * device's own parameters over the scenario's sections. checkPlatform() reports every problem at
 * its YAML position.
 */
import { InputError } from "../base/errors.js";
import type { FabricParamsInput } from "../hw/fabric/params.js";
import { FABRIC_PARAMS } from "../hw/fabric/params.js";
import { mergeDeep } from "../hw/fabric/platform/device-params.js";
import {
  layoutPlatform,
  type PlatformDesc,
  type PlatformDevice,
  type PlatformLayout,
} from "../hw/platform.js";
import { PLATFORM_PRESETS, type PlatformPresetName } from "../hw/platform-presets.js";
import type { Scenario, TimelineEvent } from "./scenario-schema.js";
import type { Path, Reporter } from "./schema.js";

/** What a scenario runs on: its description, where it came from, and its devices by kind. */
export interface ScenarioPlatform {
  readonly desc: PlatformDesc;
  /** The preset's name, or "custom". */
  readonly source: PlatformPresetName | "custom";
  readonly nics: readonly string[];
  readonly accelerators: readonly string[];
}

/** The platform `s` describes (not checked: see checkPlatform). */
export function scenarioPlatform(s: Scenario): ScenarioPlatform {
  const link = { gen: s.link.gen, width: s.link.width };
  const p = s.platform;
  const preset: PlatformPresetName | undefined = p === undefined ? (s.topology ?? "switch") : p.preset;
  const devices: readonly PlatformDevice[] =
    preset !== undefined
      ? PLATFORM_PRESETS[preset].devices
      : (p?.devices ?? []).map((d) => ({
          name: d.name,
          kind: d.kind,
          at: d.at,
          ...(d.link === undefined ? {} : { link: d.link }),
        }));
  const desc: PlatformDesc =
    preset !== undefined
      ? {
          link,
          ...PLATFORM_PRESETS[preset],
          ...(p?.rootPorts === undefined ? {} : { rootPorts: p.rootPorts }),
        }
      : {
          link,
          ...(p?.rootPorts === undefined ? {} : { rootPorts: p.rootPorts }),
          switches: (p?.switches ?? []).map((w) => ({
            name: w.name,
            upstream: w.upstream,
            ...(w.latencyNs === undefined ? {} : { latencyNs: w.latencyNs }),
            ...(w.link === undefined ? {} : { link: w.link }),
          })),
          devices,
        };
  return {
    desc,
    source: preset ?? "custom",
    nics: devices.filter((d) => d.kind === "nic").map((d) => d.name),
    accelerators: devices.filter((d) => d.kind === "accelerator").map((d) => d.name),
  };
}

/** Lay the scenario's platform out (it was checked at load). */
export function scenarioLayout(s: Scenario): PlatformLayout {
  return layoutPlatform(scenarioPlatform(s).desc);
}

/** "platform.switches[0].upstream" -> ["platform", "switches", 0, "upstream"]. */
function toPath(p: string): Path {
  return p
    .split(/\.|\[(\d+)\]/)
    .filter((x) => x !== undefined && x !== "")
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

/** The accelerator exporting buffer `b` (its `device`, else the only one). */
export function bufferDevice(s: Scenario, buffer: string): string | undefined {
  const b = s.buffers.find((x) => x.name === buffer);
  return b?.device ?? only(scenarioPlatform(s).accelerators);
}

/** The NIC MR `m` is registered on (its `nic`, else the only one). */
export function mrNic(s: Scenario, mr: string): string | undefined {
  const m = s.mrs.find((x) => x.name === mr);
  return m?.nic ?? only(scenarioPlatform(s).nics);
}

const only = (xs: readonly string[]): string | undefined => (xs.length === 1 ? xs[0] : undefined);

/**
 * The device a timeline event acts on: a revoke or unrevoke its `device` (else the only
 * accelerator), a set-tph its buffer's accelerator, a re-registration its MR's NIC.
 */
export function eventDevice(s: Scenario, e: TimelineEvent): string | undefined {
  switch (e.action) {
    case "revoke":
    case "unrevoke":
      return e.device ?? only(scenarioPlatform(s).accelerators);
    case "set-tph":
      return bufferDevice(s, e.buffer);
    case "reregister":
      return mrNic(s, e.mr);
  }
}

/** What a platform name is, for a message: "a NIC", "an accelerator", "a switch", or undefined. */
function kindOf(sp: ScenarioPlatform, name: string): string | undefined {
  if (sp.nics.includes(name)) return "a NIC";
  if (sp.accelerators.includes(name)) return "an accelerator";
  return sp.desc.switches.some((w) => w.name === name) ? "a switch" : undefined;
}

function checkRefs(s: Scenario, sp: ScenarioPlatform, r: Reporter): void {
  const ref = (name: string | undefined, known: readonly string[], path: Path, what: string, key: string) => {
    if (name !== undefined) {
      if (known.includes(name)) return;
      const is = kindOf(sp, name);
      const list = known.join(", ") || "none";
      r.report(
        path,
        is === undefined ? "unknown-ref" : "wrong-kind",
        is === undefined
          ? `no ${what} named '${name}' on the platform (known: ${list})`
          : `'${name}' is ${is}, not ${what === "NIC" ? "a NIC" : `an ${what}`} (${what}s: ${list})`,
      );
    } else if (known.length !== 1)
      r.report(
        path.slice(0, -1),
        "ambiguous",
        known.length === 0
          ? `the platform has no ${what}`
          : `the platform has ${known.length} ${what}s (${known.join(", ")}): name one with ${key}:`,
      );
  };
  s.buffers.forEach((b, i) => {
    ref(b.device, sp.accelerators, ["buffers", i, "device"], "accelerator", "device");
  });
  s.mrs.forEach((m, i) => {
    ref(m.nic, sp.nics, ["mrs", i, "nic"], "NIC", "nic");
  });
  // A revoke or unrevoke is made by one accelerator's owner (set-tph and reregister name theirs
  // through the buffer and the MR, checked above).
  s.timeline.forEach((e, i) => {
    if (e.action === "revoke" || e.action === "unrevoke")
      ref(e.device, sp.accelerators, ["timeline", i, "device"], "accelerator", "device");
  });
}

/** Every problem with the platform and the names referring to it, at its position. */
export function checkPlatform(s: Scenario, r: Reporter): void {
  const p = s.platform;
  if (p !== undefined && s.topology !== undefined)
    r.report(["topology"], "one-of", "give either topology (a shorthand) or platform, not both");
  if (p?.preset !== undefined && (p.switches !== undefined || p.devices !== undefined))
    r.report(
      ["platform", "preset"],
      "one-of",
      "a preset replaces switches and devices: give one or the other",
    );
  const sp = scenarioPlatform(s);
  try {
    layoutPlatform(sp.desc);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // The default link is the scenario's `link`, checked there already.
    for (const i of e.issues.filter((x) => !x.path.startsWith("platform.link"))) {
      // A preset's own paths mean nothing to the user: point at the preset.
      const at = sp.source === "custom" || p === undefined ? toPath(i.path) : ["platform", "preset"];
      r.report(p === undefined ? ["topology"] : at, i.code, i.message);
    }
  }
  if (sp.nics.length === 0) r.report(p ? ["platform"] : ["topology"], "missing", "the platform has no NIC");
  checkRefs(s, sp, r);
}

type Entry = Readonly<Record<string, unknown>>;

/** The keys of `tree` the entry sets (nested sections recursively), as a partial section. */
function pick(tree: object, entry: Entry | undefined): Record<string, unknown> | undefined {
  if (!entry) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, node] of Object.entries(tree)) {
    const v = entry[k];
    if (v === undefined) continue;
    const leaf = typeof node === "object" && node !== null && "kind" in node && "default" in node;
    const sub = leaf ? v : pick(node, v as Entry);
    if (sub !== undefined) out[k] = sub;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The platform entry of device `name` (undefined on presets and the shorthand). */
export function deviceEntry(s: Scenario, name: string): Entry | undefined {
  return s.platform?.devices?.find((d) => d.name === name) as Entry | undefined;
}

/** Device `name`'s own values of the fabric's `nic` or `accelerator` section. */
export function deviceParamsInput<S extends "nic" | "accelerator">(
  s: Scenario,
  name: string,
  section: S,
): FabricParamsInput[S] | undefined {
  return pick(FABRIC_PARAMS[section], deviceEntry(s, name)) as FabricParamsInput[S] | undefined;
}

/** Device `name`'s value of kernel-side key `key`, else the section's. */
export function deviceSetting<S extends "nic" | "accelerator", K extends keyof Scenario[S]>(
  s: Scenario,
  name: string,
  section: S,
  key: K,
): Scenario[S][K] {
  const own = deviceEntry(s, name)?.[key as string];
  return (own === undefined ? s[section][key] : own) as Scenario[S][K];
}

/**
 * The single-machine shape (switch or root-complex: one NIC, one accelerator, every link the
 * scenario's) a platform is, if it is one: what the kernel model's P2P machine boots today.
 */
export function singleMachineShape(s: Scenario): "switch" | "root-complex" | undefined {
  const sp = scenarioPlatform(s);
  if (s.platform?.rootPortCompleter !== undefined) return undefined;
  let mine: PlatformLayout;
  try {
    mine = layoutPlatform(sp.desc);
  } catch {
    return undefined;
  }
  const link = sp.desc.link;
  const sameLink = (l: { gen: number; width: number } | undefined) =>
    l === undefined || (l.gen === link.gen && l.width === link.width);
  if (!mine.nodes.every((n) => sameLink(n.link) && n.latencyNs === undefined)) return undefined;
  const shape = (l: PlatformLayout) => l.nodes.map((n) => `${n.bdf}:${n.kind}`).join(",");
  for (const t of ["switch", "root-complex"] as const) {
    if (shape(layoutPlatform({ link, ...PLATFORM_PRESETS[t] })) === shape(mine)) return t;
  }
  return undefined;
}

const PLACEMENT = new Set(["name", "kind", "at", "link"]);

/**
 * With one NIC and one accelerator, their entries' own values folded into the `nic` and
 * `accelerator` sections: the machine that boots today reads those sections.
 */
export function withDeviceSections(s: Scenario): Scenario {
  const sp = scenarioPlatform(s);
  if (sp.nics.length !== 1 || sp.accelerators.length !== 1) return s;
  const own = (name: string) =>
    Object.fromEntries(
      Object.entries(deviceEntry(s, name) ?? {}).filter(([k, v]) => v !== undefined && !PLACEMENT.has(k)),
    );
  return {
    ...s,
    nic: mergeDeep(s.nic, own(sp.nics[0]!) as Partial<Scenario["nic"]>) as Scenario["nic"],
    accelerator: mergeDeep(
      s.accelerator,
      own(sp.accelerators[0]!) as Partial<Scenario["accelerator"]>,
    ) as Scenario["accelerator"],
  };
}
