import { describe, expect, test } from 'vitest';
import type { Op, Outcome } from '../spec/Kernel.js';
import { createReferenceKernel, listScheduler, seededScheduler, type ReferenceKernel } from './index.js';

function apply(k: ReferenceKernel, op: Op): Outcome {
  return k.apply(op);
}
const value = (o: Outcome): string => (o.ok ? o.value : `!${o.error}`);

/** Evaluates `src` in process 0 (all processes scheduled with seed 0) → result EDN or `!kind`. */
function evalIn(k: ReferenceKernel, src: string): string {
  k.load(0, src);
  k.runAll(seededScheduler(0));
  return value(k.results()[0]!.outcome!);
}
const ev = (src: string): string => evalIn(createReferenceKernel({ debug: true }), src);

describe('atoms (ADR 0003)', () => {
  test('refs, stamps, deref, reset, cas, compareAndSet, swap, swapVals, resetVals', () => {
    const k = createReferenceKernel({ debug: true });
    expect(value(apply(k, { op: 'atom', pid: 0, value: '{:n 1}' }))).toBe('#atom 0');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 0 }))).toBe('[{:n 1} 0]');
    expect(value(apply(k, { op: 'reset', pid: 0, ref: 0, value: '2' }))).toBe('2');
    expect(value(apply(k, { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '3' }))).toBe('!stale-stamp');
    expect(value(apply(k, { op: 'cas', pid: 0, ref: 0, stamp: 1, value: '3' }))).toBe('2');
    expect(value(apply(k, { op: 'compareAndSet', pid: 0, ref: 0, expected: '4', value: '5' }))).toBe('false');
    expect(value(apply(k, { op: 'compareAndSet', pid: 0, ref: 0, expected: '3', value: '5' }))).toBe('true');
    expect(value(apply(k, { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (* x 10))' }))).toBe('50');
    expect(value(apply(k, { op: 'swapVals', pid: 0, ref: 0, fn: '(fn [x] (inc x))' }))).toBe('[50 51]');
    expect(value(apply(k, { op: 'resetVals', pid: 0, ref: 0, value: ':z' }))).toBe('[51 :z]');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 0 }))).toBe('[:z 6]');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 7 }))).toBe('!capability-denied'); // ADR 0024: one error for every ref outside the table
    expect(value(apply(k, { op: 'deref', pid: 9, ref: 0 }))).toBe('!no-such-process');
    expect(value(apply(k, { op: 'reset', pid: 0, ref: 0, value: '(unbalanced' }))).toBe('!bad-input');
  });

  test('validators run before every write and set-validator! refuses a failing current value', () => {
    const k = createReferenceKernel({ debug: true });
    apply(k, { op: 'atom', pid: 0, value: '-1' });
    expect(value(apply(k, { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (>= x 0))' }))).toBe('!validator-rejected');
    apply(k, { op: 'reset', pid: 0, ref: 0, value: '1' });
    expect(value(apply(k, { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (>= x 0))' }))).toBe('nil');
    for (const op of [
      { op: 'reset', pid: 0, ref: 0, value: '-5' },
      { op: 'cas', pid: 0, ref: 0, stamp: 1, value: '-5' },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: '1', value: '-5' },
      { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (- x 10))' },
      { op: 'resetVals', pid: 0, ref: 0, value: '-5' },
    ] as Op[])
      expect(value(apply(k, op))).toBe('!validator-rejected');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 0 }))).toBe('[1 1]');
  });

  test('watches record [key old new] in the watcher\'s output after successful writes only', () => {
    const k = createReferenceKernel();
    apply(k, { op: 'atom', pid: 0, value: '0' });
    apply(k, { op: 'addWatch', pid: 0, ref: 0, key: ':w' });
    apply(k, { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (< x 10))' });
    apply(k, { op: 'reset', pid: 0, ref: 0, value: '1' });
    apply(k, { op: 'reset', pid: 0, ref: 0, value: '99' });
    apply(k, { op: 'removeWatch', pid: 0, ref: 0, key: ':w' });
    apply(k, { op: 'reset', pid: 0, ref: 0, value: '2' });
    expect(k.observe().processes[0]!.output).toEqual(['[:w 0 1]']);
  });

  test('share: creator only; target gets a fresh ref, or the lowest it has', () => {
    const k = createReferenceKernel();
    apply(k, { op: 'atom', pid: 0, value: '1' });
    apply(k, { op: 'spawn', pid: 0 });
    apply(k, { op: 'spawn', pid: 0 });
    expect(value(apply(k, { op: 'deref', pid: 1, ref: 0 }))).toBe('!capability-denied');
    expect(value(apply(k, { op: 'share', pid: 0, ref: 0, to: 1 }))).toBe('#atom 1');
    expect(value(apply(k, { op: 'share', pid: 0, ref: 0, to: 1 }))).toBe('#atom 1');
    expect(value(apply(k, { op: 'share', pid: 1, ref: 1, to: 2 }))).toBe('!capability-denied');
    expect(value(apply(k, { op: 'reset', pid: 1, ref: 1, value: ':from-1' }))).toBe(':from-1');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 0 }))).toBe('[:from-1 1]');
  });

  test('fork: private atoms copied (same value and stamp), shared atoms stay shared', () => {
    const k = createReferenceKernel({ debug: true });
    apply(k, { op: 'atom', pid: 0, value: '[:private]' });
    apply(k, { op: 'atom', pid: 0, value: '[:shared]' });
    apply(k, { op: 'spawn', pid: 0 });
    apply(k, { op: 'share', pid: 0, ref: 1, to: 1 });
    expect(value(apply(k, { op: 'fork', pid: 0 }))).toBe('2');
    expect(k.observe().processes.find((p) => p.pid === 2)!.atoms).toEqual(k.observe().processes[0]!.atoms);
    apply(k, { op: 'reset', pid: 2, ref: 0, value: ':child' });
    apply(k, { op: 'reset', pid: 2, ref: 1, value: ':child' });
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 0 }))).toBe('[[:private] 0]');
    expect(value(apply(k, { op: 'deref', pid: 0, ref: 1 }))).toBe('[:child 1]');
    expect(value(apply(k, { op: 'share', pid: 2, ref: 0, to: 1 }))).toBe('#atom 3'); // the child created its copy
    apply(k, { op: 'exit', pid: 2 });
    expect(value(apply(k, { op: 'deref', pid: 2, ref: 0 }))).toBe('!no-such-process');
    expect(value(apply(k, { op: 'gc' }))).toBe('nil');
  });

  test('gc is invisible and registers are roots', () => {
    const k = createReferenceKernel({ debug: true });
    apply(k, { op: 'hold', pid: 0, reg: 3, value: '{:big [1 2 3]}' });
    apply(k, { op: 'atom', pid: 0, value: '[1 [2 [3]]]' });
    const before = k.observe();
    apply(k, { op: 'gc' });
    expect(k.observe()).toEqual(before);
    expect(evalIn(k, '(held 3)')).toBe('{:big [1 2 3]}');
  });
});

describe('the system language', () => {
  test.each([
    ['(+ 1 2 3)', '6'],
    ['(+ 1 2.5)', '3.5'],
    ['(+ 9223372036854775807 1)', '!program-error'],
    ['(let [x 2 y (* x 3)] [x y])', '[2 6]'],
    ['(def sq (fn [x] (* x x))) (sq 7)', '49'],
    ['(defn f ([] :zero) ([a] [:one a]) ([a & more] [:many a more])) [(f) (f 1) (f 1 2 3)]', '[:zero [:one 1] [:many 1 (2 3)]]'],
    ['(let [n 5] ((fn [x] (+ x n)) 1))', '6'],
    ['((fn fact [n] (if (< n 2) 1 (* n (fact (dec n))))) 10)', '3628800'],
    ['(loop [i 0 acc []] (if (< i 3) (recur (inc i) (conj acc i)) acc))', '[0 1 2]'],
    ['(try (throw {:x 1}) (catch e [:caught e]))', '[:caught {:x 1}]'],
    ['(try (nth [1] 5) (catch e (get e :error)))', ':program-error'],
    ['(throw :boom)', '!program-error'],
    ['(quote (a b c))', '(a b c)'],
    ['(if nil 1 2)', '2'],
    ['(do 1 2 3)', '3'],
    ['(and 1 nil 2)', 'nil'],
    ['(or nil false 7)', '7'],
    ['(cond false 1 :else 2)', '2'],
    ['(:a {:a 5})', '5'],
    ['({:a 5} :a)', '5'],
    ['(apply + 1 2 [3 4])', '10'],
    ['(reduce + (map inc (filter odd? (range 10))))', '30'],
    ['(into {} [[:a 1] [:b 2]])', '{:a 1, :b 2}'],
    ['(str "x" 1 nil :k)', '"x1:k"'],
    ['(def a (atom 0)) (swap! a + 5) (swap-vals! a inc)', '[5 6]'],
    ['(def a (atom 1)) (cas! a 0 :x) (deref-stamp a)', '[:x 1]'],
    ['(def a (atom 1)) (try (cas! a 5 :x) (catch e (get e :error)))', ':stale-stamp'],
    ['(def a (atom 1)) [(compare-and-set! a 2 3) (compare-and-set! a 1 3) (deref a)]', '[false true 3]'],
    ['(def a (atom 1)) (set-validator! a pos?) (try (reset! a -1) (catch e (get e :error)))', ':validator-rejected'],
    ['(def a (atom 1)) (def seen (atom [])) (add-watch a :k (fn [k r old new] (swap! seen conj [k old new]))) (reset! a 2) (remove-watch a :k) (reset! a 3) (deref seen)', '[[:k 1 2]]'],
    ['(def a (atom 0)) (reset-vals! a 9)', '[0 9]'],
    ['(self)', '0'],
    ['(recur 1)', '!program-error'],
    ['(undefined-thing 1)', '!program-error'],
  ])('%s → %s', (src, expected) => {
    expect(ev(src)).toBe(expected);
  });

  test('errors name the form\'s position', () => {
    const k = createReferenceKernel();
    k.load(0, '(def x 1)\n(defn f [y]\n  (+ y :oops))\n(f x)');
    k.runAll(seededScheduler(0));
    const r = k.results()[0]!.outcome!;
    expect(r).toMatchObject({ ok: false, error: 'program-error' });
    expect(!r.ok && r.message).toMatch(/expected a number.*line 3, column 3/);
  });

  test('fork returns the child pid in the parent and nil in the child; tables copied', () => {
    const k = createReferenceKernel({ debug: true });
    expect(evalIn(k, '(def a (atom 0)) (def r (fork)) (reset! a (if r [:parent r] :child)) (deref a)')).toBe('[:parent 1]');
    expect(value(k.results()[1]!.outcome!)).toBe(':child');
  });

  test('values are never mutated: assoc/conj/assoc-byte return new values', () => {
    expect(ev('(def v [1 2]) (def w (assoc v 0 9)) (def b (bytes [1 2])) [v w (conj v 3) b (assoc-byte b 0 7)]')).toBe('[[1 2] [9 2] [1 2 3] #bytes "0102" #bytes "0702"]');
  });

  test('hot deploy (op level): a long-running loop keeps its code, new calls get the new definition', () => {
    const k = createReferenceKernel({ debug: true });
    // process 1 runs a long loop that calls `handler` each round and `tick`s an atom (a scheduling point)
    apply(k, { op: 'spawn', pid: 0 });
    apply(k, {
      op: 'load',
      pid: 1,
      program: `(defn handler [i] [:v1 i])
                (def out (atom []))
                (defn serve [n] (loop [i 0] (when (< i n) (swap! out conj (handler i)) (recur (inc i)))) (deref out))
                (serve 6)`,
    });
    // run process 1 until it has served 3 requests
    let rounds = 0;
    while (!/\[:v1 2\]/.test(JSON.stringify(k.observe().processes.find((p) => p.pid === 1)!.atoms)) && rounds++ < 10_000) apply(k, { op: 'step', pid: 1 });
    // redefine handler from process 0 (the namespace is shared by the kernel's processes)
    apply(k, { op: 'load', pid: 0, program: '(defn handler [i] [:v2 i]) (defn serve [n] :new-serve)' });
    expect(value(apply(k, { op: 'run', pid: 0 }))).toBe('serve');
    // the running `serve` keeps its own code but its next calls to `handler` get v2
    const r = value(apply(k, { op: 'run', pid: 1 }));
    expect(r).toBe('[[:v1 0] [:v1 1] [:v1 2] [:v2 3] [:v2 4] [:v2 5]]');
    expect(evalIn(k, '(serve 1)')).toBe(':new-serve');
  });

  test('an explicit schedule decides the interleaving', () => {
    const src = `(def log (atom []))
      (defn w [log tag] (swap! log conj tag) (swap! log conj tag))
      (def a (spawn w log :a)) (def b (spawn w log :b))
      (join a) (join b) (deref log)`;
    const run = (schedule: number[]): string => {
      const k = createReferenceKernel();
      k.load(0, src);
      k.runAll(listScheduler(schedule, seededScheduler(0)));
      return value(k.results()[0]!.outcome!);
    };
    const ab = run([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const ba = run([0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]);
    expect(ab).toBe('[:a :a :b :b]');
    expect(ba).toBe('[:b :b :a :a]');
  });
});
