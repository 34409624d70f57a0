/**
 * The front end of the optimized kernel's system language: turns forms (EDN values) into a
 * resolved tree ({@link Node}) that the interpreter (tier 0) walks and the JIT (tiers 1 and 2)
 * compiles. Derived forms are expanded here; locals are resolved to slot numbers of their
 * function's activation, and variables of enclosing functions become captures (flat closures:
 * a closure copies the values it needs when it is created).
 *
 * The language's semantics are lazy about mistakes: an ill-formed special form, a bad `fn`
 * parameter list or a `recur` outside a tail position is an error only when (and if) it is
 * evaluated. The front end therefore never fails: it compiles such a form to a {@link Node} of
 * kind `fail` that raises the error when reached (see docs/language.md, ADR 0018).
 * @module
 */
import type { Position } from '../../spec/Edn.js';
import { EMap, ESet, List, Sym, Vector, kw, type Value } from '../../spec/Values.js';
import { isCatchClass } from '../../spec/Prelude.js';

/** A resolved program tree. One comment per kind. */
export type Node =
  /** A literal (or a quoted form). */
  | { readonly t: 'const'; readonly v: Value }
  /** A local of the current activation. */
  | { readonly t: 'local'; readonly slot: number }
  /** A value the current closure captured. */
  | { readonly t: 'cap'; readonly i: number }
  /** A global, looked up on every evaluation (hot deploy). */
  | { readonly t: 'global'; readonly sym: Sym; readonly pos: Position | null }
  /** `(if test then else)`. */
  | { readonly t: 'if'; readonly test: Node; readonly then: Node; readonly else: Node }
  /** A body of two or more forms. */
  | { readonly t: 'do'; readonly body: readonly Node[] }
  /** `let` (binds `slots` in order) or `loop` (also the target of `recur`). */
  | { readonly t: 'let' | 'loop'; readonly slots: readonly number[]; readonly inits: readonly Node[]; readonly body: Node; readonly pos: Position | null }
  /** `recur` to the enclosing loop (`loop` set) or function (`loop` null), or, when `bad`, a misplaced recur. */
  | { readonly t: 'recur'; readonly args: readonly Node[]; readonly loop: LoopNode | null; readonly bad: boolean; readonly pos: Position | null }
  /** `(fn …)`: creates a closure. */
  | { readonly t: 'fn'; readonly lambda: Lambda }
  /** A call: head and arguments evaluated left to right, then applied. */
  | { readonly t: 'call'; readonly fn: Node; readonly args: readonly Node[]; readonly pos: Position | null }
  /** `(def name value)`: a kernel call that swaps the namespace. */
  | { readonly t: 'def'; readonly sym: Sym; readonly value: Node | null; readonly pos: Position | null }
  /** `(throw value)`. */
  | { readonly t: 'throw'; readonly value: Node; readonly pos: Position | null }
  /** `(try body… (catch name handler…))`; `slot` is -1 without a name; `handler` null without a catch. */
  | { readonly t: 'try'; readonly body: Node; readonly slot: number; readonly handler: Node | null }
  /** A non-empty vector, set or map literal whose elements are evaluated (maps: k1 v1 k2 v2 …). */
  | { readonly t: 'coll'; readonly of: 'vector' | 'set' | 'map'; readonly items: readonly Node[]; readonly pos: Position | null }
  /** A form that raises `program-error` with `message` when evaluated (a syntax mistake). */
  | { readonly t: 'fail'; readonly message: string; readonly pos: Position | null };

/** A `loop` node (the target of a `recur`). */
export type LoopNode = Extract<Node, { t: 'let' | 'loop' }>;

/** Where a closure's capture comes from when the closure is created. */
export interface CaptureSource {
  /** From a local slot of the creating activation, or from one of its own captures. */
  readonly from: 'local' | 'cap';
  /** The slot or capture index. */
  readonly index: number;
}

/** One arity of a function. */
export interface Arity {
  /** Fixed parameters (slots 0…n-1). */
  readonly params: number;
  /** Whether a rest parameter (slot `params`) takes the extra arguments as a list (or nil). */
  readonly rest: boolean;
  /** The slot bound to the function itself (a named `fn`), or -1. */
  readonly selfSlot: number;
  /** Slots an activation needs. */
  readonly slots: number;
  /** The body. */
  readonly body: Node;
  /** Parameter names, for compiled code and messages. */
  readonly names: readonly string[];
  /** Per-arity data the tiers attach (compiled code, call counts); never semantic. */
  readonly jit: ArityJit;
}

/** What the JIT tiers keep about an arity. */
export interface ArityJit {
  /** Calls seen by the interpreter. */
  calls: number;
  /** Times compiled code had to fall back to the interpreter. */
  deopts: number;
  /** Compiled code (tier 1), once compiled. */
  code: unknown;
  /** Tier-2 code, once compiled. */
  native: unknown;
}

/** A `fn` form: arities and captures. */
export interface Lambda {
  /** The name a named `fn` gives itself (also the function value's name). */
  readonly name: string | null;
  /** The arities, in source order. */
  readonly arities: readonly Arity[];
  /** How to fill the closure's captures from the creating activation. */
  readonly captures: readonly CaptureSource[];
  /** A program-unique number (for generated code and caches). */
  readonly id: number;
}

/** The compiled form of a whole program (its top-level forms in order). */
export interface Program {
  /** The program as the body of a function of no arguments. */
  readonly main: Arity;
}

/** The special forms. */
export const SPECIALS: ReadonlySet<string> = new Set(['def', 'fn', 'let', 'if', 'do', 'quote', 'loop', 'recur', 'try', 'throw']);
/** The derived forms (expanded before compiling). */
export const DERIVED: ReadonlySet<string> = new Set(['defn', 'when', 'when-not', 'cond', 'and', 'or', 'dotimes', 'if-let', 'when-let', '->', '->>', 'comment', 'assert']);

class SyntaxFault extends Error {}
function bad(message: string): never {
  throw new SyntaxFault(message);
}

const S = (name: string): Sym => Sym.of(name);
const L = (...items: Value[]): List => new List(items);
let hidden = 0;
/** A symbol no program can write (its name starts with a space). */
function hiddenSym(prefix: string): Sym {
  return Sym.of(` ${prefix}#${hidden++}`);
}

/** One expansion step of a derived form; throws {@link SyntaxFault} for a malformed one. */
function expandDerived(name: string, args: readonly Value[]): Value {
  switch (name) {
    case 'defn': {
      const f = args[0];
      if (!(f instanceof Sym)) bad('defn: expected a name');
      const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1);
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
      const b = args[0];
      if (!(b instanceof Vector) || b.items.length !== 2 || !(b.items[0] instanceof Sym)) bad('dotimes: expected [name count]');
      const i = b.items[0];
      const n = hiddenSym('n');
      return L(S('let'), new Vector([n, b.items[1]!]), L(S('loop'), new Vector([i, 0n]), L(S('when'), L(S('<'), i, n), ...args.slice(1), L(S('recur'), L(S('inc'), i)))));
    }
    case 'if-let':
    case 'when-let': {
      const b = args[0];
      if (!(b instanceof Vector) || b.items.length !== 2 || !(b.items[0] instanceof Sym)) bad(`${name}: expected [name expr]`);
      const g = hiddenSym('t');
      const then = name === 'if-let' ? (args[1] ?? null) : L(S('do'), ...args.slice(1));
      const otherwise = name === 'if-let' ? (args[2] ?? null) : null;
      return L(S('let'), new Vector([g, b.items[1]!]), L(S('if'), g, L(S('let'), new Vector([b.items[0], g]), then), otherwise));
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

/** A lexical block: names bound to slots of the current function. */
interface Block {
  readonly names: Map<Sym, number>;
  readonly up: Block | null;
}

/** The captures of one lambda, shared by its arities. */
interface Captures {
  readonly list: CaptureSource[];
  readonly index: Map<string, number>;
}

/** The function (arity) being compiled. */
class FnScope {
  slots = 0;
  constructor(
    readonly parent: { readonly scope: FnScope; readonly block: Block | null } | null,
    readonly caps: Captures,
    public block: Block | null,
  ) {}

  newSlot(): number {
    return this.slots++;
  }

  /** Resolves `name` to a local or capture node, or null for a global. */
  resolve(name: Sym): Node | null {
    for (let b = this.block; b !== null; b = b.up) {
      const s = b.names.get(name);
      if (s !== undefined) return { t: 'local', slot: s };
    }
    if (this.parent === null) return null;
    const outer = this.parent.scope;
    const saved = outer.block;
    outer.block = this.parent.block;
    const found = outer.resolve(name);
    outer.block = saved;
    if (found === null) return null;
    const src: CaptureSource = found.t === 'local' ? { from: 'local', index: found.slot } : { from: 'cap', index: (found as { i: number }).i };
    const key = `${src.from}:${src.index}`;
    let i = this.caps.index.get(key);
    if (i === undefined) {
      i = this.caps.list.length;
      this.caps.list.push(src);
      this.caps.index.set(key, i);
    }
    return { t: 'cap', i };
  }

  bind(name: Sym, slot: number): void {
    this.block = { names: new Map([[name, slot]]), up: this.block };
  }
}

/** Where a `recur` may go from the form being compiled. */
type RecurTarget = { readonly loop: LoopNode | null; readonly arity: boolean } | null;

interface Ctx {
  readonly scope: FnScope;
  /** The recur target if the form is in tail position of a loop or fn, else null. */
  readonly tail: RecurTarget;
}

let lambdaIds = 0;

/** Compiles forms into trees. `positions` gives source positions of list forms (for messages). */
export class Compiler {
  constructor(private readonly positions: WeakMap<object, Position>) {}

  /** Compiles a whole program (its top-level forms, evaluated in order). */
  program(forms: readonly Value[]): Program {
    const scope = new FnScope(null, { list: [], index: new Map() }, null);
    const body = this.body(forms, { scope, tail: null }, null);
    return { main: { params: 0, rest: false, selfSlot: -1, slots: scope.slots, body, names: [], jit: newJit() } };
  }

  private pos(form: Value): Position | null {
    return form !== null && typeof form === 'object' ? (this.positions.get(form) ?? null) : null;
  }

  private body(forms: readonly Value[], c: Ctx, pos: Position | null): Node {
    if (forms.length === 0) return { t: 'const', v: null };
    if (forms.length === 1) return this.form(forms[0]!, c, pos);
    const nonTail: Ctx = { scope: c.scope, tail: null };
    return { t: 'do', body: forms.map((f, i) => this.form(f, i === forms.length - 1 ? c : nonTail, pos)) };
  }

  // Compiles one form; `outer` is the position of the enclosing list form.
  private form(form: Value, c: Ctx, outer: Position | null): Node {
    if (form instanceof Sym) return c.scope.resolve(form) ?? { t: 'global', sym: form, pos: outer };
    if (form instanceof List) {
      if (form.items.length === 0) return { t: 'const', v: form };
      const pos = this.pos(form) ?? outer;
      const head = form.items[0]!;
      if (head instanceof Sym && head.ns === null && c.scope.resolve(head) === null) {
        try {
          if (SPECIALS.has(head.name)) return this.special(head.name, form, c, pos);
          if (DERIVED.has(head.name)) {
            const expanded = expandDerived(head.name, form.items.slice(1));
            if (expanded instanceof List && !this.positions.has(expanded) && pos !== null) this.positions.set(expanded, pos);
            return this.form(expanded, c, pos);
          }
        } catch (e) {
          if (e instanceof SyntaxFault) return { t: 'fail', message: e.message, pos };
          throw e;
        }
      }
      const nonTail: Ctx = { scope: c.scope, tail: null };
      const fn = this.form(head, nonTail, pos);
      return { t: 'call', fn, args: form.items.slice(1).map((a) => this.form(a, nonTail, pos)), pos };
    }
    const nonTail: Ctx = { scope: c.scope, tail: null };
    if (form instanceof Vector && form.items.length > 0) return { t: 'coll', of: 'vector', items: form.items.map((x) => this.form(x, nonTail, outer)), pos: outer };
    if (form instanceof ESet && form.items.length > 0) return { t: 'coll', of: 'set', items: form.items.map((x) => this.form(x, nonTail, outer)), pos: outer };
    if (form instanceof EMap && form.size > 0) return { t: 'coll', of: 'map', items: form.entries.flatMap(([k, v]) => [this.form(k, nonTail, outer), this.form(v, nonTail, outer)]), pos: outer };
    return { t: 'const', v: form };
  }

  private special(name: string, form: List, c: Ctx, pos: Position | null): Node {
    const args = form.items.slice(1);
    const nonTail: Ctx = { scope: c.scope, tail: null };
    switch (name) {
      case 'quote':
        if (args.length !== 1) bad('quote: expected exactly one form');
        return { t: 'const', v: args[0]! };
      case 'if':
        if (args.length < 2 || args.length > 3) bad('if: expected (if test then else?)');
        return { t: 'if', test: this.form(args[0]!, nonTail, pos), then: this.form(args[1]!, c, pos), else: this.form(args[2] ?? null, c, pos) };
      case 'do':
        return this.body(args, c, pos);
      case 'let':
      case 'loop': {
        const b = args[0];
        if (!(b instanceof Vector) || b.items.length % 2 !== 0) bad(`${name}: expected a binding vector [name value …]`);
        for (let i = 0; i < b.items.length; i += 2) if (!(b.items[i] instanceof Sym)) bad(`${name}: binding names must be symbols (no destructuring)`);
        const scope = c.scope;
        const saved = scope.block;
        const slots: number[] = [];
        const inits: Node[] = [];
        for (let i = 0; i < b.items.length; i += 2) {
          inits.push(this.form(b.items[i + 1]!, nonTail, pos));
          const s = scope.newSlot();
          scope.bind(b.items[i] as Sym, s);
          slots.push(s);
        }
        const node = { t: name, slots, inits, body: null as unknown as Node, pos } as { t: 'let' | 'loop'; slots: number[]; inits: Node[]; body: Node; pos: Position | null };
        node.body = this.body(args.slice(1), name === 'loop' ? { scope, tail: { loop: node, arity: false } } : c, pos);
        scope.block = saved;
        return node;
      }
      case 'def': {
        const n = args[0];
        if (!(n instanceof Sym) || args.length > 2) bad('def: expected (def name value)');
        return { t: 'def', sym: n, value: args.length === 1 ? null : this.form(args[1]!, nonTail, pos), pos };
      }
      case 'fn':
        return { t: 'fn', lambda: this.lambda(form, c.scope) };
      case 'recur': {
        const a = args.map((x) => this.form(x, nonTail, pos));
        if (c.tail === null) return { t: 'recur', args: a, loop: null, bad: true, pos };
        return { t: 'recur', args: a, loop: c.tail.loop, bad: false, pos };
      }
      case 'throw':
        if (args.length !== 1) bad('throw: expected exactly one value');
        return { t: 'throw', value: this.form(args[0]!, nonTail, pos), pos };
      case 'try': {
        let body = args;
        let catchName: Sym | null = null;
        let handler: Value[] | null = null;
        const last = args.at(-1);
        if (last instanceof List && last.items[0] === S('catch')) {
          body = args.slice(0, -1);
          const k = last.items;
          // (catch e body…), or Clojure style (catch Exception e body…): see spec/Prelude.ts CATCH_CLASSES
          if (isCatchClass(k[1]) && k[2] instanceof Sym) {
            catchName = k[2];
            handler = k.slice(3);
          } else if (k[1] instanceof Sym) {
            catchName = k[1];
            handler = k.slice(2);
          } else bad('catch: expected (catch name body…) or (catch Exception name body…)');
        }
        // The body runs under the try (no recur across it); the handler replaces the try.
        const b = this.body(body, nonTail, pos);
        if (handler === null || catchName === null) return { t: 'try', body: b, slot: -1, handler: null };
        const scope = c.scope;
        const saved = scope.block;
        const slot = scope.newSlot();
        scope.bind(catchName, slot);
        const h = this.body(handler, c, pos);
        scope.block = saved;
        return { t: 'try', body: b, slot, handler: h };
      }
    }
    return bad(`unknown special form ${name}`);
  }

  private lambda(form: List, outer: FnScope): Lambda {
    let items = form.items.slice(1);
    let self: Sym | null = null;
    if (items[0] instanceof Sym) {
      self = items[0];
      items = items.slice(1);
    }
    let clauses: { params: Value; body: readonly Value[] }[];
    if (items[0] instanceof Vector) clauses = [{ params: items[0], body: items.slice(1) }];
    else {
      clauses = items.map((a) => {
        if (!(a instanceof List) || a.items.length === 0) bad('fn: expected ([params] body…) clauses');
        return { params: a.items[0]!, body: a.items.slice(1) };
      });
    }
    // Parameter lists are checked before arity counts, clause by clause (as the language defines).
    const parsed = clauses.map((cl) => ({ ...parseParams(cl.params), body: cl.body }));
    if (parsed.length === 0) bad('fn: no parameter vector');
    const seen = new Set<number>();
    for (const a of parsed) {
      const key = a.rest === null ? a.fixed.length : -1 - a.fixed.length;
      if (seen.has(key)) bad('fn: two arities with the same number of parameters');
      seen.add(key);
    }
    const pos = this.pos(form);
    const caps: Captures = { list: [], index: new Map() };
    const arities: Arity[] = parsed.map((a) => {
      const scope = new FnScope({ scope: outer, block: outer.block }, caps, null);
      // Calling convention of every tier: parameters in slots 0…n-1, the rest parameter at n,
      // the function itself next. The self name is bound first so parameters shadow it.
      const params = a.fixed.map(() => scope.newSlot());
      const restSlot = a.rest !== null ? scope.newSlot() : -1;
      const selfSlot = self !== null ? scope.newSlot() : -1;
      if (self !== null) scope.bind(self, selfSlot);
      a.fixed.forEach((p, i) => scope.bind(p, params[i]!));
      if (a.rest !== null) scope.bind(a.rest, restSlot);
      const body = this.body(a.body, { scope, tail: { loop: null, arity: true } }, pos);
      return { params: a.fixed.length, rest: a.rest !== null, selfSlot, slots: scope.slots, body, names: a.fixed.map((p) => p.name), jit: newJit() };
    });
    return { name: self?.name ?? null, arities, captures: caps.list, id: lambdaIds++ };
  }
}

function newJit(): ArityJit {
  return { calls: 0, deopts: 0, code: null, native: null };
}

function parseParams(params: Value): { fixed: Sym[]; rest: Sym | null } {
  if (!(params instanceof Vector)) bad(`fn: expected a parameter vector, got ${params === null ? 'nil' : String((params as { kind?: string }).kind ?? typeof params)}`);
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
  return { fixed, rest };
}
