/**
 * The accelerator (the VFIO-owned device) as a completer: BAR memory backed by HBM, an ingress
 * cache split into way partitions (./cache.ts), and the owner-programmed table ST -> (partition,
 * in-flight operation), one per namespace (8-bit ST, 16-bit Extended ST). The owner's table
 * arrives through setStTable(); every TLP is judged with the table of the moment it lands.
 *
 * Writes: the hint picks the partition; PH decides allocate or bypass (params.phAllocate); no TH
 * and unknown tags take params.noHint / params.unknownTag. Reads (MRd): the ST selects the
 * partition looked up first (read cache selection); a line found in another partition costs
 * remotePartitionPenaltyNs; a miss reads HBM. Completions leave in request order.
 * Namespace on the wire: a TLP with the TPH prefix is looked up in the 16-bit table, one without
 * it in the 8-bit table; a completer without Extended TPH support ignores the prefix's ST[15:8].
 */
import { inputError } from "../../base/errors.js";
import { PM } from "../../pcie/registers.js";
import type { Int32Source } from "../../sim/arena.js";
import type { Simulator } from "../../sim/engine.js";
import type { PciFunction } from "../pci-function.js";
import { KIND_CPLD, KIND_MWR, MAX_TLPS } from "./batches.js";
import { WayCache } from "./cache.js";
import { type ConsumeCost, type ConsumerStats, Consumers, type ConsumeWork } from "./consumer.js";
import type { BatchReceiver, Datapath } from "./datapath.js";
import { BYPASS, type FlowState, NONE } from "./flow-state.js";
import type { FabricParams } from "./params.js";
import { Port, psPerByteGBps } from "./port.js";
import { splitAligned } from "./split.js";

export type TagNamespace = "st8" | "st16";

/** One entry of the owner's table. */
export interface StTableEntry {
  readonly namespace: TagNamespace;
  readonly st: number;
  readonly partition: number;
  /** In-flight operation id the ingress applies (0..65535). */
  readonly op: number;
}

const UNSET = -3;

export class AcceleratorModel implements BatchReceiver, ConsumeCost {
  readonly fn: PciFunction;
  readonly barBase: number;
  readonly barSize: number;
  readonly cache: WayCache;
  /** Ingress (sink of every request route) and the HBM port the ingress uses. */
  readonly ingress: Port;
  readonly hbm: Port;
  hbmReadBytes = 0;
  hbmWriteBytes = 0;
  /** Bytes dropped because the function did not decode memory (Unsupported Request). */
  urBytes = 0;
  /** Set by resolve(): partition (BYPASS = none), in-flight op (-1 none), allocate. */
  rPart = 0;
  rOp = -1;
  rAlloc = false;
  private readonly part = [new Int32Array(256).fill(UNSET), new Int32Array(65536).fill(UNSET)];
  private readonly op = [new Int32Array(256), new Int32Array(65536)];
  private consumers: Consumers | undefined;
  /** The function decodes its BAR (re-read by refresh()). */
  private decoding = true;
  private readonly a: FabricParams["accelerator"];
  private readonly ps: (ns: number) => number = (ns) => Math.round(ns * 1000);
  private readonly cplPay = new Int32Array(MAX_TLPS);
  private readonly cplTime = new Float64Array(MAX_TLPS);

  constructor(
    fn: PciFunction,
    bar: number,
    private readonly p: FabricParams,
    private readonly dp: Datapath,
    private readonly flows: readonly FlowState[],
    arena?: Int32Source,
  ) {
    const spec = fn.bar(bar);
    if (!spec) throw inputError("accelerator.bar", `${fn.bdf} has no BAR ${bar}`, "missing-bar");
    this.fn = fn;
    this.barBase = spec.address;
    this.barSize = spec.size;
    this.a = p.accelerator;
    this.cache = new WayCache(this.a.cacheSets, this.a.partitionWays, this.a.lineBytes, arena);
    this.ingress = new Port(`${fn.bdf} ingress`, psPerByteGBps(this.a.ingressGBps));
    this.hbm = new Port(`${fn.bdf} hbm`, psPerByteGBps(this.a.hbmGBps));
  }

  /** Start consumers (needs the simulator; called once by the fabric). */
  attach(sim: Simulator): void {
    const warm = Math.round(this.p.metrics.warmupNs * 1000);
    this.consumers = new Consumers(
      sim,
      this.flows,
      this,
      warm,
      this.a.consumer.maxOutstandingLines,
      "accelerator",
    );
  }

  /** Consumer figures of flow `flow` now (undefined: none of its messages landed here). */
  consumerStats(flow: number, now: number): ConsumerStats | undefined {
    return this.consumers?.stats(flow, now);
  }

  /** Partition for unknown tags and reads without TH. */
  get defaultPartition(): number {
    return this.a.defaultPartition;
  }

  /** True when `bus` .. bus+len lies in the accelerator's memory BAR. */
  owns(bus: number, len: number): boolean {
    return bus >= this.barBase && bus + len <= this.barBase + this.barSize;
  }

  /** The owner programs its table (replaces it). InputError on bad entries. */
  setStTable(entries: readonly StTableEntry[], path = "stTable"): void {
    entries.forEach((e, i) => {
      checkEntry(e, `${path}[${i}]`, this.cache.partitions);
    });
    for (const t of this.part) t.fill(UNSET);
    for (const e of entries) {
      const ns = e.namespace === "st16" ? 1 : 0;
      this.part[ns]![e.st] = e.partition;
      this.op[ns]![e.st] = e.op;
    }
  }

  /** The owner's table as entries (for results and tests). */
  stTable(): StTableEntry[] {
    const out: StTableEntry[] = [];
    this.part.forEach((t, ns) => {
      t.forEach((p, st) => {
        if (p !== UNSET)
          out.push({ namespace: ns ? "st16" : "st8", st, partition: p, op: this.op[ns]![st]! });
      });
    });
    return out;
  }

  /** TPH Completer Supported (DevCap2): 0 none, 1 TPH only, 3 TPH and Extended TPH. */
  completer(): number {
    return this.fn.spec.tphCompleter;
  }

  /**
   * Re-read the function's decode state (Memory Space Enable, power state): the kernel changes it
   * only from timeline callbacks, after which the fabric calls this.
   */
  refresh(): void {
    this.decoding = this.fn.memoryEnabled() && this.fn.powerState() !== PM.CTRL.fields.STATE.values.D3HOT;
  }

  /** What a write with these hints does: sets rPart, rOp, rAlloc. `wide` = the TPH prefix is present. */
  resolve(th: boolean, st: number, wide: boolean, ph: number): void {
    const comp = this.completer();
    if (!th || comp === 0) {
      this.policy(this.a.noHint);
      return;
    }
    const ns = wide && comp === 3 ? 1 : 0;
    const p = this.part[ns]![ns ? st : st & 0xff]!;
    if (p === UNSET) {
      this.policy(this.a.unknownTag);
      return;
    }
    this.rPart = p;
    this.rOp = this.op[ns]![ns ? st : st & 0xff]!;
    this.rAlloc = this.a.phAllocate[ph] ?? false;
  }

  /** The steering the owner means by publishing `tag` in `ns` (null: nothing published). */
  intent(ns: TagNamespace, tag: number | null): { part: number; op: number } {
    if (tag === null) this.resolve(false, 0, false, 0);
    else this.resolve(true, tag, ns === "st16", 2);
    return { part: this.rPart, op: this.rOp };
  }

  onBatch(slot: number): void {
    if (this.dp.batches.kind[slot] === KIND_MWR) this.write(slot);
    else this.read(slot);
  }

  private policy(which: "bypass" | "default-partition"): void {
    this.rPart = which === "bypass" ? BYPASS : this.a.defaultPartition;
    this.rOp = -1;
    this.rAlloc = which !== "bypass";
  }

  private write(slot: number): void {
    const b = this.dp.batches;
    const f = this.flows[b.flow[slot]!]!;
    const bytes = b.bytes[slot]!;
    const lastDep = b.time[slot * MAX_TLPS + b.count[slot]! - 1]!;
    if (!this.decoding) {
      this.unsupported(slot, f, bytes);
      return;
    }
    this.resolve(b.th[slot] === 1, b.st[slot]!, b.prefix[slot] === 1, b.ph[slot]!);
    const part = this.rPart;
    const alloc = this.rAlloc && part >= 0;
    const line = this.cache.lineBytes;
    const off = b.addr[slot]! - this.barBase;
    const first = Math.floor(off / line);
    const n = Math.floor((off + bytes - 1) / line) - first + 1;
    let toHbm = n * line;
    let writeBack = 0;
    if (part < 0) this.cache.invalidateRange(first, n);
    else {
      this.cache.writeRange(first, n, part, alloc, true);
      toHbm = alloc ? 0 : this.cache.rMiss * line;
      writeBack = this.cache.rDirty * line;
    }
    let landed = lastDep + this.ps(this.a.ingressLatencyNs);
    if (toHbm + writeBack > 0) {
      const done = this.hbm.offer(lastDep, toHbm + writeBack, this.hbm.svc(toHbm + writeBack));
      this.hbmWriteBytes += toHbm + writeBack;
      if (toHbm > 0) landed = Math.max(landed, done + this.ps(this.a.hbmWriteLatencyNs));
    }
    this.judge(f, slot, bytes, part);
    this.land(f, slot, bytes, landed);
  }

  /** Misdirected (hinted, but not where the owner means) or unsteered (no hint where one was meant). */
  private judge(f: FlowState, slot: number, bytes: number, part: number): void {
    const s = f.snap!;
    if (s.intendedPart === NONE) return;
    const b = this.dp.batches;
    if (b.th[slot] === 1 && this.completer() !== 0) {
      if (part !== s.intendedPart || this.rOp !== s.intendedOp) f.misdirected += bytes;
    } else if (s.intendedPart >= 0) {
      f.unsteered += bytes;
      f.unsteeredTlps += b.count[slot]!;
    }
  }

  private land(f: FlowState, slot: number, bytes: number, landed: number): void {
    const b = this.dp.batches;
    const seq = b.msg[slot]!;
    f.landed += bytes;
    if (this.dp.tracing) this.dp.trace("land", landed, this.fn.bdf, slot, -1, bytes);
    const i = f.at(seq);
    if (f.land(seq, bytes, landed) && this.consumers) {
      this.consumers.landed(f, f.mLanded[i]!, f.mBus[i]! - this.barBase, f.mSize[i]!);
    }
    b.release(slot);
  }

  private unsupported(slot: number, f: FlowState, bytes: number): void {
    this.urBytes += bytes;
    if (this.dp.tracing) this.dp.trace("lost", this.dp.now, this.fn.bdf, slot, -1, bytes);
    f.drop(this.dp.batches.msg[slot]!, bytes, this.dp.now);
    this.dp.batches.release(slot);
  }

  /** MRd batch: data ready per request (in order), then the batch becomes its completions. */
  private read(slot: number): void {
    const b = this.dp.batches;
    const n = b.count[slot]!;
    const base = slot * MAX_TLPS;
    const ur = !this.decoding;
    this.resolve(b.th[slot] === 1, b.st[slot]!, b.prefix[slot] === 1, b.ph[slot]!);
    const first = this.rPart >= 0 ? this.rPart : this.a.defaultPartition;
    let addr = b.addr[slot]!;
    let ready = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const len = b.pay[base + i]!;
      const arr = b.time[base + i]!;
      const t = ur ? arr : this.readReady(addr - this.barBase, len, first, arr);
      if (t > ready) ready = t;
      const from = m;
      m = ur ? this.urCompletion(m) : splitAligned(addr, len, this.p.link.mps, this.cplPay, m, MAX_TLPS);
      for (let k = from; k < m; k++) this.cplTime[k] = ready;
      addr += len;
    }
    this.toCompletions(slot, n, m, ur);
  }

  /** Time the data of one request is ready (lookups now; in-order handled by the caller). */
  private readReady(off: number, len: number, part: number, arr: number): number {
    const line = this.cache.lineBytes;
    const first = Math.floor(off / line);
    this.cache.readRange(first, Math.floor((off + len - 1) / line) - first + 1, part, false);
    const remote = this.cache.rRemote;
    const miss = this.cache.rMiss;
    const lookup = arr + this.ps(this.a.readHitLatencyNs);
    let t = lookup + (remote > 0 ? this.ps(this.a.remotePartitionPenaltyNs) : 0);
    if (miss > 0) {
      const bytes = miss * line;
      this.hbmReadBytes += bytes;
      const done = this.hbm.offer(lookup, bytes, this.hbm.svc(bytes)) + this.ps(this.a.hbmReadLatencyNs);
      if (done > t) t = done;
    }
    return t;
  }

  private urCompletion(m: number): number {
    this.cplPay[m] = 0;
    return m + 1;
  }

  private toCompletions(slot: number, nReq: number, nCpl: number, ur: boolean): void {
    const b = this.dp.batches;
    const base = slot * MAX_TLPS;
    for (let k = 0; k < nCpl; k++) {
      b.pay[base + k] = this.cplPay[k]!;
      b.time[base + k] = this.cplTime[k]!;
    }
    if (ur) this.urBytes += b.bytes[slot]!;
    b.status[slot] = ur ? 1 : 0;
    b.kind[slot] = KIND_CPLD;
    b.tags[slot] = nReq;
    b.count[slot] = nCpl;
    b.route[slot] = this.dp.routes.completionOf(b.route[slot]!);
    this.dp.send(slot);
  }

  /**
   * Consumer read cost (lookups in its partition first, misses from HBM, filled into it). Misses
   * stream at hbmNsPerLine, or at maxOutstandingLines per hbmLatencyNs when that is slower.
   */
  consumeCost(f: FlowState, addr: number, size: number, w: ConsumeWork): void {
    const c = this.a.consumer;
    const part = f.snap!.consumerPart;
    const line = this.cache.lineBytes;
    const first = Math.floor(addr / line);
    const n = Math.floor((addr + size - 1) / line) - first + 1;
    const cache = this.cache;
    cache.readRange(first, n, part, true);
    this.hbmReadBytes += cache.rMiss * line;
    f.consumedLocal += cache.rHits;
    f.consumedRemote += cache.rRemote;
    f.consumedMiss += cache.rMiss;
    const missNs = Math.max(c.hbmNsPerLine, c.hbmLatencyNs / c.maxOutstandingLines);
    w.busy = this.ps(
      c.startNs + cache.rHits * c.localNsPerLine + cache.rRemote * c.remoteNsPerLine + cache.rMiss * missNs,
    );
    w.latency = cache.rMiss > 0 ? this.ps(c.hbmLatencyNs) : 0;
    w.lines = n;
  }
}

function checkEntry(e: StTableEntry, path: string, partitions: number): void {
  if (e.namespace !== "st8" && e.namespace !== "st16")
    throw inputError(`${path}.namespace`, "must be st8 or st16");
  const max = e.namespace === "st16" ? 0xffff : 0xff;
  if (!Number.isInteger(e.st) || e.st < 0 || e.st > max)
    throw inputError(`${path}.st`, `must be an integer in 0..${max}`);
  if (!Number.isInteger(e.partition) || e.partition < -1 || e.partition >= partitions) {
    throw inputError(`${path}.partition`, `must be -1 (bypass) or a partition 0..${partitions - 1}`);
  }
  if (!Number.isInteger(e.op) || e.op < -1 || e.op > 0xffff)
    throw inputError(`${path}.op`, "must be -1 (none) or 0..65535");
}
