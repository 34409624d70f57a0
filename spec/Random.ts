/**
 * The one seeded pseudo-random generator of the project (mulberry32): the same seed gives the
 * same sequence on every machine, so schedules, simulated interleavings, generated programs and
 * benchmark inputs are reproducible from their seed. Not for anything secret.
 * @module
 */

/** A deterministic random source. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in `0..n-1` (n ≥ 1). */
  int(n: number): number;
}

/** A generator seeded with the 32-bit `seed`. */
export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** The bare generator: a function answering the next float in [0, 1) each call. */
export function mulberry32(seed: number): () => number {
  const word = mulberry32Words(seed);
  return (): number => word() / 4294967296;
}

/** The generator's raw output: a function answering the next unsigned 32-bit integer each call. */
export function mulberry32Words(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    return mulberry32Output(a);
  };
}

/** The output of mulberry32 for the internal state `a` (already advanced). */
function mulberry32Output(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A deterministic random source whose position in its sequence can be read and set again. */
export interface RestorableRng extends Rng {
  /** The generator's internal 32-bit state: setting a value read earlier replays the sequence from there. */
  state: number;
}

/** A generator seeded with `seed` giving the same sequence as {@link createRng}, with its state exposed. */
export function createRestorableRng(seed: number): RestorableRng {
  const r = {
    state: seed >>> 0,
    next(): number {
      r.state = (r.state + 0x6d2b79f5) >>> 0;
      return mulberry32Output(r.state) / 4294967296;
    },
    int(n: number): number {
      return Math.floor(r.next() * n);
    },
  };
  return r;
}

/** Shuffles `xs` in place (Fisher–Yates) with the floats in [0, 1) that `rand` answers; returns `xs`. */
export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
