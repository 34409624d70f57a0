// Debug mode checks the heap invariants after every collection. These are regressions for
// spurious violations (a kernel that is right reported as broken, as `program-error`), and
// witnesses that the checks still catch a real violation.
import { describe, expect, test } from 'vitest';
import type { Op, Outcome } from '../spec/Kernel.js';
import { Vector, type Value } from '../spec/Values.js';
import { Heap, HeapInvariantViolation, createReferenceKernel, seededScheduler, type ReferenceKernel } from './index.js';

const show = (o: Outcome): string => (o.ok ? o.value : `!${o.error}: ${o.message.split('\n')[0]}`);
const apply = (k: ReferenceKernel, op: Op): string => show(k.apply(op));

describe('no spurious heap-invariant violation in debug mode', () => {
  test('a cell holding NaN is unchanged (Immutable compares with Object.is)', () => {
    const k = createReferenceKernel({ debug: true });
    expect(apply(k, { op: 'atom', pid: 0, value: '##NaN' })).toBe('#atom 0');
    expect(apply(k, { op: 'hold', pid: 0, reg: 0, value: '##NaN' })).toBe('nil');
    expect(apply(k, { op: 'hold', pid: 0, reg: 1, value: '[##NaN -0.0]' })).toBe('nil');
    expect(apply(k, { op: 'gc' })).toBe('nil');
    expect(k.gcCount).toBe(1);
  });

  test('composite values (not frozen, spec/Values.ts) pass Immutable when nobody changed them', () => {
    const k = createReferenceKernel({ debug: true });
    for (const v of ['[1 [2 3]]', '{:a (1 2) :b #{3}}', '#tag [1]', '#bytes "0102"'])
      expect(apply(k, { op: 'atom', pid: 0, value: v })).toMatch(/^#atom/);
    expect(apply(k, { op: 'gc' })).toBe('nil');
  });

  test('after a process hits its heap quota, the next operations and collections are clean', () => {
    const k = createReferenceKernel({ debug: true, quotas: { heapCells: 60 } });
    expect(apply(k, { op: 'load', pid: 0, program: '(loop [acc nil] (recur [(vec (range 10)) [1] acc]))' })).toBe('nil');
    expect(apply(k, { op: 'run', pid: 0 })).toMatch(/^!out-of-memory/);
    // The stale live-cell count forces a collection at this safe point, before `[1 2]` is allocated.
    expect(apply(k, { op: 'atom', pid: 0, value: '[1 2]' })).toBe('#atom 0');
    expect(apply(k, { op: 'reset', pid: 0, ref: 0, value: '[3 4]' })).toBe('[3 4]');
    expect(apply(k, { op: 'gc' })).toBe('nil');
  });

  test('a runaway stopped by its quota next to a worker, then a collection: all clean', () => {
    const k = createReferenceKernel({ debug: true, quotas: { heapCells: 200 } });
    k.load(
      0,
      `(def log (atom []))
       (def hog (spawn (fn [] (loop [acc nil] (recur [(vec (range 10)) acc])))))
       (def worker (spawn (fn [l] (dotimes [i 5] (swap! l conj i)) (count (deref l))) log))
       [(join worker) (try (join hog) (catch e (gc) (get e :error)))]`,
    );
    k.runAll(seededScheduler(3));
    expect(k.results().map((r) => (r.outcome === null ? null : show(r.outcome)))).toEqual(['[5 :out-of-memory]', expect.stringMatching(/^!out-of-memory/), '5']);
    expect(apply(k, { op: 'gc' })).toBe('nil');
  });

  test('an error value a program catches lives in the heap (ReachableNeverFreed)', () => {
    const k = createReferenceKernel({ debug: true });
    k.load(0, '(let [e (try (nth [1] 5) (catch x (identity x))) f (try (cas! (atom 1) 7 2) (catch x (identity x)))] (gc) [(get e :error) (get f :error)])');
    k.runAll(seededScheduler(0));
    expect(show(k.results()[0]!.outcome!)).toBe('[:program-error :stale-stamp]');
  });
});

describe('the debug checks still catch real violations', () => {
  test('Immutable: a composite whose items change in place', () => {
    const heap = new Heap(() => [], true);
    const v = new Vector([1n, 2n]);
    const h = heap.alloc(v, 0);
    heap.checkInvariants([h], []);
    (v.items as Value[])[0] = 99n; // what no kernel code may ever do
    expect(() => heap.checkInvariants([h], [])).toThrow(HeapInvariantViolation);
    expect(() => heap.checkInvariants([h], [])).toThrow(/Immutable/);
  });

  test('Immutable: the in-place-update-shared mutant is reported in debug mode', () => {
    const k = createReferenceKernel({ debug: true, mutants: ['in-place-update-shared'] });
    expect(apply(k, { op: 'load', pid: 0, program: '(def a (atom [1 2])) (assoc (deref a) 0 9) (gc)' })).toBe('nil');
    expect(apply(k, { op: 'run', pid: 0 })).toMatch(/^!program-error: internal error in the reference kernel: HeapInvariantViolation: heap invariant Immutable/);
  });

  test('ReachableNeverFreed: a root value without a cell', () => {
    const heap = new Heap(() => [], true);
    expect(() => heap.checkInvariants([], [new Vector([new Vector([1n])])])).toThrow(/ReachableNeverFreed/);
    // …while a value about to be allocated (unpublished) is not held to it
    const inner = new Vector([1n]);
    heap.alloc(inner, 0);
    expect(() => heap.checkInvariants([], [], [new Vector([inner])])).not.toThrow();
  });
});
