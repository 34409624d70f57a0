/**
 * Quotas stop runaway processes with a typed error while another process finishes its work:
 * an endless loop (fuel), unbounded allocation (heap cells) and unbounded recursion (stack
 * depth), each in its own process next to a well-behaved worker. Small quotas keep it fast;
 * examples/quota.edn shows the same as a program (with the small quotas it declares).
 */
import { describe, expect, test } from 'vitest';
import { createReferenceKernel, seededScheduler } from '../../reference/index.js';

const QUOTAS = { fuel: 200_000, heapCells: 5_000, stackDepth: 300 };

const runaways: Record<string, { code: string; error: string }> = {
  'endless loop': { code: '(fn [_] (loop [i 0] (recur (inc i))))', error: 'fuel-exhausted' },
  'unbounded allocation': { code: '(fn [_] (loop [acc nil] (recur [(vec (range 10)) [1] acc])))', error: 'out-of-memory' },
  'deep recursion': { code: '(fn f [n] (+ 1 (f (inc n))))', error: 'stack-overflow' },
};

describe('quotas', () => {
  for (const [what, r] of Object.entries(runaways)) {
    for (const seed of [0, 1, 2]) {
      test(`${what} is stopped with ${r.error} while a worker finishes (seed ${seed})`, () => {
        const k = createReferenceKernel({ quotas: QUOTAS, debug: true });
        k.load(
          0,
          `(def done (atom []))
           (defn work [log] (dotimes [i 20] (swap! log conj i)) (reduce + (deref log)))
           (def runaway (spawn ${r.code} 0))
           (def worker (spawn work done))
           [(join worker) (try (join runaway) (catch e (get e :error)))]`,
        );
        k.runAll(seededScheduler(seed));
        const results = new Map(k.results().map((x) => [x.pid, x.outcome]));
        expect(results.get(1)).toMatchObject({ ok: false, error: r.error });
        expect(results.get(2)).toEqual({ ok: true, value: '190' });
        expect(results.get(0)).toEqual({ ok: true, value: `[190 :${r.error}]` });
        // the kernel goes on: process 0 can still work after the runaway was stopped
        expect(k.apply({ op: 'atom', pid: 0, value: ':still-alive' })).toMatchObject({ ok: true });
      });
    }
  }

  test('op-level run of a runaway program ends with the typed error and nothing else changes', () => {
    const k = createReferenceKernel({ quotas: QUOTAS });
    k.apply({ op: 'atom', pid: 0, value: '1' });
    const before = k.observe();
    k.apply({ op: 'spawn', pid: 0 });
    k.apply({ op: 'load', pid: 1, program: '(loop [] (recur))' });
    expect(k.apply({ op: 'run', pid: 1 })).toMatchObject({ ok: false, error: 'fuel-exhausted' });
    expect(k.observe().processes[0]).toEqual(before.processes[0]);
  });
});
