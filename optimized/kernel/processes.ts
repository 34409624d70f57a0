/**
 * The optimized kernel's process table: live processes (their atom tables, registers, output and
 * program), the trees they form and the process quotas of a tree and of the kernel (ADR 0024),
 * who created whom (for `join`), and what stays of an exited process (its output and end state).
 * @see Capabilities.tla TreeBound
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { isNat } from '../../spec/OpInput.js';
import { fail, ok, outputCharsOf, outputQuotaMessage, type Outcome, type Pid, type Quotas, type Ref } from '../../spec/Kernel.js';
import { printEdn, TextTooLong } from '../../spec/codec/Edn.js';
import type { Value } from '../../spec/Values.js';
import { finished, type MState } from '../lang/machine.js';
import type { MutantSet } from '../mutants.js';
import { refuse } from './refusals.js';

/** A live process. */
export interface Process {
  readonly pid: Pid;
  /** Its atom table: ref → atom id. */
  readonly table: Map<Ref, number>;
  /** Its registers: number → value word. */
  readonly regs: Map<number, number>;
  /** Printed lines and recorded watch events. */
  readonly output: string[];
  /** The loaded program's state, or null. */
  prog: MState | null;
  /** The pid a `join` waits for. */
  blockedOn: Pid | null;
  /** Fuel left for the current run. */
  fuel: number;
  /** The process that spawned or forked it (the only one that may `join` it); -1 for a root. */
  readonly parent: Pid;
  /** The root of its tree (quotas are counted per tree, ADR 0024). */
  readonly tree: Pid;
  /** Its tree's account, shared by every process of the tree. */
  readonly account: TreeAccount;
}

/** A tree's shared budgets (ADR 0024, ADR 0057): its fuel in the current run, its output so far. */
export interface TreeAccount {
  /** Output characters held by the tree, exited processes' included (bounded by `Quotas.treeOutputChars`). */
  output: number;
  /** Steps the whole tree may still take in this run. */
  fuel: number;
}

/** A process record: the root of a new tree (`account` a fresh one) or a member of `inTreeOf`'s tree. */
export function newProcess(pid: Pid, fuel: number, parent: Pid, inTreeOf: Process | null, treeFuel: number): Process {
  const account = inTreeOf?.account ?? { fuel: treeFuel, output: 0 };
  return { pid, table: new Map(), regs: new Map(), output: [], prog: null, blockedOn: null, fuel, parent, tree: inTreeOf?.tree ?? pid, account };
}

/** The live processes, their trees, and what stays of exited ones. Starts with process 0, a root. */
export class ProcessTable {
  private readonly live = new Map<Pid, Process>();
  /** The creator of every process ever created (for `join`, ADR 0024). */
  private readonly parents = new Map<Pid, Pid>();
  /** Output of exited processes (for {@link ProcessTable.processList}). */
  private readonly exitedOutput = new Map<Pid, readonly string[]>();
  /** End states of exited processes (for `join`). */
  private readonly ended = new Map<Pid, MState | null>();
  private next = 1;
  /** Processes created (spawn and fork). */
  private createdCount = 0;
  /** Processes created by fork. */
  private forkCount = 0;

  /** Creates the table with process 0, the root of its own tree. */
  constructor(
    private readonly quotas: Quotas,
    private readonly mutants: MutantSet,
  ) {
    this.live.set(0, newProcess(0, quotas.fuel, -1, null, quotas.treeFuel));
  }

  /**
   * Appends `line` (a `println` or `prn`) to `p`'s output, charged to its tree's output quota;
   * `out-of-memory` when the tree would hold more than `treeOutputChars` characters of output.
   */
  print(p: Process, line: string): void {
    if (!this.hold(p, line)) throw new KernelError('out-of-memory', outputQuotaMessage(p.pid, p.tree, p.account.output, outputCharsOf(line), this.quotas.treeOutputChars));
  }

  /** Appends a notice of the kernel (a watch record, a failed watch) to `p`'s output when its tree has room for it; else it is not recorded. */
  notice(p: Process, line: string): void {
    this.hold(p, line);
  }

  /** Appends `line` to `p`'s output if its tree's output quota has room for it → whether it did. */
  private hold(p: Process, line: string): boolean {
    const chars = outputCharsOf(line);
    if (p.account.output + chars > this.quotas.treeOutputChars && !this.mutants.has('quota-not-enforced')) return false;
    p.account.output += chars;
    p.output.push(line);
    return true;
  }


  /** The pid the next process gets. */
  get nextPid(): Pid {
    return this.next;
  }

  /** Processes created so far by fork. */
  get forks(): number {
    return this.forkCount;
  }

  /** Processes created so far by spawn (the operation or a program's). */
  get spawns(): number {
    return this.createdCount - this.forkCount;
  }

  /** Live processes, in creation order. */
  values(): IterableIterator<Process> {
    return this.live.values();
  }

  /** Live pids, in creation order. */
  pids(): IterableIterator<Pid> {
    return this.live.keys();
  }

  /** The live process `pid`, if any. */
  find(pid: Pid): Process | undefined {
    return this.live.get(pid);
  }

  /** Whether process `pid` is alive. */
  has(pid: Pid): boolean {
    return this.live.has(pid);
  }

  /** The live process an operation names, or the operation refused (`bad-input`, `no-such-process`). */
  get(pid: unknown): Process {
    if (!isNat(pid)) refuse('bad-input', `pid must be a non-negative integer, got ${JSON.stringify(pid)}`);
    const p = this.live.get(pid);
    if (p === undefined) refuse('no-such-process', `no live process ${pid}`);
    return p;
  }

  /** A new live process created by `creator`, the root of a new tree (the `spawn` operation). */
  newRoot(creator: Process): Process {
    return this.admit(creator, this.next, null);
  }

  /** A new live process created by `creator` in `creator`'s tree (fork, a program's spawn). */
  newInTree(creator: Process): Process {
    return this.admit(creator, creator.tree, creator);
  }

  /** Counts a process created by fork (for the kernel's statistics). */
  countFork(): void {
    this.forkCount++;
  }

  /** `process-limit` when tree `tree` or the kernel has no room, else the new process. */
  private admit(creator: Process, tree: Pid, inTreeOf: Process | null): Process {
    if (!this.mutants.has('no-process-limit')) {
      const live = this.live.size;
      let inTree = 0;
      for (const q of this.live.values()) if (q.tree === tree) inTree++;
      if (live >= this.quotas.maxProcesses) throw new KernelError('process-limit', `the kernel already runs ${live} processes (maxProcesses ${this.quotas.maxProcesses})`);
      if (inTree >= this.quotas.treeProcesses) throw new KernelError('process-limit', `the tree of process ${creator.pid} already has ${inTree} live processes (treeProcesses ${this.quotas.treeProcesses})`);
    }
    const child = newProcess(this.next++, this.quotas.fuel, creator.pid, inTreeOf, this.quotas.treeFuel);
    this.live.set(child.pid, child);
    this.createdCount++;
    this.parents.set(child.pid, creator.pid);
    return child;
  }

  /** The process that created `pid`, if it was ever created by one. */
  parentOf(pid: Pid): Pid | undefined {
    return this.parents.get(pid);
  }

  /** Whether `pid` exited (its end state is kept for `join`). */
  hasEnded(pid: Pid): boolean {
    return this.ended.has(pid);
  }

  /** The end state of exited process `pid` (null: it had no program). */
  endOf(pid: Pid): MState | null | undefined {
    return this.ended.get(pid);
  }

  /** Records `state` as the end state of exited process `pid`. */
  setEnd(pid: Pid, state: MState | null): void {
    this.ended.set(pid, state);
  }

  /** Removes `p` from the live processes, keeping its output and its program's end state. */
  retire(p: Process): void {
    this.exitedOutput.set(p.pid, p.output);
    this.live.delete(p.pid);
    this.ended.set(p.pid, p.prog);
  }

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    const done = (pid: Pid): boolean => {
      const q = this.live.get(pid);
      return q === undefined || (q.prog !== null && finished(q.prog));
    };
    return [...this.live.values()]
      .filter((p) => p.prog !== null && !finished(p.prog) && (p.blockedOn === null || done(p.blockedOn)))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
  }

  /** How each process's program ended (null while running or without a program), ascending by pid; exited processes included. */
  results(): { readonly pid: Pid; readonly outcome: Outcome | null }[] {
    const ends = new Map<Pid, MState | null>(this.ended);
    for (const p of this.live.values()) ends.set(p.pid, p.prog);
    return [...ends.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([pid, s]) => ({ pid, outcome: s === null || !finished(s) ? null : s.m === 'halt' ? haltedWith(s.v) : s.m === 'failed' ? fail(s.kind, s.msg) : null }));
  }

  /** Every process ever created (alive or exited), ascending by pid: pid, alive, output. */
  processList(): { pid: Pid; alive: boolean; output: readonly string[] }[] {
    const all = new Map<Pid, { pid: Pid; alive: boolean; output: readonly string[] }>();
    for (const [pid, output] of this.exitedOutput) all.set(pid, { pid, alive: false, output: output.slice() });
    for (const p of this.live.values()) all.set(p.pid, { pid: p.pid, alive: true, output: p.output.slice() });
    return [...all.values()].sort((a, b) => a.pid - b.pid);
  }
}

/** The outcome of a program that halted with `v`: its text, or `out-of-memory` when that is too long. */
function haltedWith(v: Value): Outcome {
  try {
    return ok(printEdn(v));
  } catch (e) {
    if (e instanceof TextTooLong) return fail(e.kind, e.message);
    throw e;
  }
}
