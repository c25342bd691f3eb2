/**
 * Named platforms (issue 10), as data a scenario can name with `platform: { preset: NAME }`.
 * The link of each is the scenario's default link unless the preset sets one.
 *
 * - switch, root-complex: the two machines of `topology: switch | root-complex`.
 * - ai-server-8x8: an AI server's PCIe side: 8 RDMA NICs and 8 accelerators under 4 switches, each
 *   switch with 2 NICs and 2 accelerators; 2 switches per Root Port, 2 Root Ports. A Root Port has
 *   one link, so the second switch of each Root Port hangs below the first (a cascade, as when two
 *   switch chips share one CPU x16 port); the first switch's uplink carries both switches' host traffic.
 * - two-level: one Root Port, a fan-out switch, and two leaf switches with a NIC and an
 *   accelerator each: P2P between leaves crosses the fan-out switch but not the root complex.
 */
import type { PlatformDevice, PlatformSwitch } from "./platform.js";

export interface PlatformPreset {
  readonly description: string;
  readonly rootPorts?: number;
  readonly switches: readonly PlatformSwitch[];
  readonly devices: readonly PlatformDevice[];
}

function aiServer8x8(): PlatformPreset {
  const switches: PlatformSwitch[] = [];
  const devices: PlatformDevice[] = [];
  for (let s = 0; s < 4; s++) {
    const rp = Math.floor(s / 2);
    switches.push({ name: `sw${s}`, upstream: s % 2 === 0 ? `rc:${rp}` : `sw${s - 1}` });
    for (let j = 0; j < 2; j++) {
      const i = 2 * s + j;
      devices.push({ name: `nic${i}`, kind: "nic", at: `sw${s}` });
      devices.push({ name: `acc${i}`, kind: "accelerator", at: `sw${s}` });
    }
  }
  return {
    description:
      "8 NICs and 8 accelerators under 4 switches (2 of each per switch), 2 switches per Root Port, 2 Root Ports",
    rootPorts: 2,
    switches,
    devices,
  };
}

export const PLATFORM_PRESETS = {
  switch: {
    description: "a NIC and an accelerator below one PCIe switch (topology: switch)",
    switches: [{ name: "sw0", upstream: "rc:0" }],
    devices: [
      { name: "nic0", kind: "nic", at: "sw0" },
      { name: "acc0", kind: "accelerator", at: "sw0" },
    ],
  },
  "root-complex": {
    description:
      "a NIC and an accelerator on two Root Ports; P2P crosses the root complex (topology: root-complex)",
    switches: [],
    devices: [
      { name: "nic0", kind: "nic", at: "rc:0" },
      { name: "acc0", kind: "accelerator", at: "rc:1" },
    ],
  },
  "ai-server-8x8": aiServer8x8(),
  "two-level": {
    description: "a fan-out switch with two leaf switches, a NIC and an accelerator on each leaf",
    switches: [
      { name: "sw0", upstream: "rc:0" },
      { name: "sw1", upstream: "sw0" },
      { name: "sw2", upstream: "sw0" },
    ],
    devices: [
      { name: "nic0", kind: "nic", at: "sw1" },
      { name: "acc0", kind: "accelerator", at: "sw1" },
      { name: "nic1", kind: "nic", at: "sw2" },
      { name: "acc1", kind: "accelerator", at: "sw2" },
    ],
  },
} as const satisfies Record<string, PlatformPreset>;

export type PlatformPresetName = keyof typeof PLATFORM_PRESETS;
export const PLATFORM_PRESET_NAMES = Object.keys(PLATFORM_PRESETS) as PlatformPresetName[];
