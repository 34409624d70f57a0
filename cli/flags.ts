/**
 * Reading numeric command-line flags, with a usage error (exit 2) that names the flag.
 * @module
 */
import { UsageError } from './errors.js';

/** `text` as an integer of at least `min` (undefined when the flag is absent). @throws UsageError otherwise. */
export function intFlag(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be ${min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`}, got '${text}'`);
  return n;
}

/** `text` as a positive number of seconds (undefined when the flag is absent). @throws UsageError otherwise. */
export function secondsFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got '${text}'`);
  return n;
}
