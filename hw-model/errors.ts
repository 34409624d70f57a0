/**
 * Typed errors of the hardware memory-model simulator. Every fault names its kind, the core
 * and the word address, so a test or a kernel backend can react to the kind, never to a message.
 * @module
 */

/** The kinds of fault the simulated memory system raises. */
export type HwFaultKind =
  /** A store or CAS to a line marked immutable (outside its initialising window). */
  | 'immutable-write'
  /** A store or CAS to a line in another core's initialising window. */
  | 'init-window-write'
  /** An address outside the simulated memory. */
  | 'bad-address'
  /** A range that is empty, out of bounds or not line-aligned, or a mode change not allowed. */
  | 'bad-range'
  /** A core number outside `0..cores-1`. */
  | 'bad-core'
  /** A configuration value out of range (e.g. a non-power-of-two line size). */
  | 'bad-config';

/** A fault of the simulated memory system. */
export class HwFault extends Error {
  /** Creates a fault of `kind` at `addr` (word address) raised on behalf of `core` (-1: none). */
  constructor(
    /** What went wrong. */
    readonly kind: HwFaultKind,
    message: string,
    /** The core that caused it, or -1. */
    readonly core = -1,
    /** The word address involved, or -1. */
    readonly addr = -1,
  ) {
    super(message);
    this.name = 'HwFault';
  }
}
