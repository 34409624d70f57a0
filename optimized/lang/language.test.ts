import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Kernel, Op } from '../../spec/Kernel.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { createOptimizedKernel, type OptimizedKernelOptions } from '../kernel/OptimizedKernel.js';
import { fnTableSize } from '../heap/values.js';
import { tier2Available } from '../jit/tier2/index.js';
import { implOf } from './runtime.js';
import { Fn } from '../../spec/Values.js';

const TIERS: Record<string, OptimizedKernelOptions> = {
  'tier 0': { tier: 0 },
  'tier 1': { tier: 1, jitThreshold: 0 },
  ...(tier2Available().ok ? { 'tier 2': { tier: 2, jitThreshold: 0, tier2Threshold: 1, tier2Sync: true } } : {}),
};
if (!tier2Available().ok) console.warn(`language.test: tier 2 skipped: ${tier2Available().reason}`);

function trace(k: Kernel, ops: readonly Op[]): string[] {
  return ops.map((op) => JSON.stringify([k.apply(op), k.observe()]).replace(/"message":"[^"]*"/g, ''));
}

const load = (program: string, pid = 0): Op => ({ op: 'load', pid, program });
const run = (pid = 0): Op => ({ op: 'run', pid });
const step = (pid = 0): Op => ({ op: 'step', pid });

/** Scenarios, each judged against the reference kernel on every tier. */
const SCENARIOS: Record<string, readonly Op[]> = {
  'closures in loops keep their own captures': [load('(let [fs (loop [i 0 acc []] (if (< i 4) (recur (inc i) (conj acc (fn [] (* i i)))) acc))] (mapv (fn [f] (f)) fs))'), run()],
  'multi-arity, rest args and self recursion': [load('(do (defn f ([] 0) ([a] (f a 1)) ([a b & more] (+ a b (count more)))) [(f) (f 5) (f 1 2 3 4)])'), run()],
  'recur into a variadic function and a wrong recur count': [load('(do (defn g [n & xs] (if (< n 1) xs (recur (dec n) n))) [(g 3) (try ((fn [a b] (recur 1)) 1 2) (catch e (get e :error)))])'), run()],
  'int64 overflow is an error in every tier': [load('(do (defn m [a] (* a a)) [(m 3037000499) (try (m 3037000500) (catch e (get e :error))) (try (inc 9223372036854775807) (catch e :ovf))])'), run()],
  'errors are values: throw, catch, finally-less try': [load('(do (defn bad [x] (if (> x 2) (throw {:error :stale-stamp :why x}) x)) [(try (bad 5) (catch e e)) (try (bad 1)) (try (nth [] 0))])'), run()],
  'kernel calls inside compiled code fall back to the interpreter': [
    load('(do (def a (atom 0)) (defn bump [n] (loop [i 0] (when (< i n) (swap! a inc) (recur (inc i))))) (dotimes [j 3] (bump 4)) (deref a))'),
    step(),
    step(),
    run(),
  ],
  'fork inside a loop: parent and child slots are separate': [
    load('(let [a (atom [])] (loop [i 0] (when (< i 3) (when (= i 1) (fork)) (swap! a conj i) (recur (inc i)))) (deref a))'),
    run(),
    run(1),
  ],
  'hot deploy: a running call keeps its code, new calls get the new one': [
    load('(do (defn v [] :v1) (defn server [n acc] (if (< n 1) acc (do (when (= n 2) (def v (fn [] :v2))) (recur (dec n) (conj acc (v)))))) [(server 4 []) (v)])'),
    run(),
  ],
  'deep recursion up to the stack quota': [load('(do (defn down [n] (if (< n 1) 0 (inc (down (dec n))))) [(down 5000) (try (down 20000) (catch e :never))])'), run()],
  'sequence walks: lists, vectors, empty lists, nil, and first/next redefined mid-walk': [
    load(
      [
        '(do (defn walk [s] (loop [s s acc []] (if s (recur (next s) (conj acc (first s))) acc)))',
        '[(walk (seq [1 2 3])) (walk [4 5]) (walk (list 6)) (walk ()) (walk nil) (walk "ab") (walk {:a 1}) (walk (rest (rest [1 2 3 4])))',
        ' (loop [s () n 0] (if (< n 3) (if s (recur (next s) (inc n)) [:was-nil n]) [:truthy n]))',
        ' (reduce + 0 (range 10)) (reduce (fn [acc x] (if (= x 3) (do (def first (fn [_] :mine)) acc) (conj acc x))) [] (range 6))',
        ' (walk [7 8 9])',
        ' (do (def next (fn [s] nil)) (walk [1 2 3]))])',
      ].join(''),
    ),
    run(),
  ],
  'reduce over int vectors (tier 2 runs the whole loop when it can)': [
    load(
      [
        '(do (defn add [a x] (+ a x)) (defn mx [a x] (if (> x a) x a)) (defn cmp [a x] (< a x))',
        '[(reduce add 0 (vec (range 100))) (reduce mx -5 [3 9 2]) (reduce add 7 []) (try (reduce add 0 [1 :a]) (catch e (get e :error)))',
        ' (try (reduce add 9223372036854775800 [1 2 3 4 5 6 7 8 9]) (catch e (get e :error))) (reduce add 0 (conj (vec (range 20)) 5))',
        ' (reduce cmp 0 [1 2]) (reduce (fn [a x] (* a x)) 1 [1 2 3 4 5]) (reduce add 0 (list 1 2 3)) (reduce add 0.5 [1 2])',
        ' (do (def add (fn [a x] (- a x))) (reduce add 0 [1 2 3]))',
        ' (do (def first (fn [s] 10)) (reduce mx 0 [1 2 3]))])',
      ].join(''),
    ),
    run(),
  ],
  'validators and watches run programs': [
    load('(let [a (atom 1)] (set-validator! a (fn [x] (pos? x))) (add-watch a :w (fn [k r o n] (println k o n))) (reset! a 2) [(try (reset! a -1) (catch e (get e :error))) (deref a)])'),
    run(),
  ],
};

describe('the optimized kernel runs the language like the reference, on every tier', () => {
  for (const [name, ops] of Object.entries(SCENARIOS)) {
    for (const [tier, options] of Object.entries(TIERS)) {
      it(`${name} (${tier})`, () => {
        expect(trace(createOptimizedKernel(options), ops)).toEqual(trace(new ReferenceKernel(), ops));
      });
    }
  }
});

describe('JIT mechanics', () => {
  it('compiles hot closures (tier 1) and counts compile time', () => {
    const k = createOptimizedKernel({ tier: 1, jitThreshold: 1 });
    k.apply(load('(do (defn sq [x] (* x x)) (reduce + (map sq (range 100))))'));
    expect(k.apply(run())).toEqual({ ok: true, value: '328350' });
    expect(k.tier1!.stats.compiled).toBeGreaterThan(0);
    expect(k.tier1!.stats.compileMs).toBeGreaterThan(0);
  });

  it.runIf(tier2Available().ok)('tier 2 serves numeric calls and steps back when a dependency is redefined', () => {
    const k = createOptimizedKernel({ tier: 2, jitThreshold: 0, tier2Threshold: 2, tier2Sync: true });
    k.apply(load('(do (defn add1 [x] (+ x 1)) (defn sum [n] (loop [i 0 s 0] (if (< i n) (recur (inc i) (add1 s)) s))) [(sum 10) (sum 10) (sum 10) (sum 1000)])'));
    expect(k.apply(run())).toEqual({ ok: true, value: '[10 10 10 1000]' });
    expect(k.tier1!.stats.tier2Calls).toBeGreaterThan(0);
    k.apply(load('(do (defn add1 [x] (+ x 2)) (sum 10))'));
    expect(k.apply(run())).toEqual({ ok: true, value: '20' });
  });

  it.runIf(tier2Available().ok)('tier 2 compiles off the kernel path (asynchronously) and reports its latency', async () => {
    const k = createOptimizedKernel({ tier: 2, jitThreshold: 0, tier2Threshold: 1 });
    k.apply(load('(do (defn tri [n] (loop [i 0 s 0] (if (< i n) (recur (inc i) (+ s i)) s))) [(tri 10) (tri 100)])'));
    expect(k.apply(run())).toEqual({ ok: true, value: '[45 4950]' });
    // The run did not wait for llc-14: nothing was compiled while it ran.
    expect(k.tier1!.stats.tier2Compiled).toBe(0);
    for (let i = 0; i < 200 && k.tier1!.stats.tier2Compiled === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(k.tier1!.stats.tier2Compiled).toBe(1);
    expect(k.tier1!.stats.tier2CompileMs).toBeGreaterThan(0);
    k.apply(load('(tri 1000)'));
    expect(k.apply(run())).toEqual({ ok: true, value: '499500' });
    expect(k.tier1!.stats.tier2Calls).toBeGreaterThan(0);
  });

  it('function versions nobody can reach are collected (heap table and JS heap)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const k = createOptimizedKernel({ tier: 1, jitThreshold: 0 });
    k.apply({ op: 'atom', pid: 0, value: 'nil' });
    k.apply(load('(dotimes [i 50] (reset! #atom 0 (fn [] i)) ((deref #atom 0)))'));
    expect(k.apply(run()).ok).toBe(true);
    k.apply({ op: 'gc' });
    k.apply({ op: 'gc' });
    // Only the version the atom still holds keeps its identity in the heap's table.
    expect(fnTableSize(k.heap)).toBe(1);
    // A redefined function, once nothing holds it, is collected with its compiled code.
    // `caller` is compiled and reaches `old` through its global and call-site caches; `call-it`
    // calls a closure through a call-site cache too.
    k.apply(load('(do (defn old [] :old) (defn caller [] (old)) (caller) (caller) (defn call-it [f] (f)) (call-it (let [big (vec (range 10))] (fn [] big))))'));
    k.apply(run());
    const ns = (k as unknown as { library: { namespace: Map<unknown, unknown> } }).library.namespace; // the program namespace (kernel/library.ts)
    const [ref, code] = (() => {
      const f = [...ns.values()].find((v) => v instanceof Fn && v.name === 'old') as Fn;
      const compiled = (implOf(f) as { lambda: { arities: readonly { jit: { code: unknown } }[] } }).lambda.arities[0]!.jit.code;
      expect(typeof compiled).toBe('function');
      return [new WeakRef(f), new WeakRef(compiled as object)];
    })();
    k.apply(load('(defn old [] :new)'));
    k.apply(run());
    // WeakRef targets stay alive until the current job ends: collect in a later one.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(ref.deref()).toBeUndefined();
    expect(code.deref()).toBeUndefined();
  });
});

describe.runIf(tier2Available().ok)('tier 2 runs reduce over int vectors with tier 1\'s fuel and depth', () => {
  const setup = '(do (defn add [a x] (+ a x)) (defn sum [v] (reduce add 0 v)) (def v (vec (range 40))) (sum v))';
  const outcome = (options: OptimizedKernelOptions, fuel: number, stackDepth = 100): { ok: boolean; text: string; served: number } => {
    const k = createOptimizedKernel({ ...options, quotas: { heapCells: 100_000, fuel, stackDepth } });
    k.apply(load(setup));
    const r = k.apply(run());
    return { ok: r.ok, text: r.ok ? r.value : r.error, served: k.tier1?.stats.tier2Calls ?? 0 };
  };
  const tier1: OptimizedKernelOptions = { tier: 1, jitThreshold: 0 };
  const tier2: OptimizedKernelOptions = { tier: 2, jitThreshold: 0, tier2Threshold: 1, tier2Sync: true };

  it('serves the call, and runs out of fuel at exactly the step tier 1 does', () => {
    // The least fuel with which tier 1 finishes (a binary search), then tier 2 on both sides of it.
    let lo = 1;
    let hi = 100_000;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (outcome(tier1, mid).ok) hi = mid;
      else lo = mid + 1;
    }
    expect(outcome(tier1, lo).text).toBe('780');
    const at = outcome(tier2, lo);
    expect(at).toMatchObject({ ok: true, text: '780' });
    expect(at.served).toBeGreaterThan(0);
    expect(outcome(tier2, lo - 1)).toMatchObject({ ok: false, text: 'fuel-exhausted' });
    expect(outcome(tier1, lo - 1)).toMatchObject({ ok: false, text: 'fuel-exhausted' });
  });

  it('runs out of stack where tier 1 does', () => {
    for (const depth of [1, 2, 3, 4]) expect(outcome(tier2, 1_000_000, depth).text, `stack depth ${depth}`).toBe(outcome(tier1, 1_000_000, depth).text);
  });
});

describe('resource bombs end with a typed error; the kernel keeps serving', () => {
  const BOMBS: Record<string, string> = {
    'a value doubling in size': '(loop [v [1]] (recur (into v v)))',
    'a string doubling in size': '(loop [s "x"] (recur (str s s)))',
    'many medium values kept alive': '(loop [acc [] i 0] (recur (conj acc (vec (range 100))) (inc i)))',
    'the same, inside a compiled function': '(do (defn f [] (loop [acc []] (recur (conj acc (vec (range 100)))))) (f))',
    'an ever longer copy loop': '(loop [acc []] (recur (conj (vec (seq acc)) 1)))',
    'every version of a growing map kept alive': '(loop [acc [] m {} i 0] (recur (conj acc m) (assoc m i i) (inc i)))',
    'old map versions updated over and over': '(let [m0 (reduce (fn [m i] (assoc m i i)) {} (range 2000))] (loop [i 0] (recur (do (assoc m0 (rem i 7) i) (assoc (dissoc m0 3) i i) (inc i)))))',
    'unbounded recursion': '(do (defn f [x] (inc (f x))) (f 1))',
    'an infinite loop': '(loop [] (recur))',
  };
  for (const [name, program] of Object.entries(BOMBS)) {
    for (const [tier, options] of Object.entries({ 'tier 0': { tier: 0 as const }, 'tier 1': { tier: 1 as const, jitThreshold: 0 } })) {
      it(`${name} (${tier})`, () => {
        const k = createOptimizedKernel({ ...options, quotas: { heapCells: 10_000, fuel: 2_000_000, stackDepth: 1_000 } });
        k.apply({ op: 'atom', pid: 0, value: '[:kept]' });
        k.apply({ op: 'spawn', pid: 0 });
        k.apply({ op: 'load', pid: 1, program });
        const r = k.apply({ op: 'run', pid: 1 });
        expect(r.ok).toBe(false);
        expect(['out-of-memory', 'fuel-exhausted', 'stack-overflow']).toContain(r.ok ? '' : r.error);
        // Nothing lost: other processes and their atoms are intact, and the kernel still serves.
        expect(k.apply({ op: 'deref', pid: 0, ref: 0 })).toEqual({ ok: true, value: '[[:kept] 0]' });
        k.apply({ op: 'load', pid: 0, program: '(+ 1 2)' });
        expect(k.apply({ op: 'run', pid: 0 })).toEqual({ ok: true, value: '3' });
      });
    }
  }
});
