/**
 * A small, self-contained TS "spec step function" for the operation level of ADR 0003, written
 * for trace validation of the reference kernel (tests/oracles/trace.ts). The TLA+ mirrors in
 * spec/ (Atoms.ts, Capabilities.ts, Fork.ts, Heap.ts, GC.ts) model finite integer worlds for
 * the model checker; this module states the same rules over real values and op records, so a
 * reference-kernel step can be checked directly: each op is one named action of this spec, or
 * a stutter (reads, failed ops, `gc`).
 *
 * Functions (swap's `fn`, validators) are drawn from a fixed menu whose meaning the spec knows
 * ({@link FN_MENU}, {@link VALIDATOR_MENU}); sequences with other code are outside this spec.
 *
 * Order of checks, as in every kernel (spec/SpecKernel.ts): acting pid, EDN arguments, atom
 * ref, for `share` the creator before the target pid, then the action.
 *
 * The state is immutable: {@link specStep} returns a new state.
 * @see Atoms.tla NewAtom, Deref, Reset, CAS, CompareAndSet, SwapRead/SwapCommit; Capabilities.tla Share;
 *      Fork.tla Spawn, Fork, Exit; Heap.tla Hold; GC.tla (collection is a stutter)
 * @module
 */
import { printEdn, readEdn } from '../../spec/Edn.js';
import type { ErrorKind, Op, Outcome, Pid, Ref } from '../../spec/Kernel.js';
import { AtomRef, Vector, compare, equals, type Value } from '../../spec/Values.js';

/** Swap functions the spec understands, by source text. */
export const FN_MENU: Readonly<Record<string, (v: Value) => Value>> = {
  '(fn [x] [x])': (x) => new Vector([x]),
  '(fn [x] 0)': () => 0n,
  '(fn [x] (if (int? x) (inc x) 1))': (x) => (typeof x === 'bigint' ? x + 1n : 1n),
};

/** Validators the spec understands, by source text. */
export const VALIDATOR_MENU: Readonly<Record<string, (v: Value) => boolean>> = {
  '(fn [x] (not= x 13))': (x) => !equals(x, 13n),
  '(fn [x] (not (vector? x)))': (x) => !(x instanceof Vector),
};

/** One atom of the abstract state. */
export interface SpecAtom {
  /** Current value. */
  readonly value: Value;
  /** 0 at creation, +1 per successful write. */
  readonly stamp: number;
  /** Creator pid. */
  readonly creator: Pid;
  /** Ever shared (monotonic). */
  readonly shared: boolean;
  /** Validator source (a key of {@link VALIDATOR_MENU}) or null. */
  readonly validator: string | null;
  /** Watches: key and watcher pid, at most one per key (by value equality). */
  readonly watches: readonly { readonly key: Value; readonly watcher: Pid }[];
}

/** One live process. */
export interface SpecProcess {
  /** ref → atom index. */
  readonly table: ReadonlyMap<Ref, number>;
  /** Registers (roots); their values are part of the abstract state. */
  readonly registers: ReadonlyMap<number, Value>;
  /** Watch records and nothing else (no programs at this level). */
  readonly output: readonly string[];
}

/** The abstract state. */
export interface SpecState {
  /** Live processes. */
  readonly procs: ReadonlyMap<Pid, SpecProcess>;
  /** Every atom ever created, by index (identity). */
  readonly atoms: readonly SpecAtom[];
  /** Next pid. */
  readonly nextPid: number;
  /** Next ref. */
  readonly nextRef: number;
}

/** What one op does in the spec: its outcome, the next state, and the action's name. */
export interface SpecStep {
  /** The expected outcome (error kinds only; messages are never compared). */
  readonly outcome: { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: ErrorKind };
  /** The next state (the same object on a stutter). */
  readonly next: SpecState;
  /** The TLA+-style action name, or `Stutter`. */
  readonly action: string;
}

/** The op is outside this spec (code not in the menus, programs). */
export class NotModelled extends Error {}

/** The initial state: process 0, no atoms. */
export function specInit(): SpecState {
  return { procs: new Map([[0, { table: new Map(), registers: new Map(), output: [] }]]), atoms: [], nextPid: 1, nextRef: 0 };
}

class Refusal extends Error {
  constructor(readonly kind: ErrorKind) {
    super(kind);
  }
}
const refuse = (kind: ErrorKind): never => {
  throw new Refusal(kind);
};

function proc(s: SpecState, pid: Pid): SpecProcess {
  return s.procs.get(pid) ?? refuse('no-such-process');
}

function lookup(s: SpecState, p: SpecProcess, ref: Ref): number {
  const a = p.table.get(ref);
  if (a !== undefined) return a;
  return ref < s.nextRef ? refuse('capability-denied') : refuse('no-such-atom');
}

function parse(text: string): Value {
  try {
    return readEdn(text);
  } catch {
    return refuse('bad-input');
  }
}

function withAtom(s: SpecState, i: number, a: SpecAtom): SpecState {
  const atoms = s.atoms.slice();
  atoms[i] = a;
  return { ...s, atoms };
}

function withProc(s: SpecState, pid: Pid, p: SpecProcess): SpecState {
  const procs = new Map(s.procs);
  procs.set(pid, p);
  return { ...s, procs };
}

/** A successful write: validator first, then value and stamp + 1, then watch records. @see Atoms.tla Write */
function write(s: SpecState, i: number, v: Value): SpecState {
  const a = s.atoms[i]!;
  if (a.validator !== null && !VALIDATOR_MENU[a.validator]!(v)) refuse('validator-rejected');
  let next = withAtom(s, i, { ...a, value: v, stamp: a.stamp + 1 });
  for (const w of [...a.watches].sort((x, y) => compare(x.key, y.key))) {
    const watcher = next.procs.get(w.watcher);
    if (watcher !== undefined) next = withProc(next, w.watcher, { ...watcher, output: [...watcher.output, printEdn(new Vector([w.key, a.value, v]))] });
  }
  return next;
}

/** The spec's step for `op` from `s`. Throws {@link NotModelled} for ops outside this spec. */
export function specStep(s: SpecState, op: Op): SpecStep {
  try {
    return act(s, op);
  } catch (e) {
    if (e instanceof Refusal) return { outcome: { ok: false, error: e.kind }, next: s, action: 'Stutter' };
    throw e;
  }
}

function okStep(value: string, next: SpecState, action: string): SpecStep {
  return { outcome: { ok: true, value }, next, action };
}

function act(s: SpecState, op: Op): SpecStep {
  switch (op.op) {
    case 'gc':
    case 'gcStep':
      return okStep('nil', s, 'Stutter');
    case 'load':
    case 'step':
    case 'run':
      throw new NotModelled(`${op.op} runs programs`);
  }
  const p = proc(s, op.pid);
  switch (op.op) {
    case 'spawn': {
      const pid = s.nextPid;
      return okStep(String(pid), { ...withProc(s, pid, { table: new Map(), registers: new Map(), output: [] }), nextPid: pid + 1 }, 'Spawn');
    }
    case 'fork': {
      // @see Fork.tla Fork: private atoms get a new identity (same value and stamp, created by the child).
      const child = s.nextPid;
      const atoms = s.atoms.slice();
      const table = new Map<Ref, number>();
      const copies = new Map<number, number>();
      for (const [ref, i] of p.table) {
        const a = s.atoms[i]!;
        if (a.shared) table.set(ref, i);
        else {
          let c = copies.get(i);
          if (c === undefined) {
            atoms.push({ ...a, creator: child, shared: false, watches: [] });
            c = atoms.length - 1;
            copies.set(i, c);
          }
          table.set(ref, c);
        }
      }
      const next = withProc({ ...s, atoms, nextPid: child + 1 }, child, { table, registers: new Map(p.registers), output: [] });
      return okStep(String(child), next, 'Fork');
    }
    case 'exit': {
      const procs = new Map(s.procs);
      procs.delete(op.pid);
      return okStep('nil', { ...s, procs }, 'Exit');
    }
    case 'atom': {
      const v = parse(op.value);
      const ref = s.nextRef;
      const atoms = [...s.atoms, { value: v, stamp: 0, creator: op.pid, shared: false, validator: null, watches: [] }];
      const table = new Map(p.table);
      table.set(ref, atoms.length - 1);
      return okStep(printEdn(new AtomRef(ref)), withProc({ ...s, atoms, nextRef: ref + 1 }, op.pid, { ...p, table }), 'NewAtom');
    }
    case 'deref': {
      const a = s.atoms[lookup(s, p, op.ref)]!;
      return okStep(`[${printEdn(a.value)} ${a.stamp}]`, s, 'Stutter');
    }
    case 'reset': {
      const v = parse(op.value);
      const i = lookup(s, p, op.ref);
      return okStep(printEdn(v), write(s, i, v), 'Reset');
    }
    case 'resetVals': {
      const v = parse(op.value);
      const i = lookup(s, p, op.ref);
      return okStep(printEdn(new Vector([s.atoms[i]!.value, v])), write(s, i, v), 'Reset');
    }
    case 'cas': {
      const v = parse(op.value);
      const i = lookup(s, p, op.ref);
      if (s.atoms[i]!.stamp !== op.stamp) refuse('stale-stamp');
      const next = write(s, i, v);
      return okStep(String(next.atoms[i]!.stamp), next, 'CAS');
    }
    case 'compareAndSet': {
      const expected = parse(op.expected);
      const v = parse(op.value);
      const i = lookup(s, p, op.ref);
      if (!equals(s.atoms[i]!.value, expected)) return okStep('false', s, 'Stutter');
      return okStep('true', write(s, i, v), 'CompareAndSet');
    }
    case 'swap':
    case 'swapVals': {
      const i = lookup(s, p, op.ref);
      const f = FN_MENU[op.fn] ?? notModelled(op.fn);
      const old = s.atoms[i]!.value;
      const v = f(old);
      // With no interleaving inside one op, SwapRead and SwapCommit happen back to back.
      return okStep(printEdn(op.op === 'swap' ? v : new Vector([old, v])), write(s, i, v), 'Swap');
    }
    case 'setValidator': {
      const i = lookup(s, p, op.ref);
      if (op.fn !== null) {
        const check = VALIDATOR_MENU[op.fn] ?? notModelled(op.fn);
        if (!check(s.atoms[i]!.value)) refuse('validator-rejected');
      }
      return okStep('nil', withAtom(s, i, { ...s.atoms[i]!, validator: op.fn }), 'SetValidator');
    }
    case 'addWatch': {
      const key = parse(op.key);
      const i = lookup(s, p, op.ref);
      const a = s.atoms[i]!;
      return okStep('nil', withAtom(s, i, { ...a, watches: [...a.watches.filter((w) => !equals(w.key, key)), { key, watcher: op.pid }] }), 'AddWatch');
    }
    case 'removeWatch': {
      const key = parse(op.key);
      const i = lookup(s, p, op.ref);
      const a = s.atoms[i]!;
      return okStep('nil', withAtom(s, i, { ...a, watches: a.watches.filter((w) => !equals(w.key, key)) }), 'RemoveWatch');
    }
    case 'share': {
      // @see Capabilities.tla Share
      const i = lookup(s, p, op.ref);
      if (s.atoms[i]!.creator !== op.pid) refuse('capability-denied');
      const target = proc(s, op.to);
      const marked = withAtom(s, i, { ...s.atoms[i]!, shared: true });
      const existing = [...target.table.entries()].filter(([, j]) => j === i).map(([r]) => r);
      if (existing.length > 0) return okStep(printEdn(new AtomRef(Math.min(...existing))), marked, 'Share');
      const ref = s.nextRef;
      const table = new Map(target.table);
      table.set(ref, i);
      return okStep(printEdn(new AtomRef(ref)), withProc({ ...marked, nextRef: ref + 1 }, op.to, { ...target, table }), 'Share');
    }
    case 'hold': {
      const registers = new Map(p.registers);
      if (op.value === null) registers.delete(op.reg);
      else registers.set(op.reg, parse(op.value));
      return okStep('nil', withProc(s, op.pid, { ...p, registers }), 'Hold');
    }
  }
}

function notModelled(src: string): never {
  throw new NotModelled(`function not in the spec's menu: ${src}`);
}

/** The outcome shape compared by trace validation: the value text, or the error kind. */
export function outcomeKey(o: Outcome | SpecStep['outcome']): string {
  return o.ok ? `ok ${o.value}` : `error ${o.error}`;
}
