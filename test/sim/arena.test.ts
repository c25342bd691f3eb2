import { describe, expect, it } from "vitest";
import { Int32Arena } from "../../src/sim/arena.js";

describe("Int32Arena", () => {
  it("hands out an array given back (cleared by its giver), of the asked length", () => {
    const arena = new Int32Arena();
    const a = arena.take(1000);
    expect(a.every((x) => x === 0)).toBe(true);
    arena.give(a);
    const b = arena.take(1000);
    expect(b).toBe(a); // reused, not reallocated
    expect(arena.take(1000)).not.toBe(a); // handed out once only
    expect(arena.take(10).length).toBe(10);
  });

  it("holds at most maxBytes for reuse", () => {
    const arena = new Int32Arena(4096);
    arena.give(new Int32Array(512)); // 2 KiB
    arena.give(new Int32Array(512)); // 4 KiB: at the cap
    arena.give(new Int32Array(16)); // beyond: left to the GC
    expect(arena.heldBytes).toBe(4096);
    arena.take(512);
    expect(arena.heldBytes).toBe(2048);
  });
});
