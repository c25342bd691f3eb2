/**
 * Seeded randomness: xoshiro128** (D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021; prng.di.unimi.it) seeded through splitmix32 (the 32-bit SplitMix
 * idea: a golden-ratio Weyl sequence 0x9e3779b9 finalised by MurmurHash3's fmix32).
 *
 * xoshiro128**: 128-bit state, period 2^128 - 1, 32-bit outputs, all in int32 arithmetic that V8
 * compiles to machine instructions. The model never calls Math.random: every stream comes from a
 * seed, so a scenario and its seed fix every draw.
 */
import { ModelError } from "../base/errors.js";

const TWO_32 = 4_294_967_296;
const TWO_53 = 9_007_199_254_740_992;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One step of splitmix32: returns [next state, output]. Used to expand a 32-bit seed. */
export function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator for `seed`, an integer in [0, 2^32). The state is 4 splitmix32 outputs. */
  constructor(seed: number) {
    if (!(Number.isInteger(seed) && seed >= 0 && seed < TWO_32)) {
      throw new ModelError(`random seed must be an integer in [0, 2^32), got ${seed}`);
    }
    let sm = seed | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(sm);
      sm = next;
      words.push(out | 0);
    }
    this.s0 = words[0]!;
    this.s1 = words[1]!;
    this.s2 = words[2]!;
    this.s3 = words[3]!;
    // splitmix32 is a bijection of its counter, so 4 zero words cannot happen; keep the invariant.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with an explicit xoshiro128** state (known-answer tests). Not all zero. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    if ((s0 | s1 | s2 | s3 | 0) === 0) throw new ModelError("xoshiro128** state must not be all zero");
    const rng = new Rng(0);
    rng.s0 = s0 | 0;
    rng.s1 = s1 | 0;
    rng.s2 = s2 | 0;
    rng.s3 = s3 | 0;
    return rng;
  }

  /** Next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ (s1 << 9);
    this.s3 = rotl(s3, 11);
    return result >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits (two outputs). */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67_108_864 + lo) / TWO_53;
  }

  /** Uniform integer in [0, n), n an integer in [1, 2^32]; unbiased (rejection sampling). */
  below(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO_32)) {
      throw new ModelError(`below(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // Largest multiple of n that fits in 2^32: outputs at or above it would favour small residues.
    const limit = TWO_32 - (TWO_32 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }

  /** Uniform integer in [lo, hi] (inclusive), hi - lo < 2^32. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Exponential variate with the given mean (> 0), as a float; inverse-CDF method. */
  exponential(mean: number): number {
    if (!(mean > 0 && Number.isFinite(mean))) throw new ModelError(`exponential mean ${mean} must be > 0`);
    // 1 - u is in (0, 1], so the log is finite.
    return -mean * Math.log1p(-this.float());
  }

  /** Exponential delay in integer picoseconds (rounded to nearest), mean `mean` ps. */
  exponentialDelay(mean: number): number {
    return Math.round(this.exponential(mean));
  }

  /** An independent-looking child stream seeded from this one (per-device streams). */
  fork(): Rng {
    return new Rng(this.nextU32());
  }
}

/**
 * Choice by weights in O(1) per draw: Vose's alias method (M. D. Vose, "A linear algorithm for
 * generating random numbers with a given distribution", IEEE TSE 1991). Index i is returned with
 * probability weights[i] / sum (up to float rounding of the table, ~1e-16).
 */
export class WeightedChoice {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: readonly number[]) {
    const n = weights.length;
    let sum = 0;
    for (const w of weights) {
      if (!(w >= 0 && Number.isFinite(w))) throw new ModelError(`weight ${w} must be finite and >= 0`);
      sum += w;
    }
    if (!(n > 0 && sum > 0)) throw new ModelError("weights must be non-empty with a positive sum");
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = weights.map((w) => (w * n) / sum);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => {
      (p < 1 ? small : large).push(i);
    });
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to rounding.
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  /** Number of choices. */
  get size(): number {
    return this.prob.length;
  }

  /** Draw an index (one float: its integer part picks a column, its fraction the coin). */
  sample(rng: Rng): number {
    const u = rng.float() * this.prob.length;
    const i = Math.floor(u);
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}
