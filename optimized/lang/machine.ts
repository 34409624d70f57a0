/**
 * Tier 0 of the optimized kernel's language: an interpreter over the resolved tree of
 * `front.ts`, written as a machine whose continuation is a linked list of immutable frames, so
 * that a process can stop after any kernel call (a scheduling point) and resume later, and `fork`
 * can hand the child the same continuation. Activations (the slots of a running function) are
 * the only mutable part; `fork` copies the activations the continuation reaches
 * ({@link copyState}): O(stack), never O(heap).
 *
 * Closures that become hot are run by tier 1 (compiled JavaScript, see `optimized/jit/tier1.ts`)
 * when the kernel enables it; compiled code that reaches a kernel call throws {@link DEOPT} and
 * the call is re-run here from its start (nothing observable happened in between: values are
 * immutable, and fuel, depth and function identities are restored).
 * @module
 */
import type { Position } from '../../spec/codec/Edn.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import { shortText } from '../../spec/lang/errors.js';
import type { ErrorKind } from '../../spec/Kernel.js';
import { EMap, ESet, Fn, IntOverflowError, Keyword, List, Sym, Vector, type Value } from '../../spec/Values.js';
import { QuotaExceeded, Raised, errorMap } from './errors.js';
import type { Arity, Node } from './front.js';
import { seqItems, truthy } from './natives.js';
import { DEOPT, Deopt, MEMCHECK, implOf, type Act, type Closure, type Runtime } from './runtime.js';

type N<T extends Node['t']> = Extract<Node, { t: T }>;

/** A continuation frame. One comment per kind. */
export type Frame =
  /** Waiting for an `if` test. */
  | { readonly t: 'if'; readonly n: N<'if'>; readonly act: Act }
  /** Evaluating the forms of a body; `i` is the next one. */
  | { readonly t: 'do'; readonly n: N<'do'>; readonly i: number; readonly act: Act }
  /** Evaluating init `i` of a `let`/`loop`. */
  | { readonly t: 'let'; readonly n: N<'let' | 'loop'>; readonly i: number; readonly act: Act }
  /** Evaluating a call's head and arguments (`done` so far). */
  | { readonly t: 'args'; readonly n: N<'call'>; readonly done: readonly Value[]; readonly act: Act }
  /** Evaluating `recur`'s arguments. */
  | { readonly t: 'recur'; readonly n: N<'recur'>; readonly done: readonly Value[]; readonly act: Act }
  /** Evaluating a collection literal's elements. */
  | { readonly t: 'coll'; readonly n: N<'coll'>; readonly done: readonly Value[]; readonly act: Act }
  /** Evaluating `def`'s value. */
  | { readonly t: 'def'; readonly n: N<'def'> }
  /** Evaluating `throw`'s operand. */
  | { readonly t: 'throw'; readonly n: N<'throw'> }
  /** A `try` whose body runs. */
  | { readonly t: 'try'; readonly n: N<'try'>; readonly act: Act }
  /** A closure call in progress (counts towards the call depth). */
  | { readonly t: 'call'; readonly fn: Fn };

/** The continuation: frames, innermost first; `depth` counts `call` frames. */
export type Kont = { readonly f: Frame; readonly next: Kont; readonly depth: number } | null;

/** A machine state (what a suspended process holds). */
export type MState =
  /** Evaluate `n` in `act`, then continue with `k`. */
  | { readonly m: 'eval'; readonly n: Node; readonly act: Act; readonly k: Kont }
  /** Return `v` to `k`. */
  | { readonly m: 'ret'; readonly v: Value; readonly k: Kont }
  /** Apply `fn` to `args` (also how a blocked kernel call is retried). */
  | { readonly m: 'apply'; readonly fn: Value; readonly args: readonly Value[]; readonly k: Kont; readonly pos: Position | null }
  /** Unwind `k` to the nearest `try` with `err`. */
  | { readonly m: 'raise'; readonly err: Value; readonly msg: string; readonly k: Kont; readonly pos: Position | null }
  /** Finished with `v`. */
  | { readonly m: 'halt'; readonly v: Value }
  /** Ended by an uncaught error. */
  | { readonly m: 'failed'; readonly kind: ErrorKind; readonly msg: string; readonly err: Value };

/** What a kernel call did. */
export type KernelResult =
  /** Done with `value`; `yields` when it is a scheduling point. */
  | { readonly value: Value; readonly yields: boolean; readonly halt?: boolean }
  /** Must wait (join on a running process): the call is retried when the process runs again. */
  | { readonly blocked: true };

/** What the machine needs from the kernel for one run. */
export interface ExecHost {
  /** Performs a kernel call; `k` is the continuation after it (fork hands it to the child). */
  kernelCall(name: string, args: readonly Value[], k: Kont): KernelResult;
  /** `def`: swaps the namespace (a scheduling point). */
  define(sym: Sym, v: Value): void;
  /** Tier 1: compiled code for an arity that is hot, or null to interpret it. */
  compiled(fn: Fn, arity: Arity): CompiledArity | null;
  /** Measures what the program holds (`state`); throws `out-of-memory` over the quota. */
  memoryCheck(state: MState): void;
}

/** Compiled code: runs a whole call of `arity` of closure `fn` (throws {@link DEOPT} to fall back). */
export type CompiledArity = (fn: Fn, arity: Arity, args: readonly Value[]) => Value;

/** How a run ended. */
export interface RunResult {
  /** The state to resume from (or the final one). */
  readonly state: MState;
  /** The run stopped after a scheduling point. */
  readonly yielded: boolean;
  /** The run stopped because a kernel call must wait. */
  readonly blocked: boolean;
}

/** Error kinds a `try` catches (resource exhaustion cannot be caught). */
const CATCHABLE: ReadonlySet<string> = new Set(['capability-denied', 'stale-stamp', 'validator-rejected', 'no-such-process', 'no-such-atom', 'process-limit', 'program-error', 'bad-input', 'unsupported']);

/** The state that evaluates a program's `main` arity. */
export function programState(main: Arity): MState {
  return { m: 'eval', n: main.body, act: { slots: new Array<Value>(main.slots).fill(null), caps: [], fn: null, arity: main }, k: null };
}

/** The state that applies `fn` to `args` and halts with the result. */
export function callState(fn: Value, args: readonly Value[]): MState {
  return { m: 'apply', fn, args, k: null, pos: null };
}

/** Whether `s` is final. */
export function finished(s: MState): s is Extract<MState, { m: 'halt' | 'failed' }> {
  return s.m === 'halt' || s.m === 'failed';
}

function push(k: Kont, f: Frame): Kont {
  return { f, next: k, depth: (k === null ? 0 : k.depth) + (f.t === 'call' ? 1 : 0) };
}

function where(pos: Position | null): string {
  return pos === null ? '' : ` (at line ${pos.line}, column ${pos.column})`;
}

/** Picks the arity of closure `c` for `n` arguments (exact first, then variadic). */
export function selectArity(fn: Fn, c: Closure, n: number): Arity {
  const as = c.lambda.arities;
  for (const a of as) if (!a.rest && a.params === n) return a;
  for (const a of as) if (a.rest && a.params <= n) return a;
  throw new Raised('program-error', `wrong number of arguments (${n}) passed to ${fn.name ?? 'fn'}`);
}

/** A new activation of `arity` of closure `fn` with `args` bound. */
export function activation(fn: Fn, c: Closure, arity: Arity, args: readonly Value[]): Act {
  const slots = new Array<Value>(arity.slots).fill(null);
  for (let i = 0; i < arity.params; i++) slots[i] = args[i] ?? null;
  if (arity.rest) slots[arity.params] = args.length > arity.params ? new List(args.slice(arity.params)) : null;
  if (arity.selfSlot >= 0) slots[arity.selfSlot] = fn;
  return { slots, caps: c.caps, fn, arity };
}

/** The captures a closure created by `n` in `act` holds. */
export function captureValues(n: N<'fn'>, act: Act): Value[] {
  return n.lambda.captures.map((c) => (c.from === 'local' ? act.slots[c.index]! : act.caps[c.index]!));
}

/** Builds a collection literal from its evaluated elements. */
export function buildColl(of: 'vector' | 'set' | 'map', items: Value[]): Value {
  if (of === 'vector') return Vector.adopt(items);
  if (of === 'set') return ESet.from(items);
  const pairs: [Value, Value][] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  return EMap.from(pairs);
}

/** Applies a keyword, map, set or vector used as a function (Clojure style); undefined if `fn` is none of those. */
export function applyData(fn: Value, args: readonly Value[]): Value | undefined {
  if (fn instanceof Keyword || fn instanceof EMap || fn instanceof ESet) {
    if (args.length < 1 || args.length > 2) throw new Raised('program-error', `wrong number of arguments (${args.length}) passed to ${printEdn(fn)}`);
    const coll = fn instanceof Keyword ? args[0]! : fn;
    const key = fn instanceof Keyword ? fn : args[0]!;
    const dflt = args[1] ?? null;
    if (coll instanceof EMap) return coll.has(key) ? coll.get(key)! : dflt;
    if (coll instanceof ESet) return coll.has(key) ? key : dflt;
    return dflt;
  }
  if (fn instanceof Vector) {
    const i = args[0];
    if (args.length !== 1 || typeof i !== 'bigint' || i < 0n || i >= BigInt(fn.items.length)) throw new Raised('program-error', `vector index ${args[0] === undefined ? '' : printEdn(args[0])} out of bounds`);
    return fn.items[Number(i)]!;
  }
  return undefined;
}

/** `(apply f a b coll)` → `f` and its arguments `[a b …coll]`; spreading n arguments costs ⌊n/16⌋ of `rt`'s fuel. */
export function spreadApply(args: readonly Value[], rt: Runtime): [Value, Value[]] {
  if (args.length < 2) throw new Raised('program-error', 'apply: expected (apply f args… coll)');
  const spread = [...args.slice(1, -1), ...seqItems(args[args.length - 1]!, 'apply')];
  rt.chargeReading(spread.length);
  return [args[0]!, spread];
}

/** Number of elements a call (head and arguments), recur or collection literal evaluates. */
function elementCount(n: N<'call' | 'recur' | 'coll'>): number {
  return n.t === 'call' ? n.args.length + 1 : n.t === 'recur' ? n.args.length : n.items.length;
}

/** Element `i` of a call (0 = the head), recur or collection literal. */
function elementAt(n: N<'call' | 'recur' | 'coll'>, i: number): Node {
  return n.t === 'call' ? (i === 0 ? n.fn : n.args[i - 1]!) : n.t === 'recur' ? n.args[i]! : n.items[i]!;
}

/** The error for applying something that is not a function. */
export function notAFunction(fn: Value): Raised {
  return new Raised('program-error', `not a function: ${shortText(fn)}`);
}

/** The caught value and message for a JS error raised by a step, or null if it must propagate. */
function catchable(e: unknown): { err: Value; msg: string } | null {
  if (e instanceof Raised) return { err: e.value, msg: e.message };
  if (e instanceof QuotaExceeded || e instanceof Deopt) return null;
  if (e instanceof KernelError) {
    if (CATCHABLE.has(e.kind)) return { err: errorMap(e.kind, e.message), msg: e.message };
    return null;
  }
  // Integer overflow, and a host limit a built-in hit on a huge or deep value (e.g. "Invalid array
  // length", "Maximum call stack size exceeded" in a deep comparison): a program error, as in the
  // reference. (Compiled code's own RangeErrors never get here: the call falls back first.)
  if (e instanceof RangeError) return { err: errorMap('program-error', e.message), msg: e.message };
  return null;
}

/** A quick value for trivial nodes (constants, locals, captures, bound globals), else undefined. */
function quick(n: Node, act: Act, rt: Runtime): Value | undefined {
  switch (n.t) {
    case 'const':
      return n.v;
    case 'local':
      return act.slots[n.slot];
    case 'cap':
      return act.caps[n.i];
    case 'global':
      return rt.host.global(n.sym);
    default:
      return undefined;
  }
}

/**
 * Runs the machine from `s` until it finishes, blocks, or (unless `atomic`) passes a scheduling
 * point. Charges one unit of fuel per step. Quota errors propagate as {@link QuotaExceeded}.
 */
export function run(s: MState, rt: Runtime, host: ExecHost, atomic: boolean): RunResult {
  // 'seq': evaluating the elements `seqDone` onwards of `seqN` (a call, recur or literal).
  let mode: MState['m'] | 'seq' = s.m;
  let seqN: N<'call' | 'recur' | 'coll'> = null as unknown as N<'call'>;
  let seqDone: Value[] = [];
  let node: Node = null as unknown as Node;
  let act: Act = null as unknown as Act;
  let val: Value = null;
  let k: Kont = null;
  let fnv: Value = null;
  let args: readonly Value[] = [];
  let pos: Position | null = null;
  let errMsg = '';
  switch (s.m) {
    case 'eval':
      node = s.n;
      act = s.act;
      k = s.k;
      break;
    case 'ret':
      val = s.v;
      k = s.k;
      break;
    case 'apply':
      fnv = s.fn;
      args = s.args;
      k = s.k;
      pos = s.pos;
      break;
    case 'raise':
      val = s.err;
      errMsg = s.msg;
      k = s.k;
      pos = s.pos;
      break;
    default:
      return { state: s, yielded: false, blocked: false };
  }
  const maxDepth = rt.host.maxDepth;
  const hotDeploy = rt.host.mutant('hot-deploy-replaces-running');
  let yielded = false;
  for (;;) {
    if (yielded && !atomic) return { state: { m: 'ret', v: val, k }, yielded: true, blocked: false };
    yielded = false;
    if (--rt.fuel < 0) rt.outOfFuel();
    if (rt.allocated > rt.nextCheck) {
      host.memoryCheck(mode === 'eval' ? { m: 'eval', n: node, act, k } : mode === 'apply' ? { m: 'apply', fn: fnv, args, k, pos } : { m: 'ret', v: val, k });
    }
    try {
      switch (mode) {
        case 'eval': {
          const n = node;
          switch (n.t) {
            case 'const':
              val = n.v;
              mode = 'ret';
              break;
            case 'local':
              val = act.slots[n.slot]!;
              mode = 'ret';
              break;
            case 'cap':
              val = act.caps[n.i]!;
              mode = 'ret';
              break;
            case 'global': {
              const g = rt.host.global(n.sym);
              if (g === undefined) throw new Raised('program-error', `unable to resolve symbol: ${n.sym.fullName}`);
              val = g;
              mode = 'ret';
              break;
            }
            case 'if':
              k = push(k, { t: 'if', n, act });
              node = n.test;
              break;
            case 'do':
              k = push(k, { t: 'do', n, i: 1, act });
              node = n.body[0]!;
              break;
            case 'let':
            case 'loop':
              if (n.inits.length === 0) node = n.body;
              else {
                k = push(k, { t: 'let', n, i: 0, act });
                node = n.inits[0]!;
              }
              break;
            case 'fn':
              val = rt.closure(n.lambda, captureValues(n, act));
              mode = 'ret';
              break;
            case 'call':
            case 'recur':
            case 'coll':
              seqN = n;
              seqDone = [];
              mode = 'seq';
              break;
            case 'def':
              if (n.value === null) {
                host.define(n.sym, null);
                val = n.sym;
                mode = 'ret';
                yielded = true;
              } else {
                k = push(k, { t: 'def', n });
                node = n.value;
              }
              break;
            case 'throw':
              k = push(k, { t: 'throw', n });
              node = n.value;
              break;
            case 'try':
              k = push(k, { t: 'try', n, act });
              node = n.body;
              break;
            case 'fail':
              pos = n.pos;
              throw new Raised('program-error', n.message);
          }
          break;
        }
        case 'ret': {
          if (k === null) return { state: { m: 'halt', v: val }, yielded: false, blocked: false };
          const f = k.f;
          const up = k.next;
          switch (f.t) {
            case 'if':
              k = up;
              act = f.act;
              node = truthy(val) ? f.n.then : f.n.else;
              mode = 'eval';
              break;
            case 'do':
              act = f.act;
              node = f.n.body[f.i]!;
              k = f.i + 1 < f.n.body.length ? push(up, { t: 'do', n: f.n, i: f.i + 1, act }) : up;
              mode = 'eval';
              break;
            case 'let': {
              act = f.act;
              act.slots[f.n.slots[f.i]!] = val;
              if (f.i + 1 < f.n.inits.length) {
                k = push(up, { t: 'let', n: f.n, i: f.i + 1, act });
                node = f.n.inits[f.i + 1]!;
              } else {
                k = up;
                node = f.n.body;
              }
              mode = 'eval';
              break;
            }
            case 'call':
            case 'try':
              k = up;
              break;
            case 'args':
            case 'recur':
            case 'coll':
              act = f.act;
              seqN = f.n;
              seqDone = [...f.done, val];
              k = up;
              mode = 'seq';
              break;
            case 'def':
              k = up;
              host.define(f.n.sym, val);
              val = f.n.sym;
              yielded = true;
              break;
            case 'throw':
              k = up;
              pos = f.n.pos;
              errMsg = `uncaught exception: ${printEdn(val)}`;
              mode = 'raise';
              break;
          }
          break;
        }
        case 'seq': {
          // The elements of a call, recur or collection literal, left to right: trivial ones are
          // evaluated on the spot, the first other one gets a frame; then apply, recur or build.
          const n = seqN;
          const done = seqDone;
          const total = elementCount(n);
          let i = done.length;
          for (; i < total; i++) {
            const q = quick(elementAt(n, i), act, rt);
            if (q === undefined) break;
            done.push(q);
          }
          if (i < total) {
            k = push(k, n.t === 'call' ? { t: 'args', n, done, act } : n.t === 'recur' ? { t: 'recur', n, done, act } : { t: 'coll', n, done, act });
            node = elementAt(n, i);
            mode = 'eval';
          } else if (n.t === 'call') {
            fnv = done[0]!;
            args = done.slice(1);
            pos = n.pos;
            mode = 'apply';
          } else if (n.t === 'coll') {
            val = buildColl(n.of, done);
            mode = 'ret';
          } else {
            act = recurTo(n, done, act, hotDeploy, rt);
            node = n.loop === null ? act.arity.body : n.loop.body;
            mode = 'eval';
          }
          break;
        }
        case 'apply': {
          const fn = fnv;
          if (fn instanceof Fn) {
            const impl = implOf(fn);
            if (impl.kind === 'closure') {
              const arity = selectArity(fn, impl, args.length);
              const depth = (k === null ? 0 : k.depth) + 1;
              if (depth > maxDepth) rt.tooDeep(fn.name);
              const code = host.compiled(fn, arity);
              if (code !== null) {
                const mark = rt.save();
                rt.depth = depth;
                rt.inCompiled++;
                try {
                  val = code(fn, arity, args);
                  rt.depth = mark.depth;
                  mode = 'ret';
                  break;
                } catch (e) {
                  // Fall back: re-run the whole call here (nothing observable happened meanwhile).
                  if (e === DEOPT || e === MEMCHECK || (e instanceof RangeError && !(e instanceof IntOverflowError))) {
                    rt.restore(mark);
                    if (e !== MEMCHECK) arity.jit.deopts++;
                  } else {
                    rt.depth = mark.depth;
                    throw e;
                  }
                } finally {
                  rt.inCompiled--;
                }
              }
              act = activation(fn, impl, arity, args);
              k = push(k, { t: 'call', fn });
              node = arity.body;
              mode = 'eval';
            } else if (impl.kind === 'native') {
              val = impl.fn(args);
              mode = 'ret';
            } else if (impl.kind === 'kernel') {
              const r = host.kernelCall(impl.name, args, k);
              if ('blocked' in r) return { state: { m: 'apply', fn, args, k, pos }, yielded: true, blocked: true };
              val = r.value;
              if (r.halt === true) return { state: { m: 'halt', v: val }, yielded: true, blocked: false };
              yielded = r.yields;
              mode = 'ret';
            } else [fnv, args] = spreadApply(args, rt);
            break;
          }
          const d = applyData(fn, args);
          if (d === undefined) throw notAFunction(fn);
          val = d;
          mode = 'ret';
          break;
        }
        case 'raise': {
          let handled = false;
          for (let f = k; f !== null; f = f.next) {
            if (f.f.t !== 'try') continue;
            const t = f.f;
            k = f.next;
            if (t.n.handler === null) {
              val = null;
              mode = 'ret';
            } else {
              act = t.act;
              act.slots[t.n.slot] = val;
              node = t.n.handler;
              mode = 'eval';
            }
            handled = true;
            break;
          }
          if (!handled) {
            let kind: ErrorKind = 'program-error';
            if (val instanceof EMap) {
              const ek = val.get(Keyword.of('error'));
              if (ek instanceof Keyword && CATCHABLE.has(ek.name)) kind = ek.name as ErrorKind;
            }
            return { state: { m: 'failed', kind, msg: errMsg + where(pos), err: val }, yielded: false, blocked: false };
          }
          break;
        }
        default:
          throw new Error(`machine: bad mode ${mode}`);
      }
    } catch (e) {
      const c = catchable(e);
      if (c === null) throw e;
      val = c.err;
      errMsg = c.msg;
      if (mode === 'eval' && node !== null && 'pos' in node && node.pos !== null) pos = node.pos;
      mode = 'raise';
    }
  }
}

/** Performs a `recur` with `args` from `act`: rebinds the loop's slots, or re-enters the function; returns the activation to continue in. */
function recurTo(n: N<'recur'>, args: readonly Value[], act: Act, hotDeploy: boolean, rt: Runtime): Act {
  if (n.bad) throw new Raised('program-error', 'recur must be in tail position of a loop or fn (and not across try)');
  if (n.loop !== null) {
    if (args.length !== n.loop.slots.length) throw new Raised('program-error', `recur: expected ${n.loop.slots.length} arguments, got ${args.length}`);
    for (let i = 0; i < args.length; i++) act.slots[n.loop.slots[i]!] = args[i]!;
    return act;
  }
  let fn = act.fn!;
  // Seeded bug: a running function jumps into the newest definition of its name.
  if (hotDeploy && fn.name !== null) {
    const newest = rt.host.global(Sym.of(fn.name));
    if (newest instanceof Fn && newest !== fn && implOf(newest).kind === 'closure') fn = newest;
  }
  const c = implOf(fn) as Closure;
  const arity = fn === act.fn ? act.arity : selectArity(fn, c, args.length);
  if (args.length < arity.params || (!arity.rest && args.length !== arity.params)) throw new Raised('program-error', `recur: expected ${arity.params} arguments, got ${args.length}`);
  return activation(fn, c, arity, args);
}

/**
 * A copy of `s` whose activations are copies (for `fork`: parent and child must not share the
 * slots their `let`s and `recur`s write). Frames are rebuilt; values are shared, never copied.
 */
export function copyState(s: MState): MState {
  const acts = new Map<Act, Act>();
  const cp = (a: Act): Act => {
    let c = acts.get(a);
    if (c === undefined) acts.set(a, (c = { slots: a.slots.slice(), caps: a.caps, fn: a.fn, arity: a.arity }));
    return c;
  };
  const copyK = (k: Kont): Kont => {
    const frames: Frame[] = [];
    for (let f = k; f !== null; f = f.next) frames.push(f.f);
    let out: Kont = null;
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      out = push(out, 'act' in f ? ({ ...f, act: cp(f.act) } as Frame) : f);
    }
    return out;
  };
  switch (s.m) {
    case 'eval':
      return { ...s, act: cp(s.act), k: copyK(s.k) };
    case 'ret':
    case 'apply':
    case 'raise':
      return { ...s, k: copyK(s.k) };
    default:
      return s;
  }
}

/** Every value a state holds (for tests and debugging). */
export function* stateValues(s: MState): Generator<Value> {
  if (s.m === 'halt') return yield s.v;
  if (s.m === 'failed') return yield s.err;
  if (s.m === 'ret') yield s.v;
  if (s.m === 'apply') yield* [s.fn, ...s.args];
  if (s.m === 'raise') yield s.err;
  if (s.m === 'eval') yield* s.act.slots;
  for (let f = s.k; f !== null; f = f.next) {
    if ('act' in f.f) yield* f.f.act.slots;
    if ('done' in f.f) yield* f.f.done;
  }
}
