/**
 * The optimized ImmutOS kernel: a flat heap behind a handle table on a pluggable memory backend,
 * CHAMP maps/sets and persistent vectors, Clojure-style transients, O(#atoms) fork and an
 * incremental compacting collector. See docs/optimized.md.
 * @module
 */
export { createOptimizedKernel, OptimizedKernel, OPTIMIZED_KERNEL_OPS, type OptimizedKernelOptions, type KernelWork } from './kernel/OptimizedKernel.js';
export { OPTIMIZED_MUTANTS, INERT_MUTANTS, type OptimizedMutant } from './mutants.js';
export { createPlainMemory, createSharedMemory, PlainMemory, SharedMemory, BackendExhausted, type MemoryBackend, type BackendOptions, type GrowableSab } from './memory/MemoryBackend.js';
export { Collector, type Phase, type RootProvider, type CollectorStats, type CollectorOptions } from './gc/Collector.js';
export { Heap as OptimizedHeap, HeapExhausted, RegionKind, type HeapCounters } from './heap/Heap.js';
export { Reencoder, type ReencodeStats } from './heap/reencode.js';
export { HeapInvariantViolation } from './gc/invariants.js';
