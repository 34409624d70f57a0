/**
 * The flat heap of the optimized kernel: regions of cells in one {@link MemoryBackend}, reached
 * through a handle table (handle → address), so that the collector can move a cell by copying
 * it and swapping one handle-table entry. Every access goes through the backend.
 *
 * Memory map: region 0 holds heap metadata (word 0 is the fence word); every other region holds
 * cells, a handle-table chunk (`[address, mark, owner]` × {@link HANDLE_CHUNK}) or an atom chunk
 * (`[value][stamp]` × {@link ATOM_CHUNK}). Cells are bump-allocated in the current region.
 * @module
 */
import { BackendExhausted, directWords, type MemoryBackend } from '../memory/MemoryBackend.js';
import { HandleStack } from './HandleStack.js';
import {
  ATOM_CHUNK,
  ATOM_CHUNK_SHIFT,
  HANDLE_CHUNK,
  HANDLE_CHUNK_SHIFT,
  REGION_SHIFT,
  REGION_WORDS,
  header,
} from './layout.js';

/** What a region is used for. */
export const RegionKind = {
  /** Free, reusable. */
  Free: 0,
  /** Cells (bump-allocated). */
  Cells: 1,
  /** A handle-table chunk (never moves). */
  Handles: 2,
  /** An atom chunk (never moves). */
  Atoms: 3,
  /** Heap metadata and immortal cells (never collected). */
  Meta: 4,
  /** The first region of a large cell spanning several regions. */
  Large: 5,
  /** A region covered by the large cell that starts before it. */
  LargeTail: 6,
} as const;
/** A region kind. */
export type RegionKind = (typeof RegionKind)[keyof typeof RegionKind];

/** The heap ran out of memory (the backend cannot grow). */
export class HeapExhausted extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'HeapExhausted';
  }
}

/** Work counters (for tests that count work instead of time). */
export interface HeapCounters {
  /** Cells allocated. */
  cellsAllocated: number;
  /** Words allocated. */
  wordsAllocated: number;
}

/** The heap: allocation, the handle table and region bookkeeping. */
export class Heap {
  /** The backend every access goes through. */
  readonly mem: MemoryBackend;
  /**
   * The backend's words when accesses may bypass it (a plain backend, see `directWords`), else
   * null. Replaced when the memory grows: re-read it after any allocation.
   */
  raw: Int32Array | null;
  /** Base address of each handle-table chunk (handle `h`'s entry is `chunk[h >>> HANDLE_CHUNK_SHIFT] + 3·(h mod HANDLE_CHUNK)`). */
  readonly handleChunks: number[] = [];
  private readonly atomChunks: number[] = [];
  /** Next never-used handle. */
  nextHandle = 0;
  /** Freed handles, reused LIFO (chunked: a push inside a sweep step never copies the list). */
  readonly freeHandles = new HandleStack();
  /** Region descriptors, indexed by region number. */
  readonly regionKind: number[] = [];
  /** Words used (bump top, relative to the region start) per cells region. */
  readonly regionTop: number[] = [];
  /** Live words per region, as last counted by the sweeper. */
  readonly regionLive: number[] = [];
  /** Regions of a large cell (for Large regions). */
  readonly regionSpan: number[] = [];
  /** 1 for a region of the young generation (mutator cells since the last minor collection), else 0. */
  readonly regionYoung: number[] = [];
  /**
   * The young generation's regions (a large cell's by its first region), when {@link Heap.generational}:
   * every region the mutator allocated cells in since the last minor collection.
   */
  youngRegions: number[] = [];
  /** Words the mutator allocated since the last minor collection. */
  youngWords = 0;
  /**
   * By handle (a byte each): 1 for a young cell, 2 for one a minor collection has queued for
   * promotion, 0 otherwise. The minor collection asks it of every child it meets, so it must not
   * cost a visit to the handle's entry.
   */
  youngHandles = new Uint8Array(HANDLE_CHUNK);
  /**
   * Whether mutator cells are born young (in young regions) and the collector's copies go to old
   * regions, so that no old cell ever points to a young one (set by the collector, ADR 0048).
   */
  generational = false;
  /** Whether a minor collection is in progress (young cells may then be queued, and old cells point to young ones). */
  collectingYoung = false;
  /** Words placed in old regions (promotions, evacuation copies, structs) since the collector last reset it. */
  tenuredSinceCycle = 0;
  private readonly freeRegions: number[] = [];
  /** The region cells are allocated in. */
  allocRegion = -1;
  private allocTop = 0;
  private allocEnd = 0;
  /** The region the collector's copies (evacuation, promotion, structs) are placed in. */
  oldRegion = -1;
  private oldTop = 0;
  private oldEnd = 0;
  /** Address of the cell allocated last (set by {@link Heap.alloc}). */
  lastAddr = 0;
  /** The mark value stamped on new handles (the collector sets it: born black while marking). */
  allocMark = 0;
  /** The process charged for new cells (-1: the kernel itself). */
  owner = -1;
  private readonly liveByOwner: number[] = [];
  /** Regions that must not be picked for evacuation while allocation happens in them. */
  readonly pinnedRegions = new Set<number>();
  /** Work counters. */
  readonly counters: HeapCounters = { cellsAllocated: 0, wordsAllocated: 0 };
  /** Words allocated since the collector last reset it (drives the pacer). */
  allocatedSinceCycle = 0;
  /** Number of atoms issued. */
  atomCount = 0;
  /** Interned keywords and symbols (`:name` / `'name`) → handle; these are roots. */
  readonly interned = new Map<string, number>();
  /** Next edit token for transients (never 0). */
  nextEdit = 1;
  /** Called when a handle is freed (debug checkers forget it). */
  onFree?: (h: number) => void;
  /** Seeded bugs switched on for this heap (see optimized/mutants.ts). */
  readonly flags: { hashMismatch: boolean; inPlaceShared: boolean; seeded: ReadonlySet<string> } = { hashMismatch: false, inPlaceShared: false, seeded: new Set<string>() };

  /** Creates a heap over `mem` (which is assumed zeroed). */
  constructor(mem: MemoryBackend) {
    this.mem = mem;
    mem.grow(REGION_WORDS * 4);
    this.raw = directWords(mem);
    this.regionKind.push(RegionKind.Meta);
    this.regionTop.push(REGION_WORDS);
    this.regionLive.push(0);
    this.regionSpan.push(1);
    this.regionYoung.push(0);
  }

  // ---- regions ----

  /** Number of regions the address space has. */
  get regionCount(): number {
    return this.regionKind.length;
  }

  /** Takes a free region (growing the backend if needed) and gives it `kind`. */
  takeRegion(kind: RegionKind): number {
    let r = this.freeRegions.pop();
    if (r === undefined) {
      r = this.regionKind.length;
      try {
        this.mem.grow((r + 1) * REGION_WORDS);
        if (this.raw !== null) this.raw = directWords(this.mem);
      } catch (e) {
        if (e instanceof BackendExhausted) throw new HeapExhausted(`heap exhausted at ${r} regions`);
        throw e;
      }
      this.regionKind.push(kind);
      this.regionTop.push(0);
      this.regionLive.push(0);
      this.regionSpan.push(1);
      this.regionYoung.push(0);
    } else {
      this.regionKind[r] = kind;
      this.regionTop[r] = 0;
      this.regionLive[r] = 0;
      this.regionSpan[r] = 1;
      this.regionYoung[r] = 0;
      this.mem.retire(r << REGION_SHIFT, REGION_WORDS);
    }
    return r;
  }

  /** Returns a cells region to the free list. */
  freeRegion(r: number): void {
    const span = this.regionSpan[r]!;
    for (let i = 0; i < span; i++) {
      this.regionKind[r + i] = RegionKind.Free;
      this.regionTop[r + i] = 0;
      this.regionLive[r + i] = 0;
      this.regionSpan[r + i] = 1;
      this.regionYoung[r + i] = 0;
      this.freeRegions.push(r + i);
    }
  }

  /** Number of free regions. */
  get freeRegionCount(): number {
    return this.freeRegions.length;
  }

  /** Records bump region `r`'s top (`top`, an address) and unpins it, if `r` is a region. */
  private closeBumpRegion(r: number, top: number): void {
    if (r < 0) return;
    this.regionTop[r] = top - (r << REGION_SHIFT);
    this.pinnedRegions.delete(r);
  }

  /** Takes a fresh cells region to bump-allocate in (pinned; young when `young`); returns it. */
  private openBumpRegion(young: boolean): number {
    const r = this.takeRegion(RegionKind.Cells);
    if (young) {
      this.regionYoung[r] = 1;
      this.youngRegions.push(r);
    }
    this.pinnedRegions.add(r);
    return r;
  }

  /** Closes the allocation region (the next allocation opens a fresh one), so it can be evacuated. */
  retireAllocRegion(): void {
    this.closeBumpRegion(this.allocRegion, this.allocTop);
    this.allocRegion = -1;
    this.allocTop = 0;
    this.allocEnd = 0;
  }

  /** Closes the region the collector's copies go to (the next copy opens a fresh one), so it can be evacuated. */
  retireOldRegion(): void {
    this.closeBumpRegion(this.oldRegion, this.oldTop);
    this.oldRegion = -1;
    this.oldTop = 0;
    this.oldEnd = 0;
  }

  private refill(size: number): number {
    if (size > REGION_WORDS) return this.allocLarge(size, this.generational);
    this.closeBumpRegion(this.allocRegion, this.allocTop);
    const r = (this.allocRegion = this.openBumpRegion(this.generational));
    this.allocTop = r << REGION_SHIFT;
    this.allocEnd = this.allocTop + REGION_WORDS;
    return this.allocTop;
  }

  private refillOld(size: number): number {
    if (size > REGION_WORDS) return this.allocLarge(size, false);
    this.closeBumpRegion(this.oldRegion, this.oldTop);
    const r = (this.oldRegion = this.openBumpRegion(false));
    this.oldTop = r << REGION_SHIFT;
    this.oldEnd = this.oldTop + REGION_WORDS;
    return this.oldTop;
  }

  private allocLarge(size: number, young: boolean): number {
    const span = Math.ceil(size / REGION_WORDS);
    // Large cells take fresh contiguous regions at the end of the address space.
    const r = this.regionKind.length;
    try {
      this.mem.grow((r + span) * REGION_WORDS);
      if (this.raw !== null) this.raw = directWords(this.mem);
    } catch (e) {
      if (e instanceof BackendExhausted) throw new HeapExhausted(`heap exhausted allocating ${size} words`);
      throw e;
    }
    for (let i = 0; i < span; i++) {
      this.regionKind.push(i === 0 ? RegionKind.Large : RegionKind.LargeTail);
      this.regionTop.push(i === 0 ? size : 0);
      this.regionLive.push(0);
      this.regionSpan.push(i === 0 ? span : 1);
      this.regionYoung.push(young ? 1 : 0);
    }
    if (young) this.youngRegions.push(r);
    return r << REGION_SHIFT;
  }

  /** Words in use in region `r` (its bump top). */
  used(r: number): number {
    if (r === this.allocRegion) return this.allocTop - (r << REGION_SHIFT);
    if (r === this.oldRegion) return this.oldTop - (r << REGION_SHIFT);
    return this.regionTop[r]!;
  }

  /** Whether address `a` lies in a region of the young generation. */
  isYoung(a: number): boolean {
    return this.regionYoung[a >>> REGION_SHIFT] === 1;
  }

  // ---- handles ----

  /** Address of handle `h`'s table entry `[address, mark, owner]` (one cache line, not three). */
  entry(h: number): number {
    return this.handleChunks[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & (HANDLE_CHUNK - 1));
  }

  /** The address handle `h` resolves to (0: not allocated). */
  addr(h: number): number {
    const raw = this.raw;
    if (raw !== null) return raw[this.handleChunks[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & (HANDLE_CHUNK - 1))]!;
    return this.mem.load32(this.handleChunks[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & (HANDLE_CHUNK - 1)));
  }

  /** Swaps handle `h` to `address` (the evacuation's SwapStep, or a transient's regrowth). */
  setAddr(h: number, address: number): void {
    const raw = this.raw;
    if (raw !== null) raw[this.entry(h)] = address;
    else this.mem.store32(this.entry(h), address);
  }

  /** The mark word of handle `h`. */
  mark(h: number): number {
    const raw = this.raw;
    if (raw !== null) return raw[this.entry(h) + 1]!;
    return this.mem.load32(this.entry(h) + 1);
  }

  /** Sets the mark word of handle `h`. */
  setMark(h: number, m: number): void {
    this.mem.store32(this.entry(h) + 1, m);
  }

  /** The process charged for handle `h`'s cell. */
  ownerOf(h: number): number {
    return this.mem.load32(this.entry(h) + 2);
  }

  private newHandle(): number {
    const f = this.freeHandles.pop();
    if (f !== undefined) return f;
    const h = this.nextHandle;
    if (h >>> HANDLE_CHUNK_SHIFT >= this.handleChunks.length) {
      if (h >= 1 << 30) throw new HeapExhausted('handle table exhausted');
      const r = this.takeRegion(RegionKind.Handles);
      const base = r << REGION_SHIFT;
      for (let i = 0; i < 3 * HANDLE_CHUNK; i++) this.mem.store32(base + i, 0);
      // F4 (docs/optimized.md "Fences"): the zeroed chunk is visible before any core allocates
      // in it, so no late zeroing store can land on an entry written by another core.
      this.mem.fence();
      this.handleChunks.push(base);
      if (this.youngHandles.length < this.handleChunks.length * HANDLE_CHUNK) {
        const grown = new Uint8Array(this.youngHandles.length * 2);
        grown.set(this.youngHandles);
        this.youngHandles = grown;
      }
    }
    // Taken only now: a handle table that could not grow (heap exhausted) hands out nothing.
    this.nextHandle = h + 1;
    return h;
  }

  /** Frees handle `h` (its cell becomes unreachable garbage in its region). */
  freeHandle(h: number): void {
    const e = this.entry(h);
    const raw = this.raw;
    const owner = raw !== null ? raw[e + 2]! : this.mem.load32(e + 2);
    if (owner >= 0) this.liveByOwner[owner] = (this.liveByOwner[owner] ?? 1) - 1;
    if (raw !== null) {
      raw[e] = 0;
      raw[e + 1] = 0;
    } else {
      this.mem.store32(e, 0);
      this.mem.store32(e + 1, 0);
    }
    this.youngHandles[h] = 0;
    this.freeHandles.push(h);
    this.onFree?.(h);
  }

  /** Charges handle `h`'s cell to process `pid` (the heap-cell quota counts charged cells). */
  charge(h: number, pid: number): void {
    const e = this.entry(h) + 2;
    const old = this.mem.load32(e);
    if (old === pid) return;
    if (old >= 0) this.liveByOwner[old] = (this.liveByOwner[old] ?? 1) - 1;
    this.mem.store32(e, pid);
    if (pid >= 0) this.liveByOwner[pid] = (this.liveByOwner[pid] ?? 0) + 1;
  }

  /** Live cells charged to process `pid`. */
  liveCells(pid: number): number {
    return this.liveByOwner[pid] ?? 0;
  }

  // ---- cells ----

  /**
   * Allocates a cell of `type` and `size` words (header and handle included) under a new handle;
   * returns the handle and leaves the cell's address in {@link Heap.lastAddr}. The payload is
   * not initialised: the caller writes every word.
   */
  alloc(type: number, size: number): number {
    // The handle first: when the heap has no room left for it, no words are reserved (words
    // reserved without a header would break every later walk of their region).
    const h = this.newHandle();
    let a = this.allocTop;
    try {
      if (a + size > this.allocEnd) a = this.refill(size);
    } catch (e) {
      this.freeHandles.push(h);
      throw e;
    }
    if (size <= REGION_WORDS) this.allocTop = a + size;
    this.newCell(h, a, type, size);
    if (this.generational) this.youngHandles[h] = 1;
    this.youngWords += size;
    return h;
  }

  /**
   * Like {@link Heap.alloc}, with the cell in an old region: for a cell the collector creates while
   * it moves others (a struct's shape), which old cells may point to at once.
   */
  allocTenured(type: number, size: number): number {
    const h = this.newHandle(); // first, as in alloc
    let a: number;
    try {
      a = this.reserve(size);
    } catch (e) {
      this.freeHandles.push(h);
      throw e;
    }
    this.newCell(h, a, type, size);
    return h;
  }

  /** Makes the cell of `type` and `size` words at address `a` the cell of handle `h` (taken by {@link Heap.newHandle}), charged and counted. */
  private newCell(h: number, a: number, type: number, size: number): void {
    const e = this.handleChunks[h >>> HANDLE_CHUNK_SHIFT]! + 3 * (h & (HANDLE_CHUNK - 1));
    const raw = this.raw;
    if (raw !== null) {
      raw[a] = header(type, size);
      raw[a + 1] = h;
      raw[e] = a;
      raw[e + 1] = this.allocMark;
      raw[e + 2] = this.owner;
    } else {
      const mem = this.mem;
      mem.store32(a, header(type, size));
      mem.store32(a + 1, h);
      mem.store32(e, a);
      mem.store32(e + 1, this.allocMark);
      mem.store32(e + 2, this.owner);
    }
    if (this.owner >= 0) this.liveByOwner[this.owner] = (this.liveByOwner[this.owner] ?? 0) + 1;
    this.counters.cellsAllocated++;
    this.counters.wordsAllocated += size;
    this.allocatedSinceCycle += size;
    this.lastAddr = a;
  }

  /**
   * Allocates a new cell of `size` words for an existing handle `h` (a transient node that
   * outgrew its cell) and re-points `h` at it; returns the new address. The old cell is garbage.
   */
  realloc(h: number, type: number, size: number): number {
    let a = this.allocTop;
    if (a + size > this.allocEnd) a = this.refill(size);
    if (size <= REGION_WORDS) this.allocTop = a + size;
    const raw = this.raw;
    if (raw !== null) {
      raw[a] = header(type, size);
      raw[a + 1] = h;
      raw[this.entry(h)] = a;
    } else {
      this.mem.store32(a, header(type, size));
      this.mem.store32(a + 1, h);
      this.setAddr(h, a);
    }
    this.counters.wordsAllocated += size;
    this.allocatedSinceCycle += size;
    this.youngWords += size;
    return a;
  }

  /** Declares handle `h`'s cell complete and immutable (callers publish only sealed cells, see `isSealed`). */
  publish(h: number): void {
    const a = this.addr(h);
    this.mem.publish(a, this.mem.load32(a) >>> 8);
  }

  /** Bulk copy of `words` words (evacuation's CopyStep); uses the backend's fast path if any. */
  copyWords(dst: number, src: number, words: number): void {
    const raw = this.raw;
    if (raw !== null) {
      if (words >= 16) raw.copyWithin(dst, src, src + words);
      else if (dst < src) for (let i = 0; i < words; i++) raw[dst + i] = raw[src + i]!;
      else for (let i = words - 1; i >= 0; i--) raw[dst + i] = raw[src + i]!;
      return;
    }
    const m = this.mem as MemoryBackend & { copy?: (d: number, s: number, n: number) => void };
    if (m.copy !== undefined) m.copy(dst, src, words);
    else for (let i = 0; i < words; i++) m.store32(dst + i, m.load32(src + i));
  }

  /**
   * Reserves `size` words in an old region for a cell the collector places (an evacuated or
   * promoted copy, a struct); returns the address.
   */
  reserve(size: number): number {
    let a = this.oldTop;
    if (a + size > this.oldEnd) a = this.refillOld(size);
    if (size <= REGION_WORDS) this.oldTop = a + size;
    this.tenuredSinceCycle += size;
    return a;
  }

  // ---- atoms ----

  /** Address of atom `id`'s value slot (`+1` is its stamp). */
  atomSlot(id: number): number {
    return this.atomChunks[id >>> ATOM_CHUNK_SHIFT]! + 2 * (id & (ATOM_CHUNK - 1));
  }

  /** Issues a new atom slot holding `value` with `stamp`; returns its id. */
  newAtom(value: number, stamp: number): number {
    const id = this.atomCount++;
    if (id >>> ATOM_CHUNK_SHIFT >= this.atomChunks.length) {
      const r = this.takeRegion(RegionKind.Atoms);
      this.atomChunks.push(r << REGION_SHIFT);
    }
    const s = this.atomSlot(id);
    this.mem.store32(s, value);
    this.mem.store32(s + 1, stamp);
    return id;
  }
}
