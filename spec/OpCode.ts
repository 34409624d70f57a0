/**
 * The meaning of the code an operation carries (the function of `swap`/`swapVals`, the
 * validator of `setValidator`), for the spec kernel: a small denotational evaluator over spec
 * {@link Value}s for one-argument functions `(fn [x] body…)` written in a pure subset of the
 * system language (docs/language.md). It is independent of both kernels' interpreters: it turns
 * the source into a closed expression tree once ({@link compileOpCode}) and evaluates that tree
 * directly, with the language's documented meaning.
 *
 * The subset:
 * - literals (nil, booleans, int64s, doubles, strings, characters, keywords), `(quote form)`,
 *   vector, map and set literals (elements evaluated; a later equal map key wins, equal set
 *   members collapse);
 * - the parameter and `let` locals (sequential bindings of plain symbols);
 * - `if`, `do`, `when`, `when-not`, `cond`, `and`, `or`;
 * - calls of the built-ins in {@link OPCODE_BUILTINS} (arithmetic, comparison, equality,
 *   collections, predicates) and of keywords (`(:k m)`, `(:k m default)`).
 *
 * Everything else — function values, recursion, loops, `throw`/`try`, higher-order built-ins,
 * kernel calls, symbols naming built-ins used as values, locals that shadow a built-in or a
 * special form — is outside the subset: {@link compileOpCode} answers `not-modelled`, and the
 * spec kernel does not judge an operation carrying such code.
 *
 * Errors are those the kernels give for the same code: source text that is not one EDN form is
 * `bad-input`; a failure while the function runs (a type error, integer overflow, an index out
 * of bounds, a wrong argument count) is `program-error`. Who gets which (a foreign validator's
 * failure rejects the write instead) is decided by the caller, `spec/SpecEngine.ts`.
 * @see Kernel.tla Swap, SetValidator (the code is the opaque value those actions apply)
 * @module
 */
import { readEdnAll } from './codec/Edn.js';
import { KernelError } from './Errors.js';
import type { ErrorKind } from './Kernel.js';
import { AtomRef, Bytes, Char, checkInt, EMap, ESet, equals, Fn, IntOverflowError, Keyword, kindOf, List, Sym, Vector, type Value } from './Values.js';

/** A failure of operation-level code, with the error kind the operation ends in. */
export class CodeError extends Error {
  /** Creates the error. */
  constructor(
    /** `bad-input` (the source is not a function) or `program-error` (the function failed). */
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CodeError';
  }
}

/** An expression of the subset, closed over the parameter and `let` locals (by slot). */
type Expr =
  /** A constant. */
  | { readonly t: 'const'; readonly value: Value }
  /** A local: slot 0 is the parameter, then `let` bindings in order of appearance. */
  | { readonly t: 'local'; readonly slot: number }
  /** `(if test then else)`; `when`, `when-not`, `cond` become this. */
  | { readonly t: 'if'; readonly test: Expr; readonly then: Expr; readonly else: Expr }
  /** `(do e…)` → the last value (nil when empty). */
  | { readonly t: 'do'; readonly body: readonly Expr[] }
  /** `(let [x e …] body…)`: each binding writes its slot, in order. */
  | { readonly t: 'let'; readonly bindings: readonly (readonly [number, Expr])[]; readonly body: Expr }
  /** `(and e…)`: the first falsy value, or the last one (true when empty). */
  | { readonly t: 'and'; readonly args: readonly Expr[] }
  /** `(or e…)`: the first truthy value, or the last one (nil when empty). */
  | { readonly t: 'or'; readonly args: readonly Expr[] }
  /** A vector, map (key, value, key, value…) or set literal. */
  | { readonly t: 'coll'; readonly kind: 'vector' | 'map' | 'set'; readonly items: readonly Expr[] }
  /** A built-in call. */
  | { readonly t: 'call'; readonly name: string; readonly fn: Builtin; readonly args: readonly Expr[] }
  /** A keyword call `(:k coll default?)`. */
  | { readonly t: 'kwcall'; readonly key: Keyword; readonly args: readonly Expr[] };

type Builtin = (args: readonly Value[]) => Value;

/** A compiled operation-level function. */
export interface OpFunction {
  /** The source text it was compiled from. */
  readonly source: string;
  /** Applies the function to `x`. Throws {@link CodeError} (`program-error`) when it fails. */
  readonly call: (x: Value) => Value;
}

/** What {@link compileOpCode} makes of a source text. */
export type CompiledCode =
  /** A function of the subset. */
  | { readonly kind: 'fn'; readonly fn: OpFunction }
  /** Every kernel refuses this source with `bad-input` (not one EDN form). */
  | { readonly kind: 'bad-input'; readonly message: string }
  /** Code outside the subset: the spec does not say what it means. */
  | { readonly kind: 'not-modelled'; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// Values: truthiness, numbers, sequences (docs/language.md "Numbers", "Core library")

/** The language's truth: everything but nil and false. */
export function truthy(v: Value): boolean {
  return v !== null && v !== false;
}

function fail(message: string): never {
  throw new CodeError('program-error', message);
}

function kindName(v: Value): string {
  return kindOf(v);
}

function arity(args: readonly Value[], min: number, max: number, name: string): void {
  if (args.length < min || args.length > max) fail(`wrong number of arguments (${args.length}) passed to ${name}`);
}

type Num = bigint | number;

function num(v: Value, op: string): Num {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  return fail(`${op}: expected a number, got ${kindName(v)}`);
}

function integer(v: Value, op: string): bigint {
  if (typeof v === 'bigint') return v;
  return fail(`${op}: expected an integer, got ${kindName(v)}`);
}

/** An int64 result, or `program-error` "integer overflow". */
function int64(n: bigint, op: string): bigint {
  try {
    return checkInt(n, op);
  } catch (e) {
    if (e instanceof IntOverflowError) fail(`integer overflow in ${op}`);
    throw e;
  }
}

/** Two numbers combined: int64 when both are integers (overflow is an error), else a double. */
function arith(op: string, a: Num, b: Num, ints: (x: bigint, y: bigint) => bigint, dbls: (x: number, y: number) => number): Num {
  if (typeof a === 'bigint' && typeof b === 'bigint') return int64(ints(a, b), op);
  return dbls(Number(a), Number(b));
}

/** Numeric comparison (`==` semantics): NaN when a double NaN takes part. */
function numCompare(a: Num, b: Num): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
}

/** The items of a seqable value: nil, lists, vectors, sets, maps (as `[k v]`), strings (characters), byte strings (ints). */
function items(v: Value, op: string): readonly Value[] {
  if (v === null) return [];
  if (v instanceof List || v instanceof Vector || v instanceof ESet) return v.items;
  if (v instanceof EMap) return v.entries.map(([k, x]) => new Vector([k, x]));
  if (typeof v === 'string') return Array.from(v, (c) => new Char(c));
  if (v instanceof Bytes) return Array.from(v.data, (b) => BigInt(b));
  return fail(`${op}: don't know how to make a sequence from ${kindName(v)}`);
}

function countOf(v: Value): number {
  if (typeof v === 'string') return Array.from(v).length;
  if (v instanceof EMap || v instanceof ESet) return v.size;
  if (v instanceof Bytes) return v.length;
  if (v instanceof List || v instanceof Vector) return v.size;
  return items(v, 'count').length;
}

/** An index argument: an integer; -1 stands for any index no collection has. */
function indexOf(v: Value, op: string): number {
  const i = integer(v, op);
  return i < 0n || i > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(i);
}

function conjOne(coll: Value, x: Value): Value {
  if (coll === null) return new List([x]);
  if (coll instanceof Vector) return new Vector([...coll.items, x]);
  if (coll instanceof List) return new List([x, ...coll.items]);
  if (coll instanceof ESet) return coll.conj(x);
  if (coll instanceof EMap) {
    if (x instanceof EMap) return x.entries.reduce<EMap>((m, [k, y]) => m.assoc(k, y), coll);
    if ((x instanceof Vector || x instanceof List) && x.size === 2) return coll.assoc(x.items[0]!, x.items[1]!);
    return fail('conj: a map takes [key value] entries');
  }
  return fail(`conj: cannot add to ${kindName(coll)}`);
}

function assocOne(coll: Value, k: Value, v: Value): Value {
  if (coll === null) return EMap.EMPTY.assoc(k, v);
  if (coll instanceof EMap) return coll.assoc(k, v);
  if (coll instanceof Vector) {
    const i = indexOf(k, 'assoc');
    if (i < 0 || i > coll.size) fail(`assoc: index out of bounds for a vector of count ${coll.size}`);
    const out = coll.items.slice();
    out[i] = v;
    return new Vector(out);
  }
  return fail(`assoc: not supported on ${kindName(coll)}`);
}

function getIn(coll: Value, k: Value, dflt: Value): Value {
  if (coll instanceof EMap) return coll.has(k) ? coll.get(k)! : dflt;
  if (coll instanceof ESet) return coll.has(k) ? k : dflt;
  if (coll instanceof Vector || typeof coll === 'string' || coll instanceof Bytes) {
    if (typeof k !== 'bigint') return dflt;
    const xs = items(coll, 'get');
    return k >= 0n && k < BigInt(xs.length) ? xs[Number(k)]! : dflt;
  }
  return dflt;
}

function comparison(name: string, holds: (c: number) => boolean): Builtin {
  return (a) => {
    if (a.length === 0) fail(`wrong number of arguments (0) passed to ${name}`);
    for (let i = 0; i + 1 < a.length; i++) if (!holds(numCompare(num(a[i]!, name), num(a[i + 1]!, name)))) return false;
    if (a.length === 1) num(a[0]!, name);
    return true;
  };
}

function predicate(name: string, test: (v: Value) => boolean): Builtin {
  return (a) => (arity(a, 1, 1, name), test(a[0]!));
}

const plus = (x: bigint, y: bigint): bigint => x + y;
const minus = (x: bigint, y: bigint): bigint => x - y;
const times = (x: bigint, y: bigint): bigint => x * y;

/**
 * The built-ins of the subset, by name, with the meaning docs/language.md gives them (and, where
 * it is silent, Clojure's): int64 arithmetic with overflow as an error, an integer mixed with a
 * double giving a double; structural `=`; collections returning new values.
 */
export const OPCODE_BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['+', (a) => a.reduce<Num>((x, y) => arith('+', x, num(y, '+'), plus, (p, q) => p + q), 0n)],
  ['*', (a) => a.reduce<Num>((x, y) => arith('*', x, num(y, '*'), times, (p, q) => p * q), 1n)],
  [
    '-',
    (a) => {
      if (a.length === 0) fail('wrong number of arguments (0) passed to -');
      if (a.length === 1) return arith('-', 0n, num(a[0]!, '-'), minus, (p, q) => p - q);
      return a.slice(1).reduce<Num>((x, y) => arith('-', x, num(y, '-'), minus, (p, q) => p - q), num(a[0]!, '-'));
    },
  ],
  ['inc', (a) => (arity(a, 1, 1, 'inc'), arith('inc', num(a[0]!, 'inc'), 1n, plus, (p, q) => p + q))],
  ['dec', (a) => (arity(a, 1, 1, 'dec'), arith('dec', num(a[0]!, 'dec'), 1n, minus, (p, q) => p - q))],
  ['<', comparison('<', (c) => c < 0)],
  ['>', comparison('>', (c) => c > 0)],
  ['<=', comparison('<=', (c) => c <= 0)],
  ['>=', comparison('>=', (c) => c >= 0)],
  ['==', comparison('==', (c) => c === 0)],
  ['=', (a) => (arity(a, 1, Infinity, '='), a.every((x) => equals(x, a[0]!)))],
  ['not=', (a) => (arity(a, 1, Infinity, 'not='), !a.every((x) => equals(x, a[0]!)))],
  ['not', (a) => (arity(a, 1, 1, 'not'), !truthy(a[0]!))],
  ['identity', (a) => (arity(a, 1, 1, 'identity'), a[0]!)],
  ['zero?', (a) => (arity(a, 1, 1, 'zero?'), numCompare(num(a[0]!, 'zero?'), 0n) === 0)],
  ['pos?', (a) => (arity(a, 1, 1, 'pos?'), numCompare(num(a[0]!, 'pos?'), 0n) > 0)],
  ['neg?', (a) => (arity(a, 1, 1, 'neg?'), numCompare(num(a[0]!, 'neg?'), 0n) < 0)],
  ['even?', (a) => (arity(a, 1, 1, 'even?'), integer(a[0]!, 'even?') % 2n === 0n)],
  ['odd?', (a) => (arity(a, 1, 1, 'odd?'), integer(a[0]!, 'odd?') % 2n !== 0n)],
  ['nil?', predicate('nil?', (v) => v === null)],
  ['some?', predicate('some?', (v) => v !== null)],
  ['true?', predicate('true?', (v) => v === true)],
  ['false?', predicate('false?', (v) => v === false)],
  ['number?', predicate('number?', (v) => typeof v === 'bigint' || typeof v === 'number')],
  ['int?', predicate('int?', (v) => typeof v === 'bigint')],
  ['double?', predicate('double?', (v) => typeof v === 'number')],
  ['string?', predicate('string?', (v) => typeof v === 'string')],
  ['keyword?', predicate('keyword?', (v) => v instanceof Keyword)],
  ['symbol?', predicate('symbol?', (v) => v instanceof Sym)],
  ['vector?', predicate('vector?', (v) => v instanceof Vector)],
  ['list?', predicate('list?', (v) => v instanceof List)],
  ['map?', predicate('map?', (v) => v instanceof EMap)],
  ['set?', predicate('set?', (v) => v instanceof ESet)],
  ['fn?', predicate('fn?', (v) => v instanceof Fn)],
  ['bytes?', predicate('bytes?', (v) => v instanceof Bytes)],
  ['atom?', predicate('atom?', (v) => v instanceof AtomRef)],
  ['count', (a) => (arity(a, 1, 1, 'count'), BigInt(countOf(a[0]!)))],
  ['empty?', (a) => (arity(a, 1, 1, 'empty?'), countOf(a[0]!) === 0)],
  ['get', (a) => (arity(a, 2, 3, 'get'), getIn(a[0]!, a[1]!, a[2] ?? null))],
  [
    'contains?',
    (a) => {
      arity(a, 2, 2, 'contains?');
      const [c, k] = [a[0]!, a[1]!];
      if (c === null) return false;
      if (c instanceof EMap || c instanceof ESet) return c.has(k);
      if (c instanceof Vector || typeof c === 'string' || c instanceof Bytes) return typeof k === 'bigint' && k >= 0n && k < BigInt(countOf(c));
      return fail(`contains? not supported on ${kindName(c)}`);
    },
  ],
  [
    'nth',
    (a) => {
      arity(a, 2, 3, 'nth');
      const coll = a[0]!;
      const i = indexOf(a[1]!, 'nth');
      if (!(coll === null || coll instanceof Vector || coll instanceof List || typeof coll === 'string' || coll instanceof Bytes)) fail(`nth not supported on ${kindName(coll)}`);
      const xs = items(coll, 'nth');
      if (i >= 0 && i < xs.length) return xs[i]!;
      if (a.length === 3) return a[2]!;
      return fail(`index ${i} out of bounds for ${kindName(coll)} of count ${xs.length}`);
    },
  ],
  [
    'assoc',
    (a) => {
      if (a.length < 3 || a.length % 2 === 0) fail(`wrong number of arguments (${a.length}) passed to assoc`);
      let v: Value = a[0]!;
      for (let i = 1; i < a.length; i += 2) v = assocOne(v, a[i]!, a[i + 1]!);
      return v;
    },
  ],
  [
    'dissoc',
    (a) => {
      arity(a, 1, Infinity, 'dissoc');
      const m = a[0]!;
      if (m === null) return null;
      if (!(m instanceof EMap)) return fail(`dissoc: expected a map, got ${kindName(m)}`);
      return a.slice(1).reduce<EMap>((acc, k) => acc.dissoc(k), m);
    },
  ],
  [
    'disj',
    (a) => {
      arity(a, 1, Infinity, 'disj');
      const s = a[0]!;
      if (!(s instanceof ESet)) return fail(`disj: expected a set, got ${kindName(s)}`);
      return a.slice(1).reduce<ESet>((acc, x) => acc.disj(x), s);
    },
  ],
  ['conj', (a) => (arity(a, 1, Infinity, 'conj'), a.slice(1).reduce<Value>((c, x) => conjOne(c, x), a[0]!))],
  ['first', (a) => (arity(a, 1, 1, 'first'), items(a[0]!, 'first')[0] ?? null)],
  ['second', (a) => (arity(a, 1, 1, 'second'), items(a[0]!, 'second')[1] ?? null)],
  ['last', (a) => (arity(a, 1, 1, 'last'), items(a[0]!, 'last').at(-1) ?? null)],
  ['rest', (a) => (arity(a, 1, 1, 'rest'), new List(items(a[0]!, 'rest').slice(1)))],
  ['vector', (a) => new Vector(a)],
  ['list', (a) => new List(a)],
  ['vec', (a) => (arity(a, 1, 1, 'vec'), new Vector(items(a[0]!, 'vec')))],
  [
    'hash-map',
    (a) => {
      if (a.length % 2 !== 0) fail('hash-map: no value supplied for the last key');
      const pairs: [Value, Value][] = [];
      for (let i = 0; i < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
      return EMap.from(pairs);
    },
  ],
  ['hash-set', (a) => ESet.from(a)],
]);

// ---------------------------------------------------------------------------------------------
// Compiling source text into an expression (the subset is decided here, before anything runs)

/** Raised while compiling: the source is outside the subset. */
class OutsideSubset extends Error {}

function outside(why: string): never {
  throw new OutsideSubset(why);
}

/** Names no local of the subset may take (a local would shadow them, which the subset does not model). */
const SPECIAL = new Set(['fn', 'fn*', 'def', 'defn', 'let', 'loop', 'recur', 'if', 'do', 'quote', 'throw', 'try', 'catch', 'when', 'when-not', 'cond', 'and', 'or', 'if-let', 'when-let', 'dotimes', '->', '->>', 'assert', 'comment', '&']);

type Scope = ReadonlyMap<string, number>;

function plainSymbol(v: Value): string | undefined {
  return v instanceof Sym && v.ns === null && !SPECIAL.has(v.name) && !OPCODE_BUILTINS.has(v.name) ? v.name : undefined;
}

class Compiler {
  slots = 1;

  expr(form: Value, scope: Scope): Expr {
    if (form instanceof Sym) {
      const slot = form.ns === null ? scope.get(form.name) : undefined;
      if (slot === undefined) outside(`symbol ${form.fullName} is neither the parameter nor a local`);
      return { t: 'local', slot };
    }
    if (form instanceof Vector) return { t: 'coll', kind: 'vector', items: form.items.map((x) => this.expr(x, scope)) };
    if (form instanceof EMap) return { t: 'coll', kind: 'map', items: form.entries.flatMap(([k, v]) => [this.expr(k, scope), this.expr(v, scope)]) };
    if (form instanceof ESet) return { t: 'coll', kind: 'set', items: form.items.map((x) => this.expr(x, scope)) };
    if (form instanceof List) return this.list(form, scope);
    if (form === null || typeof form === 'boolean' || typeof form === 'bigint' || typeof form === 'number' || typeof form === 'string' || form instanceof Char || form instanceof Keyword) {
      return { t: 'const', value: form };
    }
    return outside(`a ${kindName(form)} literal`);
  }

  body(forms: readonly Value[], scope: Scope): Expr {
    return forms.length === 1 ? this.expr(forms[0]!, scope) : { t: 'do', body: forms.map((f) => this.expr(f, scope)) };
  }

  list(form: List, scope: Scope): Expr {
    if (form.size === 0) return { t: 'const', value: form }; // () evaluates to itself
    const head = form.items[0]!;
    const args = form.items.slice(1);
    if (head instanceof Keyword) {
      if (args.length < 1 || args.length > 2) outside('a keyword called with a wrong number of arguments');
      return { t: 'kwcall', key: head, args: args.map((x) => this.expr(x, scope)) };
    }
    if (!(head instanceof Sym) || head.ns !== null) return outside('a call of something other than a built-in or a keyword');
    if (scope.has(head.name)) return outside(`a call of the local ${head.name}`);
    switch (head.name) {
      case 'quote':
        if (args.length !== 1) outside('quote takes one form');
        return { t: 'const', value: args[0]! };
      case 'if':
        if (args.length < 2 || args.length > 3) outside('if takes 2 or 3 forms');
        return { t: 'if', test: this.expr(args[0]!, scope), then: this.expr(args[1]!, scope), else: args.length === 3 ? this.expr(args[2]!, scope) : { t: 'const', value: null } };
      case 'do':
        return { t: 'do', body: args.map((x) => this.expr(x, scope)) };
      case 'when':
      case 'when-not': {
        const test = this.expr(args[0] ?? null, scope);
        const body: Expr = { t: 'do', body: args.slice(1).map((x) => this.expr(x, scope)) };
        const nil: Expr = { t: 'const', value: null };
        return head.name === 'when' ? { t: 'if', test, then: body, else: nil } : { t: 'if', test, then: nil, else: body };
      }
      case 'cond': {
        if (args.length % 2 !== 0) outside('cond with an odd number of forms');
        let e: Expr = { t: 'const', value: null };
        for (let i = args.length - 2; i >= 0; i -= 2) e = { t: 'if', test: this.expr(args[i]!, scope), then: this.expr(args[i + 1]!, scope), else: e };
        return e;
      }
      case 'and':
      case 'or':
        return { t: head.name, args: args.map((x) => this.expr(x, scope)) };
      case 'let': {
        const b = args[0];
        if (!(b instanceof Vector) || b.size % 2 !== 0) return outside('let needs a vector of symbol/expression pairs');
        const inner = new Map(scope);
        const bindings: [number, Expr][] = [];
        for (let i = 0; i < b.size; i += 2) {
          const name = plainSymbol(b.items[i]!);
          if (name === undefined) outside('a let binding that is not a plain symbol (or shadows a built-in)');
          const e = this.expr(b.items[i + 1]!, inner);
          const slot = this.slots++;
          inner.set(name, slot);
          bindings.push([slot, e]);
        }
        return { t: 'let', bindings, body: { t: 'do', body: args.slice(1).map((x) => this.expr(x, inner)) } };
      }
    }
    const fn = OPCODE_BUILTINS.get(head.name);
    if (fn === undefined) return outside(`${head.name} is not in the operation-level subset`);
    return { t: 'call', name: head.name, fn, args: args.map((x) => this.expr(x, scope)) };
  }
}

/** Evaluates `e` with the locals in `env`. Throws {@link CodeError}. */
function evaluate(e: Expr, env: Value[]): Value {
  switch (e.t) {
    case 'const':
      return e.value;
    case 'local':
      return env[e.slot]!;
    case 'if':
      return evaluate(truthy(evaluate(e.test, env)) ? e.then : e.else, env);
    case 'do': {
      let v: Value = null;
      for (const x of e.body) v = evaluate(x, env);
      return v;
    }
    case 'let':
      for (const [slot, x] of e.bindings) env[slot] = evaluate(x, env);
      return evaluate(e.body, env);
    case 'and': {
      let v: Value = true;
      for (const x of e.args) if (!truthy((v = evaluate(x, env)))) return v;
      return v;
    }
    case 'or': {
      let v: Value = null;
      for (const x of e.args) if (truthy((v = evaluate(x, env)))) return v;
      return v;
    }
    case 'coll': {
      const xs = e.items.map((x) => evaluate(x, env));
      if (e.kind === 'vector') return new Vector(xs);
      if (e.kind === 'set') return ESet.from(xs);
      const pairs: [Value, Value][] = [];
      for (let i = 0; i < xs.length; i += 2) pairs.push([xs[i]!, xs[i + 1]!]);
      return EMap.from(pairs);
    }
    case 'call':
      return callBuiltin(e.name, e.fn, e.args.map((x) => evaluate(x, env)));
    case 'kwcall': {
      const coll = evaluate(e.args[0]!, env);
      const dflt = e.args.length === 2 ? evaluate(e.args[1]!, env) : null;
      if (coll instanceof EMap) return coll.has(e.key) ? coll.get(e.key)! : dflt;
      if (coll instanceof ESet) return coll.has(e.key) ? e.key : dflt;
      return dflt;
    }
  }
}

function callBuiltin(name: string, fn: Builtin, args: readonly Value[]): Value {
  try {
    return fn(args);
  } catch (e) {
    if (e instanceof CodeError) throw e;
    if (e instanceof IntOverflowError) throw new CodeError('program-error', e.message);
    throw new CodeError('program-error', `${name}: ${String((e as Error)?.message ?? e)}`);
  }
}

const cache = new Map<string, CompiledCode>();

/**
 * What the source text `src` of a one-argument function means at the operation level (see the
 * module doc): a function of the subset, `bad-input` (not exactly one EDN form), or
 * `not-modelled`. Deterministic; results are cached by source text.
 */
export function compileOpCode(src: unknown): CompiledCode {
  if (typeof src !== 'string') return { kind: 'bad-input', message: 'fn must be the text of a function' };
  const hit = cache.get(src);
  if (hit !== undefined) return hit;
  const r = compileUncached(src);
  if (cache.size > 10_000) cache.clear();
  cache.set(src, r);
  return r;
}

function compileUncached(src: string): CompiledCode {
  let forms: Value[];
  try {
    forms = readEdnAll(src);
  } catch (e) {
    if (e instanceof KernelError) return { kind: 'bad-input', message: e.message };
    throw e;
  }
  if (forms.length !== 1) return { kind: 'bad-input', message: `expected one function form, found ${forms.length}` };
  const form = forms[0]!;
  if (!(form instanceof List) || form.size < 3 || !(form.items[0] instanceof Sym) || (form.items[0] as Sym).fullName !== 'fn') {
    return { kind: 'not-modelled', reason: 'only (fn [x] body…) is in the operation-level subset' };
  }
  const params = form.items[1];
  const param = params instanceof Vector && params.size === 1 ? plainSymbol(params.items[0]!) : undefined;
  if (param === undefined) return { kind: 'not-modelled', reason: 'the function must take exactly one plain parameter' };
  const c = new Compiler();
  let body: Expr;
  try {
    body = c.body(form.items.slice(2), new Map([[param, 0]]));
  } catch (e) {
    if (e instanceof OutsideSubset) return { kind: 'not-modelled', reason: e.message };
    throw e;
  }
  const slots = c.slots;
  const call = (x: Value): Value => {
    const env = new Array<Value>(slots).fill(null);
    env[0] = x;
    return evaluate(body, env);
  };
  return { kind: 'fn', fn: { source: src, call } };
}

/** Whether `src` is code the operation level models (a function of the subset, or source every kernel refuses as `bad-input`). */
export function isModelledCode(src: unknown): boolean {
  return compileOpCode(src).kind !== 'not-modelled';
}
