// The heap quota charges a process only for what it allocates: the core library and the
// namespace belong to the kernel, so even a tiny quota leaves room for a small program.
import { describe, expect, test } from 'vitest';
import { createReferenceKernel, seededScheduler } from './index.js';

describe('heap quota: only what a process allocates counts', () => {
  test('a kernel with heapCells = 200 builds and runs a small program that uses the core library', () => {
    const k = createReferenceKernel({ debug: true, quotas: { heapCells: 200 } });
    k.load(0, '(def a (atom [])) (defn add! [x] (swap! a conj x)) (add! 1) (add! 2) (reduce + (map inc (filter odd? (deref a))))');
    k.runAll(seededScheduler(0));
    expect(k.results()[0]!.outcome).toEqual({ ok: true, value: '2' });
    expect(k.heap.liveCells(0)).toBeLessThanOrEqual(200);
    expect(k.heap.size).toBeGreaterThan(200); // the kernel's own cells are not counted against process 0
  });

  test('with heapCells = 200, a process allocating beyond it gets out-of-memory while another finishes', () => {
    const k = createReferenceKernel({ debug: true, quotas: { heapCells: 200 } });
    k.load(
      0,
      `(def hog (spawn (fn [] (loop [acc nil] (recur [[1] acc])))))
       (def worker (spawn (fn [] (reduce + (range 10)))))
       [(join worker) (try (join hog) (catch e (get e :error)))]`,
    );
    k.runAll(seededScheduler(1));
    const [main, hog, worker] = k.results().map((r) => r.outcome);
    expect(hog).toMatchObject({ ok: false, error: 'out-of-memory' });
    expect(worker).toEqual({ ok: true, value: '45' });
    expect(main).toEqual({ ok: true, value: '[45 :out-of-memory]' });
  });
});
