// The durable kernel calls (durable-atom, history, basis, as-of, since) on both kernels over a
// MemoryStore: the same answers, writes acknowledged in the store, reopening (a new kernel on
// the same store) continues where the last one stopped; and without a store, the typed error.
import { describe, expect, it } from 'vitest';
import { createOptimizedKernel } from '../../optimized/index.js';
import { ReferenceKernel } from '../../reference/index.js';
import { seededScheduler } from '../../reference/schedulers.js';
import type { KernelOptions, Outcome, ProgramHost } from '../../spec/Kernel.js';
import { MemoryStore } from '../../store/index.js';

type Make = (options: KernelOptions) => ProgramHost;
const KERNELS: readonly (readonly [string, Make])[] = [
  ['reference', (o) => new ReferenceKernel(o)],
  ['optimized', (o) => createOptimizedKernel(o)],
];

/** Runs `text` in process 0 of a fresh kernel on `store` → process 0's outcome and output. */
function run(make: Make, store: MemoryStore | undefined, text: string): { outcome: Outcome | null; output: readonly string[] } {
  const k = make(store === undefined ? {} : { store });
  k.load(0, text);
  k.runAll(seededScheduler(1));
  return { outcome: k.results()[0]!.outcome, output: k.processList()[0]!.output };
}

/** Sessions: each runs on a new kernel over the same store (a reopen). */
const SESSIONS: readonly (readonly string[])[] = [
  [
    `(def c (durable-atom :counter 0)) (swap! c inc) (swap! c + 10) [(deref c) (history c) (basis)]`,
    `(def c (durable-atom :counter 99)) [(deref c) (deref-stamp c) (basis)]`,
  ],
  [
    `(def a (durable-atom :a {:n 1})) (def b (durable-atom :app/b [])) (reset! a {:n 2}) (swap! b conj :x)
     (compare-and-set! a {:n 2} {:n 3}) (cas! b 1 [:y]) (reset-vals! a {:n 4})
     [(as-of 0) (as-of 2) (as-of (basis)) (since 3) (history b)]`,
    `(def a (durable-atom :a nil)) (def b (durable-atom :app/b nil)) (swap! a assoc :m 5) [(deref a) (deref b) (since 6)]`,
  ],
  [
    // a validator refusal writes nothing durable; a function has no durable form; non-durable atoms are untouched
    `(def d (durable-atom :d 1)) (def plain (atom 0)) (swap! plain inc) (set-validator! d pos?)
     (def r1 (try (reset! d -1) (catch e (:error e)))) (def f (durable-atom :f 1)) (def r2 (try (reset! f inc) (catch e (:message e))))
     [r1 r2 (deref d) (history d) (deref f) (basis)]`,
    // a fork's copy of a durable atom is a private atom: its writes are not recorded
    `(def d (durable-atom :d 0)) (let [pid (fork)] (if (nil? pid) (do (reset! d 100) (exit (deref d))) [(join pid) (deref d) (history d)]))`,
  ],
  [
    // a durable atom may be shared like any other; the child's write is recorded with its pid
    `(def s (durable-atom :shared 0)) (def child (spawn (fn [x] (swap! x inc)) s)) (join child) [(deref s) (since 0) (durable-atom :shared 5)]`,
  ],
];

describe('durable kernel calls', () => {
  for (const [i, sessions] of SESSIONS.entries()) {
    it(`both kernels give the same answers, session after session (program set ${i})`, () => {
      const answers = KERNELS.map(([, make]) => {
        const store = new MemoryStore();
        return sessions.map((text) => run(make, store, text));
      });
      for (const a of answers) for (const s of a) expect(s.outcome?.ok, JSON.stringify(s.outcome)).toBe(true);
      expect(answers[1]).toEqual(answers[0]);
    });
  }

  it('records each write as a transition, flushed before the call returns, with the writer pid', () => {
    for (const [name, make] of KERNELS) {
      const store = new MemoryStore();
      const out = run(make, store, `(def c (durable-atom :counter 0)) (swap! c inc) (swap! c inc) (deref c)`);
      expect(out.outcome, name).toEqual({ ok: true, value: '2' });
      expect(store.pending(), name).toBe(0);
      expect(store.history('counter').map((tr) => [tr.t, tr.stamp, tr.writer]), name).toEqual([[1, 0, 0], [2, 1, 0], [3, 2, 0]]);
      expect(store.value(store.current('counter')!.hash), name).toBe(2n);
    }
  });

  it('answers known values: history, as-of, since, and reopening continues the stamps', () => {
    const store = new MemoryStore();
    expect(run(KERNELS[0]![1], store, SESSIONS[0]![0]!).outcome).toEqual({ ok: true, value: '[11 [[1 0 0] [2 1 1] [3 2 11]] 3]' });
    expect(run(KERNELS[1]![1], store, SESSIONS[0]![1]!).outcome).toEqual({ ok: true, value: '[11 [11 2] 3]' });
    expect(run(KERNELS[1]![1], store, `(def c (durable-atom :counter 0)) (swap! c inc) [(as-of 1) (as-of 3) (since 2)]`).outcome).toEqual({ ok: true, value: '[{:counter 0} {:counter 11} [[3 :counter 2 11] [4 :counter 3 12]]]' });
  });

  it('a refused or undurable write changes neither the atom nor the store', () => {
    for (const [name, make] of KERNELS) {
      const out = run(make, new MemoryStore(), SESSIONS[2]![0]!).outcome;
      expect(out?.ok === true && out.value, name).toMatch(/^\[:validator-rejected "durable atom :f: .*durable form.*" 1 \[\[1 0 1\]\] 1 2\]$/);
    }
  });

  it('a second durable-atom of a name held only by another process is capability-denied', () => {
    for (const [name, make] of KERNELS) {
      const out = run(make, new MemoryStore(), `(def s (durable-atom :s 0)) (def child (spawn (fn [] (try (durable-atom :s 1) (catch e (:error e)))))) (join child)`);
      expect(out.outcome, name).toEqual({ ok: true, value: ':capability-denied' });
    }
  });

  it('without a store, every durable call is a catchable program-error saying to run with --db PATH', () => {
    for (const [name, make] of KERNELS) {
      for (const call of ['(durable-atom :x 1)', '(history (atom 1))', '(basis)', '(as-of 0)', '(since 0)']) {
        const out = run(make, undefined, `(try ${call} (catch e [(:error e) (:message e)]))`);
        expect(out.outcome?.ok, `${name} ${call}`).toBe(true);
        const value = out.outcome?.ok === true ? out.outcome.value : '';
        expect(value, `${name} ${call}`).toMatch(/^\[:program-error ".*no durable store \(run with --db PATH/);
      }
      const uncaught = run(make, undefined, '(durable-atom :x 1)').outcome;
      expect(uncaught?.ok === false && uncaught.error, name).toBe('program-error');
    }
  });

  it('bad arguments are program-errors in both kernels', () => {
    for (const [name, make] of KERNELS) {
      const store = new MemoryStore();
      for (const call of ['(durable-atom "x" 1)', '(history (atom 1))', '(as-of -1)', '(since :x)']) {
        const out = run(make, store, call).outcome;
        expect(out?.ok === false && out.error, `${name} ${call}`).toBe('program-error');
      }
    }
  });
});
