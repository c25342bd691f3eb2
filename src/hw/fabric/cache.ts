/**
 * A set-associative, way-partitioned cache with LRU replacement, in typed arrays (no objects per
 * line). Partition i owns a contiguous group of ways in every set, as Intel CAT and DDIO do
 * (DDIO's 2 LLC ways, calibration.md), so a partition's capacity is ways x sets x line and its
 * associativity is its way count. A line lives in at most one way of its set, whatever the
 * partition, so lookups see every copy and no coherence bookkeeping is needed.
 *
 * Lines are numbered by address / lineBytes; the set is line mod sets and the tag is line / sets,
 * stored plus one (an int32, so addresses below 2^(31 + log2(sets x line)) bytes). Every field
 * is zero when a set is empty (stored tag 0 = invalid way, bound 0, ring empty with none used),
 * so a new cache is a zero-filled array: nothing walks it at construction, and the pages of sets a
 * run never touches are never touched at all (a sweep builds tens of MiB of caches per second).
 * Replacement takes the partition's lowest invalid way, else its least recently used line.
 *
 * Lookups and replacement avoid walking a set's ways where they can (a 16-way set walked way by
 * way costs more than the rest of a line's work), without changing what they find: each set
 * remembers the way it used last (a read often follows the write of the line) and an upper bound
 * of its tags (streaming writes bring ever higher tags: above the bound = absent; a full walk makes
 * the bound exact again), and each (set, partition) keeps its valid ways on a ring in recency
 * order (the most recent's predecessor is the victim; replacing it only rotates the ring).
 * Otherwise a lookup walks the set's valid ways (bit masks). The range operations (consecutive
 * lines: a TLP, a message) step the set instead of dividing per line and report what happened in
 * the r* fields, so the hot paths make one call per TLP batch or message.
 */
import { ModelError } from "../../base/errors.js";
import type { Int32Source } from "../../sim/arena.js";

/** Outcome of a single-line lookup: absent, present in the asked partition, present in another. */
export const MISS = 0;
export const HIT_LOCAL = 1;
export const HIT_REMOTE = 2;

/** Lookups of one kind: found in the asked partition, found in another, absent. */
export interface LookupStats {
  readonly hits: number;
  readonly remoteHits: number;
  readonly misses: number;
}

export interface PartitionStats {
  readonly ways: number;
  readonly capacityBytes: number;
  /** Every lookup (write path + read path). */
  readonly hits: number;
  readonly remoteHits: number;
  readonly misses: number;
  /** Writes arriving (device writes, injection), and reads (device reads, consumers). */
  readonly write: LookupStats;
  readonly read: LookupStats;
  readonly allocations: number;
  readonly evictions: number;
  readonly dirtyEvictions: number;
}

/** Range operations (a write installs dirty lines, a read clean ones: OP_WRITE = 1 = dirty). */
const OP_READ = 0;
const OP_WRITE = 1;
const OP_INVALIDATE = 2;

/**
 * A set's record in `rec` (int32s): masks of the valid ways 0..31 and 32..63, the way used last,
 * then per partition its ring (most recent way + 1, 0 = empty; valid ways), then per way its
 * tag + 1 (0: invalid), then per way its links (the ways before and after it in recency order, the
 * ring closing from the least recent back to the most recent; dirty). One record per set keeps a
 * line's work in a few host cache lines.
 */
const VALID = 0;
const LAST = 2;
const LISTS = 3;
const LINK_MASK = 0xff;
const NEXT_SHIFT = 8;
const DIRTY_BIT = 0x10000;
const HEAD_MASK = 0xff;
const USED_SHIFT = 16;

const HITS = 0;
const REMOTE = 1;
const MISSES = 2;
const ALLOCS = 3;
const EVICTS = 4;
const DIRTY_EVICTS = 5;
/** Write-path hits, remote hits, misses; the read path's follow. */
const W_HITS = 6;
const R_HITS = 9;
const STATS = 12;

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
  private readonly parts: number;
  private readonly partFirst: Int32Array;
  private readonly partCount: Int32Array;
  private readonly wayPart: Int32Array;
  /** The sets' records (see VALID .. USED_SHIFT), `stride` int32s each: tags at +tagAt, links at +linkAt. */
  private readonly rec: Int32Array;
  private readonly stride: number;
  private readonly tagAt: number;
  private readonly linkAt: number;
  /** Per set, dense (the first thing a lookup reads): an upper bound of its stored tags, 0 when empty. */
  private readonly bound: Int32Array;
  /** Allocations and evictions of the range call in progress (added to the stats by finish()). */
  private allocs = 0;
  private evicts = 0;
  private readonly st: Float64Array;
  /** Valid lines per partition (kept as lines come and go; the tests hold it to a full count). */
  private readonly valid: Int32Array;

  /** Where the big arrays come from and go back to (release()); fresh arrays without one. */
  private readonly arena: Int32Source | undefined;

  constructor(sets: number, partitionWays: readonly number[], lineBytes: number, arena?: Int32Source) {
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
    const parts = partitionWays.length;
    this.parts = parts;
    this.partFirst = new Int32Array(parts);
    this.partCount = new Int32Array(parts);
    this.wayPart = new Int32Array(ways);
    let w = 0;
    partitionWays.forEach((n, p) => {
      this.partFirst[p] = w;
      this.partCount[p] = n;
      for (let i = 0; i < n; i++) this.wayPart[w++] = p;
    });
    this.tagAt = LISTS + parts;
    this.linkAt = this.tagAt + ways;
    this.stride = this.linkAt + ways;
    this.arena = arena;
    this.rec = arena ? arena.take(sets * this.stride) : new Int32Array(sets * this.stride);
    this.bound = arena ? arena.take(sets) : new Int32Array(sets);
    this.st = new Float64Array(parts * STATS);
    this.valid = new Int32Array(parts);
  }

  /**
   * Give the arrays back to the arena, cleared (the run is over: the cache must not be used
   * again). Only sets with a bound were ever written (a set whose last line left is all zero
   * again, drop()), so a run that touched a few sets clears a few records, not megabytes.
   */
  release(): void {
    const arena = this.arena;
    if (!arena) return;
    const { rec, bound, stride } = this;
    for (let set = 0; set < this.sets; set++) {
      if (bound[set] === 0) continue;
      rec.fill(0, set * stride, (set + 1) * stride);
      bound[set] = 0;
    }
    arena.give(rec);
    arena.give(bound);
  }

  get partitions(): number {
    return this.parts;
  }

  /** Slot (set * ways + way) holding `line`, or -1. */
  find(line: number): number {
    const set = line % this.sets;
    const w = this.wayOf(set * this.stride, set, storedTag(line, this.sets));
    return w < 0 ? -1 : set * this.ways + w;
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
    this.range(OP_WRITE, first, n, p, allocate, allocate && move);
  }

  /** Reads of `n` lines from `first`, looking in partition `p` first; misses fill p when `fill`. */
  readRange(first: number, n: number, p: number, fill: boolean): void {
    this.range(OP_READ, first, n, p, fill, false);
  }

  /** Drop `n` lines from `first` wherever they are (a write elsewhere made them stale). */
  invalidateRange(first: number, n: number): void {
    this.range(OP_INVALIDATE, first, n, 0, false, false);
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

  /** Valid lines in partition p. */
  occupancy(p: number): number {
    return this.valid[p]!;
  }

  /** Valid lines in partition p counted way by way (O(size): a check of occupancy() for tests). */
  countValid(p: number): number {
    let n = 0;
    const first = this.partFirst[p]!;
    const last = first + this.partCount[p]!;
    for (let set = 0; set < this.sets; set++) {
      const t = set * this.stride + this.tagAt;
      for (let w = first; w < last; w++) if (this.rec[t + w]! !== 0) n++;
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
      write: { hits: st[o + W_HITS]!, remoteHits: st[o + W_HITS + 1]!, misses: st[o + W_HITS + 2]! },
      read: { hits: st[o + R_HITS]!, remoteHits: st[o + R_HITS + 1]!, misses: st[o + R_HITS + 2]! },
      allocations: st[o + ALLOCS]!,
      evictions: st[o + EVICTS]!,
      dirtyEvictions: st[o + DIRTY_EVICTS]!,
    };
  }

  /** Zero the counters (end of warm-up); contents are kept. */
  resetStats(): void {
    this.st.fill(0);
  }

  /**
   * The one loop over consecutive lines (sets stepped, not divided): look each line up, then apply
   * `op`. `allocate`: misses are installed in p; `move`: a write found in another partition moves
   * to p (re-homed: the data moves with the line, no write-back).
   */
  private range(op: number, first: number, n: number, p: number, allocate: boolean, move: boolean): void {
    const sets = this.sets;
    const stride = this.stride;
    let set = first % sets;
    let tag = storedTag(first, sets);
    let r = set * stride;
    let hits = 0;
    let remote = 0;
    let miss = 0;
    if (op !== OP_INVALIDATE) this.rDirty = 0;
    for (let k = 0; k < n; k++) {
      const w = this.wayOf(r, set, tag);
      if (op === OP_INVALIDATE) {
        if (w >= 0) this.drop(r, w);
      } else if (w < 0) {
        miss++;
        if (allocate) this.install(r, set, tag, p, op);
      } else {
        const local = this.wayPart[w] === p;
        if (local) hits++;
        else remote++;
        if (move && !local) {
          this.drop(r, w);
          this.install(r, set, tag, p, 1);
        } else {
          this.touch(r, w);
          const l = r + this.linkAt + w;
          if (op === OP_WRITE) this.rec[l] = this.rec[l]! | DIRTY_BIT;
        }
      }
      if (++set === sets) {
        set = 0;
        r = 0;
        tag++;
      } else r += stride;
    }
    if (op !== OP_INVALIDATE) this.finish(p, hits, remote, miss, op === OP_WRITE ? W_HITS : R_HITS);
  }

  /** Way of set `set` (record at `r`) holding stored tag `tag`, or -1. */
  private wayOf(r: number, set: number, tag: number): number {
    const rec = this.rec;
    if (tag > this.bound[set]!) return -1;
    const last = rec[r + LAST]!;
    const tags = r + this.tagAt;
    if (rec[tags + last] === tag) return last; // an invalid way's 0 never equals a stored tag
    // Walk the valid ways; when the tag is absent, the walk gives the exact bound.
    let bound = 0;
    for (let half = 0; half < 2; half++) {
      let m = rec[r + VALID + half]!;
      while (m !== 0) {
        const low = m & -m;
        const w = 32 * half + 31 - Math.clz32(low);
        const t = rec[tags + w]!;
        if (t === tag) return w;
        if (t > bound) bound = t;
        m ^= low;
      }
    }
    this.bound[set] = bound;
    return -1;
  }

  /** Make way `w` the most recent of its partition. */
  private touch(r: number, w: number): void {
    const rec = this.rec;
    rec[r + LAST] = w;
    const lp = r + LISTS + this.wayPart[w]!;
    const h = (rec[lp]! & HEAD_MASK) - 1;
    if (h === w) return;
    const links = r + this.linkAt;
    // The least recent (the head's predecessor on the ring) becomes the most recent by rotation.
    if ((rec[links + h]! & LINK_MASK) !== w) {
      this.unlink(links, w);
      this.linkBefore(links, h, w);
    }
    rec[lp] = (rec[lp]! & ~HEAD_MASK) | (w + 1);
  }

  /** Take way `w` out of its ring (not the only member, not needing a new head: see drop()). */
  private unlink(links: number, w: number): void {
    const rec = this.rec;
    const l = rec[links + w]!;
    const pr = l & LINK_MASK;
    const nx = (l >> NEXT_SHIFT) & LINK_MASK;
    rec[links + pr] = (rec[links + pr]! & ~(LINK_MASK << NEXT_SHIFT)) | (nx << NEXT_SHIFT);
    rec[links + nx] = (rec[links + nx]! & ~LINK_MASK) | pr;
  }

  /** Put way `w` on the ring just before way `h` (keeps w's dirty bit). */
  private linkBefore(links: number, h: number, w: number): void {
    const rec = this.rec;
    const t = rec[links + h]! & LINK_MASK;
    rec[links + t] = (rec[links + t]! & ~(LINK_MASK << NEXT_SHIFT)) | (w << NEXT_SHIFT);
    rec[links + w] = (rec[links + w]! & DIRTY_BIT) | t | (h << NEXT_SHIFT);
    rec[links + h] = (rec[links + h]! & ~LINK_MASK) | w;
  }

  /** Invalidate way `w` (the tag bound stays an upper bound). */
  private drop(r: number, w: number): void {
    const rec = this.rec;
    const lp = r + LISTS + this.wayPart[w]!;
    const links = r + this.linkAt;
    const nx = (rec[links + w]! >> NEXT_SHIFT) & LINK_MASK;
    let head = rec[lp]! & HEAD_MASK;
    if (nx === w)
      head = 0; // the ring's only member
    else {
      this.unlink(links, w);
      if (head === w + 1) head = nx + 1;
    }
    rec[lp] = ((rec[lp]! & ~HEAD_MASK) | head) - (1 << USED_SHIFT);
    const p = this.wayPart[w]!;
    this.valid[p] = this.valid[p]! - 1;
    rec[r + this.tagAt + w] = 0;
    rec[links + w] = 0;
    const v = r + VALID + (w >> 5);
    rec[v] = rec[v]! & ~(1 << (w & 31));
    if ((rec[r + VALID]! | rec[r + VALID + 1]!) === 0) rec[r + LAST] = 0; // the set is as new
  }

  /**
   * Put `tag` in partition p's lowest invalid way, else in place of its least recent line (the
   * ring then only rotates: the victim becomes the most recent).
   */
  private install(r: number, set: number, tag: number, p: number, dirty: number): void {
    const rec = this.rec;
    const t = r + this.tagAt;
    const links = r + this.linkAt;
    const lp = r + LISTS + p;
    const h = (rec[lp]! & HEAD_MASK) - 1;
    let w: number;
    if (rec[lp]! >> USED_SHIFT < this.partCount[p]!) {
      w = this.partFirst[p]!;
      while (rec[t + w]! !== 0) w++;
      rec[lp] = rec[lp]! + (1 << USED_SHIFT);
      this.valid[p] = this.valid[p]! + 1;
      const v = r + VALID + (w >> 5);
      rec[v] = rec[v]! | (1 << (w & 31));
      if (h < 0) rec[links + w] = w | (w << NEXT_SHIFT);
      else this.linkBefore(links, h, w);
    } else {
      w = rec[links + h]! & LINK_MASK;
      this.evicts++;
      if (rec[links + w]! & DIRTY_BIT) this.rDirty++;
    }
    rec[t + w] = tag;
    rec[links + w] = (rec[links + w]! & ~DIRTY_BIT) | (dirty ? DIRTY_BIT : 0);
    if (tag > this.bound[set]!) this.bound[set] = tag;
    rec[r + LAST] = w;
    rec[lp] = (rec[lp]! & ~HEAD_MASK) | (w + 1);
    this.allocs++;
  }

  private finish(p: number, hits: number, remote: number, miss: number, path: number): void {
    const o = p * STATS;
    const st = this.st;
    st[o + path] = st[o + path]! + hits;
    st[o + path + 1] = st[o + path + 1]! + remote;
    st[o + path + 2] = st[o + path + 2]! + miss;
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
}

/** The tag stored for `line`: its quotient by the set count, plus one (an int32 below 2^31). */
function storedTag(line: number, sets: number): number {
  const t = Math.floor(line / sets) + 1;
  if (t > 0x7fffffff) throw new ModelError(`cache line ${line} beyond the modelled address range`);
  return t;
}
