/**
 * pcie_tph_get_cpu_st() and the _DSM it calls (drivers/pci/tph.c): the steering tag for memory
 * attached to a CPU, from the Root Port's ACPI _DSM (PCI Firmware Spec r3.3 section 4.6.15,
 * "_DSM to Query Cache Locality TPH Features": revision 7, function 0xF).
 */

import { type AcpiObject, TPH_ST_DSM_FUNC_INDEX, TPH_ST_DSM_REVISION } from "../../hw/platform-firmware.js";
import { getBits64 } from "../../pcie/bits.js";
import { TPH } from "../../pcie/registers.js";
import {
  type AcpiHandle,
  acpiCheckDsm,
  acpiEvaluateDsm,
  acpiGetCpuUid,
  acpiHandle,
  PCI_ACPI_DSM_GUID,
} from "../acpi/acpi.js";
import { EINVAL, ENODEV } from "../errno.js";
import type { Kernel } from "../kernel.js";
import { traceHex } from "../trace.js";
import { type PciDev, pcieFindRootPort } from "./pci.js";

/** enum tph_mem_type (include/linux/pci-tph.h): volatile and persistent memory. */
export const TPH_MEM_TYPE_VM = 0;
export const TPH_MEM_TYPE_PM = 1;
const REQ_TPH_ONLY = TPH.CTRL.fields.REQ_EN.values.TPH_ONLY;
const REQ_EXT_TPH = TPH.CTRL.fields.REQ_EN.values.EXT_TPH;

/** TPH_ST_DSM_FUNC_INDEX (0xF) and the _DSM revision that defines it (7): one definition, shared with the firmware. */
export { TPH_ST_DSM_FUNC_INDEX, TPH_ST_DSM_REVISION } from "../../hw/platform-firmware.js";

/** union st_info, decoded (bit layout in linux-tph-stack.md section 1). */
export interface StInfo {
  readonly vmStValid: boolean;
  readonly vmXstValid: boolean;
  readonly vmPhIgnore: boolean;
  readonly vmSt: number;
  readonly vmXst: number;
  readonly pmStValid: boolean;
  readonly pmXstValid: boolean;
  readonly pmPhIgnore: boolean;
  readonly pmSt: number;
  readonly pmXst: number;
}

/** Decode the 64-bit st_info. */
export function decodeStInfo(v: bigint): StInfo {
  const bit = (n: number) => getBits64(v, n, n) === 1;
  return {
    vmStValid: bit(0),
    vmXstValid: bit(1),
    vmPhIgnore: bit(2),
    vmSt: getBits64(v, 15, 8),
    vmXst: getBits64(v, 31, 16),
    pmStValid: bit(32),
    pmXstValid: bit(33),
    pmPhIgnore: bit(34),
    pmSt: getBits64(v, 47, 40),
    pmXst: getBits64(v, 63, 48),
  };
}

/**
 * tph_extract_tag(): TPH_ONLY -> the 8-bit tag of the memory type, EXT_TPH -> the 16-bit one, when
 * its valid bit is set; every other case (disabled, reserved type 2, not valid) -> 0. ph_ignore unused.
 */
export function tphExtractTag(memType: number, reqType: number, info: StInfo): number {
  const pm = memType === TPH_MEM_TYPE_PM;
  if (memType !== TPH_MEM_TYPE_VM && !pm) return 0;
  if (reqType === REQ_TPH_ONLY) {
    if (pm ? info.pmStValid : info.vmStValid) return pm ? info.pmSt : info.vmSt;
  } else if (reqType === REQ_EXT_TPH) {
    if (pm ? info.pmXstValid : info.vmXstValid) return pm ? info.pmXst : info.vmXst;
  }
  return 0;
}

/**
 * tph_invoke_dsm(): check the _DSM implements function 0xF at revision 7, call it with
 * { feature 0 (processor cache), the Processor UID, properties 0 }, and read the result's first
 * 8 bytes as a little-endian u64. A non-buffer result is a failure. The kernel reads 8 bytes
 * without checking the length; for a shorter buffer the model reads zeros past its end and says so.
 */
function tphInvokeDsm(
  k: Kernel,
  handle: AcpiHandle | undefined,
  uid: number,
): { ok: boolean; info: bigint; note?: string } {
  const fail = (note: string) => ({ ok: false, info: 0n, note });
  if (!acpiCheckDsm(k, handle, PCI_ACPI_DSM_GUID, TPH_ST_DSM_REVISION, 1 << TPH_ST_DSM_FUNC_INDEX)) {
    return fail("_DSM function 0xF not implemented");
  }
  const int = (value: number): AcpiObject => ({ type: "integer", value: BigInt(value) });
  const argv4: AcpiObject = { type: "package", elements: [int(0), int(uid), int(0)] };
  const out = acpiEvaluateDsm(
    k,
    handle,
    PCI_ACPI_DSM_GUID,
    TPH_ST_DSM_REVISION,
    TPH_ST_DSM_FUNC_INDEX,
    argv4,
  );
  if (!out) return fail("_DSM evaluation failed");
  if (out.type !== "buffer") return fail(`_DSM returned ${out.type}, not a buffer`);
  let info = 0n;
  out.bytes.slice(0, 8).forEach((b, i) => {
    info |= BigInt(b) << BigInt(8 * i);
  });
  const short = out.bytes.length < 8 ? `buffer of ${out.bytes.length} bytes read as 8` : undefined;
  return short === undefined ? { ok: true, info } : { ok: true, info, note: short };
}

/**
 * pcie_tph_get_cpu_st() - steering tag for `memType` memory attached to logical CPU `cpu`.
 * Order (drivers/pci/tph.c after "PCI/TPH: take a logical CPU", April 2026): acpi_get_cpu_uid()
 * first (its error returned); then -ENODEV only when the Root Port (or its bus or the bus's
 * bridge) is missing; the _DSM is evaluated on ACPI_HANDLE(rp->bus->bridge), the host bridge, and
 * a missing handle fails there like any _DSM failure: tag 0, -EINVAL. Else the tag for the
 * device's requester type (0 when not valid), success.
 */
export function pcieTphGetCpuSt(
  k: Kernel,
  pdev: PciDev,
  memType: number,
  cpu: number,
): { ret: number; tag: number } {
  const fn = "pcie_tph_get_cpu_st";
  const dev = pdev.name;
  const args = {
    mem_type: memType === TPH_MEM_TYPE_PM ? "pm" : memType === TPH_MEM_TYPE_VM ? "vm" : memType,
    cpu,
  };
  const { ret, uid } = acpiGetCpuUid(k, cpu);
  if (ret) return { ret: k.trace.ret(fn, { dev, args, note: "cpu >= nr_cpu_ids" }, ret), tag: 0 };
  const rp = pcieFindRootPort(k, pdev);
  if (!rp) return { ret: k.trace.ret(fn, { dev, args, note: "no Root Port" }, -ENODEV), tag: 0 };
  const handle = acpiHandle(k, rp);
  const dsm = handle ? tphInvokeDsm(k, handle, uid) : { ok: false, info: 0n, note: "no ACPI handle" };
  const withUid = { ...args, uid };
  if (!dsm.ok) return { ret: k.trace.ret(fn, { dev, args: withUid, note: dsm.note ?? "" }, -EINVAL), tag: 0 };
  const tag = tphExtractTag(memType, pdev.tphReqType, decodeStInfo(dsm.info));
  const fields = {
    dev,
    args: { ...withUid, st_info: dsm.info, req_type: pdev.tphReqType, tag: traceHex(tag) },
  };
  k.trace.emit(fn, dsm.note === undefined ? { ...fields, ret: 0 } : { ...fields, ret: 0, note: dsm.note });
  return { ret: 0, tag };
}
