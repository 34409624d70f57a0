/**
 * Run-time data of the system language: environments, closures, built-in function
 * implementations and the language's error type. Everything here is immutable.
 * @module
 */
import { KernelError } from '../../spec/Errors.js';
import { errorValue } from '../../spec/lang/errors.js';
import type { Fn, Sym, Value } from '../../spec/Values.js';
import type { Position } from '../../spec/codec/Edn.js';
import type { FnArity } from '../../spec/lang/forms.js';
import type { SharedImpl } from '../../spec/lang/kernelCalls.js';

/** A lexical environment: an immutable linked list of bindings, innermost first. */
export type Env = { readonly name: Sym; readonly value: Value; readonly next: Env } | null;

/** Looks `name` up in `env`; `undefined` when unbound. */
export function lookup(env: Env, name: Sym): Value | undefined {
  for (let e = env; e !== null; e = e.next) if (e.name === name) return e.value;
  return undefined;
}

/** `env` extended with `name = value`. */
export function bind(env: Env, name: Sym, value: Value): Env {
  return Object.freeze({ name, value, next: env });
}

/** One arity of a function: parameters, optional rest parameter (`& more`), body forms (spec/lang/forms.ts). */
export type Arity = FnArity;

/** A closure: code plus the environment it was created in. The `impl` of a {@link Fn}. */
export interface Closure {
  readonly kind: 'closure';
  /** One or more arities, distinct by parameter count. */
  readonly arities: readonly Arity[];
  /** The captured environment. */
  readonly env: Env;
  /** The name a named `fn` binds to itself, or null. */
  readonly self: Sym | null;
}

/** A pure built-in, a kernel call, `apply` (spec/lang/kernelCalls.ts). */
export type { BuiltinImpl as Native, KernelCallImpl as KernelCall, ApplyImpl } from '../../spec/lang/kernelCalls.js';

/** What a function value's `impl` holds in the reference kernel. */
export type FnImpl = Closure | SharedImpl;

/** The reference-kernel implementation behind a function value. */
export function implOf(f: Fn): FnImpl {
  return f.impl as FnImpl;
}

export { truthy } from '../../spec/lang/builtins.js';

/**
 * An error a program can catch with `try`: either a built-in's failure (type error, overflow,
 * bad index…) or a value thrown with `throw`. The caught value is {@link ProgramError.value}.
 */
export class ProgramError extends KernelError {
  /** Creates the error; `thrown` is the value given to `throw`, if any. */
  constructor(
    message: string,
    /** The value caught by `catch`; for built-in failures `{:error :program-error, :message "…"}`. */
    readonly value: Value = errorValue('program-error', message),
    /** Where the failing form starts, when known. */
    readonly position: Position | null = null,
  ) {
    super('program-error', message);
    this.name = 'ProgramError';
  }
}

/** The value a program catches for a failure (spec/lang/errors.ts). */
export { errorValue };

/** Shorthand: throw a {@link ProgramError} with `message`. */
export function programError(message: string): never {
  throw new ProgramError(message);
}
