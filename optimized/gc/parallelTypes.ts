/**
 * The request/response vocabulary of atom histories recorded by the parallel runtime; the same
 * shapes as the linearizability checker's atom model (harness/oracles/linearizability.ts), which
 * optimized/ may not import.
 * @module
 */

/** Requests on an atom. */
export type AtomInput =
  | { readonly op: 'deref' }
  | { readonly op: 'reset'; readonly value: string }
  | { readonly op: 'cas'; readonly stamp: number; readonly value: string }
  | { readonly op: 'compareAndSet'; readonly expected: string; readonly value: string };

/** Responses: deref → `{value, stamp}`; cas → `{stamp}` (the new stamp) or `stale`. */
export type AtomOutput = { readonly value: string; readonly stamp: number } | { readonly stamp: number } | 'stale' | boolean | string;
