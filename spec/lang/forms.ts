/**
 * The forms of the system language: how a form the reader gives (an EDN value) stands for a core
 * form. The special forms are parsed here into {@link CoreForm}s, the derived forms (`defn`,
 * `when`, `cond`, `and`, `or`, `dotimes`, `->`, `if-let`, …) expand into special forms and calls,
 * and `fn` parameter lists parse into arities. Every kernel evaluates the core forms its own way;
 * what a form means is decided here once.
 *
 * The language is lazy about mistakes: an ill-formed form raises {@link FormError} (a catchable
 * `program-error`) when it is evaluated, never when the program is read.
 * @module
 */
import { KernelError } from '../Errors.js';
import { List, Sym, Vector, kw, type Value } from '../Values.js';
import { isCatchClass } from '../Prelude.js';

/** An ill-formed special or derived form: a catchable `program-error` raised when the form is evaluated. */
export class FormError extends KernelError {
  /** Creates the error with `message`. */
  constructor(message: string) {
    super('program-error', message);
    this.name = 'FormError';
  }
}

function bad(message: string): never {
  throw new FormError(message);
}

/** The special forms, which kernels evaluate themselves. */
export const SPECIAL_FORMS: ReadonlySet<string> = new Set(['def', 'fn', 'let', 'if', 'do', 'quote', 'loop', 'recur', 'try', 'throw']);

/** The derived forms, expanded by {@link expandDerived} before evaluation. */
export const DERIVED_FORMS: ReadonlySet<string> = new Set(['defn', 'when', 'when-not', 'cond', 'and', 'or', 'dotimes', 'if-let', 'when-let', '->', '->>', 'comment', 'assert']);

/** One arity of a `fn`: fixed parameters, the rest parameter (after `&`) or null, the body forms. */
export interface FnArity {
  /** Fixed parameters. */
  readonly params: readonly Sym[];
  /** The rest parameter, bound to a list of the extra arguments (or nil). */
  readonly rest: Sym | null;
  /** Body forms, evaluated like `do`. */
  readonly body: readonly Value[];
}

/** A special form, parsed. One comment per kind. */
export type CoreForm =
  /** `(quote form)`: the form itself. */
  | { readonly t: 'quote'; readonly value: Value }
  /** `(if test then else?)`; a missing else is nil. */
  | { readonly t: 'if'; readonly test: Value; readonly then: Value; readonly else: Value }
  /** `(do body…)`. */
  | { readonly t: 'do'; readonly body: readonly Value[] }
  /** `(let [n v …] body…)` and `(loop [n v …] body…)`: names bound in order. */
  | { readonly t: 'let' | 'loop'; readonly names: readonly Sym[]; readonly inits: readonly Value[]; readonly body: readonly Value[] }
  /** `(def name value?)`; without a value, `value` is undefined and the name is bound to nil. */
  | { readonly t: 'def'; readonly name: Sym; readonly value: Value | undefined }
  /** `(fn self? …)`: a closure of one or more arities. */
  | { readonly t: 'fn'; readonly self: Sym | null; readonly arities: readonly FnArity[] }
  /** `(recur args…)`. */
  | { readonly t: 'recur'; readonly args: readonly Value[] }
  /** `(throw value)`. */
  | { readonly t: 'throw'; readonly value: Value }
  /** `(try body… (catch name handler…)?)`; `name` null when there is no catch clause. */
  | { readonly t: 'try'; readonly body: readonly Value[]; readonly name: Sym | null; readonly handler: readonly Value[] };

/**
 * Parses the special form `form` (a list headed by one of {@link SPECIAL_FORMS}); raises
 * {@link FormError} when it is ill-formed.
 */
export function parseSpecial(form: List): CoreForm {
  const head = form.items[0];
  const name = head instanceof Sym ? head.name : '';
  const args = form.items.slice(1);
  switch (name) {
    case 'quote':
      if (args.length !== 1) bad('quote: expected exactly one form');
      return { t: 'quote', value: args[0]! };
    case 'if':
      if (args.length < 2 || args.length > 3) bad('if: expected (if test then else?)');
      return { t: 'if', test: args[0]!, then: args[1]!, else: args[2] ?? null };
    case 'do':
      return { t: 'do', body: args };
    case 'let':
    case 'loop': {
      const b = args[0];
      if (!(b instanceof Vector) || b.items.length % 2 !== 0) bad(`${name}: expected a binding vector [name value …]`);
      const names: Sym[] = [];
      const inits: Value[] = [];
      for (let i = 0; i < b.items.length; i += 2) {
        const n = b.items[i];
        if (!(n instanceof Sym)) bad(`${name}: binding names must be symbols (no destructuring)`);
        names.push(n);
        inits.push(b.items[i + 1]!);
      }
      return { t: name, names, inits, body: args.slice(1) };
    }
    case 'def': {
      const n = args[0];
      if (!(n instanceof Sym) || args.length > 2) bad('def: expected (def name value)');
      return { t: 'def', name: n, value: args[1] };
    }
    case 'fn':
      return { t: 'fn', ...parseFn(form) };
    case 'recur':
      return { t: 'recur', args };
    case 'throw':
      if (args.length !== 1) bad('throw: expected exactly one value');
      return { t: 'throw', value: args[0]! };
    case 'try':
      return parseTry(args);
  }
  return bad(`unknown special form ${name}`);
}

/**
 * `(try body… clause)`: the last form is a catch clause when it is a list headed by `catch`
 * (see spec/Prelude.ts `CATCH_CLASSES` for its grammar).
 */
function parseTry(args: readonly Value[]): CoreForm {
  const last = args.at(-1);
  if (!(last instanceof List) || last.items[0] !== Sym.of('catch')) return { t: 'try', body: args, name: null, handler: [] };
  const c = last.items;
  const body = args.slice(0, -1);
  // (catch Exception e handler…), Clojure style, or (catch e handler…)
  if (isCatchClass(c[1]) && c[2] instanceof Sym) return { t: 'try', body, name: c[2], handler: c.slice(3) };
  if (c[1] instanceof Sym) return { t: 'try', body, name: c[1], handler: c.slice(2) };
  return bad('catch: expected (catch name body…) or (catch Exception name body…)');
}

/** Parses the parameter vector `[a b & more]` of an arity with the body `body`. */
export function parseArity(params: Value, body: readonly Value[]): FnArity {
  if (!(params instanceof Vector)) return bad(`fn: expected a parameter vector, got ${params === null ? 'nil' : String((params as { kind?: string }).kind ?? typeof params)}`);
  const fixed: Sym[] = [];
  let rest: Sym | null = null;
  const items = params.items;
  for (let i = 0; i < items.length; i++) {
    const p = items[i];
    if (!(p instanceof Sym)) bad('fn: parameters must be symbols (no destructuring)');
    if (p.name === '&') {
      const r = items[i + 1];
      if (!(r instanceof Sym) || i + 2 !== items.length) bad('fn: expected exactly one symbol after &');
      rest = r;
      break;
    }
    fixed.push(p);
  }
  return Object.freeze({ params: fixed, rest, body });
}

/**
 * Parses `(fn name? [params] body…)` or `(fn name? ([params] body…) …)`: clause by clause (the
 * clause's shape, then its parameters), then that there is an arity and no two arities take the
 * same number of parameters.
 */
export function parseFn(form: List): { readonly self: Sym | null; readonly arities: readonly FnArity[] } {
  let items = form.items.slice(1);
  let self: Sym | null = null;
  if (items[0] instanceof Sym) {
    self = items[0];
    items = items.slice(1);
  }
  if (items[0] instanceof Vector) return { self, arities: [parseArity(items[0], items.slice(1))] };
  const arities = items.map((a) => {
    if (!(a instanceof List) || a.items.length === 0) return bad('fn: expected ([params] body…) clauses');
    return parseArity(a.items[0]!, a.items.slice(1));
  });
  if (arities.length === 0) bad('fn: no parameter vector');
  const counts = new Set<number>();
  for (const a of arities) {
    const key = a.rest === null ? a.params.length : -1 - a.params.length;
    if (counts.has(key)) bad('fn: two arities with the same number of parameters');
    counts.add(key);
  }
  return { self, arities };
}

const S = (name: string): Sym => Sym.of(name);
const L = (...items: Value[]): List => new List(items);

let hidden = 0;
/** A fresh symbol no program can write (its name starts with a space). */
function hiddenSym(prefix: string): Sym {
  return Sym.of(` ${prefix}${hidden++}`);
}

/** `(name [sym expr] …)` of `dotimes`, `if-let`, `when-let`: the binding vector's name and expression. */
function binding(b: Value | undefined, message: string): [Sym, Value] {
  if (!(b instanceof Vector) || b.items.length !== 2 || !(b.items[0] instanceof Sym)) return bad(message);
  return [b.items[0], b.items[1]!];
}

/**
 * One expansion step of the derived form `(name args…)` (`name` one of {@link DERIVED_FORMS}):
 * the form it stands for. Raises {@link FormError} when it is ill-formed.
 */
export function expandDerived(name: string, args: readonly Value[]): Value {
  switch (name) {
    case 'defn': {
      const f = args[0];
      if (!(f instanceof Sym)) bad('defn: expected a name');
      const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1); // skip a docstring
      return L(S('def'), f, L(S('fn'), f, ...rest));
    }
    case 'when':
      return L(S('if'), args[0] ?? null, L(S('do'), ...args.slice(1)), null);
    case 'when-not':
      return L(S('if'), args[0] ?? null, null, L(S('do'), ...args.slice(1)));
    case 'cond':
      if (args.length === 0) return null;
      if (args.length % 2 !== 0) bad('cond: requires an even number of forms');
      return L(S('if'), args[0]!, args[1]!, L(S('cond'), ...args.slice(2)));
    case 'and':
    case 'or': {
      if (args.length === 0) return name === 'and' ? true : null;
      if (args.length === 1) return args[0]!;
      const g = hiddenSym(name);
      const more = L(S(name), ...args.slice(1));
      return L(S('let'), new Vector([g, args[0]!]), name === 'and' ? L(S('if'), g, more, g) : L(S('if'), g, g, more));
    }
    case 'dotimes': {
      const [i, count] = binding(args[0], 'dotimes: expected [name count]');
      const n = hiddenSym('n');
      return L(S('let'), new Vector([n, count]), L(S('loop'), new Vector([i, 0n]), L(S('when'), L(S('<'), i, n), ...args.slice(1), L(S('recur'), L(S('inc'), i)))));
    }
    case 'if-let':
    case 'when-let': {
      const [x, init] = binding(args[0], `${name}: expected [name expr]`);
      const g = hiddenSym('t');
      const then = name === 'if-let' ? (args[1] ?? null) : L(S('do'), ...args.slice(1));
      const otherwise = name === 'if-let' ? (args[2] ?? null) : null;
      return L(S('let'), new Vector([g, init]), L(S('if'), g, L(S('let'), new Vector([x, g]), then), otherwise));
    }
    case '->':
    case '->>': {
      let acc: Value = args[0] ?? null;
      for (const step of args.slice(1)) {
        if (step instanceof List && step.items.length > 0) {
          const [f, ...more] = step.items;
          acc = name === '->' ? L(f!, acc, ...more) : L(f!, ...more, acc);
        } else acc = L(step, acc);
      }
      return acc;
    }
    case 'comment':
      return null;
    case 'assert':
      return L(S('if'), args[0] ?? null, null, L(S('throw'), L(S('hash-map'), kw('error'), kw('assertion-failed'), kw('message'), typeof args[1] === 'string' ? args[1] : 'assertion failed')));
  }
  return bad(`unknown derived form ${name}`);
}

/**
 * Expands `form` while it is a derived form (a list headed by an unqualified symbol of
 * {@link DERIVED_FORMS}): the special form or call it stands for, or `undefined` when `form` is
 * not derived.
 */
export function expand(form: List): Value | undefined {
  let out: Value | undefined;
  let cur: Value = form;
  while (cur instanceof List) {
    const head = cur.items[0];
    if (!(head instanceof Sym) || head.ns !== null || !DERIVED_FORMS.has(head.name)) break;
    out = expandDerived(head.name, cur.items.slice(1));
    cur = out;
  }
  return out;
}
