/**
 * Seeded bugs ("mutants") the reference kernel can inject, for the differential fuzzer's
 * meta-tests: a harness that cannot tell a mutant from the real kernel is too weak.
 * Every mutant is off by default; `KernelOptions.mutants` switches them on by name.
 * @module
 */
import { CODEC_MUTANTS, type CodecMutantName } from '../spec/codec/Binary.js';
import { MutantSwitch, sharedMutants, type MutantEntry } from '../spec/KernelMutants.js';

/** One seeded bug: its name and what goes wrong when it is on. */
export type MutantInfo = MutantEntry;

/** The mutant catalogue of the reference kernel. */
export const REFERENCE_MUTANTS: readonly MutantInfo[] = Object.freeze([
  ...sharedMutants('swap-no-retry', 'cas-compares-values'),
  { name: 'fork-shares-private', description: 'fork keeps private atoms shared with the child instead of copying them' },
  ...sharedMutants('share-by-non-creator', 'reset-skips-validator'),
  { name: 'gc-ignores-registers', description: 'the collector does not treat process registers as roots, so a held value can be freed and its handle reused' },
  ...sharedMutants('in-place-update-shared'),
  { name: 'hash-mismatch', description: "the kernel's watch table hashes lists and vectors differently, so equal keys (e.g. [1 2] and (1 2)) miss each other" },
  ...sharedMutants('watch-before-write'),
  { name: 'quota-not-enforced', description: 'the heap-cell quota is never enforced: a process may keep more live cells than allowed' },
  ...sharedMutants('hot-deploy-replaces-running', 'collection-off-by-one', 'watch-runs-as-writer', 'validator-runs-as-writer', 'foreign-code-charged-to-writer', 'join-any-process', 'no-process-limit'),
  { name: 'fork-drops-registers', description: "fork gives the child empty registers instead of a copy of the parent's" },
  // Seeded bugs of the binary decoder a binary `load` goes through (spec/codec/Binary.ts CODEC_MUTANTS).
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
export class Mutants extends MutantSwitch<MutantName> {
  /** Activates `names`; throws a RangeError naming any unknown mutant. */
  constructor(names: readonly string[] = []) {
    super(
      REFERENCE_MUTANTS.map((m) => m.name),
      names,
    );
  }
}
