/**
 * The optimized ImmutOS kernel: a flat heap behind a handle table on a pluggable memory backend,
 * CHAMP maps/sets and persistent vectors, Clojure-style transients, O(#atoms) fork and an
 * incremental compacting collector. See docs/optimized.md.
 * @module
 */
export { createOptimizedKernel, OptimizedKernel, OPTIMIZED_KERNEL_OPS, type OptimizedKernelOptions, type KernelWork } from './kernel/OptimizedKernel.js';
export { OPTIMIZED_MUTANTS, INERT_MUTANTS, type OptimizedMutant } from './mutants.js';
export { createPlainMemory, createSharedMemory, PlainMemory, SharedMemory, BackendExhausted, type MemoryBackend, type BackendOptions } from './memory/MemoryBackend.js';
export { Collector, type Phase, type RootProvider, type CollectorStats } from './gc/Collector.js';
export { HeapInvariantViolation } from './gc/invariants.js';
