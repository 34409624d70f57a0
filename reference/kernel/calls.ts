/**
 * The reference kernel's kernel calls: one handler per call of the language (spec/lang/kernelCalls.ts),
 * in a record the compiler checks for completeness. A handler gets the caller, the arguments
 * (their count checked against the table) and how to return.
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import type { Ref } from '../../spec/Kernel.js';
import type { DurableStore } from '../../spec/Store.js';
import { atomArg, basisArg, durableNameArg, noDurableStore, notDurable, withStore, checkKernelCallArity, forkNotAllowed, isKernelCallName, joinMayNotBlock, kernelCallYields, outputLine, pidArg, registerArg, spawnArg, stampArg, validatorArg, watchArg, type KernelCallHandlers, type KernelCallName } from '../../spec/lang/kernelCalls.js';
import { AtomRef, EMap, Vector, equals, kw, walkWork, type Value } from '../../spec/Values.js';
import { isComposite } from '../heap.js';
import { callState, type Kont, type State, type StepResult } from '../lang/machine.js';
import { ProgramError, errorValue, programError } from '../lang/runtime.js';
import type { KernelParts } from './parts.js';
import type { AtomRecord, KernelTables, ProcessRecord } from './tables.js';

/** Where a kernel call is made: what it may do besides returning. */
interface CallSite {
  /** Refuses a `fork` where none may happen (a catchable program-error). */
  readonly checkFork: () => void;
  /** Refuses a `join` that would block where none may (a catchable program-error). */
  readonly checkBlock: () => void;
}

/** A program's kernel call: it may fork and block. */
const IN_PROGRAM: CallSite = { checkFork: () => undefined, checkBlock: () => undefined };
/** A kernel call of code running inside an operation (validator, watch, swap function): it may neither fork nor block. */
const IN_OPERATION: CallSite = { checkFork: forkNotAllowed, checkBlock: joinMayNotBlock };

/** What a kernel call's handler gets: the caller, the arguments, and how to return. */
interface RefCall {
  readonly p: ProcessRecord;
  /** Where the call is made (inside a validator, watch or swap function it may not block or fork). */
  readonly site: CallSite;
  readonly name: KernelCallName;
  readonly args: readonly Value[];
  /** The continuation after the call. */
  readonly k: Kont;
  /** The state that retries the call (a blocked `join`). */
  readonly again: State;
  /** Returns `value` to the continuation (and keeps it in the heap). */
  readonly done: (value: Value) => StepResult;
}

/** The kernel calls of one reference kernel. */
export class KernelCalls {
  /** Kernel calls over `t`; atoms, processes and memory are reached through `parts`. */
  constructor(
    private readonly t: KernelTables,
    private readonly parts: KernelParts,
  ) {}

  /** A kernel call made by `p`'s program: it ends the quantum, and `fork` and a blocking `join` are allowed. */
  programCall(p: ProcessRecord, name: string, args: readonly Value[], k: Kont, again: State): StepResult {
    return this.call(p, IN_PROGRAM, name, args, k, again);
  }

  /** A kernel call made by code running inside an operation (validator, watch, swap function): it may neither fork nor block. */
  atomicCall(p: ProcessRecord, name: string, args: readonly Value[], k: Kont, again: State): StepResult {
    return this.call(p, IN_OPERATION, name, args, k, again);
  }

  private call(p: ProcessRecord, site: CallSite, name: string, args: readonly Value[], k: Kont, again: State): StepResult {
    if (!isKernelCallName(name)) return programError(`unknown kernel call ${name}`);
    this.t.callCounts.set(name, (this.t.callCounts.get(name) ?? 0) + 1);
    checkKernelCallArity(name, args);
    const done = (value: Value): StepResult => {
      if (isComposite(value)) this.t.heap.alloc(value, p.pid);
      return { state: { mode: 'ret', value, k }, yielded: kernelCallYields(name) };
    };
    return this.handlers[name]({ p, site, name, args, k, again, done });
  }

  /** The atom a kernel call's first argument names in the caller's table, and its ref. */
  private callAtom(c: RefCall): [AtomRecord, Ref] {
    const { ref } = atomArg(c.name, c.args[0]);
    const record = this.parts.atoms.resolve(c.p, ref);
    return [record, ref];
  }

  /** Appends the printed arguments to the caller's output (`prn` prints them readably). */
  private print(c: RefCall, readably: boolean): StepResult {
    this.parts.processes.print(c.p, outputLine(c.args, readably));
    return c.done(null);
  }

  /** The kernel calls of the language (spec/lang/kernelCalls.ts), one handler each. */
  private readonly handlers: KernelCallHandlers<RefCall, StepResult> = {
    atom: (c) => c.done(this.parts.atoms.create(c.p, c.args[0]!)),
    deref: (c) => c.done(this.parts.atoms.value(this.callAtom(c)[0])),
    'deref-stamp': (c) => {
      const [a] = this.callAtom(c);
      return c.done(new Vector([this.parts.atoms.value(a), BigInt(a.stamp)]));
    },
    'reset!': (c) => {
      const [a, ref] = this.callAtom(c);
      this.parts.atoms.reset(c.p, a, ref, c.args[1]!);
      return c.done(c.args[1]!);
    },
    'reset-vals!': (c) => {
      const [a, ref] = this.callAtom(c);
      const old = this.parts.atoms.value(a);
      this.parts.atoms.reset(c.p, a, ref, c.args[1]!);
      return c.done(new Vector([old, c.args[1]!]));
    },
    'cas!': (c) => {
      const [, ref] = this.callAtom(c);
      return c.done(BigInt(this.parts.atoms.cas(c.p, ref, Number(stampArg(c.args[1])), c.args[2]!)));
    },
    '%commit!': (c) => {
      const [a, ref] = this.callAtom(c);
      if (a.stamp !== Number(c.args[1]) && !this.t.mutants.has('swap-no-retry')) return c.done(false);
      this.parts.atoms.write(c.p, a, ref, c.args[2]!);
      return c.done(true);
    },
    'compare-and-set!': (c) => {
      const [a, ref] = this.callAtom(c);
      // The comparison's reading costs fuel as a built-in's does.
      const before = walkWork();
      const same = equals(this.parts.atoms.value(a), c.args[1]!);
      this.parts.processes.chargeWork(c.p, null, [], walkWork() - before);
      if (!same) return c.done(false);
      this.parts.atoms.write(c.p, a, ref, c.args[2]!);
      return c.done(true);
    },
    'set-validator!': (c) => {
      const [a] = this.callAtom(c);
      this.parts.atoms.setValidator(c.p, a, validatorArg(c.args[1]));
      return c.done(null);
    },
    'add-watch': (c) => {
      const [a] = this.callAtom(c);
      this.parts.atoms.addWatch(a, c.args[1]!, c.p.pid, watchArg(c.args[2]));
      return c.done(c.args[0]!);
    },
    'remove-watch': (c) => {
      const [a] = this.callAtom(c);
      this.parts.atoms.removeWatch(a, c.args[1]!);
      return c.done(c.args[0]!);
    },
    'share!': (c) => {
      const [, ref] = this.callAtom(c);
      return c.done(new AtomRef(this.parts.atoms.share(c.p, ref, Number(pidArg('share!', c.args[1])))));
    },
    fork: (c) => {
      c.site.checkFork();
      this.parts.processes.chargeCreation(c.p);
      const child = this.parts.processes.fork(c.p, { mode: 'ret', value: null, k: c.k });
      // The child continues the same computation: it gets half of what is left (ADR 0024).
      child.fuelLeft = Math.floor(Math.max(0, c.p.fuelLeft) / 2);
      c.p.fuelLeft -= child.fuelLeft;
      return c.done(BigInt(child.pid));
    },
    spawn: (c) => {
      const { p, args } = c;
      const { atoms, processes } = this.parts;
      const f = spawnArg(args[0]);
      processes.chargeCreation(p);
      // Atom arguments are shared with the child (creator only) and passed as the child's refs.
      const handed = args.slice(1).map((x) => (x instanceof AtomRef ? atoms.resolve(p, x.ref) : null));
      handed.forEach((a, i) => {
        if (a !== null) atoms.checkMayShare(p, a, args[i + 1]!);
      });
      const child = processes.spawnChild(p);
      const childArgs = args.slice(1).map((x) => (x instanceof AtomRef ? new AtomRef(atoms.share(p, x.ref, child.pid)) : x));
      child.program = callState(f, childArgs);
      for (const x of childArgs) if (isComposite(x)) this.t.heap.alloc(x, child.pid);
      child.fuelLeft = this.t.quotas.fuel;
      return c.done(BigInt(child.pid));
    },
    self: (c) => c.done(BigInt(c.p.pid)),
    exit: (c) => {
      const v = c.args[0] ?? null;
      if (isComposite(v)) this.t.heap.alloc(v, c.p.pid);
      this.parts.processes.exit(c.p);
      return { state: { mode: 'halt', value: v }, yielded: true };
    },
    join: (c) => {
      const { p } = c;
      const pid = pidArg('join', c.args[0]);
      const target = this.t.processes.get(Number(pid));
      if (target === undefined) throw new KernelError('no-such-process', `no process ${pid}`);
      if (target.parent !== p.pid && !this.t.mutants.has('join-any-process')) throw new KernelError('capability-denied', target.pid === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target.pid} and may not join it`);
      if (!this.parts.processes.finished(target.pid)) {
        c.site.checkBlock();
        p.blockedOn = target.pid;
        return { state: c.again, yielded: true, blocked: true };
      }
      p.blockedOn = null;
      const end = target.program;
      if (end !== null && end.mode === 'failed') throw new ProgramError(`process ${target.pid} failed: ${end.message}`, errorValue(end.kind, end.message));
      return c.done(end !== null && end.mode === 'halt' ? end.value : null);
    },
    println: (c) => this.print(c, false),
    prn: (c) => this.print(c, true),
    'hold!': (c) => {
      const [regArg, v] = c.args;
      const reg = Number(registerArg('hold!', regArg));
      // nil empties the register; any other value is held there (a root for the collector)
      if (v === null || v === undefined) c.p.registers.delete(reg);
      else c.p.registers.set(reg, this.t.heap.alloc(v, c.p.pid));
      return c.done(null);
    },
    held: (c) => {
      const h = c.p.registers.get(Number(registerArg('held', c.args[0])));
      return c.done(h === undefined ? null : this.t.heap.read(h));
    },
    gc: (c) => {
      this.parts.memory.collect();
      return c.done(null);
    },
    'durable-atom': (c) => c.done(this.parts.atoms.durable(c.p, durableNameArg(c.args[0]), c.args[1]!)),
    history: (c) => {
      const store = this.storeFor(c.name);
      const [a] = this.callAtom(c);
      const name = a.durable ?? notDurable(c.args[0]!);
      return c.done(withStore(c.name, () => new Vector(store.history(name).map((tr) => new Vector([BigInt(tr.t), BigInt(tr.stamp), store.value(tr.hash)])))));
    },
    basis: (c) => c.done(BigInt(this.storeFor(c.name).basis())),
    'as-of': (c) => {
      const store = this.storeFor(c.name);
      const t = basisArg('as-of', c.args[0]);
      return c.done(withStore(c.name, () => {
        let m = EMap.EMPTY;
        for (const [name, tr] of store.snapshot(t)) m = m.assoc(kw(name), store.value(tr.hash));
        return m;
      }));
    },
    since: (c) => {
      const store = this.storeFor(c.name);
      const t = basisArg('since', c.args[0]);
      return c.done(withStore(c.name, () => new Vector(store.since(t).map((tr) => new Vector([BigInt(tr.t), kw(tr.atom), BigInt(tr.stamp), store.value(tr.hash)])))));
    },
  };

  /** The kernel's durable store, or the call `name` refused for want of one. */
  private storeFor(name: KernelCallName): DurableStore {
    return this.t.store ?? noDurableStore(name);
  }
}
