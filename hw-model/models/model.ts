/**
 * The contract of an operational memory model over compiled litmus programs: initial state,
 * successor states (one per enabled step), final states and their outcome.
 * @module
 */
import type { Compiled } from './program.js';

/** A machine state of one operational model (immutable: steps build new states). */
export interface MachineState {
  /** Memory: value per location index. */
  readonly mem: readonly number[];
  /** Per thread: register values. */
  readonly regs: readonly (readonly number[])[];
}

/** An operational memory model. */
export interface OpModel<S extends MachineState> {
  /** `sc`, `tso` or `relaxed`. */
  readonly name: 'sc' | 'tso' | 'relaxed';
  /** The initial state (memory 0, registers 0, nothing executed). */
  readonly init: (c: Compiled) => S;
  /** Every state reachable in one step (an instruction performs, or a buffered store drains). */
  readonly successors: (c: Compiled, s: S) => S[];
  /** Whether every instruction has performed and every buffer is empty. */
  readonly isFinal: (c: Compiled, s: S) => boolean;
  /** Canonical key (equal states, equal keys). */
  readonly key: (s: S) => string;
}
