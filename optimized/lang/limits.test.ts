/**
 * The optimized kernel's language at its limits (regressions, on every tier, with the reference
 * kernel's answers written out): the `catch` grammar, `=`/`hash`/`compare` on values nested far
 * deeper than the host stack, built-ins refusing to build values over the heap quota before
 * building them, and many watches (see docs/language.md, "Limits").
 */
import { describe, expect, it } from 'vitest';
import type { Outcome, Quotas } from '../../spec/Kernel.js';
import { kw } from '../../spec/Values.js';
import { createOptimizedKernel, type OptimizedKernel, type OptimizedKernelOptions } from '../kernel/OptimizedKernel.js';
import { WatchList, withWatch, withoutWatch, type Watch } from '../kernel/watchList.js';

const TIERS: Record<string, OptimizedKernelOptions> = {
  'tier 0': { tier: 0 },
  'tier 1': { tier: 1, jitThreshold: 0 },
};

/** Loads `program` into process 0 and runs it. */
function run(options: OptimizedKernelOptions, program: string, quotas?: Partial<Quotas>, k: OptimizedKernel = createOptimizedKernel({ ...options, ...(quotas === undefined ? {} : { quotas }) })): Outcome {
  expect(k.apply({ op: 'load', pid: 0, program })).toMatchObject({ ok: true });
  return k.apply({ op: 'run', pid: 0 });
}
const value = (o: Outcome): string => (o.ok ? o.value : `!${o.error}`);

const CATCH: readonly (readonly [string, string])[] = [
  ['(try (throw :x) (catch e e))', ':x'],
  ['(try (throw {:error :boom}) (catch e (get e :error)))', ':boom'],
  ['(try (nth [] 0) (catch e (get e :error)))', ':program-error'],
  ['(let [x 5] (try (throw :x) (catch e x)))', '5'],
  ['(try (throw :x) (catch e inc e))', ':x'],
  ['(try (throw :x) (catch e))', 'nil'],
  ['(try (throw :x) (catch Exception e [:caught e]))', '[:caught :x]'],
  ['(try (throw :x) (catch Throwable e e))', ':x'],
  ['(try (throw :x) (catch ExceptionInfo e e))', ':x'],
  ['(try (throw :x) (catch Object e e))', ':x'],
  ['(try (throw :x) (catch :default e e))', ':x'],
  ['(try (throw :x) (catch Exception))', 'nil'],
  ['(let [Exception 7] (try (throw :x) (catch Exception Exception)))', 'nil'],
  ['(try (throw :x) (catch my-e my-e))', ':x'],
  ['(try (throw :x) (catch 1 e))', '!program-error'],
  ['(try (throw :x) (catch :other e e))', '!program-error'],
  ['(do (defn f [v] (try (throw v) (catch e e))) [(f 1) (f 2) (f [3])])', '[1 2 [3]]'],
];

/** A program building two equal `depth`-deep vectors in one loop, then comparing and hashing them. */
const deepProgram = (depth: number): string =>
  `(let [p (loop [i 0 a 0 b 0] (if (< i ${depth}) (recur (inc i) [a] [b]) [a b])) a (first p) b (second p)]
     [(= a b) (= (hash a) (hash b)) (compare a b) (= a [b]) (compare a [b]) (compare [b] a) (int? (hash a))])`;

const BOMBS: readonly (readonly [string, string])[] = [
  ['a range of 10^11 elements', '(count (range 100000000000))'],
  ['the same inside try: out-of-memory cannot be caught', '(try (count (range 100000000000)) (catch e :caught))'],
  ['a range with a step', '(count (range 0 -100000000000 -3))'],
  ['concat of 10^5 references to one 10^5-element vector', '(let [v (vec (range 100000)) vs (loop [i 0 acc []] (if (< i 100000) (recur (inc i) (conj acc v)) acc))] (count (apply concat vs)))'],
  ['into a vector of two 600,000-element lists', '(let [l (range 600000)] (count (into (vec l) l)))'],
  ['str of 20,000 references to one 88,890-character string', '(let [s (apply str (range 20000)) ss (loop [i 0 acc []] (if (< i 20000) (recur (inc i) (conj acc s)) acc))] (count (apply str ss)))'],
  ['pr-str of a value sharing structure (2^40 leaves)', '(loop [v [1] i 0] (if (< i 40) (recur [v v] (inc i)) (count (pr-str v))))'],
  ['str of that value', '(loop [v [1] i 0] (if (< i 40) (recur [v v] (inc i)) (count (str "x" v))))'],
];

for (const [tier, options] of Object.entries(TIERS)) {
  describe(`limits of the language (${tier})`, () => {
    it('catch: (catch name body…) binds name; (catch Exception name body…) only with a class marker', () => {
      for (const [program, expected] of CATCH) expect(value(run(options, program)), program).toBe(expected);
    });

    it('=, hash and compare on 50,000-deep values (default quotas)', () => {
      expect(run(options, deepProgram(50_000))).toEqual({ ok: true, value: '[true true 0 false -1 1 true]' });
    });

    it('=, hash and compare on 1,000,000-deep values', () => {
      expect(run(options, deepProgram(1_000_000), { fuel: 50_000_000, treeFuel: 100_000_000 })).toEqual({ ok: true, value: '[true true 0 false -1 1 true]' });
    }, 120_000);

    for (const [name, program] of BOMBS) {
      it(`out-of-memory before building: ${name}`, () => {
        expect(run(options, program)).toMatchObject({ ok: false, error: 'out-of-memory' });
      });
    }

    it('just under the quota still builds; a small quota bounds results of 16 elements and more only', () => {
      expect(value(run(options, '(count (range 999999))'))).toBe('999999');
      expect(value(run(options, '(count (concat (range 10) (range 5)))', { heapCells: 10 }))).toBe('15');
      expect(value(run(options, '(count (concat (range 10) (range 6)))', { heapCells: 10 }))).toBe('!out-of-memory');
      expect(value(run(options, '(count (str (range 100)))', { heapCells: 291 }))).toBe('291');
      expect(value(run(options, '(count (str (range 100)))', { heapCells: 290 }))).toBe('!out-of-memory');
      expect(value(run(options, '(count (pr-str (range 10) "ab"))', { heapCells: 26 }))).toBe('26');
      expect(value(run(options, '(count (pr-str (range 10) "ab"))', { heapCells: 25 }))).toBe('!out-of-memory');
    });

    it('error messages print at most 40 characters of a value, however long its text', () => {
      const o = run(options, '(loop [v [1] i 0] (if (< i 60) (recur [v v] (inc i)) (try (+ 1 v) (catch e (get e :message)))))');
      expect(o).toEqual({ ok: true, value: '"+: expected a number, got vector [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[..."' });
    });

    it('20,000 watches added in shuffled key order, two removed, all the others fire in key order', () => {
      const program = `(let [a (atom 0) st (atom [-1 0 true])]
        (dotimes [i 20000] (add-watch a (rem (* i 7919) 20000) (fn [k r o n] (swap! st (fn [s] [k (inc (nth s 1)) (and (nth s 2) (< (nth s 0) k))])))))
        (remove-watch a 5) (remove-watch a 19999) (remove-watch a :absent)
        (reset! a 1)
        (deref st))`;
      // [last key, watches fired, keys ascending so far]
      expect(run(options, program)).toEqual({ ok: true, value: '[19998 19998 true]' });
    }, 30_000); // before the fix: over 60 s (the table was copied on every add)
  });
}

describe('watch lists (optimized/kernel/watchList.ts)', () => {
  it('20,000 recording watches (addWatch ops) record one write in key order', () => {
    const k = createOptimizedKernel();
    k.apply({ op: 'atom', pid: 0, value: '0' });
    for (let i = 0; i < 20_000; i++) k.apply({ op: 'addWatch', pid: 0, ref: 0, key: `[:w ${(i * 7919) % 20_000}]` });
    k.apply({ op: 'reset', pid: 0, ref: 0, value: '1' });
    const out = k.observe().processes.find((p) => p.pid === 0)!.output;
    expect(out.length).toBe(20_000);
    expect(out.every((line, i) => line === `[[:w ${i}] 0 1]`)).toBe(true);
  }, 30_000);

  it('is persistent: a change leaves every older list as it was; equal keys replace in place', () => {
    const w = (key: number, watcher = 0): Watch => ({ key: BigInt(key), watcher, fn: null });
    let l = WatchList.EMPTY;
    const versions: WatchList[] = [];
    for (let i = 0; i < 500; i++) {
      versions.push(l);
      l = withWatch(l, w((i * 37) % 500));
    }
    expect(l.length).toBe(500);
    expect([...l].map((x) => x.key)).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i)));
    versions.forEach((v, i) => expect(v.length).toBe(i));
    const fewer = withoutWatch(withoutWatch(l, 7n), 499n);
    expect(fewer.length).toBe(498);
    expect(l.length).toBe(500);
    expect(l.without(1000n)).toBe(l);
    const replaced = l.with(w(3, 9));
    expect(replaced.toArray()[3]).toEqual(w(3, 9));
    expect(l.toArray()[3]).toEqual(w(3, 0));
    expect(l.filter((x) => x.key !== 3n).length).toBe(499);
    expect(l.some((x) => x.key === 3n)).toBe(true);
    expect(withWatch([], { key: kw('b'), watcher: 0, fn: null }).with({ key: kw('a'), watcher: 0, fn: null }).toArray().map((x) => x.key)).toEqual([kw('a'), kw('b')]);
  });
});
