/**
 * The vocabulary of atom histories: the requests a client makes of one atom and the responses it
 * gets, as recorded by a parallel run (optimized/gc/) and judged by the linearizability checker
 * (harness/oracles/linearizability.ts) against the sequential atom of Atoms.tla.
 * @module
 */

/** Requests on an atom. */
export type AtomInput =
  | { readonly op: 'deref' }
  | { readonly op: 'reset'; readonly value: string }
  | { readonly op: 'cas'; readonly stamp: number; readonly value: string }
  | { readonly op: 'compareAndSet'; readonly expected: string; readonly value: string };

/** Responses: deref → `{value, stamp}`; reset → the value; cas → the new `{stamp}` or `stale`; compareAndSet → a boolean. */
export type AtomOutput = { readonly value: string; readonly stamp: number } | { readonly stamp: number } | 'stale' | boolean | string;
