/**
 * The ACPI glue the TPH code uses (drivers/acpi/utils.c acpi_evaluate_dsm()/acpi_check_dsm(),
 * ACPI_HANDLE(), acpi_get_cpu_uid()). The firmware side is src/hw/platform-firmware.ts.
 */
import { type AcpiObject, hostBridgeName } from "../../hw/platform-firmware.js";
import { EINVAL } from "../errno.js";
import type { Kernel } from "../kernel.js";
import type { PciDev } from "../pci/pci.js";

export { PCI_ACPI_DSM_GUID } from "../../hw/platform-firmware.js";

/** An ACPI namespace object the kernel holds: here, the companion of one host bridge. */
export interface AcpiHandle {
  readonly hostBridge: string;
}

/**
 * ACPI_HANDLE(rp->bus->bridge): the companion of the host bridge above the Root Port's bus (not of
 * the Root Port itself), undefined without one. The model's Root Ports sit on a root bus, so
 * rp->bus->bridge always exists.
 */
export function acpiHandle(k: Kernel, rp: PciDev): AcpiHandle | undefined {
  const hostBridge = hostBridgeName(rp.fn.spec);
  return k.firmware.hasAcpiHandle(hostBridge) ? { hostBridge } : undefined;
}

/**
 * acpi_evaluate_dsm(): the returned object, or null when evaluation failed. A NULL handle fails
 * before reaching firmware (acpi_evaluate_object() refuses a relative path without a parent).
 */
export function acpiEvaluateDsm(
  k: Kernel,
  handle: AcpiHandle | undefined,
  guid: string,
  rev: number,
  func: number,
  argv4?: AcpiObject,
): AcpiObject | null {
  if (!handle) {
    k.trace.emit("acpi_evaluate_dsm", { args: { rev, func, result: "null" }, note: "no ACPI handle" });
    return null;
  }
  const out = k.firmware.evaluateDsm(handle.hostBridge, guid, rev, func, argv4);
  k.trace.emit("acpi_evaluate_dsm", {
    dev: handle.hostBridge,
    args: { rev, func, result: out === null ? "null" : out.type },
  });
  return out;
}

/** acpi_check_dsm(): function 0 must return a buffer whose bit 0 and every bit of `funcs` are set. */
export function acpiCheckDsm(
  k: Kernel,
  handle: AcpiHandle | undefined,
  guid: string,
  rev: number,
  funcs: number,
): boolean {
  const obj = acpiEvaluateDsm(k, handle, guid, rev, 0);
  if (obj?.type !== "buffer" || obj.bytes.length === 0) return false;
  let mask = 0n;
  obj.bytes.slice(0, 8).forEach((b, i) => {
    mask |= BigInt(b) << BigInt(8 * i);
  });
  const want = BigInt(funcs);
  return (mask & 1n) === 1n && (want === 0n || (mask & want) === want);
}

/** acpi_get_cpu_uid(): the ACPI Processor UID of logical CPU `cpu`; -EINVAL when cpu >= nr_cpu_ids. */
export function acpiGetCpuUid(k: Kernel, cpu: number): { ret: number; uid: number } {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= k.nrCpuIds) return { ret: -EINVAL, uid: 0 };
  return { ret: 0, uid: k.firmware.cpuUid(cpu) };
}
