/**
 * Running programs in the optimized kernel: a process's program one quantum at a time (up to and
 * including its next scheduling point) or to its end, code run to completion inside an operation
 * (a `swap` function, a validator, a watch), all under the fuel budgets of the process and its
 * tree (ADR 0024); code of another process runs on that process's behalf; and `runAll`, which
 * picks who runs next with a scheduler.
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { MAX_CALLBACK_NESTING, PROCESS_CREATION_FUEL, callbackNestingMessage, type Pid, type Quotas } from '../../spec/Kernel.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { Keyword, Vector, type Fn, type Value } from '../../spec/Values.js';
import { QuotaExceeded, Raised, errorMap } from '../lang/errors.js';
import { callState, finished, run, type ExecHost, type MState, type RunResult } from '../lang/machine.js';
import { truthy } from '../lang/natives.js';
import type { Runtime } from '../lang/runtime.js';
import type { MutantSet } from '../mutants.js';
import type { KernelMemory } from './memory.js';
import type { Process, ProcessTable } from './processes.js';
import { failureOf, quotaOf } from './refusals.js';

/** How far a run goes, and what serves its kernel calls. */
export interface RunMode {
  /** What serves the run's kernel calls, `def`s, memory checks and compiled code. */
  readonly host: ExecHost;
  /** Whether the run goes to completion (scheduling points do not stop it; it may not block or fork). */
  readonly atomic: boolean;
}

/** The two ways a process's code runs (the language host builds them for a process). */
export interface RunModes {
  /** To completion: the prelude, a `swap` function, a validator, a watch, an operation's function source. */
  toCompletion(p: Process): RunMode;
  /** Up to and including the next scheduling point: a quantum of a process's program. */
  toSchedulingPoint(p: Process): RunMode;
}

/** How code of another process ended when run on its behalf: its value, or its failure. */
type Foreign = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly kind: string; readonly message: string };

/** Runs programs and code under the fuel budgets; schedules processes. */
export class Scheduler {
  /** Nesting of program runs (validators and watches run inside a run). */
  private running = 0;
  /** Fuel a program's `fork`s handed to children during the current drive (not steps of the tree). */
  private forkGiven = 0;

  /** Validators, watches and swap functions running now, one inside another (bounded by `MAX_CALLBACK_NESTING`). */
  private nesting = 0;

  /** Enters one more level of synchronous code for `p`: `stack-overflow` past `MAX_CALLBACK_NESTING`. */
  private enterCallback(p: Process): void {
    if (this.nesting >= MAX_CALLBACK_NESTING) throw new KernelError('stack-overflow', callbackNestingMessage(p.pid));
    this.nesting++;
  }

  /** The process whose program (or validator, or watch) is running now, or null between runs. */
  get runningPid(): Pid | null {
    return this.running > 0 ? this.rt.pid : null;
  }

  /** A scheduler over `procs` running code on `rt`; `modes` builds each run's host. */
  constructor(
    private readonly rt: Runtime,
    private readonly quotas: Quotas,
    private readonly mutants: MutantSet,
    private readonly procs: ProcessTable,
    private readonly mem: KernelMemory,
    private readonly modes: RunModes,
  ) {}

  /** Runs `p` from `s` as `mode` says; one fuel budget in `p.fuel`, charged to `p` and its tree. */
  private drive(p: Process, s: MState, mode: RunMode): RunResult {
    const rt = this.rt;
    const savedPid = rt.pid;
    const savedFuel = rt.fuel;
    const savedDepth = rt.depth;
    const savedAllocated = rt.allocated;
    const savedCheck = rt.nextCheck;
    const nested = savedPid !== -1 || this.running > 0;
    const savedGiven = this.forkGiven;
    this.forkGiven = 0;
    // A step costs the process and its tree (ADR 0024): run on the smaller of the two budgets.
    const ownFuel = p.fuel;
    const fromTree = p.account.fuel < ownFuel;
    const cap = Math.max(0, fromTree ? p.account.fuel : ownFuel);
    rt.pid = p.pid;
    rt.fuel = cap;
    if (!nested) {
      rt.allocated = 0;
      rt.nextCheck = this.quotas.heapCells;
    }
    rt.fuelQuota = this.quotas.fuel;
    rt.depth = 0;
    try {
      return run(s, rt, mode.host, mode.atomic);
    } catch (e) {
      if (fromTree && e instanceof QuotaExceeded && e.kind === 'fuel-exhausted') throw new QuotaExceeded('fuel-exhausted', `process ${p.pid}: its tree (root ${p.tree}) used up the tree's fuel (${this.quotas.treeFuel} steps)`);
      throw e;
    } finally {
      const used = cap - Math.max(0, rt.fuel);
      p.fuel = ownFuel - used;
      p.account.fuel -= used - this.forkGiven;
      this.forkGiven = savedGiven;
      if (nested) {
        rt.pid = savedPid;
        rt.fuel = savedFuel;
        rt.depth = savedDepth;
        rt.allocated = Math.max(savedAllocated, rt.allocated);
        rt.nextCheck = savedCheck;
      }
    }
  }

  /** Runs `s` in `p` to completion on the fuel `p.fuel` holds → the end state (the prelude). */
  runToCompletion(p: Process, s: MState): MState {
    return this.drive(p, s, this.modes.toCompletion(p)).state;
  }

  /** Runs `s` in `p` to completion on a fresh fuel budget, `p`'s fuel untouched → the end state (an operation's function source). */
  evaluate(p: Process, s: MState): MState {
    const fuel = p.fuel;
    p.fuel = this.quotas.fuel;
    this.running++;
    try {
      return this.drive(p, s, this.modes.toCompletion(p)).state;
    } finally {
      this.running--;
      p.fuel = fuel;
    }
  }

  /** One quantum of `p`'s program; a quota error ends the program (typed) but not the kernel. */
  quantum(p: Process): 'yielded' | 'blocked' | 'finished' {
    let r: RunResult;
    this.running++;
    try {
      r = this.drive(p, p.prog!, this.modes.toSchedulingPoint(p));
    } catch (e) {
      const q = quotaOf(e);
      if (q === null) throw e;
      p.prog = { m: 'failed', kind: q.kind, msg: q.message, err: errorMap(q.kind, q.message) };
      return 'finished';
    } finally {
      this.running--;
    }
    p.prog = r.state;
    if (!this.procs.has(p.pid)) {
      this.procs.setEnd(p.pid, r.state);
      return 'finished';
    }
    if (r.blocked) return 'blocked';
    if (finished(r.state)) return 'finished';
    return 'yielded';
  }

  /** Quanta of `p`'s program until it finishes or blocks. */
  runToEnd(p: Process): 'blocked' | 'finished' {
    for (;;) {
      const r = this.quantum(p);
      if (r !== 'yielded') return r;
    }
  }

  /** Calls `f` with `args` in `p` to completion, atomically (validators, watches, the `swap` op's function). */
  callSync(p: Process, f: Value, args: readonly Value[]): Value {
    this.enterCallback(p);
    const fuel = p.fuel;
    p.fuel = this.running > 0 ? this.rt.fuel : this.quotas.fuel;
    this.running++;
    let end: MState;
    try {
      end = this.drive(p, callState(f, args), this.modes.toCompletion(p)).state;
    } finally {
      this.running--;
      this.nesting--;
      if (this.running === 0) p.fuel = fuel;
    }
    if (end.m === 'halt') return end.v;
    if (end.m === 'failed') throw new Raised('program-error', end.msg, end.err);
    throw new Raised('program-error', 'a validator, watch or swap function may not block (join)');
  }

  /**
   * Whether validator `fn` installed by `ownerPid` accepts `v`, written by `writer` (ADR 0024).
   * A failing foreign validator rejects the write (`validator-rejected`); one whose owner exited accepts.
   */
  validates(writer: Process, ownerPid: Pid, fn: Fn, v: Value): boolean {
    if (this.mutants.has('validator-runs-as-writer') || ownerPid === writer.pid) return truthy(this.callSync(writer, fn, [v]));
    const owner = this.procs.find(ownerPid);
    if (owner === undefined) return true; // exit removes its code; never run it as someone else
    const r = this.onBehalf(writer, owner, fn, [v]);
    if (!r.ok) throw new KernelError('validator-rejected', `the validator of process ${ownerPid} failed (${r.kind}: ${r.message})`);
    return truthy(r.value);
  }

  /**
   * Runs watch `fn` installed by `ownerPid` under `key` with `args`, for a write by `writer`
   * (ADR 0024). A failing foreign watch leaves `[:watch-failed key :kind]` in its owner's output.
   */
  runWatch(writer: Process, ownerPid: Pid, fn: Fn, key: Value, args: readonly Value[]): void {
    if (this.mutants.has('watch-runs-as-writer') || ownerPid === writer.pid) {
      this.callSync(writer, fn, args);
      return;
    }
    const owner = this.procs.find(ownerPid);
    if (owner === undefined) return; // exit removes its code; never run it as someone else
    const r = this.onBehalf(writer, owner, fn, args);
    if (!r.ok) this.procs.notice(owner, printEdn(new Vector([Keyword.of('watch-failed'), key, Keyword.of(r.kind)])));
  }

  /**
   * Runs code `fn` installed by `ownerPid` for a write by `writer`: on the owner's behalf (its
   * table, output, registers, heap account), with at most `callbackFuel` steps charged to the
   * owner's tree; its failure is returned, never the writer's.
   */
  private onBehalf(writer: Process, owner: Process, fn: Fn, args: readonly Value[]): Foreign {
    if (this.mutants.has('foreign-code-charged-to-writer')) return { ok: true, value: this.chargedToWriter(writer, owner, fn, args) };
    const saved = owner.fuel;
    const savedBlocked = owner.blockedOn;
    owner.fuel = Math.max(0, Math.min(this.quotas.callbackFuel, owner.account.fuel));
    let failure: { kind: string; message: string };
    this.running++;
    let entered = false;
    try {
      // Nested too deep: the owner's code fails (its failure, never the writer's).
      this.enterCallback(owner);
      entered = true;
      const end = this.drive(owner, callState(fn, args), this.modes.toCompletion(owner)).state;
      if (end.m === 'halt') return { ok: true, value: end.v };
      failure = end.m === 'failed' ? { kind: end.kind, message: end.msg } : { kind: 'program-error', message: 'a validator or watch may not block (join)' };
    } catch (e) {
      const f = failureOf(e);
      if (f === null) throw e;
      failure = f;
    } finally {
      this.running--;
      if (entered) this.nesting--;
      owner.fuel = saved;
      owner.blockedOn = savedBlocked;
    }
    return { ok: false, ...failure };
  }

  /** The seeded bug `foreign-code-charged-to-writer`: the owner's code runs on the writer's fuel and its failure is the writer's. */
  private chargedToWriter(writer: Process, owner: Process, fn: Fn, args: readonly Value[]): Value {
    this.enterCallback(owner);
    const saved = owner.fuel;
    owner.fuel = this.running > 0 ? this.rt.fuel : writer.fuel;
    this.running++;
    try {
      const end = this.drive(owner, callState(fn, args), this.modes.toCompletion(owner)).state;
      if (this.running > 1) this.rt.fuel = owner.fuel;
      if (end.m === 'halt') return end.v;
      if (end.m === 'failed') throw new Raised('program-error', end.msg, end.err);
      throw new Raised('program-error', 'a validator, watch or swap function may not block (join)');
    } finally {
      this.running--;
      this.nesting--;
      owner.fuel = saved;
    }
  }

  /** A program's `spawn` or `fork` costs {@link PROCESS_CREATION_FUEL} of the running budget, created or refused. */
  chargeCreation(): void {
    this.rt.fuel -= PROCESS_CREATION_FUEL;
    if (this.rt.fuel < 0) this.rt.outOfFuel();
  }

  /** A program's `fork`: the child continues the same computation on half of what is left to the running program (ADR 0024). */
  splitFuel(child: Process): void {
    child.fuel = Math.floor(Math.max(0, this.rt.fuel) / 2);
    this.rt.fuel -= child.fuel;
    this.forkGiven += child.fuel;
  }

  /**
   * Runs every process that has a program until none can run, choosing who runs next with
   * `scheduler` (one choice = one quantum: up to and including the next kernel call), exactly as
   * the reference kernel's `runAll` does. Each process and each tree gets one fuel budget for the
   * whole run (ADR 0024). Returns the number of quanta run.
   */
  runAll(scheduler: { next(runnable: readonly Pid[]): Pid }, maxQuanta: number): number {
    for (const p of this.procs.values()) {
      p.fuel = this.quotas.fuel;
      p.account.fuel = this.quotas.treeFuel;
    }
    let quanta = 0;
    for (; quanta < maxQuanta; quanta++) {
      const runnable = this.procs.runnable();
      if (runnable.length === 0) break;
      const p = this.procs.find(scheduler.next(runnable))!;
      const before = this.mem.wordsAllocated;
      this.mem.onCore(this.mem.coreOf(p.pid));
      this.quantum(p);
      this.mem.endMutation(before);
    }
    // Whoever still waits for a process that can never finish is deadlocked.
    for (const p of this.procs.values()) {
      if (p.blockedOn !== null && p.prog !== null && !finished(p.prog)) {
        const msg = `deadlock: process ${p.pid} waits for process ${p.blockedOn}, which never finishes`;
        p.prog = { m: 'failed', kind: 'program-error', msg, err: errorMap('program-error', msg) };
        p.blockedOn = null;
      }
    }
    return quanta;
  }
}
