/**
 * The optimized kernel's memory: the heap on its backend, the collector and its roots, the cores
 * of the backend (process `pid` runs on core `pid mod (cores-1)`, the collector on the last
 * core; the fences are listed in docs/optimized.md "Fences"), and interning values into the heap
 * under the heap-cell quotas of a process, its tree and the kernel (ADR 0024).
 * @module
 */
import type { Pid, Quotas } from '../../spec/Kernel.js';
import type { Value } from '../../spec/Values.js';
import { Heap } from '../heap/Heap.js';
import { forgetFnCell, fromHeap, heapText, heapTextOrElided, initImmortals, toHeap } from '../heap/values.js';
import { Collector } from '../gc/Collector.js';
import { checkHeap, ImmutableChecker } from '../gc/invariants.js';
import { createPlainMemory, type MemoryBackend } from '../memory/MemoryBackend.js';
import type { MutantSet } from '../mutants.js';
import { refuse } from './refusals.js';

/** Initial words of the plain backend a kernel creates when it is given none. */
export const KERNEL_PLAIN_WORDS = 1 << 18;

/** How the memory is configured (the collector's options of `createOptimizedKernel`). */
export interface MemoryConfig {
  readonly memory?: MemoryBackend;
  readonly gcStepBudget?: number;
  readonly gcEvacuateBelow?: number;
  readonly gcGenerational?: boolean;
  readonly gcNurseryWords?: number;
  readonly gcGrowthFactor?: number;
  readonly reencode?: boolean;
  /** Check the heap invariants after every collection cycle. */
  readonly debug: boolean;
  /** Every seeded bug asked for (the heap's flags). */
  readonly seeded: readonly string[];
}

/** What the memory needs to know of the kernel's other tables: its roots and who holds what. */
export interface MemoryRoots {
  /** Value words held in registers of live processes. */
  registers(): Iterable<number>;
  /** Whether some live process can still name atom `id`. */
  atomLive(id: number): boolean;
  /** The tree of live process `pid` (heap quotas are counted per process, tree and kernel). */
  treeOf(pid: Pid): Pid | undefined;
  /** Live processes with their trees. */
  owners(): Iterable<{ readonly pid: Pid; readonly tree: Pid }>;
}

/** The heap, the collector, the backend's cores, and interning under the heap quotas. */
export class KernelMemory {
  /** The heap. */
  readonly heap: Heap;
  /** The collector. */
  readonly collector: Collector;
  /** Value words the host holds (benchmarks, tests): roots like registers. */
  readonly hostRoots = new Set<number>();
  /** The core the collector runs on (the last one). */
  readonly collectorCore: number;
  /** Cores of the backend (1 when it has none). */
  private readonly nCores: number;
  private coreNow = 0;
  private readonly immutable = new ImmutableChecker();

  /** Creates the heap on `config.memory` (or a fresh plain backend) and its collector. */
  constructor(
    config: MemoryConfig,
    private readonly quotas: Quotas,
    private readonly mutants: MutantSet,
    private readonly tables: MemoryRoots,
  ) {
    this.heap = new Heap(config.memory ?? createPlainMemory({ initialWords: KERNEL_PLAIN_WORDS }));
    initImmortals(this.heap);
    // S: the immortal cells (nil, booleans, interned names) are visible to every core.
    this.heap.mem.fence();
    this.heap.flags.hashMismatch = mutants.has('hash-mismatch');
    this.heap.flags.inPlaceShared = mutants.has('in-place-update-shared');
    this.heap.flags.seeded = new Set(config.seeded);
    this.collector = new Collector(
      this.heap,
      {
        registerRoots: () => this.registerRoots(),
        atomLive: (id) => tables.atomLive(id),
      },
      {
        stepBudget: config.gcStepBudget,
        evacuateBelow: config.gcEvacuateBelow,
        ...(config.gcGenerational !== undefined ? { generational: config.gcGenerational } : {}),
        ...(config.gcNurseryWords !== undefined ? { nurseryWords: config.gcNurseryWords } : {}),
        ...(config.gcGrowthFactor !== undefined ? { growthFactor: config.gcGrowthFactor } : {}),
        reencode: config.reencode,
        ignoreRegisters: mutants.has('gc-ignores-registers'),
        dropPublishFence: mutants.has('drop-publish-fence'),
      },
    );
    const cores = this.heap.mem.cores ?? 1;
    this.nCores = Number.isInteger(cores) && cores > 1 ? cores : 1;
    this.collectorCore = this.nCores - 1;
    this.heap.onFree = (h) => forgetFnCell(this.heap, h);
    if (config.debug) {
      this.heap.onFree = (h) => {
        this.immutable.forget(h);
        forgetFnCell(this.heap, h);
      };
      this.collector.onCycle = () => this.checkInvariants();
    }
  }

  private *registerRoots(): Iterable<number> {
    yield* this.tables.registers();
    yield* this.hostRoots;
  }

  /** Every root value word: registers, host roots, live atom slots. */
  *roots(): Iterable<number> {
    yield* this.registerRoots();
    for (let id = 0; id < this.heap.atomCount; id++) if (this.tables.atomLive(id)) yield this.heap.mem.load32(this.heap.atomSlot(id));
  }

  /** Checks the GC.tla heap invariants now (throws HeapInvariantViolation). */
  checkInvariants(): void {
    checkHeap(this.heap, this.roots());
    this.immutable.check(this.heap);
  }

  /** The core process `pid` runs on: `pid mod (cores-1)`, the last core being the collector's. */
  coreOf(pid: Pid): number {
    return this.nCores > 1 ? pid % (this.nCores - 1) : 0;
  }

  /** Continues on `core`. */
  onCore(core: number): void {
    this.coreNow = core;
    this.heap.mem.setCore?.(core);
  }

  /**
   * Runs collector work on the collector core. The mutator first reaches a safepoint: a full
   * fence on its core (S in docs/optimized.md "Fences"), so the collector sees every cell the
   * mutator wrote; the collector itself never waits for mutators.
   */
  collecting<T>(work: () => T): T {
    const back = this.coreNow;
    if (back === this.collectorCore) return work();
    this.heap.mem.fence();
    this.onCore(this.collectorCore);
    try {
      return work();
    } finally {
      this.onCore(back);
    }
  }

  /** Words allocated so far (what the pacer is told after an operation or quantum). */
  get wordsAllocated(): number {
    return this.heap.counters.wordsAllocated;
  }

  /**
   * The end of a mutator's operation or quantum that began when `wordsBefore` words had been
   * allocated: a full fence (S: the mutator's safepoint, a context switch), then collector work
   * proportional to what it allocated, then one tick of the backend's clock.
   */
  endMutation(wordsBefore: number): void {
    this.heap.mem.fence();
    const allocated = this.heap.counters.wordsAllocated - wordsBefore;
    this.collecting(() => this.collector.pace(allocated));
    this.heap.mem.tick?.();
  }

  /**
   * Told the words each conversion into the heap wrote, and for which process (the kernel
   * charges them as fuel to a running program, so that a loop storing large values ends in
   * bounded time); nothing by default.
   */
  meter: (pid: Pid, words: number) => void = () => undefined;

  /** Converts `v` into the heap, charging its composite values to `pid`, enforcing the heap-cell quota. */
  intern(v: Value, pid: Pid): number {
    const before = this.heap.counters.wordsAllocated;
    const w = toHeap(this.heap, v, pid);
    this.meter(pid, this.heap.counters.wordsAllocated - before);
    if (!this.mutants.has('quota-not-enforced') && this.overHeap(pid) !== null) {
      // Garbage may still be charged: collect (the new value is held as a host root meanwhile).
      this.hostRoots.add(w);
      this.collecting(() => this.collector.collect());
      this.hostRoots.delete(w);
      const why = this.overHeap(pid);
      if (why !== null) refuse('out-of-memory', why);
    }
    return w;
  }

  /** Which heap bound process `pid` is over (its own, its tree's, the kernel's), or null (ADR 0024). */
  private overHeap(pid: Pid): string | null {
    const H = this.heap;
    if (H.liveCells(pid) > this.quotas.heapCells) return `process ${pid} exceeds its quota of ${this.quotas.heapCells} heap cells`;
    const own = this.tables.treeOf(pid);
    if (own === undefined) return null;
    let tree = 0;
    let total = 0;
    for (const q of this.tables.owners()) {
      const c = H.liveCells(q.pid);
      total += c;
      if (q.tree === own) tree += c;
    }
    if (total > this.quotas.totalHeapCells) return `process ${pid}: the processes hold ${total} heap cells, over totalHeapCells ${this.quotas.totalHeapCells}`;
    if (tree > this.quotas.treeHeapCells) return `process ${pid}: its tree (root ${own}) holds ${tree} heap cells, over treeHeapCells ${this.quotas.treeHeapCells}`;
    return null;
  }

  /** The value word `w` as a value. */
  value(w: number): Value {
    return fromHeap(this.heap, w);
  }

  /** The value word `w` as canonical EDN text (`out-of-memory` when longer than `MAX_TEXT_CHARS`). */
  text(w: number): string {
    return heapText(this.heap, w);
  }

  /** The value word `w` as a view shows it: its text, or its start, elided, when that is too long. */
  shownText(w: number): string {
    return heapTextOrElided(this.heap, w);
  }
}
