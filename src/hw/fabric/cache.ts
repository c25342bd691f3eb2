/**
 * A set-associative, way-partitioned cache with LRU replacement, in typed arrays (no objects per
 * line). Partition i owns a contiguous group of ways in every set, as Intel CAT and DDIO do
 * (DDIO's 2 LLC ways, calibration.md), so a partition's capacity is ways x sets x line and its
 * associativity is its way count. A line lives in at most one way of its set, whatever the
 * partition, so lookups see every copy and no coherence bookkeeping is needed.
 *
 * Lines are numbered by address / lineBytes; the set is line mod sets and the stored tag is
 * line / sets (an int32, so addresses up to 2^(31 + log2(sets x line)) bytes). Tags and LRU stamps
 * of a set sit next to each other in one Int32Array (two 64-byte host cache lines for 16 ways),
 * which keeps the model's own memory traffic low. The range operations (consecutive lines: a TLP, a message) step the set index instead
 * of dividing per line and report what happened in the r* fields, so the hot paths make one call
 * per TLP batch or message.
 */
import { ModelError } from "../../base/errors.js";

/** Outcome of a single-line lookup: absent, present in the asked partition, present in another. */
export const MISS = 0;
export const HIT_LOCAL = 1;
export const HIT_REMOTE = 2;

export interface PartitionStats {
  readonly ways: number;
  readonly capacityBytes: number;
  readonly hits: number;
  readonly remoteHits: number;
  readonly misses: number;
  readonly allocations: number;
  readonly evictions: number;
  readonly dirtyEvictions: number;
}

const HITS = 0;
const REMOTE = 1;
const MISSES = 2;
const ALLOCS = 3;
const EVICTS = 4;
const DIRTY_EVICTS = 5;
const STATS = 6;

export class WayCache {
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
  readonly partitionWays: readonly number[];
  /** Results of the last range call: lines hit in the asked partition, in another, absent, and dirty lines evicted. */
  rHits = 0;
  rRemote = 0;
  rMiss = 0;
  rDirty = 0;
  private readonly partFirst: Int32Array;
  private readonly partCount: Int32Array;
  private readonly wayPart: Int32Array;
  /** Per set: `ways` tags (-1 = invalid) then `ways` LRU stamps. */
  private readonly meta: Int32Array;
  /** Per set: bit masks of the valid ways 0..31 and 32..63 (lookups test valid ways only). */
  private readonly valid: Int32Array;
  private readonly dirty: Uint8Array;
  private clock = 0;
  /** Allocations and evictions of the range call in progress (added to the stats by finish()). */
  private allocs = 0;
  private evicts = 0;
  private readonly st: Float64Array;

  constructor(sets: number, partitionWays: readonly number[], lineBytes: number) {
    const ways = partitionWays.reduce((a, b) => a + b, 0);
    if (
      !(
        Number.isInteger(sets) &&
        sets >= 1 &&
        ways >= 1 &&
        ways <= 64 &&
        lineBytes >= 1 &&
        partitionWays.every((w) => w >= 1)
      )
    ) {
      throw new ModelError(
        `bad cache geometry: ${sets} sets, ways ${partitionWays.join("+")}, line ${lineBytes}`,
      );
    }
    this.sets = sets;
    this.ways = ways;
    this.lineBytes = lineBytes;
    this.partitionWays = [...partitionWays];
    this.partFirst = new Int32Array(partitionWays.length);
    this.partCount = new Int32Array(partitionWays.length);
    this.wayPart = new Int32Array(ways);
    let w = 0;
    partitionWays.forEach((n, p) => {
      this.partFirst[p] = w;
      this.partCount[p] = n;
      for (let i = 0; i < n; i++) this.wayPart[w++] = p;
    });
    this.meta = new Int32Array(sets * ways * 2);
    for (let set = 0; set < sets; set++) this.meta.fill(-1, set * 2 * ways, set * 2 * ways + ways);
    this.dirty = new Uint8Array(sets * ways);
    this.valid = new Int32Array(sets * 2);
    this.st = new Float64Array(partitionWays.length * STATS);
  }

  get partitions(): number {
    return this.partCount.length;
  }

  /** Slot (set * ways + way) holding `line`, or -1. */
  find(line: number): number {
    const set = line % this.sets;
    const s = this.slotIn(set, set * 2 * this.ways, tagOf(line, this.sets));
    return s < 0 ? -1 : set * this.ways + (s - set * 2 * this.ways);
  }

  /** Partition of the way holding `slot` (as returned by find()). */
  partitionOf(slot: number): number {
    return this.wayPart[slot % this.ways]!;
  }

  /**
   * Writes of `n` lines from `first`, hinted to partition `p`. Present in p: updated (hit).
   * Present elsewhere: moved into p when `allocate && move`, else updated in place (DDIO's
   * write-update). Absent: allocated in p (dirty) when `allocate`, else left to memory (rMiss
   * counts them). Sets rHits, rRemote, rMiss, rDirty.
   */
  writeRange(first: number, n: number, p: number, allocate: boolean, move: boolean): void {
    const ways = this.ways;
    const sets = this.sets;
    let set = first % sets;
    let tag = tagOf(first, sets);
    let hits = 0;
    let remote = 0;
    let miss = 0;
    this.rDirty = 0;
    for (let k = 0; k < n; k++) {
      const base = set * 2 * ways;
      const s = this.slotIn(set, base, tag);
      if (s >= 0) {
        const local = this.wayPart[s - base] === p;
        if (local || !(allocate && move)) this.touch(base, s, set, 1);
        else {
          this.drop(set, s - base); // re-homed: the data moves with the line, no write-back
          this.install(base, set, tag, p, 1);
        }
        if (local) hits++;
        else remote++;
      } else {
        miss++;
        if (allocate) this.install(base, set, tag, p, 1);
      }
      if (++set === sets) {
        set = 0;
        tag++;
      }
    }
    this.finish(p, hits, remote, miss);
  }

  /** Reads of `n` lines from `first`, looking in partition `p` first; misses fill p when `fill`. */
  readRange(first: number, n: number, p: number, fill: boolean): void {
    const ways = this.ways;
    const sets = this.sets;
    let set = first % sets;
    let tag = tagOf(first, sets);
    let hits = 0;
    let remote = 0;
    let miss = 0;
    this.rDirty = 0;
    for (let k = 0; k < n; k++) {
      const base = set * 2 * ways;
      const s = this.slotIn(set, base, tag);
      if (s >= 0) {
        this.meta[s + ways] = this.tick();
        if (this.wayPart[s - base] === p) hits++;
        else remote++;
      } else {
        miss++;
        if (fill) this.install(base, set, tag, p, 0);
      }
      if (++set === sets) {
        set = 0;
        tag++;
      }
    }
    this.finish(p, hits, remote, miss);
  }

  /** Drop `n` lines from `first` wherever they are (a write elsewhere made them stale). */
  invalidateRange(first: number, n: number): void {
    const sets = this.sets;
    let set = first % sets;
    let tag = tagOf(first, sets);
    for (let k = 0; k < n; k++) {
      const base = set * 2 * this.ways;
      const s = this.slotIn(set, base, tag);
      if (s >= 0) this.drop(set, s - base);
      if (++set === sets) {
        set = 0;
        tag++;
      }
    }
  }

  /** Single-line write (see writeRange); returns MISS / HIT_LOCAL / HIT_REMOTE. */
  write(line: number, p: number, allocate: boolean, move: boolean): number {
    this.writeRange(line, 1, p, allocate, move);
    return this.rHits ? HIT_LOCAL : this.rRemote ? HIT_REMOTE : MISS;
  }

  /** Single-line read (see readRange). */
  read(line: number, p: number, fill: boolean): number {
    this.readRange(line, 1, p, fill);
    return this.rHits ? HIT_LOCAL : this.rRemote ? HIT_REMOTE : MISS;
  }

  invalidate(line: number): boolean {
    const present = this.find(line) >= 0;
    this.invalidateRange(line, 1);
    return present;
  }

  /** Valid lines in partition p (O(size): for invariants and tests, not the hot path). */
  occupancy(p: number): number {
    let n = 0;
    const first = this.partFirst[p]!;
    const last = first + this.partCount[p]!;
    for (let set = 0; set < this.sets; set++) {
      const base = set * 2 * this.ways;
      for (let w = first; w < last; w++) if (this.meta[base + w]! >= 0) n++;
    }
    return n;
  }

  stats(p: number): PartitionStats {
    const o = p * STATS;
    const st = this.st;
    return {
      ways: this.partCount[p]!,
      capacityBytes: this.partCount[p]! * this.sets * this.lineBytes,
      hits: st[o + HITS]!,
      remoteHits: st[o + REMOTE]!,
      misses: st[o + MISSES]!,
      allocations: st[o + ALLOCS]!,
      evictions: st[o + EVICTS]!,
      dirtyEvictions: st[o + DIRTY_EVICTS]!,
    };
  }

  /** Zero the counters (end of warm-up); contents are kept. */
  resetStats(): void {
    this.st.fill(0);
  }

  /** Meta index of the way of set `set` (meta index `base`) holding `tag`, or -1. */
  private slotIn(set: number, base: number, tag: number): number {
    const meta = this.meta;
    let m = this.valid[2 * set]!;
    while (m !== 0) {
      const low = m & -m;
      const i = base + 31 - Math.clz32(low);
      if (meta[i] === tag) return i;
      m ^= low;
    }
    if (this.ways <= 32) return -1;
    m = this.valid[2 * set + 1]!;
    while (m !== 0) {
      const low = m & -m;
      const i = base + 63 - Math.clz32(low);
      if (meta[i] === tag) return i;
      m ^= low;
    }
    return -1;
  }

  /** Invalidate way `w` of set `set`. */
  private drop(set: number, w: number): void {
    this.meta[set * 2 * this.ways + w] = -1;
    this.dirty[set * this.ways + w] = 0;
    const v = 2 * set + (w >> 5);
    this.valid[v] = this.valid[v]! & ~(1 << (w & 31));
  }

  private touch(base: number, s: number, set: number, dirty: number): void {
    this.meta[s + this.ways] = this.tick();
    if (dirty) this.dirty[set * this.ways + (s - base)] = 1;
  }

  /** Next LRU stamp; stamps are renumbered (order kept) before they leave int32. */
  private tick(): number {
    if (this.clock === 0x7fffffff) this.renumber();
    return ++this.clock;
  }

  private renumber(): void {
    const ways = this.ways;
    for (let set = 0; set < this.sets; set++) {
      const base = set * 2 * ways + ways;
      const order = Array.from({ length: ways }, (_, w) => w).sort(
        (a, b) => this.meta[base + a]! - this.meta[base + b]!,
      );
      order.forEach((w, rank) => {
        this.meta[base + w] = rank;
      });
    }
    this.clock = ways;
  }

  private finish(p: number, hits: number, remote: number, miss: number): void {
    const o = p * STATS;
    const st = this.st;
    st[o + HITS] = st[o + HITS]! + hits;
    st[o + REMOTE] = st[o + REMOTE]! + remote;
    st[o + MISSES] = st[o + MISSES]! + miss;
    st[o + ALLOCS] = st[o + ALLOCS]! + this.allocs;
    st[o + EVICTS] = st[o + EVICTS]! + this.evicts;
    st[o + DIRTY_EVICTS] = st[o + DIRTY_EVICTS]! + this.rDirty;
    this.allocs = 0;
    this.evicts = 0;
    this.rHits = hits;
    this.rRemote = remote;
    this.rMiss = miss;
  }

  /** Put `tag` in partition p's LRU (or an invalid) way of the set at meta index `base`. */
  private install(base: number, set: number, tag: number, p: number, dirty: number): void {
    const meta = this.meta;
    const ways = this.ways;
    const first = base + this.partFirst[p]!;
    const end = first + this.partCount[p]!;
    let victim = first;
    let oldest = 0x7fffffff;
    for (let i = first; i < end; i++) {
      if (meta[i]! < 0) {
        victim = i;
        break;
      }
      if (meta[i + ways]! < oldest) {
        oldest = meta[i + ways]!;
        victim = i;
      }
    }
    const d = set * ways + (victim - base);
    if (meta[victim]! >= 0) {
      this.evicts++;
      if (this.dirty[d]) this.rDirty++;
    }
    meta[victim] = tag;
    meta[victim + ways] = this.tick();
    const w = victim - base;
    const v = 2 * set + (w >> 5);
    this.valid[v] = this.valid[v]! | (1 << (w & 31));
    this.dirty[d] = dirty;
    this.allocs++;
  }
}

/** The tag stored for `line`: its quotient by the set count (an int32 below 2^31). */
function tagOf(line: number, sets: number): number {
  const t = Math.floor(line / sets);
  if (t > 0x7fffffff) throw new ModelError(`cache line ${line} beyond the modelled address range`);
  return t;
}
