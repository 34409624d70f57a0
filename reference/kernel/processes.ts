/**
 * The reference kernel's processes: the process table, spawn, fork and exit, trees of processes
 * and what they may spend (process counts and fuel, ADR 0024).
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { PROCESS_CREATION_FUEL, outputCharsOf, outputQuotaMessage, type Pid } from '../../spec/Kernel.js';
import { readNat } from '../../spec/OpInput.js';
import { Bytes, EMap, ESet, List, Vector, type Value } from '../../spec/Values.js';
import type { State } from '../lang/machine.js';
import type { AtomRecord, KernelTables, ProcessRecord, TreeAccount } from './tables.js';
import { KERNEL_PID, isFinished } from './tables.js';
import type { KernelParts } from './parts.js';

/** The process table and the accounts of process trees. */
export class Processes {
  /** Processes over `t`; fork and exit reach atoms and memory through `parts`. */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /** The kernel's own process record (it runs the prelude; it is in no table of processes). */
  kernelProcess(): ProcessRecord {
    return this.record(KERNEL_PID, -1, { fuel: Number.MAX_SAFE_INTEGER, output: 0 }, KERNEL_PID);
  }

  /** Creates the first process (pid 0), the root of its own tree. */
  createFirst(): ProcessRecord {
    const pid = this.t.nextPid++;
    const p = this.record(pid, -1, { fuel: this.t.quotas.treeFuel, output: 0 }, pid);
    this.t.processes.set(pid, p);
    return p;
  }

  /** The live process `pid`: `bad-input` when `pid` is not a pid, `no-such-process` when it is not alive. */
  live(pid: unknown): ProcessRecord {
    const n = readNat(pid, 'pid');
    const p = this.t.processes.get(n);
    if (p === undefined || !p.alive) throw new KernelError('no-such-process', `no process ${n}`);
    return p;
  }

  /** Whether `pid` can no longer run: unknown, exited, or its program finished. */
  finished(pid: Pid): boolean {
    const p = this.t.processes.get(pid);
    return p === undefined || !p.alive || (p.program !== null && isFinished(p.program));
  }

  /** The `spawn` operation: a new process created by `creator`, the root of a new tree. */
  spawnRoot(creator: ProcessRecord): ProcessRecord {
    const pid = this.t.nextPid;
    this.admit(creator, pid);
    return this.add(this.record(this.t.nextPid++, creator.pid, { fuel: this.t.quotas.treeFuel, output: 0 }, pid));
  }

  /** A program's `spawn`, and the child of a fork: a new process created by `creator`, in its tree. */
  spawnChild(creator: ProcessRecord): ProcessRecord {
    this.admit(creator, creator.tree);
    return this.add(this.record(this.t.nextPid++, creator.pid, creator.account, creator.tree));
  }

  /**
   * Fork (ADR 0003): the child's table has the parent's refs; a private atom is re-pointed at a
   * new atom (same value cell, same stamp, created by the child); a shared atom stays shared.
   * No value is copied. Registers are copied (handles shared); the child continues `program`.
   * @see Fork.tla Fork
   */
  fork(parent: ProcessRecord, program: State | null): ProcessRecord {
    const { mutants } = this.t;
    const child = this.spawnChild(parent);
    this.t.forks++;
    const copies = new Map<AtomRecord, AtomRecord>();
    for (const [ref, a] of parent.table) {
      if (a.shared || mutants.has('fork-shares-private')) {
        child.table.set(ref, a);
        continue;
      }
      let c = copies.get(a);
      if (c === undefined) {
        c = this.parts.atoms.copyFor(child.pid, a);
        copies.set(a, c);
      }
      child.table.set(ref, c);
    }
    if (!mutants.has('fork-drops-registers')) for (const [r, h] of parent.registers) child.registers.set(r, h);
    child.program = program;
    return child;
  }

  /** Ends `p`: its table and registers stop being roots, and the validators and watches it installed are removed (ADR 0024). */
  exit(p: ProcessRecord): void {
    p.alive = false;
    this.parts.memory.forgetOverQuota();
    p.table.clear();
    p.registers.clear();
    this.parts.atoms.removeCodeOf(p.pid);
  }

  /** Charges one step of `p`'s program to `p` and its tree; `fuel-exhausted` when either has none left. */
  chargeStep(p: ProcessRecord): void {
    if (p.fuelLeft <= 0) throw this.outOfFuel(p);
    if (p.account.fuel <= 0) throw this.treeOutOfFuel(p);
    p.fuelLeft--;
    p.account.fuel--;
  }

  /** A program's `spawn` or `fork` costs {@link PROCESS_CREATION_FUEL}, created or refused. */
  chargeCreation(p: ProcessRecord): void {
    this.charge(p, PROCESS_CREATION_FUEL);
  }

  /**
   * A built-in's work (resource bombs): a new value of n elements costs ⌊n/16⌋ fuel, and one
   * value of more elements than the heap-cell quota is out-of-memory (a result that is one of the
   * arguments costs nothing); the `walked` members its comparisons and hashes visited cost
   * ⌊walked/16⌋ fuel.
   */
  chargeWork(p: ProcessRecord, v: Value, args: readonly Value[], walked = 0): void {
    const { quotas, mutants } = this.t;
    // Reading: ⌊walked/16⌋ for the members the built-in's comparisons and hashes visited.
    let fuel = walked >> 4;
    const fresh = !(v === null || (typeof v !== 'object' && typeof v !== 'string') || args.includes(v) || (v instanceof Vector && args.some((x) => x instanceof Vector && x.sharesStorageWith(v)))); // an argument, or an O(1) conj, is no new storage
    const n = !fresh ? 0 : typeof v === 'string' ? v.length : v instanceof List || v instanceof Vector ? v.size : v instanceof ESet ? v.items.length : v instanceof EMap ? v.size : v instanceof Bytes ? v.length : 0; // `size`: reading `items` would stop a vector appending in place
    if (n >= 16) {
      if (n > quotas.heapCells && !mutants.has('quota-not-enforced')) throw new KernelError('out-of-memory', `process ${p.pid}: a built-in would build a value of ${n} elements, over the heap quota of ${quotas.heapCells} cells`);
      fuel += n >> 4;
    }
    if (fuel > 0) this.charge(p, fuel);
  }

  /**
   * Appends `line` (a `println` or `prn`) to `p`'s output, charged to its tree's output quota;
   * `out-of-memory` when the tree would hold more than `treeOutputChars` characters of output.
   */
  print(p: ProcessRecord, line: string): void {
    if (!this.hold(p, line)) throw new KernelError('out-of-memory', outputQuotaMessage(p.pid, p.tree, p.account.output, outputCharsOf(line), this.t.quotas.treeOutputChars));
  }

  /** Appends a notice of the kernel (a watch record, a failed watch) to `p`'s output when its tree has room for it; else it is not recorded. */
  notice(p: ProcessRecord, line: string): void {
    this.hold(p, line);
  }

  /** Appends `line` to `p`'s output if its tree's output quota has room for it → whether it did. */
  private hold(p: ProcessRecord, line: string): boolean {
    const chars = outputCharsOf(line);
    if (p.account.output + chars > this.t.quotas.treeOutputChars && !this.t.mutants.has('quota-not-enforced')) return false;
    p.account.output += chars;
    p.output.push(line);
    return true;
  }


  /** Takes `fuel` from `p` and its tree; `fuel-exhausted` when either goes below zero. */
  private charge(p: ProcessRecord, fuel: number): void {
    p.fuelLeft -= fuel;
    p.account.fuel -= fuel;
    if (p.fuelLeft < 0) throw this.outOfFuel(p);
    if (p.account.fuel < 0) throw this.treeOutOfFuel(p);
  }

  private outOfFuel(p: ProcessRecord): KernelError {
    return new KernelError('fuel-exhausted', `process ${p.pid} used up its fuel (${this.t.quotas.fuel} steps)`);
  }

  private treeOutOfFuel(p: ProcessRecord): KernelError {
    return new KernelError('fuel-exhausted', `process ${p.pid}: its tree (root ${p.tree}) used up the tree's fuel (${this.t.quotas.treeFuel} steps)`);
  }

  /** `process-limit` when the kernel, or the tree rooted at `tree`, has no room for another process (ADR 0024). */
  private admit(creator: ProcessRecord, tree: Pid): void {
    const { quotas, mutants, processes } = this.t;
    if (mutants.has('no-process-limit')) return;
    let live = 0;
    let inTree = 0;
    for (const q of processes.values()) {
      if (!q.alive || q.pid === KERNEL_PID) continue;
      live++;
      if (q.tree === tree) inTree++;
    }
    if (live >= quotas.maxProcesses) throw new KernelError('process-limit', `the kernel already runs ${live} processes (maxProcesses ${quotas.maxProcesses})`);
    if (inTree >= quotas.treeProcesses) throw new KernelError('process-limit', `the tree of process ${creator.pid} already has ${inTree} live processes (treeProcesses ${quotas.treeProcesses})`);
  }

  private add(p: ProcessRecord): ProcessRecord {
    this.t.processes.set(p.pid, p);
    this.t.created++;
    return p;
  }

  private record(pid: Pid, parent: Pid, account: TreeAccount, tree: Pid): ProcessRecord {
    return { pid, table: new Map(), registers: new Map(), output: [], alive: true, program: null, fuelLeft: this.t.quotas.fuel, blockedOn: null, parent, tree, account };
  }
}
