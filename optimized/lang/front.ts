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
import type { Position } from '../../spec/codec/Edn.js';
import { EMap, ESet, List, Sym, Vector, type Value } from '../../spec/Values.js';
import { DERIVED_FORMS, FormError, SPECIAL_FORMS, expandDerived, parseSpecial, type FnArity } from '../../spec/lang/forms.js';

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

/** The special forms (spec/lang/forms.ts). */
export const SPECIALS: ReadonlySet<string> = SPECIAL_FORMS;
/** The derived forms, expanded before compiling (spec/lang/forms.ts). */
export const DERIVED: ReadonlySet<string> = DERIVED_FORMS;

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
          if (SPECIALS.has(head.name)) return this.special(form, c, pos);
          if (DERIVED.has(head.name)) {
            const expanded = expandDerived(head.name, form.items.slice(1));
            if (expanded instanceof List && !this.positions.has(expanded) && pos !== null) this.positions.set(expanded, pos);
            return this.form(expanded, c, pos);
          }
        } catch (e) {
          if (e instanceof FormError) return { t: 'fail', message: e.message, pos };
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

  private special(form: List, c: Ctx, pos: Position | null): Node {
    const f = parseSpecial(form);
    const nonTail: Ctx = { scope: c.scope, tail: null };
    switch (f.t) {
      case 'quote':
        return { t: 'const', v: f.value };
      case 'if':
        return { t: 'if', test: this.form(f.test, nonTail, pos), then: this.form(f.then, c, pos), else: this.form(f.else, c, pos) };
      case 'do':
        return this.body(f.body, c, pos);
      case 'let':
      case 'loop': {
        const scope = c.scope;
        const saved = scope.block;
        const slots: number[] = [];
        const inits: Node[] = [];
        f.names.forEach((name, i) => {
          inits.push(this.form(f.inits[i]!, nonTail, pos));
          const s = scope.newSlot();
          scope.bind(name, s);
          slots.push(s);
        });
        const node = { t: f.t, slots, inits, body: null as unknown as Node, pos } as { t: 'let' | 'loop'; slots: number[]; inits: Node[]; body: Node; pos: Position | null };
        node.body = this.body(f.body, f.t === 'loop' ? { scope, tail: { loop: node, arity: false } } : c, pos);
        scope.block = saved;
        return node;
      }
      case 'def':
        return { t: 'def', sym: f.name, value: f.value === undefined ? null : this.form(f.value, nonTail, pos), pos };
      case 'fn':
        return { t: 'fn', lambda: this.lambda(form, f.self, f.arities, c.scope) };
      case 'recur': {
        const a = f.args.map((x) => this.form(x, nonTail, pos));
        if (c.tail === null) return { t: 'recur', args: a, loop: null, bad: true, pos };
        return { t: 'recur', args: a, loop: c.tail.loop, bad: false, pos };
      }
      case 'throw':
        return { t: 'throw', value: this.form(f.value, nonTail, pos), pos };
      case 'try': {
        // The body runs under the try (no recur across it); the handler replaces the try.
        const b = this.body(f.body, nonTail, pos);
        if (f.name === null) return { t: 'try', body: b, slot: -1, handler: null };
        const scope = c.scope;
        const saved = scope.block;
        const slot = scope.newSlot();
        scope.bind(f.name, slot);
        const h = this.body(f.handler, c, pos);
        scope.block = saved;
        return { t: 'try', body: b, slot, handler: h };
      }
    }
  }

  private lambda(form: List, self: Sym | null, parsed: readonly FnArity[], outer: FnScope): Lambda {
    const pos = this.pos(form);
    const caps: Captures = { list: [], index: new Map() };
    const arities: Arity[] = parsed.map((a) => {
      const scope = new FnScope({ scope: outer, block: outer.block }, caps, null);
      // Calling convention of every tier: parameters in slots 0…n-1, the rest parameter at n,
      // the function itself next. The self name is bound first so parameters shadow it.
      const params = a.params.map(() => scope.newSlot());
      const restSlot = a.rest !== null ? scope.newSlot() : -1;
      const selfSlot = self !== null ? scope.newSlot() : -1;
      if (self !== null) scope.bind(self, selfSlot);
      a.params.forEach((p, i) => scope.bind(p, params[i]!));
      if (a.rest !== null) scope.bind(a.rest, restSlot);
      const body = this.body(a.body, { scope, tail: { loop: null, arity: true } }, pos);
      return { params: a.params.length, rest: a.rest !== null, selfSlot, slots: scope.slots, body, names: a.params.map((p) => p.name), jit: newJit() };
    });
    return { name: self?.name ?? null, arities, captures: caps.list, id: lambdaIds++ };
  }
}

function newJit(): ArityJit {
  return { calls: 0, deopts: 0, code: null, native: null };
}
