/**
 * The optimized kernel's concurrent, compacting collector, in deterministic steps (mode (a)):
 * the algorithm of spec/tla/GC.tla over the flat heap. Phases `idle → mark → sweep → evac →
 * idle`; marking is snapshot-at-the-beginning with a Yuasa deletion barrier on atom stores
 * ({@link Collector.barrier}); cells allocated during mark and sweep are born black; evacuation
 * moves every live cell of a sparse region by copy, then handle swap, then frees the region.
 * Each {@link Collector.step} does a bounded amount of work, so no mutator pause grows with the
 * heap. Action names follow GC.tla: StartMark, ScanAtom, MarkStep, FinishMark, Sweep,
 * FinishSweep, EvacBegin/CopyStep/SwapStep/FreeOld, EvacSkip, FinishCycle.
 * @module
 */
import { type Heap, RegionKind, HeapExhausted } from '../heap/Heap.js';
import { HANDLE_CHUNK, HANDLE_CHUNK_SHIFT, IMMORTAL, REGION_SHIFT, SCAN_START, T_SHAPE, isSealed, traceStart } from '../heap/layout.js';

const HMASK = HANDLE_CHUNK - 1;
import { Reencoder } from '../heap/reencode.js';

/** Where the collector finds its roots (the kernel provides it). */
export interface RootProvider {
  /** Value words held in process registers and by the host (greyed at once by StartMark). */
  registerRoots(): Iterable<number>;
  /** Whether atom `id` is in some live process's table (its slot is then a root). */
  atomLive(id: number): boolean;
}

/** The collector's phase (GC.tla `phase`). */
export type Phase = 'idle' | 'mark' | 'sweep' | 'evac';

/** Options of the collector. */
export interface CollectorOptions {
  /** Words of work one {@link Collector.step} may do (default 4096). */
  readonly stepBudget?: number;
  /** Re-encode small maps sharing a key set as structs while evacuating (default true). */
  readonly reencode?: boolean;
  /** The `gc-ignores-registers` seeded bug: StartMark does not grey register roots. */
  readonly ignoreRegisters?: boolean;
  /** A region is evacuated when its live words are below this fraction of its used words (default 0.75). */
  readonly evacuateBelow?: number;
  /**
   * The `drop-publish-fence` seeded bug: no fence between writing an evacuated copy (or a
   * re-encoded struct) and swapping its handle (docs/optimized.md, "Fences", F1).
   */
  readonly dropPublishFence?: boolean;
  /**
   * Generational (default true, ADR 0048): mutator cells are born in young regions and a minor
   * collection ({@link Collector.minor}) promotes the reachable ones and frees the rest without
   * tracing the old generation.
   */
  readonly generational?: boolean;
  /** Young words after which the pacer runs a minor collection (default 2^16, one region). */
  readonly nurseryWords?: number;
  /**
   * A major cycle starts when the heap has grown by this many times the live words of the last
   * one: when generational, when the old regions hold that many times the live words in garbage
   * and new words (what the last cycle left in them, fragments included, plus what was placed in
   * them since; default 1, ADR 0051); else by allocation (default 4).
   */
  readonly growthFactor?: number;
}

/** Counters of the collector's work. */
export interface CollectorStats {
  /** Completed cycles. */
  cycles: number;
  /** Cells freed. */
  freed: number;
  /** Cells moved (copied, then handle swapped). */
  moved: number;
  /** Regions released. */
  regionsFreed: number;
  /** Steps taken. */
  steps: number;
  /** Minor collections. */
  minors: number;
  /** Cells a minor collection promoted to the old generation. */
  promoted: number;
  /** Young cells a minor collection freed. */
  youngFreed: number;
}

/** The incremental collector of one heap. */
export class Collector {
  /** Current phase. */
  phase: Phase = 'idle';
  private epoch = 0;
  private readonly grey: number[] = [];
  private cursor = 0;
  private sweepCursor = 0;
  private candidates: number[] = [];
  private evacRegions: number[] = [];
  private evacRegion = -1;
  private evacOffset = 0;
  private readonly budget: number;
  private readonly ignoreRegisters: boolean;
  private readonly evacuateBelow: number;
  private readonly publishFence: boolean;
  /** Handles freed by the sweep and not yet made visible by a fence (F2). */
  private freedUnfenced = false;
  /** Work units done by the last {@link Collector.step} (for tests that bound pauses by work). */
  lastStepWork = 0;
  /** Live words found by the last completed sweep (drives the pacer). */
  liveWords = 0;
  /** Words in use in old regions (garbage included) when the last cycle finished (drives the pacer). */
  private residentAfterCycle = 0;
  private liveCount = 0;
  /** Work counters. */
  readonly stats: CollectorStats = { cycles: 0, freed: 0, moved: 0, regionsFreed: 0, steps: 0, minors: 0, promoted: 0, youngFreed: 0 };
  /** Whether the heap is generational (see {@link CollectorOptions.generational}). */
  readonly generational: boolean;
  /** The young regions the minor collection in progress collects (null: none in progress). */
  private minorSet: number[] | null = null;
  /** Handles the minor collection in progress has queued for promotion. */
  private minorGrey: number[] = [];
  /** The free pass: the index in {@link Collector.minorSet} of the region being walked, and the address reached in it (-1: not started). */
  private minorFreeRegion = 0;
  private minorFreeAt = -1;
  private readonly nurseryWords: number;
  private readonly growthFactor: number;
  /** The struct re-encoder (null when disabled). */
  readonly reencoder: Reencoder | null;
  /** Called when a cycle or a minor collection completes (the kernel checks invariants here in debug mode). */
  onCycle?: () => void;

  /** Creates the collector of `heap`, finding roots through `roots`. */
  constructor(
    private readonly heap: Heap,
    private readonly roots: RootProvider,
    options: CollectorOptions = {},
  ) {
    this.budget = options.stepBudget ?? 4096;
    this.ignoreRegisters = options.ignoreRegisters ?? false;
    this.evacuateBelow = options.evacuateBelow ?? 0.75;
    this.publishFence = options.dropPublishFence !== true;
    this.reencoder = options.reencode === false ? null : new Reencoder(heap, this.publishFence);
    this.generational = options.generational !== false;
    this.nurseryWords = options.nurseryWords ?? 1 << 16;
    this.growthFactor = options.growthFactor ?? (this.generational ? 1 : 4);
    heap.generational = this.generational;
  }

  /** Whether the handle's mark equals the current epoch (grey or black). */
  isMarked(h: number): boolean {
    return this.heap.mark(h) === this.epoch;
  }

  private shade(w: number): void {
    if ((w & 1) !== 0) return;
    const h = w >>> 1;
    if (h < IMMORTAL) return;
    const H = this.heap;
    const e = H.entry(h);
    if (H.mem.load32(e + 1) === this.epoch) return;
    H.mem.store32(e + 1, this.epoch);
    this.grey.push(h);
  }

  /**
   * The write barrier every atom store runs *before* overwriting `old`: while marking, the
   * overwritten value is shaded (Yuasa deletion barrier, snapshot-at-the-beginning).
   * @see GC.tla StoreAtom
   */
  barrier(old: number): void {
    if (this.phase === 'mark') this.shade(old);
  }

  /**
   * The deletion barrier of a process exit: the exiting process's atom table stops being a root
   * set, so while marking, the values of its atoms (`values`) are shaded first. An atom slot the
   * scan has not reached yet may hold the only snapshot reference to a value that the process
   * also stored into an atom the scan has passed (Kernel.tla's counterexample). Registers need no
   * shading: StartMark greyed them all at once.
   * @see Kernel.tla Exit
   */
  shadeOnExit(values: Iterable<number>): void {
    if (this.phase !== 'mark') return;
    for (const w of values) this.shade(w);
  }

  /** Atom slots scanned so far in the current mark phase (for tests that build a schedule). */
  get atomsScanned(): number {
    return this.phase === 'mark' ? this.cursor : 0;
  }

  /**
   * Begin a cycle: grey every register root at once (a handshake), then scan atom slots later.
   * @see GC.tla StartMark
   */
  startMark(): void {
    const H = this.heap;
    this.epoch = (this.epoch % 0x3fffffff) + 1;
    // seeded bug `gc-allocates-white`: cells allocated while marking are born white (unmarked), not black
    H.allocMark = H.flags.seeded.has('gc-allocates-white') ? 0 : this.epoch;
    this.phase = 'mark';
    this.cursor = 0;
    if (!this.ignoreRegisters) for (const w of this.roots.registerRoots()) this.shade(w);
    // seeded bug `gc-skips-interned`: the intern table (names the kernel hands out again) is not a root
    if (!H.flags.seeded.has('gc-skips-interned')) for (const h of H.interned.values()) this.shade(h << 1);
    if (this.reencoder !== null) for (const w of this.reencoder.roots()) this.shade(w);
    // Evacuation candidates: cell regions closed at the snapshot (no allocation goes there again).
    H.retireAllocRegion();
    H.retireOldRegion();
    this.candidates = [];
    for (let r = 1; r < H.regionCount; r++) {
      const k = H.regionKind[r];
      // Young regions are the minor collections' (a young cell moves only by promotion).
      if (H.regionYoung[r] === 1) continue;
      if ((k === RegionKind.Cells && !H.pinnedRegions.has(r)) || k === RegionKind.Large) this.candidates.push(r);
    }
    for (const r of this.candidates) H.regionLive[r] = 0;
    this.liveCount = 0;
    this.liveWordsNext = 0;
  }
  private liveWordsNext = 0;

  /** Scan the next atom slot. @see GC.tla ScanAtom */
  private scanAtom(): number {
    const H = this.heap;
    if (this.roots.atomLive(this.cursor)) this.shade(H.mem.load32(H.atomSlot(this.cursor)));
    this.cursor++;
    return 2;
  }

  /** Blacken a grey cell: shade its children. @see GC.tla MarkStep */
  private markStep(): number {
    const H = this.heap;
    const m = H.mem;
    const h = this.grey.pop()!;
    const a = H.addr(h);
    if (a === 0) return 1; // freed by a minor collection since it was shaded (it was young garbage)
    const hdr = m.load32(a);
    const t = hdr & 0xff;
    const size = hdr >>> 8;
    const start = traceStart(m, a, t);
    if (start > 0) for (let i = start; i < size; i++) this.shade(m.load32(a + i));
    return 4 + (start > 0 ? size - start : 0);
  }

  /**
   * MarkSteps on a plain backend's words `w` until the grey set is empty or `work` reaches
   * `budget` (the same steps and work units as {@link Collector.markStep}, without backend calls).
   * Returns the work done so far. @see GC.tla MarkStep
   */
  private markDirect(w: Int32Array, work: number, budget: number): number {
    const hc = this.heap.handleChunks;
    const grey = this.grey;
    const epoch = this.epoch;
    while (work < budget && grey.length > 0) {
      const h = grey.pop()!;
      const a = w[hc[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & HMASK)]!;
      if (a === 0) {
        work += 1; // freed by a minor collection since it was shaded (it was young garbage)
        continue;
      }
      const hdr = w[a]!;
      const t = hdr & 0xff;
      const size = hdr >>> 8;
      const start = t === T_SHAPE ? 3 + w[a + 2]! : SCAN_START[t]!; // traceStart, on the words
      if (start > 0) {
        for (let i = a + start, end = a + size; i < end; i++) {
          const v = w[i]!;
          if ((v & 1) !== 0) continue;
          const c = v >>> 1;
          if (c < IMMORTAL) continue;
          const e = hc[c >>> HANDLE_CHUNK_SHIFT]! + 3 * (c & HMASK) + 1;
          if (w[e] === epoch) continue;
          w[e] = epoch;
          grey.push(c);
        }
        work += 4 + size - start;
      } else work += 4;
    }
    return work;
  }

  /** Free one white cell, or count one black cell's words. @see GC.tla Sweep */
  private sweepOne(): number {
    const H = this.heap;
    const h = this.sweepCursor++;
    const e = H.entry(h);
    const a = H.mem.load32(e);
    if (a === 0) return 1;
    if (H.mem.load32(e + 1) !== this.epoch) {
      H.freeHandle(h);
      this.freedUnfenced = true;
      this.stats.freed++;
      return 2;
    }
    const size = H.mem.load32(a) >>> 8;
    const r = a >>> REGION_SHIFT;
    H.regionLive[r] = (H.regionLive[r] ?? 0) + size;
    this.liveWordsNext += size;
    this.liveCount++;
    return 2;
  }

  /**
   * Sweeps on a plain backend's words `w` until every handle is swept or `work` reaches `budget`
   * (the same steps and work units as {@link Collector.sweepOne}, without backend calls). Returns
   * the work done so far. @see GC.tla Sweep
   */
  private sweepDirect(w: Int32Array, work: number, budget: number): number {
    const H = this.heap;
    const hc = H.handleChunks;
    const live = H.regionLive;
    const epoch = this.epoch;
    const end = H.nextHandle;
    let h = this.sweepCursor;
    let liveWords = 0;
    let liveCount = 0;
    while (work < budget && h < end) {
      const e = hc[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & HMASK);
      const a = w[e]!;
      if (a === 0) work += 1;
      else if (w[e + 1] !== epoch) {
        H.freeHandle(h);
        this.freedUnfenced = true;
        this.stats.freed++;
        work += 2;
      } else {
        const size = w[a]! >>> 8;
        const r = a >>> REGION_SHIFT;
        live[r] = (live[r] ?? 0) + size;
        liveWords += size;
        liveCount++;
        work += 2;
      }
      h++;
    }
    this.sweepCursor = h;
    this.liveWordsNext += liveWords;
    this.liveCount += liveCount;
    return work;
  }

  /** Pick the sparse candidate regions to evacuate; free empty ones. @see GC.tla FinishSweep */
  private finishSweep(): void {
    const H = this.heap;
    this.releaseFreed();
    this.phase = 'evac';
    H.allocMark = 0;
    this.evacRegions = [];
    for (const r of this.candidates) {
      const kind = H.regionKind[r];
      const live = H.regionLive[r]!;
      if (live === 0) {
        H.freeRegion(r);
        this.stats.regionsFreed++;
      } else if (kind === RegionKind.Cells && live < H.used(r) * this.evacuateBelow) this.evacRegions.push(r);
    }
    this.evacRegion = -1;
    this.liveWords = this.liveWordsNext;
  }

  /**
   * Move the next live cell of the region being evacuated: reserve (EvacBegin), copy
   * (CopyStep), swap the handle (SwapStep); the old copy is released with its region (FreeOld).
   */
  private evacOne(): number {
    const H = this.heap;
    const m = H.mem;
    if (this.evacRegion < 0) {
      this.evacRegion = this.evacRegions.pop()!;
      this.evacOffset = 0;
    }
    const r = this.evacRegion;
    const base = r << REGION_SHIFT;
    if (this.evacOffset >= H.used(r)) {
      // F3: every handle swap of this region is visible before the region can be reused.
      m.fence();
      H.freeRegion(r); // FreeOld: in mode (a) no read is in flight between steps
      this.stats.regionsFreed++;
      this.evacRegion = -1;
      return 1;
    }
    const a = base + this.evacOffset;
    const size = m.load32(a) >>> 8;
    const h = m.load32(a + 1);
    this.evacOffset += size;
    if (size === 0) throw new Error(`corrupt region ${r} at offset ${this.evacOffset}`);
    if (H.addr(h) !== a) return 1; // dead copy (freed, or a transient's outgrown cell)
    let to: number;
    try {
      if (this.reencoder !== null && this.reencoder.tryReencode(h, a)) {
        this.stats.moved++;
        return 8 + 4 * size;
      }
      to = H.reserve(size); // EvacBegin
    } catch (e) {
      if (e instanceof HeapExhausted) return 1; // EvacSkip: leave it (the region stays)
      throw e;
    }
    if (H.flags.seeded.has('gc-swap-before-copy')) {
      // seeded bug: SwapStep before CopyStep, and the copy then reads through the handle (its new, empty address)
      H.setAddr(h, to);
      H.copyWords(to, H.addr(h), size);
    } else {
      H.copyWords(to, a, size); // CopyStep
      // F1: the copy is visible before the handle that leads to it (a release; DMB / STLR on ARM).
      if (this.publishFence) m.fence();
      H.setAddr(h, to); // SwapStep
    }
    // A plain backend's publish does nothing (see `directWords`): skip the sealed check there.
    if (H.raw === null && isSealed(m.load32(to) & 0xff, (i) => m.load32(to + i))) m.publish(to, size);
    this.stats.moved++;
    return 4 + size;
  }

  /** One bounded increment of collection work (the `gcStep` operation). Returns the phase after. */
  step(budget = this.budget): Phase {
    this.stats.steps++;
    let work = 0;
    if (this.phase === 'idle') {
      this.startMark();
      work += 64 + this.candidates.length;
    }
    while (work < budget) {
      if (this.phase === 'mark') {
        const w = this.heap.raw;
        if (w !== null && this.grey.length > 0) work = this.markDirect(w, work, budget);
        else if (this.grey.length > 0) work += this.markStep();
        else if (this.cursor < this.heap.atomCount) work += this.scanAtom();
        else {
          // FinishMark
          this.phase = 'sweep';
          this.sweepCursor = IMMORTAL;
        }
      } else if (this.phase === 'sweep') {
        const w = this.heap.raw;
        if (w !== null && this.sweepCursor < this.heap.nextHandle) work = this.sweepDirect(w, work, budget);
        else if (this.sweepCursor < this.heap.nextHandle) work += this.sweepOne();
        else {
          this.finishSweep();
          work += this.candidates.length;
        }
      } else if (this.phase === 'evac') {
        if (this.evacRegion >= 0 || this.evacRegions.length > 0) work += this.evacOne();
        else {
          // FinishCycle
          this.phase = 'idle';
          this.heap.allocatedSinceCycle = 0;
          this.heap.tenuredSinceCycle = 0;
          this.residentAfterCycle = this.oldResident();
          this.stats.cycles++;
          this.lastStepWork = work;
          this.onCycle?.();
          return 'idle';
        }
      } else break;
    }
    if (this.phase === 'sweep') this.releaseFreed();
    this.lastStepWork = work;
    return this.phase;
  }

  /**
   * F2: handles freed by the sweep (their entries zeroed) are visible before the allocator can
   * hand them out again — else a late zeroing store would land on the new owner's entry.
   */
  private releaseFreed(): void {
    if (!this.freedUnfenced) return;
    this.heap.mem.fence();
    this.freedUnfenced = false;
  }

  /**
   * Finishes the cycle in progress, if any, then runs a minor collection and one whole cycle
   * (the `gc` operation).
   */
  collect(): void {
    while (this.phase !== 'idle') this.step(1 << 30);
    this.minor();
    this.step(1 << 30);
    while (this.phase !== 'idle') this.step(1 << 30);
  }

  /**
   * The pacer: called by the mutator between operations, with collection work proportional to
   * allocation: continues a minor collection in progress, or starts one when the young
   * generation is full; else continues the major cycle, or starts one when the heap has grown
   * enough since the last.
   */
  pace(allocatedWords: number): void {
    const H = this.heap;
    const budget = Math.max(this.budget, 4 * allocatedWords);
    // A minor collection in progress, or one due, takes this turn's work (unless it waits for the
    // major cycle's marking, which then takes it).
    if ((this.minorSet !== null && !this.minorWaits) || (this.minorSet === null && this.generational && H.youngWords >= this.nurseryWords)) {
      this.stepMinor(budget);
      return;
    }
    if (this.phase === 'idle') {
      const grown = this.generational ? this.residentAfterCycle + H.tenuredSinceCycle - this.liveWords : H.allocatedSinceCycle;
      if (grown < Math.max(1 << 20, this.growthFactor * this.liveWords)) return;
    }
    // While a minor's free pass waits for this cycle's marking, young regions pile up: the
    // marking gets twice the work, so that it ends (and they are freed) sooner.
    this.step(this.minorWaits ? 2 * budget : budget);
  }

  /** Words in use in the old generation's regions (cells and large cells, garbage included). */
  private oldResident(): number {
    const H = this.heap;
    let words = 0;
    for (let r = 1; r < H.regionCount; r++) {
      const k = H.regionKind[r];
      if ((k === RegionKind.Cells || k === RegionKind.Large) && H.regionYoung[r] !== 1) words += H.used(r);
    }
    return words;
  }

  /** Whether a minor collection is in progress (started, not finished). */
  get minorInProgress(): boolean {
    return this.minorSet !== null;
  }

  /**
   * A whole minor collection (ADR 0048): finishes the one in progress, if any (and the major
   * cycle's marking first, when its free pass waits for it), then collects everything young.
   * See {@link Collector.startMinor}.
   */
  minor(): void {
    if (!this.generational) return;
    if (this.minorSet !== null && !this.minorStep(Infinity)) {
      while (this.phase === 'mark') this.step(1 << 30);
      this.minorStep(Infinity);
    }
    if (this.startMinor()) this.minorStep(Infinity);
  }

  /** Whether a minor collection's free pass must wait now: a major cycle marks (see {@link Collector.stepMinor}). */
  private get freePassWaits(): boolean {
    // The heap-level seeded bug `gc-minor-frees-while-marking` frees anyway (generational.test.ts).
    return this.phase === 'mark' && !this.heap.flags.seeded.has('gc-minor-frees-while-marking');
  }

  /** Whether the minor collection in progress has only its free pass left, and it waits. */
  private get minorWaits(): boolean {
    return this.minorSet !== null && this.minorGrey.length === 0 && this.freePassWaits;
  }

  /**
   * One bounded increment of minor collection (the pacer's and `gcStep`'s): continues the minor
   * collection in progress, or starts one when anything is young. Returns whether one is still
   * in progress after it.
   */
  stepMinor(budget = this.budget): boolean {
    if (!this.generational) return false;
    if (this.minorSet === null && !this.startMinor()) return false;
    return !this.minorStep(budget);
  }

  /**
   * Starts a minor collection (ADR 0048) of every young region so far (the collected set; the
   * mutator goes on allocating in new young regions): queues every young cell the roots name
   * (registers, host roots, interned names, the re-encoder's shapes, live atom slots). Then each
   * increment ({@link Collector.stepMinor}) promotes queued cells into an old region (EvacBegin, CopyStep, F1,
   * SwapStep; a small map whose key set is shared becomes a struct on the way) and queues their
   * young children; old cells are never traced, since none points to a young one (a cell only
   * points to cells older than itself, and the collector places its own cells in old regions).
   * What the roots reach at the start is all a minor keeps: values are immutable, so nothing
   * reachable then stops being reachable from the queued cells, and nothing unreachable then can
   * become reachable (re-encoding, which changes a map's children, keeps the map's trie queued).
   * When the queue is empty, each collected region is walked once and the cells their handles
   * still lead to are freed, then the regions. A minor collection may promote in any phase of a
   * major cycle (a promoted cell keeps its handle and its mark; a queued cell the major freed
   * meanwhile is skipped), but its free pass waits while the major marks. Returns false when
   * nothing is young.
   * @see GC.tla StartMark (the roots), EvacBegin, CopyStep, SwapStep (a promotion), Sweep (a freed young cell)
   */
  startMinor(): boolean {
    const H = this.heap;
    if (!this.generational || this.minorSet !== null || H.youngRegions.length === 0) return false;
    H.retireAllocRegion();
    this.minorSet = H.youngRegions;
    H.youngRegions = [];
    H.youngWords = 0;
    H.collectingYoung = true;
    this.minorGrey = [];
    this.minorFreeRegion = 0;
    this.minorFreeAt = -1;
    const m = H.mem;
    for (const w of this.roots.registerRoots()) this.queueYoung(w);
    for (const h of H.interned.values()) this.queueYoung(h << 1);
    if (this.reencoder !== null) for (const w of this.reencoder.roots()) this.queueYoung(w);
    // seeded bug `gc-minor-skips-atoms`: the atoms' slots are not roots
    if (!H.flags.seeded.has('gc-minor-skips-atoms')) for (let id = 0; id < H.atomCount; id++) if (this.roots.atomLive(id)) this.queueYoung(m.load32(H.atomSlot(id)));
    return true;
  }

  /** Queues value word `w` for promotion if it names a young cell of the collected set not queued yet. */
  private queueYoung(w: number): void {
    if ((w & 1) !== 0) return;
    const h = w >>> 1;
    const y = this.heap.youngHandles;
    if (y[h] !== 1) return; // old, immortal, queued or promoted already
    y[h] = 2;
    this.minorGrey.push(h);
  }

  /**
   * Promotes queued cells, then frees the collected set's garbage, until `budget` words of work are
   * done or the minor collection is over. Returns whether it is over.
   */
  private minorStep(budget: number): boolean {
    const H = this.heap;
    const m = H.mem;
    const youngHandles = H.youngHandles;
    const set = this.minorSet!;
    const grey = this.minorGrey;
    // seeded bug `gc-promote-shallow`: a promoted cell's children are not queued
    const shallow = H.flags.seeded.has('gc-promote-shallow');
    let work = 0;
    try {
      while (work < budget && grey.length > 0) {
        const h = grey.pop()!;
        // Freed by a major sweep since it was queued (and perhaps reused): nothing to promote.
        if (youngHandles[h] !== 2) {
          work += 1;
          continue;
        }
        const a = H.addr(h);
        const r = a >>> REGION_SHIFT;
        const size = m.load32(a) >>> 8;
        if (H.regionKind[r] === RegionKind.Large) {
          // A large cell is promoted where it is: its regions become old.
          for (let i = 0; i < H.regionSpan[r]!; i++) H.regionYoung[r + i] = 0;
          H.tenuredSinceCycle += size;
        } else if (this.reencoder !== null && this.reencoder.tryReencode(h, a)) {
          // Promoted as a struct: its shape (old) may name young keys.
          if (!shallow) this.queueChildren(m.load32(H.addr(h) + 5) >>> 1);
          // The map's own cells stop being its children, but cells made since the minor's (or a
          // marking major's) snapshot may share them: both snapshots still need them, so they are
          // queued and, while marking, shaded (a deletion barrier). The map's cell is still at `a`.
          // (The heap-level seeded bug `gc-reencode-no-barrier` skips this; see generational.test.ts.)
          if (!H.flags.seeded.has('gc-reencode-no-barrier')) {
            const root = m.load32(a + 5);
            this.queueYoung(root);
            this.barrier(root);
          }
        } else {
          const at = H.reserve(size); // EvacBegin
          H.copyWords(at, a, size); // CopyStep
          if (this.publishFence) m.fence(); // F1: the copy before the handle that leads to it
          H.setAddr(h, at); // SwapStep
          if (H.raw === null && isSealed(m.load32(at) & 0xff, (i) => m.load32(at + i))) m.publish(at, size);
        }
        youngHandles[h] = 0;
        this.stats.promoted++;
        if (!shallow) this.queueChildren(h);
        work += 8 + size;
      }
    } catch (e) {
      if (!(e instanceof HeapExhausted)) throw e;
      // No room for the copies: every collected region becomes old as it is (its cells with it),
      // so no old cell points to a young one; nothing is freed (a major cycle sweeps them).
      for (const r of set) {
        for (let i = 0; i < H.regionSpan[r]!; i++) H.regionYoung[r + i] = 0;
        this.forEachCell(r, (h, a) => {
          if (youngHandles[h] !== 0 && H.addr(h) === a) youngHandles[h] = 0;
        });
      }
      this.endMinor();
      return true;
    }
    // The free pass: every reachable cell of the collected set now lives in an old region, so one
    // still at its address is garbage (a cell its handle no longer leads to is a copy left behind).
    // Not while a major cycle marks: its snapshot may still lead through such a cell to cells a
    // new (born-black, never scanned) cell also points to, so freeing it would cut the marking
    // short of them.
    const mayFree = !this.freePassWaits;
    while (mayFree && work < budget && grey.length === 0 && this.minorFreeRegion < set.length) {
      const r = set[this.minorFreeRegion]!;
      const base = r << REGION_SHIFT;
      if (H.regionYoung[r] !== 1) {
        this.minorFreeRegion++; // a promoted large cell
        continue;
      }
      if (this.minorFreeAt < 0) this.minorFreeAt = base;
      const end = base + H.used(r);
      while (work < budget && this.minorFreeAt < end) {
        const a = this.minorFreeAt;
        const size = m.load32(a) >>> 8;
        if (size === 0) throw new Error(`corrupt region ${r} at offset ${a - base}`);
        const h = m.load32(a + 1);
        if (youngHandles[h] === 1 && H.addr(h) === a) {
          H.freeHandle(h);
          this.stats.youngFreed++;
        }
        this.minorFreeAt = a + size;
        work += 2;
      }
      if (this.minorFreeAt >= end) {
        this.minorFreeRegion++;
        this.minorFreeAt = -1;
      }
    }
    if (grey.length > 0 || this.minorFreeRegion < set.length) {
      // F2: handles freed so far are visible before the allocator hands them out again.
      m.fence();
      return false;
    }
    // F3 and F2: every handle swap and freed entry is visible before a region or handle is reused.
    m.fence();
    for (const r of set) {
      if (H.regionYoung[r] !== 1) continue;
      H.freeRegion(r);
      this.stats.regionsFreed++;
    }
    this.endMinor();
    // The heap checks hold between cycles (mid-sweep, garbage may still point at freed cells).
    if (this.phase === 'idle') this.onCycle?.();
    return true;
  }

  /** Queues the young children of handle `h`'s cell. */
  private queueChildren(h: number): void {
    const H = this.heap;
    const m = H.mem;
    const a = H.addr(h);
    const hdr = m.load32(a);
    const t = hdr & 0xff;
    const size = hdr >>> 8;
    const start = traceStart(m, a, t);
    if (start > 0) for (let i = start; i < size; i++) this.queueYoung(m.load32(a + i));
  }

  private endMinor(): void {
    this.minorSet = null;
    this.minorGrey = [];
    this.heap.collectingYoung = false;
    this.stats.minors++;
  }

  /** Calls `f(handle, address)` for every cell of region `r`, in address order (copies left behind included). */
  private forEachCell(r: number, f: (h: number, a: number) => void): void {
    const H = this.heap;
    const m = H.mem;
    const base = r << REGION_SHIFT;
    const end = base + H.used(r);
    for (let a = base; a < end; ) {
      const size = m.load32(a) >>> 8;
      if (size === 0) throw new Error(`corrupt region ${r} at offset ${a - base}`);
      f(m.load32(a + 1), a);
      a += size;
    }
  }


  /** Number of live cells found by the last sweep. */
  get liveCells(): number {
    return this.liveCount;
  }
}
