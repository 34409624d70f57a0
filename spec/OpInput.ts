/**
 * Reading an operation's inputs (ADR 0010): what `bad-input` means for a count field or an EDN
 * argument, written once for the spec engine and the optimized kernel.
 * @module
 */
import { readEdn } from './codec/Edn.js';
import { KernelError } from './Errors.js';
import type { Value } from './Values.js';

/** Whether `x` is a non-negative safe integer (a pid, ref, stamp or register). */
export function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Reads the EDN argument `what` of an operation. Throws a KernelError naming `what`: `bad-input`
 * when it is not text or does not read, or the reader's own kind (e.g. a nesting limit).
 */
export function readOpArgument(text: unknown, what: string): Value {
  if (typeof text !== 'string') throw new KernelError('bad-input', `${what} must be EDN text`);
  try {
    return readEdn(text);
  } catch (e) {
    if (e instanceof KernelError) throw new KernelError(e.kind, `${what}: ${e.message}`);
    throw new KernelError('bad-input', `${what}: ${String(e)}`);
  }
}
