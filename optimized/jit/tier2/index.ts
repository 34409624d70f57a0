/**
 * JIT tier 2: hot numeric functions of the system language compiled through LLVM to
 * WebAssembly (docs/adr/0017-jit-tier2-wasm.md).
 *
 * Use: {@link analyze} an arity (is it in the numeric subset? which globals does it depend
 * on?), then {@link compileAsync} its plan (off the main path: `llc-14` runs in a child
 * process), then call {@link Tier2Code.entry}. Tier-2 code has exactly the language's numeric
 * semantics but never raises an error: on overflow, division by zero, fuel or depth exhausted
 * it answers `fallback`, and the caller re-runs the same call in tier 1, which raises the exact
 * error. Fuel is charged as tier 1 charges it (1 per closure call, 1 per `recur`), so fuel is
 * the same in every tier. Redefining any global of {@link Tier2Code.deps} invalidates the code.
 * @module
 */
import { Bytes, Vector, type Sym } from '../../../spec/Values.js';
import type { Arity } from '../../lang/front.js';
import { analyze as analyzeArity, type Analyzed, type Plan, type Resolver, type T2ParamKind } from './eligible.js';
import { entryName, generateIR, hasReduceDriver, loadLlvm, reduceName, type CodegenOptions } from './codegen.js';
import { Tier2CompileError, emitAsync, emitSync, llcAvailable } from './backend.js';
import { Wasm, type WasmMemory, type WasmModule } from './wasm.js';

export type { Analyzed, Plan, Resolver, T2Type, T2ParamKind, PlanFn, CallTarget } from './eligible.js';
export { TIER2_NATIVES } from './eligible.js';
export { Tier2CompileError, clearCache, cacheSize } from './backend.js';
export { generateIR, hasReduceDriver, type Tier2Target, type CodegenOptions } from './codegen.js';

/** Options of a tier-2 compilation. */
export interface Tier2Options {
  /** Seeded bug (the mutant `jit-tier2-compare`): `<` compiled as `<=`. Never on by default. */
  readonly miscompileCompare?: boolean;
  /** Seeded bug (the mutant `jit-tier2-range-init`): loop variables' ranges taken from their initial values alone. */
  readonly rangeLoopInit?: boolean;
  /** Run `opt-14` (inlining, scalar clean-up) before `llc-14` when it is installed (default true, ADR 0049). */
  readonly optimize?: boolean;
}

/** The outcome of one tier-2 call. */
export type Tier2Result =
  /** The call returned `value`; `fuelLeft` is the fuel remaining (as tier 1 would leave it). */
  | { readonly status: 'ok'; readonly value: bigint | boolean; readonly fuelLeft: number }
  /** Tier 2 met an error condition (or a resource limit): re-run the call in tier 1. */
  | { readonly status: 'fallback' };

/**
 * A tier-2 entry: runs the function on its arguments, one per parameter, an int64 where
 * {@link Tier2EntryFn.kinds} says `int` and a byte string where it says `bytes` (any other
 * argument: `fallback`). The caller has already charged this call as tier 1 does: `fuel` is what
 * is left after that charge, `depth` is the depth of this activation (already checked against
 * `maxDepth`). Never throws for a program's reasons.
 */
export interface Tier2EntryFn {
  (args: readonly (bigint | Bytes)[], fuel: number, depth: number, maxDepth: number): Tier2Result;
  /** The kind of each parameter, for callers that check their arguments before calling. */
  readonly kinds: readonly T2ParamKind[];
}

/**
 * A tier-2 `reduce` driver: runs `(reduce f init items)` for the function `f` it was compiled
 * with, when every item of the vector is an int (else, or on any error or limit, `fallback`).
 * `fuel` is what is left after the caller charged what tier 1's `reduce` charges before its loop;
 * `depth` is the depth of the `reduce` activation. Charges 1 per call of `f` and 1 per step.
 */
export type Tier2Reducer = (init: bigint, items: Vector, fuel: number, depth: number, maxDepth: number) => Tier2Result;

/** Compiled tier-2 code of one function (with the functions it calls). */
export interface Tier2Code {
  /** Runs the function (see {@link Tier2EntryFn}). */
  readonly entry: Tier2EntryFn;
  /** The `reduce` driver, for a function of two ints returning an int. */
  readonly reduce?: Tier2Reducer;
  /** The kind of each parameter of the entry (the same array as `entry.kinds`). */
  readonly kinds: readonly T2ParamKind[];
  /** Wall time of this compilation (IR generation, llc, WebAssembly compile), in ms; ~0 on a cache hit. */
  readonly compileMs: number;
  /** The globals the code depends on (closures it calls and natives): redefining one invalidates it. */
  readonly deps: readonly Sym[];
  /** The generated LLVM IR (for `--explain`-style reports). */
  readonly ir: string;
}

/**
 * Decides whether `arity` (and, transitively, every global function it calls, as `resolve`
 * names them now) is in the tier-2 subset; if not, says why.
 */
export function analyze(arity: Arity, resolve: Resolver): Analyzed {
  return analyzeArity(arity, resolve);
}

/** Whether tier 2 can run here: `llvm-bindings` loads and `llc-14` targets wasm32. */
export function tier2Available(): { readonly ok: boolean; readonly reason?: string } {
  try {
    loadLlvm();
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  return llcAvailable();
}

/** Compiles a plan without blocking: `llc-14` runs in a child process. */
export async function compileAsync(plan: Plan, opts: Tier2Options = {}): Promise<Tier2Code> {
  return (await compileManyAsync([plan], opts))[0]!;
}

/** What code generation takes of a compilation's options (WebAssembly, and the seeded bugs asked for). */
function irOptions(opts: Tier2Options): CodegenOptions {
  return { target: 'wasm32', miscompileCompare: opts.miscompileCompare === true, rangeLoopInit: opts.rangeLoopInit === true };
}

/** Compiles a plan, blocking until `llc-14` is done (tests and benchmarks only). */
export function compileSync(plan: Plan, opts: Tier2Options = {}): Tier2Code {
  return compileManySync([plan], opts)[0]!;
}

/**
 * Compiles several plans into one module with one `opt-14` and one `llc-14` run (their start-up dominates a small
 * compilation), without blocking. Each code's `compileMs` is the whole batch's.
 */
export async function compileManyAsync(plans: readonly Plan[], opts: Tier2Options = {}): Promise<Tier2Code[]> {
  const t0 = performance.now();
  const ir = generateIR(plans, irOptions(opts));
  const module = await emitAsync(ir, opts.optimize !== false);
  return instantiate(plans, ir, module, performance.now() - t0);
}

/** {@link compileManyAsync}, blocking (tests and benchmarks only). */
export function compileManySync(plans: readonly Plan[], opts: Tier2Options = {}): Tier2Code[] {
  const t0 = performance.now();
  const ir = generateIR(plans, irOptions(opts));
  const module = emitSync(ir, opts.optimize !== false);
  return instantiate(plans, ir, module, performance.now() - t0);
}

/** A module emitted for some plans: its IR, the compiled WebAssembly module, and how long that took. */
export interface EmittedPlans {
  /** The LLVM IR of the module. */
  readonly ir: string;
  /** The compiled module (it may be posted to another thread of the process). */
  readonly module: WasmModule;
  /** Wall time of IR generation, llc and the WebAssembly compile, in ms. */
  readonly ms: number;
}

/**
 * Generates and emits the module of `plans` without blocking: the half of a compilation that
 * needs LLVM, so it runs on the one thread of a process that may load `llvm-bindings` (see
 * {@link instantiatePlans} for the other half, on the thread that runs the code).
 */
export async function emitPlans(plans: readonly Plan[], opts: Tier2Options = {}): Promise<EmittedPlans> {
  const t0 = performance.now();
  const ir = generateIR(plans, irOptions(opts));
  const module = await emitAsync(ir, opts.optimize !== false);
  return { ir, module, ms: performance.now() - t0 };
}

/** The code of `plans` from a module {@link emitPlans} emitted for them (or for their {@link planData}), on this thread. */
export function instantiatePlans(plans: readonly Plan[], emitted: EmittedPlans): Tier2Code[] {
  return instantiate(plans, emitted.ir, emitted.module, emitted.ms);
}

/**
 * What code generation reads of `plan`, as plain data another thread can receive by structured
 * clone: each function's arity reduced to its parameters, names and body (no compiled code, no
 * cached state), the call targets keyed by the same nodes, the slot types; no dependencies.
 */
export function planData(plan: Plan): Plan {
  const fns = plan.fns.map((f) => ({ ...f, arity: { params: f.arity.params, names: f.arity.names, rest: f.arity.rest, body: f.arity.body } as unknown as Arity }));
  return { fns, calls: plan.calls, slotTypes: plan.slotTypes, deps: [] };
}

/** Byte address of the three-word context (fuel, depth quota, status) in the module's memory. */
const CTX = 64;
const W = CTX / 8;
const PAGE = 65536;
/** Byte strings are copied from here on (the first page holds the context and llc's shadow stack). */
const BYTES_BASE = PAGE;

type Raw = (ctx: number, depth: bigint, ...args: (bigint | number)[]) => bigint;
type RawReduce = (ctx: number, depth: bigint, init: bigint, items: number, count: bigint) => bigint;

/**
 * The memory of one module instance, shared by its plans: views that follow its growth, and the
 * byte strings last copied (values are immutable, so the same objects need no new copy).
 */
class Arena {
  words: BigInt64Array;
  u8: Uint8Array;
  /** The byte-string arguments of the last copy and their addresses; null after another copy. */
  private last: readonly Bytes[] = [];
  private lastPtrs: readonly number[] = [];
  /** The vector last laid out (a `reduce` driver's items), or null; and whether as int32 words. */
  private lastVector: Vector | null = null;
  private lastNarrow = false;

  constructor(readonly memory: WasmMemory) {
    this.words = new BigInt64Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Copies `bs` into memory (growing it as needed) and returns their addresses. */
  place(bs: readonly Bytes[]): readonly number[] {
    if (this.lastVector === null && bs.length === this.last.length && bs.every((b, i) => b === this.last[i])) return this.lastPtrs;
    let end = BYTES_BASE;
    const ptrs = bs.map((b) => {
      const p = end;
      end += (b.length + 7) & ~7;
      return p;
    });
    this.reserve(end);
    bs.forEach((b, i) => this.u8.set(b.data, ptrs[i]));
    this.last = bs;
    this.lastPtrs = ptrs;
    this.lastVector = null;
    return ptrs;
  }

  /**
   * Lays the items of `v` out (from {@link BYTES_BASE}) as int32 words when every item fits in 32
   * bits (`narrow`), else as int64 words, and returns their address; null when an item is not an
   * int. The same vector as last time is not laid out again.
   */
  placeInts(v: Vector): { readonly at: number; readonly narrow: boolean } | null {
    if (v === this.lastVector) return { at: BYTES_BASE, narrow: this.lastNarrow };
    const n = v.size;
    let narrow = true;
    for (let i = 0; i < n; i++) {
      const x = v.at(i);
      if (typeof x !== 'bigint') return null;
      if (narrow && (x < -2147483648n || x > 2147483647n)) narrow = false;
    }
    this.reserve(BYTES_BASE + n * (narrow ? 4 : 8));
    if (narrow) {
      const ints = new Int32Array(this.memory.buffer, BYTES_BASE, n);
      for (let i = 0; i < n; i++) ints[i] = Number(v.at(i) as bigint);
    } else {
      const words = this.words;
      const base = BYTES_BASE / 8;
      for (let i = 0; i < n; i++) words[base + i] = v.at(i) as bigint;
    }
    this.lastVector = v;
    this.lastNarrow = narrow;
    this.last = [];
    this.lastPtrs = [];
    return { at: BYTES_BASE, narrow };
  }

  private reserve(end: number): void {
    if (end <= this.memory.buffer.byteLength) return;
    this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE));
    this.words = new BigInt64Array(this.memory.buffer);
    this.u8 = new Uint8Array(this.memory.buffer);
  }
}

function instantiate(plans: readonly Plan[], ir: string, module: WasmModule, compileMs: number): Tier2Code[] {
  const memory = new Wasm.Memory({ initial: 1 });
  const env: Record<string, unknown> = { __linear_memory: memory };
  for (const imp of Wasm.Module.imports(module)) {
    // llc may use a shadow stack (top of the one page, growing down); nothing else is provided.
    if (imp.module === 'env' && imp.name === '__stack_pointer') env[imp.name] = new Wasm.Global({ value: 'i32', mutable: true }, PAGE);
    else if (!(imp.module === 'env' && imp.name === '__linear_memory')) throw new Tier2CompileError(`tier 2: generated code imports ${imp.module}.${imp.name}`);
  }
  const instance = new Wasm.Instance(module, { env });
  const arena = new Arena(memory);
  // One instance serves every plan of the module: calls are synchronous and never re-enter.
  return plans.map((plan, k) =>
    wrap(plan, instance.exports[entryName(k)] as Raw, hasReduceDriver(plan) ? { wide: instance.exports[reduceName(k)] as RawReduce, narrow: instance.exports[reduceName(k, true)] as RawReduce } : null, arena, ir, compileMs),
  );
}

/** The raw arguments of a call with byte strings: each becomes (address, length); null if a kind does not match. */
function lower(args: readonly (bigint | Bytes)[], kinds: readonly T2ParamKind[], arena: Arena): (bigint | number)[] | null {
  const bs: Bytes[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const a = args[i];
    if (kinds[i] === 'bytes') {
      if (!(a instanceof Bytes)) return null;
      bs.push(a);
    } else if (typeof a !== 'bigint') return null;
  }
  const ptrs = arena.place(bs);
  const raw: (bigint | number)[] = [];
  let j = 0;
  for (let i = 0; i < kinds.length; i++) {
    const a = args[i]!;
    if (a instanceof Bytes) raw.push(ptrs[j++]!, BigInt(a.length));
    else raw.push(a);
  }
  return raw;
}

/** Calls raw code with the context words set; the result, or `fallback` when the code (or the engine's own stack) says so. */
function callRaw(arena: Arena, fuel: number, maxDepth: number, run: () => bigint): { readonly ok: true; readonly r: bigint; readonly fuelLeft: number } | { readonly ok: false } {
  const words = arena.words;
  words[W] = BigInt(fuel);
  words[W + 1] = BigInt(maxDepth);
  words[W + 2] = 0n;
  let r: bigint;
  try {
    r = run();
  } catch (e) {
    // The engine's own stack ran out before the depth quota did: tier 1 decides.
    if (e instanceof RangeError) return { ok: false };
    throw e;
  }
  // The code may have grown the memory: read the context through the arena's current view.
  if (arena.words[W + 2] !== 0n) return { ok: false };
  return { ok: true, r, fuelLeft: Number(arena.words[W]) };
}

function wrap(plan: Plan, raw: Raw, rawReduce: { readonly wide: RawReduce; readonly narrow: RawReduce } | null, arena: Arena, ir: string, compileMs: number): Tier2Code {
  const params = plan.fns[0]!.arity.params;
  const kinds = plan.fns[0]!.params;
  const numeric = kinds.every((k) => k === 'int');
  const bool = plan.fns[0]!.ret === 'bool';
  const run = (args: readonly (bigint | Bytes)[], fuel: number, depth: number, maxDepth: number): Tier2Result => {
    if (args.length !== params) throw new RangeError(`tier 2: ${args.length} arguments to a function of ${params}`);
    let rawArgs: readonly (bigint | number)[];
    if (numeric) {
      for (const a of args) if (typeof a !== 'bigint') return { status: 'fallback' };
      rawArgs = args as readonly bigint[];
    } else {
      const lowered = lower(args, kinds, arena);
      if (lowered === null) return { status: 'fallback' };
      rawArgs = lowered;
    }
    const out = callRaw(arena, fuel, maxDepth, () => raw(CTX, BigInt(depth), ...rawArgs));
    return out.ok ? { status: 'ok', value: bool ? out.r !== 0n : out.r, fuelLeft: out.fuelLeft } : { status: 'fallback' };
  };
  const entry: Tier2EntryFn = Object.assign(run, { kinds });
  if (rawReduce === null) return { entry, kinds, compileMs, deps: plan.deps, ir };
  const reduce: Tier2Reducer = (init, items, fuel, depth, maxDepth) => {
    const placed = arena.placeInts(items);
    if (placed === null) return { status: 'fallback' };
    const driver = placed.narrow ? rawReduce.narrow : rawReduce.wide;
    const out = callRaw(arena, fuel, maxDepth, () => driver(CTX, BigInt(depth), init, placed.at, BigInt(items.size)));
    return out.ok ? { status: 'ok', value: out.r, fuelLeft: out.fuelLeft } : { status: 'fallback' };
  };
  return { entry, reduce, kinds, compileMs, deps: plan.deps, ir };
}
