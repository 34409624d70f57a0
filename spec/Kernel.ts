/**
 * The one `Kernel` interface every ImmutOS kernel implements (the TS spec, the reference kernel,
 * the optimized kernel on any memory backend), so the differential tester, the CLI and users
 * treat them alike. Everything crossing this interface is plain JSON-able data: values travel as
 * canonical EDN text, results are compared as values and never as addresses or handles.
 *
 * Naming rules every kernel follows (see docs/adr/0003-atoms-processes-capabilities.md):
 * - Process ids are issued from one counter starting at 0 (the first process, created by
 *   `createKernel`, is pid 0); `spawn` and `fork` take the next id.
 * - Atom references (`ref`) are names in a process's atom table, issued from one global counter
 *   starting at 0. `atom` issues a fresh ref; `fork` keeps the parent's refs (private atoms are
 *   re-pointed at new atoms holding the same values, shared atoms stay shared); `share` issues a
 *   fresh ref in the target's table (or returns the lowest ref the target already has for it).
 * - A ref that is not in the caller's table is `capability-denied`, whether or not it was ever
 *   issued (docs/adr/0024-authority-and-resource-accounting.md). An exited or never-created pid is
 *   `no-such-process`.
 * - Code runs with the authority of the process on whose behalf it runs: a validator or watch on
 *   behalf of the process that installed it, never of the writer (ADR 0024).
 * - Processes form trees (a root and everything it forks or spawns from a program); quotas bound
 *   each process, each tree and the whole kernel (see {@link Quotas}).
 * - Stamps: every atom has a stamp, 0 when created, +1 per successful write; `fork` copies it.
 *
 * Kernels that run whole system-language programs, many processes under a scheduler, implement
 * one extension of this interface as well: {@link ProgramHost} (checked with
 * {@link isProgramKernel}). `immutos run`, `immutos repl` and the examples need it; the
 * differential tester does not.
 *
 * @module
 */
import type { DurableStore } from './Store.js';
import type { Value } from './Values.js';

/** The error kinds an operation can end in. */
export type ErrorKind =
  /** The caller named an atom outside its table, shared an atom it did not create, or joined a process it did not create. */
  | 'capability-denied'
  /** `cas` with a stamp that is no longer the atom's stamp. */
  | 'stale-stamp'
  /** The atom's validator refused the new value (nothing was written). */
  | 'validator-rejected'
  /** The pid was never created or has exited. */
  | 'no-such-process'
  /** Reserved: no kernel answers it (a ref outside the caller's table is `capability-denied`, ADR 0024). */
  | 'no-such-atom'
  /** The process's heap-cell quota is exhausted. */
  | 'out-of-memory'
  /** The process's fuel (evaluation-step quota) is exhausted. */
  | 'fuel-exhausted'
  /** The process's call-depth quota is exhausted. */
  | 'stack-overflow'
  /** A `spawn` or `fork` would exceed the live processes allowed to its tree or to the kernel. */
  | 'process-limit'
  /** Malformed input: bad EDN, a bad binary AST, an unknown op, an ill-formed program. */
  | 'bad-input'
  /** A program raised an error (a `throw`, a type error, integer overflow, …). */
  | 'program-error'
  /** The kernel does not support this operation (see {@link Kernel.supports}). */
  | 'unsupported';

/** Every error kind, for validation and generators. */
export const ERROR_KINDS: readonly ErrorKind[] = [
  'capability-denied',
  'stale-stamp',
  'validator-rejected',
  'no-such-process',
  'no-such-atom',
  'out-of-memory',
  'fuel-exhausted',
  'stack-overflow',
  'process-limit',
  'bad-input',
  'program-error',
  'unsupported',
];

/** Error kinds that mean "a resource limit was hit": the differential oracle stops comparing. */
export const RESOURCE_ERRORS: readonly ErrorKind[] = ['out-of-memory', 'fuel-exhausted', 'stack-overflow'];

/** The result of one operation. */
export type Outcome =
  /** Success; `value` is the result as canonical EDN (see `printEdn`). */
  | { readonly ok: true; readonly value: string }
  /** Failure of a named kind; `message` is for humans and never compared. */
  | { readonly ok: false; readonly error: ErrorKind; readonly message: string };

/** A process id. */
export type Pid = number;
/** A process-local atom name (see the module doc). */
export type Ref = number;
/** EDN text of a value. */
export type Edn = string;
/** System-language source text (EDN) of a one-argument function, e.g. `(fn [x] (inc x))`. */
export type FnSource = string;

/**
 * One operation. `pid` is always the acting process. Values are EDN text.
 * The result of each, when it succeeds:
 */
export type Op =
  /** Start a new process with an empty atom table → its pid. */
  | { readonly op: 'spawn'; readonly pid: Pid }
  /** Copy the caller into a new process (atom table copied, no value copied) → the child's pid. */
  | { readonly op: 'fork'; readonly pid: Pid }
  /** End the caller; its atom table and registers stop being roots → nil. */
  | { readonly op: 'exit'; readonly pid: Pid }
  /** Create an atom holding `value` in the caller's table → the ref, as `#atom N`. */
  | { readonly op: 'atom'; readonly pid: Pid; readonly value: Edn }
  /** Read an atom → `[value stamp]`. */
  | { readonly op: 'deref'; readonly pid: Pid; readonly ref: Ref }
  /** Write unconditionally (validator checked) → the new value. */
  | { readonly op: 'reset'; readonly pid: Pid; readonly ref: Ref; readonly value: Edn }
  /** Write only if the atom's stamp is still `stamp` → the new stamp; else `stale-stamp`. */
  | { readonly op: 'cas'; readonly pid: Pid; readonly ref: Ref; readonly stamp: number; readonly value: Edn }
  /** Clojure `compare-and-set!`: write if the current value equals `expected` → `true`/`false`. */
  | { readonly op: 'compareAndSet'; readonly pid: Pid; readonly ref: Ref; readonly expected: Edn; readonly value: Edn }
  /** Clojure `swap!` (read, apply `fn`, CAS, retry) → the new value. */
  | { readonly op: 'swap'; readonly pid: Pid; readonly ref: Ref; readonly fn: FnSource }
  /** Clojure `swap-vals!` → `[old new]`. */
  | { readonly op: 'swapVals'; readonly pid: Pid; readonly ref: Ref; readonly fn: FnSource }
  /** Clojure `reset-vals!` → `[old new]`. */
  | { readonly op: 'resetVals'; readonly pid: Pid; readonly ref: Ref; readonly value: Edn }
  /** Install a validator (a predicate); refused with `validator-rejected` if the current value fails it → nil. */
  | { readonly op: 'setValidator'; readonly pid: Pid; readonly ref: Ref; readonly fn: FnSource | null }
  /** Add a watch under `key`; after each successful write the watch records `[key old new]` in the caller's output → nil. */
  | { readonly op: 'addWatch'; readonly pid: Pid; readonly ref: Ref; readonly key: Edn }
  /** Remove the watch under `key` → nil. */
  | { readonly op: 'removeWatch'; readonly pid: Pid; readonly ref: Ref; readonly key: Edn }
  /** Give process `to` access to an atom the caller created → the ref in `to`'s table. */
  | { readonly op: 'share'; readonly pid: Pid; readonly ref: Ref; readonly to: Pid }
  /** Hold `value` in the caller's register `reg` (a root for GC), or clear it with null → nil. */
  | { readonly op: 'hold'; readonly pid: Pid; readonly reg: number; readonly value: Edn | null }
  /** Run a whole garbage collection → nil. Never observable. */
  | { readonly op: 'gc' }
  /** One increment of the collector (a no-op for a stop-the-world kernel) → nil. */
  | { readonly op: 'gcStep' }
  /**
   * Load a system-language program into the caller; runs at `step`/`run` → nil. The program is
   * EDN text (`program`), or, when `binary` is present, the forms of a binary blob (`binary`: the
   * base64 text, `toBase64`, of `encodeAll(forms)` from spec/codec/Binary.ts; `program` must then be
   * empty). A blob that does not decode, or a binary load with program text, is `bad-input`.
   */
  | { readonly op: 'load'; readonly pid: Pid; readonly program: string; readonly binary?: string }
  /** Run the caller's loaded program up to and including its next atom operation → nil, or the program's result if it finished. */
  | { readonly op: 'step'; readonly pid: Pid }
  /** Run the caller's loaded program to completion → its result. */
  | { readonly op: 'run'; readonly pid: Pid };

/** The name of an operation. */
export type OpName = Op['op'];

/** Every operation name. */
export const OP_NAMES: readonly OpName[] = [
  'spawn',
  'fork',
  'exit',
  'atom',
  'deref',
  'reset',
  'cas',
  'compareAndSet',
  'swap',
  'swapVals',
  'resetVals',
  'setValidator',
  'addWatch',
  'removeWatch',
  'share',
  'hold',
  'gc',
  'gcStep',
  'load',
  'step',
  'run',
];

/** What one live process looks like from outside: implementation-independent. */
export interface ProcessObservation {
  /** The pid. */
  readonly pid: Pid;
  /** Its atom table: every ref with the atom's current value (EDN) and stamp, ascending by ref. */
  readonly atoms: readonly { readonly ref: Ref; readonly value: Edn; readonly stamp: number }[];
  /** Everything the process printed (and its watches recorded), in order. */
  readonly output: readonly string[];
  /**
   * What the process holds in its registers (`hold`, or `hold` called by its program): every
   * register with its value (EDN), ascending by register number; a cleared register is absent.
   * `fork` copies them to the child, `spawn` starts with none.
   */
  readonly registers: readonly { readonly reg: number; readonly value: Edn }[];
}

/** The whole observable state of a kernel: live processes ascending by pid. */
export interface Observation {
  /** Live processes. */
  readonly processes: readonly ProcessObservation[];
}

/**
 * Resource limits: per process, per process tree, and for the whole kernel
 * (docs/adr/0024-authority-and-resource-accounting.md). A tree is a root process (process 0, or
 * one started by the `spawn` operation) with every process it and its members fork or spawn.
 */
export interface Quotas {
  /** Heap cells a process may allocate (live) before `out-of-memory`. */
  readonly heapCells: number;
  /** Evaluation steps a program may take per `run`/`step` before `fuel-exhausted`; `fork` splits what is left with the child. */
  readonly fuel: number;
  /** Call depth before `stack-overflow`. */
  readonly stackDepth: number;
  /** Steps a validator or watch may take when it runs for a write by another process (charged to its owner). */
  readonly callbackFuel: number;
  /** Live processes per tree; one more `spawn`/`fork` is `process-limit`. */
  readonly treeProcesses: number;
  /** Steps per run summed over a tree, before `fuel-exhausted`. */
  readonly treeFuel: number;
  /** Live heap cells summed over a tree, before `out-of-memory`. */
  readonly treeHeapCells: number;
  /** Live processes in the whole kernel; one more `spawn`/`fork` is `process-limit`. */
  readonly maxProcesses: number;
  /** Live heap cells in the whole kernel, before `out-of-memory`. */
  readonly totalHeapCells: number;
  /**
   * Characters of output a tree's processes hold, summed over the tree, exited processes included
   * (each line counts its length plus one, see {@link outputCharsOf}): a `println` or `prn` that
   * would go over is `out-of-memory`; a notice the kernel writes (a watch record, a failed
   * watch) that would go over is not recorded.
   */
  readonly treeOutputChars: number;
}

/** Characters one line of output takes from its tree's {@link Quotas.treeOutputChars}: its text and its line end. */
export function outputCharsOf(line: string): number {
  return line.length + 1;
}

/**
 * The message of the `out-of-memory` error of a `println` or `prn` by process `pid` whose line of
 * `chars` characters (see {@link outputCharsOf}) would take its tree (root `tree`, holding `held`)
 * past `quota` characters of output.
 */
export function outputQuotaMessage(pid: Pid, tree: Pid, held: number, chars: number, quota: number): string {
  return `process ${pid}: a line of ${chars} characters would take the output of its tree (root ${tree}, holding ${held}) over treeOutputChars ${quota}`;
}

/**
 * Fuel a program's `spawn` or `fork` costs, whether or not a process is created: creating a
 * process is real work (a table to copy, a record to keep), and a program that retries a refused
 * `fork` in a loop must run out of fuel quickly (docs/adr/0024-authority-and-resource-accounting.md).
 */
export const PROCESS_CREATION_FUEL = 256;

/**
 * How deep synchronous code may nest: a validator, watch or swap function that writes an atom
 * whose validator or watch runs more code, and so on. One more level is `stack-overflow` (an
 * uncatchable quota error; for code run on behalf of another process, that code's failure), at
 * the same depth in every kernel — so a watch that writes the atom it watches ends the same way
 * everywhere, never at whatever depth the host's own stack runs out.
 */
export const MAX_CALLBACK_NESTING = 64;

/** The message of the `stack-overflow` error of code nested more than {@link MAX_CALLBACK_NESTING} deep. */
export function callbackNestingMessage(pid: Pid): string {
  return `process ${pid}: validators, watches and swap functions nested more than ${MAX_CALLBACK_NESTING} deep`;
}

/** Default quotas, shared by every kernel so that the same program hits the same limit. */
export const DEFAULT_QUOTAS: Quotas = Object.freeze({
  heapCells: 1_000_000,
  fuel: 10_000_000,
  stackDepth: 10_000,
  callbackFuel: 100_000,
  treeProcesses: 64,
  treeFuel: 10_000_000,
  treeHeapCells: 4_000_000,
  maxProcesses: 1024,
  totalHeapCells: 16_000_000,
  treeOutputChars: 16_777_216,
});

/** Options every kernel factory accepts. */
export interface KernelOptions {
  /** Resource limits per process. */
  readonly quotas?: Partial<Quotas>;
  /** Check the spec's heap invariants after every collection (slow). */
  readonly debug?: boolean;
  /** Seeded bugs to inject (names from the mutant catalogue); never active by default. */
  readonly mutants?: readonly string[];
  /**
   * The durable store behind `durable-atom` and the other durable kernel calls (spec/Store.ts);
   * without one, those calls fail with a catchable `program-error`.
   */
  readonly store?: DurableStore;
}

/** An ImmutOS kernel. */
export interface Kernel {
  /** A short name, e.g. `reference`. */
  readonly name: string;
  /** The operations this kernel implements; others return `unsupported`. */
  readonly supports: ReadonlySet<OpName>;
  /** Performs one operation. Never throws: every failure is an {@link Outcome} with an error kind. */
  apply(op: Op): Outcome;
  /** The current observable state. */
  observe(): Observation;
  /**
   * Counters of the work done so far, for coverage reports. Optional: a kernel that does not
   * report them is shown as "not reported", never as zero.
   */
  stats?(): KernelStats;
}

/**
 * Work counters a kernel reports for coverage ({@link Kernel.stats}). Every field is optional:
 * a kernel reports what it has (the reference has no evacuations, the spec engine no codec).
 */
export interface KernelStats {
  /** Complete garbage-collection cycles finished (by `gc` or by enough `gcStep`s). */
  readonly gcCycles?: number;
  /** Values moved by the collector (copy, then handle swap). */
  readonly evacuations?: number;
  /** Processes created by `fork` (programs and ops). */
  readonly forks?: number;
  /** Processes created by `spawn`. */
  readonly spawns?: number;
  /** Values decoded from the binary encoding on a kernel path. */
  readonly codecValues?: number;
  /** The largest number of elements of one collection the kernel has built. */
  readonly largestCollection?: number;
  /** Kernel calls made by programs (`swap!`, `spawn`, `fork`, ...), by name. */
  readonly kernelCalls?: Readonly<Record<string, number>>;
}

/** A successful outcome carrying `value` (EDN text). */
export function ok(value: Edn): Outcome {
  return { ok: true, value };
}

/** A failed outcome of `kind`. */
export function fail(kind: ErrorKind, message: string): Outcome {
  return { ok: false, error: kind, message };
}

/**
 * Chooses the next process to run among the runnable ones: what {@link ProgramHost.runAll} asks
 * at every quantum. A deterministic scheduler (the same choices for the same inputs) makes a
 * whole run deterministic.
 */
export interface Scheduler {
  /** Picks one pid of `runnable` (non-empty, ascending). */
  next(runnable: readonly Pid[]): Pid;
}

/** How one process's program ended, as {@link ProgramHost.results} reports it. */
export interface ProgramResult {
  /** The pid. */
  readonly pid: Pid;
  /** The program's outcome; null when the process has no program or it has not finished. */
  readonly outcome: Outcome | null;
}

/** One process as {@link ProgramHost.processList} reports it. */
export interface ProcessSummary {
  /** The pid. */
  readonly pid: Pid;
  /** Whether it is still alive (did not `exit`). */
  readonly alive: boolean;
  /** Everything it printed (and its watches recorded), in order. */
  readonly output: readonly string[];
}

/**
 * The program extension of {@link Kernel}: a kernel that loads system-language programs into
 * processes and runs all of them under a {@link Scheduler}, one quantum (up to and including the
 * next kernel call) per choice. `immutos run`, `immutos repl` and the examples run on any kernel
 * that implements it; {@link isProgramKernel} tells whether a kernel does. The reference and the
 * optimized kernel (on every memory backend) implement it; the spec kernel does not (it has no
 * language).
 *
 * Contract:
 * - `load`/`loadValues` append the forms to `pid`'s program (a process with a finished program
 *   starts a new one; definitions made before persist). They throw a `KernelError` of kind
 *   `bad-input` for text that does not read, and `no-such-process` for an unknown pid.
 * - `runAll` gives every process and tree one fuel budget ({@link Quotas.fuel},
 *   {@link Quotas.treeFuel}), runs until no process can take a step, turns a process still
 *   waiting for one that never finishes into a `program-error` (deadlock), and returns the
 *   number of quanta run. It never throws for a program's failure: that is its outcome.
 * - `results` and `processList` cover every process ever created, exited ones included,
 *   ascending by pid.
 */
export interface ProgramHost extends Kernel {
  /** The quotas in force (defaults completed by the options the kernel was built with). */
  readonly quotas: Quotas;
  /** Garbage collections run so far (never visible to programs). */
  readonly gcCount: number;
  /** Reads program text (EDN forms) and loads it into `pid`. */
  load(pid: Pid, text: string): void;
  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void;
  /** Runs every process that has a program until none can run → the number of quanta run. */
  runAll(scheduler: Scheduler): number;
  /** How each process's program ended, ascending by pid. */
  results(): readonly ProgramResult[];
  /** Every process ever created, with its output, ascending by pid. */
  processList(): readonly ProcessSummary[];
}

/** The members a {@link ProgramHost} adds to {@link Kernel}, with their kinds (for checks and messages). */
export const PROGRAM_HOST_MEMBERS: readonly { readonly name: keyof ProgramHost; readonly kind: 'function' | 'number' | 'object' }[] = [
  { name: 'load', kind: 'function' },
  { name: 'loadValues', kind: 'function' },
  { name: 'runAll', kind: 'function' },
  { name: 'results', kind: 'function' },
  { name: 'processList', kind: 'function' },
  { name: 'quotas', kind: 'object' },
  { name: 'gcCount', kind: 'number' },
];

/** The names of the {@link ProgramHost} members `kernel` lacks (empty: it can run programs). */
export function missingProgramMembers(kernel: Kernel): string[] {
  const k = kernel as unknown as Record<string, unknown>;
  return PROGRAM_HOST_MEMBERS.filter((m) => typeof k[m.name] !== m.kind || k[m.name] === null).map((m) => m.name);
}

/** Whether `kernel` implements the program extension {@link ProgramHost}. */
export function isProgramKernel(kernel: Kernel): kernel is ProgramHost {
  return missingProgramMembers(kernel).length === 0;
}
