/**
 * How the optimized kernel turns a caller's fault into a typed outcome: an operation refused with
 * an error kind (`bad-input`, `capability-denied`, …), and the classification of what a program
 * run can throw (a typed failure, a quota error, or a host fault that is nobody's outcome).
 * @module
 */
import { readOpArgument } from '../../spec/OpInput.js';
import { KernelError } from '../../spec/Errors.js';
import { fail, type Outcome } from '../../spec/Kernel.js';
import type { Value } from '../../spec/Values.js';
import { QuotaExceeded, Raised } from '../lang/errors.js';
import { HeapExhausted } from '../heap/Heap.js';

/** An operation refused with a typed outcome (thrown, caught by the operation dispatch). */
export class Refused extends Error {
  /** Creates the refusal carrying `outcome`. */
  constructor(readonly outcome: Outcome) {
    super(outcome.ok ? 'ok' : outcome.message);
  }
}

/** Refuses the current operation with `kind` and `message`. */
export function refuse(kind: Parameters<typeof fail>[0], message: string): never {
  throw new Refused(fail(kind, message));
}

/** An operation's EDN argument, or the operation refused (spec/OpInput.ts). */
export function parse(text: unknown, what: string): Value {
  try {
    return readOpArgument(text, what);
  } catch (e) {
    return refuse((e as KernelError).kind, (e as KernelError).message);
  }
}

/** The outcome of anything an operation can throw for a program's or caller's fault, or null for a host fault. */
export function outcomeOf(e: unknown): Outcome | null {
  if (e instanceof Refused) return e.outcome;
  if (e instanceof HeapExhausted) return fail('out-of-memory', e.message);
  if (e instanceof KernelError || e instanceof Raised || e instanceof QuotaExceeded) return fail(e.kind, e.message);
  return null;
}

/** The error kind and message of anything a program run can throw, or null for a host fault. */
export function failureOf(e: unknown): { kind: string; message: string } | null {
  if (e instanceof Refused) return e.outcome.ok ? null : { kind: e.outcome.error, message: e.outcome.message };
  if (e instanceof QuotaExceeded || e instanceof Raised || e instanceof KernelError) return { kind: e.kind, message: e.message };
  if (e instanceof HeapExhausted) return { kind: 'out-of-memory', message: e.message };
  return null;
}

/** The quota error `e` is, if any (from the language, the kernel or the heap). */
export function quotaOf(e: unknown): { kind: 'out-of-memory' | 'fuel-exhausted' | 'stack-overflow'; message: string } | null {
  if (e instanceof QuotaExceeded) return { kind: e.kind, message: e.message };
  if (e instanceof Refused && !e.outcome.ok && (e.outcome.error === 'out-of-memory' || e.outcome.error === 'fuel-exhausted' || e.outcome.error === 'stack-overflow')) return { kind: e.outcome.error, message: e.outcome.message };
  if (e instanceof KernelError && (e.kind === 'out-of-memory' || e.kind === 'fuel-exhausted' || e.kind === 'stack-overflow')) return { kind: e.kind, message: e.message };
  if (e instanceof HeapExhausted) return { kind: 'out-of-memory', message: e.message };
  return null;
}
