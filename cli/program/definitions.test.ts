import { describe, expect, it } from 'vitest';
import { ReferenceKernel } from '../../reference/index.js';
import { MemoryStore } from '../../store/index.js';
import { DEFINITIONS_ATOM, definitionsIn, recordDefinitions, recordedDefinitions, replayDefinitions } from './definitions.js';

describe('recorded definitions', () => {
  it('picks def, defn and defmacro forms out of an input, as printed source', () => {
    expect(definitionsIn('(def a 1) (+ a 2) (defn f [x] "s" (inc x)) (defmacro m [x] x) (let [def 1] def)')).toEqual(['(def a 1)', '(defn f [x] "s" (inc x))', '(defmacro m [x] x)']);
    expect(definitionsIn('(def a')).toEqual([]);
  });

  it('records in order, durably, skipping a source identical to the latest definition of its name', () => {
    const store = new MemoryStore();
    recordDefinitions(store, ['(def a 1)', '(defn f [x] x)']);
    recordDefinitions(store, ['(def a 1)', '(def a 2)', '(def a 1)']);
    expect(recordedDefinitions(store)).toEqual(['(def a 1)', '(defn f [x] x)', '(def a 2)', '(def a 1)']);
    expect(store.pending()).toBe(0);
    expect(store.history(DEFINITIONS_ATOM).map((tr) => tr.stamp)).toEqual([0, 1]);
  });

  it('replays them into a new kernel before anything else', () => {
    const store = new MemoryStore();
    recordDefinitions(store, ['(def a 20)', '(defn f [x] (+ x a 1))']);
    const k = new ReferenceKernel({ store });
    expect(replayDefinitions(k, store)).toBe(2);
    k.load(0, '(f 21)');
    k.runAll();
    expect(k.results()[0]!.outcome).toEqual({ ok: true, value: '42' });
  });
});
