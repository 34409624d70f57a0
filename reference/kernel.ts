/**
 * The reference kernel: processes with atom tables, atoms with Clojure semantics, capabilities,
 * fork, a heap of cells with a stop-the-world collector, per-process quotas, and the
 * system-language interpreter driven by a deterministic scheduler. Clarity first: plain maps,
 * one function per operation, nothing cached that could go stale.
 *
 * This module is the kernel's façade; its parts, one concern each, are in reference/kernel/
 * (docs/adr/0033-reference-kernel-by-concern.md). Naming (pids, refs, stamps) follows
 * docs/adr/0003-atoms-processes-capabilities.md exactly.
 * @module
 */
import { seededScheduler } from './schedulers.js';
import { OP_NAMES, RESOURCE_ERRORS, type ErrorKind, type Kernel, type KernelOptions, type KernelStats, type Observation, type Op, type OpName, type Outcome, type Pid, type ProgramHost, type Quotas, type Scheduler as SpecScheduler } from '../spec/Kernel.js';
import type { Value } from '../spec/Values.js';
import type { Heap } from './heap.js';
import { KernelParts } from './kernel/parts.js';
import { KernelTables, isFinished } from './kernel/tables.js';
import { observation, snapshot, type KernelSnapshot } from './kernel/views.js';

export type { AtomRecord, ProcessRecord, TreeAccount } from './kernel/tables.js';
export type { AtomSnapshot, KernelSnapshot, ProcessSnapshot } from './kernel/views.js';

/** Chooses the next process to run among the runnable ones (the contract is in spec/Kernel.ts). */
export type Scheduler = SpecScheduler;

/** How one process's program ended (or that it is still running). */
export interface ProgramResult {
  /** The pid. */
  readonly pid: Pid;
  /** The outcome, or null if it has no finished program. */
  readonly outcome: Outcome | null;
}

/** The reference kernel. Implements {@link Kernel}; the extra methods serve the CLI and REPL. */
export class ReferenceKernel implements Kernel, ProgramHost {
  /** `reference`. */
  readonly name = 'reference';
  /** Every operation of spec/Kernel.ts. */
  readonly supports: ReadonlySet<OpName> = new Set(OP_NAMES);
  /** The quotas in force. */
  readonly quotas: Quotas;
  /** The heap (exposed for tests and the trace abstraction; never observable through `observe`). */
  readonly heap: Heap;
  private readonly tables: KernelTables;
  private readonly parts: KernelParts;

  /** Creates a kernel with process 0 and the core library loaded. */
  constructor(options: KernelOptions = {}) {
    this.tables = new KernelTables(options);
    this.quotas = this.tables.quotas;
    this.heap = this.tables.heap;
    this.parts = new KernelParts(this.tables);
    this.parts.boot();
  }

  // ---------------------------------------------------------------- the Kernel interface

  /** Performs one operation; never throws. */
  apply(op: Op): Outcome {
    return this.parts.ops.apply(op);
  }

  /** The observable state: live processes with their atoms (EDN, stamp), output and registers. */
  observe(): Observation {
    return observation(this.tables);
  }

  // ---------------------------------------------------------------- richer API (CLI, REPL, tests)

  /** Loads program text (EDN) into `pid`, replacing any program it had. Throws bad-input on bad text. */
  load(pid: Pid, text: string): void {
    this.parts.language.loadText(this.parts.processes.live(pid), text);
  }

  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void {
    this.parts.language.loadValues(this.parts.processes.live(pid), forms);
  }

  /**
   * Loads a program given as a binary blob (base64 text of `encodeAll(forms)`) into `pid`.
   * Throws bad-input when the text is not base64 or the blob does not decode.
   */
  loadBinary(pid: Pid, base64: string): void {
    this.parts.language.loadBinary(this.parts.processes.live(pid), base64);
  }

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler` (one choice = one quantum: up to and including the next kernel call). Each
   * program gets one fuel budget for the whole run. Returns the number of quanta run.
   */
  runAll(scheduler: Scheduler = seededScheduler(0), maxQuanta = Number.MAX_SAFE_INTEGER): number {
    return this.parts.scheduling.runAll(scheduler, maxQuanta);
  }

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    return this.parts.scheduling.runnable();
  }

  /** How each process's program ended (null while running or without a program), ascending by pid. */
  results(): ProgramResult[] {
    return [...this.tables.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => ({ pid: p.pid, outcome: p.program === null || !isFinished(p.program) ? null : this.parts.scheduling.outcome(p.program) }));
  }

  /** Every process ever created (alive or exited), ascending by pid: pid, alive, output. */
  processList(): { pid: Pid; alive: boolean; output: readonly string[] }[] {
    return [...this.tables.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => ({ pid: p.pid, alive: p.alive, output: p.output.slice() }));
  }

  /** Work counters for coverage reports: collections, forks, spawns, values decoded from binary. */
  stats(): KernelStats {
    const t = this.tables;
    return { gcCycles: this.parts.memory.gcCount, forks: t.forks, spawns: t.created - t.forks, codecValues: t.codecValues, kernelCalls: Object.fromEntries(t.callCounts) };
  }

  /** Number of collections run so far. */
  get gcCount(): number {
    return this.parts.memory.gcCount;
  }

  /**
   * A snapshot of the kernel's internal state for trace validation (harness/oracles/trace.ts):
   * live processes with, per ref, the atom's internal identity, creator, shared flag, value,
   * stamp, whether it has a validator and its watches; registers as EDN; the next pid and ref.
   * Reading the registers goes through the heap, so a freed register shows up here.
   */
  inspect(): KernelSnapshot {
    return snapshot(this.tables);
  }

  /** A full stop-the-world collection; in debug mode, the heap invariants are checked after it. @see GC.tla */
  collect(): void {
    this.parts.memory.collect();
  }
}

/** Process-level result of one program, rendered for humans (used by the CLI). */
export function describeOutcome(o: Outcome): string {
  return o.ok ? o.value : `${o.error}: ${o.message}`;
}

/** Whether `kind` is a resource error (quota). */
export function isResourceError(kind: ErrorKind): boolean {
  return RESOURCE_ERRORS.includes(kind);
}
