/**
 * The interpreter: a small-step machine (CEK style) whose whole state — control, environment,
 * continuation — is an immutable value. One call to {@link step} is one unit of fuel; because a
 * state is never mutated, `fork` copies a continuation by sharing it, and a scheduler can stop
 * a process after any step and resume it later.
 *
 * Machine modes: `eval` a form, `ret` a value to the continuation, `apply` a function to
 * arguments, `raise` an error (unwinding to the nearest `try`), and the final `halt` / `failed`.
 * Kernel calls are delegated to the {@link Host}; they are the only scheduling points.
 * @module
 */
import type { Position } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import { printEdn } from '../../spec/codec/Edn.js';
import type { ErrorKind } from '../../spec/Kernel.js';
import { Char, EMap, ESet, Fn, IntOverflowError, Keyword, List, Sym, Vector, type Value, walkWork } from '../../spec/Values.js';
import type { Mutants } from '../mutants.js';
import { seqItems } from '../../spec/lang/builtins.js';
import { ProgramError, bind, errorValue, implOf, lookup, programError, truthy, type Arity, type Closure, type Env } from './runtime.js';
import { DERIVED_FORMS, SPECIAL_FORMS, expand, special as parseForm } from './syntax.js';

/**
 * The source form a state or frame belongs to (the innermost enclosing list form), used to name
 * a position in error messages. Positions are looked up only when an error is raised.
 */
export type Src = List | null;

/** A continuation frame: what to do with the value being computed. One comment per kind. */
export type Frame =
  /** Waiting for the test of `(if test then else)`. */
  | { readonly t: 'if'; readonly then: Value; readonly else: Value; readonly env: Env; readonly pos: Src }
  /** Evaluating the forms of a body; `i` is the next form to evaluate. */
  | { readonly t: 'do'; readonly forms: readonly Value[]; readonly i: number; readonly env: Env; readonly pos: Src }
  /** Evaluating the `i`-th init of a `let` or `loop`; `env` holds the bindings made so far. */
  | { readonly t: 'let'; readonly names: readonly Sym[]; readonly inits: readonly Value[]; readonly i: number; readonly env: Env; readonly outer: Env; readonly body: readonly Value[]; readonly loop: boolean; readonly pos: Src }
  /** A `loop` target for `recur`: rebinding `names` over `outer` and re-running `body`. */
  | { readonly t: 'loop'; readonly names: readonly Sym[]; readonly outer: Env; readonly body: readonly Value[]; readonly pos: Src }
  /** A function call in progress (counts towards stack depth); the target of a `recur` in its body. */
  | { readonly t: 'call'; readonly fn: Fn; readonly arity: Arity; readonly pos: Src }
  /** Evaluating the head and arguments of a call; `done` holds the values so far. */
  | { readonly t: 'args'; readonly done: readonly Value[]; readonly rest: readonly Value[]; readonly env: Env; readonly pos: Src }
  /** Evaluating the arguments of `recur`. */
  | { readonly t: 'recur'; readonly done: readonly Value[]; readonly rest: readonly Value[]; readonly env: Env; readonly pos: Src }
  /** Evaluating the elements of a vector, map (k1 v1 k2 v2 …) or set literal. */
  | { readonly t: 'coll'; readonly of: 'vector' | 'map' | 'set'; readonly done: readonly Value[]; readonly rest: readonly Value[]; readonly env: Env; readonly pos: Src }
  /** Evaluating the value of `(def name value)`. */
  | { readonly t: 'def'; readonly name: Sym; readonly pos: Src }
  /** A `try` whose body is running: catches with `(catch name handler…)`. */
  | { readonly t: 'try'; readonly name: Sym | null; readonly handler: readonly Value[]; readonly env: Env; readonly pos: Src }
  /** Evaluating the operand of `throw`. */
  | { readonly t: 'throw'; readonly pos: Src };

/** The continuation: a linked stack of frames; `depth` counts `call` frames (the stack depth). */
export type Kont = { readonly frame: Frame; readonly next: Kont; readonly depth: number } | null;

/** The machine state. */
export type State =
  /** Evaluate `form` in `env`, then continue with `k`. */
  | { readonly mode: 'eval'; readonly form: Value; readonly env: Env; readonly k: Kont; readonly pos: Src }
  /** Return `value` to `k`. */
  | { readonly mode: 'ret'; readonly value: Value; readonly k: Kont }
  /** Apply `fn` to `args`, then continue with `k`. */
  | { readonly mode: 'apply'; readonly fn: Value; readonly args: readonly Value[]; readonly k: Kont; readonly pos: Src }
  /** Unwind `k` to the nearest `try` with the error value `error`. */
  | { readonly mode: 'raise'; readonly error: Value; readonly message: string; readonly k: Kont; readonly pos: Position | null }
  /** The program finished with `value`. */
  | { readonly mode: 'halt'; readonly value: Value }
  /** The program ended with an uncaught error. */
  | { readonly mode: 'failed'; readonly kind: ErrorKind; readonly message: string; readonly error: Value };

/** What one step produced. */
export interface StepResult {
  /** The next state. */
  readonly state: State;
  /** Whether the step performed a kernel call (a scheduling point). */
  readonly yielded: boolean;
  /** Set when a kernel call must wait (e.g. `join` on a running process); the step is retried. */
  readonly blocked?: boolean;
}

/** What the machine needs from the kernel. */
export interface Host {
  /** Positions of forms, for error messages. */
  readonly positions: WeakMap<object, Position>;
  /** Active seeded bugs. */
  readonly mutants: Mutants;
  /** Stack-depth quota (call frames). */
  readonly stackDepth: number;
  /** The current value of a global (namespace first, then the core library). */
  global(name: Sym): Value | undefined;
  /** `def`: swaps the namespace atom so that `name` is bound to `value`. */
  define(name: Sym, value: Value): void;
  /** Allocates a value the program produced (charged to the running process). */
  alloc(value: Value): void;
  /** Creates (and allocates) a function value. */
  newFn(name: string | null, impl: Closure): Fn;
  /**
   * Charges the work of a built-in that returned `v` (fuel per element of new storage; a value
   * over the heap quota is out-of-memory) and visited `walked` members comparing and hashing
   * (see `walkWork` of spec/Values.ts), or of an `apply` that spread `walked` arguments.
   */
  work(v: Value, args: readonly Value[], walked: number): void;
  /** Performs the kernel call `name`; `k` is the continuation after the call. */
  kernelCall(name: string, args: readonly Value[], k: Kont, again: State): StepResult;
}

/** Error kinds a program can catch with `try` (resource exhaustion cannot be caught). */
const CATCHABLE: ReadonlySet<ErrorKind> = new Set(['capability-denied', 'stale-stamp', 'validator-rejected', 'no-such-process', 'no-such-atom', 'process-limit', 'program-error', 'bad-input', 'unsupported']);

/** The initial state for evaluating the top-level `forms` in order. */
export function initialState(forms: readonly Value[]): State {
  return { mode: 'eval', form: new List([Sym.of('do'), ...forms]), env: null, k: null, pos: null };
}

/** The state that calls `fn` with `args` and halts with its result. */
export function callState(fn: Value, args: readonly Value[]): State {
  return { mode: 'apply', fn, args, k: null, pos: null };
}

// Frames and states are never mutated after creation (their fields are readonly); they are not
// frozen at run time only because freezing every frame costs a fifth of the interpreter's time.
function push(k: Kont, frame: Frame): Kont {
  return { frame, next: k, depth: (k?.depth ?? 0) + (frame.t === 'call' ? 1 : 0) };
}

const ret = (value: Value, k: Kont): StepResult => ({ state: { mode: 'ret', value, k }, yielded: false });
const ev = (form: Value, env: Env, k: Kont, pos: Src): StepResult => ({ state: { mode: 'eval', form, env, k, pos }, yielded: false });

function evalBody(forms: readonly Value[], env: Env, k: Kont, pos: Src): StepResult {
  if (forms.length === 0) return ret(null, k);
  if (forms.length === 1) return ev(forms[0]!, env, k, pos);
  return ev(forms[0]!, env, push(k, { t: 'do', forms, i: 1, env, pos }), pos);
}

/** The position of `src`, or else of the nearest enclosing form in `k` that has one. */
export function locate(src: Src, k: Kont, positions: WeakMap<object, Position>): Position | null {
  const own = src === null ? undefined : positions.get(src);
  if (own !== undefined) return own;
  for (let f = k; f !== null; f = f.next) {
    const p = f.frame.pos === null ? undefined : positions.get(f.frame.pos);
    if (p !== undefined) return p;
  }
  return null;
}

/** Renders a position for messages: `line 3, column 5`. */
export function where(pos: Position | null): string {
  return pos === null ? '' : ` (at line ${pos.line}, column ${pos.column})`;
}

/** Performs one small step. Throws only for uncatchable errors (resource quotas) and kernel bugs. */
export function step(s: State, h: Host): StepResult {
  try {
    switch (s.mode) {
      case 'eval':
        return evalForm(s.form, s.env, s.k, s.pos, h);
      case 'ret':
        return retTo(s.value, s.k, h);
      case 'apply':
        return applyFn(s, h);
      case 'raise':
        return unwind(s);
      case 'halt':
      case 'failed':
        return { state: s, yielded: false };
    }
  } catch (e) {
    const k = s.mode === 'halt' || s.mode === 'failed' ? null : s.k;
    const pos = s.mode === 'raise' ? s.pos : locate(s.mode === 'eval' || s.mode === 'apply' ? s.pos : null, k, h.positions);
    // The error value is a value the program can catch: like every value it holds, it lives in the heap.
    const raise = (error: Value, message: string, at: Position | null): StepResult => {
      h.alloc(error);
      return { state: { mode: 'raise', error, message, k, pos: at }, yielded: false };
    };
    if (e instanceof ProgramError) return raise(e.value, e.message, e.position ?? pos);
    if (e instanceof KernelError && CATCHABLE.has(e.kind)) return raise(errorValue(e.kind, e.message), e.message, pos);
    if (e instanceof IntOverflowError || e instanceof RangeError) return raise(errorValue('program-error', e.message), e.message, pos);
    throw e;
  }
}

function evalForm(form: Value, env: Env, k: Kont, outerPos: Src, h: Host): StepResult {
  if (form instanceof Sym) {
    const local = lookup(env, form);
    const v = local !== undefined ? local : h.global(form);
    if (v === undefined) return programError(`unable to resolve symbol: ${form.fullName}`);
    return ret(v, k);
  }
  if (form instanceof List) {
    if (form.items.length === 0) return ret(form, k);
    const pos = form;
    const head = form.items[0]!;
    if (head instanceof Sym && head.ns === null && lookup(env, head) === undefined) {
      if (SPECIAL_FORMS.has(head.name)) return special(form, env, k, pos, h);
      if (DERIVED_FORMS.has(head.name)) {
        const expanded = expand(form, h.positions)!;
        h.alloc(expanded); // the expansion is code the continuation holds: keep it in the heap
        return ev(expanded, env, k, pos);
      }
    }
    return evalSeq('args', [], form.items, 0, env, k, pos, h);
  }
  if (form instanceof Vector && form.items.length > 0) return evalSeq('vector', [], form.items, 0, env, k, outerPos, h);
  if (form instanceof ESet && form.items.length > 0) return evalSeq('set', [], form.items, 0, env, k, outerPos, h);
  if (form instanceof EMap && form.size > 0) return evalSeq('map', [], form.entries.flatMap((e) => [e[0], e[1]]), 0, env, k, outerPos, h);
  return ret(form, k); // literals evaluate to themselves
}

function special(form: List, env: Env, k: Kont, pos: Src, h: Host): StepResult {
  const c = parseForm(form);
  switch (c.t) {
    case 'quote':
      return ret(c.value, k);
    case 'if':
      return ev(c.test, env, push(k, { t: 'if', then: c.then, else: c.else, env, pos }), pos);
    case 'do':
      return evalBody(c.body, env, k, pos);
    case 'let':
    case 'loop': {
      const { names, inits, body } = c;
      const loop = c.t === 'loop';
      if (names.length === 0) return loop ? evalBody(body, env, push(k, { t: 'loop', names, outer: env, body, pos }), pos) : evalBody(body, env, k, pos);
      return ev(inits[0]!, env, push(k, { t: 'let', names, inits, i: 0, env, outer: env, body, loop, pos }), pos);
    }
    case 'def':
      if (c.value === undefined) return ret(null, push(k, { t: 'def', name: c.name, pos }));
      return ev(c.value, env, push(k, { t: 'def', name: c.name, pos }), pos);
    case 'fn': {
      const closure: Closure = Object.freeze({ kind: 'closure', arities: c.arities, env, self: c.self });
      return ret(h.newFn(c.self?.name ?? null, closure), k);
    }
    case 'recur':
      return evalSeq('recur', [], c.args, 0, env, k, pos, h);
    case 'throw':
      return ev(c.value, env, push(k, { t: 'throw', pos }), pos);
    case 'try':
      return evalBody(c.body, env, push(k, { t: 'try', name: c.name, handler: c.handler, env, pos }), pos);
  }
}

function retTo(v: Value, k: Kont, h: Host): StepResult {
  if (k === null) return { state: { mode: 'halt', value: v }, yielded: false };
  const f = k.frame;
  const up = k.next;
  switch (f.t) {
    case 'if':
      return ev(truthy(v) ? f.then : f.else, f.env, up, f.pos);
    case 'do':
      if (f.i + 1 >= f.forms.length) return ev(f.forms[f.i]!, f.env, up, f.pos);
      return ev(f.forms[f.i]!, f.env, push(up, { ...f, i: f.i + 1 }), f.pos);
    case 'let': {
      const env = bind(f.env, f.names[f.i]!, v);
      if (f.i + 1 < f.inits.length) return ev(f.inits[f.i + 1]!, env, push(up, { ...f, i: f.i + 1, env }), f.pos);
      if (f.loop) return evalBody(f.body, env, push(up, { t: 'loop', names: f.names, outer: f.outer, body: f.body, pos: f.pos }), f.pos);
      return evalBody(f.body, env, up, f.pos);
    }
    case 'loop':
    case 'call':
    case 'try':
      return ret(v, up);
    case 'args':
    case 'recur':
      return evalSeq(f.t, [...f.done, v], f.rest, 0, f.env, up, f.pos, h);
    case 'coll':
      return evalSeq(f.of, [...f.done, v], f.rest, 0, f.env, up, f.pos, h);
    case 'def':
      h.define(f.name, v);
      return { state: { mode: 'ret', value: f.name, k: up }, yielded: true };
    case 'throw':
      return { state: { mode: 'raise', error: v, message: `uncaught exception: ${printEdn(v)}`, k: up, pos: locate(f.pos, up, h.positions) }, yielded: false };
  }
}

/**
 * Evaluates `forms[i…]` left to right after the values `done`, then finishes: applies a call,
 * recurs, or builds a collection. Symbols and scalar literals are evaluated on the spot (they
 * cannot fail in a way that needs a step of their own); any other form gets a step.
 */
function evalSeq(what: 'args' | 'recur' | 'vector' | 'map' | 'set', done: Value[], forms: readonly Value[], i: number, env: Env, k: Kont, pos: Src, h: Host): StepResult {
  for (; i < forms.length; i++) {
    const v = immediate(forms[i]!, env, h);
    if (v === undefined) break;
    done.push(v);
  }
  if (i < forms.length) {
    const rest = forms.slice(i + 1);
    const frame: Frame = what === 'args' || what === 'recur' ? { t: what, done, rest, env, pos } : { t: 'coll', of: what, done, rest, env, pos };
    return ev(forms[i]!, env, push(k, frame), pos);
  }
  if (what === 'args') return { state: { mode: 'apply', fn: done[0]!, args: done.slice(1), k, pos }, yielded: false };
  if (what === 'recur') return recur(done, k, h);
  const coll = what === 'vector' ? new Vector(done) : what === 'set' ? ESet.from(done) : EMap.from(pairs(done));
  h.alloc(coll);
  return ret(coll, k);
}

/** The value of a symbol or scalar literal, computed without a step; `undefined` for anything else. */
function immediate(form: Value, env: Env, h: Host): Value | undefined {
  if (form instanceof Sym) {
    const local = lookup(env, form);
    return local !== undefined ? local : h.global(form);
  }
  if (form === null || typeof form !== 'object' || form instanceof Keyword || form instanceof Char) return form;
  return undefined;
}

function pairs(flat: readonly Value[]): [Value, Value][] {
  const out: [Value, Value][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

function recur(args: readonly Value[], k: Kont, h?: Host): StepResult {
  const f = k?.frame;
  if (f?.t === 'loop') {
    if (args.length !== f.names.length) programError(`recur: expected ${f.names.length} arguments, got ${args.length}`);
    let env = f.outer;
    f.names.forEach((n, i) => (env = bind(env, n, args[i]!)));
    return evalBody(f.body, env, k, f.pos);
  }
  if (f?.t === 'call') {
    let fn = f.fn;
    // Seeded bug: a running function jumps into the newest definition of its name.
    if (h?.mutants.has('hot-deploy-replaces-running') && fn.name !== null) {
      const newest = h.global(Sym.of(fn.name));
      if (newest instanceof Fn && newest !== fn && implOf(newest).kind === 'closure') fn = newest;
    }
    const closure = implOf(fn) as Closure;
    const arity = fn === f.fn ? f.arity : selectArity(fn, closure, args.length);
    // recur re-enters the same arity: it must get exactly its parameters (a rest arity: at least
    // its fixed ones). Binding too few arguments would leave parameters unbound.
    if (args.length < arity.params.length || (arity.rest === null && args.length !== arity.params.length)) programError(`recur: expected ${arity.params.length} arguments, got ${args.length}`);
    const env = bindArgs(fn, closure, arity, args);
    return evalBody(arity.body, env, push(k!.next, { t: 'call', fn, arity, pos: f.pos }), f.pos);
  }
  return programError('recur must be in tail position of a loop or fn (and not across try)');
}

function selectArity(fn: Fn, c: Closure, n: number): Arity {
  const exact = c.arities.find((a) => a.rest === null && a.params.length === n);
  const variadic = c.arities.find((a) => a.rest !== null && a.params.length <= n);
  const a = exact ?? variadic;
  if (a === undefined) programError(`wrong number of arguments (${n}) passed to ${fn.name ?? 'fn'}`);
  return a;
}

function bindArgs(fn: Fn, c: Closure, a: Arity, args: readonly Value[]): Env {
  let env = c.env;
  if (c.self !== null) env = bind(env, c.self, fn);
  a.params.forEach((p, i) => (env = bind(env, p, args[i]!)));
  if (a.rest !== null) env = bind(env, a.rest, args.length > a.params.length ? new List(args.slice(a.params.length)) : null);
  return env;
}

function applyFn(s: Extract<State, { mode: 'apply' }>, h: Host): StepResult {
  const { fn, args, k, pos } = s;
  if (fn instanceof Fn) {
    const impl = implOf(fn);
    switch (impl.kind) {
      case 'closure': {
        const arity = selectArity(fn, impl, args.length);
        if ((k?.depth ?? 0) + 1 > h.stackDepth) throw new KernelError('stack-overflow', `stack depth ${h.stackDepth} exceeded calling ${fn.name ?? 'fn'}${where(locate(pos, k, h.positions))}`);
        const env = bindArgs(fn, impl, arity, args);
        if (arity.rest !== null && args.length > arity.params.length) h.alloc(lookup(env, arity.rest)!);
        return evalBody(arity.body, env, push(k, { t: 'call', fn, arity, pos }), pos);
      }
      case 'native': {
        const w0 = walkWork();
        const v = impl.fn(args);
        h.work(v, args, walkWork() - w0);
        h.alloc(v);
        return ret(v, k);
      }
      case 'kernel':
        return h.kernelCall(impl.name, args, k, s);
      case 'apply': {
        if (args.length < 2) programError('apply: expected (apply f args… coll)');
        const spread = [...args.slice(1, -1), ...seqItems(args.at(-1)!, 'apply')];
        h.work(null, args, spread.length);
        return { state: { mode: 'apply', fn: args[0]!, args: spread, k, pos }, yielded: false };
      }
    }
  }
  // Keywords, maps, sets and vectors are functions of their keys (as in Clojure).
  if (fn instanceof Keyword || fn instanceof EMap || fn instanceof ESet) {
    if (args.length < 1 || args.length > 2) programError(`wrong number of arguments (${args.length}) passed to ${printEdn(fn)}`);
    const [coll, key] = fn instanceof Keyword ? [args[0]!, fn] : [fn, args[0]!];
    const dflt = args[1] ?? null;
    if (coll instanceof EMap) return ret(coll.has(key) ? coll.get(key)! : dflt, k);
    if (coll instanceof ESet) return ret(coll.has(key) ? key : dflt, k);
    return ret(dflt, k);
  }
  if (fn instanceof Vector) {
    const i = args[0];
    if (args.length !== 1 || typeof i !== 'bigint' || i < 0n || i >= BigInt(fn.items.length)) programError(`vector index ${args[0] === undefined ? '' : printEdn(args[0])} out of bounds`);
    return ret(fn.items[Number(i)]!, k);
  }
  const shown = printEdn(fn);
  return programError(`not a function: ${shown.length > 40 ? shown.slice(0, 37) + '...' : shown}`);
}

function unwind(s: Extract<State, { mode: 'raise' }>): StepResult {
  for (let k = s.k; k !== null; k = k.next) {
    const f = k.frame;
    if (f.t === 'try') {
      if (f.name === null) return ret(null, k.next);
      return evalBody(f.handler, bind(f.env, f.name, s.error), k.next, f.pos);
    }
  }
  // Uncaught: an error map {:error :kind …} keeps its kind; any other thrown value is a program error.
  let kind: ErrorKind = 'program-error';
  if (s.error instanceof EMap) {
    const ek = s.error.get(Keyword.of('error'));
    if (ek instanceof Keyword && CATCHABLE.has(ek.name as ErrorKind)) kind = ek.name as ErrorKind;
  }
  return { state: { mode: 'failed', kind, message: s.message + where(s.pos), error: s.error }, yielded: false };
}

/** Every value a state holds (for the collector's roots): environments, frames, pending values. */
export function* stateValues(s: State): Generator<Value> {
  switch (s.mode) {
    case 'eval':
      yield s.form;
      yield* envValues(s.env);
      break;
    case 'ret':
      yield s.value;
      break;
    case 'apply':
      yield s.fn;
      yield* s.args;
      break;
    case 'raise':
      yield s.error;
      break;
    case 'halt':
      yield s.value;
      return;
    case 'failed':
      yield s.error;
      return;
  }
  for (let k = s.k; k !== null; k = k.next) yield* frameValues(k.frame);
}

/** Every value in an environment. */
export function* envValues(env: Env): Generator<Value> {
  for (let e = env; e !== null; e = e.next) yield e.value;
}

function* frameValues(f: Frame): Generator<Value> {
  switch (f.t) {
    case 'if':
      yield f.then;
      yield f.else;
      yield* envValues(f.env);
      return;
    case 'do':
      yield* f.forms;
      yield* envValues(f.env);
      return;
    case 'let':
      yield* f.inits;
      yield* f.body;
      yield* envValues(f.env);
      yield* envValues(f.outer);
      return;
    case 'loop':
      yield* f.body;
      yield* envValues(f.outer);
      return;
    case 'call':
      yield f.fn;
      return;
    case 'args':
    case 'recur':
    case 'coll':
      yield* f.done;
      yield* f.rest;
      yield* envValues(f.env);
      return;
    case 'try':
      yield* f.handler;
      yield* envValues(f.env);
      return;
    case 'def':
    case 'throw':
      return;
  }
}

/** The values a closure holds on to: its code and its environment. */
export function* closureValues(f: Fn): Generator<Value> {
  const impl = implOf(f);
  if (impl.kind !== 'closure') return;
  for (const a of impl.arities) yield* a.body;
  yield* envValues(impl.env);
}
