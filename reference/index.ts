/**
 * The reference kernel: the simplest ImmutOS kernel that is obviously correct, used as the
 * oracle. `import { createReferenceKernel } from 'immutos/reference'`.
 * @module
 */
import type { KernelOptions } from '../spec/Kernel.js';
import { ReferenceKernel } from './kernel.js';

export { Prng, seededScheduler, listScheduler } from './schedulers.js';
export { ReferenceKernel, describeOutcome, type AtomRecord, type ProcessRecord, type TreeAccount, type Scheduler, type ProgramResult, type KernelSnapshot, type ProcessSnapshot, type AtomSnapshot } from './kernel.js';
export { REFERENCE_MUTANTS, type MutantInfo, type MutantName } from './mutants.js';
export { Heap, HeapInvariantViolation, DanglingHandle, shallowContents, type Handle, type Cell, type GcStats } from './heap.js';
export { WatchTable, type Watch } from './watches.js';
export { PRELUDE } from './lang/prelude.js';

/** Creates a reference kernel (process 0 exists; quotas default to `DEFAULT_QUOTAS`). */
export function createReferenceKernel(options?: KernelOptions): ReferenceKernel {
  return new ReferenceKernel(options);
}
