import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSpecKernel } from '../../spec/SpecEngine.js';
import { printEdn } from '../../spec/codec/Edn.js';
import type { Kernel, Op } from '../../spec/Kernel.js';
import { createOptimizedKernel, createSharedMemory, OPTIMIZED_MUTANTS, PlainMemory } from '../index.js';
import { arbValue } from '../../harness/generators/specValues.js';
import { ReferenceKernel } from '../../reference/kernel.js';
import { binaryLoad } from '../../harness/generators/binaryLoads.js';
import { MemoryStore } from '../../store/MemoryStore.js';

/** Loads `text` as a binary program (canonical, or non-canonical variant 0) and runs it. */
const binaryRun = (text: string, encoding: 'binary' | 'non-canonical'): Op[] => [{ op: 'load', pid: 0, ...binaryLoad(text, encoding, 0)! } as Op, { op: 'run', pid: 0 }];

const edn = arbValue.map(printEdn);
const prog = (program: string): Op => ({ op: 'load', pid: 0, program });
const run0: Op = { op: 'run', pid: 0 };
/** Pid 0 creates a private #atom 0 and a mailbox #atom 1, spawns pid 1 and shares the mailbox with it (pid 1's #atom 2). */
const mailbox: readonly Op[] = [
  { op: 'atom', pid: 0, value: ':secret' },
  { op: 'atom', pid: 0, value: '0' },
  { op: 'spawn', pid: 0 },
  { op: 'share', pid: 0, ref: 1, to: 1 },
];
const pid = fc.integer({ min: 0, max: 4 });
const ref = fc.integer({ min: 0, max: 9 });

/** Op sequences over a few processes: every op the optimized kernel supports, GC steps included. */
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('spawn' as const), pid }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('fork' as const), pid }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('exit' as const), pid: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('atom' as const), pid, value: edn }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('deref' as const), pid, ref }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('reset' as const), pid, ref, value: edn }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('cas' as const), pid, ref, stamp: fc.integer({ min: 0, max: 3 }), value: edn }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('compareAndSet' as const), pid, ref, expected: edn, value: edn }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('resetVals' as const), pid, ref, value: edn }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('share' as const), pid, ref, to: pid }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('hold' as const), pid, reg: fc.integer({ min: 0, max: 2 }), value: fc.option(edn, { nil: null }) }), weight: 2 },
  { arbitrary: fc.constant({ op: 'gcStep' as const }), weight: 4 },
  { arbitrary: fc.constant({ op: 'gc' as const }), weight: 1 },
);

function outcomeKey(k: Kernel, op: Op): string {
  const o = k.apply(op);
  return o.ok ? `ok ${o.value}` : `error ${o.error}`;
}

/** Runs `ops` on both kernels; returns the first step where they differ, or -1. */
function firstDivergence(a: Kernel, b: Kernel, ops: readonly Op[]): number {
  for (let i = 0; i < ops.length; i++) {
    if (outcomeKey(a, ops[i]!) !== outcomeKey(b, ops[i]!)) return i;
    if (JSON.stringify(a.observe()) !== JSON.stringify(b.observe())) return i;
  }
  return -1;
}

describe('optimized kernel against the spec kernel (op level)', () => {
  it('agrees on every outcome and observation, with GC steps interleaved (debug invariants on)', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), fc.integer({ min: 8, max: 200 }), (ops, budget) => {
        const opt = createOptimizedKernel({ debug: true, gcStepBudget: budget });
        expect(firstDivergence(createSpecKernel(), opt, ops)).toBe(-1);
        opt.checkInvariants();
      }),
      { numRuns: 150 },
    );
  });

  it('runs unchanged on the shared (SharedArrayBuffer + Atomics) backend', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 40 }), (ops) => {
        const opt = createOptimizedKernel({ debug: true, gcStepBudget: 64, memory: createSharedMemory({ initialWords: 1 << 18 }) });
        expect(firstDivergence(createSpecKernel(), opt, ops)).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('never stores to a published word (a strict backend faults on it), GC moves included', () => {
    /** Plain memory that throws on any store/CAS into a published, not yet retired, word. */
    class StrictMemory extends PlainMemory {
      private published = new Uint8Array(1 << 18);
      override grow(words: number): void {
        super.grow(words);
        if (this.size() > this.published.length) {
          const next = new Uint8Array(this.size());
          next.set(this.published);
          this.published = next;
        }
      }
      override store32(addr: number, value: number): void {
        if (this.published[addr] === 1) throw new Error(`store to published word ${addr}`);
        super.store32(addr, value);
      }
      override cas32(addr: number, expected: number, value: number): number {
        if (this.published[addr] === 1) throw new Error(`CAS on published word ${addr}`);
        return super.cas32(addr, expected, value);
      }
      override copy(dst: number, src: number, words: number): void {
        for (let i = 0; i < words; i++) if (this.published[dst + i] === 1) throw new Error(`copy into published word ${dst + i}`);
        super.copy(dst, src, words);
      }
      override publish(addr: number, words: number): void {
        this.published.fill(1, addr, addr + words);
      }
      override retire(addr: number, words: number): void {
        this.published.fill(0, addr, addr + words);
      }
    }
    // The case that found it on the hardware model: a moved vector's hash is filled after the move.
    const moved: Op[] = [
      { op: 'atom', pid: 0, value: '[1 2]' },
      { op: 'atom', pid: 0, value: '{:a (1 2) :b #{3}}' },
      { op: 'gc' },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: '(1 2)', value: '3' },
      { op: 'compareAndSet', pid: 0, ref: 1, expected: '{:a [1 2] :b #{3}}', value: '4' },
    ];
    const strict = createOptimizedKernel({ gcEvacuateBelow: 2, memory: new StrictMemory({ initialWords: 1 << 18 }) });
    expect(firstDivergence(createSpecKernel(), strict, moved)).toBe(-1);
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 50 }), (ops) => {
        const opt = createOptimizedKernel({ gcStepBudget: 32, gcEvacuateBelow: 2, memory: new StrictMemory({ initialWords: 1 << 18 }) });
        expect(firstDivergence(createSpecKernel(), opt, ops)).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  it('a GC step does bounded work whatever the heap size (no pause proportional to the heap)', () => {
    const maxStepWork = (live: number): number => {
      const k = createOptimizedKernel({ gcStepBudget: 512 });
      k.apply({ op: 'atom', pid: 0, value: `[${Array.from({ length: live }, (_, i) => `{:k ${i}}`).join(' ')}]` });
      for (let g = 0; g < 3; g++) k.apply({ op: 'reset', pid: 0, ref: 0, value: `[${Array.from({ length: live }, (_, i) => `{:k ${i + g}}`).join(' ')}]` });
      let max = 0;
      let steps = 0;
      do {
        k.collector.step();
        max = Math.max(max, k.collector.lastStepWork);
        steps++;
      } while (k.collector.phase !== 'idle');
      expect(steps).toBeGreaterThan(live / 200); // the work really is spread over many steps
      return max;
    };
    const small = maxStepWork(1_000);
    const large = maxStepWork(30_000);
    // budget + one cell (≤ ~130 words) + the candidate list (a few regions): independent of the heap
    expect(small).toBeLessThan(512 + 200);
    expect(large).toBeLessThan(512 + 200);
  });

  it('handles malformed input like the spec kernel', () => {
    const bad: Op[] = [
      { op: 'atom', pid: 0, value: '{:a' },
      { op: 'atom', pid: 0, value: '99999999999999999999' },
      { op: 'deref', pid: 0, ref: -1 },
      { op: 'deref', pid: 7, ref: 0 },
      { op: 'hold', pid: 0, reg: 1.5, value: '1' },
      { op: 'swap', pid: 0, ref: 0, fn: '(fn [x] x)' },
      { op: 'nope' } as unknown as Op,
    ];
    const spec = createSpecKernel();
    const opt = createOptimizedKernel();
    for (const op of bad) {
      const s = spec.apply(op);
      const o = opt.apply(op);
      expect(o.ok).toBe(false);
      if (!s.ok && !o.ok && op.op !== 'swap') expect(o.error).toBe(s.error);
    }
  });

  it('fork copies only the atom table: its work does not grow with the heap', () => {
    const work = (live: number): number => {
      const k = createOptimizedKernel();
      const big = `[${Array.from({ length: live }, (_, i) => i).join(' ')}]`;
      for (let i = 0; i < 10; i++) k.apply({ op: 'atom', pid: 0, value: i === 0 ? big : String(i) });
      const cells = k.heap.counters.cellsAllocated;
      k.work.forkCopies = 0;
      expect(k.apply({ op: 'fork', pid: 0 }).ok).toBe(true);
      expect(k.heap.counters.cellsAllocated).toBe(cells); // fork allocates no heap cell
      return k.work.forkCopies;
    };
    expect(work(100_000)).toBe(work(10));
  });

  it('the collector frees garbage and compacts: live data survives many cycles', () => {
    const k = createOptimizedKernel({ debug: true, gcStepBudget: 256 });
    const r = k.apply({ op: 'atom', pid: 0, value: '{:n 0}' });
    expect(r).toEqual({ ok: true, value: '#atom 0' });
    for (let i = 1; i <= 300; i++) {
      k.apply({ op: 'reset', pid: 0, ref: 0, value: `{:n ${i} :junk [${'1 '.repeat(50)}]}` });
      k.apply({ op: 'gcStep' });
    }
    k.apply({ op: 'gc' });
    k.apply({ op: 'gc' });
    expect(k.collector.stats.freed).toBeGreaterThan(200);
    expect(k.collector.stats.moved).toBeGreaterThan(0);
    expect(k.apply({ op: 'deref', pid: 0, ref: 0 })).toEqual({ ok: true, value: `[{:junk [${'1 '.repeat(49)}1], :n 300} 300]` });
    k.checkInvariants();
  });
});

describe('seeded bugs have teeth', () => {
  // Old garbage between collections (a vector promoted by one collection, dropped before the
  // next), with small maps that outlive it in its regions (moved, then re-encoded as structs).
  const CHURN = '(let [j (atom 0)] (do (atom {:a 1 :b 2}) (reset! j (vec (range 300))) (gc) (reset! j 0) (gc) (atom {:c 1 :d 2}) (reset! j (vec (range 300))) (gc) (reset! j 0) (gc) (atom {:a 3 :b 4}) (reset! j (vec (range 300))) (gc) (reset! j 0) (gc) (deref j)))';
  const scenarios: Record<string, Op[]> = {
    'codec-int64-sign': binaryRun('[-9223372036854775807 -4294967296]', 'binary'),
    'codec-drops-nil-entry': binaryRun('{:a nil :b 1}', 'binary'),
    'codec-accepts-noncanonical': binaryRun('[1 2 3]', 'non-canonical'),
    'codec-astral-char': binaryRun('[\\😀 "😀"]', 'binary'),
    'hold-clears-registers': [
      { op: 'hold', pid: 0, reg: 0, value: '[:a 1]' },
      { op: 'hold', pid: 0, reg: 1, value: '[:b 2]' },
      { op: 'hold', pid: 0, reg: 1, value: null },
    ],
    'cas-compares-values': [
      { op: 'atom', pid: 0, value: '1' },
      { op: 'reset', pid: 0, ref: 0, value: '2' },
      { op: 'reset', pid: 0, ref: 0, value: '1' },
      { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '3' },
    ],
    'fork-shares-private': [
      { op: 'atom', pid: 0, value: '1' },
      { op: 'fork', pid: 0 },
      { op: 'reset', pid: 1, ref: 0, value: '2' },
    ],
    'share-by-non-creator': [
      { op: 'spawn', pid: 0 },
      { op: 'spawn', pid: 0 },
      { op: 'atom', pid: 0, value: '1' },
      { op: 'share', pid: 0, ref: 0, to: 1 },
      { op: 'share', pid: 1, ref: 1, to: 2 },
    ],
    'hash-mismatch': [
      { op: 'atom', pid: 0, value: '[1 2]' },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: '(1 2)', value: '3' },
    ],
    'quota-not-enforced': [{ op: 'atom', pid: 0, value: '[[1] [2] [3] [4]]' }],
    // The language's seeded bugs: programs, judged against the reference kernel.
    'swap-no-retry': [
      { op: 'atom', pid: 0, value: '0' },
      { op: 'spawn', pid: 0 },
      { op: 'share', pid: 0, ref: 0, to: 1 },
      { op: 'load', pid: 0, program: '(swap! #atom 0 (fn [x] (do (deref #atom 0) (+ x 1))))' },
      { op: 'load', pid: 1, program: '(reset! #atom 1 100)' },
      { op: 'step', pid: 0 },
      { op: 'step', pid: 0 },
      { op: 'run', pid: 1 },
      { op: 'run', pid: 0 },
    ],
    'reset-skips-validator': [prog('(let [a (atom 1)] (set-validator! a pos?) [(try (reset! a -1) (catch e :rejected)) (deref a)])'), run0],
    'in-place-update-shared': [prog('(let [a (atom [1 2 3]) v (deref a)] (assoc v 0 :x) (deref a))'), run0],
    'watch-before-write': [prog('(let [a (atom 1)] (set-validator! a pos?) (add-watch a :k (fn [k r o n] (println o n))) (try (reset! a -1) (catch e nil)) (deref a))'), run0],
    'hot-deploy-replaces-running': [prog('(do (defn f [n] (if (< n 1) :old (do (defn f [m] :new) (recur (dec n))))) (f 3))'), run0],
    'collection-off-by-one': [prog('(nth [1 2 3] 2)'), run0],
    // ADR 0024: pid 0 shares a mailbox (#atom 1) with pid 1, whose watch/validator tries pid 0's #atom 0.
    'watch-runs-as-writer': [...mailbox, { op: 'load', pid: 1, program: '(add-watch #atom 2 :spy (fn [k r o n] (println (self) r) (reset! #atom 0 :pwned)))' }, { op: 'run', pid: 1 }, { op: 'reset', pid: 0, ref: 1, value: '1' }, { op: 'deref', pid: 0, ref: 0 }],
    'validator-runs-as-writer': [...mailbox, { op: 'load', pid: 1, program: '(set-validator! #atom 2 (fn [x] (if (= x 0) true (do (reset! #atom 0 :pwned) true))))' }, { op: 'run', pid: 1 }, { op: 'reset', pid: 0, ref: 1, value: '1' }, { op: 'deref', pid: 0, ref: 0 }],
    'foreign-code-charged-to-writer': [...mailbox, { op: 'load', pid: 1, program: '(add-watch #atom 2 :loop (fn [k r o n] (loop [] (recur))))' }, { op: 'run', pid: 1 }, { op: 'load', pid: 0, program: '(do (reset! #atom 1 1) :parent-done)' }, { op: 'run', pid: 0 }],
    'join-any-process': [prog('(def a (spawn (fn [] :a))) (def b (spawn (fn [p] (try (join p) (catch e (get e :error)))) a)) :ok'), run0, { op: 'run', pid: 1 }, { op: 'run', pid: 2 }],
    'no-process-limit': Array.from({ length: 65 }, (): Op => ({ op: 'fork', pid: 0 })),
    'jit-wrong-overflow': [prog('(do (defn sub [a b] (- a b)) (try (sub -9223372036854775800 100) (catch e :overflow)))'), run0],
    'jit-wrong-capture': [prog('(do (defn mk [n] (loop [i 0 acc []] (if (< i n) (recur (inc i) (conj acc (fn [] i))) acc))) (mapv (fn [f] (f)) (mk 3)))'), run0],
    'jit-tier2-compare': [prog('(do (defn below [n k] (loop [i 0 c 0] (if (< i n) (recur (inc i) (if (< i k) (inc c) c)) c))) [(below 5 2) (below 5 2) (below 5 2) (below 5 2) (below 3 3)])'), run0],
    // a loop variable whose start is small but whose passes square it past int64: bounded by its start alone, the square goes unchecked
    'jit-tier2-range-init': [prog('(do (defn sq [n] (loop [i 0 acc 7] (if (< i n) (recur (inc i) (* acc acc)) acc))) [(sq 2) (sq 2) (sq 2) (sq 2) (try (sq 5) (catch e (get e :error)))])'), run0],
    'jit-stale-code': [prog('(do (defn g [] 1) (defn h [] (g)) (let [a (h)] (defn g [] 2) [a (h)]))'), run0],
    // The heap's internals (collections, collector, re-encoding): values stored, moved and read back.
    'vec-push-tail-index': [{ op: 'atom', pid: 0, value: `[${Array.from({ length: 40 }, (_, i) => i).join(' ')}]` }, { op: 'deref', pid: 0, ref: 0 }],
    'vec-tail-offset': [{ op: 'atom', pid: 0, value: `[${Array.from({ length: 64 }, (_, i) => i).join(' ')}]` }, { op: 'deref', pid: 0, ref: 0 }],
    'champ-bitmap-index': [
      { op: 'atom', pid: 0, value: `{${Array.from({ length: 40 }, (_, i) => `${i} ${i}`).join(' ')}}` },
      { op: 'compareAndSet', pid: 0, ref: 0, expected: `{${Array.from({ length: 40 }, (_, i) => `${39 - i} ${39 - i}`).join(' ')}}`, value: ':same' },
    ],
    'champ-collision-count': [{ op: 'atom', pid: 0, value: '#{-5809 28636 1}' }, { op: 'deref', pid: 0, ref: 0 }],
    'vmap-stale-version': [prog('(let [vs (reduce (fn [acc i] (conj acc (assoc (nth acc (dec (count acc))) (rem i 7) i))) [{}] (range 20))] [(nth vs 2) (nth vs 11)])'), run0],
    'gc-swap-before-copy': [prog(CHURN), run0],
    'reencode-shape-by-count': [prog(CHURN), run0],
    'gc-skips-interned': [{ op: 'atom', pid: 0, value: '0' }, prog('(reset! #atom 0 [(keyword "zz") 1])'), run0, prog('(reset! #atom 0 1)'), run0, { op: 'gc' }, { op: 'gc' }, prog('(reset! #atom 0 [:qq (keyword "zz") :yy])'), run0, { op: 'gc' }, { op: 'deref', pid: 0, ref: 0 }],
    'gc-allocates-white': [prog('(loop [i 0] (if (< i 300) (do (atom [i i]) (recur (inc i))) 0))'), run0, { op: 'gcStep' }, { op: 'reset', pid: 0, ref: 0, value: '[1 2 3]' }, { op: 'hold', pid: 0, reg: 1, value: '[4 5]' }, { op: 'gcStep' }, { op: 'gcStep' }, { op: 'gcStep' }, { op: 'deref', pid: 0, ref: 0 }],
    'gc-minor-skips-atoms': [{ op: 'atom', pid: 0, value: '[1 [2 3]]' }, { op: 'gcStep' }, { op: 'deref', pid: 0, ref: 0 }],
    'gc-promote-shallow': [{ op: 'hold', pid: 0, reg: 0, value: '[[1 2] {:a [3]}]' }, { op: 'gcStep' }, { op: 'atom', pid: 0, value: '[4 5 6]' }, { op: 'gcStep' }, { op: 'fork', pid: 0 }],
    'fork-drops-register': [{ op: 'hold', pid: 0, reg: 0, value: '[1]' }, { op: 'hold', pid: 0, reg: 2, value: '[2]' }, { op: 'fork', pid: 0 }],
    'durable-write-not-logged': [prog('(let [h (durable-atom :hits 0)] (swap! h inc) (reset! h 5) (history h))'), run0],
    'jit-try-depth-leak': [prog('(do (defn thr [n] (if (< n 1) (throw :x) (inc (thr (dec n))))) (defn dp [n] (if (< n 1) 0 (inc (dp (dec n))))) (defn unw [] (loop [i 0] (if (< i 100) (do (try (thr 95) (catch e e)) (recur (inc i))) (dp 500)))) (unw))'), run0],
    'jit-fallback-args': [prog('(do (defn sumto [n k] (loop [i 0 acc k] (if (< i n) (recur (inc i) (+ acc i)) acc))) [(sumto 3 0) (sumto 4 1) (sumto 5 2) (sumto 6 3) (try (sumto 9 9223372036854775806) (catch e (get e :error)))])'), run0],
  };
  for (const m of OPTIMIZED_MUTANTS) {
    it(`${m.name} is detected`, () => {
      const quotas = m.name === 'quota-not-enforced' ? { heapCells: 3 } : m.name === 'foreign-code-charged-to-writer' ? { fuel: 200_000 } : undefined;
      if (m.name === 'gc-ignores-registers') {
        const k = createOptimizedKernel({ mutants: [m.name], debug: true });
        k.apply({ op: 'hold', pid: 0, reg: 0, value: '[1 2 3]' });
        expect(() => k.apply({ op: 'gc' })).toThrow(/NoDangling|ReachableNeverFreed/);
        const good = createOptimizedKernel({ debug: true });
        good.apply({ op: 'hold', pid: 0, reg: 0, value: '[1 2 3]' });
        expect(good.apply({ op: 'gc' }).ok).toBe(true);
        return;
      }
      if (m.needs === 'multicore') {
        // Only a weakly ordered multi-core backend can show it (tests/properties/hwFence.test.ts);
        // on the plain backend the mutant must change nothing, even across evacuations.
        const ops: Op[] = [{ op: 'atom', pid: 0, value: '[1 2]' }];
        for (let i = 0; i < 30; i++) ops.push({ op: 'reset', pid: 0, ref: 0, value: `{:k ${i} :v [${i}]}` }, { op: 'gcStep' });
        const bad = createOptimizedKernel({ mutants: [m.name], gcEvacuateBelow: 2, gcStepBudget: 64 });
        expect(firstDivergence(createSpecKernel(), bad, ops)).toBe(-1);
        expect(bad.collector.stats.moved).toBeGreaterThan(0);
        return;
      }
      const ops = scenarios[m.name];
      expect(ops, `a scenario for ${m.name}`).toBeDefined();
      // Programs need the reference as oracle (the spec kernel has no language); jitThreshold 0
      // compiles every closure on its first call, so the JIT's seeded bugs are reached.
      // Each kernel has a fresh store of its own, as in a campaign, so durable atoms are reached.
      const oracle = (): Kernel => (ops!.some((o) => o.op === 'load') ? new ReferenceKernel({ store: new MemoryStore() }) : createSpecKernel());
      const jit = m.name === 'jit-tier2-compare' || m.name === 'jit-tier2-range-init' || m.name === 'jit-fallback-args' ? ({ tier: 2, tier2Sync: true, tier2Threshold: 3 } as const) : {};
      const good = createOptimizedKernel({ quotas, jitThreshold: 0, ...jit, store: new MemoryStore() });
      const bad = createOptimizedKernel({ quotas, mutants: [m.name], jitThreshold: 0, ...jit, store: new MemoryStore() });
      if (m.name !== 'quota-not-enforced') expect(firstDivergence(oracle(), good, ops!)).toBe(-1);
      if (m.name === 'quota-not-enforced') {
        expect(good.apply(ops![0]!).ok).toBe(false);
        expect(bad.apply(ops![0]!).ok).toBe(true);
      } else {
        // A seeded heap bug may corrupt the heap so that the kernel fails outright: detected too.
        let at: number;
        try {
          at = firstDivergence(oracle(), bad, ops!);
        } catch {
          at = 0;
        }
        expect(at).toBeGreaterThanOrEqual(0);
      }
    });
  }
});
