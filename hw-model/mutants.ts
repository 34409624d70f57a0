/**
 * Seeded bugs of the hardware memory model: each breaks one coherence or ordering rule, so that a
 * kernel running on the model reads a stale value. The differential fuzzer must catch every one
 * (`immutos fuzz --mutants --kernels optimized+hw:tso`): the engine registry offers them on
 * `optimized+hw:<model>+mutant:<name>` and hands them to {@link createHwMemory}.
 * @module
 */
import { HwFault } from './errors.js';

/** Where a seeded bug lives: the caches and directory, or the store buffers in front of them. */
export type HwMutantLevel = 'memsys' | 'backend';

/** One seeded hardware bug. */
export interface HwMutant {
  /** Its name (`optimized+hw:<model>+mutant:<name>`). */
  readonly name: string;
  /** The part of the model it breaks. */
  readonly level: HwMutantLevel;
  /** What it breaks, in one sentence. */
  readonly description: string;
  /** The memory models under which it can change a value (others: it has no effect). */
  readonly models: readonly ('sc' | 'tso' | 'relaxed')[];
}

const ALL = ['sc', 'tso', 'relaxed'] as const;
const BUFFERED = ['tso', 'relaxed'] as const;

/** The catalogue of seeded hardware bugs. */
export const HW_MUTANTS: readonly HwMutant[] = [
  {
    name: 'hw-no-invalidate',
    level: 'memsys',
    description: 'a write to a shared mutable line does not invalidate the other copies (they keep serving the old words)',
    models: ALL,
  },
  {
    name: 'hw-no-writeback',
    level: 'memsys',
    description: 'evicting a modified line drops its words instead of writing them back to the shared level',
    models: ALL,
  },
  {
    name: 'hw-publish-no-writeback',
    level: 'memsys',
    description: 'publishing a line immutable forgets to write back the publisher\'s modified copy (other cores fill stale words from the shared level)',
    models: ALL,
  },
  {
    name: 'hw-reclaim-keeps-copies',
    level: 'memsys',
    description: 'reclaiming immutable lines does not drop the cached copies, so reused memory is read through stale untracked copies',
    models: ALL,
  },
  {
    name: 'hw-immutable-atom-line',
    level: 'memsys',
    description: 'mutable lines (atom slots, handle table, cells being built) are filled like immutable ones: untracked copies no write ever invalidates',
    models: ALL,
  },
  {
    name: 'hw-fence-noop',
    level: 'backend',
    description: 'a full fence (MFENCE / DMB SY) does not drain the store buffer',
    models: BUFFERED,
  },
  {
    name: 'hw-no-forwarding',
    level: 'backend',
    description: 'a load does not forward from its own core\'s store buffer and reads the cache instead',
    models: BUFFERED,
  },
];

/** Names of {@link HW_MUTANTS}. */
export const HW_MUTANT_NAMES: readonly string[] = HW_MUTANTS.map((m) => m.name);

/**
 * Checks `names` against the catalogue and returns the set of those at `level`.
 * @throws HwFault (`bad-config`) naming an unknown mutant.
 */
export function hwMutantsAt(names: readonly string[] | undefined, level: HwMutantLevel): ReadonlySet<string> {
  const out = new Set<string>();
  for (const n of names ?? []) {
    const m = HW_MUTANTS.find((x) => x.name === n);
    if (m === undefined) throw new HwFault('bad-config', `unknown hardware mutant '${n}' (known: ${HW_MUTANT_NAMES.join(', ')})`);
    if (m.level === level) out.add(n);
  }
  return out;
}
