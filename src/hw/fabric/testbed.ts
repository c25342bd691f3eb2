/**
 * Ready-made hardware for the fabric's validation tests and benchmarks: the three standard shapes
 * (NIC and accelerator behind one switch, each on its own root port, or a NIC alone for the DMAH
 * path to host memory) and firmware-level programming of the NIC (TPH Requester Control, ST table
 * entries, mkeys with a translation), standing in for what the kernel model does in scenarios.
 */
import { ModelError } from "../../base/errors.js";
import { setField } from "../../pcie/bits.js";
import { TPH } from "../../pcie/registers.js";
import { type DmaSegment, Mlx5Device, mlx5FunctionDesc } from "../mlx5/device.js";
import { MKC, MLX5_MKC_ACCESS_MODE_MTT, mkeyFromIndex, mlx5Set, newMkc } from "../mlx5/ifc.js";
import type { PciFunction } from "../pci-function.js";
import type { PciFunctionDesc } from "../pci-function-desc.js";
import { buildTopology, type Topology, type TopologyNodeDesc } from "../topology.js";

export type FabricShape = "switch" | "root-ports" | "host";

export interface TestbedOptions {
  readonly shape: FabricShape;
  /** Link generation and width of every link. Default Gen5 x16. */
  readonly gen?: number;
  readonly width?: number;
  /** The NIC can send 16-bit tags (TPH Requester Extended). Default false. */
  readonly nicExtTph?: boolean;
  /** DevCap2 TPH Completer Supported of the accelerator (default 3) and of root ports (default 3). */
  readonly accelCompleter?: 0 | 1 | 3;
  readonly rootPortCompleter?: 0 | 1 | 3;
}

export interface Testbed {
  readonly topology: Topology;
  readonly nic: Mlx5Device;
  readonly accelerator: PciFunction | undefined;
  /** Bus address of the accelerator's BAR 0 (16 GiB), and a host memory area for MRs. */
  readonly accelBar: number;
  readonly hostMemory: number;
}

/** Accelerator BAR 0 base (256 GiB) and size; NIC BAR at 128 GiB; host MRs from 8 GiB. */
const ACCEL_BAR = 0x40_0000_0000;
const ACCEL_BAR_BYTES = 16 * 2 ** 30;
const NIC_BAR = 0x20_0000_0000;
const HOST_MEMORY = 0x2_0000_0000;

/** A PCI function description for the accelerator: one 64-bit prefetchable memory BAR. */
export function acceleratorFunctionDesc(
  bdf: string,
  completer: 0 | 1 | 3,
  barAddress = ACCEL_BAR,
): PciFunctionDesc {
  return {
    bdf,
    type: "endpoint",
    vendor: 0x1ded,
    device: 0x0001,
    classCode: 0x120000,
    label: "Processing accelerator (model)",
    bars: [{ index: 0, size: ACCEL_BAR_BYTES, address: barAddress, bits64: true, prefetchable: true }],
    tphCompleter: completer,
  };
}

export function buildTestbed(o: TestbedOptions): Testbed {
  const topology = buildTopology({ devices: shapeDevices(o) });
  const nicFn = topology.get(o.shape === "switch" ? "03:00.0" : "01:00.0")!;
  const accelBdf = o.shape === "switch" ? "04:00.0" : o.shape === "root-ports" ? "02:00.0" : undefined;
  return {
    topology,
    nic: new Mlx5Device(nicFn),
    accelerator: accelBdf ? topology.get(accelBdf) : undefined,
    accelBar: ACCEL_BAR,
    hostMemory: HOST_MEMORY,
  };
}

/** The functions of each shape, parents first (bus numbers as a BIOS would assign them). */
function shapeDevices(o: TestbedOptions): TopologyNodeDesc[] {
  const link = { speed: o.gen ?? 5, width: o.width ?? 16 };
  const rpComp = o.rootPortCompleter ?? 3;
  const port = (
    bdf: string,
    type: "root-port" | "upstream-port" | "downstream-port",
    parent?: string,
  ): TopologyNodeDesc => ({
    bdf,
    type,
    vendor: 0x8086,
    device: 0x2030,
    link,
    tphCompleter: type === "root-port" ? rpComp : 0,
    ...(parent ? { parent } : {}),
  });
  const nic = (bdf: string, parent: string): TopologyNodeDesc => {
    const d = mlx5FunctionDesc({
      bdf,
      tph: { modes: ["ns", "ds"], location: "cap", tableSize: 64, ext: o.nicExtTph ?? false },
    });
    return {
      ...d,
      bars: [{ index: 0, size: 32 * 2 ** 20, address: NIC_BAR, bits64: true, prefetchable: true }],
      link,
      parent,
    };
  };
  const accel = (bdf: string, parent: string): TopologyNodeDesc => ({
    ...acceleratorFunctionDesc(bdf, o.accelCompleter ?? 3),
    link,
    parent,
  });
  if (o.shape === "switch") {
    return [
      port("00:01.0", "root-port"),
      port("01:00.0", "upstream-port", "00:01.0"),
      port("02:00.0", "downstream-port", "01:00.0"),
      port("02:01.0", "downstream-port", "01:00.0"),
      nic("03:00.0", "02:00.0"),
      accel("04:00.0", "02:01.0"),
    ];
  }
  if (o.shape === "root-ports") {
    return [
      port("00:01.0", "root-port"),
      port("00:02.0", "root-port"),
      nic("01:00.0", "00:01.0"),
      accel("02:00.0", "00:02.0"),
    ];
  }
  return [port("00:01.0", "root-port"), nic("01:00.0", "00:01.0")];
}

/** Program the NIC's TPH Requester: Device Specific mode, TPH only or Extended, ST table entries. */
export function enableNicTph(
  nic: Mlx5Device,
  ext: boolean,
  table: readonly (readonly [number, number])[] = [],
): void {
  const cap = nic.fn.caps.tph;
  const c = TPH.CTRL.fields;
  let ctrl = setField(0, c.MODE_SEL.mask, c.MODE_SEL.values.DS);
  ctrl = setField(ctrl, c.REQ_EN.mask, ext ? c.REQ_EN.values.EXT_TPH : c.REQ_EN.values.TPH_ONLY);
  nic.fn.cfg.write32(cap + TPH.CTRL.offset, ctrl);
  for (const [index, tag] of table) nic.fn.cfg.write16(cap + TPH.ST_TABLE + 2 * index, tag);
}

export interface MrOptions {
  readonly segments: readonly DmaSegment[];
  /** Remote write and read, local write (default all). */
  readonly access?: { readonly rw?: boolean; readonly rr?: boolean; readonly lw?: boolean };
  /** TPH fields of the mkey: PH and the 8-bit ST index (a tag in direct mode). */
  readonly tph?: { readonly ph: number; readonly stIndex: number };
}

/** CREATE_MKEY plus a UMR setting the translation; returns the 32-bit key. */
export function registerMr(nic: Mlx5Device, o: MrOptions): number {
  const mkc = newMkc();
  const len = o.segments.reduce((a, s) => a + s.len, 0n);
  const acc = o.access ?? {};
  mlx5Set(mkc, MKC.rw, acc.rw === false ? 0 : 1);
  mlx5Set(mkc, MKC.rr, acc.rr === false ? 0 : 1);
  mlx5Set(mkc, MKC.lw, acc.lw === false ? 0 : 1);
  mlx5Set(mkc, MKC.lr, 1);
  mlx5Set(mkc, MKC.access_mode_1_0, MLX5_MKC_ACCESS_MODE_MTT);
  mlx5Set(mkc, MKC.len, len);
  if (o.tph) {
    mlx5Set(mkc, MKC.pcie_tph_en, 1);
    mlx5Set(mkc, MKC.pcie_tph_ph, o.tph.ph);
    mlx5Set(mkc, MKC.pcie_tph_steering_tag_index, o.tph.stIndex);
  }
  const variant = 0x42;
  const { status, index } = nic.createMkey(mkc, variant);
  if (status !== 0) throw new ModelError(`CREATE_MKEY failed with status ${status}`);
  nic.umr(index, { xlt: o.segments });
  return mkeyFromIndex(index, variant);
}
