/**
 * Syntax of the system language: which forms are special, how `fn` parameter lists parse, and
 * the derived forms (`defn`, `when`, `cond`, `and`, `or`, `dotimes`, `->`, `if-let`, …) that
 * expand into special forms before evaluation. Expansions are cached by form identity and keep
 * the position of the form they came from.
 * @module
 */
import type { Position } from '../../spec/Edn.js';
import { List, Sym, Vector, kw, type Value } from '../../spec/Values.js';
import { programError, type Arity } from './runtime.js';

/** The special forms the machine evaluates itself. */
export const SPECIAL_FORMS: ReadonlySet<string> = new Set(['def', 'fn', 'let', 'if', 'do', 'quote', 'loop', 'recur', 'try', 'throw']);

const S = (name: string): Sym => Sym.of(name);
const L = (...items: Value[]): List => new List(items);

let gensymCounter = 0;
/** A fresh symbol no program can write (its name starts with a space). */
function gensym(prefix: string): Sym {
  return Sym.of(` ${prefix}${gensymCounter++}`);
}

/** Parses `[a b & more]` into an arity with `body`. */
export function parseArity(params: Value, body: readonly Value[]): Arity {
  if (!(params instanceof Vector)) return programError(`fn: expected a parameter vector, got ${params === null ? 'nil' : String((params as { kind?: string }).kind ?? typeof params)}`);
  const fixed: Sym[] = [];
  let rest: Sym | null = null;
  const items = params.items;
  for (let i = 0; i < items.length; i++) {
    const p = items[i];
    if (!(p instanceof Sym)) programError('fn: parameters must be symbols (no destructuring)');
    if (p.name === '&') {
      const r = items[i + 1];
      if (!(r instanceof Sym) || i + 2 !== items.length) programError('fn: expected exactly one symbol after &');
      rest = r;
      break;
    }
    fixed.push(p);
  }
  return Object.freeze({ params: fixed, rest, body });
}

/** Parses the tail of `(fn name? [params] body…)` or `(fn name? ([params] body…)…)`. */
export function parseFn(form: List): { self: Sym | null; arities: Arity[] } {
  let items = form.items.slice(1);
  let self: Sym | null = null;
  if (items[0] instanceof Sym) {
    self = items[0];
    items = items.slice(1);
  }
  if (items[0] instanceof Vector) return { self, arities: [parseArity(items[0], items.slice(1))] };
  const arities = items.map((a) => {
    if (!(a instanceof List) || a.items.length === 0) return programError('fn: expected ([params] body…) clauses');
    return parseArity(a.items[0]!, a.items.slice(1));
  });
  if (arities.length === 0) programError('fn: no parameter vector');
  const counts = new Set<number>();
  for (const a of arities) {
    const key = a.rest === null ? a.params.length : -1 - a.params.length;
    if (counts.has(key)) programError('fn: two arities with the same number of parameters');
    counts.add(key);
  }
  return { self, arities };
}

function expandOnce(form: List): Value | undefined {
  const head = form.items[0];
  if (!(head instanceof Sym) || head.ns !== null) return undefined;
  const args = form.items.slice(1);
  switch (head.name) {
    case 'defn': {
      const name = args[0];
      if (!(name instanceof Sym)) return programError('defn: expected a name');
      const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1); // skip a docstring
      return L(S('def'), name, L(S('fn'), name, ...rest));
    }
    case 'when':
      return L(S('if'), args[0] ?? null, L(S('do'), ...args.slice(1)), null);
    case 'when-not':
      return L(S('if'), args[0] ?? null, null, L(S('do'), ...args.slice(1)));
    case 'cond': {
      if (args.length === 0) return null;
      if (args.length % 2 !== 0) return programError('cond: requires an even number of forms');
      return L(S('if'), args[0]!, args[1]!, L(S('cond'), ...args.slice(2)));
    }
    case 'and': {
      if (args.length === 0) return true;
      if (args.length === 1) return args[0]!;
      const g = gensym('and');
      return L(S('let'), new Vector([g, args[0]!]), L(S('if'), g, L(S('and'), ...args.slice(1)), g));
    }
    case 'or': {
      if (args.length === 0) return null;
      if (args.length === 1) return args[0]!;
      const g = gensym('or');
      return L(S('let'), new Vector([g, args[0]!]), L(S('if'), g, g, L(S('or'), ...args.slice(1))));
    }
    case 'dotimes': {
      const b = args[0];
      if (!(b instanceof Vector) || b.items.length !== 2 || !(b.items[0] instanceof Sym)) return programError('dotimes: expected [name count]');
      const i = b.items[0];
      const n = gensym('n');
      return L(S('let'), new Vector([n, b.items[1]!]), L(S('loop'), new Vector([i, 0n]), L(S('when'), L(S('<'), i, n), ...args.slice(1), L(S('recur'), L(S('inc'), i)))));
    }
    case 'if-let':
    case 'when-let': {
      const b = args[0];
      if (!(b instanceof Vector) || b.items.length !== 2 || !(b.items[0] instanceof Sym)) return programError(`${head.name}: expected [name expr]`);
      const g = gensym('t');
      const then = head.name === 'if-let' ? args[1] ?? null : L(S('do'), ...args.slice(1));
      const otherwise = head.name === 'if-let' ? args[2] ?? null : null;
      return L(S('let'), new Vector([g, b.items[1]!]), L(S('if'), g, L(S('let'), new Vector([b.items[0], g]), then), otherwise));
    }
    case '->':
    case '->>': {
      let acc: Value = args[0] ?? null;
      for (const step of args.slice(1)) {
        if (step instanceof List && step.items.length > 0) {
          const [f, ...rest] = step.items;
          acc = head.name === '->' ? L(f!, acc, ...rest) : L(f!, ...rest, acc);
        } else acc = L(step, acc);
      }
      return acc;
    }
    case 'comment':
      return null;
    case 'assert': {
      return L(S('if'), args[0] ?? null, null, L(S('throw'), L(S('hash-map'), kw('error'), kw('assertion-failed'), kw('message'), typeof args[1] === 'string' ? args[1] : 'assertion failed')));
    }
    default:
      return undefined;
  }
}

/** The names of the derived forms (expanded by {@link expand}). */
export const DERIVED_FORMS: ReadonlySet<string> = new Set(['defn', 'when', 'when-not', 'cond', 'and', 'or', 'dotimes', 'if-let', 'when-let', '->', '->>', 'comment', 'assert']);

const cache = new WeakMap<List, Value | undefined>();

/**
 * Expands a derived form (repeatedly) into a special form or call; `undefined` when `form` is
 * not derived. The expansion inherits `form`'s position through `positions`.
 */
export function expand(form: List, positions: WeakMap<object, Position>): Value | undefined {
  let out: Value | undefined = cache.get(form);
  if (out === undefined && !cache.has(form)) {
    let cur: Value = form;
    for (;;) {
      if (!(cur instanceof List)) break;
      const next = expandOnce(cur);
      if (next === undefined) break;
      out = next;
      cur = next;
    }
    cache.set(form, out);
  }
  // The cache is shared by kernels; each kernel keeps its own positions.
  const pos = positions.get(form);
  if (pos !== undefined && out instanceof List && !positions.has(out)) positions.set(out, pos);
  return out;
}
