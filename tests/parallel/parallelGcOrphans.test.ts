/**
 * A worker that dies in the middle of making a cell (a handle taken from the shared heap, its
 * entry not stored yet) loses nothing: the collector takes the handle back (it was announced in
 * the worker's `taking` word) and the heap check, which holds that no handle is lost, stays
 * quiet. With the seeded bug `parallel-gc-keeps-orphans` the handle is never taken back, and the
 * heap check reports it lost.
 */
import { describe, expect, test } from 'vitest';
import { KEEPS_ORPHANS, ParallelRunError, runParallel, type ParallelOptions } from '../../optimized/parallel/ParallelRuntime.js';

// Process 2 is placed on worker 1 (as in parallelRun.test.ts), which dies at its first cell; process 0
// goes on publishing values long enough for many collections (each followed by the heap check).
const PROGRAM = `
(def a (atom []))
(defn work [n] (loop [i 0] (if (< i n) (do (reset! a [i (str "v" i)]) (recur (inc i))) n)))
(def p (spawn work 10))
(def q (spawn work 10))
(def died (try (join q) (catch e (get e :error))))
[died (work 3000)]`;

const OPTIONS: ParallelOptions = {
  workers: 2,
  crashWhileTakingOf: 2,
  timeoutMs: 60_000,
  gc: { force: true, intervalMs: 0.5, check: true },
  sizes: { cellWords: 1 << 14, handles: 1 << 14, atoms: 1 << 10, processes: 1 << 8 },
};

describe('a worker that dies holding a handle it took', () => {
  test('the collector takes the handle back, and no handle is lost', { timeout: 90_000 }, async () => {
    const r = await runParallel(PROGRAM, OPTIONS);
    expect(r.result).toEqual({ ok: true, value: '[:worker-died 3000]' });
    expect(r.gc.cycles).toBeGreaterThan(2);
    expect(r.gc.orphansTaken).toBeGreaterThanOrEqual(1);
    expect(r.gc.invariantErrors).toEqual([]);
  });

  test('with the seeded bug that keeps them, the heap check reports the handle lost', { timeout: 90_000 }, async () => {
    const run = runParallel(PROGRAM, { ...OPTIONS, mutants: [KEEPS_ORPHANS] });
    await expect(run).rejects.toThrow(ParallelRunError);
    await expect(run).rejects.toThrow(/handle \d+ is lost: it has no cell, is not in the free ring and no live worker is taking it/);
  });
});
