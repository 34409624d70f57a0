/**
 * Reading an operation's inputs (ADR 0010): what `bad-input` means for an operation's name, a
 * count field, an EDN argument, a function's source or a program to load, written once for every
 * kernel.
 * @module
 */
import { readEdn } from './codec/Edn.js';
import { KernelError } from './Errors.js';
import { OP_NAMES, type Op } from './Kernel.js';
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

/** A malformed operation field as a `bad-input` message shows it (any JS value, bigints and cycles included). */
export function showOpField(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

const KNOWN_OPS: ReadonlySet<unknown> = new Set(OP_NAMES);

/** `op` as an operation of spec/Kernel.ts; throws `bad-input` when it is not an object naming one. */
export function readOp(op: unknown): Op {
  if (op === null || typeof op !== 'object' || !KNOWN_OPS.has((op as { op?: unknown }).op)) {
    throw new KernelError('bad-input', `unknown operation ${showOpField((op as { op?: unknown } | null)?.op)}`);
  }
  return op as Op;
}

/** The count field `what` (a pid, ref, stamp or register); throws `bad-input` when it is not a non-negative safe integer. */
export function readNat(x: unknown, what: string): number {
  if (!isNat(x)) throw new KernelError('bad-input', `${what} must be a non-negative integer, got ${showOpField(x)}`);
  return x;
}

/** The source text of a function argument (`swap`, `swapVals`, `setValidator`); throws `bad-input` when it is not text. */
export function readFnSource(src: unknown): string {
  if (typeof src !== 'string') throw new KernelError('bad-input', `fn must be the text of a function, got ${showOpField(src)}`);
  return src;
}

/** What a `load` carries: a program as EDN text, or as base64 text of its binary encoding. */
export type LoadInput = { readonly text: string } | { readonly base64: string };

/**
 * The program a `load` carries; throws `bad-input` when `program` is not text, `binary` is given
 * but not text, or both carry a program (`program` must then be empty).
 */
export function readLoadInput(program: unknown, binary: unknown): LoadInput {
  if (typeof program !== 'string') throw new KernelError('bad-input', 'program must be EDN text');
  if (binary === undefined) return { text: program };
  if (typeof binary !== 'string') throw new KernelError('bad-input', 'binary must be base64 text');
  if (program !== '') throw new KernelError('bad-input', 'a load carries its program as EDN text or as binary, not both (program must be empty)');
  return { base64: binary };
}
