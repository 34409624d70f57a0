import { describe, expect, it } from 'vitest';
import { printEdn, readEdn } from './codec/Edn.js';
import { CodeError, compileOpCode, isModelledCode } from './OpCode.js';
import { createSpecKernel, specAccepts } from './SpecEngine.js';
import { INT64_MAX } from './Values.js';

/** Applies `src` to the value `arg` (EDN) → the result as EDN, or `!kind`. */
function run(src: string, arg: string): string {
  const c = compileOpCode(src);
  if (c.kind !== 'fn') return `<${c.kind}>`;
  try {
    return printEdn(c.fn.call(readEdn(arg)));
  } catch (e) {
    if (e instanceof CodeError) return `!${e.kind}`;
    throw e;
  }
}

describe('OpCode: the meaning of operation-level code', () => {
  it('evaluates literals, the parameter, if, let, do and the derived forms', () => {
    expect(run('(fn [x] x)', '[1 2]')).toBe('[1 2]');
    expect(run('(fn [x] :a)', '7')).toBe(':a');
    expect(run('(fn [x] (if (= x 1) 0 1))', '1')).toBe('0');
    expect(run('(fn [x] (if (= x 1) 0 1))', '1.0')).toBe('1'); // = is structural: 1 and 1.0 differ
    expect(run('(fn [x] (if x :t))', 'false')).toBe('nil');
    expect(run('(fn [x] (let [y (inc x) z (* y 2)] [x y z]))', '3')).toBe('[3 4 8]');
    expect(run('(fn [x] (do 1 2 x))', '"s"')).toBe('"s"');
    expect(run('(fn [x] (when (int? x) (inc x)))', ':k')).toBe('nil');
    expect(run('(fn [x] (when-not (int? x) :no))', ':k')).toBe(':no');
    expect(run('(fn [x] (cond (int? x) :int (vector? x) :vec :else :other))', '[]')).toBe(':vec');
    expect(run('(fn [x] (and x (count x)))', 'nil')).toBe('nil');
    expect(run('(fn [x] (or x :dflt))', 'false')).toBe(':dflt');
    expect(run('(fn [x] (quote (a b)))', '0')).toBe('(a b)');
    expect(run('(fn [x] [x {:k x} #{x 1}])', '1')).toBe('[1 {:k 1} #{1}]');
    expect(run('(fn [x] (:k x))', '{:k 5}')).toBe('5');
    expect(run('(fn [x] (:k x :none))', '[1]')).toBe(':none');
  });

  it('has int64 arithmetic: overflow and type errors are program errors, int with double gives a double', () => {
    expect(run('(fn [x] (+ x 1))', '41')).toBe('42');
    expect(run('(fn [x] (+ x 1))', String(INT64_MAX))).toBe('!program-error');
    expect(run('(fn [x] (- x))', String(-INT64_MAX - 1n))).toBe('!program-error');
    expect(run('(fn [x] (+ x 1))', ':a')).toBe('!program-error');
    expect(run('(fn [x] (+ x 1))', '1.5')).toBe('2.5');
    expect(run('(fn [x] (inc x))', '2.0')).toBe('3.0');
    expect(run('(fn [x] (dec x))', '0')).toBe('-1');
    expect(run('(fn [x] (< x 3))', '2')).toBe('true');
    expect(run('(fn [x] (< x 3))', '"a"')).toBe('!program-error');
    expect(run('(fn [x] (even? x))', '2.0')).toBe('!program-error');
  });

  it('builds collections as new values and refuses what the language refuses', () => {
    expect(run('(fn [v] (conj v 7))', '[1]')).toBe('[1 7]');
    expect(run('(fn [v] (conj v 7))', '(1)')).toBe('(7 1)');
    expect(run('(fn [v] (conj v 7))', 'nil')).toBe('(7)');
    expect(run('(fn [v] (conj v 7))', '#{7}')).toBe('#{7}');
    expect(run('(fn [v] (conj v 7))', '{}')).toBe('!program-error');
    expect(run('(fn [v] (conj v [:a 1]))', '{}')).toBe('{:a 1}');
    expect(run('(fn [v] (conj v 7))', '3')).toBe('!program-error');
    expect(run('(fn [m] (assoc m :k 1))', '{:a 0}')).toBe('{:a 0, :k 1}');
    expect(run('(fn [m] (assoc m :k 1))', 'nil')).toBe('{:k 1}');
    expect(run('(fn [m] (assoc m :k 1))', '[1 2]')).toBe('!program-error');
    expect(run('(fn [m] (assoc m 2 :z))', '[1 2]')).toBe('[1 2 :z]');
    expect(run('(fn [m] (assoc m 3 :z))', '[1 2]')).toBe('!program-error');
    expect(run('(fn [m] (dissoc m :a))', '{:a 1 :b 2}')).toBe('{:b 2}');
    expect(run('(fn [m] (dissoc m :a))', '[1]')).toBe('!program-error');
    expect(run('(fn [v] (nth v 1))', '[1 2]')).toBe('2');
    expect(run('(fn [v] (nth v 1))', '"ab"')).toBe('\\b');
    expect(run('(fn [v] (nth v 1))', '[1]')).toBe('!program-error');
    expect(run('(fn [v] (nth v 1))', '{:a 1}')).toBe('!program-error');
    expect(run('(fn [v] (nth v 5 :d))', '[1]')).toBe(':d');
    expect(run('(fn [v] (get v 0))', '[9]')).toBe('9');
    expect(run('(fn [v] (get v :a))', '7')).toBe('nil');
    expect(run('(fn [v] (count v))', '{:a 1 :b 2}')).toBe('2');
    expect(run('(fn [v] (count v))', '7')).toBe('!program-error');
    expect(run('(fn [x] [x x])', '[1]')).toBe('[[1] [1]]');
  });

  it('checks argument counts when the function runs', () => {
    expect(run('(fn [x] (inc x x))', '1')).toBe('!program-error');
    expect(run('(fn [x] (assoc x :k))', '{}')).toBe('!program-error');
    expect(run('(fn [x] (not))', '1')).toBe('!program-error');
  });

  it('says which code is outside the subset, and which source every kernel refuses', () => {
    for (const src of ['(fn [x] (map inc x))', '(fn [x] (loop [] x))', '(fn [x y] x)', '(fn [& xs] xs)', '(fn [x] (throw x))', 'inc', '(fn [x] (let [inc 1] inc))', '(fn [x] (f x))', '(fn [x] (x 1))', '(fn [x] (atom x))', '(fn f [x] x)']) {
      expect([src, compileOpCode(src).kind]).toEqual([src, 'not-modelled']);
      expect(isModelledCode(src)).toBe(false);
    }
    for (const src of ['(fn [x] x', '', '(fn [x] x) (fn [y] y)', '#{1 1}']) expect([src, compileOpCode(src).kind]).toEqual([src, 'bad-input']);
    expect(compileOpCode(42).kind).toBe('bad-input');
  });
});

describe('spec kernel: swaps, validators and watches', () => {
  it('runs swap and swapVals with retries as one step (nothing can interleave at the operation level)', () => {
    const k = createSpecKernel();
    expect(k.apply({ op: 'atom', pid: 0, value: '1' })).toEqual({ ok: true, value: '#atom 0' });
    expect(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (+ x 1))' })).toEqual({ ok: true, value: '2' });
    expect(k.apply({ op: 'swapVals', pid: 0, ref: 0, fn: '(fn [x] [x x])' })).toEqual({ ok: true, value: '[2 [2 2]]' });
    expect(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (+ x 1))' })).toMatchObject({ ok: false, error: 'program-error' });
    expect(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] x' })).toMatchObject({ ok: false, error: 'bad-input' });
    expect(k.apply({ op: 'swap', pid: 0, ref: 9, fn: '(fn [x] x)' })).toMatchObject({ ok: false, error: 'capability-denied' });
    expect(k.apply({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (map inc x))' })).toMatchObject({ ok: false, error: 'unsupported' });
    expect(k.observe().processes[0]!.atoms).toEqual([{ ref: 0, value: '[2 2]', stamp: 2 }]);
  });

  it('checks validators before each write and records watches as [key old new]', () => {
    const k = createSpecKernel();
    k.apply({ op: 'atom', pid: 0, value: '0' });
    expect(k.apply({ op: 'addWatch', pid: 0, ref: 0, key: ':w' })).toEqual({ ok: true, value: 'nil' });
    expect(k.apply({ op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (if (= x 1) false true))' })).toEqual({ ok: true, value: 'nil' });
    expect(k.apply({ op: 'reset', pid: 0, ref: 0, value: '1' })).toMatchObject({ ok: false, error: 'validator-rejected' });
    expect(k.apply({ op: 'reset', pid: 0, ref: 0, value: '2' })).toEqual({ ok: true, value: '2' });
    expect(k.apply({ op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (= x 1))' })).toMatchObject({ ok: false, error: 'validator-rejected' });
    expect(k.apply({ op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (< x :a))' })).toMatchObject({ ok: false, error: 'program-error' });
    expect(k.apply({ op: 'removeWatch', pid: 0, ref: 0, key: ':w' })).toEqual({ ok: true, value: 'nil' });
    k.apply({ op: 'reset', pid: 0, ref: 0, value: '3' });
    expect(k.observe().processes[0]!.output).toEqual(['[:w 0 2]']);
  });

  it("a failing validator is the writer's error when the writer installed it, a rejection when another process did", () => {
    const k = createSpecKernel();
    k.apply({ op: 'atom', pid: 0, value: '0' });
    k.apply({ op: 'spawn', pid: 0 });
    expect(k.apply({ op: 'share', pid: 0, ref: 0, to: 1 })).toEqual({ ok: true, value: '#atom 1' });
    k.apply({ op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (< x 10))' });
    expect(k.apply({ op: 'reset', pid: 0, ref: 0, value: ':a' })).toMatchObject({ ok: false, error: 'program-error' });
    expect(k.apply({ op: 'reset', pid: 1, ref: 1, value: ':a' })).toMatchObject({ ok: false, error: 'validator-rejected' });
    expect(k.apply({ op: 'reset', pid: 1, ref: 1, value: '5' })).toEqual({ ok: true, value: '5' });
  });

  it('judges only operations whose code it models', () => {
    expect(specAccepts({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (inc x))' })).toBe(true);
    expect(specAccepts({ op: 'swap', pid: 0, ref: 0, fn: '(fn [x] (reduce + x))' })).toBe(false);
    expect(specAccepts({ op: 'setValidator', pid: 0, ref: 0, fn: null })).toBe(true);
    expect(specAccepts({ op: 'load', pid: 0, program: '1' })).toBe(false);
    expect(specAccepts({ op: 'frobnicate', pid: 0 })).toBe(true);
  });
});
