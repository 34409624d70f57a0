/**
 * The parts of one reference kernel, wired together: each part reaches the others through this
 * record, so no part imports another (the one-way imports of ARCHITECTURE.md hold inside
 * reference/ too). Constructing the parts does no work; {@link KernelParts.boot} starts the kernel.
 * @module
 */
import { Atoms } from './atoms.js';
import { KernelCalls } from './calls.js';
import { LanguageHost } from './language.js';
import { Memory } from './memory.js';
import { Operations } from './ops.js';
import { Processes } from './processes.js';
import { Scheduling } from './scheduling.js';
import type { KernelTables } from './tables.js';

/** The parts of one reference kernel over one set of tables. */
export class KernelParts {
  /** Collection, safe points, heap quotas. */
  readonly memory: Memory;
  /** The process table, spawn/fork/exit, trees and fuel. */
  readonly processes: Processes;
  /** Atoms, capabilities, validators and watches. */
  readonly atoms: Atoms;
  /** The kernel calls of the language. */
  readonly calls: KernelCalls;
  /** Loading programs, the core library, driving the interpreter. */
  readonly language: LanguageHost;
  /** Running programs quantum by quantum. */
  readonly scheduling: Scheduling;
  /** The operations of spec/Kernel.ts. */
  readonly ops: Operations;

  /** The parts over `tables`, not started. */
  constructor(readonly tables: KernelTables) {
    this.memory = new Memory(tables);
    this.processes = new Processes(tables, this);
    this.atoms = new Atoms(tables, this);
    this.calls = new KernelCalls(tables, this);
    this.language = new LanguageHost(tables, this);
    this.scheduling = new Scheduling(tables, this);
    this.ops = new Operations(tables, this);
  }

  /** Starts the kernel: loads the core library, then creates process 0. */
  boot(): void {
    this.language.boot();
    this.processes.createFirst();
  }
}
