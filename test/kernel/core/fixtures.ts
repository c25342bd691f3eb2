/** Small systems for the kernel core tests: plain descriptions, booted with bootKernel(). */

import type { TphRequesterDesc } from "../../../src/hw/pci-function-desc.js";
import type { PlatformFirmwareDesc } from "../../../src/hw/platform-firmware.js";
import type { TopologyNodeDesc } from "../../../src/hw/topology.js";
import { bootKernel, type Kernel } from "../../../src/kernel/kernel.js";
import type { PciDev } from "../../../src/kernel/pci/pci.js";
import type { RevisionName } from "../../../src/kernel/revision.js";

export const RP = "0000:00:01.0";
export const NIC = "0000:03:00.0";
export const RCIEP = "0000:00:02.0";
export const ORPHAN = "0000:05:00.0";

export function rootPort(tphCompleter: 0 | 1 | 2 | 3 = 3, bdf = RP): TopologyNodeDesc {
  return { bdf, type: "root-port", vendor: 0x8086, device: 0x352a, tphCompleter };
}

/** An endpoint with a 32 MiB 64-bit BAR 0 holding a 64-vector MSI-X table at 0x2000. */
export function endpoint(
  bdf: string,
  tph: TphRequesterDesc | undefined,
  extra: Partial<TopologyNodeDesc> = {},
): TopologyNodeDesc {
  return {
    bdf,
    type: "endpoint",
    vendor: 0x15b3,
    device: 0x1021,
    classCode: 0x020000,
    bars: [{ index: 0, size: 0x2000000, address: "0xe0000000", bits64: true, prefetchable: true }],
    msix: { vectors: 64, bar: 0, offset: 0x2000 },
    ...(tph ? { tphRequester: tph } : {}),
    ...extra,
  };
}

export interface SystemOpts {
  readonly rpCompleter?: 0 | 1 | 2 | 3;
  readonly tph?: TphRequesterDesc | undefined;
  readonly revision?: RevisionName;
  readonly cmdline?: string;
  readonly firmware?: PlatformFirmwareDesc;
  readonly nrCpuIds?: number;
  readonly extraDevices?: readonly TopologyNodeDesc[];
}

export const DEFAULT_TPH: TphRequesterDesc = {
  modes: ["ns", "iv", "ds"],
  ext: true,
  location: "cap",
  tableSize: 16,
};

/** RP (completer type given) -> NIC endpoint; an RCiEP; a parentless endpoint. */
export function bootSystem(o: SystemOpts = {}): {
  k: Kernel;
  nic: PciDev;
  rp: PciDev;
  rciep: PciDev;
  orphan: PciDev;
} {
  const tph = "tph" in o ? o.tph : DEFAULT_TPH;
  const k = bootKernel({
    revision: o.revision ?? "v11",
    nrCpuIds: o.nrCpuIds ?? 8,
    cmdline: o.cmdline ?? "",
    firmware: o.firmware ?? { rootPorts: { [RP]: { stInfo: {} } } },
    topology: {
      devices: [
        rootPort(o.rpCompleter ?? 3),
        { ...endpoint(NIC, tph), parent: RP },
        { ...endpoint(RCIEP, DEFAULT_TPH), type: "rciep" },
        endpoint(ORPHAN, DEFAULT_TPH),
        ...(o.extraDevices ?? []),
      ],
    },
  });
  const dev = (bdf: string) => {
    const d = k.pciDev(bdf);
    if (!d) throw new Error(`no ${bdf}`);
    return d;
  };
  return { k, nic: dev(NIC), rp: dev(RP), rciep: dev(RCIEP), orphan: dev(ORPHAN) };
}

/** Notes of the trace events of `fn`, oldest first. */
export function notes(k: Kernel, fn: string): (string | undefined)[] {
  return k.trace.events(fn).map((e) => e.note);
}
