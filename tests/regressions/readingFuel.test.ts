// Reading costs fuel (docs/language.md, "Built-ins that read values"). Fuel bounded what built-ins
// build, not what they read: `(= v w)`, `hash`, `compare`, `(apply + v)` of 300,000-element
// vectors took 10–45 ms each and cost one step, so a loop of them ran for hours within the
// default 10^7 steps (200 rounds of `(hash (conj v i))`: 7.5 s), and in the optimized kernel so
// did storing a large value (`reset!`, `compare-and-set!`, `hold!`: 37–120 ms per call). Each now
// costs ⌊n/16⌋ fuel for the n members it visits, spreads or writes into the heap, so such a loop
// ends with `fuel-exhausted` within seconds (the 100,000-round versions: 5–20 s).
import { describe, expect, it } from 'vitest';
import type { KernelOptions, Outcome } from '../../spec/Kernel.js';
import { createOptimizedKernel } from '../../optimized/index.js';
import { PROGRAM_KERNELS as KERNELS, runPrograms, type ProgramKernel } from '../support/programs.js';
import { walkWork, equals, hash, Vector } from '../../spec/Values.js';

/** Process 0's outcome of `text` run with `fuel` steps (for the process and its tree). */
function runProgram(make: (o: KernelOptions) => ProgramKernel, text: string, fuel: number): Outcome | null | undefined {
  return runPrograms(make, [text], { quotas: { fuel, treeFuel: fuel } }).outcome(0);
}

/** A loop of `rounds` rounds doing `body` on two equal 4,000-element vectors `v` and `w` and a map `m` holding `v`. */
const loop = (body: string, rounds: number): string =>
  `(let [v (vec (range 4000)) w (vec (range 4000)) a (atom 0)] (loop [i 0] (if (< i ${rounds}) (do ${body} (recur (inc i))) :done)))`;

const READERS: readonly [string, string][] = [
  ['=', '(= v w)'],
  ['hash', '(hash v)'],
  ['compare', '(compare v w)'],
  ['contains? of a set holding a large member', '(contains? #{v} w)'],
  ['apply spreading a vector', '(apply max v)'],
];

describe('fuel for reading', () => {
  it('the structural walks count the members they visit', () => {
    const v = Vector.adopt(Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    const w = Vector.adopt(Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    let before = walkWork();
    expect(equals(v, w)).toBe(true);
    expect(walkWork() - before).toBe(1000);
    before = walkWork();
    hash(v);
    expect(walkWork() - before).toBe(1000);
    before = walkWork();
    expect(equals(v, v)).toBe(true); // the same value: nothing visited
    expect(walkWork() - before).toBe(0);
  });

  for (const [name, make] of KERNELS) {
    describe(`${name} kernel`, () => {
      for (const [what, body] of READERS) {
        it(`${what} of a large value costs fuel by its size: 300 rounds end out of fuel at 60,000 steps, 3 rounds do not`, () => {
          // 300 rounds read 1.2 million members (75,000 fuel) besides their few thousand steps.
          expect(runProgram(make, loop(body, 300), 60_000)).toMatchObject({ ok: false, error: 'fuel-exhausted' });
          expect(runProgram(make, loop(body, 3), 60_000)).toMatchObject({ ok: true, value: ':done' });
        });
      }

      it('compare-and-set! of a large value costs fuel by its size', () => {
        const cas = (rounds: number): string => `(let [v (vec (range 4000)) w (vec (range 4000)) a (atom v)] (loop [i 0] (if (< i ${rounds}) (do (compare-and-set! a w v) (recur (inc i))) :done)))`;
        expect(runProgram(make, cas(300), 60_000)).toMatchObject({ ok: false, error: 'fuel-exhausted' });
        expect(runProgram(make, cas(3), 60_000)).toMatchObject({ ok: true, value: ':done' });
      });
    });
  }

  it('optimized kernel: storing a large value costs fuel for the words it writes into the heap', () => {
    const store = (rounds: number): string => `(let [a (atom 0)] (loop [i 0] (if (< i ${rounds}) (do (reset! a (vec (range i (+ i 4000)))) (hold! 1 (vec (range 4000))) (recur (inc i))) :done)))`;
    const make = (o: KernelOptions): ProgramKernel => createOptimizedKernel(o);
    // Without the charge, 200 rounds take about 8 fuel per round of steps plus what `range` and `vec` build (2 × 250 per value).
    expect(runProgram(make, store(200), 250_000)).toMatchObject({ ok: false, error: 'fuel-exhausted' });
    expect(runProgram(make, store(3), 250_000)).toMatchObject({ ok: true, value: ':done' });
  });
});
