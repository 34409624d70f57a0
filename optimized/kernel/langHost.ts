/**
 * The optimized kernel as the host of the system language: loading programs, what serves a run
 * (kernel calls, `def`, memory checks, compiled code), and the language's kernel calls
 * (spec/lang/kernelCalls.ts), one handler each in a record the compiler checks for completeness;
 * a process's output (`println`, `prn`) and registers (`hold!`, `held`) are served here.
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import type { Pid, Quotas, Ref } from '../../spec/Kernel.js';
import { decodeAll, fromBase64 } from '../../spec/codec/Binary.js';
import { readEdnForms, type Position } from '../../spec/codec/Edn.js';
import { shortText } from '../../spec/lang/errors.js';
import type { DurableStore } from '../../spec/Store.js';
import { atomArg, basisArg, durableNameArg, noDurableStore, notDurable, withStore, checkKernelCallArity, forkNotAllowed, isKernelCallName, joinMayNotBlock, kernelCallIsPure, kernelCallYields, outputLine, pidArg, registerArg, spawnArg, stampArg, validatorArg, watchArg, type KernelCallHandlers, type KernelCallName } from '../../spec/lang/kernelCalls.js';
import { AtomRef, EMap, Vector, kw, type Value } from '../../spec/Values.js';
import { Raised, errorMap } from '../lang/errors.js';
import { Compiler } from '../lang/front.js';
import { callState, copyState, finished, programState, type ExecHost, type KernelResult, type Kont } from '../lang/machine.js';
import type { Runtime } from '../lang/runtime.js';
import type { MutantSet } from '../mutants.js';
import type { AtomTable } from './atoms.js';
import type { JitHost } from './jitHost.js';
import type { Library } from './library.js';
import type { Lifecycle } from './lifecycle.js';
import type { KernelMemory } from './memory.js';
import type { Process, ProcessTable } from './processes.js';
import type { RunMode, RunModes, Scheduler } from './scheduler.js';

/** Who makes a kernel call: the process, and whether it runs inside a validator, watch or swap function (it may not block or fork). */
interface Caller {
  readonly p: Process;
  readonly atomic: boolean;
}

/** What a kernel call's handler gets: the caller, the arguments, the continuation. */
interface OptCall extends Caller {
  readonly name: KernelCallName;
  readonly args: readonly Value[];
  /** The continuation after the call. */
  readonly k: Kont;
  /** The call's result `value` (a scheduling point or not, as the kernel-call table says). */
  readonly done: (value: Value) => KernelResult;
}

/** The parts of the kernel the language's kernel calls act on. */
export interface LangParts {
  readonly rt: Runtime;
  readonly quotas: Quotas;
  readonly mutants: MutantSet;
  /** The seeded decoder bugs asked for (handed to the binary decoder of `load`). */
  readonly codecMutants: readonly string[];
  readonly procs: ProcessTable;
  readonly atoms: AtomTable;
  readonly mem: KernelMemory;
  readonly lifecycle: Lifecycle;
  readonly scheduler: Scheduler;
  readonly library: Library;
  readonly jit: JitHost;
}

/** Loads programs into processes, builds each run's host, and serves the language's kernel calls. */
export class LangHost implements RunModes {
  /** Kernel calls made by programs, by name. */
  readonly callCounts = new Map<string, number>();
  private codecCount = 0;

  /** The language host over `parts`. */
  constructor(private readonly parts: LangParts) {
    parts.rt.kernelPure = (name, args) => this.pureCall(name, args);
  }

  /** Values decoded from the binary encoding on a kernel path. */
  get codecValues(): number {
    return this.codecCount;
  }

  /** {@inheritDoc RunModes.toCompletion} */
  toCompletion(p: Process): RunMode {
    return { atomic: true, host: this.execHost({ p, atomic: true }) };
  }

  /** {@inheritDoc RunModes.toSchedulingPoint} */
  toSchedulingPoint(p: Process): RunMode {
    return { atomic: false, host: this.execHost({ p, atomic: false }) };
  }

  private execHost(caller: Caller): ExecHost {
    const { library, jit } = this.parts;
    return {
      kernelCall: (name, args, k) => this.kernelCall(caller, name, args, k),
      define: (sym, v) => library.define(sym, v),
      memoryCheck: (state) => library.memoryCheck(caller.p, state),
      compiled: (_fn, arity) => jit.compiled(arity),
    };
  }

  /** Loads program text into `pid` (replacing its program). Throws bad-input on malformed text. */
  load(pid: Pid, text: string): void {
    const p = this.parts.procs.get(pid);
    const { forms, positions } = readEdnForms(text);
    this.loadForms(p, forms, positions);
    this.parts.jit.forgetSites();
  }

  /** Loads a program given as base64 text of `encodeAll(forms)` into `pid`; bad-input when it does not decode. */
  loadBinary(pid: Pid, base64: string): void {
    const counter = { nodes: 0 };
    const forms = decodeAll(fromBase64(base64), { mutants: this.parts.codecMutants, counter });
    this.codecCount += counter.nodes;
    this.loadValues(pid, forms);
  }

  /** Loads already-read forms (e.g. decoded from the binary AST) into `pid`. */
  loadValues(pid: Pid, forms: readonly Value[]): void {
    this.loadForms(this.parts.procs.get(pid), forms);
    this.parts.jit.forgetSites();
  }

  private loadForms(p: Process, forms: readonly Value[], positions: WeakMap<object, Position> = new WeakMap()): void {
    p.prog = programState(new Compiler(positions).program(forms).main);
    p.blockedOn = null;
    p.fuel = this.parts.quotas.fuel;
  }

  /** `self` and `held`: kernel calls that only read the caller's own state (compiled code may perform them). */
  private pureCall(name: string, args: readonly Value[]): Value {
    const p = this.parts.procs.find(this.parts.rt.pid);
    if (p === undefined) throw new Error('pureCall: no running process');
    if (!isKernelCallName(name) || !kernelCallIsPure(name)) throw new Error(`pureCall: ${name} is not a pure kernel call`);
    checkKernelCallArity(name, args);
    return name === 'self' ? BigInt(p.pid) : this.heldValue(p, args[0]);
  }

  /** What register `v` (an integer) of `p` holds, or nil. */
  private heldValue(p: Process, v: Value | undefined): Value {
    const reg = registerArg('held', v);
    const w = reg >= 0n && reg <= BigInt(Number.MAX_SAFE_INTEGER) ? p.regs.get(Number(reg)) : undefined;
    return w === undefined ? null : this.parts.mem.value(w);
  }

  private kernelCall(caller: Caller, name: string, args: readonly Value[], k: Kont): KernelResult {
    if (!isKernelCallName(name)) throw new Raised('program-error', `unknown kernel call ${name}`);
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    checkKernelCallArity(name, args);
    const yields = kernelCallYields(name);
    return this.handlers[name]({ p: caller.p, atomic: caller.atomic, name, args, k, done: (value) => ({ value, yields }) });
  }

  /** The heap id of the atom a kernel call's first argument names in the caller's table, and its ref. */
  private callAtom(c: OptCall): [number, Ref] {
    const ref = atomArg(c.name, c.args[0]).ref;
    return [this.parts.atoms.resolve(c.p, ref), ref];
  }

  /** The kernel calls of the language (spec/lang/kernelCalls.ts), one handler each. */
  private readonly handlers: KernelCallHandlers<OptCall, KernelResult> = {
    atom: (c) => c.done(this.parts.atoms.create(c.p, c.args[0]!)),
    deref: (c) => c.done(this.parts.atoms.read(this.callAtom(c)[0])),
    'deref-stamp': (c) => {
      const id = this.callAtom(c)[0];
      return c.done(new Vector([this.parts.atoms.read(id), BigInt(this.parts.atoms.stamp(id))]));
    },
    'reset!': (c) => c.done(this.resetTo(c, this.callAtom(c))),
    'reset-vals!': (c) => {
      const at = this.callAtom(c);
      return c.done(new Vector([this.parts.atoms.read(at[0]), this.resetTo(c, at)]));
    },
    'cas!': (c) => {
      const [id, ref] = this.callAtom(c);
      return c.done(BigInt(this.parts.atoms.casStamp(c.p, id, ref, Number(stampArg(c.args[1])), c.args[2]!)));
    },
    '%commit!': (c) => this.writeIf(c, (id) => this.parts.atoms.stamp(id) === Number(c.args[1]) || this.parts.mutants.has('swap-no-retry')),
    'compare-and-set!': (c) => this.writeIf(c, (id) => this.parts.atoms.equals(id, c.args[1]!, c.p.pid)),
    'set-validator!': (c) => {
      this.parts.atoms.setValidator(c.p, this.callAtom(c)[0], validatorArg(c.args[1]));
      return c.done(null);
    },
    'add-watch': (c) => {
      this.parts.atoms.addWatch(this.callAtom(c)[0], { key: c.args[1]!, watcher: c.p.pid, fn: watchArg(c.args[2]) });
      return c.done(c.args[0]!);
    },
    'remove-watch': (c) => {
      this.parts.atoms.removeWatch(this.callAtom(c)[0], c.args[1]!);
      return c.done(c.args[0]!);
    },
    'share!': (c) => c.done(new AtomRef(this.share(c.p, this.callAtom(c)[1], Number(pidArg('share!', c.args[1]))))),
    fork: (c) => {
      if (c.atomic) forkNotAllowed();
      this.parts.scheduler.chargeCreation();
      const child = this.parts.lifecycle.fork(c.p, copyState({ m: 'ret', v: null, k: c.k }));
      this.parts.scheduler.splitFuel(child);
      return c.done(BigInt(child.pid));
    },
    spawn: (c) => this.spawnCall(c),
    self: (c) => c.done(BigInt(c.p.pid)),
    held: (c) => c.done(this.heldValue(c.p, c.args[0])),
    exit: (c) => {
      const v = c.args[0] ?? null;
      c.p.prog = { m: 'halt', v };
      this.parts.lifecycle.exit(c.p);
      return { value: v, yields: true, halt: true };
    },
    join: (c) => this.joinCall(c),
    println: (c) => c.done((this.parts.procs.print(c.p, outputLine(c.args, false)), null)),
    prn: (c) => c.done((this.parts.procs.print(c.p, outputLine(c.args, true)), null)),
    'hold!': (c) => {
      const reg = Number(registerArg('hold!', c.args[0]));
      if (c.args[1] === null) c.p.regs.delete(reg);
      else c.p.regs.set(reg, this.parts.mem.intern(c.args[1]!, c.p.pid));
      return c.done(null);
    },
    gc: (c) => {
      const { mem } = this.parts;
      mem.collecting(() => mem.collector.collect());
      return c.done(null);
    },
    'durable-atom': (c) => c.done(this.parts.atoms.bindDurable(c.p, durableNameArg(c.args[0]), c.args[1]!)),
    history: (c) => {
      const store = this.durableStore(c.name);
      const name = this.parts.atoms.durableName(this.callAtom(c)[0]) ?? notDurable(c.args[0]!);
      const rows: Value[] = [];
      withStore(c.name, () => {
        for (const tr of store.history(name)) rows.push(new Vector([BigInt(tr.t), BigInt(tr.stamp), store.value(tr.hash)]));
      });
      return c.done(new Vector(rows));
    },
    basis: (c) => c.done(BigInt(this.durableStore(c.name).basis())),
    'as-of': (c) => {
      const store = this.durableStore(c.name);
      const t = basisArg('as-of', c.args[0]);
      const pairs: [Value, Value][] = [];
      withStore(c.name, () => {
        for (const [name, tr] of store.snapshot(t)) pairs.push([kw(name), store.value(tr.hash)]);
      });
      return c.done(EMap.from(pairs));
    },
    since: (c) => {
      const store = this.durableStore(c.name);
      const t = basisArg('since', c.args[0]);
      const rows: Value[] = [];
      withStore(c.name, () => {
        for (const tr of store.since(t)) rows.push(new Vector([BigInt(tr.t), kw(tr.atom), BigInt(tr.stamp), store.value(tr.hash)]));
      });
      return c.done(new Vector(rows));
    },
  };

  /** The kernel's durable store, or the call `name` refused for want of one. */
  private durableStore(name: KernelCallName): DurableStore {
    return this.parts.atoms.store ?? noDurableStore(name);
  }

  /** `reset!` and `reset-vals!`: points the atom `at` at the second argument (validator checked) → that value. */
  private resetTo(c: OptCall, at: [number, Ref]): Value {
    this.parts.atoms.reset(c.p, at[0], at[1], c.args[1]!);
    return c.args[1]!;
  }

  /** `%commit!` and `compare-and-set!`: writes the third argument when `ok` holds of the atom → whether it wrote. */
  private writeIf(c: OptCall, ok: (id: number) => boolean): KernelResult {
    const [id, ref] = this.callAtom(c);
    if (!ok(id)) return c.done(false);
    this.parts.atoms.write(c.p, id, ref, c.args[2]!);
    return c.done(true);
  }

  /** `(spawn f args…)`: a new process in the caller's tree running `(f args…)`; atoms among the arguments are shared with it. */
  private spawnCall(c: OptCall): KernelResult {
    const { p } = c;
    const { atoms, procs, scheduler } = this.parts;
    const f = spawnArg(c.args[0]);
    scheduler.chargeCreation();
    const rest = c.args.slice(1);
    for (const x of rest) {
      if (x instanceof AtomRef && !atoms.mayShare(atoms.resolve(p, x.ref), p.pid)) throw new KernelError('capability-denied', `process ${p.pid} did not create ${shortText(x)} and may not share it`);
    }
    const child = procs.newInTree(p);
    child.prog = callState(
      f,
      rest.map((x) => (x instanceof AtomRef ? new AtomRef(this.share(p, x.ref, child.pid)) : x)),
    );
    return c.done(BigInt(child.pid));
  }

  /** `(join pid)`: the result of a child that has finished, else the caller blocks. */
  private joinCall(c: OptCall): KernelResult {
    const { p } = c;
    const { procs, mutants } = this.parts;
    const pid = pidArg('join', c.args[0]);
    const target = Number(pid);
    const live = procs.find(target);
    if (live === undefined && !procs.hasEnded(target)) throw new KernelError('no-such-process', `no process ${pid}`);
    if (procs.parentOf(target) !== p.pid && !mutants.has('join-any-process')) throw new KernelError('capability-denied', target === p.pid ? `process ${p.pid} may not join itself` : `process ${p.pid} did not create process ${target} and may not join it`);
    const end = live !== undefined ? live.prog : procs.endOf(target)!;
    if (live !== undefined && !(end === null || finished(end))) {
      if (c.atomic) joinMayNotBlock();
      p.blockedOn = target;
      return { blocked: true };
    }
    p.blockedOn = null;
    if (end !== null && end.m === 'failed') throw new Raised('program-error', `process ${target} failed: ${end.msg}`, errorMap(end.kind, end.msg));
    return c.done(end !== null && end.m === 'halt' ? end.v : null);
  }

  /** `share!` from a program (the reference's messages): only the creator shares, with a live process. */
  private share(p: Process, ref: Ref, to: Pid): Ref {
    const { atoms, procs } = this.parts;
    const target = procs.find(to);
    const id = atoms.resolve(p, ref);
    atoms.checkMayShare(p, id, ref);
    if (target === undefined) throw new KernelError('no-such-process', `no process ${to}`);
    return atoms.grant(id, target);
  }
}
