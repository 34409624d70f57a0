/**
 * Messages between the parallel mode's coordinator (the main thread) and its worker threads.
 * Values never travel in messages: they are published into the shared heap and only their value
 * words (handles) are sent.
 * @module
 */
import type { ErrorKind } from '../../spec/Kernel.js';
import type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';
import type { JitConfig } from '../kernel/jitHost.js';
import type { EmittedPlans, Plan, Tier2Options } from '../jit/tier2/index.js';

/** What a worker is started with. */
export interface WorkerBoot {
  /** The shared heap's buffer. */
  readonly buffer: SharedArrayBuffer;
  /** This worker's index (its mutator slot in the collector's handshakes). */
  readonly index: number;
  /** The program's EDN text (every worker compiles it, so lambda ids agree). */
  readonly source: string;
  /** Fuel per process. */
  readonly fuel: number;
  /** Call depth per process. */
  readonly stackDepth: number;
  /** Heap quota per process (cells its program may hold; also the largest value a built-in may build). */
  readonly heapCells: number;
  /** Steps a validator or watch may take for another process's write (charged to its owner). */
  readonly callbackFuel: number;
  /** Characters of output one process may print on a worker (each line its length plus one); a `println` or `prn` over it is `out-of-memory`. */
  readonly outputChars: number;
  /** Record atom histories. */
  readonly record: boolean;
  /** Seeded bugs switched on. */
  readonly mutants: readonly string[];
  /** The JIT tiers each worker uses. */
  readonly jit: JitConfig;
}

/** One recorded atom operation of a process, with call/return times on the shared clock (spec/AtomHistory.ts forms; `create` gives an atom's initial value). */
export interface AtomEvent {
  /** The atom id. */
  readonly object: number;
  /** The operation (`create`: the atom was made holding `value`). */
  readonly input: AtomInput | { readonly op: 'create'; readonly value: string };
  /** Its response. */
  readonly output: AtomOutput;
  /** Call time. */
  readonly call: number;
  /** Return time. */
  readonly ret: number;
}

/** One printed line of a process, with its time on the shared clock (lines printed on several workers are merged in that order). */
export interface OutputLine {
  /** Time on the shared clock. */
  readonly t: number;
  /** The line. */
  readonly line: string;
}

/** How a process ended, as a worker reports it. */
export type ProcessResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: ErrorKind | 'worker-died'; readonly message: string };

/** Coordinator → worker. */
export type ToWorker =
  /** Run process `pid`: the program (pid 0, word 0) or the published `[f & args]` at `word`; with `crash` (fault injection, tests of worker death) the worker throws instead, before running anything; with `crashInCell`, it dies in the middle of its next cell, a handle taken and not stored. */
  | { readonly type: 'start'; readonly pid: number; readonly word: number; readonly crash?: true; readonly crashInCell?: true }
  /** A session's next input: every worker compiles it; the one with `run` runs it as process 0 (already marked running). */
  | { readonly type: 'load'; readonly source: string; readonly run: boolean }
  /** The answer to tier-2 request `id`: the emitted module, or why it could not be. */
  | { readonly type: 'tier2-code'; readonly id: number; readonly emitted: EmittedPlans | null; readonly error?: string };

/** Worker → coordinator. */
export type ToCoordinator =
  | { readonly type: 'ready' }
  /** A process asked for a child: place `pid` running the published `[f & args]` at `word`. */
  | { readonly type: 'spawn'; readonly pid: number; readonly parent: number; readonly word: number }
  /** A process forked `pid`, which runs on the same worker. */
  | { readonly type: 'forked'; readonly pid: number; readonly parent: number }
  /** Lines printed for `pid` by its validators or watches run on this worker. */
  | { readonly type: 'output'; readonly pid: number; readonly output: readonly OutputLine[] }
  /** Tier 2: emit the module of `plan` (its {@link planData}) on the thread that runs LLVM. */
  | { readonly type: 'tier2'; readonly id: number; readonly plan: Plan; readonly opts: Tier2Options }
  /** A process ended. */
  | { readonly type: 'exit'; readonly pid: number; readonly output: readonly OutputLine[]; readonly result: ProcessResult; readonly history: readonly AtomEvent[]; readonly jit: WorkerJitStats };

/** What a worker's JIT has done so far. */
export interface WorkerJitStats {
  /** Arities tier 1 compiled to JavaScript. */
  readonly compiled: number;
  /** Tier-2 (WebAssembly) compilations finished. */
  readonly tier2Compiled: number;
  /** Calls served by tier-2 code. */
  readonly tier2Calls: number;
}

/** What the collector's thread is started with (optimized/parallel/collectorThread.ts). */
export interface CollectorBoot {
  /** The shared heap's buffer. */
  readonly buffer: SharedArrayBuffer;
  /** The mutators (workers 0..workers-1) whose handshakes it waits for. */
  readonly workers: number;
  /** Collect back to back (a pause of `intervalMs` between collections), not only when space runs short. */
  readonly force: boolean;
  /** Milliseconds between forced collections. */
  readonly intervalMs: number;
  /** Checked mode: poison freed space and check the heap invariant after each collection. */
  readonly check: boolean;
  /** Concurrent (workers keep running) or the stop-the-world peer. */
  readonly mode: 'concurrent' | 'stop-the-world';
}

/** Collector → coordinator. */
export type FromCollector =
  /** The collector's thread has started. */
  | { readonly type: 'ready' }
  /** The heap invariant failed after a collection (checked mode). */
  | { readonly type: 'invariant'; readonly errors: readonly string[] }
  /** The collector stopped (asked to, or the heap is exhausted). */
  | { readonly type: 'stopped' };
