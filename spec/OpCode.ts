/**
 * The meaning of the code an operation carries (the function of `swap`/`swapVals`, the
 * validator of `setValidator`), for the spec kernel: a small denotational evaluator over spec
 * {@link Value}s for one-argument functions `(fn [x] body…)` written in a pure subset of the
 * system language (docs/language.md). Its evaluator is independent of both kernels' interpreters: it turns
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
 *   collections, predicates), with the meaning the language gives them in spec/lang/builtins.ts,
 *   and of keywords (`(:k m)`, `(:k m default)`).
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
import { builtins, truthy, type BuiltinFn as Builtin } from './lang/builtins.js';
import { Char, EMap, ESet, IntOverflowError, Keyword, kindOf, List, Sym, Vector, type Value } from './Values.js';

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
// The built-ins of the subset: their meaning is the language's (spec/lang/builtins.ts)

/** The language's truth: everything but nil and false. */
export { truthy };

/** The names of the built-ins the subset calls. */
const SUBSET_NAMES: readonly string[] = [
  '+', '*', '-', 'inc', 'dec', '<', '>', '<=', '>=', '==', '=', 'not=', 'not', 'identity', 'zero?', 'pos?',
  'neg?', 'even?', 'odd?', 'nil?', 'some?', 'true?', 'false?', 'number?', 'int?', 'double?', 'string?',
  'keyword?', 'symbol?', 'vector?', 'list?', 'map?', 'set?', 'fn?', 'bytes?', 'atom?', 'count', 'empty?',
  'get', 'contains?', 'nth', 'assoc', 'dissoc', 'disj', 'conj', 'first', 'second', 'last', 'rest', 'vector',
  'list', 'vec', 'hash-map', 'hash-set',
];

/**
 * The built-ins of the subset, by name: the language's own definitions (spec/lang/builtins.ts),
 * so the operation level and the kernels give the same code one meaning.
 */
export const OPCODE_BUILTINS: ReadonlyMap<string, Builtin> = ((): ReadonlyMap<string, Builtin> => {
  const all = builtins();
  return new Map(SUBSET_NAMES.map((name): [string, Builtin] => {
    const fn = all.get(name);
    if (fn === undefined) throw new Error(`the language has no built-in ${name}`);
    return [name, fn];
  }));
})();

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
    return outside(`a ${kindOf(form)} literal`);
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
    if (e instanceof KernelError) throw new CodeError(e.kind, e.message);
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
