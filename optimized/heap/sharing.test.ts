// A value whose parts recur becomes one cell per distinct collection in the heap, as in the
// reference kernel, where it is stored as it is: `[v v i]` nested 40 deep (2^40 leaves, 41
// vectors) is stored, read back and walked; without the sharing it ran the heap out.
import { describe, expect, it } from 'vitest';
import { createOptimizedKernel } from '../index.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { Vector, equals, kw, type Value } from '../../spec/Values.js';
import { fromHeap, toHeap } from './values.js';

function dag(levels: number): Value {
  let v: Value = kw('x');
  for (let i = 0; i < levels; i++) v = Vector.adopt([v, v, BigInt(i)]);
  return v;
}

describe('values that share their parts', () => {
  it('cost about as many cells as they have distinct collections', () => {
    const k = createOptimizedKernel();
    const before = k.heap.counters.cellsAllocated;
    const w = toHeap(k.heap, dag(40));
    const cells = k.heap.counters.cellsAllocated - before;
    expect(cells).toBeLessThan(10_000); // 41 distinct vectors; the first 1,024 conversions do not look for sharing
    let x = fromHeap(k.heap, w);
    let depth = 0;
    let distinct = 0;
    while (x instanceof Vector) {
      if (x.items[0] !== x.items[1]) distinct++; // read back shared too, but for the first conversions
      x = x.items[0]!;
      depth++;
    }
    expect(depth).toBe(40);
    expect(distinct).toBeLessThan(40);
    const small = dag(8); // below the threshold: copied as a tree, equal all the same
    expect(equals(fromHeap(k.heap, toHeap(k.heap, small)), small)).toBe(true);
  });

  it('a program stores one in an atom and walks it, as on the reference kernel', () => {
    const source = '(def a (atom 0)) (defn nest [n] (loop [i 0 v :x] (if (< i n) (recur (inc i) [v v i]) v))) (reset! a (nest 40)) [(loop [x (deref a) n 0] (if (vector? x) (recur (nth x 1) (inc n)) n)) (nth (deref a) 2)]';
    const answers = [new ReferenceKernel(), createOptimizedKernel()].map((k) => {
      expect(k.apply({ op: 'load', pid: 0, program: source }).ok).toBe(true);
      return k.apply({ op: 'run', pid: 0 });
    });
    expect(answers[0]).toEqual({ ok: true, value: '[40 39]' });
    expect(answers[1]).toEqual(answers[0]);
  });
});
