/**
 * The host behind the root complex: the memory path for device TLPs, an LLC with DDIO (device
 * writes allocate in 2 of its ways, calibration.md), per-CPU L2 caches and TPH cache injection.
 * A write whose steering tag is a CPU's tag from the platform firmware's _DSM (the DMAH path of
 * series.md) is injected into that CPU's L2, as AMD's TPH injection targets the consuming core's
 * L2; PH is ignored (firmware may report ph_ignore). Device reads see the LLC (560 ns round trip
 * when hit, 600 ns cold, through params.host.llcLatencyNs / dramLatencyNs); completions leave in
 * request order.
 */
import { inputError } from "../../base/errors.js";
import type { Int32Source } from "../../sim/arena.js";
import type { Simulator } from "../../sim/engine.js";
import { parseBdf } from "../pci-function-desc.js";
import { encodeStInfo, type PlatformFirmwareDesc } from "../platform-firmware.js";
import { KIND_CPLD, KIND_MWR, MAX_TLPS } from "./batches.js";
import { type LookupStats, MISS, WayCache } from "./cache.js";
import { type ConsumeCost, type ConsumerStats, Consumers, type ConsumeWork } from "./consumer.js";
import type { BatchReceiver, Datapath } from "./datapath.js";
import { type FlowState, NONE } from "./flow-state.js";
import type { FabricParams } from "./params.js";
import { Port, psPerByteGBps } from "./port.js";
import { splitAligned } from "./split.js";

/** A CPU's steering tags (8-bit and 16-bit namespaces) as firmware reports them. */
export interface CpuTag {
  readonly cpu: number;
  readonly st8?: number;
  readonly st16?: number;
}

export interface HostStats {
  readonly injectedLines: number;
  /** Consumer reads served by the CPU's own L2 (data injected there by TPH). */
  readonly injectionHits: number;
  readonly llcHits: number;
  readonly llcMisses: number;
  readonly dramReadBytes: number;
  readonly dramWriteBytes: number;
  /** The CPUs' L2 caches together: injected lines (write path) and consumer loads (read path). */
  readonly l2: { readonly write: LookupStats; readonly read: LookupStats };
}

export class HostModel implements BatchReceiver, ConsumeCost {
  readonly memory: Port;
  readonly llc: WayCache;
  private readonly l2: (WayCache | undefined)[] = [];
  private readonly cpuOf = [new Int32Array(256).fill(-1), new Int32Array(65536).fill(-1)];
  private consumers: Consumers | undefined;
  private readonly h: FabricParams["host"];
  private readonly cplPay = new Int32Array(MAX_TLPS);
  private readonly cplTime = new Float64Array(MAX_TLPS);
  private injected = 0;
  private injectionHits = 0;
  private llcHits = 0;
  private llcMisses = 0;
  private dramRead = 0;
  private dramWrite = 0;

  constructor(
    private readonly p: FabricParams,
    private readonly dp: Datapath,
    private readonly flows: readonly FlowState[],
    /** TPH Completer Supported of the root complex (the root port's DevCap2). */
    private readonly completer: () => number,
    tags: readonly CpuTag[],
    /** Where the caches' arrays come from (a sweep worker reuses them across runs). */
    private readonly arena?: Int32Source,
  ) {
    this.h = p.host;
    this.memory = new Port("host memory", psPerByteGBps(this.h.memoryGBps));
    const rest = this.h.llcWays - this.h.ddioWays;
    this.llc = new WayCache(
      this.h.llcSets,
      rest > 0 ? [this.h.ddioWays, rest] : [this.h.ddioWays],
      this.h.lineBytes,
      arena,
    );
    for (const t of tags) {
      if (t.st8 !== undefined && this.cpuOf[0]![t.st8] === -1) this.cpuOf[0]![t.st8] = t.cpu;
      if (t.st16 !== undefined && this.cpuOf[1]![t.st16] === -1) this.cpuOf[1]![t.st16] = t.cpu;
    }
  }

  /** Give the caches' arrays back (see Fabric.release()). */
  release(): void {
    this.llc.release();
    for (const c of this.l2) c?.release();
  }

  attach(sim: Simulator): void {
    const warm = Math.round(this.p.metrics.warmupNs * 1000);
    this.consumers = new Consumers(sim, this.flows, this, warm, this.h.consumer.maxOutstandingLines, "host");
  }

  /** Consumer figures of flow `flow` now (undefined: none of its messages landed here). */
  consumerStats(flow: number, now: number): ConsumerStats | undefined {
    return this.consumers?.stats(flow, now);
  }

  /** The CPU a write with these hints is injected into, or -1. */
  targetCpu(th: boolean, st: number, wide: boolean): number {
    const comp = this.completer();
    if (!th || comp === 0) return -1;
    const ns = wide && comp === 3 ? 1 : 0;
    return this.cpuOf[ns]![ns ? st : st & 0xff]!;
  }

  onBatch(slot: number): void {
    if (this.dp.batches.kind[slot] === KIND_MWR) this.write(slot);
    else this.read(slot);
  }

  stats(): HostStats {
    return {
      injectedLines: this.injected,
      injectionHits: this.injectionHits,
      llcHits: this.llcHits,
      llcMisses: this.llcMisses,
      dramReadBytes: this.dramRead,
      dramWriteBytes: this.dramWrite,
      l2: { write: this.l2Sum("write"), read: this.l2Sum("read") },
    };
  }

  resetStats(): void {
    this.injected = this.injectionHits = this.llcHits = this.llcMisses = this.dramRead = this.dramWrite = 0;
    for (const c of this.l2) c?.resetStats();
  }

  private l2Sum(path: "write" | "read"): LookupStats {
    let hits = 0;
    let remoteHits = 0;
    let misses = 0;
    for (const c of this.l2) {
      const s = c?.stats(0)[path];
      if (!s) continue;
      hits += s.hits;
      remoteHits += s.remoteHits;
      misses += s.misses;
    }
    return { hits, remoteHits, misses };
  }

  private cache(cpu: number): WayCache {
    let c = this.l2[cpu];
    if (!c) {
      c = new WayCache(this.h.l2Sets, [this.h.l2Ways], this.h.lineBytes, this.arena);
      this.l2[cpu] = c;
    }
    return c;
  }

  private write(slot: number): void {
    const b = this.dp.batches;
    const f = this.flows[b.flow[slot]!]!;
    const bytes = b.bytes[slot]!;
    const cpu = this.targetCpu(b.th[slot] === 1, b.st[slot]!, b.prefix[slot] === 1);
    const line = this.h.lineBytes;
    const addr = b.addr[slot]!;
    const first = Math.floor(addr / line);
    const n = Math.floor((addr + bytes - 1) / line) - first + 1;
    this.dropCopies(first, n, cpu);
    if (cpu >= 0) {
      const c = this.cache(cpu);
      c.writeRange(first, n, 0, true, true);
      this.dramWrite += c.rDirty * line;
      this.injected += n;
    } else if (this.h.ddio) {
      this.llc.writeRange(first, n, 0, true, false);
      this.dramWrite += this.llc.rDirty * line;
    } else {
      this.dramWrite += n * line;
    }
    const s = f.snap!;
    if (s.intendedCpu !== NONE) {
      if (b.th[slot] === 1 && cpu !== s.intendedCpu) f.misdirected += bytes;
      else if (b.th[slot] !== 1 && s.intendedCpu >= 0) {
        f.unsteered += bytes;
        f.unsteeredTlps += b.count[slot]!;
      }
    }
    const landed = b.time[slot * MAX_TLPS + b.count[slot]! - 1]!;
    f.landed += bytes;
    if (this.dp.tracing) this.dp.trace("land", landed, "host", slot, -1, bytes);
    const i = f.at(b.msg[slot]!);
    if (f.land(b.msg[slot]!, bytes, landed) && this.consumers) {
      this.consumers.landed(f, f.mLanded[i]!, f.mBus[i]!, f.mSize[i]!);
    }
    b.release(slot);
  }

  /** A device write makes other cached copies stale: drop them (keep the target CPU's L2). */
  private dropCopies(first: number, n: number, keepCpu: number): void {
    for (let c = 0; c < this.l2.length; c++) if (c !== keepCpu) this.l2[c]?.invalidateRange(first, n);
    if (keepCpu >= 0 || !this.h.ddio) this.llc.invalidateRange(first, n);
  }

  private read(slot: number): void {
    const b = this.dp.batches;
    const n = b.count[slot]!;
    const base = slot * MAX_TLPS;
    const line = this.h.lineBytes;
    let addr = b.addr[slot]!;
    let ready = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const len = b.pay[base + i]!;
      let miss = false;
      for (let l = Math.floor(addr / line), end = Math.floor((addr + len - 1) / line); l <= end; l++) {
        if (this.cachedAnywhere(l)) this.llcHits++;
        else {
          miss = true;
          this.llcMisses++;
          this.dramRead += line;
        }
      }
      const t = b.time[base + i]! + Math.round((miss ? this.h.dramLatencyNs : this.h.llcLatencyNs) * 1000);
      if (t > ready) ready = t;
      const from = m;
      m = splitAligned(addr, len, this.p.link.mps, this.cplPay, m, MAX_TLPS);
      for (let k = from; k < m; k++) this.cplTime[k] = ready;
      addr += len;
    }
    for (let k = 0; k < m; k++) {
      b.pay[base + k] = this.cplPay[k]!;
      b.time[base + k] = this.cplTime[k]!;
    }
    b.kind[slot] = KIND_CPLD;
    b.tags[slot] = n;
    b.count[slot] = m;
    b.route[slot] = this.dp.routes.completionOf(b.route[slot]!);
    this.dp.send(slot);
  }

  private cachedAnywhere(line: number): boolean {
    if (this.llc.read(line, 0, false) !== MISS) return true;
    for (const c of this.l2) if (c && c.find(line) >= 0) return true;
    return false;
  }

  /**
   * A CPU reads a landed message: its own L2 (where TPH injected it), else the LLC, else DRAM
   * (a line in another CPU's L2 counts as DRAM: device writes leave no such copies). DRAM lines
   * stream at dramNsPerLine, or at maxOutstandingLines per dramLatencyNs when that is slower.
   */
  consumeCost(f: FlowState, addr: number, size: number, w: ConsumeWork): void {
    const c = this.h.consumer;
    const l2 = this.cache(f.snap!.consumerCpu);
    const line = this.h.lineBytes;
    const first = Math.floor(addr / line);
    const n = Math.floor((addr + size - 1) / line) - first + 1;
    this.llc.readRange(first, n, 1 % this.llc.partitions, false);
    const inLlc = this.llc.rHits + this.llc.rRemote;
    l2.readRange(first, n, 0, true);
    const own = l2.rHits;
    const dram = Math.max(0, n - own - inLlc);
    this.injectionHits += own;
    this.dramRead += dram * line;
    f.consumedLocal += own;
    f.consumedRemote += n - own - dram;
    f.consumedMiss += dram;
    const dramNs = Math.max(c.dramNsPerLine, c.dramLatencyNs / c.maxOutstandingLines);
    const ns = c.startNs + own * c.l2NsPerLine + (n - own - dram) * c.llcNsPerLine + dram * dramNs;
    w.busy = Math.round(ns * 1000);
    w.latency = dram > 0 ? Math.round(c.dramLatencyNs * 1000) : 0;
    w.lines = n;
  }
}

/** The CPUs' steering tags reported by the _DSM of `rootPort` (st_info valid bits honoured). */
export function cpuTagsFromFirmware(
  fw: PlatformFirmwareDesc | undefined,
  rootPort: string,
  cpus: number,
): CpuTag[] {
  const rp = Object.entries(fw?.rootPorts ?? {}).find(
    ([bdf]) => parseBdf(bdf, "firmware.rootPorts").name === rootPort,
  )?.[1];
  if (!rp || rp.fail !== undefined) return [];
  const out: CpuTag[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const uid = fw?.cpuUids?.[cpu] ?? cpu;
    const d = rp.stInfo?.[String(uid)];
    if (d === undefined) continue;
    const v = stInfoBits(d, `firmware.rootPorts.${rootPort}.stInfo.${uid}`);
    // Volatile-memory half (bits 31:0): bit 0 st valid, 1 xst valid, 15:8 st, 31:16 xst.
    const st8 = v & 1n ? Number((v >> 8n) & 0xffn) : undefined;
    const st16 = v & 2n ? Number((v >> 16n) & 0xffffn) : undefined;
    if (st8 !== undefined || st16 !== undefined) {
      out.push({ cpu, ...(st8 === undefined ? {} : { st8 }), ...(st16 === undefined ? {} : { st16 }) });
    }
  }
  return out;
}

function stInfoBits(d: unknown, path: string): bigint {
  if (typeof d === "object" && d !== null) return encodeStInfo(d);
  if (
    (typeof d === "number" && Number.isSafeInteger(d) && d >= 0) ||
    (typeof d === "string" && /^(0x[0-9a-f]+|\d+)$/i.test(d))
  ) {
    return BigInt(d);
  }
  throw inputError(path, `st_info must be a 64-bit unsigned value, got ${JSON.stringify(d)}`);
}
