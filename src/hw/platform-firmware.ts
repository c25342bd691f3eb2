/**
 * The platform firmware's ACPI side as the kernel sees it: which host bridges have an ACPI companion
 * (handle), the logical CPU -> ACPI Processor UID map, and each host bridge's PCI _DSM answering
 * function 0 (supported functions) and function 0xF, "Query Cache Locality TPH Features"
 * (PCI Firmware Specification 3.3 ECN "TPH _DSM"; revision 7), with a 64-bit st_info per UID.
 *
 * st_info layout (linux-tph-stack.md section 1): bit 0 vm_st_valid, 1 vm_xst_valid, 2 vm_ph_ignore,
 * 15:8 vm_st, 31:16 vm_xst; bit 32 pm_st_valid, 33 pm_xst_valid, 34 pm_ph_ignore, 47:40 pm_st,
 * 63:48 pm_xst. The _DSM can be made to fail in each way the kernel distinguishes.
 */
import { inputError } from "../base/errors.js";
import { parseBdf } from "./pci-function-desc.js";

/** E5C937D0-3553-4D7A-9117-EA4D19C3434D, the PCI _DSM GUID (drivers/pci/pci-acpi.c). */
export const PCI_ACPI_DSM_GUID = "e5c937d0-3553-4d7a-9117-ea4d19c3434d";
/** Function index of the TPH steering-tag query (TPH_ST_DSM_FUNC_INDEX). */
export const TPH_ST_DSM_FUNC_INDEX = 0xf;
/** _DSM revision that defines function 0xF. */
export const TPH_ST_DSM_REVISION = 7;

/** The ACPI objects a _DSM takes and returns. */
export type AcpiObject =
  | { readonly type: "integer"; readonly value: bigint }
  | { readonly type: "buffer"; readonly bytes: Uint8Array }
  | { readonly type: "package"; readonly elements: readonly AcpiObject[] };

/** One half (volatile or persistent memory) of st_info; a tag given means its valid bit is set. */
export interface StInfoHalf {
  readonly st?: number;
  readonly xst?: number;
  readonly phIgnore?: boolean;
}
export interface StInfoFields {
  readonly vm?: StInfoHalf;
  readonly pm?: StInfoHalf;
}
/** st_info as fields, as a raw number, or as a "0x..." string (JSON cannot hold a 64-bit number). */
export type StInfoDesc = StInfoFields | number | string;

/** How the _DSM misbehaves: no _DSM / no function 0xF (acpi_check_dsm fails), NULL result, wrong type, short buffer. */
export const DSM_FAILURES = ["no-dsm", "no-func", "null", "not-buffer", "short-buffer"] as const;
export type DsmFailure = (typeof DSM_FAILURES)[number];

export interface RootPortFirmwareDesc {
  /** st_info by ACPI Processor UID (decimal keys); UIDs not listed answer 0 (nothing valid). */
  readonly stInfo?: Readonly<Record<string, StInfoDesc>>;
  readonly fail?: DsmFailure;
}
export interface PlatformFirmwareDesc {
  /** ACPI Processor UID of each logical CPU (index = CPU); default UID = CPU number. */
  readonly cpuUids?: readonly number[];
  /**
   * The _DSM seen by each listed Root Port (by bdf). The kernel evaluates it on the host bridge
   * above the Root Port's bus (ACPI_HANDLE(rp->bus->bridge)), so Root Ports on one root bus share
   * one object: they must describe it identically. A host bridge with no listed Root Port has no
   * ACPI companion.
   */
  readonly rootPorts?: Readonly<Record<string, RootPortFirmwareDesc>>;
}

/** One _DSM evaluation as the firmware saw it (for tests and traces). */
export interface DsmCall {
  /** The host bridge whose ACPI object was evaluated ("pci0000:00"). */
  readonly hostBridge: string;
  readonly guid: string;
  readonly rev: number;
  readonly func: number;
  readonly args: readonly bigint[];
}

/** Compose a 64-bit st_info from fields (valid bits set for each tag given). */
export function encodeStInfo(f: StInfoFields): bigint {
  const half = (h: StInfoHalf | undefined): bigint => {
    if (!h) return 0n;
    let v = 0n;
    if (h.st !== undefined) v |= 1n | (BigInt(h.st & 0xff) << 8n);
    if (h.xst !== undefined) v |= 2n | (BigInt(h.xst & 0xffff) << 16n);
    if (h.phIgnore) v |= 4n;
    return v;
  };
  return half(f.vm) | (half(f.pm) << 32n);
}

function stInfoValue(d: StInfoDesc, path: string): bigint {
  if (typeof d === "object") return encodeStInfo(d);
  const ok = typeof d === "number" ? Number.isSafeInteger(d) && d >= 0 : /^(0x[0-9a-f]{1,16}|\d+)$/i.test(d);
  if (!ok) throw inputError(path, `st_info must be a 64-bit unsigned value, got ${JSON.stringify(d)}`);
  const v = BigInt(d);
  if (v >= 1n << 64n) throw inputError(path, "st_info wider than 64 bits");
  return v;
}

function u64le(v: bigint, len = 8): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The host bridge above a root bus: "pci<domain>:<bus>" (its sysfs name). */
export function hostBridgeName(a: { readonly domain: number; readonly bus: number }): string {
  return `pci${a.domain.toString(16).padStart(4, "0")}:${a.bus.toString(16).padStart(2, "0")}`;
}

function sameFirmware(a: RootPortFirmware, b: RootPortFirmware): boolean {
  if (a.fail !== b.fail || a.stInfo.size !== b.stInfo.size) return false;
  return [...a.stInfo].every(([uid, v]) => b.stInfo.get(uid) === v);
}

interface RootPortFirmware {
  readonly stInfo: ReadonlyMap<number, bigint>;
  readonly fail: DsmFailure | undefined;
}

export class PlatformFirmware {
  /** Every _DSM evaluation, oldest first. */
  readonly dsmCalls: DsmCall[] = [];
  private readonly cpuUids: readonly number[];
  private readonly rps = new Map<string, RootPortFirmware>();

  constructor(desc: PlatformFirmwareDesc = {}, path = "firmware") {
    this.cpuUids = (desc.cpuUids ?? []).map((u, i) => {
      if (!Number.isSafeInteger(u) || u < 0 || u > 0xffffffff)
        throw inputError(`${path}.cpuUids[${i}]`, "must be a u32");
      return u;
    });
    for (const [bdf, rp] of Object.entries(desc.rootPorts ?? {})) {
      const p = `${path}.rootPorts.${bdf}`;
      if (rp.fail !== undefined && !DSM_FAILURES.includes(rp.fail)) {
        throw inputError(`${p}.fail`, `must be one of ${DSM_FAILURES.join(", ")}`);
      }
      const table = new Map<number, bigint>();
      for (const [uid, v] of Object.entries(rp.stInfo ?? {})) {
        if (!/^\d+$/.test(uid)) throw inputError(`${p}.stInfo.${uid}`, "keys are decimal Processor UIDs");
        table.set(Number(uid), stInfoValue(v, `${p}.stInfo.${uid}`));
      }
      const hb = hostBridgeName(parseBdf(bdf, p));
      const entry = { stInfo: table, fail: rp.fail };
      const prior = this.rps.get(hb);
      if (prior && !sameFirmware(prior, entry)) {
        throw inputError(p, `describes host bridge ${hb}'s _DSM differently from another Root Port on it`);
      }
      this.rps.set(hb, entry);
    }
  }

  /** ACPI_HANDLE() of a host bridge ("pci0000:00"): present when the firmware describes it. */
  hasAcpiHandle(hostBridge: string): boolean {
    return this.rps.has(hostBridge);
  }
  /** ACPI Processor UID of logical CPU `cpu` (the MADT's UID; default: the CPU number). */
  cpuUid(cpu: number): number {
    return this.cpuUids[cpu] ?? cpu;
  }
  /** Change how a host bridge's _DSM answers (tests, scenarios); undefined = works. */
  setFailure(hostBridge: string, fail: DsmFailure | undefined): void {
    const rp = this.rps.get(hostBridge);
    if (rp) this.rps.set(hostBridge, { ...rp, fail });
  }

  /** Evaluate _DSM(guid, rev, func, arg3) on a host bridge's ACPI companion; null = evaluation failed. */
  evaluateDsm(
    hostBridge: string,
    guid: string,
    rev: number,
    func: number,
    arg3?: AcpiObject,
  ): AcpiObject | null {
    const args =
      arg3?.type === "package" ? arg3.elements.map((e) => (e.type === "integer" ? e.value : -1n)) : [];
    this.dsmCalls.push({ hostBridge, guid, rev, func, args });
    const rp = this.rps.get(hostBridge);
    if (!rp || rp.fail === "no-dsm" || guid.toLowerCase() !== PCI_ACPI_DSM_GUID) return null;
    if (func === 0) {
      // Function 0: bitmap of supported functions for this revision (bit 0 = any supported).
      const fnF = rp.fail !== "no-func" && rev >= TPH_ST_DSM_REVISION ? 1 << TPH_ST_DSM_FUNC_INDEX : 0;
      return { type: "buffer", bytes: u64le(BigInt(1 | fnF), 2) };
    }
    if (func !== TPH_ST_DSM_FUNC_INDEX || rp.fail === "no-func" || rev < TPH_ST_DSM_REVISION) return null;
    if (rp.fail === "null") return null;
    const [feature = -1n, uid = -1n] = args;
    // Feature 0 is the processor cache; others are reserved and answer "nothing valid".
    const info = feature === 0n ? (rp.stInfo.get(Number(uid)) ?? 0n) : 0n;
    if (rp.fail === "not-buffer") return { type: "integer", value: info };
    return { type: "buffer", bytes: u64le(info, rp.fail === "short-buffer" ? 4 : 8) };
  }
}
