/**
 * Seeded bugs ("mutants") the optimized kernel can inject, named as in the reference kernel's
 * catalogue where both kernels have the code path, so the differential fuzzer can run the same
 * campaign against both. Off by default; `KernelOptions.mutants` switches them on by name.
 *
 * Besides the kernel-level bugs (cas, fork, share, validators, watches, quotas, registers, JIT
 * tiers), the catalogue seeds bugs in the kernel's internals: the vector trie and CHAMP tries of
 * the heap (optimized/collections), the versioned maps of the language (optimized/lang/vmap.ts),
 * the collector (marking, evacuation, roots) and struct re-encoding (optimized/gc,
 * optimized/heap/reencode.ts). Each one changes what some program or operation observes, and the
 * mutant campaign (`immutos fuzz --mutants`) finds it.
 *
 * Every mutant listed here has a code path ({@link INERT_MUTANTS} is empty).
 * @module
 */
import { CODEC_MUTANTS } from '../spec/codec/Binary.js';
import { MutantSwitch, sharedMutants } from '../spec/KernelMutants.js';

/** One seeded bug. */
export interface OptimizedMutant {
  /** The name passed in `KernelOptions.mutants`. */
  readonly name: string;
  /** One line: what goes wrong. */
  readonly description: string;
  /**
   * `multicore`: observable only when the kernel runs on several cores of a weakly ordered
   * memory (`optimized+hw:relaxed`); on the single-threaded backends it changes nothing, so the
   * engine registry offers it on `optimized+hw:<model>` only. Absent: observable everywhere.
   */
  readonly needs?: 'multicore' | 'jit';
}

/** The mutants this kernel implements (each changes observable behaviour, or a debug invariant). */
export const OPTIMIZED_MUTANTS: readonly OptimizedMutant[] = Object.freeze([
  ...sharedMutants('cas-compares-values'),
  { name: 'fork-shares-private', description: 'fork keeps private atoms shared with the child instead of re-pointing them at new atoms' },
  ...sharedMutants('share-by-non-creator'),
  { name: 'gc-ignores-registers', description: 'StartMark does not grey register roots, so a value held only in a register is freed (caught by the debug heap invariants)' },
  { name: 'hash-mismatch', description: 'lists hash with a different seed than vectors, so equal sequences ([1 2] and (1 2)) compare unequal' },
  { name: 'quota-not-enforced', description: 'the heap-cell quota is never enforced' },
  { name: 'durable-write-not-logged', description: 'a write to a durable atom changes the atom but is not appended to the store (history, as-of and since miss it; the next logged write conflicts)' },
  ...sharedMutants('swap-no-retry', 'reset-skips-validator', 'in-place-update-shared', 'watch-before-write', 'hot-deploy-replaces-running', 'collection-off-by-one', 'watch-runs-as-writer', 'validator-runs-as-writer', 'foreign-code-charged-to-writer', 'join-any-process', 'no-process-limit'),
  { name: 'jit-wrong-overflow', description: 'tier-1 code checks only the upper int64 bound after an inlined +, -, *, inc or dec (a result below -2^63 goes through)', needs: 'jit' },
  { name: 'jit-wrong-capture', description: 'tier-1 closures created by one activation share one capture array, so an earlier closure sees a later one\'s captured values', needs: 'jit' },
  { name: 'jit-tier2-compare', description: 'tier-2 (LLVM) code compiles < as <= (a miscompiled comparison)', needs: 'jit' },
  { name: 'jit-tier2-range-init', description: 'tier-2 range analysis bounds a loop variable by its initial value alone (as if no recur changed it), so an overflow check it drops lets a wrapped int64 through', needs: 'jit' },
  { name: 'jit-stale-code', description: 'tier-1 global call sites keep the function they first resolved, so a redefinition (hot deploy) is not seen by new calls', needs: 'jit' },
  { name: 'hold-clears-registers', description: 'hold of nil clears every register of the process, not only the named one' },
  { name: 'vec-push-tail-index', description: 'pushing a full tail into the vector trie computes its slot from count instead of count - 1, so every leaf lands one slot too far (vectors of more than 32 items lose items)' },
  { name: 'vec-tail-offset', description: 'iterating a vector takes its tail to start at count rounded down to 32 instead of (count - 1) rounded down, so a vector of 32·k items loses its last 32' },
  { name: 'champ-bitmap-index', description: 'inserting a key into a CHAMP node below the root indexes its entries with popcount(bitmap & bit) instead of popcount(bitmap & (bit - 1)), so entries are stored out of bitmap order' },
  { name: 'champ-collision-count', description: 'a CHAMP collision node made for two keys with the same 32-bit hash records a count of 1, so the second key is lost' },
  { name: 'vmap-stale-version', description: 'reading an old map version far from its table (a detached copy) skips the version\'s own diff, so it answers the next version\'s binding for that key' },
  { name: 'gc-swap-before-copy', description: 'evacuation swaps the handle to the new copy before copying, and copies from the handle\'s (new, still empty) address' },
  { name: 'gc-skips-interned', description: 'StartMark does not grey the intern table, so a keyword or symbol no live value holds is freed while the table still hands it out' },
  { name: 'reencode-shape-by-count', description: 'struct re-encoding (map to struct) takes a known shape with as many keys as the map, without comparing the keys' },
  { name: 'fork-drops-register', description: "fork's copy of the parent's registers skips the highest-numbered one, so the child does not hold what its parent held there" },
  { name: 'gc-allocates-white', description: 'cells allocated while the collector marks are born white instead of black, so a value stored where the scan has already passed is freed' },
  { name: 'gc-minor-skips-atoms', description: 'a minor collection does not take the atoms\' slots as roots, so a young value that only an atom holds is freed' },
  { name: 'gc-promote-shallow', description: 'a minor collection promotes the young cells the roots name but not the young cells those point to, which it frees' },
  { name: 'jit-fallback-args', description: 'when tier-2 code gives up on a call (overflow, limit), tier 1 is re-entered without the last argument', needs: 'jit' },
  { name: 'jit-try-depth-leak', description: 'a tier-1 catch keeps the call depth the failure was thrown at instead of its own, so every failure caught in compiled code leaves the frames it unwound counted and a later recursion overflows early', needs: 'jit' },
  {
    name: 'drop-publish-fence',
    description: 'evacuation (and struct re-encoding) swaps the handle to the new copy without the fence after writing it, so under a relaxed memory model another core can follow the handle before the copy is visible',
    needs: 'multicore',
  },
  // Seeded bugs of the binary decoder a binary `load` goes through (spec/codec/Binary.ts CODEC_MUTANTS).
  ...CODEC_MUTANTS,
]);

/** Catalogue names accepted but inert here (none: every seeded bug of the catalogue has a code path). */
export const INERT_MUTANTS: readonly string[] = Object.freeze([]);

/** The active mutants of one kernel. */
export class MutantSet extends MutantSwitch {
  /** Activates `names`; throws a RangeError naming any unknown mutant. */
  constructor(names: readonly string[] = []) {
    super([...OPTIMIZED_MUTANTS.map((m) => m.name), ...INERT_MUTANTS], names);
  }
}
