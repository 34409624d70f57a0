/**
 * Run-time data shared by the optimized kernel's tiers: what a function value's `impl` holds,
 * activations, and the {@link Runtime} (fuel, call depth, function identities, the kernel-call
 * host) that the interpreter and compiled code both charge.
 * @module
 */
import { Fn, type Sym, type Value } from '../../spec/Values.js';
import { KERNEL_CALL_NAMES, kernelCallIsPure, kernelCallYields, type SharedImpl } from '../../spec/lang/kernelCalls.js';
import type { Arity, Lambda } from './front.js';
import { QuotaExceeded } from './errors.js';
import type { NativeFn } from './natives.js';

/** A closure: a lambda and the values it captured (flat closure). */
export interface Closure {
  readonly kind: 'closure';
  /** The code. */
  readonly lambda: Lambda;
  /** Captured values, in `lambda.captures` order. */
  readonly caps: readonly Value[];
}

/** A pure built-in, a kernel call, `apply` (spec/lang/kernelCalls.ts). */
export type { BuiltinImpl as Builtin, KernelCallImpl as KernelFn, ApplyImpl as ApplyFn } from '../../spec/lang/kernelCalls.js';

/** What a function value's `impl` holds in the optimized kernel. */
export type Impl = Closure | SharedImpl;

/** The implementation behind `f`. */
export function implOf(f: Fn): Impl {
  return f.impl as Impl;
}

/** One activation of an arity: its slots (params first), the closure's captures, the function. */
export interface Act {
  /** Locals; written only by the activation's own `let`/`loop`/`recur` (fork copies activations). */
  readonly slots: Value[];
  /** The closure's captures. */
  readonly caps: readonly Value[];
  /** The function running (null for a program's top level). */
  readonly fn: Fn | null;
  /** The arity running. */
  readonly arity: Arity;
}

/** Kernel calls that are not scheduling points (spec/lang/kernelCalls.ts). */
export const LOCAL_CALLS: ReadonlySet<string> = new Set(KERNEL_CALL_NAMES.filter((n) => !kernelCallYields(n)));

/** Kernel calls compiled code may perform itself: they read the caller's own state and change nothing (spec/lang/kernelCalls.ts). */
export const PURE_KERNEL_CALLS: ReadonlySet<string> = new Set(KERNEL_CALL_NAMES.filter(kernelCallIsPure));

/** What the language needs from the kernel. */
export interface LangHost {
  /** The current value of a global (namespace, then the core library); undefined when unbound. */
  global(sym: Sym): Value | undefined;
  /** Stack-depth quota. */
  readonly maxDepth: number;
  /** Whether a seeded bug is on. */
  mutant(name: string): boolean;
}

/** Thrown by compiled code that reaches something only the interpreter can do (a kernel call that yields, `def`): the call is re-run by the interpreter. */
export class Deopt extends Error {
  constructor() {
    super('deopt');
  }
}

/** The one {@link Deopt} instance (no stack trace needed). */
export const DEOPT = new Deopt();

/** Thrown by compiled code when the program's memory must be measured: the interpreter re-runs the call (not counted against the arity). */
export const MEMCHECK = new Deopt();

/** Per-kernel run-time counters shared by every tier. */
export class Runtime {
  /** Fuel left for the running program (one unit per interpreter step; compiled code: per call and per `recur`). */
  fuel = 0;
  /** Closure calls in progress. */
  depth = 0;
  /** The next function identity (kernel-wide creation order, see spec/Values.ts `Fn`). */
  nextFnId = 0;
  /** The running process. */
  pid = -1;
  /** Fuel quota (for messages). */
  fuelQuota = 0;
  /** Elements of new storage built by built-ins during the current run. */
  allocated = 0;
  /** When {@link allocated} passes this, the interpreter measures what the program holds. */
  nextCheck = Number.POSITIVE_INFINITY;
  /** Compiled calls in progress (a memory check must wait for the interpreter). */
  inCompiled = 0;
  /** Bumped by every `def`: compiled code's inline caches of globals check it. */
  nsVersion = 0;
  /** Performs a kernel call that only reads the caller's state (`self`, `held`); set by the kernel. */
  kernelPure: (name: string, args: readonly Value[]) => Value = () => {
    throw DEOPT;
  };

  constructor(readonly host: LangHost) {}

  /** A new closure value. */
  closure(lambda: Lambda, caps: readonly Value[]): Fn {
    return new Fn(this.nextFnId++, lambda.name, { kind: 'closure', lambda, caps } satisfies Closure);
  }

  /** Charges one unit of fuel; throws `fuel-exhausted` when none is left. */
  charge(): void {
    if (--this.fuel < 0) this.outOfFuel();
  }

  /**
   * Charges the reading work of a built-in or an `apply`: ⌊n/16⌋ units of fuel for `n` members
   * visited (compared, hashed, spread); throws `fuel-exhausted` when not that much is left.
   */
  chargeReading(n: number): void {
    const f = n >> 4;
    if (f === 0) return;
    this.fuel -= f;
    if (this.fuel < 0) this.outOfFuel();
  }

  /** Throws the `fuel-exhausted` quota error. */
  outOfFuel(): never {
    this.fuel = 0;
    throw new QuotaExceeded('fuel-exhausted', `process ${this.pid} used up its fuel (${this.fuelQuota} steps)`);
  }

  /** Throws the `stack-overflow` quota error for a call to `name`. */
  tooDeep(name: string | null): never {
    throw new QuotaExceeded('stack-overflow', `stack depth ${this.host.maxDepth} exceeded calling ${name ?? 'fn'}`);
  }

  /** The state compiled code may change, to restore on {@link Deopt}. */
  save(): RuntimeMark {
    return { fuel: this.fuel, depth: this.depth, nextFnId: this.nextFnId, allocated: this.allocated };
  }

  /** Restores a {@link save}d state. */
  restore(m: RuntimeMark): void {
    this.fuel = m.fuel;
    this.depth = m.depth;
    this.nextFnId = m.nextFnId;
    this.allocated = m.allocated;
  }
}

/** A saved {@link Runtime} state. */
export interface RuntimeMark {
  readonly fuel: number;
  readonly depth: number;
  readonly nextFnId: number;
  readonly allocated: number;
}
