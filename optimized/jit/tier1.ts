/**
 * JIT tier 1: compiles one arity of a system-language function to JavaScript source and
 * `new Function`. Locals become JS variables, `loop`/`recur` a labelled `while` (`recur` to the
 * function itself too), calls to the arithmetic and comparison built-ins are inlined with their
 * int64 checks, calls to globals go through an inline cache validated by the namespace version
 * (hot deploy), and every call and `recur` charges one unit of fuel, as tier 2 does.
 *
 * Compiled code runs a call to completion: it cannot stop at a scheduling point. When it reaches
 * a kernel call that may yield (or `def`), it throws `DEOPT` and the interpreter re-runs the call
 * from its start (optimized/lang/machine.ts): values are immutable, and the runtime restores fuel,
 * depth and function identities, so nothing observable happened in between.
 * @module
 */
import { printEdn } from '../../spec/codec/Edn.js';
import { KernelError } from '../../spec/Errors.js';
import { VersionedMap } from '../lang/vmap.js';
import { Bytes as BytesClass, EMap, Fn, INT64_MAX, INT64_MIN, IntOverflowError, List, List as ListClass, Sym, Vector as VectorClass, type Value } from '../../spec/Values.js';
import { Raised, QuotaExceeded, errorMap } from '../lang/errors.js';
import type { Arity, Lambda, LoopNode, Node } from '../lang/front.js';
import { applyData, buildColl, notAFunction, selectArity, spreadApply } from '../lang/machine.js';
import { DEOPT, Deopt, PURE_KERNEL_CALLS, implOf, type Closure, type Runtime } from '../lang/runtime.js';

/** Seeded JIT bugs (the `jit-*` mutants). */
export interface Tier1Bugs {
  /** `jit-wrong-overflow`: inlined `+`/`-`/`inc`/`dec` check only one bound of int64. */
  readonly wrongOverflow: boolean;
  /** `jit-wrong-capture`: closures created by one activation share one capture array (the last one wins). */
  readonly wrongCapture: boolean;
  /** `jit-stale-code`: global call sites keep the function they first saw (no namespace check). */
  readonly staleCode: boolean;
  /** `jit-fallback-args`: when tier-2 code gives up, tier 1 is re-entered without the last argument. */
  readonly fallbackDropsArg?: boolean;
  /** The natives' `collection-off-by-one` bug is on: `nth` is not inlined (the built-in has the bug). */
  readonly offByOne?: boolean;
  /** `jit-try-depth-leak`: a compiled `catch` keeps the call depth the failure was thrown at. */
  readonly tryDepthLeak?: boolean;
}

/** Compiled code of one arity: `(self, caps, ...params)`; a rest parameter arrives as one list-or-nil argument. */
export type Entry = (self: Fn, caps: readonly Value[], ...params: Value[]) => Value;

/** How tier 1 hands hot arities to tier 2 (optimized/jit/tier2): set by the kernel when tier 2 is on. */
export interface Tier2Hook {
  /** Calls of a compiled arity before tier 2 is tried. */
  readonly threshold: number;
  /**
   * Tries to compile `arity` for tier 2; calls `install(code)` when code is ready (at once, or
   * later when compiling asynchronously). Returns false when the arity is not eligible.
   */
  offer(arity: Arity, install: (code: Tier2Entry, stillValid: () => boolean) => void): boolean;
  /**
   * The tier-2 `reduce` driver of a reducing function's `arity` (two ints to an int), when its
   * code is ready and still valid; null otherwise (the first request starts its compilation).
   */
  reducer(arity: Arity): Tier2ReduceEntry | null;
}

/** A tier-2 `reduce` driver (see optimized/jit/tier2 `Tier2Reducer`). */
export type Tier2ReduceEntry = (init: bigint, items: VectorClass, fuel: number, depth: number, maxDepth: number) => { readonly status: 'ok'; readonly value: bigint | boolean; readonly fuelLeft: number } | { readonly status: 'fallback' };

/** A tier-2 function: `fallback` when tier 1 must run the call (any error or limit). */
export type Tier2Entry = ((args: readonly (bigint | BytesClass)[], fuel: number, depth: number, maxDepth: number) => { readonly status: 'ok'; readonly value: bigint | boolean; readonly fuelLeft: number } | { readonly status: 'fallback' }) & { readonly kinds?: readonly ('int' | 'bytes')[] };

/** What tier 1 needs besides the runtime. */
export interface Tier1Env {
  /** Tier 2, when enabled. */
  readonly tier2?: Tier2Hook;
  /** The runtime (fuel, depth, identities, globals). */
  readonly rt: Runtime;
  /** The built-ins the code may inline, by name (their function values). */
  readonly builtins: ReadonlyMap<string, Fn>;
  /** Seeded bugs. */
  readonly bugs: Tier1Bugs;
  /** Charges built-in `name` for a result of `n` elements (new storage when `fresh`), as the kernel charges every built-in. */
  readonly charge: (name: string, n: number, fresh: boolean) => void;
  /** The heap-cell quota (a larger value is `out-of-memory`). */
  readonly heapCells: number;
}

/** Statistics of the compiler (for `immutos bench jit` and tests). */
export interface Tier1Stats {
  /** Arities compiled. */
  compiled: number;
  /** Milliseconds spent compiling (codegen + `new Function`). */
  compileMs: number;
  /** Tier-2 compilations finished, and their total latency in ms (IR, llc-14, WebAssembly compile). */
  tier2Compiled: number;
  tier2CompileMs: number;
  /** Arities running tier-2 code. */
  tier2Installed: number;
  /** Calls served by tier-2 code / handed back to tier 1. */
  tier2Calls: number;
  tier2Fallbacks: number;
}

/** The globals the prelude's `reduce` reads on a vector (its loop is run in tier 2 only while they are the built-ins). */
const REDUCE_READS = ['seq', 'first', 'next'].map((name) => Sym.of(name));

/** The one arity of closure `f` when it has exactly one, of `n` fixed parameters (what a direct call can enter), else null. */
function soleArity(f: Value, n: number): Arity | null {
  if (!(f instanceof Fn)) return null;
  const impl = implOf(f);
  if (impl.kind !== 'closure' || impl.lambda.arities.length !== 1) return null;
  const a = impl.lambda.arities[0]!;
  return a.rest || a.params !== n ? null : a;
}

const INLINE = new Set(['reduce', '+', '-', '*', 'inc', 'dec', '<', '>', '<=', '>=', '=', '==', 'zero?', 'pos?', 'neg?', 'not', 'nil?', 'count', 'nth', 'first', 'next', 'rest', 'seq', 'quot', 'rem', 'mod', 'byte-at', 'get', 'assoc']);

/** The tier-1 compiler of one kernel. */
export class Tier1 {
  /** Compiler statistics. */
  readonly stats: Tier1Stats = { compiled: 0, compileMs: 0, tier2Compiled: 0, tier2CompileMs: 0, tier2Installed: 0, tier2Calls: 0, tier2Fallbacks: 0 };
  private readonly entries = new WeakMap<Arity, Entry>();
  private readonly helpers: Helpers;

  constructor(private readonly env: Tier1Env) {
    this.helpers = makeHelpers(env, this);
  }

  // Every compiled arity's call-site and global caches, to empty them: held weakly (each `forget` lives as
  // long as its code, through `siteKeep`), so registering never keeps code alive.
  private siteForgets: WeakRef<() => void>[] = [];
  private readonly siteKeep = new WeakMap<Entry, () => void>();

  /** Records that compiled `entry` has caches, emptied by `forget`. */
  registerSites(entry: Entry, forget: () => void): void {
    this.siteKeep.set(entry, forget);
    this.siteForgets.push(new WeakRef(forget));
  }

  /**
   * Empties every call-site and global cache of compiled code (the kernel calls it when the
   * namespace changes and when a program is loaded), so that no cache keeps a function version
   * nobody else can reach alive. Caches refill on their next use.
   */
  forgetSites(): void {
    const live: WeakRef<() => void>[] = [];
    for (const r of this.siteForgets) {
      const f = r.deref();
      if (f === undefined) continue;
      f();
      live.push(r);
    }
    this.siteForgets = live;
  }

  /**
   * `(reduce f init v)` over a vector, run whole by `f`'s tier-2 `reduce` driver, or undefined
   * when tier 1 must run it (no tier 2, `f` not a reducing function in the tier-2 subset, code not
   * ready, an item not an int, the prelude's `seq`/`first`/`next` redefined, or any error or
   * limit on the way: tier 1 then runs the call from the start and raises the exact error). Fuel,
   * depth and the allocation count end as tier 1's `reduce` leaves them: 1 for its call, what
   * `seq` charges for the vector's n elements (⌊n/16⌋ when n ≥ 16), then 2 per item.
   */
  reduceInTier2(f: Value, init: bigint, v: VectorClass): Value | undefined {
    const { tier2, rt, builtins, heapCells } = this.env;
    const a = soleArity(f, 2);
    if (tier2 === undefined || a === null) return undefined;
    for (const sym of REDUCE_READS) if (rt.host.global(sym) !== builtins.get(sym.name)) return undefined;
    const n = v.size;
    if (n > heapCells || rt.depth + 1 > rt.host.maxDepth) return undefined;
    const seqCost = n >= 16 ? n >> 4 : 0;
    const fuel = rt.fuel - 1 - seqCost;
    if (fuel < 0) return undefined;
    const reducer = tier2.reducer(a);
    if (reducer === null) return undefined;
    const r = reducer(init, v, fuel, rt.depth + 1, rt.host.maxDepth);
    if (r.status !== 'ok') {
      this.stats.tier2Fallbacks++;
      return undefined;
    }
    this.stats.tier2Calls++;
    rt.fuel = r.fuelLeft + seqCost;
    this.env.charge('seq', n, true);
    return r.value;
  }

  /** The compiled entry of `arity` (compiling it on first use). */
  entry(arity: Arity): Entry {
    let e = this.entries.get(arity);
    if (e === undefined) {
      const t0 = performance.now();
      e = compileArity(arity, this.env, this.helpers);
      this.stats.compileMs += performance.now() - t0;
      this.stats.compiled++;
      if (this.env.tier2 !== undefined && !arity.rest) e = this.counting(arity, e, this.env.tier2);
      this.entries.set(arity, e);
      arity.jit.code = e;
    }
    return e;
  }

  private install(arity: Arity, e: Entry): void {
    this.entries.set(arity, e);
    arity.jit.code = e;
  }

  /** Tier-1 code that counts its calls and offers the arity to tier 2 when it is hot. */
  private counting(arity: Arity, t1: Entry, hook: Tier2Hook): Entry {
    let calls = 0;
    const counted: Entry = (self, caps, ...params) => {
      if (++calls > hook.threshold) {
        this.install(arity, t1);
        const eligible = hook.offer(arity, (code, stillValid) => this.install(arity, this.tier2Entry(arity, t1, code, stillValid)));
        if (!eligible) this.install(arity, t1);
      }
      return t1(self, caps, ...params);
    };
    return counted;
  }

  /** Runs tier-2 `code` on arguments of its kinds (ints, byte strings), tier 1 otherwise, or on fallback, or once the code is stale. */
  private tier2Entry(arity: Arity, t1: Entry, code: Tier2Entry, stillValid: () => boolean): Entry {
    const rt = this.env.rt;
    const stats = this.stats;
    let version = rt.nsVersion;
    const kinds = code.kinds;
    stats.tier2Installed++;
    const e: Entry = (self, caps, ...params) => {
      if (rt.nsVersion !== version) {
        if (!stillValid()) {
          // A function it calls was redefined: back to tier 1 for good.
          stats.tier2Installed--;
          this.install(arity, t1);
          return t1(self, caps, ...params);
        }
        version = rt.nsVersion;
      }
      // Arguments of the kinds the code takes (ints everywhere when it says nothing), else tier 1.
      for (let i = 0; i < params.length; i++) if (kinds?.[i] === 'bytes' ? !(params[i] instanceof BytesClass) : typeof params[i] !== 'bigint') return t1(self, caps, ...params);
      const depth = rt.depth + 1;
      if (depth > rt.host.maxDepth || rt.fuel < 1) return t1(self, caps, ...params);
      const r = code(params as (bigint | BytesClass)[], rt.fuel - 1, depth, rt.host.maxDepth);
      if (r.status === 'ok') {
        stats.tier2Calls++;
        rt.fuel = r.fuelLeft;
        return r.value;
      }
      stats.tier2Fallbacks++;
      return this.env.bugs.fallbackDropsArg === true ? t1(self, caps, ...params.slice(0, -1)) : t1(self, caps, ...params);
    };
    return e;
  }

  /** Calls closure `fn` (arity already selected) with `args` through compiled code. */
  callArity(fn: Fn, arity: Arity, args: readonly Value[]): Value {
    const c = implOf(fn) as Closure;
    const e = this.entry(arity);
    return e(fn, c.caps, ...spread(arity, args));
  }

  /** The JavaScript source tier 1 generates for `arity` (for `--explain` and tests). */
  source(arity: Arity): string {
    return generate(arity, this.env).src;
  }
}

function spread(arity: Arity, args: readonly Value[]): Value[] {
  if (!arity.rest) return args as Value[];
  const out = args.slice(0, arity.params);
  out.push(args.length > arity.params ? new List(args.slice(arity.params)) : null);
  return out;
}

/** Run-time helpers the generated code calls (one object per kernel). */
interface Helpers {
  call(f: Value, args: Value[]): Value;
  call0(f: Value): Value;
  call1(f: Value, a: Value): Value;
  call2(f: Value, a: Value, b: Value): Value;
  call3(f: Value, a: Value, b: Value, c: Value): Value;
  /** `assoc` of one key on a versioned map, charged as the built-in is (a new version is new storage). */
  assocMap(m: VersionedMap, k: Value, v: Value): Value;
  /** `(reduce f init v)` (the prelude's `reduce`, bound to `g`) on a vector: the whole loop in tier 2 when it can, else the call. */
  reduceVector(g: Value, f: Value, init: bigint, v: VectorClass): Value;
  /** The list of `base` from `start` on (a walked sequence's value). */
  suffix(base: readonly Value[], start: number): Value;
  /** Registers the caches of compiled `entry` (`forget` empties them) for {@link Tier1.forgetSites}. */
  sites(entry: Entry, forget: () => void): void;
  /** The arity a call site may enter directly for closure `f` with `n` arguments (its code compiled), or null. */
  site(f: Value, n: number): Arity | null;
  global(sym: Sym): Value;
  caught(e: unknown): Value;
  coll(of: 'vector' | 'set' | 'map', items: Value[]): Value;
  raise(v: Value): never;
  fail(message: string): never;
  list(items: Value[]): Value;
  Raised: typeof Raised;
}

function makeHelpers(env: Tier1Env, t1: Tier1): Helpers {
  const { rt } = env;
  const call = (f: Value, args: Value[]): Value => {
    for (;;) {
      if (f instanceof Fn) {
        const impl = implOf(f);
        switch (impl.kind) {
          case 'closure': {
            const arity = selectArity(f, impl, args.length);
            return t1.entry(arity)(f, impl.caps, ...spread(arity, args));
          }
          case 'native':
            return impl.fn(args);
          case 'kernel':
            if (PURE_KERNEL_CALLS.has(impl.name)) return rt.kernelPure(impl.name, args);
            throw DEOPT;
          case 'apply':
            [f, args] = spreadApply(args, rt);
            continue;
        }
      }
      const d = applyData(f, args);
      if (d === undefined) throw notAFunction(f);
      return d;
    }
  };
  // Fast paths: a closure with one fixed arity of the right size is entered directly.
  const direct = (f: Value, n: number): Entry | null => {
    const a = soleArity(f, n);
    return a === null ? null : ((a.jit.code as Entry | null) ?? t1.entry(a));
  };
  return {
    call,
    sites: (entry, forget) => t1.registerSites(entry, forget),
    reduceVector: (g, f, init, v) => {
      const r = t1.reduceInTier2(f, init, v);
      return r !== undefined ? r : call(g, [f, init, v]);
    },
    suffix: (base, start) => ListClass.adopt(base as Value[]).drop(start),
    assocMap: (m, k, v) => {
      const r = m.assoc(k, v);
      env.charge('assoc', r.size, true);
      return r;
    },
    site: (f, n) => {
      const a = soleArity(f, n);
      if (a !== null && (a.jit.code === null || a.jit.code === undefined)) t1.entry(a);
      return a;
    },
    call0: (f) => {
      const e = direct(f, 0);
      return e !== null ? e(f as Fn, (implOf(f as Fn) as Closure).caps) : call(f, []);
    },
    call1: (f, a) => {
      const e = direct(f, 1);
      return e !== null ? e(f as Fn, (implOf(f as Fn) as Closure).caps, a) : call(f, [a]);
    },
    call2: (f, a, b) => {
      const e = direct(f, 2);
      return e !== null ? e(f as Fn, (implOf(f as Fn) as Closure).caps, a, b) : call(f, [a, b]);
    },
    call3: (f, a, b, c) => {
      const e = direct(f, 3);
      return e !== null ? e(f as Fn, (implOf(f as Fn) as Closure).caps, a, b, c) : call(f, [a, b, c]);
    },
    global: (sym) => {
      const g = rt.host.global(sym);
      if (g === undefined) throw new Raised('program-error', `unable to resolve symbol: ${sym.fullName}`);
      return g;
    },
    caught: (e) => {
      if (e instanceof Raised) return e.value;
      if (e instanceof Deopt || e instanceof QuotaExceeded) throw e;
      if (e instanceof KernelError && e.kind !== 'out-of-memory' && e.kind !== 'fuel-exhausted' && e.kind !== 'stack-overflow') return errorMap(e.kind, e.message);
      if (e instanceof IntOverflowError) return errorMap('program-error', e.message);
      throw e; // a JS RangeError (host stack) and anything else: the interpreter takes over
    },
    coll: buildColl,
    raise: (v) => {
      throw new Raised('program-error', `uncaught exception: ${printEdn(v)}`, v);
    },
    fail: (message) => {
      throw new Raised('program-error', message);
    },
    list: (items) => new List(items),
    Raised,
  };
}

interface Generated {
  readonly src: string;
  readonly consts: readonly Value[];
  readonly lambdas: readonly Lambda[];
  readonly syms: readonly Sym[];
}

/** Generates the source of `arity`. */
function generate(arity: Arity, env: Tier1Env): Generated {
  const consts: Value[] = [];
  const lambdas: Lambda[] = [];
  const syms: Sym[] = [];
  const symIndex = new Map<Sym, number>();
  const lines: string[] = [];
  let tmp = 0;
  let label = 0;
  const loopLabels = new Map<object, string>();
  const bugs = env.bugs;
  const fresh = (): string => `t${tmp++}`;
  const emitLine = (s: string): void => {
    lines.push(s);
  };
  const constant = (v: Value): string => {
    if (v === null) return 'null';
    if (v === true || v === false) return String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'string') return JSON.stringify(v);
    consts.push(v);
    return `K[${consts.length - 1}]`;
  };
  const symSlot = (s: Sym): number => {
    let i = symIndex.get(s);
    if (i === undefined) {
      i = syms.length;
      syms.push(s);
      symIndex.set(s, i);
    }
    return i;
  };
  // A global read through its inline cache (validated by the namespace version unless the stale-code bug is on).
  const globalRef = (s: Sym): string => {
    const i = symSlot(s);
    return bugs.staleCode ? `(G${i} !== undefined ? G${i} : (G${i} = H.global(S[${i}])))` : `(V${i} === rt.nsVersion ? G${i} : (V${i} = rt.nsVersion, G${i} = H.global(S[${i}])))`;
  };
  const builtinRefs = new Map<string, string>();
  let sites = 0;
  // A built-in's identity, read once when the code is made (the inlined fast paths compare against it).
  const builtinRef = (name: string): string => {
    let r = builtinRefs.get(name);
    if (r === undefined) builtinRefs.set(name, (r = `B${builtinRefs.size}`));
    return r;
  };
  // Sequence walks (see walkSlots): loop slots held as (array, index) instead of a list value.
  const walking = new Set<number>();
  const walkVars = new Set<number>();
  // A walked slot's value as a list (for the rare paths that need the value itself).
  const walkValue = (s: number): string => `(w${s}b !== null ? H.suffix(w${s}b, w${s}i) : s${s})`;
  // A walked slot takes the value in `s<slot>`: walked when it is a list, held as the value otherwise.
  const walkFrom = (s: number): string => `if (s${s} instanceof List) { w${s}b = s${s}.storage; w${s}i = s${s}.offset; } else w${s}b = null;`;
  const builtinFor = (n: Node): string | null => (n.t === 'global' && n.sym.ns === null && INLINE.has(n.sym.name) && env.builtins.has(n.sym.name) ? n.sym.name : null);

  /** Emits statements computing `n` into variable `t` (already declared). */
  const emit = (n: Node, t: string): void => {
    switch (n.t) {
      case 'const':
        emitLine(`${t} = ${constant(n.v)};`);
        return;
      case 'local':
        emitLine(`${t} = ${walking.has(n.slot) ? walkValue(n.slot) : `s${n.slot}`};`);
        return;
      case 'cap':
        emitLine(`${t} = c${n.i};`);
        return;
      case 'global':
        emitLine(`${t} = ${globalRef(n.sym)};`);
        return;
      case 'if': {
        if (n.test.t === 'local' && walking.has(n.test.slot)) {
          // A walked list is truthy (even when empty); nil and false are held as values.
          const w = n.test.slot;
          emitLine(`if (w${w}b !== null || (s${w} !== null && s${w} !== false)) {`);
          emit(n.then, t);
          emitLine('} else {');
          emit(n.else, t);
          emitLine('}');
          return;
        }
        const c = fresh();
        emitLine(`let ${c};`);
        emit(n.test, c);
        emitLine(`if (${c} !== null && ${c} !== false) {`);
        emit(n.then, t);
        emitLine('} else {');
        emit(n.else, t);
        emitLine('}');
        return;
      }
      case 'do':
        n.body.forEach((b, i) => {
          if (i === n.body.length - 1) emit(b, t);
          else {
            const x = fresh();
            emitLine(`let ${x};`);
            emit(b, x);
          }
        });
        return;
      case 'let':
        n.inits.forEach((init, i) => emit(init, `s${n.slots[i]}`));
        emit(n.body, t);
        return;
      case 'loop': {
        n.inits.forEach((init, i) => emit(init, `s${n.slots[i]}`));
        const walks = walkSlots(n, builtinFor);
        for (const w of walks) {
          walkVars.add(w);
          walking.add(w);
          emitLine(walkFrom(w));
        }
        const l = `L${label++}`;
        loopLabels.set(n, l);
        emitLine(`${l}: for (;;) {`);
        emit(n.body, t);
        emitLine('break;');
        emitLine('}');
        for (const w of walks) walking.delete(w);
        return;
      }
      case 'recur': {
        // A walked slot rebound by `(next s)`: the next position, or (at the end, or when `next`
        // is not the built-in) a value.
        const walkedAt = (i: number): number | null => {
          const slot = n.loop?.slots[i];
          const a = n.args[i]!;
          return slot !== undefined && walking.has(slot) && a.t === 'call' && builtinFor(a.fn) === 'next' && a.args.length === 1 && a.args[0]!.t === 'local' && a.args[0]!.slot === slot ? slot : null;
        };
        const vals = n.args.map((a, i) => {
          const x = fresh();
          const w = n.bad || n.loop === null || n.args.length !== n.loop.slots.length ? null : walkedAt(i);
          if (w !== null) {
            const g = fresh();
            emitLine(`let ${x} = null, ${x}b = null, ${x}i = 0;`);
            emitLine(`const ${g} = ${globalRef((a as { fn: { sym: Sym } }).fn.sym)};`);
            emitLine(`if (${g} === ${builtinRef('next')} && w${w}b !== null) { if (w${w}b.length - w${w}i > 1) { ${x}b = w${w}b; ${x}i = w${w}i + 1; } }`);
            emitLine(`else ${x} = (${g} === ${builtinRef('next')} && s${w} instanceof List ? (s${w}.size <= 1 ? null : s${w}.drop(1)) : H.call(${g}, [${walkValue(w)}]));`);
            return x;
          }
          emitLine(`let ${x};`);
          emit(a, x);
          return x;
        });
        if (n.bad) {
          emitLine(`H.fail(${JSON.stringify('recur must be in tail position of a loop or fn (and not across try)')});`);
          return;
        }
        if (n.loop !== null) {
          if (vals.length !== n.loop.slots.length) {
            emitLine(`H.fail(${JSON.stringify(`recur: expected ${n.loop.slots.length} arguments, got ${vals.length}`)});`);
            return;
          }
          vals.forEach((x, i) => {
            const slot = n.loop!.slots[i]!;
            if (walkedAt(i) !== null) emitLine(`if (${x}b !== null) { w${slot}b = ${x}b; w${slot}i = ${x}i; } else { s${slot} = ${x}; ${walkFrom(slot)} }`);
            else if (walking.has(slot)) emitLine(`s${slot} = ${x}; ${walkFrom(slot)}`);
            else emitLine(`s${slot} = ${x};`);
          });
          emitLine(`if (--rt.fuel < 0) rt.outOfFuel();`);
          emitLine(`continue ${loopLabels.get(n.loop)};`);
          return;
        }
        if (vals.length < arity.params || (!arity.rest && vals.length !== arity.params)) {
          emitLine(`H.fail(${JSON.stringify(`recur: expected ${arity.params} arguments, got ${vals.length}`)});`);
          return;
        }
        for (let i = 0; i < arity.params; i++) emitLine(`s${i} = ${vals[i]};`);
        if (arity.rest) emitLine(`s${arity.params} = ${vals.length > arity.params ? `H.list([${vals.slice(arity.params).join(', ')}])` : 'null'};`);
        emitLine(`if (--rt.fuel < 0) rt.outOfFuel();`);
        emitLine('continue F;');
        return;
      }
      case 'fn': {
        lambdas.push(n.lambda);
        const caps = n.lambda.captures.map((c) => (c.from === 'local' ? `s${c.index}` : `c${c.index}`));
        if (bugs.wrongCapture && caps.length > 0) {
          // Seeded bug: one capture array per activation, refilled by every closure it creates.
          emitLine(`if (box === undefined) box = [];`);
          caps.forEach((c, i) => emitLine(`box[${i}] = ${c};`));
          emitLine(`${t} = rt.closure(LAMBDAS[${lambdas.length - 1}], box);`);
        } else emitLine(`${t} = rt.closure(LAMBDAS[${lambdas.length - 1}], [${caps.join(', ')}]);`);
        return;
      }
      case 'call': {
        const b = builtinFor(n.fn);
        const a0 = n.args[0];
        if (b === 'first' && n.args.length === 1 && a0!.t === 'local' && walking.has(a0.slot)) {
          const w = a0.slot;
          const g = fresh();
          emitLine(`const ${g} = ${globalRef((n.fn as { sym: Sym }).sym)};`);
          emitLine(
            `${t} = (${g} === ${builtinRef('first')} ? (w${w}b !== null ? (w${w}i < w${w}b.length ? w${w}b[w${w}i] : null) : (s${w} instanceof List || s${w} instanceof Vector ? (s${w}.at(0) ?? null) : H.call(${g}, [s${w}]))) : H.call(${g}, [${walkValue(w)}]));`,
          );
          return;
        }
        // The language evaluates the head first, then the arguments left to right.
        let f = '';
        if (b !== null) {
          // A bound built-in's global read has no effect and cannot fail: it may come after the arguments.
        } else if (n.fn.t === 'local') f = `s${n.fn.slot}`;
        else if (n.fn.t === 'cap') f = `c${n.fn.i}`;
        else {
          f = fresh();
          emitLine(`let ${f};`);
          emit(n.fn, f);
        }
        const args = n.args.map((a) => {
          if (a.t === 'local') return `s${a.slot}`;
          if (a.t === 'cap') return `c${a.i}`;
          if (a.t === 'const' && (a.v === null || typeof a.v === 'bigint' || typeof a.v === 'boolean')) return constant(a.v);
          const x = fresh();
          emitLine(`let ${x};`);
          emit(a, x);
          return x;
        });
        if (b !== null) {
          f = fresh();
          emitLine(`const ${f} = ${globalRef((n.fn as { sym: Sym }).sym)};`);
          const inl = inline(b, f, args, bugs, builtinRef(b));
          if (inl !== null) {
            emitLine(`${t} = ${inl};`);
            return;
          }
        }
        if (args.length <= 3) {
          // A call site's inline cache: the lambda of the closure last called here and its arity,
          // whose current code is called (tier 1 or, once installed, tier 2) with the called
          // closure's own captures. A lambda never changes its code, so the cache is never stale.
          // It holds code, never a closure (no captured value is kept alive by it), and is
          // emptied, as the global caches are, when the namespace changes or a program is loaded
          // (Tier1.forgetSites), so it keeps no old function version alive either.
          const ic = sites++;
          emitLine(`if (!(${f} instanceof Fn) || ${f}.impl.lambda !== IL${ic}) { IA${ic} = H.site(${f}, ${args.length}); IL${ic} = IA${ic} === null ? null : ${f}.impl.lambda; }`);
          emitLine(`${t} = IL${ic} !== null ? IA${ic}.jit.code(${[f, `${f}.impl.caps`, ...args].join(', ')}) : H.call${args.length}(${[f, ...args].join(', ')});`);
        } else emitLine(`${t} = H.call(${f}, [${args.join(', ')}]);`);
        return;
      }
      case 'def':
        emitLine('throw DEOPT;');
        return;
      case 'throw': {
        const x = fresh();
        emitLine(`let ${x};`);
        emit(n.value, x);
        emitLine(`H.raise(${x});`);
        return;
      }
      case 'try': {
        const d = fresh();
        emitLine(`const ${d} = rt.depth;`);
        emitLine('try {');
        emit(n.body, t);
        emitLine('} catch (e) {');
        if (bugs.tryDepthLeak !== true) emitLine(`rt.depth = ${d};`);
        if (n.handler === null) {
          emitLine('H.caught(e);');
          emitLine(`${t} = null;`);
        } else {
          emitLine(`s${n.slot} = H.caught(e);`);
          emit(n.handler, t);
        }
        emitLine('}');
        return;
      }
      case 'coll': {
        const items = n.items.map((a) => {
          const x = fresh();
          emitLine(`let ${x};`);
          emit(a, x);
          return x;
        });
        emitLine(`${t} = H.coll(${JSON.stringify(n.of)}, [${items.join(', ')}]);`);
        return;
      }
      case 'fail':
        emitLine(`H.fail(${JSON.stringify(n.message)});`);
        return;
    }
  };

  const params = Array.from({ length: arity.params + (arity.rest ? 1 : 0) }, (_, i) => `s${i}`);
  const others: string[] = [];
  for (let s = params.length; s < arity.slots; s++) others.push(s === arity.selfSlot ? `s${s} = self` : `s${s} = null`);
  emitLine('let r;');
  emitLine('F: for (;;) {');
  emit(arity.body, 'r');
  emitLine('break;');
  emitLine('}');
  const body = lines.join('\n');
  for (const w of walkVars) others.push(`w${w}b = null`, `w${w}i = 0`);
  const capsDecl = Array.from({ length: maxCap(arity.body) + 1 }, (_, i) => `c${i} = caps[${i}]`);
  const globalsDecl = [
    ...syms.map((_, i) => `let G${i}, V${i} = -1;`),
    ...[...builtinRefs].map(([name, r]) => `const ${r} = B[${JSON.stringify(name)}];`),
    ...Array.from({ length: sites }, (_, i) => `let IL${i} = null, IA${i} = null;`),
  ].join('\n');
  // What Tier1.forgetSites empties: call-site caches and global caches (not under the stale-code
  // bug, whose global caches ignore redefinitions).
  const forgets = [...Array.from({ length: sites }, (_, i) => `IL${i} = null; IA${i} = null;`), ...(bugs.staleCode ? [] : syms.map((_, i) => `G${i} = undefined; V${i} = -1;`))];
  const forget = forgets.length === 0 ? '' : `\nH.sites(entry, () => { ${forgets.join(' ')} });`;
  const src = `${globalsDecl}
const entry = function entry(self, caps, ${params.join(', ')}) {
  if (++rt.depth > MAXDEPTH) rt.tooDeep(self.name);
  if (--rt.fuel < 0) rt.outOfFuel();
  ${capsDecl.length > 0 ? `const ${capsDecl.join(', ')};` : ''}
  ${others.length > 0 ? `let ${others.join(', ')};` : ''}
  ${env.bugs.wrongCapture ? 'let box;' : ''}
${body}
  rt.depth--;
  return r;
};${forget}
return entry;`;
  return { src, consts, lambdas, syms };
}

/**
 * The slots of `loop` that compiled code may hold as a *walk* — the array and index of a list —
 * instead of a list value, so that stepping through a sequence allocates nothing: slots whose
 * every use in the body is `(if s …)`, `(first s)`, or `(next s)` as the very argument that
 * rebinds the slot in a `recur` to this loop (the prelude's `reduce`, `map`, `filter`, `some`…).
 * A slot captured by a closure or used in any other way is not walked. The code still reads the
 * globals `first` and `next` on each use and takes the general path (with the list value) when
 * either is not the built-in, or when the value is not a list.
 */
function walkSlots(loop: LoopNode, builtinFor: (n: Node) => string | null): number[] {
  const cands = new Set(loop.slots);
  const isLocal = (n: Node | undefined): n is Extract<Node, { t: 'local' }> => n !== undefined && n.t === 'local';
  const visit = (n: Node): void => {
    switch (n.t) {
      case 'local':
        cands.delete(n.slot);
        return;
      case 'if':
        if (!isLocal(n.test)) visit(n.test);
        visit(n.then);
        visit(n.else);
        return;
      case 'call':
        if (builtinFor(n.fn) === 'first' && n.args.length === 1 && isLocal(n.args[0])) return;
        break;
      case 'recur': {
        const own = n.loop === loop && !n.bad && n.args.length === loop.slots.length;
        n.args.forEach((a, i) => {
          const slot = loop.slots[i]!;
          if (own && a.t === 'call' && builtinFor(a.fn) === 'next' && a.args.length === 1 && isLocal(a.args[0]) && a.args[0].slot === slot) return;
          if (own) cands.delete(slot);
          visit(a);
        });
        if (n.loop === loop && !own) loop.slots.forEach((x) => cands.delete(x));
        return;
      }
      case 'fn':
        for (const c of n.lambda.captures) if (c.from === 'local') cands.delete(c.index);
        return;
    }
    childNodes(n).forEach(visit);
  };
  visit(loop.body);
  return [...cands];
}

function maxCap(n: Node): number {
  let m = -1;
  const go = (x: Node): void => {
    if (x.t === 'cap') m = Math.max(m, x.i);
    else if (x.t === 'fn') for (const c of x.lambda.captures) if (c.from === 'cap') m = Math.max(m, c.index);
    childNodes(x).forEach(go);
  };
  go(n);
  return m;
}

/** The nodes `n` evaluates directly, in order (not a nested `fn`'s body: that is another arity). */
function childNodes(n: Node): readonly Node[] {
  switch (n.t) {
    case 'if':
      return [n.test, n.then, n.else];
    case 'do':
      return n.body;
    case 'let':
    case 'loop':
      return [...n.inits, n.body];
    case 'recur':
      return n.args;
    case 'call':
      return [n.fn, ...n.args];
    case 'def':
      return n.value === null ? [] : [n.value];
    case 'throw':
      return [n.value];
    case 'try':
      return n.handler === null ? [n.body] : [n.body, n.handler];
    case 'coll':
      return n.items;
    default:
      return [];
  }
}

const MIN = INT64_MIN;
const MAX = INT64_MAX;

/**
 * An inlined call of built-in `name` (bound to `f`) on `args`, or null to call it. The fast path
 * applies when `f` is still the built-in and the arguments are ints; otherwise the built-in runs.
 */
function inline(name: string, f: string, args: readonly string[], bugs: Tier1Bugs, builtin: string): string | null {
  const is = `${f} === ${builtin}`;
  const int = (x: string): string => `typeof ${x} === 'bigint'`;
  const [a, b] = args;
  // Out of range: the built-in itself raises the overflow error (with its exact message).
  const checked = (expr: string): string =>
    bugs.wrongOverflow ? `((r_ = ${expr}) <= ${MAX}n ? r_ : H.call(${f}, [${args.join(', ')}]))` : `((r_ = ${expr}) <= ${MAX}n && r_ >= ${MIN}n ? r_ : H.call(${f}, [${args.join(', ')}]))`;
  switch (name) {
    case '+':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${checked(`${a} + ${b}`)} : H.call(${f}, [${a}, ${b}]))`;
    case '-':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${checked(`${a} - ${b}`)} : H.call(${f}, [${a}, ${b}]))`;
    case '*':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${checked(`${a} * ${b}`)} : H.call(${f}, [${a}, ${b}]))`;
    case 'inc':
      if (args.length !== 1) return null;
      return `(${is} && ${int(a!)} ? ${checked(`${a} + 1n`)} : H.call(${f}, [${a}]))`;
    case 'dec':
      if (args.length !== 1) return null;
      return `(${is} && ${int(a!)} ? ${checked(`${a} - 1n`)} : H.call(${f}, [${a}]))`;
    case '<':
    case '>':
    case '<=':
    case '>=':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${a} ${name} ${b} : H.call(${f}, [${a}, ${b}]))`;
    case '==':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${a} === ${b} : H.call(${f}, [${a}, ${b}]))`;
    case '=':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} ? ${a} === ${b} : H.call(${f}, [${a}, ${b}]))`;
    case 'zero?':
      if (args.length !== 1) return null;
      return `(${is} && ${int(a!)} ? ${a} === 0n : H.call(${f}, [${a}]))`;
    case 'pos?':
      if (args.length !== 1) return null;
      return `(${is} && ${int(a!)} ? ${a} > 0n : H.call(${f}, [${a}]))`;
    case 'neg?':
      if (args.length !== 1) return null;
      return `(${is} && ${int(a!)} ? ${a} < 0n : H.call(${f}, [${a}]))`;
    case 'not':
      if (args.length !== 1) return null;
      return `(${is} ? (${a} === null || ${a} === false) : H.call(${f}, [${a}]))`;
    case 'nil?':
      if (args.length !== 1) return null;
      return `(${is} ? ${a} === null : H.call(${f}, [${a}]))`;
    // Integer division: a zero divisor (an error) and anything but two ints go to the built-in.
    case 'quot':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} && ${b} !== 0n ? ${checked(`${a} / ${b}`)} : H.call(${f}, [${a}, ${b}]))`;
    case 'rem':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} && ${b} !== 0n ? ${a} % ${b} : H.call(${f}, [${a}, ${b}]))`;
    case 'mod':
      if (args.length !== 2) return null;
      return `(${is} && ${int(a!)} && ${int(b!)} && ${b} !== 0n ? ((${a} % ${b}) + ${b}) % ${b} : H.call(${f}, [${a}, ${b}]))`;
    case 'byte-at':
      if (args.length !== 2) return null;
      return `(${is} && ${a} instanceof Bytes && ${int(b!)} && ${b} >= 0n && ${b} < ${a}.length ? BigInt(${a}.data[Number(${b})]) : H.call(${f}, [${a}, ${b}]))`;
    // The prelude's `reduce` on a vector with an int start: tier 2 may run the whole loop.
    case 'reduce':
      if (args.length !== 3) return null;
      return `(${is} && ${args[2]} instanceof Vector && typeof ${b} === 'bigint' ? H.reduceVector(${f}, ${a}, ${b}, ${args[2]}) : H.call(${f}, [${a}, ${b}, ${args[2]}]))`;
    // One key on a map the program already updates (a versioned map; others take the built-in's path).
    case 'assoc':
      if (args.length !== 3) return null;
      return `(${is} && ${a} instanceof VersionedMap ? H.assocMap(${a}, ${b}, ${args[2]}) : H.call(${f}, [${a}, ${b}, ${args[2]}]))`;
    case 'get':
      if (args.length !== 2 && args.length !== 3) return null;
      return `(${is} && ${a} instanceof EMap ? ((r_ = ${a}.get(${b})) !== undefined ? r_ : ${args[2] ?? 'null'}) : H.call(${f}, [${args.join(', ')}]))`;
    // Sequences: lists and vectors answer without copying (spec/Values.ts `at`, `size`, `drop`).
    case 'first':
      if (args.length !== 1) return null;
      return `(${is} && (${a} instanceof List || ${a} instanceof Vector) ? (${a}.at(0) ?? null) : H.call(${f}, [${a}]))`;
    case 'next':
      if (args.length !== 1) return null;
      return `(${is} && ${a} instanceof List ? (${a}.size <= 1 ? null : ${a}.drop(1)) : H.call(${f}, [${a}]))`;
    case 'rest':
      if (args.length !== 1) return null;
      return `(${is} && ${a} instanceof List && ${a}.size > 1 ? ${a}.drop(1) : H.call(${f}, [${a}]))`;
    case 'seq':
      if (args.length !== 1) return null;
      return `(${is} && ${a} instanceof List ? (${a}.size === 0 ? null : ${a}) : H.call(${f}, [${a}]))`;
    case 'count':
      if (args.length !== 1) return null;
      return `(${is} && (${a} instanceof List || ${a} instanceof Vector) ? BigInt(${a}.size) : H.call(${f}, [${a}]))`;
    case 'nth':
      if (args.length !== 2 || bugs.offByOne === true) return null;
      return `(${is} && ${a} instanceof Vector && typeof ${b} === 'bigint' && ${b} >= 0n && ${b} < ${a}.size ? ${a}.at(Number(${b})) : H.call(${f}, [${a}, ${b}]))`;
    default:
      return null;
  }
}

function compileArity(arity: Arity, env: Tier1Env, helpers: Helpers): Entry {
  const g = generate(arity, env);
  const B: Record<string, Fn> = Object.create(null);
  for (const [name, f] of env.builtins) B[name] = f;
  const factory = new Function('rt', 'H', 'K', 'S', 'LAMBDAS', 'B', 'DEOPT', 'MAXDEPTH', 'List', 'Vector', 'Bytes', 'EMap', 'VersionedMap', 'Fn', `let r_;\n${g.src}`) as (
    rt: Runtime,
    H: Helpers,
    K: readonly Value[],
    S: readonly Sym[],
    L: readonly Lambda[],
    B: Record<string, Fn>,
    D: typeof DEOPT,
    M: number,
    List: typeof ListClass,
    Vector: typeof VectorClass,
    Bytes: typeof BytesClass,
    Maps: typeof EMap,
    VMaps: typeof VersionedMap,
    Fns: typeof Fn,
  ) => Entry;
  return factory(env.rt, helpers, g.consts, g.syms, g.lambdas, B, DEOPT, env.rt.host.maxDepth, ListClass, VectorClass, BytesClass, EMap, VersionedMap, Fn);
}
