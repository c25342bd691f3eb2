/**
 * The model state of every device of a scenario's platform, for the load-time budget
 * (./budget.ts): each accelerator's own ingress cache and tag tables, each NIC's config space
 * and ST table, the host's caches. A device's own value (a `platform.devices` entry's
 * `cacheSets`, `partitionWays`, `tableSize`) counts under that entry's path, so a refusal names
 * the parameter and the device to lower; devices using the section's value count under the
 * section's path, together (e.g. 8 accelerators' caches under `accelerator.cacheSets`).
 */
import { MAX_TLPS } from "../hw/fabric/batches.js";
import { deviceEntry, deviceSetting, scenarioPlatform } from "./platform.js";
import type { Scenario } from "./scenario-schema.js";
import type { Path } from "./schema.js";

export interface StateTerm {
  readonly bytes: number;
  readonly path: Path;
  readonly what: string;
}

/**
 * A set-associative cache as ../hw/fabric/cache.ts lays it out: per set, a record of 3 words
 * (valid-way masks, the way used last), a ring per partition, a tag and a link per way, and its
 * tag bound: 4 B x sets x (4 + partitions + 2 x ways).
 */
export function cacheBytes(sets: number, ways: number, parts: number): number {
  return 4 * sets * (4 + parts + 2 * ways);
}

/**
 * Fixed per-device arrays of the fabric model (../hw/fabric/accelerator.ts, host.ts): the
 * 8/16-bit tag -> partition and PH tables (2 x (256 + 65536) Int32) and the completion queue
 * (MAX_TLPS x (Int32 + Float64)).
 */
const TAG_TABLES = 2 * (256 + 65536) * 4;
const COMPLETIONS = MAX_TLPS * 12;
/** A function's config space (4 KiB) in the kernel model, plus its driver's state (estimate). */
const FUNCTION_BYTES = 4096 + 4096;

/** Where device `name`'s own `key` sits in the file, if it has one. */
function ownPath(s: Scenario, name: string, key: string): Path | undefined {
  const entry = deviceEntry(s, name);
  if (entry?.[key] === undefined) return undefined;
  return ["platform", "devices", s.platform!.devices!.findIndex((d) => d.name === name), key];
}

function acceleratorTerm(s: Scenario, name: string): StateTerm {
  const sets = deviceSetting(s, name, "accelerator", "cacheSets");
  const parts = deviceSetting(s, name, "accelerator", "partitionWays");
  const ways = parts.reduce((a, b) => a + b, 0);
  const cache = cacheBytes(sets, ways, parts.length);
  const path =
    ownPath(s, name, "cacheSets") ??
    ownPath(s, name, "partitionWays") ??
    (["accelerator", "cacheSets"] as const);
  return { bytes: cache + TAG_TABLES + COMPLETIONS + FUNCTION_BYTES, path, what: `${name}'s cache` };
}

function nicTerm(s: Scenario, name: string): StateTerm {
  const table =
    deviceSetting(s, name, "nic", "stTable") === "table" ? deviceSetting(s, name, "nic", "tableSize") : 0;
  const path = ownPath(s, name, "tableSize") ?? (["nic", "tableSize"] as const);
  // ST entries: 2 bytes in config space plus the driver's bookkeeping (a reference count and tag).
  return { bytes: FUNCTION_BYTES + table * (2 + 16), path, what: `${name}'s ST table` };
}

/** The host's LLC and the L2s of the CPUs a tag or consumer can name. */
function hostTerms(s: Scenario): StateTerm[] {
  const h = s.host;
  const l2s = Math.min(h.cpus, h.steeringTags.length + s.dmah.length + s.flows.length + 1);
  return [
    {
      bytes: cacheBytes(h.llcSets, h.llcWays, 2) + TAG_TABLES / 2 + COMPLETIONS,
      path: ["host", "llcSets"],
      what: "the host LLC",
    },
    {
      bytes: l2s * cacheBytes(h.l2Sets, h.l2Ways, 1),
      path: ["host", "l2Sets"],
      what: `${l2s} host L2 caches`,
    },
  ];
}

/** Terms with the same path summed, their `what` listing the devices ("the caches of acc0..acc7"). */
function grouped(terms: readonly StateTerm[], plural: string, kinds: string): StateTerm[] {
  const byPath = new Map<string, StateTerm[]>();
  for (const t of terms)
    byPath.set(JSON.stringify(t.path), [...(byPath.get(JSON.stringify(t.path)) ?? []), t]);
  return [...byPath.values()].map((ts) => {
    if (ts.length === 1) return ts[0]!;
    const names = ts.map((t) => t.what.replace(/'s .*$/, ""));
    return {
      bytes: ts.reduce((a, t) => a + t.bytes, 0),
      path: ts[0]!.path,
      what: `the ${plural} of ${ts.length} ${kinds} (${names.join(", ")}; ${mib(ts[0]!.bytes)} each)`,
    };
  });
}

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** Every device's model state: one term per device with its own values, one per shared section value. */
export function deviceStateTerms(s: Scenario): StateTerm[] {
  const sp = scenarioPlatform(s);
  return [
    ...grouped(
      sp.accelerators.map((n) => acceleratorTerm(s, n)),
      "caches",
      "accelerators",
    ),
    ...grouped(
      sp.nics.map((n) => nicTerm(s, n)),
      "ST tables",
      "NICs",
    ),
    ...hostTerms(s),
  ];
}
