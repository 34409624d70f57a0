/**
 * The optimized ImmutOS kernel: a flat heap behind a handle table on a pluggable memory backend,
 * CHAMP maps/sets and persistent vectors, Clojure-style transients, O(#atoms) fork and an
 * incremental compacting collector, and the system language (interpreter, JIT tiers 1 and 2).
 * See docs/optimized.md.
 * @module
 */
export { createOptimizedKernel, OptimizedKernel, OPTIMIZED_KERNEL_OPS, type OptimizedKernelOptions, type KernelWork } from './kernel/OptimizedKernel.js';
export { KERNEL_PLAIN_WORDS } from './kernel/memory.js';
export { OPTIMIZED_MUTANTS, INERT_MUTANTS, type OptimizedMutant } from './mutants.js';
export { createPlainMemory, createSharedMemory, PlainMemory, SharedMemory, BackendExhausted, type MemoryBackend, type BackendOptions, type GrowableSab } from './memory/MemoryBackend.js';
export { Collector, type Phase, type RootProvider, type CollectorStats, type CollectorOptions } from './gc/Collector.js';
export { Heap as OptimizedHeap, HeapExhausted, RegionKind, type HeapCounters } from './heap/Heap.js';
export { Reencoder, type ReencodeStats } from './heap/reencode.js';
export { HeapInvariantViolation } from './gc/invariants.js';
export { HandleStack } from './heap/HandleStack.js';
export { directWords } from './memory/MemoryBackend.js';
export { Runtime, DEOPT, MEMCHECK, Deopt, LOCAL_CALLS, PURE_KERNEL_CALLS, type LangHost, type RuntimeMark, type Impl, type Closure, type Builtin, type KernelFn, type ApplyFn, type Act } from './lang/runtime.js';
export { Compiler, SPECIALS, DERIVED, type Node, type LoopNode, type Lambda, type Arity, type ArityJit, type CaptureSource, type Program } from './lang/front.js';
export { Tier1, type Tier1Env, type Tier1Stats, type Tier1Bugs, type Tier2Hook, type Tier2Entry, type Tier2ReduceEntry, type Entry } from './jit/tier1.js';
export type { NativeFn, NativeOptions } from './lang/natives.js';
export { createNatives } from './lang/natives.js';
export { tier2Available } from './jit/tier2/index.js';
export type { JitConfig } from './kernel/jitHost.js';
