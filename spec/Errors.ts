/**
 * Typed errors raised by the readers and decoders (and caught by kernels, which turn them into
 * {@link Outcome}s). Every bad input names where it went wrong.
 * @module
 */
import type { ErrorKind } from './Kernel.js';

/** An error that carries a {@link ErrorKind}; kernels convert it to a failed outcome. */
export class KernelError extends Error {
  /** Creates an error of `kind`. */
  constructor(
    /** The error kind. */
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

/** Malformed input (EDN text or binary): `offset` is the character (text) or byte (binary) offset. */
export class BadInputError extends KernelError {
  /** Creates the error; the message is prefixed with the offset, and line:column when known. */
  constructor(
    detail: string,
    /** Offset of the offending character or byte. */
    readonly offset: number,
    /** 1-based line and column for text input, when known. */
    readonly position?: { readonly line: number; readonly column: number },
  ) {
    super('bad-input', position ? `${detail} at line ${position.line}, column ${position.column} (offset ${offset})` : `${detail} at byte offset ${offset}`);
    this.name = 'BadInputError';
  }
}

/**
 * A heap invariant of GC.tla failed (kernels check them in debug mode): a kernel bug, never a
 * program's fault.
 */
export class HeapInvariantViolation extends Error {
  /** Creates the error for the invariant `invariant` (its GC.tla name). */
  constructor(
    /** `NoDangling`, `ReachableNeverFreed`, `NoOldToYoung` or `Immutable`. */
    readonly invariant: string,
    detail: string,
  ) {
    super(`heap invariant ${invariant} violated: ${detail}`);
    this.name = 'HeapInvariantViolation';
  }
}
