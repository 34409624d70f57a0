/**
 * Errors of the optimized kernel's system language. A {@link Raised} carries the value a program
 * catches with `try` (for built-in failures the map `{:error :kind, :message "…"}`, as ADR 0012
 * defines it); resource exhaustion is a {@link QuotaExceeded} that no `try` catches.
 * @module
 */
import type { ErrorKind } from '../../spec/Kernel.js';
import { EMap, kw, type Value } from '../../spec/Values.js';

/** The value a program catches for a failure of `kind`: `{:error :kind, :message "…"}`. */
export function errorMap(kind: ErrorKind | string, message: string): EMap {
  return EMap.from([
    [kw('error'), kw(kind)],
    [kw('message'), message],
  ]);
}

/** A catchable error: a `throw`, or a built-in's or kernel call's failure. */
export class Raised extends Error {
  /** Creates the error; `value` is what `catch` binds. */
  constructor(
    /** The error kind an uncaught raise ends the program with. */
    readonly kind: ErrorKind,
    message: string,
    /** The caught value. */
    readonly value: Value = errorMap(kind, message),
  ) {
    super(message);
    this.name = 'Raised';
  }
}

/** Raises a catchable `program-error` with `message` (a built-in's failure). */
export function fault(message: string): never {
  throw new Raised('program-error', message);
}

/** Raises a catchable error of `kind` (a kernel call's failure, e.g. `capability-denied`). */
export function kernelFault(kind: ErrorKind, message: string): never {
  throw new Raised(kind, message);
}

/** A resource quota was exhausted (fuel, stack depth, heap): ends the program, cannot be caught. */
export class QuotaExceeded extends Error {
  /** Creates the error of `kind`. */
  constructor(
    /** `fuel-exhausted`, `stack-overflow` or `out-of-memory`. */
    readonly kind: 'fuel-exhausted' | 'stack-overflow' | 'out-of-memory',
    message: string,
  ) {
    super(message);
    this.name = 'QuotaExceeded';
  }
}
