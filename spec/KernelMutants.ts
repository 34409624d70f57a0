/**
 * Seeded bugs ("mutants") that more than one kernel implements, under one name and one
 * description, so the differential fuzzer can run one campaign against every kernel; and the
 * switch a kernel holds its active mutants in. Each kernel's catalogue (reference/mutants.ts,
 * optimized/mutants.ts) lists which of these it seeds, besides bugs of its own internals.
 * @module
 */

/** The bugs several kernels seed, by name: one line each, what goes wrong when it is on. */
export const SHARED_MUTANTS = Object.freeze({
  'swap-no-retry': 'swap!/swap-vals! in a program write their result even when another process wrote in between (lost update)',
  'cas-compares-values': 'cas succeeds when the current value equals the value the atom had at the given stamp (ABA), not only when the stamp is current',
  'share-by-non-creator': 'share is allowed to any process holding the atom, not only its creator',
  'reset-skips-validator': 'reset (and reset!/reset-vals!) write without running the validator',
  'in-place-update-shared': "assoc/conj on a vector that is the current value of an atom overwrite that atom's heap cell in place",
  'watch-before-write': 'watches are notified before the validator runs and the write happens, even when the write is then rejected',
  'hot-deploy-replaces-running': 'a running function that recurs (recur) jumps into the newest definition of its name instead of its own code',
  'collection-off-by-one': 'nth and subvec refuse the last index of a vector (off by one at the end)',
  'watch-runs-as-writer': "a watch function runs with the writer's atom table, output and fuel instead of its owner's (ADR 0024)",
  'validator-runs-as-writer': "a validator runs with the writer's atom table, output and fuel instead of its owner's (ADR 0024)",
  'foreign-code-charged-to-writer': "another process's validator or watch runs on the writer's fuel and its failure fails the writer",
  'join-any-process': 'join returns the result of any process, not only of a child of the caller',
  'no-process-limit': 'spawn and fork ignore the per-tree and kernel-wide process limits',
});

/** The name of a bug several kernels seed. */
export type SharedMutantName = keyof typeof SHARED_MUTANTS;

/** One seeded bug: its name and what goes wrong when it is on. */
export interface MutantEntry {
  /** The name passed in `KernelOptions.mutants`. */
  readonly name: string;
  /** One line: what the bug does. */
  readonly description: string;
}

/** The catalogue entries of the shared bugs `names`, in that order. */
export function sharedMutants(...names: readonly SharedMutantName[]): MutantEntry[] {
  return names.map((name) => ({ name, description: SHARED_MUTANTS[name] }));
}

/** The active mutants of one kernel instance. */
export class MutantSwitch<Name extends string = string> {
  private readonly on: ReadonlySet<string>;
  /** Activates `names`, each one of `known`; throws a RangeError naming any unknown mutant. */
  constructor(known: readonly string[], names: readonly string[]) {
    const knownSet = new Set(known);
    for (const n of names) if (!knownSet.has(n)) throw new RangeError(`unknown mutant '${n}' (known: ${[...knownSet].join(', ')})`);
    this.on = new Set(names);
  }
  /** Whether the mutant `name` is active. */
  has(name: Name): boolean {
    return this.on.has(name);
  }
}
