/**
 * A fuzz case: what the generators produce (after `fixup`), what the oracles judge, what
 * `immutos replay` reads and what `tests/regressions/` keeps. Plain JSON, versioned.
 * @module
 */
import type { Op, Quotas } from '../../spec/Kernel.js';

/** The current case format version. */
export const FUZZ_CASE_VERSION = 1;

/**
 * One operation of a case. Usually a well-formed {@link Op}; malformed-input cases also carry
 * operations no kernel knows (`{ op: 'frobnicate' }`) or fields of the wrong type, which every
 * kernel must refuse alike with `bad-input`.
 */
export type CaseOp = Op | { readonly op: string; readonly [field: string]: unknown };

/** A replayable case. */
export interface FuzzCase {
  /** Format version ({@link FUZZ_CASE_VERSION}). */
  readonly version: number;
  /** The seed this case was generated from (`immutos fuzz --seed` derives one per case). */
  readonly seed: number;
  /** The kernels it was run on (names as in the registry, mutants included). */
  readonly kernels: readonly string[];
  /**
   * Kernels among {@link kernels} that users brought as modules: engine name → the module's
   * absolute path (`immutos fuzz --kernel-module`), so that replay finds them.
   */
  readonly kernelModules?: Readonly<Record<string, string>>;
  /** Per-process quotas every kernel is built with (defaults when absent). */
  readonly quotas?: Partial<Quotas>;
  /** Build every kernel in debug mode (heap invariants checked after each collection). */
  readonly debug?: boolean;
  /** The operations, applied in order. */
  readonly ops: readonly CaseOp[];
  /** What `fixup` changed to make the case valid for the selected kernels (never silent). */
  readonly fixups?: readonly string[];
  /** For kept cases: the expected verdict when replayed on `kernels` (regressions). */
  readonly expect?: 'agree' | 'diverged';
  /** Free text: where the case came from. */
  readonly note?: string;
}

/** A case file that does not parse or has the wrong shape. */
export class BadCaseError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'BadCaseError';
  }
}

/** Serializes a case as stable, readable JSON (one op per line). */
export function caseToJson(c: FuzzCase): string {
  const { ops, ...head } = c;
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headJson},\n  "ops": [\n${ops.map((o) => `    ${JSON.stringify(o)}`).join(',\n')}\n  ]\n}\n`;
}

/** Parses and validates a case from JSON text. Throws {@link BadCaseError}. */
export function caseFromJson(text: string): FuzzCase {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BadCaseError(`not JSON: ${(e as Error).message}`);
  }
  const c = raw as Partial<FuzzCase> | null;
  if (c === null || typeof c !== 'object') throw new BadCaseError('a case must be a JSON object');
  if (c.version !== FUZZ_CASE_VERSION) throw new BadCaseError(`unsupported case version ${String(c.version)} (expected ${FUZZ_CASE_VERSION})`);
  if (typeof c.seed !== 'number') throw new BadCaseError('case.seed must be a number');
  if (!Array.isArray(c.kernels) || !c.kernels.every((k) => typeof k === 'string')) throw new BadCaseError('case.kernels must be an array of kernel names');
  if (c.kernelModules !== undefined && (c.kernelModules === null || typeof c.kernelModules !== 'object' || Array.isArray(c.kernelModules) || !Object.values(c.kernelModules).every((p) => typeof p === 'string'))) {
    throw new BadCaseError('case.kernelModules must map kernel names to module paths');
  }
  if (!Array.isArray(c.ops) || !c.ops.every((o) => o !== null && typeof o === 'object' && typeof (o as { op?: unknown }).op === 'string')) {
    throw new BadCaseError('case.ops must be an array of operations with an "op" field');
  }
  return c as FuzzCase;
}

/** A short id for a case file: kernels and seed. */
export function caseId(c: FuzzCase): string {
  const tag = c.kernels.map((k) => k.replace(/[^a-z0-9]+/gi, '-')).join('_');
  return `${tag}-${c.seed.toString(16).padStart(8, '0')}`;
}

/** The command that replays a saved case. */
export function replayCommand(file: string): string {
  return `npx immutos replay ${file}`;
}
