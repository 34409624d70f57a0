/**
 * The coherent memory system: N cores with private set-associative L1 caches (LRU), a shared
 * last level, and a directory MESI protocol for ordinary (mutable) lines. Lines the kernel
 * marks immutable are cached by any core with no directory tracking and are never invalidated;
 * writes to them fault. Accesses here are single-copy atomic: the memory models (store buffers,
 * reordering) sit in front of this, in `backend.ts` and `models/`.
 *
 * The protocol is the one specified in `spec/tla/HwMemory.tla` (SWMR, data-value and
 * immutable-line invariants); this simulator adds what a specification leaves out: finite caches,
 * evictions, and message accounting.
 *
 * Data lives where the protocol puts it, as in `HwMemory.tla` (`cdata`, `mem`): every L1 copy
 * holds its own words, the shared level (last-level cache and memory behind it) holds one copy of
 * every line, and a load returns the words of the copy the protocol reaches: the core's own copy
 * on a hit, else the owner's modified copy (which is written back), else the shared level. So a
 * protocol that forgets an invalidation, a write-back or a reclaim makes a core read a stale
 * value — which is what the seeded bugs of `mutants.ts` do.
 *
 * Fast path: all cache metadata and data are in flat typed arrays (one per cache level, pages of
 * the shared level allocated on first write); an access allocates nothing.
 * @module
 */
import { HwFault } from './errors.js';
import { hwMutantsAt } from './mutants.js';
import { copyFields, restoreFields, type FieldsCopy } from './checkpoint.js';

/** Fields a checkpoint leaves alone: the spare pages (a pool, not state). */
const SKIP_FIELDS: ReadonlySet<string> = new Set(['spare']);
/** The per-line tables (they grow with memory and keep their room across restores), each with the value of a fresh line. */
const LINE_TABLES: ReadonlyMap<string, number> = new Map([
  ['mode', 0],
  ['initOwner', -1],
  ['dirSharers', 0],
  ['dirOwner', -1],
]);

/** The coherence-message types the simulator counts. */
export const MSG_TYPES = [
  /** Read request to the directory. */
  'GetS',
  /** Write (ownership) request to the directory. */
  'GetM',
  /** Upgrade request S→M (no data needed). */
  'Upgrade',
  /** Directory forwards a read request to the owner. */
  'FwdGetS',
  /** Directory forwards a write request to the owner. */
  'FwdGetM',
  /** Invalidation sent to a sharer. */
  'Inv',
  /** Acknowledgement of an invalidation. */
  'InvAck',
  /** Data response for a coherent (directory-tracked) line. */
  'Data',
  /** Eviction notice of a clean shared line. */
  'PutS',
  /** Eviction notice of a clean exclusive line. */
  'PutE',
  /** Eviction of a dirty line, with its data (writeback). */
  'PutM',
  /** Writeback of an owned line when it is published immutable (the directory forgets it). */
  'PublishWB',
  /** Flush notice to each core when immutable lines are reclaimed by the GC (epoch boundary). */
  'Reclaim',
  /** Non-coherent fill request for an immutable line (no directory involved). */
  'ImmGet',
  /** Non-coherent data response for an immutable line. */
  'ImmData',
] as const;

/** One of {@link MSG_TYPES}. */
export type MsgType = (typeof MSG_TYPES)[number];

const M_GETS = 0;
const M_GETM = 1;
const M_UPGRADE = 2;
const M_FWDGETS = 3;
const M_FWDGETM = 4;
const M_INV = 5;
const M_INVACK = 6;
const M_DATA = 7;
const M_PUTS = 8;
const M_PUTE = 9;
const M_PUTM = 10;
const M_PUBWB = 11;
const M_RECLAIM = 12;
const M_IMMGET = 13;
const M_IMMDATA = 14;
/** Message types that are not coherence messages (fills of immutable lines). */
const NON_COHERENT: ReadonlySet<MsgType> = new Set<MsgType>(['ImmGet', 'ImmData']);

/** L1 line states. `IMM` is a copy of an immutable line: readable, untracked, never invalidated. */
const I = 0;
const S = 1;
const E = 2;
const M = 3;
const IMM = 4;

/** Line modes (what the kernel declared). */
const MODE_MUTABLE = 0;
const MODE_INIT = 1;
const MODE_IMMUTABLE = 2;

/** The mode of a line, as the kernel declared it. */
export type LineMode = 'mutable' | 'initialising' | 'immutable';

/** Configuration of a {@link MemorySystem}. */
export interface MemorySystemConfig {
  /** Number of cores (1..32). */
  readonly cores: number;
  /** Memory size in words (a word holds one JS number). */
  readonly memWords: number;
  /** Words per cache line (power of two). Default 8 (64-byte lines of 8-byte words). */
  readonly lineWords?: number;
  /** L1 sets per core (power of two). Default 64. */
  readonly l1Sets?: number;
  /** L1 associativity. Default 4 (64 × 4 × 64 B = 16 KiB). */
  readonly l1Ways?: number;
  /** Shared last-level sets (power of two). Default 1024. */
  readonly llcSets?: number;
  /** Shared last-level associativity. Default 8. */
  readonly llcWays?: number;
  /**
   * `true` (default): the immutable-aware protocol (immutable lines bypass the directory).
   * `false`: plain MESI treating every line as mutable (immutable marks still make writes fault).
   */
  readonly immutableAware?: boolean;
  /**
   * Seeded bugs of the caches and directory to switch on (names from `HW_MUTANTS` in
   * `mutants.ts`; the store-buffer ones are the backend's). Default none.
   */
  readonly mutants?: readonly string[];
}

/** A snapshot of the counters of a {@link MemorySystem}. */
export interface MemStats {
  /** Loads, stores and CASes performed at the memory system. */
  readonly accesses: number;
  /** L1 hits with sufficient permission. */
  readonly hits: number;
  /** L1 misses (including upgrades S→M). */
  readonly misses: number;
  /** Of the misses, upgrades (line present in S, write needed M). */
  readonly upgrades: number;
  /** Last-level misses (fetches from memory). */
  readonly llcMisses: number;
  /** Copies invalidated in other cores' L1s by the protocol. */
  readonly invalidations: number;
  /** Immutable copies dropped when the GC reclaimed their lines. */
  readonly reclaimDrops: number;
  /** Writes that faulted. */
  readonly faults: number;
  /** Messages by type. */
  readonly messages: Readonly<Record<MsgType, number>>;
  /** Sum of coherence messages (every type except the immutable fills). */
  readonly coherenceMessages: number;
  /** Sum of every message (coherence + immutable fills): the network traffic. */
  readonly totalMessages: number;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Words per page of the shared level (pages are allocated on their first write-back). */
const PAGE_SHIFT = 12;
const PAGE_WORDS = 1 << PAGE_SHIFT;

/**
 * The simulated memory system (caches + directory + shared level). Single-copy atomic accesses.
 * @see HwMemory.tla ReadMiss, ReadHit, Write, Evict, Publish, Reclaim
 */
export class MemorySystem {
  /** Number of cores. */
  readonly cores: number;
  /** Words per line. */
  readonly lineWords: number;
  private words: number;
  /** Whether the immutable-aware protocol is on. */
  readonly immutableAware: boolean;

  private readonly lineShift: number;
  private readonly lineMask: number;
  private numLines: number;
  /** The shared level's words, in pages of {@link PAGE_WORDS} (absent page: all zero). */
  private pages: (Float64Array | undefined)[];
  /** Pages no longer in use after a {@link MemorySystem.restore}, reused before allocating. */
  private readonly spare: Float64Array[] = [];
  private mode: Uint8Array;
  private initOwner: Int8Array;
  private dirSharers: Uint32Array;
  private dirOwner: Int8Array;
  private readonly l1Sets: number;
  private readonly l1Ways: number;
  private readonly l1Tags: Int32Array;
  private readonly l1State: Uint8Array;
  private readonly l1Lru: Float64Array;
  /** The words of every L1 copy: slot `s` holds its line at `[s·lineWords, (s+1)·lineWords)`. */
  private readonly l1Data: Float64Array;
  private readonly llcSets: number;
  private readonly llcWays: number;
  private readonly llcTags: Int32Array;
  private readonly llcLru: Float64Array;
  private clock = 0;
  /** Per core, the L1 slot its last read used: a hint, valid while that slot's tag is still the line read. */
  private readonly lastSlot: Int32Array;
  private readonly msg = new Float64Array(MSG_TYPES.length);
  private nAccesses = 0;
  private nHits = 0;
  private nMisses = 0;
  private nUpgrades = 0;
  private nLlcMisses = 0;
  private nInvalidations = 0;
  private nReclaimDrops = 0;
  private nFaults = 0;
  // Seeded bugs (mutants.ts), all off normally.
  private readonly bugNoInvalidate: boolean;
  private readonly bugNoWriteback: boolean;
  private readonly bugPublishNoWriteback: boolean;
  private readonly bugReclaimKeeps: boolean;
  private readonly bugUntrackedMutable: boolean;

  /** Builds an empty memory system (all memory 0, all lines mutable, caches cold). */
  constructor(config: MemorySystemConfig) {
    const { cores, memWords } = config;
    const lineWords = config.lineWords ?? 8;
    const l1Sets = config.l1Sets ?? 64;
    const l1Ways = config.l1Ways ?? 4;
    const llcSets = config.llcSets ?? 1024;
    const llcWays = config.llcWays ?? 8;
    if (!Number.isInteger(cores) || cores < 1 || cores > 32) throw new HwFault('bad-config', `cores must be 1..32, got ${cores}`);
    if (!isPow2(lineWords) || lineWords > PAGE_WORDS) throw new HwFault('bad-config', `lineWords must be a power of two ≤ ${PAGE_WORDS}, got ${lineWords}`);
    if (!isPow2(l1Sets) || !isPow2(llcSets)) throw new HwFault('bad-config', 'set counts must be powers of two');
    if (!Number.isInteger(l1Ways) || l1Ways < 1 || !Number.isInteger(llcWays) || llcWays < 1) throw new HwFault('bad-config', 'ways must be ≥ 1');
    if (!Number.isInteger(memWords) || memWords < lineWords || memWords % lineWords !== 0) throw new HwFault('bad-config', `memWords must be a positive multiple of lineWords, got ${memWords}`);
    const bugs = hwMutantsAt(config.mutants, 'memsys');
    this.bugNoInvalidate = bugs.has('hw-no-invalidate');
    this.bugNoWriteback = bugs.has('hw-no-writeback');
    this.bugPublishNoWriteback = bugs.has('hw-publish-no-writeback');
    this.bugReclaimKeeps = bugs.has('hw-reclaim-keeps-copies');
    this.bugUntrackedMutable = bugs.has('hw-immutable-atom-line');
    this.cores = cores;
    this.lineWords = lineWords;
    this.words = memWords;
    this.immutableAware = config.immutableAware ?? true;
    this.lineShift = Math.log2(lineWords);
    this.lineMask = lineWords - 1;
    this.numLines = memWords / lineWords;
    this.pages = new Array<Float64Array | undefined>(Math.ceil(memWords / PAGE_WORDS));
    this.mode = new Uint8Array(this.numLines);
    this.initOwner = new Int8Array(this.numLines).fill(-1);
    this.dirSharers = new Uint32Array(this.numLines);
    this.dirOwner = new Int8Array(this.numLines).fill(-1);
    this.l1Sets = l1Sets;
    this.l1Ways = l1Ways;
    this.l1Tags = new Int32Array(cores * l1Sets * l1Ways).fill(-1);
    this.l1State = new Uint8Array(cores * l1Sets * l1Ways);
    this.l1Lru = new Float64Array(cores * l1Sets * l1Ways);
    this.l1Data = new Float64Array(cores * l1Sets * l1Ways * lineWords);
    this.lastSlot = new Int32Array(cores);
    for (let c = 0; c < cores; c++) this.lastSlot[c] = c * l1Sets * l1Ways;
    this.llcSets = llcSets;
    this.llcWays = llcWays;
    this.llcTags = new Int32Array(llcSets * llcWays).fill(-1);
    this.llcLru = new Float64Array(llcSets * llcWays);
  }

  /** A copy of the whole state (words, caches, directory, counters), for {@link MemorySystem.restore}. */
  checkpoint(): FieldsCopy {
    return copyFields(this, SKIP_FIELDS, { unused: LINE_TABLES, used: this.numLines });
  }

  /**
   * Puts the memory system back in the state `cp` was taken in (by {@link MemorySystem.checkpoint}
   * on a memory system of the same configuration), reusing its arrays and pages.
   */
  restore(cp: FieldsCopy): void {
    restoreFields(this, cp, this.spare, LINE_TABLES);
  }

  /** Memory size in words. */
  get memWords(): number {
    return this.words;
  }

  /**
   * Grows memory to `memWords` words (a positive multiple of the line size; new words read 0,
   * new lines are mutable). Contents, modes, caches and directory are kept. The per-line tables
   * grow geometrically and the shared level's pages are allocated when first written, so growing
   * costs O(new lines / 16) at most, never a copy of the words.
   */
  grow(memWords: number): void {
    if (memWords <= this.words) return;
    if (!Number.isInteger(memWords) || memWords % this.lineWords !== 0) throw new HwFault('bad-config', `memWords must be a multiple of lineWords, got ${memWords}`);
    const lines = memWords / this.lineWords;
    if (lines > this.mode.length) {
      const cap = Math.max(lines, this.mode.length * 2);
      const mode = new Uint8Array(cap);
      mode.set(this.mode);
      const initOwner = new Int8Array(cap).fill(-1);
      initOwner.set(this.initOwner);
      const dirSharers = new Uint32Array(cap);
      dirSharers.set(this.dirSharers);
      const dirOwner = new Int8Array(cap).fill(-1);
      dirOwner.set(this.dirOwner);
      this.mode = mode;
      this.initOwner = initOwner;
      this.dirSharers = dirSharers;
      this.dirOwner = dirOwner;
    }
    this.pages.length = Math.ceil(memWords / PAGE_WORDS);
    this.numLines = lines;
    this.words = memWords;
  }

  // ---- checks ---------------------------------------------------------------------------

  private checkAccess(core: number, addr: number): void {
    if (!(core >= 0 && core < this.cores && (core | 0) === core)) throw new HwFault('bad-core', `core ${core} out of range`, core, addr);
    if (!(addr >= 0 && addr < this.words && (addr | 0) === addr)) throw new HwFault('bad-address', `address ${addr} out of range`, core, addr);
  }

  private checkWritable(core: number, addr: number, line: number): void {
    const m = this.mode[line];
    if (m === MODE_IMMUTABLE) {
      this.nFaults++;
      throw new HwFault('immutable-write', `core ${core} wrote immutable address ${addr}`, core, addr);
    }
    if (m === MODE_INIT && this.initOwner[line] !== core) {
      this.nFaults++;
      throw new HwFault('init-window-write', `core ${core} wrote address ${addr} inside core ${this.initOwner[line]}'s initialising window`, core, addr);
    }
  }

  private lineRange(addr: number, len: number): [number, number] {
    if (!Number.isInteger(addr) || !Number.isInteger(len) || len <= 0 || addr < 0 || addr + len > this.words) throw new HwFault('bad-range', `range [${addr}, ${addr + len}) out of bounds`, -1, addr);
    if (addr % this.lineWords !== 0 || len % this.lineWords !== 0) throw new HwFault('bad-range', `range [${addr}, ${addr + len}) is not aligned to ${this.lineWords}-word lines`, -1, addr);
    return [addr >>> this.lineShift, (addr + len) >>> this.lineShift];
  }

  // ---- the shared level's data -------------------------------------------------------------

  /** Copies `line`'s words from the shared level into L1 slot `slot`. */
  private fill(slot: number, line: number): void {
    const lw = this.lineWords;
    const a = line << this.lineShift;
    const page = this.pages[a >>> PAGE_SHIFT];
    const d = slot * lw;
    const data = this.l1Data;
    if (page === undefined) data.fill(0, d, d + lw);
    else {
      // a word at a time: a subarray view per fill would allocate on every miss
      const o = a & (PAGE_WORDS - 1);
      for (let i = 0; i < lw; i++) data[d + i] = page[o + i]!;
    }
  }

  /** Writes L1 slot `slot`'s words (a copy of `line`) back to the shared level. */
  private writeBack(slot: number, line: number): void {
    const lw = this.lineWords;
    const a = line << this.lineShift;
    const p = a >>> PAGE_SHIFT;
    let page = this.pages[p];
    if (page === undefined) {
      page = this.spare.pop()?.fill(0) ?? new Float64Array(PAGE_WORDS);
      this.pages[p] = page;
    }
    const d = slot * lw;
    const o = a & (PAGE_WORDS - 1);
    const data = this.l1Data;
    for (let i = 0; i < lw; i++) page[o + i] = data[d + i]!;
  }

  /** Copies L1 slot `from`'s words into slot `to` (a cache-to-cache transfer). */
  private transfer(from: number, to: number): void {
    const lw = this.lineWords;
    this.l1Data.copyWithin(to * lw, from * lw, from * lw + lw);
  }

  /** The shared level's copy of the word at `addr`. */
  private shared(addr: number): number {
    const page = this.pages[addr >>> PAGE_SHIFT];
    return page === undefined ? 0 : page[addr & (PAGE_WORDS - 1)];
  }

  // ---- caches -----------------------------------------------------------------------------

  /** Index of `line` in core's L1, or -1. */
  private l1Find(core: number, line: number): number {
    const base = (core * this.l1Sets + (line & (this.l1Sets - 1))) * this.l1Ways;
    const end = base + this.l1Ways;
    const tags = this.l1Tags;
    for (let i = base; i < end; i++) if (tags[i] === line) return i;
    return -1;
  }

  /** Chooses a victim slot for `line` in core's L1 (evicting, with messages, if needed). */
  private l1Victim(core: number, line: number): number {
    const base = (core * this.l1Sets + (line & (this.l1Sets - 1))) * this.l1Ways;
    const end = base + this.l1Ways;
    let victim = base;
    let best = Infinity;
    for (let i = base; i < end; i++) {
      if (this.l1State[i] === I) return i;
      if (this.l1Lru[i] < best) {
        best = this.l1Lru[i];
        victim = i;
      }
    }
    this.evict(core, victim);
    return victim;
  }

  /**
   * Drops the copy in `slot`: a modified copy is written back to the shared level.
   * @see HwMemory.tla Evict
   */
  private evict(core: number, slot: number): void {
    const st = this.l1State[slot];
    const line = this.l1Tags[slot];
    if (st === S) {
      this.msg[M_PUTS]++;
      this.dirSharers[line] &= ~(1 << core);
    } else if (st === E) {
      this.msg[M_PUTE]++;
      this.dirSharers[line] &= ~(1 << core);
      this.dirOwner[line] = -1;
    } else if (st === M) {
      this.msg[M_PUTM]++;
      this.dirSharers[line] &= ~(1 << core);
      this.dirOwner[line] = -1;
      this.llcTouch(line);
      if (!this.bugNoWriteback) this.writeBack(slot, line);
    }
    // IMM: silent drop, nobody tracks it (and it is clean: publishing wrote it back).
    this.l1State[slot] = I;
    this.l1Tags[slot] = -1;
  }

  /** Accesses the shared level for `line`; counts a memory fetch on a miss. */
  private llcTouch(line: number): void {
    const base = (line & (this.llcSets - 1)) * this.llcWays;
    const end = base + this.llcWays;
    let victim = base;
    let best = Infinity;
    for (let i = base; i < end; i++) {
      if (this.llcTags[i] === line) {
        this.llcLru[i] = ++this.clock;
        return;
      }
      if (this.llcLru[i] < best) {
        best = this.llcLru[i];
        victim = i;
      }
    }
    this.nLlcMisses++;
    this.llcTags[victim] = line;
    this.llcLru[victim] = ++this.clock;
  }

  /** Takes a slot for `line` in `core`'s L1 (evicting a victim) in state `state`; its words are not set. */
  private install(core: number, line: number, state: number): number {
    const slot = this.l1Victim(core, line);
    this.l1Tags[slot] = line;
    this.l1State[slot] = state;
    this.l1Lru[slot] = ++this.clock;
    return slot;
  }

  /** Sets the state of `line` in `core`'s L1 (which holds it) to `st`. */
  private setState(core: number, line: number, st: number): void {
    const slot = this.l1Find(core, line);
    if (slot >= 0) {
      if (st === I) this.l1Tags[slot] = -1;
      this.l1State[slot] = st;
    }
  }

  /** Invalidates every sharer of `line` except `core` (Inv + InvAck each). */
  private invalidateOthers(core: number, line: number): void {
    let others = this.dirSharers[line] & ~(1 << core);
    while (others !== 0) {
      const c = 31 - Math.clz32(others);
      others &= ~(1 << c);
      this.msg[M_INV]++;
      this.msg[M_INVACK]++;
      this.nInvalidations++;
      // The seeded bug acknowledges without dropping the copy: it keeps serving the old words.
      if (!this.bugNoInvalidate) this.setState(c, line, I);
    }
  }

  /**
   * Obtains M permission for `line` in `core`'s L1, with the line's current words in the copy.
   * Returns the L1 slot.
   * @see HwMemory.tla Write
   */
  private obtainM(core: number, line: number): number {
    let slot = this.l1Find(core, line);
    if (slot >= 0) {
      const st = this.l1State[slot];
      if (st === M || st === E) {
        this.l1State[slot] = M;
        this.l1Lru[slot] = ++this.clock;
        this.nHits++;
        return slot;
      }
      if (st === S) {
        // Upgrade: invalidate the other sharers, no data needed (an S copy is current).
        this.nMisses++;
        this.nUpgrades++;
        this.msg[M_UPGRADE]++;
        this.invalidateOthers(core, line);
        this.l1State[slot] = M;
        this.l1Lru[slot] = ++this.clock;
        this.dirSharers[line] = 1 << core;
        this.dirOwner[line] = core;
        return slot;
      }
      // An untracked copy of a line that is writable (only a seeded bug leaves one): drop it
      // and fetch the line as on a miss.
      this.l1State[slot] = I;
      this.l1Tags[slot] = -1;
    }
    this.nMisses++;
    this.msg[M_GETM]++;
    const owner = this.dirOwner[line];
    if (owner >= 0 && owner !== core) {
      // The owner supplies its words (cache to cache) and drops its copy.
      this.msg[M_FWDGETM]++;
      this.msg[M_DATA]++;
      this.nInvalidations++;
      slot = this.install(core, line, M);
      const from = this.l1Find(owner, line);
      if (from >= 0) {
        this.transfer(from, slot);
        this.l1State[from] = I;
        this.l1Tags[from] = -1;
      } else this.fill(slot, line);
    } else {
      this.invalidateOthers(core, line);
      this.msg[M_DATA]++;
      this.llcTouch(line);
      slot = this.install(core, line, M);
      this.fill(slot, line);
    }
    this.dirSharers[line] = 1 << core;
    this.dirOwner[line] = core;
    return slot;
  }

  // ---- accesses ---------------------------------------------------------------------------

  /**
   * Loads the word at `addr` on `core`: from the core's own copy on a hit; on a miss from the
   * owner's copy (a modified one is written back and both keep a shared copy), else from the
   * shared level.
   * @see HwMemory.tla ReadHit, ReadMiss
   */
  read(core: number, addr: number): number {
    this.checkAccess(core, addr);
    this.nAccesses++;
    const line = addr >>> this.lineShift;
    const off = addr & this.lineMask;
    // The slot of the core's last read (one of its own) still holds the line: a hit without a search.
    let slot = this.lastSlot[core];
    if (this.l1Tags[slot] !== line) slot = this.l1Find(core, line);
    if (slot >= 0) {
      this.lastSlot[core] = slot;
      this.l1Lru[slot] = ++this.clock;
      this.nHits++;
      return this.l1Data[slot * this.lineWords + off];
    }
    this.nMisses++;
    const m = this.mode[line];
    const owner = this.dirOwner[line];
    if ((this.immutableAware && m === MODE_IMMUTABLE) || (this.bugUntrackedMutable && m === MODE_MUTABLE && owner < 0)) {
      this.msg[M_IMMGET]++;
      this.msg[M_IMMDATA]++;
      this.llcTouch(line);
      slot = this.install(core, line, IMM);
      this.fill(slot, line);
      return this.l1Data[slot * this.lineWords + off];
    }
    this.msg[M_GETS]++;
    if (owner >= 0 && owner !== core) {
      // The owner (E or M) supplies the data and keeps a shared copy; a dirty line is written back.
      this.msg[M_FWDGETS]++;
      this.msg[M_DATA]++;
      const from = this.l1Find(owner, line);
      this.dirOwner[line] = -1;
      this.dirSharers[line] |= 1 << core;
      slot = this.install(core, line, S);
      if (from >= 0) {
        if (this.l1State[from] === M) this.writeBack(from, line);
        this.transfer(from, slot);
        this.l1State[from] = S;
      } else this.fill(slot, line);
    } else if (this.dirSharers[line] === 0) {
      this.msg[M_DATA]++;
      this.llcTouch(line);
      this.dirOwner[line] = core;
      this.dirSharers[line] = 1 << core;
      slot = this.install(core, line, E);
      this.fill(slot, line);
    } else {
      this.msg[M_DATA]++;
      this.llcTouch(line);
      this.dirSharers[line] |= 1 << core;
      slot = this.install(core, line, S);
      this.fill(slot, line);
    }
    return this.l1Data[slot * this.lineWords + off];
  }

  /**
   * Reads the `n` words from `addr` on `core` into `out[0 … n)`: the same values, counters, LRU
   * order and coherence messages as `n` calls of {@link MemorySystem.read} in address order (the
   * first word of each line goes through `read`; the rest of that line are then hits in the slot
   * it left the line in, accounted for at once). Returns false, having read nothing, when
   * `[addr, addr + n)` is not a non-empty range of valid addresses (the caller then reads word by
   * word, to fault at the word `read` would).
   * @see HwMemory.tla Read
   */
  readRange(core: number, addr: number, n: number, out: Int32Array): boolean {
    if (!(n > 0 && (n | 0) === n && (addr | 0) === addr && addr >= 0 && addr + n <= this.words)) return false;
    const lw = this.lineWords;
    let i = 0;
    while (i < n) {
      const a = addr + i;
      out[i] = this.read(core, a);
      const k = Math.min(n - i - 1, lw - 1 - (a & this.lineMask));
      if (k > 0) {
        const slot = this.l1Find(core, a >>> this.lineShift);
        this.nAccesses += k;
        this.nHits += k;
        this.clock += k;
        this.l1Lru[slot] = this.clock;
        this.lastSlot[core] = slot;
        const from = slot * lw + (a & this.lineMask) + 1;
        for (let j = 0; j < k; j++) out[i + 1 + j] = this.l1Data[from + j];
      }
      i += k + 1;
    }
    return true;
  }

  /**
   * Stores `value` at `addr` on `core` (into its M copy). Faults on immutable lines and on
   * another core's initialising window.
   * @see HwMemory.tla Write, WriteFault
   */
  write(core: number, addr: number, value: number): void {
    this.checkAccess(core, addr);
    const line = addr >>> this.lineShift;
    this.checkWritable(core, addr, line);
    this.nAccesses++;
    const slot = this.obtainM(core, line);
    this.l1Data[slot * this.lineWords + (addr & this.lineMask)] = value;
  }

  /**
   * Atomic compare-and-swap on `core`: takes M permission (a CAS is a write attempt, so it faults
   * on immutable lines even when it would fail), compares, writes `desired` when the word equals
   * `expected`. Returns the old value.
   * @see HwMemory.tla Write
   */
  cas(core: number, addr: number, expected: number, desired: number): number {
    this.checkAccess(core, addr);
    const line = addr >>> this.lineShift;
    this.checkWritable(core, addr, line);
    this.nAccesses++;
    const i = this.obtainM(core, line) * this.lineWords + (addr & this.lineMask);
    const old = this.l1Data[i];
    if (old === expected) this.l1Data[i] = desired;
    return old;
  }

  // ---- kernel declarations --------------------------------------------------------------------

  /**
   * Opens an initialising window on a line-aligned range for `core` (the allocator handing out
   * fresh memory, or the GC reserving to-space): only `core` may write it until it is published.
   * The lines must be mutable (fresh or reclaimed).
   * @see HwMemory.tla Allocate
   */
  beginInit(core: number, addr: number, len: number): void {
    this.checkAccess(core, addr);
    const [lo, hi] = this.lineRange(addr, len);
    for (let l = lo; l < hi; l++) if (this.mode[l] !== MODE_MUTABLE) throw new HwFault('bad-range', `line at ${l << this.lineShift} is not mutable`, core, l << this.lineShift);
    for (let l = lo; l < hi; l++) {
      this.mode[l] = MODE_INIT;
      this.initOwner[l] = core;
    }
  }

  /**
   * Marks a line-aligned range immutable (publish). From now on writes fault. Under the
   * immutable-aware protocol the directory forgets the lines: an owner's dirty copy is written
   * back to the shared level, every cached copy becomes an untracked immutable copy.
   * @see HwMemory.tla Publish
   */
  markImmutable(addr: number, len: number): void {
    const [lo, hi] = this.lineRange(addr, len);
    for (let l = lo; l < hi; l++) {
      if (this.mode[l] === MODE_IMMUTABLE) continue;
      this.mode[l] = MODE_IMMUTABLE;
      this.initOwner[l] = -1;
      if (!this.immutableAware) continue;
      let sharers = this.dirSharers[l];
      const owner = this.dirOwner[l];
      while (sharers !== 0) {
        const c = 31 - Math.clz32(sharers);
        sharers &= ~(1 << c);
        const slot = this.l1Find(c, l);
        if (slot >= 0) {
          if (c === owner && this.l1State[slot] === M) {
            this.msg[M_PUBWB]++;
            this.llcTouch(l);
            if (!this.bugPublishNoWriteback) this.writeBack(slot, l);
          }
          this.l1State[slot] = IMM;
        }
      }
      this.dirSharers[l] = 0;
      this.dirOwner[l] = -1;
    }
  }

  /**
   * Returns immutable lines to the mutable pool (the GC freed them, after every reader is gone).
   * Under the immutable-aware protocol every core flash-drops its untracked copies of the range
   * (one `Reclaim` notice per core per call); under plain MESI nothing is needed.
   * @see HwMemory.tla Reclaim
   */
  reclaim(addr: number, len: number): void {
    const [lo, hi] = this.lineRange(addr, len);
    if (this.immutableAware) this.msg[M_RECLAIM] += this.cores;
    for (let l = lo; l < hi; l++) {
      if (this.mode[l] !== MODE_IMMUTABLE) throw new HwFault('bad-range', `line at ${l << this.lineShift} is not immutable`, -1, l << this.lineShift);
      this.mode[l] = MODE_MUTABLE;
      if (!this.immutableAware || this.bugReclaimKeeps) continue;
      for (let c = 0; c < this.cores; c++) {
        const slot = this.l1Find(c, l);
        if (slot >= 0) {
          this.l1State[slot] = I;
          this.l1Tags[slot] = -1;
          this.nReclaimDrops++;
        }
      }
    }
  }

  /** The declared mode of the line holding `addr`. */
  modeOf(addr: number): LineMode {
    if (!(addr >= 0 && addr < this.words)) throw new HwFault('bad-address', `address ${addr} out of range`, -1, addr);
    const m = this.mode[addr >>> this.lineShift];
    return m === MODE_IMMUTABLE ? 'immutable' : m === MODE_INIT ? 'initialising' : 'mutable';
  }

  /**
   * Raises the fault a write by `core` to `addr` would raise now (the store buffers call this
   * when a store is issued, so a store to an immutable line faults at once, not at drain).
   */
  assertWritable(core: number, addr: number): void {
    this.checkAccess(core, addr);
    this.checkWritable(core, addr, addr >>> this.lineShift);
  }

  /** Whether a write by `core` to `addr` would be permitted (no fault). */
  isWritable(core: number, addr: number): boolean {
    const line = addr >>> this.lineShift;
    const m = this.mode[line];
    return m === MODE_MUTABLE || (m === MODE_INIT && this.initOwner[line] === core);
  }

  /**
   * The current value of the word at `addr`, without touching caches or counters (for tests and
   * dumps): the modified copy if a core holds one, else the shared level's.
   */
  peek(addr: number): number {
    if (!(addr >= 0 && addr < this.words)) throw new HwFault('bad-address', `address ${addr} out of range`, -1, addr);
    const line = addr >>> this.lineShift;
    for (let c = 0; c < this.cores; c++) {
      const slot = this.l1Find(c, line);
      if (slot >= 0 && this.l1State[slot] === M) return this.l1Data[slot * this.lineWords + (addr & this.lineMask)];
    }
    return this.shared(addr);
  }

  /** The word at `addr` as `core`'s L1 copy holds it, or undefined when it holds no copy (for tests). */
  peekCopy(core: number, addr: number): number | undefined {
    const slot = this.l1Find(core, addr >>> this.lineShift);
    return slot < 0 ? undefined : this.l1Data[slot * this.lineWords + (addr & this.lineMask)];
  }

  /** The word at `addr` as the shared level holds it (for tests). */
  peekShared(addr: number): number {
    if (!(addr >= 0 && addr < this.words)) throw new HwFault('bad-address', `address ${addr} out of range`, -1, addr);
    return this.shared(addr);
  }

  /** The L1 state of `addr`'s line in `core`'s cache: `I`, `S`, `E`, `M` or `IMM`. */
  l1StateOf(core: number, addr: number): 'I' | 'S' | 'E' | 'M' | 'IMM' {
    const slot = this.l1Find(core, addr >>> this.lineShift);
    return slot < 0 ? 'I' : (['I', 'S', 'E', 'M', 'IMM'] as const)[this.l1State[slot]];
  }

  /**
   * Checks the protocol invariants on the current cache contents (slow; for tests):
   * SWMR (an M/E copy excludes every other copy), directory agrees with the caches, under the
   * immutable-aware protocol immutable lines are never held in M/E nor tracked, and the
   * data-value invariant (every copy that is not modified holds the shared level's words).
   * Returns the first violation, or null.
   */
  checkInvariants(): string | null {
    const lw = this.lineWords;
    for (let l = 0; l < this.numLines; l++) {
      let writers = 0;
      let copies = 0;
      let trackedCopies = 0;
      for (let c = 0; c < this.cores; c++) {
        const slot = this.l1Find(c, l);
        if (slot < 0) continue;
        const st = this.l1State[slot];
        copies++;
        if (st === M || st === E) writers++;
        if (st !== IMM) {
          trackedCopies++;
          if ((this.dirSharers[l] & (1 << c)) === 0) return `line ${l}: core ${c} holds it but the directory does not list it`;
        }
        if (this.immutableAware && this.mode[l] === MODE_IMMUTABLE && (st === M || st === E)) return `line ${l}: immutable line held in ${st === M ? 'M' : 'E'} by core ${c}`;
        if (this.mode[l] !== MODE_IMMUTABLE && st === IMM) return `line ${l}: mutable line held as an untracked copy by core ${c}`;
        if (st !== M) {
          for (let k = 0; k < lw; k++) {
            const a = (l << this.lineShift) + k;
            if (!Object.is(this.l1Data[slot * lw + k], this.shared(a))) return `line ${l}: core ${c}'s copy holds ${this.l1Data[slot * lw + k]} at ${a}, the shared level ${this.shared(a)}`;
          }
        }
      }
      if (writers > 0 && copies > 1) return `line ${l}: SWMR violated (${writers} writer(s), ${copies} copies)`;
      if (this.immutableAware && this.mode[l] === MODE_IMMUTABLE && this.dirSharers[l] !== 0) return `line ${l}: immutable line tracked by the directory`;
      if (trackedCopies !== popcount(this.dirSharers[l])) return `line ${l}: directory lists ${popcount(this.dirSharers[l])} sharers, caches hold ${trackedCopies}`;
    }
    return null;
  }

  /** Snapshot of the counters. */
  stats(): MemStats {
    const messages = {} as Record<MsgType, number>;
    let coherence = 0;
    let total = 0;
    MSG_TYPES.forEach((t, i) => {
      messages[t] = this.msg[i];
      total += this.msg[i];
      if (!NON_COHERENT.has(t)) coherence += this.msg[i];
    });
    return {
      accesses: this.nAccesses,
      hits: this.nHits,
      misses: this.nMisses,
      upgrades: this.nUpgrades,
      llcMisses: this.nLlcMisses,
      invalidations: this.nInvalidations,
      reclaimDrops: this.nReclaimDrops,
      faults: this.nFaults,
      messages,
      coherenceMessages: coherence,
      totalMessages: total,
    };
  }
}

function popcount(x: number): number {
  let n = 0;
  while (x !== 0) {
    x &= x - 1;
    n++;
  }
  return n;
}
