/** WayCache: LRU per partition, partitions as way groups, write-update vs move, invalidation, stats. */

import { describe, expect, it } from "vitest";
import { HIT_LOCAL, HIT_REMOTE, MISS, WayCache } from "../../../src/hw/fabric/cache.js";
import { Int32Arena } from "../../../src/sim/arena.js";
import { Rng } from "../../../src/sim/random.js";

describe("WayCache", () => {
  it("evicts the least recently used line of the partition, and only of that partition", () => {
    const c = new WayCache(4, [2, 1], 64); // 4 sets; partition 0 = ways 0-1, partition 1 = way 2
    // Lines 0, 4, 8 map to set 0.
    expect(c.write(0, 0, true, true)).toBe(MISS);
    expect(c.write(4, 0, true, true)).toBe(MISS);
    expect(c.read(0, 0, false)).toBe(HIT_LOCAL); // 0 is now more recent than 4
    expect(c.write(8, 0, true, true)).toBe(MISS); // evicts 4 (LRU), dirty
    expect(c.rDirty).toBe(1);
    expect(c.find(4)).toBe(-1);
    expect(c.find(0)).toBeGreaterThanOrEqual(0);
    expect(c.write(12, 1, true, true)).toBe(MISS); // partition 1 has its own way
    expect(c.find(0)).toBeGreaterThanOrEqual(0);
    expect(c.find(8)).toBeGreaterThanOrEqual(0);
    expect(c.occupancy(0)).toBe(2);
    expect(c.occupancy(1)).toBe(1);
    expect(c.stats(0)).toMatchObject({
      ways: 2,
      capacityBytes: 2 * 4 * 64,
      misses: 3,
      hits: 1,
      evictions: 1,
      dirtyEvictions: 1,
    });
  });

  it("reads see every partition: a line elsewhere is a remote hit", () => {
    const c = new WayCache(8, [2, 2], 128);
    c.write(5, 1, true, true);
    expect(c.read(5, 0, false)).toBe(HIT_REMOTE);
    expect(c.read(6, 0, true)).toBe(MISS);
    expect(c.read(6, 0, false)).toBe(HIT_LOCAL); // filled on the miss
  });

  it("a steered write moves a line to its partition; DDIO-style writes update it in place", () => {
    const c = new WayCache(8, [1, 1], 64);
    c.write(3, 0, true, true);
    expect(c.write(3, 1, true, true)).toBe(HIT_REMOTE);
    expect(c.partitionOf(c.find(3))).toBe(1);
    expect(c.write(3, 0, true, false)).toBe(HIT_REMOTE);
    expect(c.partitionOf(c.find(3))).toBe(1);
    expect(c.write(11, 0, false, true)).toBe(MISS); // no allocate: left to memory
    expect(c.find(11)).toBe(-1);
  });

  it("range operations equal the single-line ones, across the set wrap", () => {
    const a = new WayCache(16, [2, 2], 64);
    const b = new WayCache(16, [2, 2], 64);
    a.writeRange(10, 40, 1, true, true);
    for (let l = 10; l < 50; l++) b.write(l, 1, true, true);
    for (let l = 0; l < 60; l++) expect(a.find(l) >= 0).toBe(b.find(l) >= 0);
    a.readRange(30, 30, 0, false);
    expect([a.rHits, a.rRemote, a.rMiss]).toEqual([0, 20, 10]);
    a.invalidateRange(30, 30);
    expect(a.occupancy(1)).toBe(12); // of lines 10..49, LRU kept 18..49 (32 ways); 30..49 dropped
  });

  it("matches a naive LRU reference on random operations (conflicts, moves, fills, invalidation)", () => {
    const geom: [number, number[]][] = [
      [4, [2, 1]],
      [3, [1, 3, 2]],
      [2, [16]],
      [5, [40, 24]], // more than 32 ways
    ];
    for (const [sets, pw] of geom) {
      const c = new WayCache(sets, pw, 64);
      const ref = new RefCache(sets, pw);
      const rng = new Rng(sets * 7 + pw.length);
      const lines = sets * pw.reduce((a, b) => a + b, 0) * 3;
      for (let step = 0; step < 4000; step++) {
        const first = rng.below(lines);
        const n = 1 + rng.below(2 * sets + 2);
        const p = rng.below(pw.length);
        const op = rng.below(5);
        if (op === 0) {
          c.invalidateRange(first, n);
          ref.range("inv", first, n, p, false, false);
          continue;
        }
        const [a, m] = [rng.chance(0.8), rng.chance(0.5)];
        if (op <= 2) c.writeRange(first, n, p, a, m);
        else c.readRange(first, n, p, a);
        const r = ref.range(op <= 2 ? "write" : "read", first, n, p, a, op <= 2 && a && m);
        expect([c.rHits, c.rRemote, c.rMiss, c.rDirty], `${sets} sets, step ${step}`).toEqual(r);
      }
      for (let l = 0; l < lines; l++)
        expect(c.find(l) >= 0 ? c.partitionOf(c.find(l)) : -1).toBe(ref.where(l));
      pw.forEach((_, p) => {
        expect(c.occupancy(p)).toBe(ref.occupancy(p));
        expect(c.countValid(p)).toBe(ref.occupancy(p));
        expect(c.stats(p)).toMatchObject(ref.stats[p]!);
      });
    }
  });

  it("gives its arrays back to the arena all zero, whatever the run did (invalidations included)", () => {
    const arena = new Int32Arena();
    const rng = new Rng(5);
    for (const [sets, pw] of [
      [64, [2, 6]],
      [7, [40, 24]],
    ] as [number, number[]][]) {
      const c = new WayCache(sets, pw, 64, arena);
      for (let step = 0; step < 3000; step++) {
        const first = rng.below(sets * 200);
        const n = 1 + rng.below(3 * sets);
        if (rng.chance(0.3)) c.invalidateRange(first, n);
        else c.writeRange(first, n, rng.below(pw.length), true, rng.chance(0.5));
      }
      c.release();
      const ways = pw.reduce((a, b) => a + b, 0);
      const rec = arena.take(sets * (3 + pw.length + 2 * ways));
      const bound = arena.take(sets);
      expect(rec.every((x) => x === 0)).toBe(true);
      expect(bound.every((x) => x === 0)).toBe(true);
    }
  });
});

/** The documented semantics written plainly: a list per set of {line, partition, dirty, last use}. */
class RefCache {
  private readonly content: { line: number; p: number; dirty: boolean; used: number }[][];
  private clock = 0;
  readonly stats: {
    hits: number;
    remoteHits: number;
    misses: number;
    allocations: number;
    evictions: number;
    dirtyEvictions: number;
  }[];

  constructor(
    private readonly sets: number,
    private readonly pw: number[],
  ) {
    this.content = Array.from({ length: sets }, () => []);
    this.stats = pw.map(() => ({
      hits: 0,
      remoteHits: 0,
      misses: 0,
      allocations: 0,
      evictions: 0,
      dirtyEvictions: 0,
    }));
  }

  where(line: number): number {
    return this.content[line % this.sets]!.find((e) => e.line === line)?.p ?? -1;
  }

  occupancy(p: number): number {
    return this.content.reduce((a, s) => a + s.filter((e) => e.p === p).length, 0);
  }

  range(op: "write" | "read" | "inv", first: number, n: number, p: number, alloc: boolean, move: boolean) {
    let [hits, remote, miss, dirty] = [0, 0, 0, 0];
    for (let line = first; line < first + n; line++) {
      const set = this.content[line % this.sets]!;
      const e = set.find((x) => x.line === line);
      if (op === "inv") {
        if (e) set.splice(set.indexOf(e), 1);
        continue;
      }
      if (e && e.p === p) hits++;
      else if (e) remote++;
      else miss++;
      if (e && !(move && e.p !== p)) {
        e.used = ++this.clock;
        if (op === "write") e.dirty = true;
        continue;
      }
      if (e) set.splice(set.indexOf(e), 1);
      if (!e && !alloc) continue;
      const mine = set.filter((x) => x.p === p);
      if (mine.length === this.pw[p]) {
        const lru = mine.reduce((a, b) => (b.used < a.used ? b : a));
        set.splice(set.indexOf(lru), 1);
        this.stats[p]!.evictions++;
        if (lru.dirty) dirty++;
      }
      set.push({ line, p, dirty: op === "write", used: ++this.clock });
      this.stats[p]!.allocations++;
    }
    if (op === "inv") return [];
    const s = this.stats[p]!;
    s.hits += hits;
    s.remoteHits += remote;
    s.misses += miss;
    s.dirtyEvictions += dirty;
    return [hits, remote, miss, dirty];
  }
}
