/** WayCache: LRU per partition, partitions as way groups, write-update vs move, invalidation, stats. */
import { describe, expect, it } from "vitest";
import { HIT_LOCAL, HIT_REMOTE, MISS, WayCache } from "../../../src/hw/fabric/cache.js";

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

  it("keeps LRU order when stamps are renumbered", () => {
    const c = new WayCache(1, [2], 64);
    c.write(1, 0, true, true);
    c.write(2, 0, true, true);
    // Force a renumbering by pushing the clock to its limit.
    (c as unknown as { clock: number }).clock = 0x7fffffff;
    c.read(1, 0, false); // 1 becomes most recent after renumbering
    c.write(3, 0, true, true);
    expect(c.find(2)).toBe(-1);
    expect(c.find(1)).toBeGreaterThanOrEqual(0);
  });
});
