/**
 * The `platform:` block of a scenario (issue 10): Root Ports, a tree of switches, NICs and
 * accelerators with their links, or a named preset (src/hw/platform-presets.ts). A device entry may
 * carry its own values of the `nic` / `accelerator` sections (any key of those sections, kernel
 * side or data path); what it leaves out comes from the scenario's section.
 *
 *   platform:
 *     rootPorts: 2
 *     switches: [{ name: sw0, upstream: rc }, { name: sw1, upstream: sw0, latencyNs: 150 }]
 *     devices:
 *       - { name: nic0, kind: nic, at: sw1, link: { gen: 4, width: 8 }, lineRateGbps: 200 }
 *       - { name: acc0, kind: accelerator, at: sw1, completer: tph }
 */

import { FABRIC_PARAMS } from "../hw/fabric/params.js";
import { PLATFORM_PRESET_NAMES } from "../hw/platform-presets.js";
import { fabricSection, optionalTreeFields } from "./fabric-params.js";
import { integer, list, oneOf, type Schema, text } from "./schema.js";
import { type Fields, object, optional, required, tagged } from "./schema-object.js";

const NAME = text({
  pattern: /^[A-Za-z][A-Za-z0-9_]*$/,
  what: "a name (a letter, then letters, digits or _)",
});
const REF = text({
  pattern: /^(rc(:\d+)?|[A-Za-z][A-Za-z0-9_]*)$/,
  what: "rc, rc:N (Root Port N) or a switch's name",
});

const link = object({
  gen: required(integer({ min: 1, max: 6 }), "PCIe generation (1 = 2.5 GT/s .. 6 = 64 GT/s)"),
  width: required(integer({ min: 1, max: 32 }), "lanes (1, 2, 4, 8, 12, 16 or 32)"),
});

const pswitch = object({
  name: required(NAME, "the switch's name (links below it are named sw-child)"),
  upstream: required(
    REF,
    "what its upstream port connects to: rc (the next free Root Port), rc:N, or a switch",
  ),
  latencyNs: optional(
    fabricSection("switch").latencyNs.schema as Schema<number>,
    "its cut-through latency (default: switch.latencyNs)",
  ),
  link: optional(link, "its upstream link (default: the scenario's link)"),
});

/** Every field of `fields` optional (a device's own value, else the section's). */
function allOptional(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, optional(f.schema, f.doc)]));
}

const placed = {
  name: required(NAME, "the device's name (buffers[].device, mrs[].nic and results use it)"),
  at: required(REF, "where it is plugged: rc (the next free Root Port), rc:N, or a switch"),
  link: optional(link, "its link (default: the scenario's link)"),
};

/** The block's schema, given the kernel-side keys of the nic and accelerator sections. */
export function platformSchema(nicKernel: Fields, acceleratorKernel: Fields) {
  const device = tagged(
    "kind",
    {
      nic: { ...placed, ...optionalTreeFields(FABRIC_PARAMS.nic), ...allOptional(nicKernel) },
      accelerator: {
        ...placed,
        ...optionalTreeFields(FABRIC_PARAMS.accelerator),
        ...allOptional(acceleratorKernel),
      },
    },
    {
      nic: "an mlx5 RDMA NIC (any key of the nic section: its own value)",
      accelerator: "a VFIO accelerator (any key of the accelerator section: its own value)",
    },
  );
  return object({
    preset: optional(
      oneOf(PLATFORM_PRESET_NAMES),
      "a named platform instead of switches/devices (tphlab run --platforms)",
    ),
    rootPortCompleter: optional(
      list(oneOf(["none", "tph", "ext"] as const)),
      "TPH Completer Supported of Root Port 0, 1, ... (default: host.rootPortCompleter for every one)",
    ),
    rootPorts: optional(
      integer({ min: 1, max: 31 }),
      "Root Ports of the root complex (default: as many as the tree needs)",
    ),
    switches: optional(list(pswitch), "PCIe switches, each below a Root Port or another switch"),
    devices: optional(list(device), "NICs and accelerators"),
  });
}
