/**
 * How the language's definition reports a failure. A failure of a built-in, a kernel call's
 * arguments or an ill-formed form is a catchable `program-error` (ADR 0012): the definition raises
 * it as a {@link KernelError} of that kind, which every kernel turns into the value a program
 * catches, `{:error :program-error, :message "…"}`.
 * @module
 */
import { printEdnPrefix } from '../codec/Edn.js';
import { KernelError } from '../Errors.js';
import { EMap, kw, type Value } from '../Values.js';

/** Raises the catchable `program-error` with `message`. */
export function langFault(message: string): never {
  throw new KernelError('program-error', message);
}

/** Raises `wrong number of arguments (n) passed to name`. */
export function arityFault(n: number, name: string): never {
  return langFault(`wrong number of arguments (${n}) passed to ${name}`);
}

/** A value's printed form cut to 40 characters, as error messages show it (never prints more of a huge value). */
export function shortText(v: Value): string {
  const s = printEdnPrefix(v, 41);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** The value a program catches for a failure of `kind`: `{:error :kind, :message "…"}`. */
export function errorValue(kind: string, message: string): EMap {
  return EMap.from([
    [kw('error'), kw(kind)],
    [kw('message'), message],
  ]);
}
