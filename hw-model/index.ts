/**
 * The hardware memory-model simulator: caches with directory MESI and immutable lines
 * ({@link MemorySystem}), store buffers for SC / x86-TSO / ARMv8-like relaxed
 * ({@link HwMemoryBackend}), the kernel-facing 32-bit backend ({@link HwKernelMemory},
 * {@link createHwMemory}), operational models and litmus tests. See docs/hw-model.md.
 * @module
 */
import { MEMORY_MODELS, type MemoryModel } from './backend.js';
import { HwFault } from './errors.js';
import { HwKernelMemory, type HwKernelMemoryOptions } from './kernel-memory.js';

export { HwFault, type HwFaultKind } from './errors.js';
export { MemorySystem, MSG_TYPES, type MemorySystemConfig, type MemStats, type MsgType, type LineMode } from './memsys.js';
export { HwMemoryBackend, MEMORY_MODELS, type MemoryModel, type AccessOrder, type HwBackendConfig, type HwBackendStats, type HwBackendCheckpoint } from './backend.js';
export type { FieldsCopy, FieldCopy, TypedArray } from './checkpoint.js';
export { HwKernelMemory, CallsDiverged, type HwKernelMemoryOptions, type HwKernelCheckpoint, type HwCallRecord } from './kernel-memory.js';
export { HW_MUTANTS, HW_MUTANT_NAMES, type HwMutant, type HwMutantLevel } from './mutants.js';
export { createRng, createRestorableRng, type Rng, type RestorableRng } from './rng.js';
export { enumerate, runSeeded, OP_MODELS, type Enumeration } from './models/explore.js';
export { compile, formatOutcome, type Instr, type LitmusTest, type Compiled, type CInstr } from './models/program.js';
export type { OpModel, MachineState } from './models/model.js';
export { sc, type ScState } from './models/sc.js';
export { tso, type TsoState } from './models/tso.js';
export { relaxed, type RelaxedState } from './models/relaxed.js';
export { LITMUS_TESTS, familyOf } from './litmus/tests.js';
export { loadFixtures, type LitmusFixture } from './litmus/fixtures.js';
export { runOnBackend } from './litmus/backend-run.js';

/** The memory models `createHwMemory` accepts (the `<model>` of `optimized+hw:<model>`). */
export const HW_MODELS: readonly MemoryModel[] = MEMORY_MODELS;

/**
 * A kernel memory backend on the simulator under `model` (`sc`, `tso` or `relaxed`).
 * @throws HwFault (`bad-config`) for an unknown model.
 */
export function createHwMemory(model: string, options: Omit<HwKernelMemoryOptions, 'model'> = {}): HwKernelMemory {
  if (!(HW_MODELS as readonly string[]).includes(model)) throw new HwFault('bad-config', `unknown memory model '${model}' (known: ${HW_MODELS.join(', ')})`);
  return new HwKernelMemory({ ...options, model: model as MemoryModel });
}
