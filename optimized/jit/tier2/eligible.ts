/**
 * Tier-2 eligibility and typing: decides whether a function (and, transitively, every global
 * function it calls) lies in the numeric subset that tier 2 compiles through LLVM, and types
 * every expression of it as an int64, a boolean or a byte string.
 *
 * The subset (docs/language.md, "Numbers"): parameters are ints or byte strings; nodes `const` (an int or a
 * boolean), `local`, `if`, `do`, `let`, `loop`, `recur` (to a loop or to the function), and
 * `call` whose head is the function itself (a named `fn`) or a `global` naming either a
 * capture-free closure with a fixed arity of that many parameters, or one of the natives of
 * {@link TIER2_NATIVES} applied to ints (or booleans, for `=`, `not=` and `not`; byte strings, for
 * `count`, `byte-at` and `not`). A parameter is typed `bytes` when it is used as the byte string of
 * `count`/`byte-at` or passed to a `bytes` parameter (a fixpoint; every other parameter is an
 * int); a byte string is never returned and never compared. Anything else
 * is not eligible, with a reason. Tier 2 never raises an error itself: every error condition is
 * a fallback to tier 1 (see docs/adr/0017-jit-tier2-wasm.md), so the subset needs no error values.
 * @module
 */
import type { Sym } from '../../../spec/Values.js';
import type { Arity, Lambda, Node } from '../../lang/front.js';

/** What a global names right now: a closure (its lambda), a native (its name), or neither. */
export type Resolver = (sym: Sym) => { readonly lambda: Lambda } | { readonly native: string } | null;

/** The type of a tier-2 expression: `never` when evaluation never yields a value (a `recur`). */
export type T2Type = 'int' | 'bool' | 'bytes' | 'never';

/** The kind of a tier-2 parameter: an int64, or a byte string (spec/Values.ts `Bytes`). */
export type T2ParamKind = 'int' | 'bytes';

/** The natives tier 2 compiles inline, with their argument-count bounds. */
export const TIER2_NATIVES: ReadonlyMap<string, { readonly min: number; readonly max: number }> = new Map([
  ['+', { min: 0, max: Infinity }],
  ['*', { min: 0, max: Infinity }],
  ['-', { min: 1, max: Infinity }],
  ['inc', { min: 1, max: 1 }],
  ['dec', { min: 1, max: 1 }],
  ['quot', { min: 2, max: 2 }],
  ['rem', { min: 2, max: 2 }],
  ['mod', { min: 2, max: 2 }],
  ['<', { min: 1, max: Infinity }],
  ['>', { min: 1, max: Infinity }],
  ['<=', { min: 1, max: Infinity }],
  ['>=', { min: 1, max: Infinity }],
  ['==', { min: 1, max: Infinity }],
  ['=', { min: 1, max: Infinity }],
  ['not=', { min: 1, max: Infinity }],
  ['zero?', { min: 1, max: 1 }],
  ['pos?', { min: 1, max: 1 }],
  ['neg?', { min: 1, max: 1 }],
  ['even?', { min: 1, max: 1 }],
  ['odd?', { min: 1, max: 1 }],
  ['not', { min: 1, max: 1 }],
  ['max', { min: 1, max: Infinity }],
  ['min', { min: 1, max: Infinity }],
  ['abs', { min: 1, max: 1 }],
  ['count', { min: 1, max: 1 }],
  ['byte-at', { min: 2, max: 2 }],
]);

/** How a `call` node is compiled, decided by the analysis (keyed by the node). */
export type CallTarget =
  /** A native of {@link TIER2_NATIVES}. */
  | { readonly kind: 'native'; readonly name: string }
  /** A closure call to function number `fn` of the plan. */
  | { readonly kind: 'fn'; readonly fn: number };

/** One function of a plan. */
export interface PlanFn {
  /** The arity compiled. */
  readonly arity: Arity;
  /** A readable name (for IR and messages). */
  readonly name: string;
  /** The type the function returns (never `bytes`). */
  readonly ret: T2Type;
  /** The kind of each parameter. */
  readonly params: readonly T2ParamKind[];
}

/** The result of a successful analysis: what to compile. Function 0 is the entry. */
export interface Plan {
  /** The functions, entry first. */
  readonly fns: readonly PlanFn[];
  /** The call targets of every `call` node in those functions. */
  readonly calls: ReadonlyMap<Node, CallTarget>;
  /** The type of every slot of each function (index as in `fns`). */
  readonly slotTypes: readonly ReadonlyMap<number, T2Type>[];
  /** The globals the compiled code depends on (closures and natives): redefining one invalidates it. */
  readonly deps: readonly Sym[];
}

/** The result of {@link analyze}: a plan, or why the arity is not in the subset. */
export type Analyzed = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly reason: string };

/** Why an arity is not in the tier-2 subset. */
class NotEligible extends Error {}
function no(reason: string): never {
  throw new NotEligible(reason);
}

const A: Record<T2Type, string> = { int: 'an int', bool: 'a boolean', bytes: 'a byte string', never: 'nothing' };

function join(a: T2Type, b: T2Type, what: string): T2Type {
  if (a === 'never') return b;
  if (b === 'never' || a === b) return a;
  return no(`${what} yields both ${A[a]} and ${A[b]}`);
}

/**
 * Decides whether `arity` (and every function it calls) is in the tier-2 subset, and plans its
 * compilation. `resolve` says what each global names now; the plan's `deps` lists those globals.
 */
export function analyze(arity: Arity, resolve: Resolver): Analyzed {
  try {
    return { ok: true, plan: new Analysis(resolve).run(arity) };
  } catch (e) {
    if (e instanceof NotEligible) return { ok: false, reason: e.message };
    throw e;
  }
}

class Analysis {
  private readonly fns: { arity: Arity; name: string; lambda: Lambda | null; ret: T2Type; params: T2ParamKind[] }[] = [];
  private readonly index = new Map<Arity, number>();
  private readonly calls = new Map<Node, CallTarget>();
  private readonly slotTypes: Map<number, T2Type>[] = [];
  private readonly deps = new Set<Sym>();
  /** Slots of the function being typed bound directly to a parameter (or to such a slot): the parameter. */
  private readonly alias = new Map<number, number>();
  private changed = false;

  constructor(private readonly resolve: Resolver) {}

  run(root: Arity): Plan {
    this.add(root, null, 'entry');
    // Return types grow from `never` to int or bool, parameter kinds from int to bytes: iterate to
    // the fixpoint (each can change at most once, so the rounds are bounded by their number + 1).
    for (let round = 0; ; round++) {
      this.changed = false;
      for (let i = 0; i < this.fns.length; i++) {
        const f = this.fns[i]!;
        const env = new Map<number, T2Type>();
        for (let p = 0; p < f.arity.params; p++) env.set(p, f.params[p]!);
        this.slotTypes[i] = env;
        this.alias.clear();
        const t = this.type(f.arity.body, i, env);
        if (t === 'bytes') no(`${f.name} returns a byte string`);
        const ret = join(f.ret, t, `function ${f.name}`);
        if (ret !== f.ret) {
          f.ret = ret;
          this.changed = true;
        }
      }
      if (!this.changed) break;
      if (round > 2 * this.fns.length + this.fns.reduce((s, f) => s + f.params.length, 0) + 2) no('internal: typing did not converge');
    }
    return {
      fns: this.fns.map((f) => ({ arity: f.arity, name: f.name, ret: f.ret, params: [...f.params] })),
      calls: this.calls,
      slotTypes: this.slotTypes,
      deps: [...this.deps],
    };
  }

  /** Registers a function to compile; returns its index. */
  private add(arity: Arity, lambda: Lambda | null, name: string): number {
    const known = this.index.get(arity);
    if (known !== undefined) return known;
    if (arity.rest) no(`${name} takes a rest parameter`);
    const i = this.fns.length;
    this.fns.push({ arity, name, lambda, ret: 'never', params: Array.from({ length: arity.params }, () => 'int' as const) });
    this.index.set(arity, i);
    this.changed = true;
    return i;
  }

  /** The fixed arity of `lambda` taking `argc` arguments, registered. */
  private arityOf(lambda: Lambda, argc: number, name: string): number {
    if (lambda.captures.length > 0) no(`${name} is a closure with captured values`);
    const a = lambda.arities.find((x) => !x.rest && x.params === argc);
    if (a === undefined) no(`${name} has no fixed arity of ${argc} parameters`);
    return this.add(a, lambda, name);
  }

  private type(n: Node, fn: number, env: Map<number, T2Type>): T2Type {
    switch (n.t) {
      case 'const':
        if (typeof n.v === 'bigint') return 'int';
        if (typeof n.v === 'boolean') return 'bool';
        return no(`constant of unsupported type (${n.v === null ? 'nil' : typeof n.v === 'object' ? (n.v as { kind?: string }).kind ?? 'object' : typeof n.v})`);
      case 'local': {
        const t = env.get(n.slot);
        if (t === undefined) return no(this.fns[fn]!.arity.selfSlot === n.slot ? 'the function used as a value' : `unsupported local (slot ${n.slot})`);
        return t;
      }
      case 'if': {
        const test = this.type(n.test, fn, env);
        if (test === 'never') return 'never';
        const th = this.type(n.then, fn, env);
        const el = this.type(n.else, fn, env);
        // An int or a byte string is always true: only `then` can be reached.
        return test !== 'bool' ? th : join(th, el, '`if`');
      }
      case 'do': {
        let t: T2Type = 'never';
        for (const x of n.body) {
          t = this.type(x, fn, env);
          if (t === 'never') return 'never';
        }
        return t;
      }
      case 'let':
      case 'loop': {
        for (let i = 0; i < n.slots.length; i++) {
          const t = this.type(n.inits[i]!, fn, env);
          if (t === 'never') return 'never';
          const slot = n.slots[i]!;
          // A loop variable bound to different types by its init and a later recur is caught at the recur.
          env.set(slot, t);
          const origin = this.origin(n.inits[i]!, fn);
          if (origin !== undefined) this.alias.set(slot, origin);
          else this.alias.delete(slot);
        }
        return this.type(n.body, fn, env);
      }
      case 'recur': {
        if (n.bad) return no('`recur` outside a tail position');
        const f = this.fns[fn]!;
        const want: T2Type[] = n.loop === null ? [...f.params] : n.loop.slots.map((s) => env.get(s) ?? no('internal: loop slot without a type'));
        if (n.loop === null && f.arity.rest) no('`recur` in a variadic function');
        if (n.args.length !== want.length) return no(`\`recur\` with ${n.args.length} arguments to a target of ${want.length}`);
        for (let i = 0; i < n.args.length; i++) {
          const t = this.type(n.args[i]!, fn, env);
          if (t === 'never') return 'never';
          const origin = n.loop === null ? i : this.alias.get(n.loop.slots[i]!);
          // (The parameter may be bytes already: the slot was bound before it was promoted.)
          if (t === 'bytes' && want[i] === 'int' && origin !== undefined) this.promote(fn, origin);
          else if (t !== want[i]) no(`\`recur\` passes ${A[t]} where the loop binds ${A[want[i]!]}`);
        }
        return 'never';
      }
      case 'call':
        return this.call(n, fn, env);
      case 'global':
        return no(`global ${n.sym.name} used as a value`);
      case 'cap':
        return no('captured variable');
      case 'fn':
        return no('creates a closure');
      case 'def':
        return no('`def` (a kernel call)');
      case 'throw':
        return no('`throw`');
      case 'try':
        return no('`try`');
      case 'coll':
        return no(`${n.of} literal`);
      case 'fail':
        return no(`syntax error: ${n.message}`);
    }
  }

  /** Parameter `p` of function `fn` is a byte string (it was an int): type again. */
  private promote(fn: number, p: number): void {
    this.fns[fn]!.params[p] = 'bytes';
    this.changed = true;
  }

  /** The parameter `n` is (a local bound to a parameter, directly or through other such locals), if any. */
  private origin(n: Node, fn: number): number | undefined {
    if (n.t !== 'local') return undefined;
    return n.slot < this.fns[fn]!.arity.params ? n.slot : this.alias.get(n.slot);
  }

  /** `arg`, used as the byte string of `op`, must be a parameter or bound to one (still typed int): it becomes `bytes`. */
  private bytesParam(arg: Node, fn: number, env: Map<number, T2Type>, op: string): void {
    const f = this.fns[fn]!;
    const origin = this.origin(arg, fn);
    if (arg.t !== 'local' || origin === undefined || env.get(arg.slot) === 'bool') no(`${op} of something other than a byte-string parameter`);
    // The parameter may be bytes already: the local was typed (or bound) before it was promoted;
    // the next round types it again.
    this.promote(fn, origin);
    env.set(arg.slot, 'bytes');
    env.set(origin, 'bytes');
  }

  private call(n: Extract<Node, { t: 'call' }>, fn: number, env: Map<number, T2Type>): T2Type {
    const head = n.fn;
    const argc = n.args.length;
    let target: CallTarget;
    const f = this.fns[fn]!;
    if (head.t === 'local' && head.slot === f.arity.selfSlot && f.arity.selfSlot >= 0) {
      // A named fn calling itself: the arity of its own lambda taking that many arguments.
      if (f.lambda !== null) target = { kind: 'fn', fn: this.arityOf(f.lambda, argc, f.name) };
      else if (argc === f.arity.params) target = { kind: 'fn', fn };
      else return no(`self-call of ${f.name} with ${argc} arguments to another arity`);
    } else if (head.t === 'global') {
      const r = this.resolve(head.sym);
      this.deps.add(head.sym);
      if (r === null) return no(`${head.sym.name} is not a function here`);
      if ('native' in r) {
        const spec = TIER2_NATIVES.get(r.native);
        if (spec === undefined) return no(`native ${r.native} is not in the tier-2 subset`);
        if (argc < spec.min || argc > spec.max) return no(`${r.native} with ${argc} arguments`);
        target = { kind: 'native', name: r.native };
      } else target = { kind: 'fn', fn: this.arityOf(r.lambda, argc, r.lambda.name ?? head.sym.name) };
    } else return no(`call of a ${head.t === 'local' ? 'local' : head.t} value`);
    this.calls.set(n, target);
    const types: T2Type[] = [];
    for (const a of n.args) {
      const t = this.type(a, fn, env);
      if (t === 'never') return 'never';
      types.push(t);
    }
    if (target.kind === 'fn') {
      const callee = this.fns[target.fn]!;
      types.forEach((t, i) => {
        const origin = this.origin(n.args[i]!, fn);
        if (t === 'bytes' && callee.params[i] === 'int') this.promote(target.fn, i);
        else if (t === 'int' && callee.params[i] === 'bytes' && origin !== undefined) this.promote(fn, origin);
        else if (t !== callee.params[i]) no(`${callee.name} called with ${A[t]} where it takes ${A[callee.params[i]!]}`);
      });
      return callee.ret;
    }
    const name = target.name;
    switch (name) {
      case 'not':
        return 'bool';
      case 'count':
      case 'byte-at':
        if (types[0] !== 'bytes') this.bytesParam(n.args[0]!, fn, env, name);
        if (name === 'byte-at' && types[1] !== 'int') no(`byte-at with ${A[types[1]!]} as the index`);
        return 'int';
      case '=':
      case 'not=':
        if (types.includes('bytes')) no(`${name} of a byte string`);
        if (!types.every((t) => t === types[0])) no(`${name} of an int and a boolean`);
        return 'bool';
      default:
        for (const t of types) if (t !== 'int') no(`${name} of ${A[t]}`);
        return ['<', '>', '<=', '>=', '==', 'zero?', 'pos?', 'neg?', 'even?', 'odd?'].includes(name) ? 'bool' : 'int';
    }
  }
}
