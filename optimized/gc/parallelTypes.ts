/**
 * The request/response vocabulary of atom histories recorded by the parallel runtime: the
 * contract of spec/AtomHistory.ts, which the linearizability checker judges.
 * @module
 */

export type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';
