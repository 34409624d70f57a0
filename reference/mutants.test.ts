import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import type { KernelOptions, Op, Outcome } from '../spec/Kernel.js';
import { createReferenceKernel, REFERENCE_MUTANTS, seededScheduler } from './index.js';
import { binaryLoad } from '../harness/generators/binaryLoads.js';

/** Loads `text` as a binary program (canonical, or non-canonical variant 0) and runs it. */
const binaryRun = (text: string, encoding: 'binary' | 'non-canonical'): Op[] => [{ op: 'load', pid: 0, ...binaryLoad(text, encoding, 0)! } as Op, { op: 'run', pid: 0 }];

/** Runs ops on a fresh kernel; returns every outcome and the final observation, as JSON text. */
function runOps(ops: readonly Op[], options: KernelOptions = {}): string {
  const k = createReferenceKernel(options);
  const outcomes: Outcome[] = ops.map((op) => k.apply(op));
  return JSON.stringify({ outcomes: outcomes.map((o) => (o.ok ? o.value : o.error)), observation: k.observe() });
}

/** Runs a program in process 0 with all processes scheduled by seed 0; returns outputs and result. */
function runProgramText(text: string, options: KernelOptions = {}): string {
  const k = createReferenceKernel(options);
  k.load(0, text);
  k.runAll(seededScheduler(0));
  const r = k.results()[0]!.outcome;
  return JSON.stringify({ result: r === null ? null : r.ok ? r.value : r.error, processes: k.processList() });
}

const counter = `
(defn worker [c n] (dotimes [i n] (swap! c inc)))
(def c (atom 0))
(def ws (mapv (fn [i] (spawn worker c 20)) (range 4)))
(run! join ws)
(deref c)`;

/** The parent writes a mailbox its child watches; the watch tries the parent's private #atom 0. */
const CHILD_WATCH = `
(def secret (atom :secret))
(def mb (atom 0))
(def c (spawn (fn [m] (add-watch m :spy (fn [k r old new] (println "watch runs as" (self)) (reset! #atom 0 :pwned)))) mb))
(join c)
(reset! mb 1)
(deref secret)`;

/** The same with a validator (the parent catches a rejection). */
const CHILD_VALIDATOR = `
(def secret (atom :secret))
(def mb (atom 0))
(def c (spawn (fn [m] (set-validator! m (fn [x] (if (= x 0) true (do (reset! #atom 0 :pwned) true))))) mb))
(join c)
[(try (reset! mb 1) (catch e (get e :error))) (deref secret)]`;

/** The child's watch loops forever; the parent's write must still complete and the parent go on. */
const CHILD_LOOPING_WATCH = `
(def mb (atom 0))
(def c (spawn (fn [m] (add-watch m :loop (fn [k r old new] (loop [] (recur))))) mb))
(join c)
(reset! mb 1)
[:parent-done (deref mb)]`;

/** For each mutant: a scenario whose observable result differs with the mutant on. */
const witnesses: Record<string, (options: KernelOptions) => string> = {
  'swap-no-retry': (o) => runProgramText(counter, o),
  'cas-compares-values': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: '0' },
        { op: 'reset', pid: 0, ref: 0, value: '1' },
        { op: 'reset', pid: 0, ref: 0, value: '0' },
        { op: 'cas', pid: 0, ref: 0, stamp: 0, value: '5' },
      ],
      o,
    ),
  'fork-shares-private': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: ':mine' },
        { op: 'fork', pid: 0 },
        { op: 'reset', pid: 1, ref: 0, value: ':child' },
        { op: 'deref', pid: 0, ref: 0 },
      ],
      o,
    ),
  'share-by-non-creator': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: '1' },
        { op: 'spawn', pid: 0 },
        { op: 'spawn', pid: 0 },
        { op: 'share', pid: 0, ref: 0, to: 1 },
        { op: 'share', pid: 1, ref: 1, to: 2 },
      ],
      o,
    ),
  'reset-skips-validator': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: '1' },
        { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (int? x))' },
        { op: 'reset', pid: 0, ref: 0, value: ':not-an-int' },
      ],
      o,
    ),
  'gc-ignores-registers': (o) =>
    runOps(
      [
        { op: 'hold', pid: 0, reg: 0, value: '[1 2 3]' },
        { op: 'gc' },
        { op: 'load', pid: 0, program: '(held 0)' },
        { op: 'run', pid: 0 },
      ],
      o,
    ),
  'in-place-update-shared': (o) => runProgramText('(def a (atom [1 2])) (let [v (deref a)] (assoc v 0 9)) (deref a)', o),
  'hash-mismatch': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: '0' },
        { op: 'addWatch', pid: 0, ref: 0, key: '[1 2]' },
        { op: 'removeWatch', pid: 0, ref: 0, key: '(1 2)' },
        { op: 'reset', pid: 0, ref: 0, value: '1' },
      ],
      o,
    ),
  'watch-before-write': (o) =>
    runOps(
      [
        { op: 'atom', pid: 0, value: '0' },
        { op: 'setValidator', pid: 0, ref: 0, fn: '(fn [x] (int? x))' },
        { op: 'addWatch', pid: 0, ref: 0, key: ':w' },
        { op: 'reset', pid: 0, ref: 0, value: ':bad' },
      ],
      o,
    ),
  'quota-not-enforced': (o) => runProgramText('(loop [acc nil i 0] (if (< i 300) (recur [(vec (range 3)) acc] (inc i)) :done))', { ...o, quotas: { heapCells: 200 } }),
  'hot-deploy-replaces-running': (o) => runProgramText(readFileSync(new URL('../examples/hot_deploy.edn', import.meta.url), 'utf8'), o),
  'collection-off-by-one': (o) => runProgramText('(nth [1 2 3] 2)', o),
  // ADR 0024: a watch or validator installed by the child runs as the child, not as the writer.
  'watch-runs-as-writer': (o) => runProgramText(CHILD_WATCH, o),
  'validator-runs-as-writer': (o) => runProgramText(CHILD_VALIDATOR, o),
  'foreign-code-charged-to-writer': (o) => runProgramText(CHILD_LOOPING_WATCH, { ...o, quotas: { fuel: 200_000, callbackFuel: 5_000 } }),
  'join-any-process': (o) => runProgramText('(def a (spawn (fn [] :a-result))) (def b (spawn (fn [p] (try (join p) (catch e (get e :error)))) a)) (join b)', o),
  'fork-drops-registers': (o) =>
    runOps(
      [
        { op: 'hold', pid: 0, reg: 3, value: '[:kept 1]' },
        { op: 'fork', pid: 0 },
      ],
      o,
    ),
  'codec-int64-sign': (o) => runOps(binaryRun('[-9223372036854775807 -4294967296]', 'binary'), o),
  'codec-drops-nil-entry': (o) => runOps(binaryRun('{:a nil :b 1}', 'binary'), o),
  'codec-accepts-noncanonical': (o) => runOps(binaryRun('[1 2 3]', 'non-canonical'), o),
  'codec-astral-char': (o) => runOps(binaryRun('[\\😀 "😀"]', 'binary'), o),
  'no-process-limit': (o) => runProgramText('(loop [i 0] (if (< i 6) (do (spawn (fn [] 1)) (recur (inc i))) :spawned))', { ...o, quotas: { treeProcesses: 4 } }),
};

describe('seeded bugs (mutants)', () => {
  test('every mutant in the catalogue has a witness scenario', () => {
    expect(Object.keys(witnesses).sort()).toEqual(REFERENCE_MUTANTS.map((m) => m.name).sort());
  });

  for (const m of REFERENCE_MUTANTS) {
    test(`${m.name} changes observable behaviour`, () => {
      const witness = witnesses[m.name]!;
      const clean = witness({});
      const mutated = witness({ mutants: [m.name] });
      expect(mutated).not.toEqual(clean);
    });
  }

  test('an unknown mutant name is refused', () => {
    expect(() => createReferenceKernel({ mutants: ['no-such-bug'] })).toThrow(/unknown mutant/);
  });

  test('the clean kernel gives the expected results on the witnesses', () => {
    expect(JSON.parse(witnesses['swap-no-retry']!({})).result).toBe('80');
    expect(JSON.parse(witnesses['collection-off-by-one']!({})).result).toBe('3');
    expect(JSON.parse(witnesses['in-place-update-shared']!({})).result).toBe('[1 2]');
    expect(JSON.parse(witnesses['cas-compares-values']!({})).outcomes.at(-1)).toBe('stale-stamp');
  });
});
