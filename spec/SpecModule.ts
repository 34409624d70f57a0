/**
 * The contract every TypeScript mirror of a TLA+ module implements (`spec/Atoms.ts` mirrors
 * `spec/tla/Atoms.tla`, and so on): pure functions over immutable states, with the same
 * variable, action and invariant names as the TLA+ module. The explicit-state explorer
 * (`immutos check`'s TS engine) and the TS ≡ TLA+ conformance test consume it.
 * @module
 */

/** Constants of one finite model, as written in its `.cfg` (numbers, strings, sets as arrays). */
export type ModelConstants = Readonly<Record<string, unknown>>;

/** One TLA+ action mirrored in TypeScript. */
export interface SpecAction<S> {
  /** The TLA+ action's name, e.g. `CAS`. */
  readonly name: string;
  /** Every successor of `s` by this action (empty when disabled). Must not mutate `s`. */
  readonly next: (s: S) => Iterable<S>;
}

/** A TypeScript mirror of one TLA+ module, instantiated with a model's constants. */
export interface SpecInstance<S> {
  /** Initial states (`Init`). */
  readonly init: () => Iterable<S>;
  /** The disjuncts of `Next`, by name. */
  readonly actions: readonly SpecAction<S>[];
  /** The invariants, by their TLA+ names (`TypeOK` included). */
  readonly invariants: Readonly<Record<string, (s: S) => boolean>>;
  /**
   * A canonical fingerprint of a state: equal states give equal keys. Used for dedup in the
   * explorer; must be cheap.
   */
  readonly key: (s: S) => string;
  /**
   * Optional, faster alternative to {@link SpecInstance.key} used by the explorer when present:
   * writes a canonical integer encoding of `s` into `out` from index 0 and returns the number of
   * words written. Equal states must give equal words; different states must give different
   * words. `out` holds at least 4096 words.
   */
  readonly keyInto?: (s: S, out: Int32Array) => number;
  /**
   * Optional state constraint, mirroring the cfg's `CONSTRAINT`: a reachable state failing it is
   * counted and checked against the invariants, but its successors are not explored (as in TLC).
   */
  readonly constraint?: (s: S) => boolean;
  /**
   * The state as the TLA+ checker would show it: a JSON-able record `{ varName: tlaValue }`
   * (TLA+ functions as objects or arrays, sets as sorted arrays, records as objects), used by
   * the conformance test to compare state sets under an explicit mapping.
   */
  readonly toTla: (s: S) => Readonly<Record<string, unknown>>;
}

/** A mirror module: its name and how to instantiate it for a model's constants. */
export interface SpecModule<S> {
  /** The TLA+ module name, e.g. `Atoms`. */
  readonly name: string;
  /** Builds the state machine for one model. Throws on unknown or missing constants. */
  readonly instantiate: (constants: ModelConstants) => SpecInstance<S>;
}
