/**
 * Running out of heap is an answer, not a crash: programs that allocate until a small heap is
 * exhausted (long vectors, values that share their parts, deep values), at every point of the
 * heap's growth (its size varies by a few words per run), get `out-of-memory` or a value, the
 * heap's invariants hold after every collection (debug mode), and the kernel goes on serving:
 * an atom is made and collected afterwards. (A cell reserved before its handle, when the handle
 * table could not grow, once left a headerless hole that a later collection found corrupt.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOptimizedKernel } from '../../optimized/index.js';
import { PlainMemory } from '../../optimized/memory/MemoryBackend.js';
import type { Op } from '../../spec/Kernel.js';

const PROGRAMS: readonly ((n: number) => string)[] = [
  // a value whose parts are shared: 2^n leaves, n + 1 distinct collections
  (n) => `(defn nest [n] (loop [i 0 v :x] (if (< i n) (recur (inc i) [v v i]) v))) (reset! a (nest ${10 + (n % 12)}))`,
  // a long vector of small vectors
  (n) => `(reset! a (loop [i 0 acc []] (if (< i ${20_000 + n * 997}) (recur (inc i) (conj acc [i i])) acc)))`,
  // maps of strings, kept in atoms
  (n) => `(loop [j 0] (if (< j ${5 + (n % 20)}) (do (atom (into {} (map (fn [i] [(str "k" i) [i j]]) (range 4000)))) (recur (inc j))) :done))`,
  // a deep value
  (n) => `(reset! a (loop [i 0 v :x] (if (< i ${3000 + n * 131}) (recur (inc i) {:k v :i i}) v)))`,
];

describe('heap exhaustion on the optimized kernel', () => {
  it('every answer is typed, the heap stays intact, and the kernel keeps serving', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4095 }), fc.array(fc.tuple(fc.nat({ max: PROGRAMS.length - 1 }), fc.nat({ max: 60 })), { minLength: 1, maxLength: 4 }), (extra, picks) => {
        const k = createOptimizedKernel({ debug: true, memory: new PlainMemory({ maxWords: (1 << 20) + extra * 61 }) });
        const source = `(def a (atom 0)) ${picks.map(([p, n]) => `(try ${PROGRAMS[p]!(n)} (catch e (get e :error)))`).join(' ')} :end`;
        const ops: Op[] = [{ op: 'load', pid: 0, program: source }, { op: 'run', pid: 0 }, { op: 'atom', pid: 0, value: '[1 2 3]' }, { op: 'gc' }, { op: 'deref', pid: 0, ref: 0 }];
        for (const op of ops) {
          const out = k.apply(op); // a throw fails the property: kernels never throw
          if (!out.ok) expect(['out-of-memory', 'capability-denied', 'program-error']).toContain(out.error);
        }
        expect(k.apply({ op: 'atom', pid: 0, value: ':still-serving' }).ok).toBe(true);
      }),
      { numRuns: Number(process.env.IMMUTOS_EXHAUSTION_RUNS ?? 25), seed: Number(process.env.IMMUTOS_EXHAUSTION_SEED ?? 20261207) },
    );
  });
});
