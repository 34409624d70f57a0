/**
 * The registry of benchmark suites run by `immutos bench [SUITE...]`. To add a suite, write a
 * module exporting a {@link BenchRun} and add one line to {@link suites}.
 * @module
 */
import { runEncodingSuite } from './encoding.js';
import { runHwBench } from './hw.js';
import { runKernelBench } from './kernel.js';
import { runJitBench } from './jit.js';
import { runStartupSuite } from './startup.js';
import type { BenchRow } from './rows.js';

/** What a suite gets from the bench command. */
export interface BenchContext {
  /** Writes one line of the human-readable report. */
  readonly out: (line: string) => void;
  /** Folder for the suite's JSON results (`<dir>/<suite>.json`). */
  readonly resultsDir: string;
  /** A smaller, faster run (for smoke tests and CI), same measurements. */
  readonly quick: boolean;
  /** Records one headline figure with its peer and target (bench/rows.ts). */
  readonly record: (row: BenchRow) => void;
}

/** Runs one suite; resolves to its results (also written as JSON under `resultsDir`). */
export type BenchRun = (ctx: BenchContext) => Promise<unknown>;

/** A registered suite. */
export interface BenchSuite {
  /** One line for `immutos bench --help` and listings. */
  readonly description: string;
  /** Runs the suite. */
  readonly run: BenchRun;
}

/** Every suite, by name (one line each). */
export const suites: Readonly<Record<string, BenchSuite>> = {
  encoding: { description: 'binary encoding vs plain CBOR (cbor-x): size, encode and decode time of a 200,000-node Lisp AST', run: runEncodingSuite },
  kernel: { description: 'optimized kernel vs Immutable.js and native: map insert/lookup, vectors, transient build, fork cost, GC pause vs stop-the-world, memory per entry', run: runKernelBench },
  jit: { description: 'system-language JIT: fib, tak, nqueens, word count, vector reduce, Adler-32 as reference, optimized interpreter, tier 1 (JS), tier 2 (wasm) and hand-written JS; ratios, compile latencies, geomean vs ≤ 1.0× (hand JS: the fastest plain loop)', run: runJitBench },
  startup: { description: 'start-up time of `immutos --version`, `--help`, `encode`, `decode` (child processes, median of 5) vs `node -e 0`; flags any ratio above 2.0×', run: runStartupSuite },
  lin: { description: 'linearizability checker on its corpus (registers, CAS registers, 10-key stores, correct and broken, with timed-out operations): verdicts, steps/s, time per history', run: (ctx) => import('./lin.js').then((m) => m.runLinBench(ctx)) },
  parallel: { description: 'parallel mode of the optimized kernel on worker threads: independent processes on 1 vs 2 workers, a contended counter, handing a 10 vs 10^6-entry map (ImmutOS handle vs postMessage vs fork+JSON)', run: (ctx) => import('./parallel.js').then((m) => m.runParallelBench(ctx)) },
  store: { description: 'durable store vs an append-only JSON-lines file with fsync: durable swaps/s with and without group commit, as-of latency, bytes per one-key update of a 10⁶-entry map', run: (ctx) => import('./store.js').then((m) => m.runStoreBench(ctx)) },
  edn: { description: 'EDN reader vs edn-data: parse time per shape (edn-tests performance shapes, records, a 3 MB map/set-heavy file, a set of symbols, ints, escaped strings, tagged values); speed-up median and spread vs ≥ 3×', run: (ctx) => import('./edn.js').then((m) => m.runEdnSuite(ctx)) },
  check: { description: 'wall time of the default `immutos check` as a user runs it (a child process), target ≤ 60 s', run: (ctx) => import('./check.js').then((m) => m.runCheckBench(ctx)) },
  fuzz: { description: 'the default differential fuzz campaign (every kernel, programs, seed 1): ops/s as `immutos fuzz` runs it (its 1,000 cases on the worker processes it chooses, kernels reused) vs one thread, and kernels reused vs built afresh per case; target ≥ 5,000 ops/s', run: (ctx) => import('./fuzz.js').then((m) => m.runFuzzBench(ctx)) },
  hw: { description: 'immutable-aware coherence vs plain MESI on the hardware memory-model simulator: messages, invalidations, misses per 1k ops; simulator speed', run: runHwBench },
};
