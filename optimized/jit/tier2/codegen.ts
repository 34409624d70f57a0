/**
 * Tier-2 code generation: a {@link Plan} to LLVM IR text, built with `llvm-bindings`' IRBuilder.
 *
 * Calling convention (every compiled function): `i64 f(i64* ctx, i64 depth, p0, …)` where an int
 * parameter is one `i64` and a byte-string parameter two values, `i8* data, i64 length`. `ctx`
 * points at three words: `[0]` fuel left, `[1]` the depth quota, `[2]` the status (0 ok, 1
 * fallback). `depth` is the depth of the activation being entered. A boolean result is returned
 * as 0/1. Inside a function, fuel and locals are SSA values (loops become phis), so `llc` alone
 * produces tight code without the IR optimizer; fuel goes through `ctx` only around calls.
 *
 * Every error condition (int64 overflow, `quot`/`rem`/`mod` by zero, `byte-at` out of range, fuel or depth exhausted)
 * sets the status to fallback and returns; the caller re-runs the call in tier 1, which raises
 * the exact error. Fuel is charged as tier 1 charges it: 1 per closure call, 1 per `recur`.
 * @module
 */
import { createRequire } from 'node:module';
import type * as LLVM from 'llvm-bindings';
import type { Plan, T2Type } from './eligible.js';
import { addRange, analyzeRanges, fitsInt64, mulRange, subRange, type Range } from './ranges.js';
import type { Node } from '../../lang/front.js';

type Llvm = typeof LLVM;

/** What the generated object runs on: WebAssembly (the product) or the host (measurements). */
export type Tier2Target = 'wasm32' | 'x86_64';

/** Options of {@link generateIR}. */
export interface CodegenOptions {
  /** The target (default `wasm32`). */
  readonly target?: Tier2Target;
  /** Seeded bug: `<` compiled as `<=` (a tier-2 miscompile of a comparison). */
  readonly miscompileCompare?: boolean;
  /** Seeded bug: loop variables' ranges taken from their initial values alone (ranges.ts `loopInitOnly`). */
  readonly rangeLoopInit?: boolean;
}

/** The name of the exported entry function in generated code. */
export const ENTRY_NAME = 'entry';

const TARGETS: Record<Tier2Target, { readonly triple: string; readonly layout: string }> = {
  wasm32: { triple: 'wasm32-unknown-unknown', layout: 'e-m:e-p:32:32-i64:64-n32:64-S128' },
  x86_64: { triple: 'x86_64-pc-linux-gnu', layout: 'e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128' },
};

let llvmModule: Llvm | null = null;
let llvmError: string | null = null;

/** Loads `llvm-bindings` (a native addon) once; throws if it cannot be loaded. */
export function loadLlvm(): Llvm {
  if (llvmModule !== null) return llvmModule;
  if (llvmError !== null) throw new Error(llvmError);
  try {
    llvmModule = createRequire(import.meta.url)('llvm-bindings') as Llvm;
    return llvmModule;
  } catch (e) {
    llvmError = `llvm-bindings does not load: ${e instanceof Error ? e.message : String(e)}`;
    throw new Error(llvmError);
  }
}

/** A generated value: an i64 or an i1, or a byte string (`v` its data pointer, `len` its length). */
interface V {
  readonly v: LLVM.Value;
  readonly bool: boolean;
  readonly len?: LLVM.Value;
  /** The int's range, when the range analysis bounds it (ranges.ts). */
  readonly r?: Range;
}

/** The phis of one slot a `recur` rebinds (two for a byte string). */
interface SlotPhi {
  readonly v: LLVM.PHINode;
  readonly len?: LLVM.PHINode;
}

/** Where a `recur` jumps: a loop header (or the function's head) and its phis. */
interface Target {
  readonly header: LLVM.BasicBlock;
  readonly phis: readonly SlotPhi[];
  readonly fuel: LLVM.PHINode;
}

/** The exported name of plan `k`'s entry in a module of several plans. */
export function entryName(k: number): string {
  return k === 0 ? ENTRY_NAME : `${ENTRY_NAME}${k}`;
}

/** The name of the exported `reduce` driver of plan `k` over int64 items, or over int32 items (`narrow`) (see {@link hasReduceDriver}). */
export function reduceName(k: number, narrow = false): string {
  return `reduce${k}${narrow ? 'n' : ''}`;
}

/**
 * Whether plan `k` gets a `reduce` driver: its entry takes two ints and returns an int, the shape
 * of a reducing function. The driver runs `(reduce f init v)` over a vector of ints laid out in
 * memory: `i64 reduceK(i64* ctx, i64 depth, i64 init, i64* items, i64 count)` (and `reduceKn`
 * over `i32* items`, for items that all fit in 32 bits), where `depth` is
 * the depth of the `reduce` activation and fuel is charged as tier 1's `reduce` loop charges it
 * (1 per call of `f`, 1 per `recur`), falling back on any error as every tier-2 function does.
 */
export function hasReduceDriver(plan: Plan): boolean {
  const f = plan.fns[0]!;
  return f.params.length === 2 && f.params.every((p) => p === 'int') && f.ret === 'int' && !f.arity.rest;
}

/**
 * Generates the LLVM IR (text) of one module holding `plans` (several plans share one `llc`
 * run): plan k's function 0 is exported as {@link entryName}(k).
 * Throws if LLVM's verifier rejects the module (a bug in this generator).
 */
export function generateIR(plans: Plan | readonly Plan[], opts: CodegenOptions = {}): string {
  const list: readonly Plan[] = Array.isArray(plans) ? plans : [plans as Plan];
  const llvm = loadLlvm();
  const target = opts.target ?? 'wasm32';
  const context = new llvm.LLVMContext();
  const module = new llvm.Module('tier2', context);
  module.setTargetTriple(TARGETS[target].triple);
  module.setDataLayout(TARGETS[target].layout);
  const builder = new llvm.IRBuilder(context);
  const i64 = builder.getInt64Ty();
  const i8p = llvm.Type.getInt8PtrTy(context);
  const fnType = (params: readonly string[]): LLVM.FunctionType => llvm.FunctionType.get(i64, [llvm.Type.getInt64PtrTy(context), i64, ...params.flatMap((k): LLVM.Type[] => (k === 'bytes' ? [i8p, i64] : [i64]))], false);
  list.forEach((plan, k) => {
    const fns = plan.fns.map((f, i) =>
      llvm.Function.Create(
        fnType(f.params),
        i === 0 ? llvm.GlobalValue.LinkageTypes.ExternalLinkage : llvm.GlobalValue.LinkageTypes.InternalLinkage,
        i === 0 ? entryName(k) : `p${k}_f${i}_${f.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
        module,
      ),
    );
    plan.fns.forEach((_, i) => new FnGen(llvm, context, module, builder, plan, fns, i, opts.miscompileCompare === true, analyzeRanges(plan, i, { loopInitOnly: opts.rangeLoopInit === true })).gen());
    if (hasReduceDriver(plan)) for (const narrow of [false, true]) reduceDriver(llvm, context, module, builder, fns[0]!, k, chargesNothing(plan), narrow);
  });
  if (llvm.verifyModule(module)) throw new Error('tier 2: LLVM rejected the generated module (a code-generator bug)');
  let ir = module.print();
  if (target === 'wasm32') {
    // llvm-bindings has no attribute API: the export name is added to each entry's definition line.
    ir = ir.replace(new RegExp(`^(define [^\\n]*@((?:${ENTRY_NAME}|reduce)\\d*n?)\\([^\\n]*\\))( #\\d+)? \\{`, 'gm'), (_m, def: string, name: string, group: string | undefined) => `${def}${group ?? ''} "wasm-export-name"="${name}" {`);
  }
  // A driver's context (three words, 8-aligned) and its items never overlap (the items are laid
  // out from the second page on): `noalias` and the context's size let `opt` keep fuel in a
  // register and hoist the status check out of the loop. Added to the text, as the export name is.
  ir = ir.replace(/^(define [^\n]*@reduce\d+n?\()i64\* %0, i64 %1, i64 %2, (i64|i32)\* %3, i64 %4\)/gm, '$1i64* noalias nocapture align 8 dereferenceable(24) %0, i64 %1, i64 %2, $2* noalias nocapture readonly %3, i64 %4)');
  return ir;
}

/**
 * Whether the entry of `plan` charges no fuel and takes no depth of its own: no `recur` and no
 * call of a compiled function (natives are inline), so a call of it costs its caller's charges only.
 */
function chargesNothing(plan: Plan): boolean {
  const visit = (n: Node): boolean => {
    switch (n.t) {
      case 'recur':
        return false;
      case 'call':
        return plan.calls.get(n)?.kind === 'native' && n.args.every(visit);
      case 'if':
        return visit(n.test) && visit(n.then) && visit(n.else);
      case 'do':
        return n.body.every(visit);
      case 'let':
      case 'loop':
        return n.inits.every(visit) && visit(n.body);
      default:
        return true;
    }
  };
  return visit(plan.fns[0]!.arity.body);
}

/**
 * Generates plan `k`'s `reduce` driver around its entry `f` (see {@link hasReduceDriver}). When
 * `f` charges nothing itself (`leaf`) and the fuel covers every item (2 units each) at a depth
 * within the quota, the items run in a loop without fuel or depth checks, the fuel charged at
 * once: the same result, fuel and fallbacks as the checked loop, which runs otherwise.
 */
function reduceDriver(llvm: Llvm, context: LLVM.LLVMContext, module: LLVM.Module, b: LLVM.IRBuilder, f: LLVM.Function, k: number, leaf: boolean, narrow: boolean): void {
  const i64 = b.getInt64Ty();
  const i64p = llvm.Type.getInt64PtrTy(context);
  // The items as int64 words, or (`narrow`) as int32 words when every item fits: half the memory to read.
  const itemTy = narrow ? b.getInt32Ty() : i64;
  const itemP = narrow ? llvm.Type.getInt32PtrTy(context) : i64p;
  const d = llvm.Function.Create(llvm.FunctionType.get(i64, [i64p, i64, i64, itemP, i64], false), llvm.GlobalValue.LinkageTypes.ExternalLinkage, reduceName(k, narrow), module);
  const ctx = d.getArg(0);
  const depth = d.getArg(1);
  const init = d.getArg(2);
  const items = d.getArg(3);
  const count = d.getArg(4);
  const item = (at: LLVM.Value, name: string): LLVM.Value => {
    const x = b.CreateLoad(itemTy, b.CreateGEP(itemTy, items, at), name);
    return narrow ? b.CreateSExt(x, i64) : x;
  };
  const c = (v: number): LLVM.Value => llvm.ConstantInt.get(i64, v, true);
  const word = (i: number): LLVM.Value => b.CreateGEP(i64, ctx, c(i));
  const block = (name: string): LLVM.BasicBlock => llvm.BasicBlock.Create(context, name, d);
  const entry = block('entry');
  const fallback = block('fallback');
  const loop = block('loop');
  const body = block('body');
  const call = block('call');
  const called = block('called');
  const latch = block('latch');
  const exit = block('exit');
  b.SetInsertPoint(fallback);
  b.CreateStore(c(1), word(2));
  b.CreateRet(c(0));
  b.SetInsertPoint(entry);
  const fuel0 = b.CreateLoad(i64, word(0), 'fuel0');
  const maxDepth = b.CreateLoad(i64, word(1), 'maxdepth');
  const inner = b.CreateAdd(depth, c(1), 'inner');
  // The status is 0 on entry (the caller clears it): stored here too, so that once `f` is inlined
  // the check after each call folds away on the paths where `f` did not fall back.
  b.CreateStore(c(0), word(2));
  if (leaf) {
    // count ≤ 2^31 (a vector's size), so 2·count does not overflow
    const need = b.CreateMul(count, c(2), 'need');
    const fast = block('fast');
    const fastBody = block('fast_body');
    const fastExit = block('fast_exit');
    b.CreateCondBr(b.CreateAnd(b.CreateICmpSGE(fuel0, need), b.CreateICmpSLE(inner, maxDepth)), fast, loop);
    b.SetInsertPoint(fast);
    const fi = b.CreatePHI(i64, 2, 'fi');
    const facc = b.CreatePHI(i64, 2, 'facc');
    fi.addIncoming(c(0), entry);
    facc.addIncoming(init, entry);
    b.CreateCondBr(b.CreateICmpSGE(fi, count), fastExit, fastBody);
    b.SetInsertPoint(fastBody);
    const fx = item(fi, 'fx');
    const fr = b.CreateCall(f, [ctx, inner, facc, fx], 'fr');
    const fnext = b.CreateAdd(fi, c(1), 'fnext');
    b.CreateCondBr(b.CreateICmpNE(b.CreateLoad(i64, word(2), 'fstatus'), c(0)), fallback, fast);
    fi.addIncoming(fnext, fastBody);
    facc.addIncoming(fr, fastBody);
    b.SetInsertPoint(fastExit);
    b.CreateStore(b.CreateSub(fuel0, need), word(0));
    b.CreateRet(facc);
  } else b.CreateBr(loop);
  b.SetInsertPoint(loop);
  const i = b.CreatePHI(i64, 2, 'i');
  const acc = b.CreatePHI(i64, 2, 'acc');
  const fuel = b.CreatePHI(i64, 2, 'fuel');
  i.addIncoming(c(0), entry);
  acc.addIncoming(init, entry);
  fuel.addIncoming(fuel0, entry);
  b.CreateCondBr(b.CreateICmpSGE(i, count), exit, body);
  // The call of f: 1 unit of fuel and one level of depth, as tier 1's loop charges it. The fuel
  // is stored for f before the check (a fallback discards it): a store on every path through the
  // loop's body is one `licm` keeps in a register once f is inlined (see the parameter
  // attributes in generateIR).
  b.SetInsertPoint(body);
  const fuelCall = b.CreateSub(fuel, c(1), 'fuel_call');
  b.CreateStore(fuelCall, word(0));
  b.CreateCondBr(b.CreateOr(b.CreateICmpSLT(fuelCall, c(0)), b.CreateICmpSGT(inner, maxDepth)), fallback, call);
  b.SetInsertPoint(call);
  const x = item(i, 'x');
  const r = b.CreateCall(f, [ctx, inner, acc, x], 'r');
  b.CreateCondBr(b.CreateICmpNE(b.CreateLoad(i64, word(2), 'status'), c(0)), fallback, called);
  // The `recur`: 1 unit of fuel.
  b.SetInsertPoint(called);
  const fuelRecur = b.CreateSub(b.CreateLoad(i64, word(0), 'fuel_after'), c(1), 'fuel_recur');
  b.CreateCondBr(b.CreateICmpSLT(fuelRecur, c(0)), fallback, latch);
  b.SetInsertPoint(latch);
  i.addIncoming(b.CreateAdd(i, c(1), 'next'), latch);
  acc.addIncoming(r, latch);
  fuel.addIncoming(fuelRecur, latch);
  b.CreateBr(loop);
  b.SetInsertPoint(exit);
  b.CreateStore(fuel, word(0));
  b.CreateRet(acc);
}

const COMPARES = new Set(['<', '>', '<=', '>=', '==']);

/** The code generator of one function of the plan. */
class FnGen {
  private readonly fn: LLVM.Function;
  private readonly i64: LLVM.IntegerType;
  private readonly ctxPtr: LLVM.Value;
  private readonly depth: LLVM.Value;
  private maxDepth!: LLVM.Value;
  private fuel!: LLVM.Value;
  private fallback!: LLVM.BasicBlock;
  private readonly env = new Map<number, V>();
  private readonly loops = new Map<Node, Target>();
  private head!: Target;

  constructor(
    private readonly llvm: Llvm,
    private readonly context: LLVM.LLVMContext,
    private readonly module: LLVM.Module,
    private readonly b: LLVM.IRBuilder,
    private readonly plan: Plan,
    private readonly fns: readonly LLVM.Function[],
    private readonly index: number,
    private readonly miscompileCompare: boolean,
    private readonly ranges: ReadonlyMap<Node, Range>,
  ) {
    this.fn = fns[index]!;
    this.i64 = b.getInt64Ty();
    this.ctxPtr = this.fn.getArg(0);
    this.depth = this.fn.getArg(1);
  }

  gen(): void {
    const { llvm, b, context, fn } = this;
    const f = this.plan.fns[this.index]!;
    const entry = llvm.BasicBlock.Create(context, 'entry', fn);
    this.fallback = llvm.BasicBlock.Create(context, 'fallback', fn);
    b.SetInsertPoint(this.fallback);
    b.CreateStore(this.int(1n), this.word(2));
    b.CreateRet(this.int(0n));
    b.SetInsertPoint(entry);
    const fuel0 = b.CreateLoad(this.i64, this.word(0), 'fuel0');
    this.maxDepth = b.CreateLoad(this.i64, this.word(1), 'maxdepth');
    const header = llvm.BasicBlock.Create(context, 'head', fn);
    b.CreateBr(header);
    b.SetInsertPoint(header);
    const fuelPhi = b.CreatePHI(this.i64, 2, 'fuel');
    fuelPhi.addIncoming(fuel0, entry);
    const phis: SlotPhi[] = [];
    let arg = 2;
    for (let p = 0; p < f.arity.params; p++) {
      const name = f.arity.names[p]?.replace(/[^A-Za-z0-9_]/g, '_') ?? `p${p}`;
      const bytes = f.params[p] === 'bytes';
      const init: V = bytes ? { v: fn.getArg(arg++), bool: false, len: fn.getArg(arg++) } : { v: fn.getArg(arg++), bool: false };
      const phi = this.phiOf(init, entry, name);
      phis.push(phi);
      this.env.set(p, this.valueOf(phi, init));
    }
    this.fuel = fuelPhi;
    this.head = { header, phis, fuel: fuelPhi };
    const r = this.node(f.arity.body);
    if (r !== null) {
      b.CreateStore(this.fuel, this.word(0));
      b.CreateRet(r.bool ? b.CreateZExt(r.v, this.i64) : r.v);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The phi(s) of a slot whose first incoming value is `init` (from `from`). */
  private phiOf(init: V, from: LLVM.BasicBlock, name?: string): SlotPhi {
    const { b } = this;
    const ty = init.len !== undefined ? this.llvm.Type.getInt8PtrTy(this.context) : init.bool ? b.getInt1Ty() : this.i64;
    const v = name === undefined ? b.CreatePHI(ty, 2) : b.CreatePHI(ty, 2, name);
    v.addIncoming(init.v, from);
    if (init.len === undefined) return { v };
    const len = name === undefined ? b.CreatePHI(this.i64, 2) : b.CreatePHI(this.i64, 2, `${name}_len`);
    len.addIncoming(init.len, from);
    return { v, len };
  }

  /** The value a slot's phis hold (typed like `like`). */
  private valueOf(phi: SlotPhi, like: V): V {
    return phi.len !== undefined ? { v: phi.v, bool: false, len: phi.len } : { v: phi.v, bool: like.bool };
  }

  /** Adds `x` (from `from`) to a slot's phis. */
  private incoming(phi: SlotPhi, x: V, from: LLVM.BasicBlock): void {
    phi.v.addIncoming(x.v, from);
    if (phi.len !== undefined) {
      if (x.len === undefined) throw new Error('tier 2: an int where a byte string is bound (the analysis should have refused it)');
      phi.len.addIncoming(x.len, from);
    }
  }

  private word(i: number): LLVM.Value {
    return this.b.CreateGEP(this.i64, this.ctxPtr, this.llvm.ConstantInt.get(this.i64, i));
  }

  /** An i64 constant (llvm-bindings takes JS numbers: wide ones are built from two halves). */
  private int(v: bigint): LLVM.Value {
    const { llvm, b, i64 } = this;
    if (v >= -(1n << 52n) && v <= 1n << 52n) return llvm.ConstantInt.get(i64, Number(v), true);
    const hi = llvm.ConstantInt.get(i64, Number(v >> 32n), true);
    const lo = llvm.ConstantInt.get(i64, Number(v & 0xffffffffn), false);
    return b.CreateOr(b.CreateShl(hi, llvm.ConstantInt.get(i64, 32)), lo);
  }

  private bool(x: boolean): V {
    return { v: x ? this.b.getTrue() : this.b.getFalse(), bool: true };
  }

  /** Continues only when `failed` is false; otherwise falls back. */
  private guard(failed: LLVM.Value, what: string): void {
    const cont = this.llvm.BasicBlock.Create(this.context, what, this.fn);
    this.b.CreateCondBr(failed, this.fallback, cont);
    this.b.SetInsertPoint(cont);
  }

  private checked(op: 'add' | 'sub' | 'mul', x: LLVM.Value, y: LLVM.Value): LLVM.Value {
    const { llvm, b } = this;
    if (op === 'mul') return this.checkedMul(x, y);
    const id = op === 'add' ? llvm.Intrinsic.sadd_with_overflow : op === 'sub' ? llvm.Intrinsic.ssub_with_overflow : llvm.Intrinsic.smul_with_overflow;
    const decl = llvm.Intrinsic.getDeclaration(this.module, id, [this.i64]);
    const pair = b.CreateCall(decl, [x, y]);
    this.guard(b.CreateExtractValue(pair, [1]), `no_${op}_overflow`);
    return b.CreateExtractValue(pair, [0]);
  }

  /**
   * Multiplication with an overflow check. `llvm.smul.with.overflow.i64` becomes a call of
   * compiler-rt's `__multi3` on wasm32 (an import we do not have), so: when both operands fit in
   * 32 bits the product cannot overflow; otherwise the wrapped product is divided back.
   */
  private checkedMul(x: LLVM.Value, y: LLVM.Value): LLVM.Value {
    const { llvm, b, context, fn } = this;
    const p = b.CreateMul(x, y);
    const half = this.int(1n << 31n);
    const full = this.int(1n << 32n);
    const small = b.CreateAnd(b.CreateICmpULT(b.CreateAdd(x, half), full), b.CreateICmpULT(b.CreateAdd(y, half), full));
    const slow = llvm.BasicBlock.Create(context, 'mul_check', fn);
    const done = llvm.BasicBlock.Create(context, 'mul_ok', fn);
    b.CreateCondBr(small, done, slow);
    b.SetInsertPoint(slow);
    // x = -1: overflow iff y = MIN (and MIN / -1 would trap); x = 0 never overflows.
    const minusOne = b.CreateICmpEQ(x, this.int(-1n));
    const trivial = b.CreateOr(minusOne, b.CreateICmpEQ(x, this.int(0n)));
    const divisor = b.CreateSelect(trivial, this.int(1n), x);
    const wrapped = b.CreateAnd(b.CreateNot(trivial), b.CreateICmpNE(b.CreateSDiv(p, divisor), y));
    const overflow = b.CreateOr(wrapped, b.CreateAnd(minusOne, b.CreateICmpEQ(y, this.int(-(1n << 63n)))));
    b.CreateCondBr(overflow, this.fallback, done);
    b.SetInsertPoint(done);
    return p;
  }

  /** `acc and x`, where a null `acc` is true (no `and true` left for llc, which does not fold it). */
  private and(acc: LLVM.Value | null, x: LLVM.Value): LLVM.Value {
    return acc === null ? x : this.b.CreateAnd(acc, x);
  }

  /** Charges one unit of fuel (falls back when none is left). */
  private charge(): void {
    const left = this.b.CreateSub(this.fuel, this.int(1n), 'fuel');
    this.guard(this.b.CreateICmpSLT(left, this.int(0n)), 'fuel_ok');
    this.fuel = left;
  }

  private block(): LLVM.BasicBlock {
    const bb = this.b.GetInsertBlock();
    if (bb === null) throw new Error('tier 2: no insertion block');
    return bb;
  }

  /** The values of `nodes`, each int with its range when the analysis bounds it. */
  private all(nodes: readonly Node[]): V[] | null {
    const out: V[] = [];
    for (const n of nodes) {
      const v = this.node(n);
      if (v === null) return null;
      const r = this.ranges.get(n);
      out.push(r !== undefined && !v.bool && v.len === undefined ? { ...v, r } : v);
    }
    return out;
  }

  /**
   * `x op y` for `+`, `-` or `*`: without an overflow check when the operands' ranges show it
   * cannot overflow; the result carries its exact range then.
   */
  private arith(op: 'add' | 'sub' | 'mul', x: V, y: V): V {
    const exact = x.r !== undefined && y.r !== undefined ? (op === 'add' ? addRange : op === 'sub' ? subRange : mulRange)(x.r, y.r) : undefined;
    if (exact !== undefined && fitsInt64(exact.lo, exact.hi)) {
      const { b } = this;
      return { v: op === 'add' ? b.CreateAdd(x.v, y.v) : op === 'sub' ? b.CreateSub(x.v, y.v) : b.CreateMul(x.v, y.v), bool: false, r: exact };
    }
    return { v: this.checked(op, x.v, y.v), bool: false };
  }

  // ---- nodes ---------------------------------------------------------------------------------

  /** Generates `n`; null when control never continues past it (a recur, a fallback). */
  private node(n: Node): V | null {
    const { b, llvm, context, fn } = this;
    switch (n.t) {
      case 'const':
        return typeof n.v === 'boolean' ? this.bool(n.v) : { v: this.int(n.v as bigint), bool: false };
      case 'local':
        return this.env.get(n.slot) ?? null;
      case 'do': {
        let last: V | null = null;
        for (const x of n.body) if ((last = this.node(x)) === null) return null;
        return last;
      }
      case 'if': {
        const test = this.node(n.test);
        if (test === null) return null;
        if (!test.bool) return this.node(n.then); // every int is true
        const thenBB = llvm.BasicBlock.Create(context, 'then', fn);
        const elseBB = llvm.BasicBlock.Create(context, 'else', fn);
        b.CreateCondBr(test.v, thenBB, elseBB);
        const fuelBefore = this.fuel;
        b.SetInsertPoint(thenBB);
        const tv = this.node(n.then);
        const tEnd = tv === null ? null : this.block();
        const tFuel = this.fuel;
        b.SetInsertPoint(elseBB);
        this.fuel = fuelBefore;
        const ev = this.node(n.else);
        const eEnd = ev === null ? null : this.block();
        const eFuel = this.fuel;
        if (tv === null || tEnd === null) {
          if (ev !== null && eEnd !== null) b.SetInsertPoint(eEnd);
          return ev;
        }
        if (ev === null || eEnd === null) {
          b.SetInsertPoint(tEnd);
          this.fuel = tFuel;
          return tv;
        }
        const merge = llvm.BasicBlock.Create(context, 'endif', fn);
        b.CreateBr(merge);
        b.SetInsertPoint(tEnd);
        b.CreateBr(merge);
        b.SetInsertPoint(merge);
        const phi = this.phiOf(tv, tEnd);
        this.incoming(phi, ev, eEnd);
        const fuelPhi = b.CreatePHI(this.i64, 2, 'fuel');
        fuelPhi.addIncoming(tFuel, tEnd);
        fuelPhi.addIncoming(eFuel, eEnd);
        this.fuel = fuelPhi;
        return this.valueOf(phi, tv);
      }
      case 'let':
      case 'loop': {
        const inits = this.all(n.inits);
        if (inits === null) return null;
        if (n.t === 'let') {
          n.slots.forEach((s, i) => this.env.set(s, inits[i]!));
          return this.node(n.body);
        }
        const pre = this.block();
        const header = llvm.BasicBlock.Create(context, 'loop', fn);
        b.CreateBr(header);
        b.SetInsertPoint(header);
        const phis = n.slots.map((s, i) => {
          const phi = this.phiOf(inits[i]!, pre);
          this.env.set(s, this.valueOf(phi, inits[i]!));
          return phi;
        });
        const fuelPhi = b.CreatePHI(this.i64, 2, 'fuel');
        fuelPhi.addIncoming(this.fuel, pre);
        this.fuel = fuelPhi;
        this.loops.set(n, { header, phis, fuel: fuelPhi });
        return this.node(n.body);
      }
      case 'recur': {
        const args = this.all(n.args);
        if (args === null) return null;
        const target = n.loop === null ? this.head : this.loops.get(n.loop);
        if (target === undefined) throw new Error('tier 2: recur to an unknown loop');
        this.charge();
        const from = this.block();
        args.forEach((a, i) => this.incoming(target.phis[i]!, a, from));
        target.fuel.addIncoming(this.fuel, from);
        b.CreateBr(target.header);
        return null;
      }
      case 'call':
        return this.call(n);
      default:
        throw new Error(`tier 2: node ${n.t} is not in the subset (the analysis should have refused it)`);
    }
  }

  private call(n: Extract<Node, { t: 'call' }>): V | null {
    const target = this.plan.calls.get(n);
    if (target === undefined) throw new Error('tier 2: a call the analysis did not plan');
    const args = this.all(n.args);
    if (args === null) return null;
    const { b } = this;
    if (target.kind === 'native') return this.native(target.name, args);
    // A closure call: 1 unit of fuel, one level of depth; fuel goes through ctx.
    this.charge();
    const depth = b.CreateAdd(this.depth, this.int(1n), 'depth');
    this.guard(b.CreateICmpSGT(depth, this.maxDepth), 'depth_ok');
    b.CreateStore(this.fuel, this.word(0));
    const r = b.CreateCall(this.fns[target.fn]!, [this.ctxPtr, depth, ...args.flatMap((a) => (a.len !== undefined ? [a.v, a.len] : [a.v]))]);
    const status = b.CreateLoad(this.i64, this.word(2), 'status');
    this.guard(b.CreateICmpNE(status, this.int(0n)), 'call_ok');
    this.fuel = b.CreateLoad(this.i64, this.word(0), 'fuel');
    const ret: T2Type = this.plan.fns[target.fn]!.ret;
    if (ret === 'never') {
      // The callee has no path that returns a value: reaching here is impossible.
      b.CreateBr(this.fallback);
      return null;
    }
    return ret === 'bool' ? { v: b.CreateTrunc(r, b.getInt1Ty()), bool: true } : { v: r, bool: false };
  }

  /** The length of a byte string. */
  private len(x: V): LLVM.Value {
    if (x.len === undefined) throw new Error('tier 2: count or byte-at of an int (the analysis should have refused it)');
    return x.len;
  }

  private native(name: string, a: readonly V[]): V | null {
    const { b } = this;
    const x = a[0]?.v;
    const int = (v: LLVM.Value): V => ({ v, bool: false });
    const fold = (f: (acc: LLVM.Value, y: LLVM.Value) => LLVM.Value): LLVM.Value => a.slice(1).reduce((acc, y) => f(acc, y.v), x!);
    const foldArith = (op: 'add' | 'sub' | 'mul'): V => a.slice(1).reduce((acc, y) => this.arith(op, acc, y), a[0]!);
    const constant = (c: bigint): V => ({ v: this.int(c), bool: false, r: { lo: c, hi: c } });
    switch (name) {
      case '+':
        return a.length === 0 ? int(this.int(0n)) : foldArith('add');
      case '*':
        return a.length === 0 ? int(this.int(1n)) : foldArith('mul');
      case '-':
        return a.length === 1 ? this.arith('sub', constant(0n), a[0]!) : foldArith('sub');
      case 'inc':
        return this.arith('add', a[0]!, constant(1n));
      case 'dec':
        return this.arith('sub', a[0]!, constant(1n));
      case 'quot': {
        const y = a[1]!.v;
        this.guard(b.CreateICmpEQ(y, this.int(0n)), 'nonzero');
        const minOverMinusOne = b.CreateAnd(b.CreateICmpEQ(x!, this.int(-(1n << 63n))), b.CreateICmpEQ(y, this.int(-1n)));
        this.guard(minOverMinusOne, 'no_quot_overflow');
        return int(b.CreateSDiv(x!, y));
      }
      case 'rem':
      case 'mod': {
        const y = a[1]!.v;
        this.guard(b.CreateICmpEQ(y, this.int(0n)), 'nonzero');
        // x rem -1 is 0 (and srem by -1 may trap on MIN): divide by 1 instead.
        const safeY = b.CreateSelect(b.CreateICmpEQ(y, this.int(-1n)), this.int(1n), y);
        const r = b.CreateSRem(x!, safeY);
        if (name === 'rem') return int(r);
        // mod takes the divisor's sign: adjust a non-zero remainder of the other sign.
        const adjust = b.CreateAnd(b.CreateICmpNE(r, this.int(0n)), b.CreateICmpSLT(b.CreateXor(r, y), this.int(0n)));
        return int(b.CreateSelect(adjust, b.CreateAdd(r, y), r));
      }
      case 'abs':
        this.guard(b.CreateICmpEQ(x!, this.int(-(1n << 63n))), 'no_abs_overflow');
        return int(b.CreateSelect(b.CreateICmpSLT(x!, this.int(0n)), b.CreateSub(this.int(0n), x!), x!));
      case 'max':
        return int(fold((acc, y) => b.CreateSelect(b.CreateICmpSGT(y, acc), y, acc)));
      case 'min':
        return int(fold((acc, y) => b.CreateSelect(b.CreateICmpSLT(y, acc), y, acc)));
      case 'zero?':
        return { v: b.CreateICmpEQ(x!, this.int(0n)), bool: true };
      case 'pos?':
        return { v: b.CreateICmpSGT(x!, this.int(0n)), bool: true };
      case 'neg?':
        return { v: b.CreateICmpSLT(x!, this.int(0n)), bool: true };
      case 'even?':
      case 'odd?': {
        const low = b.CreateAnd(x!, this.int(1n));
        return { v: name === 'even?' ? b.CreateICmpEQ(low, this.int(0n)) : b.CreateICmpNE(low, this.int(0n)), bool: true };
      }
      case 'not':
        return a[0]!.bool ? { v: b.CreateXor(x!, b.getTrue()), bool: true } : this.bool(false);
      case 'count':
        return int(this.len(a[0]!));
      case 'byte-at': {
        // An index outside 0..count-1 (a negative one too, compared unsigned) is an error: fallback.
        const i = a[1]!.v;
        this.guard(b.CreateICmpUGE(i, this.len(a[0]!)), 'byte_in_range');
        const i8 = b.getInt8Ty();
        return int(b.CreateZExt(b.CreateLoad(i8, b.CreateGEP(i8, x!, i)), this.i64));
      }
      case '=':
      case 'not=': {
        let all: LLVM.Value | null = null;
        for (const y of a.slice(1)) all = this.and(all, b.CreateICmpEQ(y.v, x!));
        all ??= b.getTrue();
        return { v: name === '=' ? all : b.CreateXor(all, b.getTrue()), bool: true };
      }
    }
    if (COMPARES.has(name)) {
      const cmp = (p: LLVM.Value, q: LLVM.Value): LLVM.Value => {
        switch (name) {
          case '<':
            return this.miscompileCompare ? b.CreateICmpSLE(p, q) : b.CreateICmpSLT(p, q);
          case '>':
            return b.CreateICmpSGT(p, q);
          case '<=':
            return b.CreateICmpSLE(p, q);
          case '>=':
            return b.CreateICmpSGE(p, q);
          default:
            return b.CreateICmpEQ(p, q);
        }
      };
      let all: LLVM.Value | null = null;
      for (let i = 0; i + 1 < a.length; i++) all = this.and(all, cmp(a[i]!.v, a[i + 1]!.v));
      return { v: all ?? b.getTrue(), bool: true };
    }
    throw new Error(`tier 2: native ${name} has no code generator`);
  }
}
