/**
 * The reference kernel: processes with atom tables, atoms with Clojure semantics, capabilities,
 * fork, a heap of cells with a stop-the-world collector, per-process quotas, and the
 * system-language interpreter driven by a deterministic scheduler. Clarity first: plain maps,
 * one function per operation, nothing cached that could go stale.
 *
 * Naming (pids, refs, stamps) follows docs/adr/0003-atoms-processes-capabilities.md exactly.
 * @module
 */
import { seededScheduler } from './schedulers.js';
import { KERNEL_CALL_NAMES, atomArg, checkKernelCallArity, forkNotAllowed, isKernelCallName, joinMayNotBlock, kernelCallYields, outputLine, pidArg, registerArg, spawnArg, stampArg, validatorArg, watchArg, type KernelCallHandlers, type KernelCallName } from '../spec/lang/kernelCalls.js';
import { printEdn, readEdn, readEdnForms, type Position } from '../spec/codec/Edn.js';
import { BadInputError, KernelError } from '../spec/Errors.js';
import { decodeAll, fromBase64 } from '../spec/codec/Binary.js';
import {
  DEFAULT_QUOTAS,
  OP_NAMES,
  PROCESS_CREATION_FUEL,
  RESOURCE_ERRORS,
  fail,
  ok,
  type Edn,
  type ErrorKind,
  type Kernel,
  type KernelOptions,
  type Observation,
  type Op,
  type OpName,
  type Outcome,
  type Pid,
  type Quotas,
  type Ref,
  type KernelStats,
  type ProgramHost,
  type Scheduler as SpecScheduler,
} from '../spec/Kernel.js';
import { AtomRef, Bytes, EMap, ESet, Fn, IntOverflowError, Keyword, List, Sym, Vector, equals, type Value } from '../spec/Values.js';
import { Heap, isComposite, type Handle } from './heap.js';
import { builtins } from '../spec/lang/builtins.js';
import { callState, closureValues, initialState, step, stateValues, where, type Host, type Kont, type State, type StepResult } from './lang/machine.js';
import { PRELUDE } from './lang/prelude.js';
import { ProgramError, errorValue, programError, truthy, type Closure, type FnImpl } from './lang/runtime.js';
import { Mutants } from './mutants.js';
import { WatchTable, brokenHash } from './watches.js';
import { Char, hash } from '../spec/Values.js';

/** An atom. Reached by processes only through their tables. */
export interface AtomRecord {
  /** Kernel-internal identity (creation order); never observable. */
  readonly id: number;
  /** The cell holding the current value. */
  handle: Handle;
  /** 0 when created, +1 per successful write. */
  stamp: number;
  /** The process that created it (the only one that may share it). */
  readonly creator: Pid;
  /** Whether it has been shared (monotonic); fork keeps shared atoms shared. */
  shared: boolean;
  /** The validator, or null. */
  validator: Fn | null;
  /** The process that installed the validator (it runs on that process's behalf, ADR 0024). */
  validatorOwner: Pid;
  /** Watches. */
  watches: WatchTable;
  /** Values by stamp, kept only for the `cas-compares-values` mutant. */
  history: Map<number, Value> | null;
}

/** A process. */
export interface ProcessRecord {
  /** Its pid. */
  readonly pid: Pid;
  /** The atom table: ref → atom. */
  readonly table: Map<Ref, AtomRecord>;
  /** Registers (GC roots): number → cell. */
  readonly registers: Map<number, Handle>;
  /** Everything printed, in order. */
  readonly output: string[];
  /** False once exited. */
  alive: boolean;
  /**
   * The program's machine state (running, or finished: `halt`/`failed`), or null if none.
   * @internal The interpreter's continuation representation is not public API.
   */
  program: State | null;
  /** Fuel left for the current `run`/`step` (or, under {@link ReferenceKernel.runAll}, the whole run). */
  fuelLeft: number;
  /** The pid this process waits for (`join`), or null. */
  blockedOn: Pid | null;
  /** The process that spawned or forked it (the only one that may `join` it); -1 for a root. */
  readonly parent: Pid;
  /** The root of its tree (quotas are counted per tree, ADR 0024). */
  readonly tree: Pid;
  /** Its tree's account, shared by every process of the tree. */
  readonly account: TreeAccount;
}

/** What a tree of processes has left in the current run (ADR 0024). */
export interface TreeAccount {
  /** Steps left to the whole tree. */
  fuel: number;
}

/** Chooses the next process to run among the runnable ones (the contract is in spec/Kernel.ts). */
export type Scheduler = SpecScheduler;

/** How one process's program ended (or that it is still running). */
export interface ProgramResult {
  /** The pid. */
  readonly pid: Pid;
  /** The outcome, or null if it has no finished program. */
  readonly outcome: Outcome | null;
}

/** One atom as seen from one table entry, in {@link KernelSnapshot}. */
export interface AtomSnapshot {
  /** The ref (table key). */
  readonly ref: Ref;
  /** Internal atom identity (equal for aliases of one atom). */
  readonly atom: number;
  /** Creator pid. */
  readonly creator: Pid;
  /** Shared flag. */
  readonly shared: boolean;
  /** Current value (EDN). */
  readonly value: Edn;
  /** Current stamp. */
  readonly stamp: number;
  /** Whether a validator is installed. */
  readonly validator: boolean;
  /** Watches as `[key EDN, watcher pid]`, in key order. */
  readonly watches: readonly (readonly [Edn, Pid])[];
}

/** One live process in {@link KernelSnapshot}. */
export interface ProcessSnapshot {
  /** Pid. */
  readonly pid: Pid;
  /** Its table, ascending by ref. */
  readonly atoms: readonly AtomSnapshot[];
  /** Registers as `[reg, EDN]`, ascending. */
  readonly registers: readonly (readonly [number, Edn])[];
  /** Output lines. */
  readonly output: readonly string[];
}

/** The kernel's internal state, implementation-level (atom identities included). */
export interface KernelSnapshot {
  /** Live processes, ascending by pid. */
  readonly processes: readonly ProcessSnapshot[];
  /** The next pid to be issued. */
  readonly nextPid: number;
  /** The next ref to be issued. */
  readonly nextRef: number;
}

/** What a kernel call's handler gets: the caller, the arguments, and how to return. */
interface RefCall {
  readonly p: ProcessRecord;
  /** Whether the call runs inside a validator, watch or swap function (it may not block or fork). */
  readonly atomic: boolean;
  readonly name: KernelCallName;
  readonly args: readonly Value[];
  /** The continuation after the call. */
  readonly k: Kont;
  /** The state that retries the call (a blocked `join`). */
  readonly again: State;
  /** Returns `value` to the continuation (and keeps it in the heap). */
  readonly done: (value: Value) => StepResult;
}

/** Pid of the kernel itself (owner of the core library's cells); never a process. */
const KERNEL_PID = -1;

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
  private readonly mutants: Mutants;
  private readonly debug: boolean;
  private readonly processes = new Map<Pid, ProcessRecord>();
  private nextPid = 0;
  private nextRef = 0;
  private nextAtomId = 0;
  private nextFnId = 0;
  private readonly positions = new WeakMap<object, Position>();
  private readonly core = new Map<string, Value>();
  private readonly namespace: AtomRecord;
  private readonly active: State[] = [];
  private readonly pending: Value[] = [];
  private gcThreshold = 20_000;
  private collections = 0;
  /**
   * Processes over a heap bound at the last collection, with the reason ({@link processesOverQuota});
   * cleared when a program ends with a quota error or a process exits (what it held may be garbage).
   */
  private overAtGc = new Map<Pid, string>();
  /** Processes created (spawn and fork) and forks alone, for {@link ReferenceKernel.stats}. */
  private created = 0;
  private forks = 0;
  /** Kernel calls made by programs, by name. */
  private readonly callCounts = new Map<string, number>();
  /** Values decoded from the binary encoding on a kernel path. */
  protected codecValues = 0;
  /** The seeded bugs asked for, by name (the codec's own go to its decoder). */
  private readonly mutantNames: readonly string[];
  private readonly kernelProc: ProcessRecord;
  private readonly hosts = new Map<string, Host>();
  private nsIndex: { handle: Handle; map: Map<Sym, Value> } = { handle: -1, map: new Map() };
  private allocsSeen = -1;

  /** Creates a kernel with process 0 and the core library loaded. */
  constructor(options: KernelOptions = {}) {
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.mutants = new Mutants(options.mutants ?? []);
    this.mutantNames = options.mutants ?? [];
    this.debug = options.debug ?? false;
    this.heap = new Heap((f) => this.fnValues(f), this.debug);
    this.kernelProc = this.newProcess(KERNEL_PID);
    this.namespace = this.newAtom(EMap.EMPTY, KERNEL_PID);
    this.loadCore();
    this.processes.set(0, this.newProcess(this.nextPid++));
  }

  // ---------------------------------------------------------------- the Kernel interface

  /** Performs one operation; never throws. */
  apply(op: Op): Outcome {
    try {
      return this.perform(op);
    } catch (e) {
      return this.toOutcome(e);
    }
  }

  /** The observable state: live processes with their atoms (EDN, stamp), output and registers. */
  observe(): Observation {
    return {
      processes: [...this.processes.values()]
        .filter((p) => p.alive)
        .sort((a, b) => a.pid - b.pid)
        .map((p) => ({
          pid: p.pid,
          atoms: [...p.table.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([ref, a]) => ({ ref, value: printEdn(this.heap.read(a.handle)), stamp: a.stamp })),
          output: p.output.slice(),
          registers: [...p.registers.entries()].sort((a, b) => a[0] - b[0]).map(([reg, h]) => ({ reg, value: printEdn(this.heap.read(h)) })),
        })),
    };
  }

  // ---------------------------------------------------------------- richer API (CLI, REPL, tests)

  /** Loads program text (EDN) into `pid`, replacing any program it had. Throws bad-input on bad text. */
  load(pid: Pid, text: string): void {
    const p = this.process(pid);
    const { forms, positions } = readEdnForms(text);
    this.loadForms(p, forms, positions);
  }

  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void {
    this.loadForms(this.process(pid), forms, new WeakMap());
  }

  /**
   * Loads a program given as a binary blob (base64 text of `encodeAll(forms)`) into `pid`.
   * Throws bad-input when the text is not base64 or the blob does not decode.
   */
  loadBinary(pid: Pid, base64: string): void {
    const p = this.process(pid);
    const counter = { nodes: 0 };
    const forms = decodeAll(fromBase64(base64), { mutants: this.mutantNames, counter });
    this.codecValues += counter.nodes;
    this.loadForms(p, forms, new WeakMap());
  }

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler` (one choice = one quantum: up to and including the next kernel call). Each
   * program gets one fuel budget for the whole run. Returns the number of quanta run.
   */
  runAll(scheduler: Scheduler = seededScheduler(0), maxQuanta = Number.MAX_SAFE_INTEGER): number {
    for (const p of this.processes.values()) {
      p.fuelLeft = this.quotas.fuel;
      if (p.pid !== KERNEL_PID) p.account.fuel = this.quotas.treeFuel;
    }
    let quanta = 0;
    for (; quanta < maxQuanta; quanta++) {
      const runnable = this.runnable();
      if (runnable.length === 0) break;
      this.quantum(this.process(scheduler.next(runnable)), false);
    }
    // Whoever still waits for a process that can never finish is deadlocked.
    for (const p of this.processes.values()) {
      if (p.blockedOn !== null && p.program !== null && !isFinished(p.program)) {
        const msg = `deadlock: process ${p.pid} waits for process ${p.blockedOn}, which never finishes`;
        p.program = this.failedState('program-error', msg);
        p.blockedOn = null;
      }
    }
    return quanta;
  }

  /** Pids whose program can take a step now, ascending. */
  runnable(): Pid[] {
    return [...this.processes.values()]
      .filter((p) => p.alive && p.program !== null && !isFinished(p.program) && (p.blockedOn === null || this.finished(p.blockedOn)))
      .map((p) => p.pid)
      .sort((a, b) => a - b);
  }

  /** How each process's program ended (null while running or without a program), ascending by pid. */
  results(): ProgramResult[] {
    return [...this.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => ({ pid: p.pid, outcome: p.program === null || !isFinished(p.program) ? null : this.programOutcome(p.program) }));
  }

  /** Every process ever created (alive or exited), ascending by pid: pid, alive, output. */
  processList(): { pid: Pid; alive: boolean; output: readonly string[] }[] {
    return [...this.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => ({ pid: p.pid, alive: p.alive, output: p.output.slice() }));
  }

  /** Work counters for coverage reports: collections, forks, spawns, values decoded from binary. */
  stats(): KernelStats {
    return { gcCycles: this.collections, forks: this.forks, spawns: this.created - this.forks, codecValues: this.codecValues, kernelCalls: Object.fromEntries(this.callCounts) };
  }

  /** Number of collections run so far. */
  get gcCount(): number {
    return this.collections;
  }

  /**
   * A snapshot of the kernel's internal state for trace validation (harness/oracles/trace.ts):
   * live processes with, per ref, the atom's internal identity, creator, shared flag, value,
   * stamp, whether it has a validator and its watches; registers as EDN; the next pid and ref.
   * Reading the registers goes through the heap, so a freed register shows up here.
   */
  inspect(): KernelSnapshot {
    const processes: ProcessSnapshot[] = [];
    for (const p of [...this.processes.values()].sort((a, b) => a.pid - b.pid)) {
      if (!p.alive) continue;
      processes.push({
        pid: p.pid,
        atoms: [...p.table.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([ref, a]) => ({
            ref,
            atom: a.id,
            creator: a.creator,
            shared: a.shared,
            value: printEdn(this.heap.read(a.handle)),
            stamp: a.stamp,
            validator: a.validator !== null,
            watches: a.watches.list().map((w) => [printEdn(w.key), w.watcher] as const),
          })),
        registers: [...p.registers.entries()].sort((a, b) => a[0] - b[0]).map(([reg, h]) => [reg, printEdn(this.heap.read(h))] as const),
        output: p.output.slice(),
      });
    }
    return { processes, nextPid: this.nextPid, nextRef: this.nextRef };
  }

  // ---------------------------------------------------------------- operations

  /**
   * One operation. Checks run in the order every kernel uses (spec/SpecEngine.ts): the op's
   * name (`bad-input`), the acting pid (`no-such-process`), the EDN arguments (`bad-input`),
   * the atom ref (`capability-denied` / `no-such-atom`); for `share`, the creator check before
   * the target pid; then the action itself. (Function sources of `swap`, `setValidator` are
   * evaluated after the ref is resolved: evaluating code is part of the action.)
   */
  private perform(op: Op): Outcome {
    if (op === null || typeof op !== 'object' || !this.supports.has((op as { op: OpName }).op)) {
      throw new KernelError('bad-input', `unknown operation ${shown((op as { op?: unknown } | null)?.op)}`);
    }
    switch (op.op) {
      case 'gc':
        this.collect();
        return ok('nil');
      case 'gcStep':
        return ok('nil'); // stop-the-world: a whole collection happens at `gc` or at need
    }
    const p = this.process(op.pid);
    switch (op.op) {
      case 'spawn':
        return ok(String(this.spawnProcess(p, true).pid));
      case 'fork':
        return ok(String(this.forkProcess(p, p.program).pid));
      case 'exit':
        this.exitProcess(p);
        return ok('nil');
      case 'atom': {
        const v = this.readValue(op.value, 'value');
        return ok(printEdn(this.createAtom(p, v)));
      }
      case 'deref': {
        const a = this.resolve(p, op.ref);
        return ok(printEdn(new Vector([this.heap.read(a.handle), BigInt(a.stamp)])));
      }
      case 'reset': {
        const v = this.readValue(op.value, 'value');
        const a = this.resolve(p, op.ref);
        this.write(p, a, op.ref, v, 'reset');
        return ok(printEdn(v));
      }
      case 'cas': {
        const v = this.readValue(op.value, 'value');
        this.resolve(p, op.ref);
        if (!isNat(op.stamp)) throw new KernelError('bad-input', `stamp must be a non-negative integer, got ${shown(op.stamp)}`);
        return ok(String(this.casStamp(p, op.ref, op.stamp, v)));
      }
      case 'compareAndSet': {
        const expected = this.readValue(op.expected, 'expected');
        const v = this.readValue(op.value, 'value');
        const a = this.resolve(p, op.ref);
        if (!equals(this.heap.read(a.handle), expected)) return ok('false');
        this.write(p, a, op.ref, v, 'write');
        return ok('true');
      }
      case 'swap':
      case 'swapVals': {
        const a = this.resolve(p, op.ref);
        const f = this.compileFn(p, op.fn);
        const old = this.heap.read(a.handle);
        const v = this.callSync(p, f, [old]);
        this.write(p, a, op.ref, v, 'write');
        return ok(printEdn(op.op === 'swap' ? v : new Vector([old, v])));
      }
      case 'resetVals': {
        const v = this.readValue(op.value, 'value');
        const a = this.resolve(p, op.ref);
        const old = this.heap.read(a.handle);
        this.write(p, a, op.ref, v, 'reset');
        return ok(printEdn(new Vector([old, v])));
      }
      case 'setValidator': {
        const a = this.resolve(p, op.ref);
        this.setValidator(p, a, op.fn === null ? null : this.compileFn(p, op.fn));
        return ok('nil');
      }
      case 'addWatch': {
        const key = this.readValue(op.key, 'key');
        const a = this.resolve(p, op.ref);
        this.heap.alloc(key, p.pid); // the key is held by the kernel: it lives in the heap like any value
        a.watches = a.watches.with({ key, watcher: p.pid, fn: null });
        return ok('nil');
      }
      case 'removeWatch': {
        const key = this.readValue(op.key, 'key');
        const a = this.resolve(p, op.ref);
        a.watches = a.watches.without(key);
        return ok('nil');
      }
      case 'share':
        return ok(printEdn(new AtomRef(this.share(p, op.ref, op.to))));
      case 'hold': {
        if (!isNat(op.reg)) throw new KernelError('bad-input', `reg must be a non-negative integer, got ${shown(op.reg)}`);
        if (op.value === null) p.registers.delete(op.reg);
        else {
          const v = this.readValue(op.value, 'value');
          this.withPending([v], () => this.safePoint(p));
          p.registers.set(op.reg, this.heap.alloc(v, p.pid));
        }
        return ok('nil');
      }
      case 'load':
        if (typeof op.program !== 'string') throw new KernelError('bad-input', 'program must be EDN text');
        if (op.binary !== undefined) {
          if (typeof op.binary !== 'string') throw new KernelError('bad-input', 'binary must be base64 text');
          if (op.program !== '') throw new KernelError('bad-input', 'a load carries its program as EDN text or as binary, not both (program must be empty)');
          this.loadBinary(p.pid, op.binary);
        } else this.load(p.pid, op.program);
        return ok('nil');
      case 'step':
      case 'run': {
        if (p.program === null) throw new KernelError('bad-input', `process ${p.pid} has no program loaded`);
        p.fuelLeft = this.quotas.fuel;
        p.account.fuel = this.quotas.treeFuel;
        p.blockedOn = null;
        for (;;) {
          if (isFinished(p.program!)) return this.programOutcome(p.program!);
          const r = this.quantum(p, op.op === 'run');
          if (r === 'blocked') {
            const msg = `join would block: process ${p.blockedOn} has not finished (no other process runs during '${op.op}')`;
            return fail('program-error', msg);
          }
          if (op.op === 'step' && r === 'yielded') return ok('nil');
        }
      }
    }
  }

  // ---------------------------------------------------------------- processes

  /** A process record: the root of a new tree unless `inTreeOf` is given (its creator is `creator`). */
  private newProcess(pid: Pid, creator: ProcessRecord | null = null, inTreeOf: ProcessRecord | null = null): ProcessRecord {
    const account = inTreeOf?.account ?? { fuel: pid === KERNEL_PID ? Number.MAX_SAFE_INTEGER : this.quotas.treeFuel };
    const tree = inTreeOf?.tree ?? pid;
    return { pid, table: new Map(), registers: new Map(), output: [], alive: true, program: null, fuelLeft: this.quotas.fuel, blockedOn: null, parent: creator?.pid ?? -1, tree, account };
  }

  private process(pid: Pid): ProcessRecord {
    if (!isNat(pid)) throw new KernelError('bad-input', `pid must be a non-negative integer, got ${shown(pid)}`);
    const p = this.processes.get(pid);
    if (p === undefined || !p.alive) throw new KernelError('no-such-process', `no process ${pid}`);
    return p;
  }

  private finished(pid: Pid): boolean {
    const p = this.processes.get(pid);
    return p === undefined || !p.alive || (p.program !== null && isFinished(p.program));
  }

  /**
   * A new process created by `creator`, in `creator`'s tree or (`newTree`) as the root of a new
   * one; `process-limit` when the tree or the kernel has no room (ADR 0024).
   */
  private spawnProcess(creator: ProcessRecord, newTree: boolean): ProcessRecord {
    const tree = newTree ? this.nextPid : creator.tree;
    if (!this.mutants.has('no-process-limit')) {
      let live = 0;
      let inTree = 0;
      for (const q of this.processes.values()) {
        if (!q.alive || q.pid === KERNEL_PID) continue;
        live++;
        if (q.tree === tree) inTree++;
      }
      if (live >= this.quotas.maxProcesses) throw new KernelError('process-limit', `the kernel already runs ${live} processes (maxProcesses ${this.quotas.maxProcesses})`);
      if (inTree >= this.quotas.treeProcesses) throw new KernelError('process-limit', `the tree of process ${creator.pid} already has ${inTree} live processes (treeProcesses ${this.quotas.treeProcesses})`);
    }
    const child = this.newProcess(this.nextPid++, creator, newTree ? null : creator);
    this.processes.set(child.pid, child);
    this.created++;
    return child;
  }

  /**
   * Fork (ADR 0003): the child's table has the parent's refs; a private atom is re-pointed at a
   * new atom (same value cell, same stamp, created by the child); a shared atom stays shared.
   * No value is copied. Registers are copied (handles shared); the program state is shared.
   * @see Fork.tla Fork
   */
  private forkProcess(parent: ProcessRecord, program: State | null): ProcessRecord {
    const child = this.spawnProcess(parent, false);
    this.forks++;
    const copies = new Map<AtomRecord, AtomRecord>();
    for (const [ref, a] of parent.table) {
      if (a.shared || this.mutants.has('fork-shares-private')) {
        child.table.set(ref, a);
        continue;
      }
      let c = copies.get(a);
      if (c === undefined) {
        c = { id: this.nextAtomId++, handle: a.handle, stamp: a.stamp, creator: child.pid, shared: false, validator: a.validator, validatorOwner: child.pid, watches: this.emptyWatches(), history: a.history === null ? null : new Map(a.history) };
        copies.set(a, c);
      }
      child.table.set(ref, c);
    }
    if (!this.mutants.has('fork-drops-registers')) for (const [r, h] of parent.registers) child.registers.set(r, h);
    child.program = program;
    return child;
  }

  /** Ends `p`: its table and registers stop being roots, and the validators and watches it installed are removed (ADR 0024). */
  private exitProcess(p: ProcessRecord): void {
    p.alive = false;
    this.overAtGc.clear();
    p.table.clear();
    p.registers.clear();
    const seen = new Set<AtomRecord>();
    for (const q of this.processes.values()) {
      if (!q.alive) continue;
      for (const a of q.table.values()) {
        if (seen.has(a)) continue;
        seen.add(a);
        if (a.validator !== null && a.validatorOwner === p.pid) a.validator = null;
        for (const w of a.watches.list()) if (w.watcher === p.pid) a.watches = a.watches.without(w.key);
      }
    }
  }

  // ---------------------------------------------------------------- atoms

  private emptyWatches(): WatchTable {
    return WatchTable.empty(this.mutants.has('hash-mismatch') ? brokenHash : hash);
  }

  private newAtom(v: Value, creator: Pid): AtomRecord {
    return { id: this.nextAtomId++, handle: this.heap.alloc(v, creator), stamp: 0, creator, shared: false, validator: null, validatorOwner: creator, watches: this.emptyWatches(), history: this.mutants.has('cas-compares-values') ? new Map([[0, v]]) : null };
  }

  /** `atom`: a new atom in `p`'s table under a fresh ref. @see Atoms.tla NewAtom */
  private createAtom(p: ProcessRecord, v: Value): AtomRef {
    this.withPending([v], () => this.safePoint(p));
    const ref = this.nextRef++;
    p.table.set(ref, this.newAtom(v, p.pid));
    return new AtomRef(ref);
  }

  /** The atom `ref` names in `p`'s table; capability-denied / no-such-atom otherwise. */
  private resolve(p: ProcessRecord, ref: Ref): AtomRecord {
    if (!isNat(ref)) throw new KernelError('bad-input', `ref must be a non-negative integer, got ${shown(ref)}`);
    const a = p.table.get(ref);
    if (a !== undefined) return a;
    throw new KernelError('capability-denied', `process ${p.pid} has no #atom ${ref} in its table`);
  }

  /**
   * Writes `v` into `a`: validator first (a failing one changes nothing), then the new value and
   * stamp + 1, then the watches with old and new. `how` = 'reset' lets the
   * `reset-skips-validator` mutant skip the validator.
   * @see Atoms.tla Write
   */
  private write(p: ProcessRecord, a: AtomRecord, ref: Ref, v: Value, how: 'reset' | 'write'): void {
    const old = this.heap.read(a.handle);
    const watchesFirst = this.mutants.has('watch-before-write');
    if (watchesFirst) this.notify(p, a, ref, old, v);
    const skip = how === 'reset' && this.mutants.has('reset-skips-validator');
    if (a.validator !== null && !skip) {
      const validator = a.validator;
      const verdict = this.withPending([old, v], () => this.callback(p, a.validatorOwner, validator, [v], { kind: 'validator' }));
      if (!truthy(verdict)) throw new KernelError('validator-rejected', `validator rejected ${short(v)}`);
    }
    this.withPending([old, v], () => this.safePoint(p));
    a.handle = this.heap.alloc(v, p.pid);
    a.stamp += 1;
    a.history?.set(a.stamp, v);
    if (!watchesFirst) this.notify(p, a, ref, old, v);
  }

  private notify(p: ProcessRecord, a: AtomRecord, ref: Ref, old: Value, v: Value): void {
    for (const w of a.watches.list()) {
      if (w.fn === null) {
        const watcher = this.processes.get(w.watcher);
        if (watcher?.alive) watcher.output.push(printEdn(new Vector([w.key, old, v])));
      } else {
        const fn = w.fn;
        // The watch gets the atom under its owner's name for it (the writer's, for its own watches).
        const asWriter = w.watcher === p.pid || this.mutants.has('watch-runs-as-writer');
        const owner = this.processes.get(w.watcher);
        const name = asWriter || owner === undefined ? ref : lowestRef(owner.table, a);
        if (name === undefined) continue;
        this.withPending([old, v], () => this.callback(p, w.watcher, fn, [w.key, new AtomRef(name), old, v], { kind: 'watch', key: w.key }));
      }
    }
  }

  /**
   * Runs a validator or watch installed by `ownerPid` for a write by `writer` (ADR 0024): on the
   * owner's behalf (its table, output, registers, heap account). Own code runs like any call of
   * the writer's. Foreign code gets at most `callbackFuel` steps, charged to the owner's tree; its
   * failure never fails the writer: a failing validator rejects the write, a failing watch leaves
   * `[:watch-failed key :kind]` in its owner's output.
   */
  private callback(writer: ProcessRecord, ownerPid: Pid, fn: Fn, args: readonly Value[], what: { kind: 'validator' } | { kind: 'watch'; key: Value }): Value {
    const asWriter = this.mutants.has(what.kind === 'validator' ? 'validator-runs-as-writer' : 'watch-runs-as-writer');
    const owner = this.processes.get(ownerPid);
    if (asWriter || ownerPid === writer.pid) return this.callSync(writer, fn, args);
    if (owner === undefined || !owner.alive) return what.kind === 'validator' ? true : null; // exit removes its code; never run it as someone else
    if (this.mutants.has('foreign-code-charged-to-writer')) {
      // Seeded bug: the owner's code runs on the writer's fuel and its failure is the writer's.
      const saved = owner.fuelLeft;
      owner.fuelLeft = writer.fuelLeft;
      try {
        return this.callSync(owner, fn, args);
      } finally {
        writer.fuelLeft = owner.fuelLeft;
        owner.fuelLeft = saved;
      }
    }
    const saved = owner.fuelLeft;
    const savedBlocked = owner.blockedOn;
    owner.fuelLeft = Math.max(0, Math.min(this.quotas.callbackFuel, owner.account.fuel));
    let failure: { kind: ErrorKind; message: string };
    try {
      for (const x of args) if (isComposite(x)) this.heap.alloc(x, owner.pid);
      const end = this.drive(owner, callState(fn, args), true).state;
      if (end.mode === 'halt') return end.value;
      failure = end.mode === 'failed' ? { kind: end.kind, message: end.message } : { kind: 'program-error', message: 'a validator or watch may not block (join)' };
    } catch (e) {
      if (e instanceof KernelError) failure = { kind: e.kind, message: e.message };
      else if (e instanceof IntOverflowError) failure = { kind: 'program-error', message: e.message };
      else throw e;
    } finally {
      owner.fuelLeft = saved;
      owner.blockedOn = savedBlocked;
    }
    if (what.kind === 'validator') throw new KernelError('validator-rejected', `the validator of process ${owner.pid} failed (${failure.kind}: ${failure.message})`);
    owner.output.push(printEdn(new Vector([Keyword.of('watch-failed'), what.key, Keyword.of(failure.kind)])));
    return null;
  }

  /** `cas`: writes iff the stamp is current → the new stamp. @see Atoms.tla CAS */
  private casStamp(p: ProcessRecord, ref: Ref, stamp: number, v: Value): number {
    const a = this.resolve(p, ref);
    let current = a.stamp === stamp;
    if (!current && a.history !== null && a.history.has(stamp)) current = equals(a.history.get(stamp)!, this.heap.read(a.handle)); // seeded ABA bug
    if (!current) throw new KernelError('stale-stamp', `stamp ${stamp} is stale (the atom's stamp is ${a.stamp})`);
    this.write(p, a, ref, v, 'write');
    return a.stamp;
  }

  private setValidator(p: ProcessRecord, a: AtomRecord, f: Fn | null): void {
    if (f !== null && !truthy(this.callSync(p, f, [this.heap.read(a.handle)]))) throw new KernelError('validator-rejected', 'the current value fails the new validator');
    a.validator = f;
    a.validatorOwner = p.pid;
  }

  /** `share`: only the creator may share; the target gets the lowest ref it has for the atom, or a fresh one. @see Atoms.tla Share */
  private share(p: ProcessRecord, ref: Ref, to: Pid): Ref {
    const a = this.resolve(p, ref);
    if (a.creator !== p.pid && !this.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create #atom ${ref} and may not share it`);
    const target = this.process(to);
    a.shared = true;
    const existing = [...target.table.entries()].filter(([, x]) => x === a).map(([r]) => r);
    if (existing.length > 0) return Math.min(...existing);
    const fresh = this.nextRef++;
    target.table.set(fresh, a);
    return fresh;
  }

  // ---------------------------------------------------------------- heap and collection

  private fnValues(f: Fn): Iterable<Value> {
    return closureValues(f);
  }

  private *roots(): Generator<Handle> {
    yield this.namespace.handle;
    for (const p of this.processes.values()) {
      if (!p.alive) continue;
      for (const a of p.table.values()) yield a.handle;
      if (!this.mutants.has('gc-ignores-registers')) yield* p.registers.values();
    }
  }

  private *rootValues(): Generator<Value> {
    yield* this.core.values();
    for (const s of this.active) yield* stateValues(s);
    for (const p of this.processes.values()) {
      if (p.program !== null && (p.alive || isFinished(p.program))) yield* stateValues(p.program);
      if (!p.alive) continue;
      for (const a of p.table.values()) {
        if (a.validator !== null) yield a.validator;
        for (const w of a.watches.list()) {
          yield w.key;
          if (w.fn !== null) yield w.fn;
        }
      }
    }
  }

  /** A full stop-the-world collection; in debug mode, the heap invariants are checked after it. @see GC.tla */
  collect(): void {
    this.heap.collect(this.roots(), [...this.rootValues(), ...this.pending]);
    this.collections++;
    this.overAtGc = this.processesOverQuota();
    this.gcThreshold = Math.max(20_000, this.heap.size);
    // Pending values are about to be allocated (safe points run just before an allocation).
    if (this.debug) this.heap.checkInvariants(this.roots(), this.rootValues(), this.pending);
  }

  private withPending<T>(values: readonly Value[], f: () => T): T {
    const n = this.pending.length;
    this.pending.push(...values);
    try {
      return f();
    } finally {
      this.pending.length = n;
    }
  }

  /** A safe point: collect when due; enforce `p`'s heap quota (out-of-memory). */
  private safePoint(p: ProcessRecord): void {
    if (this.heap.totalAllocated === this.allocsSeen) return; // nothing allocated since the last check
    this.allocsSeen = this.heap.totalAllocated;
    const enforce = !this.mutants.has('quota-not-enforced');
    // Live weight only falls at a collection: a bound `p` was over at the last one, it is over still.
    const known = this.overAtGc.get(p.pid);
    if (known !== undefined && enforce) throw new KernelError('out-of-memory', known);
    const over = (): string | null => (p.pid === KERNEL_PID ? null : this.overQuota(p));
    // Over a bound counting garbage: collect and decide, but at most once per 1/8 of the quota of
    // allocated weight, so a process living near its quota does not pay a collection every few steps.
    const collect = this.heap.allocatedSinceGc >= this.gcThreshold || (this.heap.weightSinceGc >= Math.max(16, this.quotas.heapCells / 8) && over() !== null);
    if (collect) this.collect();
    const why = collect ? over() : null;
    if (why !== null && enforce) throw new KernelError('out-of-memory', why);
  }

  /**
   * Every live process over a heap bound right after a collection, with the reason: its next
   * allocation is refused without another collection (nothing it allocates can bring it under).
   * O(processes).
   */
  private processesOverQuota(): Map<Pid, string> {
    const out = new Map<Pid, string>();
    const total = this.heap.weight;
    const byTree = new Map<Pid, number>();
    for (const q of this.processes.values()) byTree.set(q.tree, (byTree.get(q.tree) ?? 0) + this.heap.liveCells(q.pid));
    for (const q of this.processes.values()) {
      if (!q.alive || q.pid === KERNEL_PID) continue;
      const own = this.heap.liveCells(q.pid);
      const tree = byTree.get(q.tree) ?? 0;
      if (own > this.quotas.heapCells) out.set(q.pid, `process ${q.pid} exceeded its heap quota of ${this.quotas.heapCells} cells`);
      else if (total > this.quotas.totalHeapCells) out.set(q.pid, `process ${q.pid}: the kernel's heap holds ${total} cells, over totalHeapCells ${this.quotas.totalHeapCells}`);
      else if (tree > this.quotas.treeHeapCells) out.set(q.pid, `process ${q.pid}: its tree (root ${q.tree}) holds ${tree} cells, over treeHeapCells ${this.quotas.treeHeapCells}`);
    }
    return out;
  }

  /** Which heap bound `p` is over (its own, its tree's, the kernel's), or null (ADR 0024). */
  private overQuota(p: ProcessRecord): string | null {
    if (this.heap.liveCells(p.pid) > this.quotas.heapCells) return `process ${p.pid} exceeded its heap quota of ${this.quotas.heapCells} cells`;
    const total = this.heap.weight;
    if (total > this.quotas.totalHeapCells) return `process ${p.pid}: the kernel's heap holds ${total} cells, over totalHeapCells ${this.quotas.totalHeapCells}`;
    if (total <= this.quotas.treeHeapCells) return null; // no tree can hold more than the whole heap
    // Cells a process allocated stay charged to its tree after it exits (a child cannot launder
    // what it built into atoms by ending): every process of the tree counts, living or ended.
    let tree = 0;
    for (const q of this.processes.values()) if (q.tree === p.tree) tree += this.heap.liveCells(q.pid);
    if (tree > this.quotas.treeHeapCells) return `process ${p.pid}: its tree (root ${p.tree}) holds ${tree} cells, over treeHeapCells ${this.quotas.treeHeapCells}`;
    return null;
  }

  private readValue(edn: Edn, what: string): Value {
    if (typeof edn !== 'string') throw new KernelError('bad-input', `${what} must be EDN text`);
    try {
      return readEdn(edn);
    } catch (e) {
      if (e instanceof KernelError) throw new KernelError(e.kind, `${what}: ${e.message}`);
      throw e;
    }
  }

  // ---------------------------------------------------------------- the language

  private loadForms(p: ProcessRecord, forms: readonly Value[], positions: WeakMap<object, Position>): void {
    copyPositions(forms, positions, this.positions);
    const s = initialState(forms);
    if (s.mode === 'eval') this.heap.alloc(s.form, p.pid);
    p.program = s;
    p.blockedOn = null;
    p.fuelLeft = this.quotas.fuel;
  }

  private loadCore(): void {
    const table = builtins({
      offByOne: this.mutants.has('collection-off-by-one'),
      inPlace: (original, updated) => this.inPlaceUpdate(original, updated),
      maxElements: this.mutants.has('quota-not-enforced') ? Infinity : this.quotas.heapCells,
    });
    const natives = [...table].map(([name, fn]) => Object.freeze({ kind: 'native' as const, name, fn }));
    // Built-ins by name, then kernel calls, then apply: the identity order of spec/Prelude.ts.
    for (const n of [...natives].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) this.core.set(n.name, this.makeFn(n.name, n, KERNEL_PID));
    for (const name of KERNEL_CALL_NAMES) this.core.set(name, this.makeFn(name, { kind: 'kernel', name }, KERNEL_PID));
    this.core.set('apply', this.makeFn('apply', { kind: 'apply' }, KERNEL_PID));
    // The prelude defines into the core library, not into the program namespace.
    const { forms, positions } = preludeForms();
    copyPositions(forms, positions, this.positions);
    const boot = this.kernelProc;
    boot.fuelLeft = Number.MAX_SAFE_INTEGER;
    const end = this.drive(boot, initialState(forms), true, (name, v) => this.core.set(name.name, v));
    if (end.state.mode !== 'halt') throw new Error(`the prelude failed to load: ${end.state.mode === 'failed' ? end.state.message : end.state.mode}`);
  }

  private makeFn(name: string | null, impl: FnImpl, owner: Pid): Fn {
    const f = new Fn(this.nextFnId++, name, impl);
    this.heap.alloc(f, owner);
    return f;
  }

  private inPlaceUpdate(original: Vector, updated: Vector): void {
    if (!this.mutants.has('in-place-update-shared')) return;
    const h = this.heap.handleOf(original);
    if (h === undefined) return;
    for (const p of this.processes.values()) for (const a of p.table.values()) if (a.handle === h) this.heap.overwrite(h, updated);
  }

  private host(p: ProcessRecord, atomic: boolean, define?: (name: Sym, v: Value) => void): Host {
    const key = `${p.pid}/${atomic}`;
    const cached = define === undefined ? this.hosts.get(key) : undefined;
    if (cached !== undefined) return cached;
    const h: Host = {
      positions: this.positions,
      mutants: this.mutants,
      stackDepth: this.quotas.stackDepth,
      global: (name) => this.global(name),
      define: define ?? ((name, v) => this.define(p, name, v)),
      alloc: (v) => {
        if (isComposite(v)) this.heap.alloc(v, p.pid);
      },
      newFn: (name, impl: Closure) => this.makeFn(name, impl, p.pid),
      work: (v, args) => this.work(p, v, args),
      kernelCall: (name, args, k, again) => this.kernelCall(p, atomic, name, args, k, again),
    };
    if (define === undefined) this.hosts.set(key, h);
    return h;
  }

  private global(name: Sym): Value | undefined {
    // The namespace is the EMap in the namespace atom; a JS index of it is rebuilt after each `def`.
    if (this.nsIndex.handle !== this.namespace.handle) {
      const ns = this.heap.read(this.namespace.handle) as EMap;
      this.nsIndex = { handle: this.namespace.handle, map: new Map(ns.entries.map(([k, v]) => [k as Sym, v])) };
    }
    const defined = this.nsIndex.map.get(name);
    return defined !== undefined ? defined : name.ns === null ? this.core.get(name.name) : undefined;
  }

  /** `def`: swaps the namespace atom (code is a value; running calls keep the code they started with). */
  private define(p: ProcessRecord, name: Sym, v: Value): void {
    const ns = this.heap.read(this.namespace.handle) as EMap;
    const next = ns.assoc(name, v);
    this.withPending([next], () => this.safePoint(p));
    this.namespace.handle = this.heap.alloc(next, p.pid);
    this.namespace.stamp += 1;
  }

  /**
   * Runs `p`'s machine from `s` until it halts, fails, blocks, or (unless `atomic`) performs a
   * kernel call. One step = one unit of fuel; every step ends at a safe point.
   */
  private drive(p: ProcessRecord, s: State, atomic: boolean, define?: (name: Sym, v: Value) => void): StepResult {
    const slot = this.active.length;
    this.active.push(s);
    const host = this.host(p, atomic, define);
    try {
      for (;;) {
        if (isFinished(s)) return { state: s, yielded: false };
        if (p.fuelLeft <= 0) throw new KernelError('fuel-exhausted', `process ${p.pid} used up its fuel (${this.quotas.fuel} steps)`);
        if (p.account.fuel <= 0) throw this.treeOutOfFuel(p);
        p.fuelLeft--;
        p.account.fuel--;
        const r = step(s, host);
        s = r.state;
        this.active[slot] = s;
        this.safePoint(p);
        if (r.blocked) return r;
        if (r.yielded && !atomic) return r;
      }
    } finally {
      this.active.length = slot;
    }
  }

  /**
   * A built-in's work (resource bombs): a new value of n elements costs ⌊n/16⌋ fuel, and one
   * value of more elements than the heap-cell quota is out-of-memory. A result that is one of the
   * arguments costs nothing.
   */
  private work(p: ProcessRecord, v: Value, args: readonly Value[]): void {
    if (v === null || (typeof v !== 'object' && typeof v !== 'string') || args.includes(v)) return;
    if (v instanceof Vector && args.some((x) => x instanceof Vector && x.sharesStorageWith(v))) return; // an O(1) conj
    const n = typeof v === 'string' ? v.length : v instanceof List || v instanceof Vector ? v.size : v instanceof ESet ? v.items.length : v instanceof EMap ? v.size : v instanceof Bytes ? v.length : 0; // `size`: reading `items` would stop a vector appending in place
    if (n < 16) return;
    if (n > this.quotas.heapCells && !this.mutants.has('quota-not-enforced')) throw new KernelError('out-of-memory', `process ${p.pid}: a built-in would build a value of ${n} elements, over the heap quota of ${this.quotas.heapCells} cells`);
    p.fuelLeft -= n >> 4;
    p.account.fuel -= n >> 4;
    if (p.fuelLeft < 0) throw new KernelError('fuel-exhausted', `process ${p.pid} used up its fuel (${this.quotas.fuel} steps)`);
    if (p.account.fuel < 0) throw this.treeOutOfFuel(p);
  }

  /** A program's `spawn` or `fork` costs {@link PROCESS_CREATION_FUEL}, created or refused. */
  private chargeCreation(p: ProcessRecord): void {
    p.fuelLeft -= PROCESS_CREATION_FUEL;
    p.account.fuel -= PROCESS_CREATION_FUEL;
    if (p.fuelLeft < 0) throw new KernelError('fuel-exhausted', `process ${p.pid} used up its fuel (${this.quotas.fuel} steps)`);
    if (p.account.fuel < 0) throw this.treeOutOfFuel(p);
  }

  private treeOutOfFuel(p: ProcessRecord): KernelError {
    return new KernelError('fuel-exhausted', `process ${p.pid}: its tree (root ${p.tree}) used up the tree's fuel (${this.quotas.treeFuel} steps)`);
  }

  /** One quantum of `p`'s program; a quota error ends the program (typed) but not the kernel. */
  private quantum(p: ProcessRecord, untilDone: boolean): 'yielded' | 'blocked' | 'finished' {
    for (;;) {
      let r: StepResult;
      try {
        r = this.drive(p, p.program!, false);
      } catch (e) {
        if (e instanceof KernelError && RESOURCE_ERRORS.includes(e.kind)) {
          p.program = this.failedState(e.kind, e.message);
          this.overAtGc.clear(); // what that program held is garbage now: the next collection decides again
          return 'finished';
        }
        throw e;
      }
      if (p.program !== null && !p.alive && isFinished(r.state)) {
        p.program = r.state;
        return 'finished';
      }
      p.program = r.state;
      if (r.blocked) return 'blocked';
      if (isFinished(r.state)) return 'finished';
      if (!untilDone) return 'yielded';
    }
  }

  /**
   * The end state of a program the kernel stops (quota, deadlock). Its error value is reachable
   * (`join` returns it), so it gets a cell like every reachable value; the kernel is charged for
   * it, not the stopped process (which may be over its quota already).
   */
  private failedState(kind: ErrorKind, message: string): State {
    const error = errorValue(kind, message);
    this.heap.alloc(error, KERNEL_PID);
    return { mode: 'failed', kind, message, error };
  }

  /** Calls `f` with `args` to completion, atomically (validators, watches, the `swap` op's function). */
  private callSync(p: ProcessRecord, f: Value, args: readonly Value[]): Value {
    for (const a of args) if (isComposite(a)) this.heap.alloc(a, p.pid);
    const end = this.drive(p, callState(f, args), true).state;
    if (end.mode === 'halt') return end.value;
    if (end.mode === 'failed') throw new ProgramError(end.message, end.error);
    throw new ProgramError('a validator, watch or swap function may not block (join)');
  }

  /** Evaluates `src` (the text of a function) in `p` → the function. */
  private compileFn(p: ProcessRecord, src: string): Fn {
    if (typeof src !== 'string') throw new KernelError('bad-input', `fn must be the text of a function, got ${shown(src)}`);
    const { forms, positions } = readEdnForms(src);
    if (forms.length !== 1) throw new BadInputError(`expected one function form, found ${forms.length}`, 0, { line: 1, column: 1 });
    copyPositions(forms, positions, this.positions);
    const s = initialState(forms);
    if (s.mode === 'eval') this.heap.alloc(s.form, p.pid);
    const end = this.drive(p, s, true).state;
    if (end.mode === 'failed') throw new KernelError('bad-input', `function source failed to evaluate: ${end.message}`);
    if (end.mode !== 'halt' || !(end.value instanceof Fn)) throw new KernelError('bad-input', `not a function: ${src}`);
    return end.value;
  }

  private kernelCall(p: ProcessRecord, atomic: boolean, name: string, args: readonly Value[], k: Kont, again: State): StepResult {
    if (!isKernelCallName(name)) return programError(`unknown kernel call ${name}`);
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    checkKernelCallArity(name, args);
    const done = (value: Value): StepResult => {
      if (isComposite(value)) this.heap.alloc(value, p.pid);
      return { state: { mode: 'ret', value, k }, yielded: kernelCallYields(name) };
    };
    return this.callHandlers[name]({ p, atomic, name, args, k, again, done });
  }

  /** The atom a kernel call's first argument names in the caller's table, and its ref. */
  private callAtom(c: RefCall): [AtomRecord, Ref] {
    const ref = atomArg(c.name, c.args[0]).ref;
    return [this.resolve(c.p, ref), ref];
  }

  /** The kernel calls of the language (spec/lang/kernelCalls.ts), one handler each. */
  private readonly callHandlers: KernelCallHandlers<RefCall, StepResult> = {
    atom: (c) => c.done(this.createAtom(c.p, c.args[0]!)),
    deref: (c) => c.done(this.heap.read(this.callAtom(c)[0].handle)),
    'deref-stamp': (c) => {
      const [a] = this.callAtom(c);
      return c.done(new Vector([this.heap.read(a.handle), BigInt(a.stamp)]));
    },
    'reset!': (c) => {
      const [a, ref] = this.callAtom(c);
      this.write(c.p, a, ref, c.args[1]!, 'reset');
      return c.done(c.args[1]!);
    },
    'reset-vals!': (c) => {
      const [a, ref] = this.callAtom(c);
      const old = this.heap.read(a.handle);
      this.write(c.p, a, ref, c.args[1]!, 'reset');
      return c.done(new Vector([old, c.args[1]!]));
    },
    'cas!': (c) => {
      const [, ref] = this.callAtom(c);
      return c.done(BigInt(this.casStamp(c.p, ref, Number(stampArg(c.args[1])), c.args[2]!)));
    },
    '%commit!': (c) => {
      const [a, ref] = this.callAtom(c);
      if (a.stamp !== Number(c.args[1]) && !this.mutants.has('swap-no-retry')) return c.done(false);
      this.write(c.p, a, ref, c.args[2]!, 'write');
      return c.done(true);
    },
    'compare-and-set!': (c) => {
      const [a, ref] = this.callAtom(c);
      if (!equals(this.heap.read(a.handle), c.args[1]!)) return c.done(false);
      this.write(c.p, a, ref, c.args[2]!, 'write');
      return c.done(true);
    },
    'set-validator!': (c) => {
      const [a] = this.callAtom(c);
      this.setValidator(c.p, a, validatorArg(c.args[1]));
      return c.done(null);
    },
    'add-watch': (c) => {
      const [a] = this.callAtom(c);
      a.watches = a.watches.with({ key: c.args[1]!, watcher: c.p.pid, fn: watchArg(c.args[2]) });
      return c.done(c.args[0]!);
    },
    'remove-watch': (c) => {
      const [a] = this.callAtom(c);
      a.watches = a.watches.without(c.args[1]!);
      return c.done(c.args[0]!);
    },
    'share!': (c) => {
      const [, ref] = this.callAtom(c);
      return c.done(new AtomRef(this.share(c.p, ref, Number(pidArg('share!', c.args[1])))));
    },
    fork: (c) => {
      if (c.atomic) forkNotAllowed();
      this.chargeCreation(c.p);
      const child = this.forkProcess(c.p, { mode: 'ret', value: null, k: c.k });
      // The child continues the same computation: it gets half of what is left (ADR 0024).
      child.fuelLeft = Math.floor(Math.max(0, c.p.fuelLeft) / 2);
      c.p.fuelLeft -= child.fuelLeft;
      return c.done(BigInt(child.pid));
    },
    spawn: (c) => {
      const { p, args } = c;
      const f = spawnArg(args[0]);
      this.chargeCreation(p);
      // Atom arguments are shared with the child (creator only) and passed as the child's refs.
      const atoms = args.slice(1).map((x) => (x instanceof AtomRef ? this.resolve(p, x.ref) : null));
      atoms.forEach((a, i) => {
        if (a !== null && a.creator !== p.pid && !this.mutants.has('share-by-non-creator')) throw new KernelError('capability-denied', `process ${p.pid} did not create ${short(args[i + 1]!)} and may not share it`);
      });
      const child = this.spawnProcess(p, false);
      const childArgs = args.slice(1).map((x) => (x instanceof AtomRef ? new AtomRef(this.share(p, x.ref, child.pid)) : x));
      child.program = callState(f, childArgs);
      for (const x of childArgs) if (isComposite(x)) this.heap.alloc(x, child.pid);
      child.fuelLeft = this.quotas.fuel;
      return c.done(BigInt(child.pid));
    },
    self: (c) => c.done(BigInt(c.p.pid)),
    exit: (c) => {
      const v = c.args[0] ?? null;
      if (isComposite(v)) this.heap.alloc(v, c.p.pid);
      this.exitProcess(c.p);
      return { state: { mode: 'halt', value: v }, yielded: true };
    },
    join: (c) => {
      const { p } = c;
      const pid = pidArg('join', c.args[0]);
      const target = this.processes.get(Number(pid));
      if (target === undefined) throw new KernelError('no-such-process', `no process ${pid}`);
      if (target.parent !== p.pid && !this.mutants.has('join-any-process')) throw new KernelError('capability-denied', target.pid === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target.pid} and may not join it`);
      if (!this.finished(target.pid)) {
        if (c.atomic) joinMayNotBlock();
        p.blockedOn = target.pid;
        return { state: c.again, yielded: true, blocked: true };
      }
      p.blockedOn = null;
      const end = target.program;
      if (end !== null && end.mode === 'failed') throw new ProgramError(`process ${target.pid} failed: ${end.message}`, errorValue(end.kind, end.message));
      return c.done(end !== null && end.mode === 'halt' ? end.value : null);
    },
    println: (c) => c.done((c.p.output.push(outputLine(c.args, false)), null)),
    prn: (c) => c.done((c.p.output.push(outputLine(c.args, true)), null)),
    'hold!': (c) => {
      const reg = Number(registerArg('hold!', c.args[0]));
      if (c.args[1] === null) c.p.registers.delete(reg);
      else c.p.registers.set(reg, this.heap.alloc(c.args[1]!, c.p.pid));
      return c.done(null);
    },
    held: (c) => {
      const h = c.p.registers.get(Number(registerArg('held', c.args[0])));
      return c.done(h === undefined ? null : this.heap.read(h));
    },
    gc: (c) => {
      this.collect();
      return c.done(null);
    },
  };

  private programOutcome(s: State): Outcome {
    if (s.mode === 'halt') return ok(printEdn(s.value));
    if (s.mode === 'failed') return fail(s.kind, s.message);
    return fail('program-error', 'the program has not finished');
  }

  private toOutcome(e: unknown): Outcome {
    if (e instanceof KernelError) return fail(e.kind, e.message);
    if (e instanceof IntOverflowError) return fail('program-error', e.message);
    const err = e as Error;
    return fail('program-error', `internal error in the reference kernel: ${err?.stack ?? String(e)}`);
  }
}

let preludeCache: { forms: readonly Value[]; positions: WeakMap<object, Position> } | null = null;
/** The prelude's forms, read once per module load (forms are immutable values, safe to share). */
function preludeForms(): { forms: readonly Value[]; positions: WeakMap<object, Position> } {
  if (preludeCache === null) preludeCache = readEdnForms(PRELUDE);
  return preludeCache;
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** A malformed op field, shown in a `bad-input` message (any JS value, bigints and cycles included). */
function shown(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

/** The lowest ref under which `table` holds `a`, if any. */
function lowestRef(table: ReadonlyMap<Ref, AtomRecord>, a: AtomRecord): Ref | undefined {
  let best: Ref | undefined;
  for (const [r, x] of table) if (x === a && (best === undefined || r < best)) best = r;
  return best;
}

function isFinished(s: State): boolean {
  return s.mode === 'halt' || s.mode === 'failed';
}

function short(v: Value): string {
  const s = printEdn(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Copies the positions of every collection inside `forms` from `from` into `to`. */
function copyPositions(forms: readonly Value[], from: WeakMap<object, Position>, to: WeakMap<object, Position>): void {
  const stack: Value[] = [...forms];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const pos = from.get(v);
    if (pos !== undefined) to.set(v, pos);
    if (v instanceof List || v instanceof Vector) stack.push(...v.items);
    else if (v instanceof EMap) for (const [a, b] of v.entries) stack.push(a, b);
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
