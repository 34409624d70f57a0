/**
 * The optimized kernel's parallel mode (`immutos run --workers 2`, optimized/parallel/): the
 * examples print their expected output with processes on two worker threads (schedule-dependent
 * ones are written so that every schedule the spec allows prints the same); atom histories
 * recorded under real parallelism are linearizable per atom; a value is published once; a worker
 * that dies ends its processes with `worker-died` while the others continue. Needs the compiled
 * worker (`npm run build`): without it every test here fails with that instruction.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { parallelFailure, renderParallelReport, runParallelProgram } from '../../cli/program/parallelProgram.js';
import { gcTotals, runParallel, type JitConfig } from '../../optimized/parallel/ParallelRuntime.js';
import { workersJit } from '../../harness/engines/registry.js';
import { tier2Available } from '../../optimized/jit/tier2/index.js';
import { SharedHeap } from '../../optimized/parallel/sharedHeap.js';
import { judgeParallelHistory } from '../../harness/oracles/parallelHistory.js';
import { EMap, kw, vec, equals } from '../../spec/Values.js';
import { readEdn } from '../../spec/codec/Edn.js';

const dir = new URL('../../examples/', import.meta.url);
const programs = readdirSync(dir).filter((f) => f.endsWith('.edn')).sort();

/**
 * Examples that use what the parallel mode does not do yet (docs/adr/0040): each test is
 * `test.fails`, so it turns red once the mode supports it, and then the entry goes. None at present.
 */
const KNOWN_GAPS: Readonly<Record<string, string>> = {};

/**
 * Examples whose failing processes other than 0 are compared by error kind, not message, as
 * tests/examples.test.ts compares every kernel but the reference: the optimized kernel's
 * `stack-overflow` message names no source position.
 */
const BY_KIND = new Set(['quota.edn']);
const kinds = (text: string): string => text.replace(/^(\[\d+\] error: [a-z-]+):.*$/gm, '$1');

/** The JIT of each run of the examples: the default, then each tier compiling on the first call (docs/adr/0045). */
const JITS: readonly (readonly [label: string, jit: JitConfig | undefined])[] = [
  ['', undefined],
  ...['0', '1', ...(tier2Available().ok ? ['2'] : [])].map((t) => [` (+tier:${t})`, workersJit(`optimized+workers:2+tier:${t}`)] as const),
];
if (!tier2Available().ok) console.warn('JIT tier 2 is not available here: the examples do not run at +tier:2');

describe('immutos run --workers 2: the examples', () => {
  for (const [label, jit] of JITS) {
    for (const name of programs) {
      const gap = KNOWN_GAPS[name];
      (gap === undefined ? test : test.fails)(`${name}${label}${gap === undefined ? '' : ` (known gap: ${gap})`}`, async () => {
        const source = readFileSync(new URL(name, dir));
        const expected = readFileSync(new URL(name.replace(/\.edn$/, '.expected'), dir), 'utf8');
        const r = await runParallelProgram(source, { workers: 2, timeoutMs: 30_000, ...(jit !== undefined ? { jit } : {}) });
        expect(parallelFailure(r)).toBeNull();
        if (BY_KIND.has(name)) expect(kinds(renderParallelReport(r))).toBe(kinds(expected));
        else expect(renderParallelReport(r)).toBe(expected);
        if (jit?.tier === 0) expect(r.jit.compiled).toBe(0);
      });
    }
  }
});

const COUNTER = `
(defn worker [counter n] (dotimes [i n] (swap! counter inc)) (deref counter))
(def counter (atom 0))
(def ws (mapv (fn [i] (spawn worker counter 200)) (range 4)))
(run! join ws)
(deref counter)`;

describe('parallel runs under real parallelism', () => {
  test('a contended counter on 2 workers loses no update, and its history is linearizable per atom', async () => {
    const r = await runParallel(COUNTER, { workers: 2, record: true, timeoutMs: 30_000 });
    expect(r.result).toEqual({ ok: true, value: '800' });
    expect(new Set(r.processes.map((p) => p.worker)).size).toBe(2);
    const v = judgeParallelHistory(r);
    expect(v.failure).toBeNull();
    expect(v.ok).toBe(true);
    expect(v.operations).toBeGreaterThan(1600);
  });

  test('the judge rejects a falsified history (a read of a value the atom never held)', async () => {
    const r = await runParallel(COUNTER, { workers: 2, record: true, timeoutMs: 30_000 });
    const p = r.processes.find((x) => x.history.some((e) => e.input.op === 'deref'))!;
    const i = p.history.findIndex((e) => e.input.op === 'deref');
    const forged = { ...p.history[i]!, output: { value: '-5', stamp: 3 } };
    const bad = { ...r, processes: r.processes.map((x) => (x === p ? { ...x, history: x.history.map((e, j) => (j === i ? forged : e)) } : x)) };
    expect(judgeParallelHistory(bad).ok).toBe(false);
  });

  test('a worker that dies ends its processes with worker-died; the others finish', async () => {
    const prog = `
(defn work [n] (reduce + (range n)))
(def a (spawn work 1000))
(def b (spawn work 1000))
[(join a) (try (join b) (catch e (get e :error)))]`;
    // process 2 is placed on worker 1, which is made to die
    const r = await runParallel(prog, { workers: 2, crashWorkerOf: 2, timeoutMs: 30_000 });
    expect(r.result).toEqual({ ok: true, value: '[499500 :worker-died]' });
    const dead = r.processes.find((p) => p.pid === 2)!;
    expect(dead.result.ok).toBe(false);
    expect(dead.result.ok ? '' : dead.result.error).toBe('worker-died');
  });

  test('a worker that runs out of memory ends its processes with worker-died; the others finish, and its atom holds a whole value', async () => {
    const prog = `
(def c (atom 0))
(defn hog [c n] (loop [i 0 acc []] (if (< i n) (do (swap! c inc) (recur (inc i) (conj acc [i i i]))) (count acc))))
(defn work [n] (reduce + (range n)))
(def a (spawn work 1000))
(def b (spawn hog c 100000000))
[(join a) (try (join b) (catch e (get e :error))) (int? (deref c)) (pos? (deref c))]`;
    // process 2 (the hog) runs on worker 1, whose JavaScript heap is bounded (as is worker 0's, which holds little)
    const r = await runParallel(prog, { workers: 2, workerHeapMb: 48, heapCells: 2_000_000_000, fuel: 1_000_000_000_000, timeoutMs: 120_000 });
    expect(r.result).toEqual({ ok: true, value: '[499500 :worker-died true true]' });
    const dead = r.processes.find((p) => p.pid === 2)!;
    expect(dead.worker).toBe(1);
    expect(dead.result.ok ? '' : `${dead.result.error}: ${dead.result.message}`).toMatch(/^worker-died: .*memory/);
  }, 180_000);
});

describe('the shared heap', () => {
  test('publishes a value once, reads it back equal, and looks a map key up in place', () => {
    const h = SharedHeap.create({ cellWords: 1 << 16, handles: 1 << 12, atoms: 16, processes: 16 });
    const m = readEdn('{:a [1 2 "x"], :b 3.5, 7 #{:k}, "s" (1 -2 99999999999)}');
    const w = h.publish(m);
    const before = h.counters().published;
    expect(h.publish(m)).toBe(w); // already published: no copy
    expect(h.counters().published).toBe(before);
    expect(equals(h.read(w), m)).toBe(true);
    expect(equals(h.mapGet(w, kw('a'))!, vec(1n, 2n, 'x'))).toBe(true);
    expect(h.mapGet(w, kw('zz'))).toBeUndefined();
    expect(h.count(w)).toBe((m as EMap).entries.length);
  });
  test('an atom word changes only by a CAS against the word read, and its stamp counts stores', () => {
    const h = SharedHeap.create({ cellWords: 1 << 12, handles: 1 << 10, atoms: 4, processes: 4 });
    const id = h.newAtom(h.publish(1n));
    const [w0, s0] = h.loadAtom(id);
    expect(h.casAtom(id, w0, s0, h.publish(2n))).toBe(true);
    expect(h.casAtom(id, w0, s0, h.publish(3n))).toBe(false); // stale word
    expect(h.loadAtom(id)[1]).toBe(1);
    expect(h.read(h.loadAtom(id)[0])).toBe(2n);
  });
});

describe('the engine name optimized+workers:N', () => {
  test('parses its worker count, rejects a bad one, and is refused as an op-at-a-time kernel with the reason', async () => {
    const { parseWorkersKernel, build, EngineUnavailableError } = await import('../../harness/engines/registry.js');
    expect(parseWorkersKernel('optimized+workers:2')).toBe(2);
    expect(parseWorkersKernel('optimized+workers')).toBeNull();
    expect(parseWorkersKernel('optimized')).toBeUndefined();
    expect(() => parseWorkersKernel('optimized+workers:0')).toThrow(EngineUnavailableError);
    await expect(build('optimized+workers:2')).rejects.toThrow(/immutos run --workers/);
  });
});

// How much this file's runs collected (IMMUTOS_PARALLEL_GC=force,check makes every run collect back to back).
afterAll(() => {
  const t = gcTotals();
  console.log(`shared-heap collections in ${t.runs} parallel run(s) of this file: ${t.collections}`);
});
