/**
 * Schedulers of the reference kernel: which runnable process runs the next quantum (the contract
 * is `Scheduler` in spec/Kernel.ts). A seeded one picks uniformly at random, a list one follows
 * given pids; the same seed or list gives the same interleaving on every machine.
 * @module
 */
import type { Pid, Scheduler } from '../spec/Kernel.js';
import { createRng, type Rng } from '../spec/Random.js';

/** A seeded PRNG over the project's one generator (spec/Random.ts): the same seed gives the same sequence on every machine. */
export class Prng {
  private readonly rng: Rng;
  /** Seeds the generator. */
  constructor(seed: number) {
    this.rng = createRng(seed);
  }
  /** The next number in [0, 1). */
  next(): number {
    return this.rng.next();
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return this.rng.int(n);
  }
}

/** A scheduler picking uniformly at random with a seeded PRNG. */
export function seededScheduler(seed: number): Scheduler {
  const rng = new Prng(seed);
  return { next: (runnable) => runnable[rng.below(runnable.length)]! };
}

/** A scheduler following an explicit list of pids (skipping ones not runnable), then `fallback`. */
export function listScheduler(pids: readonly Pid[], fallback: Scheduler = seededScheduler(0)): Scheduler {
  let i = 0;
  return {
    next: (runnable) => {
      while (i < pids.length) {
        const p = pids[i++]!;
        if (runnable.includes(p)) return p;
      }
      return fallback.next(runnable);
    },
  };
}

