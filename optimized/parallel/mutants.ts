/**
 * The seeded bugs of the parallel mode: each one breaks a rule of the publication protocol
 * (`spec/tla/Publication.tla`) or of the shared heap, and the parallel fuzz engine
 * (`immutos fuzz --kernels optimized+workers:N+mutant:NAME`) must catch it.
 * @module
 */

/** A seeded bug of the parallel mode. */
export interface ParallelMutant {
  /** Its name (`+mutant:NAME`). */
  readonly name: string;
  /** What it breaks. */
  readonly description: string;
}

/** Every seeded bug of the parallel mode. */
export const PARALLEL_MUTANTS: readonly ParallelMutant[] = [
  { name: 'publish-after-store', description: "a stored value's handle resolves only after the atom's CAS, so another worker may read it unpublished (Publication.tla NeverReadsUnpublished)" },
  { name: 'parallel-gc-no-handshake', description: "the shared heap's collector takes roots and frees the old space without waiting for the workers' acknowledgements (Publication.tla's handshake)" },
  { name: 'parallel-gc-missed-root', description: 'worker 1 does not report the handles its private state holds, so the collector frees values a process still reads' },
  { name: 'parallel-jit-local-namespace', description: "a worker's compiled code revalidates its cached globals only after that worker's own `def` (as in the single-threaded kernel), so it keeps calling what another worker has redefined" },
];
