/**
 * Forking and ending processes in the optimized kernel, where the process table, the atom table,
 * the collector and the language meet: `fork` copies the atom table and the registers, never a
 * value (O(#atoms + #registers), ADR 0003); `exit` takes a process's table out of the roots
 * (shading its values while the collector marks), releases its atoms and forgets its code.
 * @see Fork.tla Fork
 * @module
 */
import type { MState } from '../lang/machine.js';
import type { MutantSet } from '../mutants.js';
import type { AtomTable } from './atoms.js';
import type { Library } from './library.js';
import type { KernelMemory } from './memory.js';
import type { Process, ProcessTable } from './processes.js';

/** Work counters of the kernel (tests count work instead of time). */
export interface KernelWork {
  /** Atom-table entries and registers copied by `fork`. */
  forkCopies: number;
}

/** Fork and exit. */
export class Lifecycle {
  /** Fork and exit over these tables, counting fork's copies in `work`. */
  constructor(
    private readonly procs: ProcessTable,
    private readonly atoms: AtomTable,
    private readonly mem: KernelMemory,
    private readonly library: Library,
    private readonly mutants: MutantSet,
    private readonly work: KernelWork,
  ) {}

  /**
   * Fork (ADR 0003): a child in `parent`'s tree with a copy of its atom table (private atoms
   * become new atoms holding the same value words, shared ones stay shared) and of its
   * registers, running `prog` → the child.
   */
  fork(parent: Process, prog: MState | null): Process {
    const child = this.procs.newInTree(parent);
    this.procs.countFork();
    this.work.forkCopies += this.atoms.forkTable(parent, child);
    const dropLast = this.mutants.has('fork-drops-register') && parent.regs.size > 0 ? Math.max(...parent.regs.keys()) : -1;
    for (const [r, w] of parent.regs) if (r !== dropLast) child.regs.set(r, w);
    this.work.forkCopies += parent.regs.size;
    child.prog = prog;
    return child;
  }

  /** Ends `p`: its table and registers stop being roots; its program's end state stays for `join`. */
  exit(p: Process): void {
    // The table stops being a root set: while marking, shade its values first (Kernel.tla Exit).
    this.mem.collector.shadeOnExit([...p.table.values()].map((id) => this.atoms.word(id)));
    this.atoms.release(p);
    this.library.forget(p.pid);
    this.procs.retire(p);
  }
}
