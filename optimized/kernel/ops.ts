/**
 * The optimized kernel's operations: one `Kernel` operation (spec/Kernel.ts) at a time, dispatched
 * to the process table, the atoms, the scheduler and the language host, on the core of the
 * process it names; its result as canonical EDN, a caller's or program's fault as a typed outcome.
 * @module
 */
import { isNat } from '../../spec/OpInput.js';
import { fail, ok, OP_NAMES, type Op, type Outcome, type Quotas } from '../../spec/Kernel.js';
import { MAX_TEXT_CHARS, printEdn, readEdnForms, TextTooLong } from '../../spec/codec/Edn.js';
import { AtomRef, Fn, Vector } from '../../spec/Values.js';
import { Compiler } from '../lang/front.js';
import { copyState, finished, programState, type MState } from '../lang/machine.js';
import type { MutantSet } from '../mutants.js';
import type { AtomTable } from './atoms.js';
import type { LangHost } from './langHost.js';
import type { Lifecycle } from './lifecycle.js';
import type { KernelMemory } from './memory.js';
import type { Process, ProcessTable } from './processes.js';
import { outcomeOf, parse, refuse } from './refusals.js';
import type { Scheduler } from './scheduler.js';

const KNOWN_OPS: ReadonlySet<string> = new Set<string>(OP_NAMES);

/** The parts of the kernel the operations act on. */
export interface OpParts {
  readonly quotas: Quotas;
  readonly mutants: MutantSet;
  readonly procs: ProcessTable;
  readonly atoms: AtomTable;
  readonly mem: KernelMemory;
  readonly lifecycle: Lifecycle;
  readonly scheduler: Scheduler;
  readonly lang: LangHost;
}

/** Performs the kernel's operations. */
export class Operations {
  /** Operations over `parts`. */
  constructor(private readonly parts: OpParts) {}

  /** Performs one operation; never throws for a program's or caller's fault. */
  apply(op: Op): Outcome {
    if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op: unknown }).op as string)) {
      return fail('bad-input', `unknown operation ${JSON.stringify((op as { op?: unknown } | null)?.op)}`);
    }
    const { mem } = this.parts;
    const before = mem.wordsAllocated;
    const gcOp = op.op === 'gc' || op.op === 'gcStep';
    const pid = (op as { pid?: unknown }).pid;
    mem.onCore(gcOp ? mem.collectorCore : isNat(pid) ? mem.coreOf(pid) : 0);
    let out: Outcome;
    try {
      out = ok(this.step(op));
    } catch (e) {
      const o = outcomeOf(e);
      if (o === null) throw e;
      out = o;
    }
    // S: the end of an operation is the mutator's safepoint (a context switch): a full fence.
    if (!gcOp) mem.endMutation(before);
    else mem.heap.mem.tick?.();
    return out;
  }

  private step(op: Op): string {
    const { procs, atoms, lifecycle, lang, mem } = this.parts;
    switch (op.op) {
      case 'spawn':
        return String(procs.newRoot(procs.get(op.pid)).pid);
      case 'fork': {
        const parent = procs.get(op.pid);
        return String(lifecycle.fork(parent, parent.prog === null ? null : copyState(parent.prog)).pid);
      }
      case 'exit':
        lifecycle.exit(procs.get(op.pid));
        return 'nil';
      case 'atom': {
        const p = procs.get(op.pid);
        return printEdn(atoms.create(p, parse(op.value, 'value')));
      }
      case 'swap':
      case 'swapVals': {
        const p = procs.get(op.pid);
        const id = atoms.lookup(p, op.ref);
        const f = this.compileFn(p, op.fn);
        const old = atoms.read(id);
        const v = this.parts.scheduler.callSync(p, f, [old]);
        atoms.write(p, id, op.ref, v);
        return printEdn(op.op === 'swap' ? v : new Vector([old, v]));
      }
      case 'setValidator': {
        const p = procs.get(op.pid);
        const id = atoms.lookup(p, op.ref);
        atoms.setValidator(p, id, op.fn === null ? null : this.compileFn(p, op.fn));
        return 'nil';
      }
      case 'addWatch': {
        const p = procs.get(op.pid);
        const key = parse(op.key, 'key');
        atoms.addWatch(atoms.lookup(p, op.ref), { key, watcher: p.pid, fn: null });
        return 'nil';
      }
      case 'removeWatch': {
        const p = procs.get(op.pid);
        const key = parse(op.key, 'key');
        atoms.removeWatch(atoms.lookup(p, op.ref), key);
        return 'nil';
      }
      case 'load': {
        const p = procs.get(op.pid);
        if (typeof op.program !== 'string') refuse('bad-input', 'program must be EDN text');
        if (op.binary === undefined) lang.load(p.pid, op.program);
        else {
          if (typeof op.binary !== 'string') refuse('bad-input', 'binary must be base64 text');
          if (op.program !== '') refuse('bad-input', 'a load carries its program as EDN text or as binary, not both (program must be empty)');
          lang.loadBinary(p.pid, op.binary);
        }
        return 'nil';
      }
      case 'step':
        return this.runProgram(procs.get(op.pid), op.op, (p) => this.parts.scheduler.quantum(p));
      case 'run':
        return this.runProgram(procs.get(op.pid), op.op, (p) => this.parts.scheduler.runToEnd(p));
      case 'deref': {
        const id = atoms.lookup(procs.get(op.pid), op.ref);
        const text = `[${atoms.text(id)} ${atoms.stamp(id)}]`;
        if (text.length > MAX_TEXT_CHARS) throw new TextTooLong();
        return text;
      }
      case 'reset': {
        const p = procs.get(op.pid);
        const v = parse(op.value, 'value');
        atoms.reset(p, atoms.lookup(p, op.ref), op.ref, v);
        return printEdn(v);
      }
      case 'resetVals': {
        const p = procs.get(op.pid);
        const v = parse(op.value, 'value');
        const id = atoms.lookup(p, op.ref);
        const old = atoms.read(id);
        atoms.reset(p, id, op.ref, v);
        return printEdn(new Vector([old, v]));
      }
      case 'cas': {
        const p = procs.get(op.pid);
        const v = parse(op.value, 'value');
        const id = atoms.lookup(p, op.ref);
        if (!isNat(op.stamp)) refuse('bad-input', 'stamp must be a non-negative integer');
        return String(atoms.casStamp(p, id, op.ref, op.stamp, v));
      }
      case 'compareAndSet': {
        const p = procs.get(op.pid);
        const expected = parse(op.expected, 'expected');
        const v = parse(op.value, 'value');
        const id = atoms.lookup(p, op.ref);
        if (!atoms.equals(id, expected, p.pid)) return 'false';
        atoms.write(p, id, op.ref, v);
        return 'true';
      }
      case 'share': {
        const p = procs.get(op.pid);
        const id = atoms.lookup(p, op.ref);
        // the creator check comes first (Kernel.tla Share): a process that may not share an atom learns nothing about other pids
        atoms.checkMayShare(p, id, op.ref);
        return printEdn(new AtomRef(atoms.grant(id, procs.get(op.to))));
      }
      case 'hold': {
        const p = procs.get(op.pid);
        if (!isNat(op.reg)) refuse('bad-input', 'reg must be a non-negative integer');
        if (op.value === null) {
          if (this.parts.mutants.has('hold-clears-registers')) p.regs.clear();
          else p.regs.delete(op.reg);
        } else {
          const v = parse(op.value, 'value');
          p.regs.set(op.reg, mem.intern(v, op.pid));
        }
        return 'nil';
      }
      case 'gc':
        mem.collector.collect();
        return 'nil';
      case 'gcStep':
        // An increment of minor collection first (when the heap is generational), so that
        // programs of operations exercise minors across operations and in every phase of a major cycle.
        mem.collector.stepMinor();
        mem.collector.step();
        return 'nil';
      default:
        refuse('unsupported', `the optimized kernel does not implement ${(op as { op: string }).op}`);
    }
  }

  /**
   * The `step` and `run` operations (named `what`) on `p`'s program, advanced by `advance` (one
   * quantum, or quanta to the end) → its value, or nil when it yielded.
   */
  private runProgram(p: Process, what: string, advance: (p: Process) => 'yielded' | 'blocked' | 'finished'): string {
    const { quotas } = this.parts;
    if (p.prog === null) refuse('bad-input', `process ${p.pid} has no program loaded`);
    p.fuel = quotas.fuel;
    p.account.fuel = quotas.treeFuel;
    p.blockedOn = null;
    for (;;) {
      if (finished(p.prog!)) {
        const end = p.prog as Extract<MState, { m: 'halt' | 'failed' }>;
        if (end.m === 'halt') return printEdn(end.v);
        refuse(end.kind, end.msg);
      }
      const r = advance(p);
      if (r === 'blocked') refuse('program-error', `join would block: process ${p.blockedOn} has not finished (no other process runs during '${what}')`);
      if (r === 'yielded') return 'nil';
    }
  }

  /** Evaluates `src` (the text of one function) in `p` → the function. */
  private compileFn(p: Process, src: unknown): Fn {
    if (typeof src !== 'string') refuse('bad-input', `fn must be the text of a function, got ${JSON.stringify(src)}`);
    const { forms, positions } = readEdnForms(src);
    if (forms.length !== 1) refuse('bad-input', `expected one function form, found ${forms.length}`);
    const end = this.parts.scheduler.evaluate(p, programState(new Compiler(positions).program(forms).main));
    if (end.m === 'failed') refuse('bad-input', `function source failed to evaluate: ${end.msg}`);
    if (end.m !== 'halt' || !(end.v instanceof Fn)) refuse('bad-input', `not a function: ${src}`);
    return end.v;
  }
}
