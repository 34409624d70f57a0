/**
 * Values nested far past the EDN reader's limit, as programs build them, cross the parallel
 * mode's shared heap like any other: published by one process, read by another, compared,
 * hashed and printed, with the shared heap collected back to back (and checked) meanwhile. The
 * answers are the reference kernel's.
 */
import { describe, expect, test } from 'vitest';
import { runParallel } from '../../optimized/parallel/ParallelRuntime.js';
import { ReferenceKernel } from '../../reference/kernel.js';

/** A program whose process 1 builds a value nested `depth` deep with `wrap` (over `v` and `i`) and stores it; process 0 walks it with `is?`/`down`. */
function program(depth: number, wrap: string, is: string, down: string): string {
  return `
(def a (atom nil))
(defn nest [n] (loop [i 0 v :leaf] (if (< i n) (recur (inc i) ${wrap}) v)))
(def p (spawn (fn [a] (do (reset! a (nest ${depth})) :stored)) a))
(def r (join p))
(def d (deref a))
[r (loop [x d n 0] (if (${is} x) (recur ${down} (inc n)) [n x])) (= d (nest ${depth})) (get {d :found} (nest ${depth})) (count (str d))]`;
}

function onReference(source: string): string {
  const k = new ReferenceKernel();
  k.load(0, source);
  k.runAll();
  const r = k.results().find((x) => x.pid === 0)?.outcome ?? null;
  if (r === null) return 'process 0 did not finish';
  return r.ok ? r.value : `${r.error}: ${r.message}`;
}

const SHAPES: readonly (readonly [string, string, string])[] = [
  ['[v i]', 'vector?', '(first x)'],
  ['{:k v :i i}', 'map?', '(get x :k)'],
  ['(list v i)', 'list?', '(first x)'],
  ['#{v}', 'set?', '(first x)'],
];

describe('deeply nested values on the parallel mode', () => {
  for (const [wrap, is, down] of SHAPES) {
    test(`${wrap} nested 20,000 deep: stored by one process, read by another, as on the reference kernel`, { timeout: 120_000 }, async () => {
      const source = program(20_000, wrap, is, down);
      const want = onReference(source);
      expect(want).toMatch(/^\[:stored \[20000 :leaf\] true :found \d+\]$/);
      const r = await runParallel(source, { workers: 2, timeoutMs: 100_000, gc: { force: true, intervalMs: 1, check: true } });
      expect(r.result).toEqual({ ok: true, value: want });
      expect(r.gc.invariantErrors).toEqual([]);
    });
  }
});
