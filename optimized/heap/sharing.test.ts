// A value whose parts recur becomes one cell per distinct collection in the heap, as in the
// reference kernel, where it is stored as it is: `[v v i]` nested 40 deep (2^40 leaves, 41
// vectors) is stored, read back and walked; without the sharing it ran the heap out.
import { describe, expect, it } from 'vitest';
import { createOptimizedKernel } from '../index.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { EMap, ESet, Tagged, Vector, equals, hash, kw, type Value } from '../../spec/Values.js';
import { printEdn, printEdnOrElided, TextTooLong } from '../../spec/codec/Edn.js';
import { eqWords, fromHeap, hashWord, heapText, heapTextOrElided, toHeap } from './values.js';

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

/** `depth` levels, each holding the level below twice (a vector, a map, a set, a tagged vector). */
function twice(depth: number, kind: number, leaf: Value = kw('leaf')): Value {
  let v = leaf;
  for (let i = 0; i < depth; i++) {
    v = kind === 0 ? Vector.adopt([v, v]) : kind === 1 ? EMap.from([[kw('a'), v], [kw('b'), v]]) : kind === 2 ? ESet.from([v, Vector.adopt([v])]) : new Tagged('my/t', Vector.adopt([v, v]));
  }
  return v;
}

describe('values that hold one part many times, in the heap', () => {
  it('print as the spec printer prints them, past the collections printed before parts are remembered', () => {
    const k = createOptimizedKernel();
    for (let kind = 0; kind < 4; kind++) {
      const v = twice(11, kind); // 2^11 leaves: past the 1,024 collections a print makes before it looks for parts met again
      expect(heapText(k.heap, toHeap(k.heap, v))).toBe(printEdn(v));
    }
  });

  it('64 levels: equal when built apart, hashed as the spec hashes, refused as text, shown elided', () => {
    const k = createOptimizedKernel();
    for (let kind = 0; kind < 4; kind++) {
      const v = twice(64, kind);
      const x = toHeap(k.heap, v);
      const y = toHeap(k.heap, twice(64, kind));
      const z = toHeap(k.heap, twice(64, kind, kw('other')));
      expect(eqWords(k.heap, x, y)).toBe(true);
      expect(eqWords(k.heap, x, z)).toBe(false);
      expect(hashWord(k.heap, x)).toBe(hashWord(k.heap, y));
      expect(equals(fromHeap(k.heap, x), v)).toBe(true);
      expect(hash(fromHeap(k.heap, x))).toBe(hash(v));
      expect(() => heapText(k.heap, x)).toThrow(TextTooLong);
      expect(heapTextOrElided(k.heap, x)).toBe(printEdnOrElided(v));
    }
  }, 30_000);
});
