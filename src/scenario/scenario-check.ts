/**
 * Checks across fields of a scenario that parsed: names unique and references resolved, ranges
 * inside the BAR, times inside the run, distributions well formed. Every problem is reported.
 */
import { validateLinkConfig } from "../pcie/link.js";
import { checkFabricParams, fabricParamsOf } from "./fabric-params.js";
import { checkFlowShape } from "./flow-shape.js";
import { checkPlatform } from "./platform.js";
import type { Scenario } from "./scenario-schema.js";
import type { Path, Reporter } from "./schema.js";

const PAGE = 4096;

function uniqueNames(items: readonly { name: string }[], list: string, r: Reporter): Set<string> {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.name)) r.report([list, i, "name"], "duplicate", `duplicate name '${it.name}' in ${list}`);
    seen.add(it.name);
  });
  return seen;
}

function mustName(names: Set<string>, name: string | undefined, path: Path, what: string, r: Reporter): void {
  if (name !== undefined && !names.has(name)) {
    const known = [...names].join(", ") || "none defined";
    r.report(path, "unknown-ref", `no ${what} named '${name}' (known: ${known})`);
  }
}

function checkBuffers(s: Scenario, r: Reporter): void {
  const bar = s.accelerator.barSize;
  if (!Number.isInteger(Math.log2(bar))) {
    r.report(["accelerator", "barSize"], "range", `a BAR size is a power of two, found ${bar}`);
  }
  s.buffers.forEach((b, i) => {
    if (b.offset % PAGE)
      r.report(["buffers", i, "offset"], "align", `must be a multiple of 4096, found ${b.offset}`);
    if (b.length % PAGE)
      r.report(["buffers", i, "length"], "align", `must be a multiple of 4096, found ${b.length}`);
    if (b.offset + b.length > bar) {
      r.report(
        ["buffers", i, "length"],
        "range",
        `offset + length = ${b.offset + b.length} is past BAR 0 (${bar} bytes)`,
      );
    }
  });
}

function checkSetup(s: Scenario, r: Reporter): Set<string> {
  const cpus = s.host.cpus;
  const buffers = uniqueNames(s.buffers, "buffers", r);
  const dmahs = uniqueNames(s.dmah, "dmah", r);
  const mrs = uniqueNames(s.mrs, "mrs", r);
  s.host.steeringTags.forEach((t, i) => {
    if (t.cpu >= cpus)
      r.report(["host", "steeringTags", i, "cpu"], "range", `CPU ${t.cpu} >= host.cpus (${cpus})`);
  });
  s.dmah.forEach((d, i) => {
    if (d.cpu !== undefined && d.cpu >= cpus) {
      r.report(["dmah", i, "cpu"], "range", `CPU ${d.cpu} >= host.cpus (${cpus})`);
    }
  });
  s.mrs.forEach((m, i) => {
    if ((m.buffer === undefined) === (m.host === undefined)) {
      r.report(
        ["mrs", i],
        "one-of",
        "an MR needs exactly one of 'buffer' (a dma-buf) or 'host' (host memory)",
      );
    }
    mustName(buffers, m.buffer, ["mrs", i, "buffer"], "buffer", r);
    mustName(dmahs, m.dmah, ["mrs", i, "dmah"], "dmah", r);
  });
  return mrs;
}

function checkFlows(s: Scenario, mrs: Set<string>, r: Reporter): void {
  uniqueNames(s.flows, "flows", r);
  s.flows.forEach((f, i) => {
    mustName(mrs, f.mr, ["flows", i, "mr"], "MR", r);
    if (f.start >= s.duration)
      r.report(["flows", i, "start"], "range", "starts at or after the end of the run");
    if (f.rate !== undefined && f.queueDepth !== undefined) {
      r.report(
        ["flows", i, "queueDepth"],
        "one-of",
        "give either rate (open loop) or queueDepth (closed loop)",
      );
    }
    checkFlowShape(s, f, i, r);
    const size = f.size;
    if (size === undefined || typeof size === "number") return;
    if (size.dist === "uniform" && size.min > size.max) {
      r.report(["flows", i, "size", "max"], "range", `max (${size.max}) is below min (${size.min})`);
    }
    if (size.dist === "choice" && size.weights !== undefined) {
      if (size.weights.length !== size.values.length) {
        r.report(
          ["flows", i, "size", "weights"],
          "length",
          `${size.weights.length} weights for ${size.values.length} values`,
        );
      } else if (!size.weights.some((w) => w > 0)) {
        r.report(["flows", i, "size", "weights"], "range", "at least one weight must be positive");
      }
    }
  });
}

function checkTimeline(s: Scenario, mrs: Set<string>, r: Reporter): void {
  const buffers = new Set(s.buffers.map((b) => b.name));
  s.timeline.forEach((e, i) => {
    if (e.at > s.duration) r.report(["timeline", i, "at"], "range", "after the end of the run");
    if (e.action === "set-tph") mustName(buffers, e.buffer, ["timeline", i, "buffer"], "buffer", r);
    if (e.action === "reregister") mustName(mrs, e.mr, ["timeline", i, "mr"], "MR", r);
  });
}

/** The link model's own checks (widths it knows), at `link.*`. */
function checkLinks(s: Scenario, r: Reporter): void {
  const cfg = { gen: s.link.gen, width: s.link.width, mps: s.link.mps, mrrs: s.link.mrrs, ecrc: s.link.ecrc };
  for (const i of validateLinkConfig(cfg)) r.report(["link", i.path], i.code, i.message);
}

/** Tags fit their namespace; partitions exist (accelerator.partitionWays). */
function checkSteering(s: Scenario, r: Reporter): void {
  const parts = s.accelerator.partitionWays.length;
  const part = (p: number | undefined, path: Path) => {
    if (p !== undefined && p >= parts)
      r.report(path, "range", `partition ${p} does not exist (accelerator.partitionWays has ${parts})`);
  };
  s.accelerator.stTable.forEach((e, i) => {
    if (e.namespace === "st8" && e.st > 0xff)
      r.report(["accelerator", "stTable", i, "st"], "range", `an st8 tag is 8 bits, found ${e.st}`);
    part(e.partition, ["accelerator", "stTable", i, "partition"]);
  });
  s.buffers.forEach((b, i) => {
    part(b.tph?.partition, ["buffers", i, "tph", "partition"]);
  });
  s.timeline.forEach((e, i) => {
    if (e.action === "set-tph") part(e.partition, ["timeline", i, "partition"]);
  });
}

/**
 * The cache model stores a line's tag (line / sets) as a 31-bit number; DMA addresses in the model
 * stay below 2^47, so sets x lineBytes must reach 2^16 (64 KiB per way) for every tag to fit.
 */
const MIN_WAY_BYTES = 2 ** 16;

function checkCaches(s: Scenario, r: Reporter): void {
  const way = (sets: number, line: number, path: Path) => {
    if (sets * line < MIN_WAY_BYTES)
      r.report(
        path,
        "range",
        `sets x lineBytes = ${sets * line} bytes per way; the cache model needs at least ${MIN_WAY_BYTES} (raise the sets or the line size)`,
      );
  };
  way(s.host.llcSets, s.host.lineBytes, ["host", "llcSets"]);
  way(s.host.l2Sets, s.host.lineBytes, ["host", "l2Sets"]);
  way(s.accelerator.cacheSets, s.accelerator.lineBytes, ["accelerator", "cacheSets"]);
}

/** Every cross-field problem of `s`, reported to `r`. */
export function checkScenario(s: Scenario, r: Reporter): void {
  checkLinks(s, r);
  checkCaches(s, r);
  checkFabricParams(fabricParamsOf(s), r);
  checkSteering(s, r);
  checkBuffers(s, r);
  const mrs = checkSetup(s, r);
  checkPlatform(s, r);
  checkFlows(s, mrs, r);
  checkTimeline(s, mrs, r);
}
