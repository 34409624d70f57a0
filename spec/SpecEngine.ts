/**
 * The TS spec kernel: the operation-level semantics of docs/adr/0003 as a {@link Kernel}, so the
 * differential fuzzer can hold every other kernel to it. It is a thin adapter over the generic
 * actions of `spec/KernelActions.ts` (the mirror of `spec/tla/Kernel.tla`) instantiated with spec
 * {@link Value}s: {@link specOpStep} turns one {@link Op} into one Kernel.tla generic action (or a
 * refusal, which changes nothing), and the reference kernel's trace validation uses the same
 * function. GC is unobservable, so `gc`/`gcStep` are stutters on this abstract state.
 *
 * {@link createSpecKernel} covers every operation that needs no program: `spawn fork exit atom
 * deref reset cas compareAndSet swap swapVals resetVals setValidator addWatch removeWatch share
 * hold gc gcStep`. The code an operation carries (a `swap` function, a validator) means what
 * `spec/OpCode.ts` says, for functions in its pure subset; an operation with code outside it
 * answers `unsupported` (the fuzzer's registry does not give such operations to this kernel:
 * `specAccepts`). Watches are in their recording form: after each successful write, each
 * watcher's output gets `[key old new]`. A failing swap function, or a failing validator the
 * writer itself installed, ends the operation with `program-error` (the writer's own code
 * failed); a failing validator another process installed rejects the write
 * (`validator-rejected`), as docs/language.md "Authority" says. Programs (`load`, `step`, `run`)
 * answer `unsupported`. {@link specOpStep} also takes another {@link OpInterpreter}, e.g. a fixed
 * menu of functions.
 *
 * Order of checks (the same in every kernel, as the reference kernel does it): the op's name
 * (`bad-input`), the acting pid (`no-such-process`), the EDN arguments (`bad-input`), the atom
 * ref (`capability-denied`); for `share`, the creator check before the target
 * pid; then the action itself.
 *
 * @see Kernel.tla (actions named on each case of {@link specOpStep})
 * @module
 */
import { isNat, readOpArgument } from './OpInput.js';
import { KernelError } from './Errors.js';
import { DEFAULT_QUOTAS, fail, ok, OP_NAMES, type ErrorKind, type Kernel, type KernelStats, type Observation, type Op, type OpName, type Outcome, type Pid, type Quotas } from './Kernel.js';
import { printEdn, readEdn } from './codec/Edn.js';
import { AtomRef, compare, equals, Vector, type Value } from './Values.js';
import { CodeError, compileOpCode, truthy } from './OpCode.js';
import {
  AddWatch, CAS, CompareAndSet, Deref, Drop, Exit, Fork, Hold, initState, isRefusal, NewAtom, procOf, RemoveWatch, Reset, SetValidator, Share,
  sharedRef, Spawn, Swap, type KernelState, type KResult, type ValueDomain,
} from './KernelActions.js';
import { SPEC_ACTIONS, specActions, type SPEC_MUTANTS, type SpecActions } from './SpecMutants.js';

/** The operations the spec kernel implements: every operation but the language's (`load`, `step`, `run`). */
export const SPEC_KERNEL_OPS: ReadonlySet<OpName> = new Set<OpName>(OP_NAMES.filter((op) => op !== 'load' && op !== 'step' && op !== 'run'));

const KNOWN_OPS: ReadonlySet<string> = new Set<string>(OP_NAMES);

/**
 * What code (a swap function, a validator, given as source text) means, for {@link specOpStep}.
 * The functions it returns may throw a {@link CodeError}: the operation then ends in that error
 * kind (a validator another process installed rejects the write instead).
 */
export interface OpInterpreter {
  /** The function `src` denotes, or undefined if unknown. */
  readonly fn: (src: string) => ((v: Value) => Value) | undefined;
  /** The predicate validator `src` denotes, or undefined if unknown. */
  readonly validator: (src: string) => ((v: Value) => boolean) | undefined;
}

/** A function that fails with `error` whenever it is called (code every kernel refuses). */
function failing(error: CodeError): () => never {
  return () => {
    throw error;
  };
}

/**
 * The operation level's own interpreter: code means what `spec/OpCode.ts` says (its pure subset;
 * source that is not one EDN form fails with `bad-input`; anything else is unknown).
 */
export const OPCODE_INTERPRETER: OpInterpreter = {
  fn: (src) => {
    const c = compileOpCode(src);
    return c.kind === 'fn' ? c.fn.call : c.kind === 'bad-input' ? failing(new CodeError('bad-input', c.message)) : undefined;
  },
  validator: (src) => {
    const c = compileOpCode(src);
    return c.kind === 'fn' ? (v) => truthy(c.fn.call(v)) : c.kind === 'bad-input' ? failing(new CodeError('bad-input', c.message)) : undefined;
  },
};

/**
 * Whether the spec kernel judges `op`: an operation it implements (or one no kernel knows, which
 * every kernel refuses alike) whose code, if any, {@link OPCODE_INTERPRETER} knows. The fuzzer
 * gives a case to the spec kernel only when it accepts every operation of the case.
 */
export function specAccepts(op: { readonly op: string; readonly [field: string]: unknown }): boolean {
  if (!KNOWN_OPS.has(op.op)) return true;
  if (!SPEC_KERNEL_OPS.has(op.op as OpName)) return false;
  if (op.op === 'swap' || op.op === 'swapVals') return compileOpCode(op.fn).kind !== 'not-modelled';
  if (op.op === 'setValidator') return op.fn === null || compileOpCode(op.fn).kind !== 'not-modelled';
  return true;
}

/** The op needs code the {@link OpInterpreter} does not know (or no interpreter was given). */
export class NotModelled extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'NotModelled';
  }
}

/** The spec state over spec values. */
export type SpecKernelState = KernelState<Value>;

/** One op in the spec: the outcome, the next state (`s` itself on a stutter) and the action's name. */
export interface SpecOpStep {
  /** The expected outcome (messages are for humans and never compared). */
  readonly outcome: Outcome;
  /** The next state. */
  readonly next: SpecKernelState;
  /** The Kernel.tla action name, or `Stutter` when nothing changed. */
  readonly action: string;
}

/** The initial spec state: process 0 alone, no atoms. */
export function specKernelInit(): SpecKernelState {
  return initState<Value>(0);
}

/**
 * The value domain of the operation level: structural equality; validators are source text.
 * A validator that fails ({@link CodeError}) rejects the value when `foreignValidator` is set
 * (it runs for another process than the writer, ADR 0024); otherwise its failure is the
 * operation's (raised inside {@link specOpStep}, which ends the operation with that error kind).
 */
export function valueDomain(interp?: OpInterpreter, foreignValidator = false): ValueDomain<Value> {
  return {
    equals,
    compare,
    accepts: (validator, v) => {
      const check = typeof validator === 'string' ? interp?.validator(validator) : undefined;
      if (check === undefined) throw new NotModelled(`validator not interpretable: ${String(validator)}`);
      try {
        return check(v);
      } catch (e) {
        if (!(e instanceof CodeError)) throw e;
        if (foreignValidator) return false;
        return refuse(e.kind, `validator failed: ${e.message}`);
      }
    },
  };
}

/** Operations that write an atom (and so run its validator). */
const WRITES: ReadonlySet<string> = new Set<OpName>(['reset', 'resetVals', 'cas', 'compareAndSet', 'swap', 'swapVals']);

/** Raised inside {@link specOpStep} to end an op with an error outcome. */
class Refused extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
  }
}

function refuse(kind: ErrorKind, message: string): never {
  throw new Refused(kind, message);
}

/** An operation's EDN argument, or the operation refused (spec/OpInput.ts). */
function parse(text: unknown, what: string): Value {
  try {
    return readOpArgument(text, what);
  } catch (e) {
    return refuse((e as KernelError).kind, (e as KernelError).message);
  }
}

/** The successor of a generic action, or the op's error. */
function take(r: KResult<Value>, op: Op): SpecKernelState {
  if (isRefusal(r)) refuse(r.refused, `${op.op}: ${r.refused}`);
  return r;
}

function needRef(ref: unknown): number {
  if (!isNat(ref)) refuse('bad-input', `ref must be a non-negative integer, got ${JSON.stringify(ref)}`);
  return ref;
}

function code<T>(f: ((src: string) => T | undefined) | undefined, src: string): T {
  const x = f?.(src);
  if (x === undefined) throw new NotModelled(`code not interpretable: ${src}`);
  return x;
}

/**
 * The spec's step for `op` from `s`: one Kernel.tla action, or a refusal (a stutter with an
 * error outcome). Throws {@link NotModelled} when the op runs code `interp` does not know, or
 * runs programs (`load`, `step`, `run`). `actions` are the mirror's unless a seeded bug is on
 * (spec/SpecMutants.ts).
 */
export function specOpStep(s: SpecKernelState, op: Op, interp: OpInterpreter | undefined = OPCODE_INTERPRETER, actions: SpecActions = SPEC_ACTIONS): SpecOpStep {
  // the actions this step runs (they shadow the imports of the same names): the mirror's, or a mutant's
  const { NewAtom, Deref, CAS, Reset, CompareAndSet, Swap, SetValidator, AddWatch, RemoveWatch, Share, Fork, Spawn, Exit, Hold, Drop, resetValsAnswer } = actions;
  let d = valueDomain(interp);
  const done = (value: string, next: SpecKernelState, action: string): SpecOpStep => ({ outcome: ok(value), next, action: next === s ? 'Stutter' : action });
  try {
    if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op: unknown }).op as string)) {
      refuse('bad-input', `unknown operation ${JSON.stringify((op as { op?: unknown } | null)?.op)}`);
    }
    if (op.op === 'gc' || op.op === 'gcStep') return done('nil', s, 'Stutter'); // collection never changes what a process observes
    if (op.op === 'load' || op.op === 'step' || op.op === 'run') throw new NotModelled(`${op.op} runs programs`);
    if (!isNat(op.pid)) refuse('bad-input', `pid must be a non-negative integer, got ${JSON.stringify(op.pid)}`);
    const p = procOf(s, op.pid);
    if (isRefusal(p)) refuse('no-such-process', `no live process ${op.pid}`);
    if (WRITES.has(op.op)) {
      // a validator another process installed runs for its owner: its failure rejects the write (ADR 0024)
      const a = p.table.get((op as { ref: number }).ref);
      const owner = a === undefined ? -1 : (s.atoms[a]!.validatorOwner ?? -1);
      if (owner !== -1 && owner !== op.pid) d = valueDomain(interp, true);
    }
    switch (op.op) {
      case 'spawn':
        return done(String(s.nextPid), take(Spawn(s, op.pid), op), 'Spawn'); // @see Kernel.tla Spawn
      case 'fork':
        return done(String(s.nextPid), take(Fork(s, op.pid), op), 'Fork'); // @see Kernel.tla Fork
      case 'exit':
        return done('nil', take(Exit(s, op.pid), op), 'Exit'); // @see Kernel.tla Exit
      case 'atom': {
        const v = parse(op.value, 'value');
        return done(printEdn(new AtomRef(s.nextRef)), take(NewAtom(s, op.pid, v), op), 'NewAtom'); // @see Kernel.tla NewAtom
      }
      case 'deref': {
        const next = take(Deref(s, op.pid, needRef(op.ref)), op); // @see Kernel.tla Deref
        const a = next.atoms[next.procs.get(op.pid)!.table.get(op.ref)!]!;
        return done(`[${printEdn(a.value)} ${a.stamp}]`, next, 'Deref');
      }
      case 'reset': {
        const v = parse(op.value, 'value');
        return done(printEdn(v), take(Reset(d, s, op.pid, needRef(op.ref), v), op), 'Reset'); // @see Kernel.tla Reset
      }
      case 'resetVals': {
        const v = parse(op.value, 'value');
        const next = take(Reset(d, s, op.pid, needRef(op.ref), v), op); // @see Kernel.tla Reset
        const old = s.atoms[p.table.get(op.ref)!]!.value;
        return done(printEdn(resetValsAnswer(old, v)), next, 'Reset');
      }
      case 'cas': {
        const v = parse(op.value, 'value');
        const r = CAS(d, s, op.pid, needRef(op.ref), isNat(op.stamp) ? op.stamp : -1, v); // @see Kernel.tla CAS
        if (isRefusal(r) && r.refused === 'stale-stamp' && !isNat(op.stamp)) refuse('bad-input', 'stamp must be a non-negative integer');
        const next = take(r, op);
        return done(String(next.atoms[p.table.get(op.ref)!]!.stamp), next, 'CAS');
      }
      case 'compareAndSet': {
        const expected = parse(op.expected, 'expected');
        const v = parse(op.value, 'value');
        const next = take(CompareAndSet(d, s, op.pid, needRef(op.ref), expected, v), op); // @see Kernel.tla Write
        return done(next === s ? 'false' : 'true', next, 'CompareAndSet');
      }
      case 'swap':
      case 'swapVals': {
        const ref = needRef(op.ref);
        const r0 = Deref(s, op.pid, ref);
        if (isRefusal(r0)) take(r0, op);
        const code0 = code(interp?.fn, op.fn);
        const f = (v: Value): Value => {
          try {
            return code0(v);
          } catch (e) {
            if (e instanceof CodeError) refuse(e.kind, `${op.op}: ${e.message}`); // the caller's own function failed
            throw e;
          }
        };
        const old = s.atoms[p.table.get(ref)!]!.value;
        const next = take(Swap(d, s, op.pid, ref, f), op); // @see Atoms.tla SwapRead, SwapCommit
        const v = next.atoms[p.table.get(ref)!]!.value;
        return done(printEdn(op.op === 'swap' ? v : new Vector([old, v])), next, 'Swap');
      }
      case 'setValidator': {
        const ref = needRef(op.ref);
        const r0 = Deref(s, op.pid, ref);
        if (isRefusal(r0)) take(r0, op);
        if (op.fn !== null) code(interp?.validator, op.fn);
        return done('nil', take(SetValidator(d, s, op.pid, ref, op.fn), op), 'SetValidator');
      }
      case 'addWatch': {
        const key = parse(op.key, 'key');
        return done('nil', take(AddWatch(d, s, op.pid, needRef(op.ref), key), op), 'AddWatch');
      }
      case 'removeWatch': {
        const key = parse(op.key, 'key');
        return done('nil', take(RemoveWatch(d, s, op.pid, needRef(op.ref), key), op), 'RemoveWatch');
      }
      case 'share': {
        // @see Kernel.tla Share: the target gets the lowest ref it already has for the atom, or a fresh one.
        const ref = needRef(op.ref);
        const r = Share(s, op.pid, ref, isNat(op.to) ? op.to : -1);
        if (isRefusal(r) && r.refused === 'no-such-process' && !isNat(op.to)) refuse('bad-input', `pid must be a non-negative integer, got ${JSON.stringify(op.to)}`);
        const next = take(r, op);
        return done(printEdn(new AtomRef(sharedRef(next, op.to, p.table.get(ref)!)!)), next, 'Share');
      }
      case 'hold': {
        // Registers are roots (Kernel.tla Alloc/LoadEnd hold, Drop clears); observed by register number.
        if (!isNat(op.reg)) refuse('bad-input', `reg must be a non-negative integer`);
        if (op.value === null) return done('nil', take(Drop(s, op.pid, op.reg), op), 'Drop');
        return done('nil', take(Hold(s, op.pid, op.reg, parse(op.value, 'value')), op), 'Hold');
      }
    }
  } catch (e) {
    if (e instanceof Refused) return { outcome: fail(e.kind, e.message), next: s, action: 'Stutter' };
    throw e;
  }
}

/** A watch record as the watching process's output line: `[key old new]`. */
export function watchLine(w: { readonly key: Value; readonly old: Value; readonly new: Value }): string {
  return printEdn(new Vector([w.key, w.old, w.new]));
}

/** The observation of a spec state: live processes by pid, their atoms by ref, their registers by number. */
export function observeSpecState(s: SpecKernelState): Observation {
  return {
    processes: [...s.procs.keys()].sort((a, b) => a - b).map((pid: Pid) => {
      const p = s.procs.get(pid)!;
      return {
        pid,
        atoms: [...p.table.keys()].sort((a, b) => a - b).map((ref) => {
          const a = s.atoms[p.table.get(ref)!]!;
          return { ref, value: printEdn(a.value), stamp: a.stamp };
        }),
        output: p.output.map(watchLine),
        registers: [...p.regs.keys()].sort((a, b) => a - b).map((reg) => ({ reg, value: printEdn(p.regs.get(reg)!) })),
      };
    }),
  };
}

/**
 * Creates a spec kernel with pid 0 alive and no atoms.
 * Memory, fuel and stack quotas are not modelled (the spec never runs out of them); the process
 * bounds are, as they are exact: a `spawn` operation starts a new tree, a `fork` joins the
 * forker's, and one more live process than `treeProcesses` (per tree) or `maxProcesses` is
 * `process-limit` (docs/adr/0024-authority-and-resource-accounting.md). `mutants` switches on
 * seeded bugs of the mirror by name ({@link SPEC_MUTANTS}); none by default.
 * @see Capabilities.tla TreeBound
 */
export function createSpecKernel(options: { readonly quotas?: Partial<Quotas>; readonly mutants?: readonly string[] } = {}): Kernel {
  let state = specKernelInit();
  const actions = specActions(options.mutants);
  const limits = { ...DEFAULT_QUOTAS, ...options.quotas };
  /** The root of each process's tree. */
  const treeOf = new Map<Pid, Pid>([[0, 0]]);
  /** How many times each Kernel.tla action was taken (for {@link Kernel.stats}). */
  const taken = new Map<string, number>();
  return {
    name: 'spec',
    supports: SPEC_KERNEL_OPS,
    apply(op: Op): Outcome {
      if (op !== null && typeof op === 'object' && KNOWN_OPS.has((op as { op: unknown }).op as string) && !SPEC_KERNEL_OPS.has(op.op)) {
        return fail('unsupported', `the spec kernel does not implement ${op.op}`);
      }
      if (op !== null && typeof op === 'object' && (op.op === 'spawn' || op.op === 'fork') && state.procs.has(op.pid)) {
        const tree = op.op === 'spawn' ? state.nextPid : treeOf.get(op.pid)!;
        const live = [...state.procs.keys()];
        if (live.length >= limits.maxProcesses) return fail('process-limit', `the kernel already runs ${live.length} processes (maxProcesses ${limits.maxProcesses})`);
        const inTree = live.filter((q) => treeOf.get(q) === tree).length;
        if (inTree >= limits.treeProcesses) return fail('process-limit', `the tree of process ${op.pid} already has ${inTree} live processes (treeProcesses ${limits.treeProcesses})`);
        treeOf.set(state.nextPid, tree);
      }
      let step: SpecOpStep;
      try {
        step = specOpStep(state, op, undefined, actions);
      } catch (e) {
        if (e instanceof NotModelled) return fail('unsupported', `the spec kernel does not model this code: ${e.message}`);
        throw e;
      }
      state = step.next;
      taken.set(step.action, (taken.get(step.action) ?? 0) + 1);
      return step.outcome;
    },
    observe(): Observation {
      return observeSpecState(state);
    },
    stats(): KernelStats {
      return { forks: taken.get('Fork') ?? 0, spawns: taken.get('Spawn') ?? 0 };
    },
  };
}
