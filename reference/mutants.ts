/**
 * Seeded bugs ("mutants") the reference kernel can inject, for the differential fuzzer's
 * meta-tests: a harness that cannot tell a mutant from the real kernel is too weak.
 * Every mutant is off by default; `KernelOptions.mutants` switches them on by name.
 * @module
 */
import { CODEC_MUTANTS, type CodecMutantName } from '../spec/Binary.js';

/** One seeded bug: its name and what goes wrong when it is on. */
export interface MutantInfo {
  /** The name passed in `KernelOptions.mutants`. */
  readonly name: string;
  /** One line: what the bug does. */
  readonly description: string;
}

/** The mutant catalogue of the reference kernel. */
export const REFERENCE_MUTANTS: readonly MutantInfo[] = Object.freeze([
  { name: 'swap-no-retry', description: 'swap!/swap-vals! in a program write their result even when another process wrote in between (lost update)' },
  { name: 'cas-compares-values', description: 'cas succeeds when the current value equals the value the atom had at the given stamp (ABA), not only when the stamp is current' },
  { name: 'fork-shares-private', description: 'fork keeps private atoms shared with the child instead of copying them' },
  { name: 'share-by-non-creator', description: 'share is allowed to any process holding the atom, not only its creator' },
  { name: 'reset-skips-validator', description: 'reset (and reset!/reset-vals!) write without running the validator' },
  { name: 'gc-ignores-registers', description: 'the collector does not treat process registers as roots, so a held value can be freed and its handle reused' },
  { name: 'in-place-update-shared', description: 'assoc/conj on a vector that is the current value of an atom overwrite that atom\'s heap cell in place' },
  { name: 'hash-mismatch', description: 'the kernel\'s watch table hashes lists and vectors differently, so equal keys (e.g. [1 2] and (1 2)) miss each other' },
  { name: 'watch-before-write', description: 'watches are notified before the validator runs and the write happens, even when the write is then rejected' },
  { name: 'quota-not-enforced', description: 'the heap-cell quota is never enforced: a process may keep more live cells than allowed' },
  { name: 'hot-deploy-replaces-running', description: 'a running function that recurs (recur) jumps into the newest definition of its name instead of its own code' },
  { name: 'collection-off-by-one', description: 'nth and subvec refuse the last index of a vector (off by one at the end)' },
  { name: 'watch-runs-as-writer', description: "a watch function runs with the writer's atom table, output and fuel instead of its owner's (ADR 0024)" },
  { name: 'validator-runs-as-writer', description: "a validator runs with the writer's atom table, output and fuel instead of its owner's (ADR 0024)" },
  { name: 'foreign-code-charged-to-writer', description: "another process's validator or watch runs on the writer's fuel and its failure fails the writer" },
  { name: 'join-any-process', description: 'join returns the result of any process, not only of a child of the caller' },
  { name: 'no-process-limit', description: 'spawn and fork ignore the per-tree and kernel-wide process limits' },
  { name: 'fork-drops-registers', description: 'fork gives the child empty registers instead of a copy of the parent\'s' },
  // Seeded bugs of the binary decoder a binary `load` goes through (spec/Binary.ts CODEC_MUTANTS).
  ...CODEC_MUTANTS,
] as const);

/** The name of a reference mutant. */
export type MutantName =
  | 'swap-no-retry'
  | 'cas-compares-values'
  | 'fork-shares-private'
  | 'share-by-non-creator'
  | 'reset-skips-validator'
  | 'gc-ignores-registers'
  | 'in-place-update-shared'
  | 'hash-mismatch'
  | 'watch-before-write'
  | 'quota-not-enforced'
  | 'hot-deploy-replaces-running'
  | 'collection-off-by-one'
  | 'watch-runs-as-writer'
  | 'validator-runs-as-writer'
  | 'foreign-code-charged-to-writer'
  | 'join-any-process'
  | 'no-process-limit'
  | 'fork-drops-registers'
  | CodecMutantName;

/** The active mutants of one kernel instance. */
export class Mutants {
  private readonly on: ReadonlySet<string>;
  /** Activates `names`; throws a RangeError naming any unknown mutant. */
  constructor(names: readonly string[] = []) {
    const known = new Set(REFERENCE_MUTANTS.map((m) => m.name));
    for (const n of names) if (!known.has(n)) throw new RangeError(`unknown mutant '${n}' (known: ${[...known].join(', ')})`);
    this.on = new Set(names);
  }
  /** Whether the mutant `name` is active. */
  has(name: MutantName): boolean {
    return this.on.has(name);
  }
}
