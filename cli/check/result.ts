/**
 * What one engine reports on one model — the common, JSON-serialisable result of tla-checker,
 * TLC and the TS explorer — and the counterexample trace they share.
 * @module
 */

/** The engines `immutos check` can run. */
export type EngineName = 'tla-checker' | 'tlc' | 'ts';

/** One state of a counterexample, with its variables already printed. */
export interface TraceState {
  /** The action that led here (`Init` for the first state), or null when the engine does not say. */
  readonly action: string | null;
  /** Variable → printed value, in the module's variable order. */
  readonly vars: readonly (readonly [string, string])[];
}

/** A counterexample. */
export interface Trace {
  /** The states, first to last. */
  readonly states: readonly TraceState[];
  /** For a liveness lasso: index of the first state of the cycle (the behaviour loops back to it); else null. */
  readonly cycleStart: number | null;
}

/**
 * How a run ended. `nonconforming`: a sampled run (see {@link EngineResult.sampled}) found a state
 * where the TS mirror and the TLA+ module disagree (initial states or successor sets).
 */
export type RunStatus = 'pass' | 'violation' | 'deadlock' | 'max-states' | 'error' | 'nonconforming';

/** The result of one engine on one model. */
export interface EngineResult {
  /** Which engine. */
  readonly engine: EngineName;
  /** How it ended. */
  readonly status: RunStatus;
  /** On a violation, the violated invariant's (or property's) name from the cfg; else null. */
  readonly violated: string | null;
  /** Human-readable detail (the engine's error message, or empty). */
  readonly message: string;
  /** Distinct states found (for a violation: up to the violation), or null if unknown. */
  readonly distinctStates: number | null;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** Distinct states per second, or null if unknown. */
  readonly statesPerSecond: number | null;
  /** The engine's warnings (any warning fails the check). */
  readonly warnings: readonly string[];
  /** The counterexample, if any. */
  readonly trace: Trace | null;
  /**
   * Set on a run of the TLA+ engine by sampling, not in full: the number of states at which the
   * module's successors were compared with the mirror's (see cli/check/conformance.ts). Such a
   * run explores no state graph: `distinctStates` is null.
   */
  readonly sampled?: number;
}
