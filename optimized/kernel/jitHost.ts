/**
 * The optimized kernel's JIT host: which tier runs a hot arity (the interpreter, tier 1's
 * generated JavaScript, tier 2's WebAssembly), when tier 1 compiles, and how tier 2 code is
 * compiled (synchronously or off the kernel's path) and handed over, valid while the globals it
 * depends on are unchanged (ADR 0018, ADR 0017, ADR 0023).
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { Fn, type Sym, type Value } from '../../spec/Values.js';
import type { Arity, Node } from '../lang/front.js';
import type { CompiledArity } from '../lang/machine.js';
import { implOf, type Runtime } from '../lang/runtime.js';
import { Tier1, type Tier2Hook } from '../jit/tier1.js';
import { analyze, compileAsync, compileSync, hasReduceDriver, tier2Available, type Plan, type Resolver, type Tier2Code, type Tier2Options } from '../jit/tier2/index.js';
import type { MutantSet } from '../mutants.js';

/** The JIT options of `createOptimizedKernel`. */
export interface JitConfig {
  /** The highest tier programs may use (default 1). */
  readonly tier?: 0 | 1 | 2;
  /** Calls of an arity before tier 1 compiles it (default 2). */
  readonly jitThreshold?: number;
  /** Calls of compiled code before tier 2 is tried (default 50). */
  readonly tier2Threshold?: number;
  /** Compile tier 2 synchronously (default: asynchronously). */
  readonly tier2Sync?: boolean;
}

/** What compiled code needs of the language: the globals and the built-ins' charges. */
export interface JitLanguage {
  /** The built-ins compiled code may inline, by name. */
  readonly builtins: ReadonlyMap<string, Fn>;
  /** What a global names now. */
  global(sym: Sym): Value | undefined;
  /** What each global names now, unchanged by later `def`s. */
  snapshot(): (sym: Sym) => Value | undefined;
  /** Charges built-in `name` for a result of `n` elements (new storage when `fresh`). */
  readonly charge: (name: string, n: number, fresh: boolean) => void;
  /** The heap-cell quota (a larger value is `out-of-memory`). */
  readonly heapCells: number;
}

/** Where tier-2 plans are compiled: on this thread (the default), or on another (a parallel-mode worker asks its coordinator). */
export interface Tier2Backend {
  /** Whether tier 2 can run, and why not. */
  available(): { readonly ok: boolean; readonly reason?: string };
  /** Compiles `plan` without blocking. */
  compile(plan: Plan, opts: Tier2Options): Promise<Tier2Code>;
  /** Compiles `plan`, blocking (absent: compilations are asynchronous whatever `tier2Sync` says). */
  readonly compileSync?: (plan: Plan, opts: Tier2Options) => Tier2Code;
}

/** Tier 2 compiled on this thread: LLVM here, `llc-14` in a child process. */
export const LOCAL_TIER2: Tier2Backend = { available: tier2Available, compile: compileAsync, compileSync };

/** Tier selection and compilation for the kernel's programs. */
export class JitHost {
  /** The JIT's first tier (null until the language boots). */
  tier1: Tier1 | null = null;
  private readonly tier: 0 | 1 | 2;
  private readonly jitThreshold: number;
  private readonly tier2Threshold: number;
  private readonly tier2Sync: boolean;

  /** A JIT host configured by `config`, compiling for `rt`, its tier-2 code compiled by `backend`. */
  constructor(
    config: JitConfig,
    private readonly rt: Runtime,
    private readonly mutants: MutantSet,
    private readonly backend: Tier2Backend = LOCAL_TIER2,
  ) {
    this.tier = config.tier ?? 1;
    this.jitThreshold = config.jitThreshold ?? 2;
    this.tier2Threshold = config.tier2Threshold ?? 50;
    this.tier2Sync = config.tier2Sync ?? false;
  }

  /** Starts tier 1 (and, at tier 2, its hook) for `lang`. */
  start(lang: JitLanguage): void {
    const m = this.mutants;
    this.tier1 = new Tier1({
      ...(this.tier === 2 ? { tier2: this.tier2Hook(lang) } : {}),
      rt: this.rt,
      builtins: lang.builtins,
      charge: lang.charge,
      heapCells: lang.heapCells,
      bugs: { wrongOverflow: m.has('jit-wrong-overflow'), wrongCapture: m.has('jit-wrong-capture'), staleCode: m.has('jit-stale-code'), fallbackDropsArg: m.has('jit-fallback-args'), offByOne: m.has('collection-off-by-one'), tryDepthLeak: m.has('jit-try-depth-leak') },
    });
  }

  /** Tier 1's code for a call of `arity` when it is hot, or null to interpret it. */
  compiled(arity: Arity): CompiledArity | null {
    if (this.tier < 1) return null;
    if (arity.jit.deopts > 2) return null; // it keeps reaching kernel calls: stay interpreted
    if (++arity.jit.calls <= this.jitThreshold) return null;
    return this.callCompiled;
  }

  private readonly callCompiled: CompiledArity = (fn, arity, args) => this.tier1!.callArity(fn, arity, args);

  /** Forgets what call sites learnt (after a `def` or a load). */
  forgetSites(): void {
    this.tier1?.forgetSites();
  }

  /** Hands hot arities in the numeric subset to tier 2 (LLVM → WebAssembly, optimized/jit/tier2). */
  private tier2Hook(lang: JitLanguage): Tier2Hook {
    const avail = this.backend.available();
    if (!avail.ok) throw new KernelError('unsupported', `JIT tier 2 is not available: ${avail.reason ?? 'unknown reason'}`);
    const resolve: Resolver = (sym) => {
      const v = lang.global(sym);
      if (!(v instanceof Fn)) return null;
      const impl = implOf(v);
      return impl.kind === 'closure' ? { lambda: impl.lambda } : impl.kind === 'native' ? { native: impl.name } : null;
    };
    const opts = { miscompileCompare: this.mutants.has('jit-tier2-compare'), rangeLoopInit: this.mutants.has('jit-tier2-range-init') };
    const reducers = new WeakMap<Arity, { code: Tier2Code | null; valid: () => boolean }>();
    /**
     * Compiles `plan` (synchronously under `tier2Sync`, else off the main path) and hands the code
     * to `ready` with a check that the globals it depends on are still what they are now; false
     * when a synchronous compilation failed (a failed asynchronous one leaves tier 1 in place).
     */
    const compile = (plan: Plan, ready: (code: Tier2Code, stillValid: () => boolean) => void): boolean => {
      const at = lang.snapshot();
      const done = (code: Tier2Code): void => {
        const stats = this.tier1!.stats;
        stats.tier2Compiled++;
        stats.tier2CompileMs += code.compileMs;
        ready(code, () => code.deps.every((d) => lang.global(d) === at(d)));
      };
      const sync = this.backend.compileSync;
      if (!this.tier2Sync || sync === undefined) {
        this.backend.compile(plan, opts).then(done, () => undefined);
        return true;
      }
      try {
        done(sync(plan, opts));
        return true;
      } catch {
        return false;
      }
    };
    return {
      threshold: this.tier2Threshold,
      offer: (arity, install) => {
        // Only code that loops or calls other functions repays a trip through the wasm boundary
        // (a leaf like (fn [a b] (+ a b)) runs faster in tier 1).
        if (!loopsOrCalls(arity.body, resolve)) return false;
        const a = analyze(arity, resolve);
        return a.ok && compile(a.plan, (code, stillValid) => install(code.entry, stillValid));
      },
      reducer: (arity) => {
        // One compilation per reducing function (leaves included: the driver's loop is what repays
        // the trip into wasm), at its first `reduce` over a vector; valid while its globals are.
        let r = reducers.get(arity);
        if (r === undefined) {
          const state: { code: Tier2Code | null; valid: () => boolean } = { code: null, valid: () => false };
          reducers.set(arity, state);
          const a = analyze(arity, resolve);
          if (a.ok && hasReduceDriver(a.plan))
            compile(a.plan, (code, stillValid) => {
              state.code = code;
              state.valid = stillValid;
            });
          r = state;
        }
        if (r.code === null) return null;
        if (!r.valid()) {
          // A global the code calls was redefined: tier 1 for good.
          r.code = null;
          return null;
        }
        return r.code.reduce ?? null;
      },
    };
  }
}

/** Whether a tree has a loop, a `recur`, or a call of something that may be a closure. */
function loopsOrCalls(n: Node, resolve: Resolver): boolean {
  switch (n.t) {
    case 'loop':
    case 'recur':
      return true;
    case 'call':
      // A local head is the function itself (a named fn) or a closure; a global may name one.
      if (n.fn.t === 'local' || n.fn.t === 'cap') return true;
      if (n.fn.t === 'global') {
        const r = resolve(n.fn.sym);
        if (r !== null && 'lambda' in r) return true;
      }
      return n.args.some((x) => loopsOrCalls(x, resolve));
    case 'if':
      return loopsOrCalls(n.test, resolve) || loopsOrCalls(n.then, resolve) || loopsOrCalls(n.else, resolve);
    case 'do':
      return n.body.some((x) => loopsOrCalls(x, resolve));
    case 'let':
      return n.inits.some((x) => loopsOrCalls(x, resolve)) || loopsOrCalls(n.body, resolve);
    default:
      return false;
  }
}
