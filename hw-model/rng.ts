/**
 * A small seeded PRNG (mulberry32) so every interleaving the simulator picks is reproducible
 * from its seed.
 * @module
 */

/** A deterministic random source: `next()` in [0, 1), `int(n)` in 0..n-1. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in `0..n-1` (n ≥ 1). */
  int(n: number): number;
}

/** Creates a mulberry32 generator from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}
