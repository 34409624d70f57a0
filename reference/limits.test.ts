/**
 * The reference kernel's language at its limits (regressions): the `catch` grammar, `=`/`hash`/
 * `compare` on values nested far deeper than the host stack, built-ins refusing to build values
 * over the heap quota before building them, many watches, and allocating loops that must cost
 * the interpreter O(1) per step (see docs/language.md, "Limits").
 */
import { describe, expect, test } from 'vitest';
import type { Kernel, Outcome, Quotas } from '../spec/Kernel.js';
import { List, Vector, kw } from '../spec/Values.js';
import { createReferenceKernel } from './index.js';
import { WatchTable, brokenHash, type Watch } from './watches.js';

/** Loads `program` into process 0 of a fresh kernel and runs it. */
function run(program: string, quotas?: Partial<Quotas>, k: Kernel = createReferenceKernel(quotas === undefined ? {} : { quotas })): Outcome {
  expect(k.apply({ op: 'load', pid: 0, program })).toMatchObject({ ok: true });
  return k.apply({ op: 'run', pid: 0 });
}
const value = (o: Outcome): string => (o.ok ? o.value : `!${o.error}`);

describe('catch: (catch name body…) binds name; (catch Exception name body…) only with a class marker', () => {
  test.each([
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
    ['(try (inc 1) (catch e e))', '2'],
  ])('%s → %s', (program, expected) => {
    expect(value(run(program))).toBe(expected);
  });
});

/** A program building two equal `depth`-deep vectors in one loop, then comparing and hashing them. */
const deepProgram = (depth: number): string =>
  `(let [p (loop [i 0 a 0 b 0] (if (< i ${depth}) (recur (inc i) [a] [b]) [a b])) a (first p) b (second p)]
     [(= a b) (= (hash a) (hash b)) (compare a b) (= a [b]) (compare a [b]) (compare [b] a) (int? (hash a))])`;

describe('=, hash and compare on deeply nested values are iterative (no host stack overflow)', () => {
  test('50,000 levels (default quotas)', () => {
    expect(run(deepProgram(50_000))).toEqual({ ok: true, value: '[true true 0 false -1 1 true]' });
  });

  test('1,000,000 levels (quotas raised to hold them)', () => {
    expect(run(deepProgram(1_000_000), { heapCells: 5_000_000, treeHeapCells: 6_000_000, fuel: 20_000_000, treeFuel: 40_000_000 })).toEqual({ ok: true, value: '[true true 0 false -1 1 true]' });
  }, 120_000);
});

describe('built-ins refuse to build a value over the heap quota, before building it (uncatchable out-of-memory)', () => {
  test.each([
    ['a range of 10^11 elements', '(count (range 100000000000))'],
    ['the same inside try: out-of-memory cannot be caught', '(try (count (range 100000000000)) (catch e :caught))'],
    ['a range with a step', '(count (range 0 -100000000000 -3))'],
    ['concat of 10^5 references to one 10^5-element vector', '(let [v (vec (range 100000)) vs (loop [i 0 acc []] (if (< i 100000) (recur (inc i) (conj acc v)) acc))] (count (apply concat vs)))'],
    ['into a vector of two 600,000-element lists', '(let [l (range 600000)] (count (into (vec l) l)))'],
    ['str of 20,000 references to one 88,890-character string', '(let [s (apply str (range 20000)) ss (loop [i 0 acc []] (if (< i 20000) (recur (inc i) (conj acc s)) acc))] (count (apply str ss)))'],
    ['pr-str of a value sharing structure (2^40 leaves)', '(loop [v [1] i 0] (if (< i 40) (recur [v v] (inc i)) (count (pr-str v))))'],
    ['str of that value', '(loop [v [1] i 0] (if (< i 40) (recur [v v] (inc i)) (count (str "x" v))))'],
  ])('%s', (_name, program) => {
    expect(run(program)).toMatchObject({ ok: false, error: 'out-of-memory' });
  });

  test('just under the quota still builds; a small quota bounds results of 16 elements and more only', () => {
    expect(value(run('(count (range 990000))'))).toBe('990000');
    // the two ranges and the result weigh 11 + 6 + 16 cells (a collection of n elements weighs 1 + n)
    expect(value(run('(count (concat (range 10) (range 5)))', { heapCells: 33 }))).toBe('15');
    expect(value(run('(count (concat (range 10) (range 5)))', { heapCells: 32 }))).toBe('!out-of-memory');
    expect(value(run('(count (str (range 100)))', { heapCells: 291 }))).toBe('291');
    expect(value(run('(count (str (range 100)))', { heapCells: 290 }))).toBe('!out-of-memory');
    expect(value(run('(count (pr-str (range 10) "ab"))', { heapCells: 26 }))).toBe('26');
    expect(value(run('(count (pr-str (range 10) "ab"))', { heapCells: 25 }))).toBe('!out-of-memory');
  });

  test('error messages print at most 40 characters of a value, however long its text', () => {
    const o = run('(loop [v [1] i 0] (if (< i 60) (recur [v v] (inc i)) (try (+ 1 v) (catch e (get e :message)))))');
    expect(o).toEqual({ ok: true, value: '"+: expected a number, got vector [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[..."' });
  });
});

describe('watches: O(log n) to add or remove, fired in canonical key order', () => {
  test('20,000 watches added in shuffled key order, two removed, all the others fire in key order', () => {
    const program = `(let [a (atom 0) st (atom [-1 0 true])]
      (dotimes [i 20000] (add-watch a (rem (* i 7919) 20000) (fn [k r o n] (swap! st (fn [s] [k (inc (nth s 1)) (and (nth s 2) (< (nth s 0) k))])))))
      (remove-watch a 5) (remove-watch a 19999) (remove-watch a :absent)
      (reset! a 1)
      (deref st))`;
    // [last key, watches fired, keys ascending so far]
    expect(run(program)).toEqual({ ok: true, value: '[19998 19998 true]' });
  }, 30_000); // before the fix: over 60 s (the table was copied on every add)

  test('20,000 recording watches (addWatch ops) record one write in key order', () => {
    const k = createReferenceKernel();
    k.apply({ op: 'atom', pid: 0, value: '0' });
    for (let i = 0; i < 20_000; i++) k.apply({ op: 'addWatch', pid: 0, ref: 0, key: `[:w ${(i * 7919) % 20_000}]` });
    k.apply({ op: 'reset', pid: 0, ref: 0, value: '1' });
    const out = k.observe().processes.find((p) => p.pid === 0)!.output;
    expect(out.length).toBe(20_000);
    expect(out[0]).toBe('[[:w 0] 0 1]');
    expect(out.every((line, i) => line === `[[:w ${i}] 0 1]`)).toBe(true);
  }, 30_000);

  test('a table is persistent: changing it leaves every older table as it was (fork and running notifications share them)', () => {
    const w = (key: number, watcher = 0): Watch => ({ key: BigInt(key), watcher, fn: null });
    let t = WatchTable.empty();
    const versions: WatchTable[] = [];
    for (let i = 0; i < 200; i++) {
      versions.push(t);
      t = t.with(w((i * 37) % 200));
    }
    expect(t.size).toBe(200);
    expect(t.list().map((x) => x.key)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i)));
    versions.forEach((v, i) => expect(v.size).toBe(i));
    const fewer = t.without(7n).without(199n).without(1000n);
    expect(fewer.size).toBe(198);
    expect(t.size).toBe(200);
    expect(t.without(1000n)).toBe(t);
    // An equal key replaces the watch, in place in the order.
    const replaced = t.with(w(3, 9));
    expect(replaced.size).toBe(200);
    expect(replaced.list()[3]).toEqual(w(3, 9));
    expect(t.list()[3]).toEqual(w(3, 0));
    // Keys are values: equal keys are one key ([1] and (1)); the hash-mismatch mutant tells them apart.
    const seq = WatchTable.empty().with({ key: new Vector([1n]), watcher: 0, fn: null }).with({ key: new List([1n]), watcher: 1, fn: null });
    expect(seq.list().map((x) => x.watcher)).toEqual([1]);
    const broken = WatchTable.empty(brokenHash).with({ key: new Vector([1n]), watcher: 0, fn: null }).with({ key: new List([1n]), watcher: 1, fn: null });
    expect(broken.size).toBe(2);
    expect(WatchTable.empty().with({ key: kw('b'), watcher: 0, fn: null }).with({ key: kw('a'), watcher: 0, fn: null }).keys()).toEqual([kw('a'), kw('b')]);
  });
});

describe('allocating loops cost the reference O(1) per step', () => {
  test('appending to a vector in a loop is an O(1) conj: 200,000 appends (about 11 steps each) fit in 3,000,000 steps', () => {
    // A conj that copied would be charged n/16 fuel per step: about 10^9 for this loop.
    const o = run('(loop [i 0 acc []] (if (< i 200000) (recur (inc i) (conj acc i)) [(count acc) (nth acc 199999)]))', { fuel: 3_000_000 });
    expect(o).toEqual({ ok: true, value: '[200000 199999]' });
  });

  test('so is appending composite values (the heap shares the vector\'s child list)', () => {
    const o = run('(loop [i 0 acc []] (if (< i 200000) (recur (inc i) (conj acc [i])) [(count acc) (nth acc 199999)]))', { fuel: 3_000_000 });
    expect(o).toEqual({ ok: true, value: '[200000 [199999]]' });
  });

  test('garbage made of a few large values is collected as promptly as many small ones', () => {
    // 3,000 maps of up to 3,000 entries: few cells, many elements. Collections follow the elements.
    const k = createReferenceKernel();
    expect(run('(loop [i 0 m {}] (if (< i 3000) (recur (inc i) (assoc m i i)) (count m)))', undefined, k)).toEqual({ ok: true, value: '3000' });
    expect(k.gcCount).toBeGreaterThan(5);
  });

  test('a process living just under its heap quota does not pay a collection every few steps', () => {
    // a live vector weighing ~990,000 cells (1 + its elements), then a loop making a cell of garbage per iteration.
    const k = createReferenceKernel({ quotas: { fuel: 3_000_000 } });
    const o = run('(let [a (vec (range 990000))] (loop [i 0] (recur (+ i (count [i])))))', undefined, k);
    expect(o).toMatchObject({ ok: false, error: 'fuel-exhausted' });
    expect(k.gcCount).toBeLessThan(20);
  }, 120_000);
});
