/**
 * The shared heap of the optimized kernel's parallel mode: one `SharedArrayBuffer` that every
 * worker thread maps. It holds
 *
 * - **published values**: immutable cells behind a handle table (handle → address), appended by
 *   any worker with one `Atomics.add` on the allocation pointer; children are *value words*
 *   (an odd word is a small integer, an even word `h << 1` a handle, handle 0 nil), so a
 *   published value never points into a worker's private space (docs/adr/0039);
 * - **atoms**: one 64-bit word each (`value word << 32 | stamp`), changed only by
 *   `Atomics.compareExchange` on the whole word, so value and stamp change together and stamps
 *   count successful stores exactly (`Publication.tla` `Store`, `StampExact`);
 * - **the process table**: per pid, a status word, the value word of its result, the head of its
 *   atom table (a lock-free list of `ref → atom` entries, prepended by CAS, so another worker can
 *   grant it an atom or act as it), whether it exited, fuel charged to it by its validators and
 *   watches run elsewhere, and the value word of its registers (a published map);
 * - **atom metadata**: per atom its creator, whether it is shared, its validator (a published
 *   `[fn owner]`) and its watches (a published vector of `[key owner fn]` in key order), each
 *   word changed by CAS;
 * - a shared **clock** (for call/return order of recorded histories) and counters.
 *
 * Maps are stored with a hash index, so a lookup reads the cells in place (O(log n), nothing
 * copied): {@link SharedHeap.mapGet}. {@link SharedHeap.read} materializes a value into the
 * calling worker's private space (its language runtime works on private values), once per handle
 * per worker (cached). Publishing a value that came from the shared heap, or was published before
 * by this worker, costs nothing: the value's word is remembered.
 * @see Publication.tla Publish
 * @module
 */
import { Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Tagged, Vector, AtomRef, equals, hash, type Value } from '../../spec/Values.js';

/** Header word indexes. */
export const H = {
  magic: 0,
  /** The allocation pointer of semispace 0 (`top0`). */
  allocTop: 1,
  nextHandle: 2,
  nextPid: 3,
  nextAtom: 4,
  clock: 5,
  wake: 6,
  handleBase: 8,
  handleCap: 9,
  /** The base of semispace 0 (semispace 1 follows it). */
  cellBase: 10,
  /** Words per semispace. */
  cellCap: 11,
  atomBase: 12, // index into the BigInt64Array view
  atomCap: 13,
  procBase: 14,
  procCap: 15,
  published: 16,
  materialized: 17,
  metaBase: 18,
  /** The allocation pointer of semispace 1. */
  allocTop1: 19,
  /** The semispace new cells go to (a worker takes it at each safepoint). */
  curSpace: 20,
  /** The collector's handshake word: `epoch · 8 + stage` ({@link Stage}). */
  hs: 21,
  /** 1 while marking: root stores log the word they overwrite (the deletion barrier). */
  phase: 22,
  /** Set by an allocator that found its space full (the collector waits on it). */
  gcRequest: 23,
  /** Collections completed (allocators stalled on a full space wait on it). */
  gcDone: 24,
  /** {@link GcState}. */
  gcState: 25,
  /** Free-handle ring: handles taken so far, handles added so far, its base. */
  freeHead: 26,
  freeTail: 27,
  freeBase: 28,
  /** Grey log (barrier pushes and workers' roots): slots reserved, slots drained, base, capacity. */
  logTop: 29,
  logRead: 30,
  logBase: 31,
  logCap: 32,
  /** Per-worker words ({@link WK}): base and number of workers. */
  workerBase: 33,
  workerCap: 34,
  /** Collector statistics (cumulative). */
  gcCycles: 35,
  gcMovedCells: 36,
  gcMovedWords: 37,
  gcFreedHandles: 38,
  /** Microseconds the collector spent copying (for its MB/s). */
  gcCopyMicros: 39,
  gcCheckErrors: 40,
  /** Seeded collector bugs the workers apply ({@link GcBug}). */
  gcBugs: 41,
  /** Stop request to the collector thread. */
  gcStop: 42,
  /** Microseconds of whole collections (root handshake to free). */
  gcCycleMicros: 43,
  /** The low end of what the collector has copied into semispace 0 / 1 (it copies downwards from the end). */
  evacLow0: 44,
  evacLow1: 45,
  /**
   * While the collector collects: the address mutators allocate below in the new space (the
   * room above it is kept for the collector's copies); 0 otherwise.
   */
  gcLimit: 46,
  /** Bumped (and notified) whenever the collector makes room: stalled allocators wait on it. */
  gcRoom: 47,
  /** Handles taken back from workers that died holding them (see {@link WK}'s `taking`). */
  gcOrphans: 48,
} as const;
/** The header word of semispace `s`'s allocation pointer (mutators' cells go upwards from the space's base). */
export const topWordOf = (s: number): number => (s === 0 ? H.allocTop : H.allocTop1);
/** The header word of the low end of what the collector copied into semispace `s` (its copies go downwards from the space's end). */
export const lowWordOf = (s: number): number => (s === 0 ? H.evacLow0 : H.evacLow1);

/** Words in use in semispace `s` of the heap words `w`: mutators' cells from its base plus the collector's copies below its end. */
export function spaceUsed(w: Int32Array, s: number): number {
  const cap = w[H.cellCap]!;
  const base = w[H.cellBase]! + s * cap;
  return Math.min(cap, Atomics.load(w, topWordOf(s)) - base) + (base + cap - Atomics.load(w, lowWordOf(s)));
}

/** Words per process in the process table (see {@link P}). */
export const PROC_WORDS = 8;
/** Word offsets of a process-table entry. */
export const P = { status: 0, result: 1, tableHead: 2, exited: 3, charged: 4, registers: 5, start: 6 } as const;
/** Words per atom of the atom metadata (see {@link M}). */
export const META_WORDS = 4;
/** Word offsets of an atom's metadata. */
export const M = { creator: 0, shared: 1, validator: 2, watches: 3 } as const;
const HEADER_WORDS = 64;
const MAGIC = 0x494d4d50; // "IMMP"

/**
 * Collections an allocator waits through before it gives up (the live data then fills the heap).
 * A stalled worker posts what it needs and the collector reserves it before anyone else can take
 * the room a collection makes (docs/adr/0050), so a collection that does not serve it had no room
 * for it; 16 of them in a row is exhaustion, not an unlucky turn.
 */
const STALL_COLLECTIONS = 16;
/** Pause samples kept per worker (a ring; p99 is taken over the last this many). */
export const PAUSE_SAMPLES = 4096;
/** Words per worker in the per-worker area. */
export const WORKER_WORDS = 8 + PAUSE_SAMPLES;
/**
 * Word offsets of a worker's entry: the handshake it acknowledged last, whether it is parked, its
 * pauses, and its stalled request (`need`: words of a cell, or {@link NEED_HANDLE}; 0 when none)
 * with the collector's answer to it (`grant`: the address of the reserved words, or the handle),
 * and the handle it has taken for a cell and not stored yet (`taking`, 0 when none: a worker that
 * dies holding one is parked with it there, and the collector takes it back).
 */
export const WK = { ack: 0, parked: 1, pauses: 2, maxPause: 3, stalls: 4, need: 5, grant: 6, taking: 7, samples: 8 } as const;
/** A stalled worker's `need` word when it waits for a handle rather than for words. */
export const NEED_HANDLE = -1;

/**
 * Stages of a collection, the low 3 bits of the handshake word. A worker acknowledges each at a
 * safepoint (between two scheduling points of its processes, holding no handle in a local).
 */
export const Stage = {
  /** The deletion barrier is on (every root store decided after this logs what it overwrites). */
  barrier: 1,
  /** Roots: the worker logs the handles its private state holds and allocates in the new space. */
  roots: 2,
  /** The barrier is off. */
  barrierOff: 3,
  /** Nothing in the old space is read any more (after the handle swaps): it may be freed. */
  evacuated: 4,
  /** Stop-the-world peer: the worker reports its roots, switches space and waits for {@link Stage.resume}. */
  stop: 5,
  /** Stop-the-world peer: the collection is over. */
  resume: 6,
} as const;

/** The collector's state word. */
export const GcState = { off: 0, on: 1, exhausted: 2 } as const;

/** Seeded collector bugs (bits of the `gcBugs` word). */
export const GcBug = {
  /** `parallel-gc-no-handshake`: the collector takes roots and frees the old space without waiting for the workers' acknowledgements. */
  noHandshake: 1,
  /** `parallel-gc-missed-root`: worker 1 does not report the handles its private state holds. */
  missedRoot: 2,
  /** `parallel-gc-keeps-orphans`: the collector never takes back the handles dead workers held. */
  keepsOrphans: 4,
} as const;

/** Cell tags (the low 8 bits of a cell's header; the rest is the payload size in words). */
export const T = { int: 1, dbl: 2, str: 3, kw: 4, sym: 5, chr: 6, bytes: 7, list: 8, vec: 9, set: 10, map: 11, tagged: 12, atom: 13, fn: 14, bool: 15, entry: 16 } as const;

/** Process status words of the process table. */
export const ProcStatus = {
  /** No such process. */
  none: 0,
  /** Placed on a worker and running (or waiting). */
  running: 1,
  /** Finished; the result word holds its value. */
  done: 2,
  /** Ended by an error; the result word holds the error value (`{:error … :message …}`). */
  failed: 3,
} as const;

/** Sizes of a shared heap, in words. */
export interface SharedHeapSizes {
  /**
   * Words for cells in each of the two semispaces (default 8 Mi = 32 MiB each): the most live
   * data the heap holds; with the collector off only one semispace is used.
   */
  readonly cellWords?: number;
  /** Handles (default 2 Mi). */
  readonly handles?: number;
  /** Atoms (default 64 Ki). */
  readonly atoms?: number;
  /** Processes (default 16 Ki). */
  readonly processes?: number;
  /** Worker threads that may attach as mutators (default 16). */
  readonly workers?: number;
  /** Slots of the collector's grey log (default 64 Ki). */
  readonly logSlots?: number;
}

/** The shared heap is full (cells, handles, atoms or processes): a typed `out-of-memory` fault. */
export class SharedHeapExhausted extends Error {
  /** Creates the error naming what ran out. */
  constructor(what: string) {
    super(`the shared heap has no room for more ${what}`);
    this.name = 'SharedHeapExhausted';
  }
}

/** A handle was read before its value was published: the seeded bug `publish-after-store` (ReadsIntact / NeverReadsUnpublished). */
export class UnpublishedRead extends Error {
  /** Creates the error. */
  constructor() {
    super('read of a value that is not published in the shared heap');
    this.name = 'UnpublishedRead';
  }
}

/** One mutator's pauses for the collector (figures in milliseconds). */
export interface MutatorPauses {
  /** The worker. */
  readonly worker: number;
  /** Safepoints where it acknowledged a handshake, plus stalls. */
  readonly pauses: number;
  /** Times it stalled inside an operation on a full heap until a collection ended. */
  readonly stalls: number;
  /** The longest pause. */
  readonly maxMs: number;
  /** The 99th percentile (over its last {@link PAUSE_SAMPLES} pauses). */
  readonly p99Ms: number;
}

/** How a function value is published: by name (built-ins, prelude) or as a closure of a lambda. */
export interface FnCodec {
  /** The word form of a function: `[kind, lambda id or name, captured values]`, or null if it cannot be published. */
  encode(f: Fn): { readonly name: string | null; readonly lambda: number; readonly caps: readonly Value[] } | null;
  /** Rebuilds a function in this worker from its published form. */
  decode(name: string | null, lambda: number, caps: readonly Value[]): Fn;
}

/** Nesting past which publishing and reading a value go innermost first instead of recursing. */
const NEST_DEPTH = 400;

/** The values directly inside `v` that are published as cells of their own (a function's: its name and captures). */
function nestedValues(v: Value, codec: FnCodec | null): readonly Value[] {
  if (v instanceof Vector || v instanceof List) return v.items;
  if (v instanceof ESet) return v.items;
  if (v instanceof EMap) return v.entries.flat();
  if (v instanceof Tagged) return [v.tag, v.value];
  if (v instanceof Fn) {
    const e = codec?.encode(v) ?? null;
    return e === null ? [] : [e.name, ...e.caps];
  }
  return [];
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const SMALL_MIN = -(1 << 30);
const SMALL_MAX = (1 << 30) - 1;
const f64 = new Float64Array(1);
const f64w = new Int32Array(f64.buffer);

/** A worker's (or the coordinator's) view of the shared heap. */
export class SharedHeap {
  /** The shared buffer (hand it to other threads, then {@link SharedHeap.attach}). */
  readonly buffer: SharedArrayBuffer;
  private readonly w: Int32Array;
  private readonly a64: BigInt64Array;
  /** Handle → the value this thread has for it (materialized or published here). */
  private cache = new Map<number, Value>();
  /** Value → its word, for values read from the shared heap or published by this thread. */
  private known = new WeakMap<object, number>();
  /** Set by the worker: how functions are published and rebuilt. */
  fnCodec: FnCodec | null = null;
  /** Levels of {@link SharedHeap.publish} / {@link SharedHeap.read} in progress on this thread (see `NEST_DEPTH`). */
  private publishDepth = 0;
  private readDepth = 0;
  /**
   * Fault injection (tests of worker death): called once a handle for a cell is taken and
   * announced, before its entry is stored.
   */
  afterTake: (() => void) | null = null;
  /** The semispace this thread allocates in (taken from `curSpace` at each safepoint). */
  private space: number;
  /** This thread's mutator index (-1: not a registered mutator, e.g. the coordinator). */
  private worker = -1;
  /** The handshake word this thread acknowledged last. */
  private acked = 0;
  /** Handles this thread allocated since its last safepoint (roots while it stalls inside an operation). */
  private pending: number[] = [];
  /** The values this thread's processes hold (what its root report walks). */
  private held: () => Iterable<Value> = () => [];

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.w = new Int32Array(buffer);
    this.a64 = new BigInt64Array(buffer);
    if (Atomics.load(this.w, H.magic) !== MAGIC) throw new Error('not a shared heap buffer');
    this.space = Atomics.load(this.w, H.curSpace);
  }

  /** The heap's words (for the collector in optimized/parallel/collector.ts). */
  get words(): Int32Array {
    return this.w;
  }
  /** The heap's 64-bit view (atom words), for the collector. */
  get words64(): BigInt64Array {
    return this.a64;
  }

  /** Creates a fresh shared heap. */
  static create(sizes: SharedHeapSizes = {}): SharedHeap {
    const cellWords = sizes.cellWords ?? 8 << 20;
    const handles = sizes.handles ?? 2 << 20;
    const atoms = sizes.atoms ?? 64 << 10;
    const procs = sizes.processes ?? 16 << 10;
    const workers = sizes.workers ?? 16;
    const logSlots = sizes.logSlots ?? 64 << 10;
    for (const [k, v] of Object.entries({ cellWords, handles, atoms, processes: procs, workers, logSlots })) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`shared heap size ${k} must be a positive integer, got ${v}`);
    }
    const handleBase = HEADER_WORDS;
    const freeBase = handleBase + handles;
    const procBase = freeBase + handles;
    const metaBase = procBase + PROC_WORDS * procs;
    const logBase = metaBase + META_WORDS * atoms;
    const workerBase = logBase + logSlots;
    const atomWordBase = (workerBase + WORKER_WORDS * workers + 1) & ~1; // 8-byte aligned
    const cellBase = atomWordBase + 2 * atoms;
    const total = cellBase + 2 * cellWords;
    if (total * 4 > 2 ** 31 - 4) throw new RangeError(`a shared heap of ${total} words does not fit 32-bit addresses`);
    const buf = new SharedArrayBuffer(total * 4);
    const w = new Int32Array(buf);
    w[H.handleBase] = handleBase;
    w[H.handleCap] = handles;
    w[H.freeBase] = freeBase;
    w[H.cellBase] = cellBase;
    w[H.cellCap] = cellWords;
    w[H.atomBase] = atomWordBase >> 1;
    w[H.atomCap] = atoms;
    w[H.procBase] = procBase;
    w[H.procCap] = procs;
    w[H.metaBase] = metaBase;
    w[H.logBase] = logBase;
    w[H.logCap] = logSlots;
    w[H.workerBase] = workerBase;
    w[H.workerCap] = workers;
    w[H.allocTop] = cellBase;
    w[H.allocTop1] = cellBase + cellWords;
    w[H.evacLow0] = cellBase + cellWords;
    w[H.evacLow1] = cellBase + 2 * cellWords;
    w[H.nextHandle] = 1; // handle 0 is nil
    for (let i = 0; i < workers; i++) w[workerBase + WORKER_WORDS * i + WK.parked] = 1;
    Atomics.store(w, H.magic, MAGIC);
    return new SharedHeap(buf);
  }

  /** Wraps a buffer another thread created with {@link SharedHeap.create}. */
  static attach(buffer: SharedArrayBuffer): SharedHeap {
    return new SharedHeap(buffer);
  }

  // ------------------------------------------------------------------ counters and clock

  /** Ticks the shared clock and returns the new time (a total order of call/return events). */
  tick(): number {
    return Atomics.add(this.w, H.clock, 1) + 1;
  }
  /** A new pid. */
  newPid(): number {
    const pid = Atomics.add(this.w, H.nextPid, 1);
    if (pid >= this.w[H.procCap]!) throw new SharedHeapExhausted('processes');
    Atomics.store(this.w, this.w[H.procBase]! + PROC_WORDS * pid, ProcStatus.running);
    return pid;
  }
  /** Marks `pid` running again (a session's process 0 runs its next input). */
  restart(pid: number): void {
    Atomics.store(this.w, this.proc(pid) + P.status, ProcStatus.running);
  }
  /** Cells published (values copied into the shared heap), values materialized, and words in use (both semispaces), heap-wide. */
  counters(): { readonly published: number; readonly materialized: number; readonly cellWords: number } {
    return { published: Atomics.load(this.w, H.published), materialized: Atomics.load(this.w, H.materialized), cellWords: spaceUsed(this.w, 0) + spaceUsed(this.w, 1) };
  }

  // ------------------------------------------------------------------ processes

  /** The status of `pid` ({@link ProcStatus}). */
  status(pid: number): number {
    if (!Number.isSafeInteger(pid) || pid < 0 || pid >= this.w[H.procCap]!) return ProcStatus.none;
    return Atomics.load(this.w, this.w[H.procBase]! + PROC_WORDS * pid);
  }
  /** The result word of a finished process. */
  resultWord(pid: number): number {
    return Atomics.load(this.w, this.w[H.procBase]! + PROC_WORDS * pid + P.result);
  }
  /** Ends `pid` with a published result (status `done` or `failed`) and wakes waiting workers. */
  finish(pid: number, status: typeof ProcStatus.done | typeof ProcStatus.failed, word: number): void {
    const at = this.w[H.procBase]! + PROC_WORDS * pid;
    this.barrier(Atomics.exchange(this.w, at + P.result, word));
    this.barrier(Atomics.exchange(this.w, at + P.start, 0)); // its start value is no longer a root
    Atomics.store(this.w, at, status);
    this.wakeAll();
  }
  /** Stores the value word of `pid`'s start value (`[f & args]`), a root until the process ends. */
  setStartWord(pid: number, word: number): void {
    this.barrier(Atomics.exchange(this.w, this.proc(pid) + P.start, word));
  }
  /** Bumps the wake word and wakes every thread waiting on it. */
  wakeAll(): void {
    Atomics.add(this.w, H.wake, 1);
    Atomics.notify(this.w, H.wake);
  }
  /** The wake word's current value (wait on it with {@link SharedHeap.waitWake}). */
  wakeValue(): number {
    return Atomics.load(this.w, H.wake);
  }
  /** Blocks until the wake word differs from `seen` or `ms` pass. */
  waitWake(seen: number, ms: number): void {
    Atomics.wait(this.w, H.wake, seen, ms);
  }

  // ------------------------------------------------------------------ atoms

  /** A new atom holding the value word `word` with stamp `stamp` (default 0), created by `creator` (-1: the runtime); returns its id. */
  newAtom(word: number, stamp = 0, creator = -1): number {
    const id = Atomics.add(this.w, H.nextAtom, 1);
    if (id >= this.w[H.atomCap]!) throw new SharedHeapExhausted('atoms');
    Atomics.store(this.w, this.meta(id) + M.creator, creator);
    Atomics.store(this.a64, this.w[H.atomBase]! + id, pack(word, stamp));
    return id;
  }
  /** A fresh number no atom uses, for a name in a process's table that must not clash with its others. */
  freshRef(): number {
    const id = Atomics.add(this.w, H.nextAtom, 1);
    if (id >= this.w[H.atomCap]!) throw new SharedHeapExhausted('atoms');
    return id;
  }

  // ------------------------------------------------------------------ atom metadata

  private meta(id: number): number {
    return this.w[H.metaBase]! + META_WORDS * id;
  }
  /** The pid that created atom `id` (-1: the runtime's, e.g. the namespace). */
  creator(id: number): number {
    return Atomics.load(this.w, this.meta(id) + M.creator);
  }
  /** Whether atom `id` was shared by its creator (fork then keeps it shared). */
  isShared(id: number): boolean {
    return Atomics.load(this.w, this.meta(id) + M.shared) === 1;
  }
  /** Marks atom `id` shared. @see Atoms.tla Share */
  markShared(id: number): void {
    Atomics.store(this.w, this.meta(id) + M.shared, 1);
  }
  /** The value word of atom `id`'s validator entry (a published `[fn owner]`), 0 for none. */
  validatorWord(id: number): number {
    return Atomics.load(this.w, this.meta(id) + M.validator);
  }
  /** The value word of atom `id`'s watches (a published vector of `[key owner fn]`), 0 for none. */
  watchesWord(id: number): number {
    return Atomics.load(this.w, this.meta(id) + M.watches);
  }
  /** Stores the validator entry word of atom `id` (0: none). */
  setValidatorWord(id: number, word: number): void {
    this.barrier(Atomics.exchange(this.w, this.meta(id) + M.validator, word));
  }
  /** CAS of atom `id`'s watches word: succeeds iff it still holds `expected`. */
  casWatchesWord(id: number, expected: number, word: number): boolean {
    this.barrier(expected);
    return Atomics.compareExchange(this.w, this.meta(id) + M.watches, expected, word) === expected;
  }

  // ------------------------------------------------------------------ per-process state

  private proc(pid: number): number {
    return this.w[H.procBase]! + PROC_WORDS * pid;
  }
  /**
   * Adds `ref → id` to the atom table of `pid`: an entry cell `[ref id next]` published and
   * prepended to the process's list by CAS on its head (a value word), so any worker may grant it
   * (share!, spawn, fork).
   */
  grant(pid: number, ref: number, id: number): void {
    const head = this.proc(pid) + P.tableHead;
    for (;;) {
      const old = Atomics.load(this.w, head);
      const entry = this.cell(T.entry, [ref, id, old]);
      if (Atomics.compareExchange(this.w, head, old, entry) === old) return;
    }
  }
  /** The head of `pid`'s atom table (a value word; changes whenever an entry is added). */
  tableHead(pid: number): number {
    return Atomics.load(this.w, this.proc(pid) + P.tableHead);
  }
  /** The entries `[ref, id]` of `pid`'s table added after the head `since` was read, newest first. */
  tableSince(pid: number, since: number): { readonly head: number; readonly entries: readonly (readonly [number, number])[] } {
    const head = this.tableHead(pid);
    const entries: (readonly [number, number])[] = [];
    for (let word = head; word !== since && word !== 0;) {
      const a = this.addr(word >> 1);
      if (a === 0) throw new UnpublishedRead();
      entries.push([this.w[a + 1]!, this.w[a + 2]!]);
      word = this.w[a + 3]!;
    }
    return { head, entries };
  }
  /** Marks `pid` exited (its validators and watches never run again). */
  markExited(pid: number): void {
    Atomics.store(this.w, this.proc(pid) + P.exited, 1);
  }
  /** Whether `pid` exited. */
  exited(pid: number): boolean {
    return Atomics.load(this.w, this.proc(pid) + P.exited) === 1;
  }
  /** Charges `steps` of fuel to `pid` (its validator or watch ran for another process's write). */
  charge(pid: number, steps: number): void {
    Atomics.add(this.w, this.proc(pid) + P.charged, steps);
  }
  /** Takes the fuel charged to `pid` since the last call (its worker deducts it). */
  takeCharged(pid: number): number {
    return Atomics.exchange(this.w, this.proc(pid) + P.charged, 0);
  }
  /** The value word of `pid`'s registers (a published map, 0 for none). */
  registersWord(pid: number): number {
    return Atomics.load(this.w, this.proc(pid) + P.registers);
  }
  /** CAS of `pid`'s registers word: succeeds iff it still holds `expected`. */
  casRegistersWord(pid: number, expected: number, word: number): boolean {
    this.barrier(expected);
    return Atomics.compareExchange(this.w, this.proc(pid) + P.registers, expected, word) === expected;
  }
  /** Whether `id` names an atom. */
  isAtom(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 0 && id < Math.min(Atomics.load(this.w, H.nextAtom), this.w[H.atomCap]!);
  }
  /** One atomic load of an atom's word: `[value word, stamp]`. */
  loadAtom(id: number): readonly [number, number] {
    return unpack(Atomics.load(this.a64, this.w[H.atomBase]! + id));
  }
  /**
   * Compare-and-swap of an atom's whole word: succeeds iff it still holds `[expWord, expStamp]`,
   * then holds `[word, expStamp + 1]`. Returns whether it succeeded.
   * @see Publication.tla Store
   */
  casAtom(id: number, expWord: number, expStamp: number, word: number): boolean {
    this.barrier(expWord);
    const exp = pack(expWord, expStamp);
    return Atomics.compareExchange(this.a64, this.w[H.atomBase]! + id, exp, pack(word, expStamp + 1)) === exp;
  }

  // ------------------------------------------------------------------ publication

  /**
   * Publishes `v` (children first) and returns its value word. A value already in the shared
   * heap — read from it, or published before by this thread — is not copied again.
   * @see Publication.tla Publish
   */
  publish(v: Value): number {
    if (v === null) return 0;
    if (typeof v === 'bigint' && v >= BigInt(SMALL_MIN) && v <= BigInt(SMALL_MAX)) return (Number(v) << 1) | 1;
    if (typeof v === 'object') {
      const k = this.known.get(v);
      if (k !== undefined) {
        if (this.worker >= 0 && k !== 0) this.pending.push(k >> 1); // held by the operation in progress
        return k;
      }
    }
    // Past NEST_DEPTH levels, the rest of the value is published innermost first, off the host stack.
    if (this.publishDepth >= NEST_DEPTH && typeof v === 'object' && nestedValues(v, this.fnCodec).length > 0) return this.publishInnermostFirst(v);
    let word: number;
    this.publishDepth++;
    try {
      word = this.encode(v);
    } finally {
      this.publishDepth--;
    }
    if (typeof v === 'object' && v !== null) {
      this.known.set(v, word);
      this.cache.set(word >> 1, v);
    }
    return word;
  }

  /**
   * Publishes `root` as {@link SharedHeap.publish} does, any nesting deep: every collection inside
   * it not published yet is published innermost first, so each publication finds its children
   * published (one level of recursion).
   */
  private publishInnermostFirst(root: object): number {
    const order: object[] = [];
    const seen = new Set<object>();
    const stack: { v: object; kids: readonly Value[]; i: number }[] = [{ v: root, kids: nestedValues(root as Value, this.fnCodec), i: 0 }];
    seen.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.kids.length) {
        const x = top.kids[top.i++]!;
        if (x === null || typeof x !== 'object' || seen.has(x) || this.known.has(x)) continue;
        seen.add(x);
        stack.push({ v: x, kids: nestedValues(x, this.fnCodec), i: 0 });
      } else {
        stack.pop();
        order.push(top.v);
      }
    }
    const saved = this.publishDepth;
    this.publishDepth = 0;
    try {
      let word = 0;
      for (const v of order) word = this.publish(v as Value);
      return word;
    } finally {
      this.publishDepth = saved;
    }
  }

  /**
   * The seeded bug `publish-after-store` (Publication.tla's): publishes `v` but leaves its
   * top-level handle unresolved until `commit` is called, so a store of the word before `commit`
   * makes an unpublished value reachable. Only for the mutant; correct code uses {@link publish}.
   */
  publishLate(v: Value): { readonly word: number; readonly commit: () => void } {
    const word = this.encode(v);
    if ((word & 1) === 1 || word === 0) return { word, commit: () => {} };
    const h = word >> 1;
    const slot = this.w[H.handleBase]! + h;
    const at = Atomics.exchange(this.w, slot, 0);
    return { word, commit: () => Atomics.store(this.w, slot, at) };
  }

  private encode(v: Value): number {
    if (typeof v === 'boolean') return this.cell(T.bool, [v ? 1 : 0]);
    if (typeof v === 'bigint') return this.cell(T.int, [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))]);
    if (typeof v === 'number') {
      f64[0] = v;
      return this.cell(T.dbl, [f64w[0]!, f64w[1]!]);
    }
    if (typeof v === 'string') return this.text(T.str, v);
    if (v instanceof Keyword) return this.text(T.kw, v.fullName);
    if (v instanceof Sym) return this.text(T.sym, v.fullName);
    if (v instanceof Char) return this.text(T.chr, v.ch);
    if (v instanceof Bytes) return this.bytes(T.bytes, v.data);
    if (v instanceof List) return this.cell(T.list, [v.items.length, ...v.items.map((x) => this.publish(x))]);
    if (v instanceof Vector) return this.cell(T.vec, [v.items.length, ...v.items.map((x) => this.publish(x))]);
    if (v instanceof ESet) return this.cell(T.set, [v.items.length, ...v.items.map((x) => this.publish(x))]);
    if (v instanceof EMap) {
      const es = v.entries;
      const n = es.length;
      const kv: number[] = [];
      for (const [k, x] of es) kv.push(this.publish(k), this.publish(x));
      const hashes = es.map(([k]) => hash(k) | 0);
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => hashes[a]! - hashes[b]!);
      return this.cell(T.map, [n, ...kv, ...order, ...order.map((i) => hashes[i]!)]);
    }
    if (v instanceof Tagged) return this.cell(T.tagged, [this.publish(v.tag), this.publish(v.value)]);
    if (v instanceof AtomRef) return this.cell(T.atom, [v.ref]);
    if (v instanceof Fn) {
      const e = this.fnCodec?.encode(v) ?? null;
      if (e === null) throw new Error(`function ${v.name ?? v.id} cannot be shared with another process`);
      return this.cell(T.fn, [e.name === null ? 0 : this.publish(e.name), e.lambda, e.caps.length, ...e.caps.map((x) => this.publish(x))]);
    }
    throw new Error('unknown value kind');
  }

  private text(tag: number, s: string): number {
    return this.bytes(tag, utf8.encode(s));
  }

  private bytes(tag: number, b: Uint8Array): number {
    const words = new Array<number>(1 + ((b.length + 3) >> 2)).fill(0);
    words[0] = b.length;
    for (let i = 0; i < b.length; i++) words[1 + (i >> 2)] |= b[i]! << ((i & 3) * 8);
    return this.cell(tag, words);
  }

  /** Appends a cell and gives it a handle; returns its value word. */
  private cell(tag: number, payload: readonly number[]): number {
    const size = payload.length;
    // The handle first: a stall for it lets a collection free the space, so no words may be
    // reserved yet; a handle whose entry is still 0 is neither live nor dead to the collector.
    const h = this.newHandle();
    const w = this.w;
    // Announced until its entry is stored: if this thread dies meanwhile, the collector takes it
    // back (nothing is allocated between taking it and announcing it, so no death falls between).
    const taking = this.worker >= 0 ? this.wk() + WK.taking : -1;
    if (taking >= 0) Atomics.store(w, taking, h);
    this.afterTake?.();
    const at = this.reserve(size + 1);
    w[at] = tag | (size << 8);
    for (let i = 0; i < size; i++) w[at + 1 + i] = payload[i]!;
    // The handle entry is stored with Atomics after the cell's words: whoever reads the handle
    // through an atomic load (atom word, process table, message) sees the cell's words.
    Atomics.store(w, w[H.handleBase]! + h, at);
    if (taking >= 0) Atomics.store(w, taking, 0);
    Atomics.add(w, H.published, 1);
    if (this.worker >= 0) this.pending.push(h);
    return h << 1;
  }

  /**
   * Reserves `n` words in this thread's semispace by a CAS bump of its allocation pointer (never
   * past the room kept for the collector's copies); when the space is full, stalls until the collector has run (or throws
   * {@link SharedHeapExhausted} when there is no collector or it could not make room).
   */
  private reserve(n: number): number {
    let first: number | null = null;
    for (;;) {
      const w = this.w;
      const s = this.worker >= 0 ? this.space : Atomics.load(w, H.curSpace);
      const topWord = topWordOf(s);
      // Below what the collector copied (or reserved for stalled workers) into this space, and,
      // while it collects, below the room it keeps for those. The limit is read before the low
      // end: a limit of 0 read first means the collection is over, so the low end read after it
      // includes every copy and reservation.
      const kept = s === Atomics.load(w, H.curSpace) ? Atomics.load(w, H.gcLimit) : 0;
      const low = Atomics.load(w, lowWordOf(s));
      const limit = kept === 0 ? low : Math.min(low, kept);
      // A bump by CAS, never past the limit (a failed reservation takes nothing the collector's copies need).
      let at = Atomics.load(w, topWord);
      while (at + n <= limit) {
        const seen = Atomics.compareExchange(w, topWord, at, at + n);
        if (seen === at) return at;
        at = seen;
      }
      first = this.giveUp(first, n, 'cells');
      const granted = this.stall('cells', n);
      if (granted !== 0) return granted;
    }
  }

  /**
   * Throws {@link SharedHeapExhausted} when collections since the first stall of this allocation
   * (`first`: the collection count then, null before) made no room: the live data fills the heap.
   */
  private giveUp(first: number | null, n: number, what: string): number {
    const done = Atomics.load(this.w, H.gcDone);
    if (n > this.w[H.cellCap]! || (first !== null && ((done - first) | 0) >= STALL_COLLECTIONS)) throw new SharedHeapExhausted(what);
    return first ?? done;
  }

  /** A handle: a freed one from the collector's ring if any (taken by CAS), else a new one. */
  private newHandle(): number {
    const w = this.w;
    let first: number | null = null;
    for (;;) {
      const head = Atomics.load(w, H.freeHead);
      if (head !== Atomics.load(w, H.freeTail)) {
        const h = Atomics.load(w, w[H.freeBase]! + ((head >>> 0) % w[H.handleCap]!));
        if (Atomics.compareExchange(w, H.freeHead, head, (head + 1) | 0) === head) return h;
        continue;
      }
      if (Atomics.load(w, H.nextHandle) < w[H.handleCap]!) {
        const h = Atomics.add(w, H.nextHandle, 1);
        if (h < w[H.handleCap]!) return h;
      }
      first = this.giveUp(first, 0, 'handles');
      const granted = this.stall('handles', NEED_HANDLE);
      if (granted !== 0) return granted;
    }
  }

  /**
   * The space or the handles ran out inside an operation: posts what it needs (`need`: words, or
   * {@link NEED_HANDLE}), asks the collector for a collection and waits until it reserved the
   * need for this worker, a collection ended, or (for words) this worker moved to the new space,
   * acknowledging its handshakes meanwhile (with every handle this thread may hold as a root,
   * since it is inside an operation). Returns what the collector
   * reserved (the address of the words, or the handle), or 0 when the caller should try again.
   * The wait is a pause.
   * @throws SharedHeapExhausted when no collector runs, or it ran out of room itself.
   */
  private stall(what: string, need: number): number {
    const w = this.w;
    if (Atomics.load(w, H.gcState) !== GcState.on) throw new SharedHeapExhausted(what);
    const t0 = performance.now();
    const room = Atomics.load(w, H.gcRoom);
    const done = Atomics.load(w, H.gcDone);
    const space = this.space;
    // Only workers post needs (another thread has no entry, and retries after each collection).
    const posts = this.worker >= 0;
    const needWord = this.wk() + WK.need;
    const grantWord = this.wk() + WK.grant;
    if (posts) {
      Atomics.store(w, grantWord, 0);
      Atomics.store(w, needWord, need);
    }
    let granted = 0;
    try {
      for (;;) {
        if (posts && Atomics.load(w, needWord) !== need) break; // the collector claimed the need
        this.collectorRuns(what);
        if (Atomics.load(w, H.gcRequest) === 0) {
          Atomics.store(w, H.gcRequest, 1);
          Atomics.notify(w, H.gcRequest);
        }
        this.acknowledge(true);
        if (posts) {
          // A posted need stays posted until the collection that counted it serves it (a need
          // withdrawn after the collector counted it would give its kept room back to everyone):
          // not on the room the collector makes when marking is over, only when a collection
          // ends, or when this worker moved to the new space (it acknowledged the roots handshake,
          // before the collector can count any need: words stalled for in the old space are
          // asked for again there, where the room below the first limit may hold them).
          if (((Atomics.load(w, H.gcDone) - done) | 0) !== 0) break;
          if (need > 0 && this.space !== space) break;
        } else if (Atomics.load(w, H.gcRoom) !== room) break;
        Atomics.wait(w, H.hs, Atomics.load(w, H.hs), 1);
      }
    } finally {
      // Withdraw the need, unless the collector claimed it first: then its grant is on the way
      // (claim and grant are one step of the collector, with no state change between them).
      if (posts && Atomics.compareExchange(w, needWord, need, 0) !== need) {
        while ((granted = Atomics.exchange(w, grantWord, 0)) === 0) {
          this.collectorRuns(what); // a collector stopped between the two never grants
          Atomics.wait(w, grantWord, 0, 1);
        }
      }
    }
    if (posts) {
      this.recordPause(performance.now() - t0);
      Atomics.add(w, this.wk() + WK.stalls, 1);
    }
    return granted;
  }

  /** Throws {@link SharedHeapExhausted} (for `what`) when no collector runs any more: a stalled allocator would wait forever. */
  private collectorRuns(what: string): void {
    if (Atomics.load(this.w, H.gcState) !== GcState.on || Atomics.load(this.w, H.gcStop) !== 0) throw new SharedHeapExhausted(what);
  }

  // ------------------------------------------------------------------ the collector's handshakes

  /**
   * Registers this thread as mutator `index` of the collector's handshakes; `held` yields the
   * values its processes hold (their machine states), walked for its roots. It starts parked.
   */
  register(index: number, held: () => Iterable<Value>): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.w[H.workerCap]!) throw new RangeError(`mutator index ${index} is outside 0..${this.w[H.workerCap]! - 1}`);
    this.worker = index;
    this.held = held;
  }

  private wk(i = this.worker): number {
    return this.w[H.workerBase]! + WORKER_WORDS * i;
  }

  /**
   * A safepoint: this thread holds no handle word in a local (between two scheduling points of
   * its processes). Acknowledges the collector's handshake if it changed; the time spent is a
   * pause of this mutator.
   * @see Publication.tla Ack
   */
  safepoint(): void {
    if (this.worker < 0) return;
    this.pending.length = 0;
    if (Atomics.load(this.w, H.hs) === this.acked) return;
    const t0 = performance.now();
    this.acknowledge(false);
    this.recordPause(performance.now() - t0);
  }

  /**
   * Parks this thread: it has no process, so it holds nothing (its caches are dropped) and the
   * collector counts it as having acknowledged every handshake until {@link unpark}.
   */
  park(): void {
    if (this.worker < 0) return;
    this.cache = new Map();
    this.known = new WeakMap();
    this.pending.length = 0;
    Atomics.store(this.w, this.wk() + WK.parked, 1);
  }

  /** Parks mutator `index` from outside (its thread died): the collector no longer waits for it. */
  parkWorker(index: number): void {
    if (index >= 0 && index < this.w[H.workerCap]!) Atomics.store(this.w, this.wk(index) + WK.parked, 1);
  }

  /** Unparks this thread before it touches the heap again, and acknowledges the current handshake. */
  unpark(): void {
    if (this.worker < 0) return;
    Atomics.store(this.w, this.wk() + WK.parked, 0);
    this.safepoint();
  }

  /** Acknowledges the current handshake word (inside an operation when `stalled`). */
  private acknowledge(stalled: boolean): void {
    if (this.worker < 0) return;
    const w = this.w;
    const hs = Atomics.load(w, H.hs);
    if (hs === this.acked) return;
    const stage = hs & 7;
    if (stage === Stage.roots || stage === Stage.stop) this.reportRoots(stalled);
    this.space = Atomics.load(w, H.curSpace);
    this.acked = hs;
    Atomics.store(w, this.wk() + WK.ack, hs);
    if (stage === Stage.stop) {
      // The stop-the-world peer: wait here until the collection is over. What the handshake word
      // says next (the resume, or already the next collection's stop) is acknowledged at the
      // next safepoint, not here: a stalled allocator first takes what this collection reserved
      // for it, before a next collection may free the space that holds it.
      while (Atomics.load(w, H.hs) === hs) Atomics.wait(w, H.hs, hs, 50);
    }
  }

  /**
   * Logs the handles this thread's private state holds, as roots of the collection: those of the
   * shared values its processes hold (the caches are trimmed to them: a value dropped from them is
   * published again if needed, never named by a freed handle), and, inside an operation, every
   * handle the operation allocated or took from the caches since the last safepoint.
   */
  private reportRoots(stalled: boolean): void {
    const skip = this.worker === 1 && (Atomics.load(this.w, H.gcBugs) & GcBug.missedRoot) !== 0;
    if (stalled && !skip) for (const h of this.pending) this.log(h << 1);
    const cache = new Map<number, Value>();
    const known = new WeakMap<object, number>();
    const seen = new Set<object>();
    const todo: Value[] = [...this.held()];
    while (todo.length > 0) {
      const v = todo.pop()!;
      if (v === null || typeof v !== 'object' || seen.has(v)) continue;
      seen.add(v);
      const word = this.known.get(v);
      if (word !== undefined) {
        // A shared value: its handle is a root, and what it holds is reached through the heap.
        cache.set(word >> 1, v);
        known.set(v, word);
        if (!skip) this.log(word);
        continue;
      }
      if (v instanceof Vector || v instanceof List) {
        for (let i = 0; i < v.size; i++) todo.push(v.at(i)!);
      } else if (v instanceof ESet) todo.push(...v.items);
      else if (v instanceof EMap) for (const [k, x] of v.entries) todo.push(k, x);
      else if (v instanceof Tagged) todo.push(v.value);
      else if (v instanceof Fn) todo.push(...(this.fnCodec?.encode(v)?.caps ?? []));
    }
    this.cache = cache;
    this.known = known;
  }

  /** The deletion barrier: while marking, a root store logs the handle it overwrites. @see GC.tla StoreAtom */
  private barrier(old: number): void {
    if (old !== 0 && (old & 1) === 0 && Atomics.load(this.w, H.phase) === 1) this.log(old);
  }

  /** Appends a handle word to the collector's grey log (lock-free: one `Atomics.add`). */
  private log(word: number): void {
    const w = this.w;
    const cap = w[H.logCap]!;
    const i = Atomics.add(w, H.logTop, 1);
    for (;;) {
      const read = Atomics.load(w, H.logRead);
      if (((i - read) | 0) < cap) break;
      Atomics.wait(w, H.logRead, read, 1);
    }
    Atomics.store(w, w[H.logBase]! + ((i >>> 0) % cap), word);
  }

  private recordPause(ms: number): void {
    const w = this.w;
    const at = this.wk();
    const tenthsUs = Math.max(1, Math.round(ms * 10_000));
    const n = Atomics.add(w, at + WK.pauses, 1);
    Atomics.store(w, at + WK.samples + (n % PAUSE_SAMPLES), tenthsUs);
    if (tenthsUs > Atomics.load(w, at + WK.maxPause)) Atomics.store(w, at + WK.maxPause, tenthsUs);
  }

  /** Each mutator's pauses (time at the collector's handshakes, and stalled on a full heap): count, max and p99 in ms. */
  pauses(workers: number): readonly MutatorPauses[] {
    const out: MutatorPauses[] = [];
    for (let i = 0; i < workers; i++) {
      const at = this.wk(i);
      const n = Atomics.load(this.w, at + WK.pauses);
      const xs: number[] = [];
      for (let k = 0; k < Math.min(n, PAUSE_SAMPLES); k++) xs.push(Atomics.load(this.w, at + WK.samples + k) / 10_000);
      xs.sort((a, b) => a - b);
      out.push({ worker: i, pauses: n, stalls: Atomics.load(this.w, at + WK.stalls), maxMs: Atomics.load(this.w, at + WK.maxPause) / 10_000, p99Ms: xs.length === 0 ? 0 : xs[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]! });
    }
    return out;
  }

  // ------------------------------------------------------------------ reading

  /** The address of handle `h`'s current copy. */
  private addr(h: number): number {
    return Atomics.load(this.w, this.w[H.handleBase]! + h);
  }

  /** The number of entries of a published collection (read in place), or -1 for a non-collection. */
  count(word: number): number {
    if (word === 0 || (word & 1) === 1) return -1;
    const a = this.addr(word >> 1);
    const tag = this.w[a]! & 0xff;
    return tag === T.list || tag === T.vec || tag === T.set || tag === T.map ? this.w[a + 1]! : -1;
  }

  /**
   * Looks `key` up in the published map `word`, reading its cells in place (binary search on the
   * hash index; nothing is copied but the entry's value). Undefined when absent or not a map.
   */
  mapGet(word: number, key: Value): Value | undefined {
    if (word === 0 || (word & 1) === 1) return undefined;
    const a = this.addr(word >> 1);
    if ((this.w[a]! & 0xff) !== T.map) return undefined;
    const n = this.w[a + 1]!;
    const order = a + 2 + 2 * n;
    const hashes = order + n;
    const hk = hash(key) | 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.w[hashes + mid]! < hk) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n && this.w[hashes + i] === hk; i++) {
      const e = this.w[order + i]!;
      if (equals(this.read(this.w[a + 2 + 2 * e]!), key)) return this.read(this.w[a + 3 + 2 * e]!);
    }
    return undefined;
  }

  /** The value of a value word in this thread's private space (materialized once per handle, then cached). */
  read(word: number): Value {
    if (word === 0) return null;
    if ((word & 1) === 1) return BigInt(word >> 1);
    const h = word >> 1;
    const hit = this.cache.get(h);
    if (hit !== undefined) return hit;
    // Past NEST_DEPTH levels, the rest of the value is materialized innermost first, off the host stack.
    if (this.readDepth >= NEST_DEPTH) return this.readInnermostFirst(word);
    let v: Value;
    this.readDepth++;
    try {
      v = this.decode(this.addr(h));
    } finally {
      this.readDepth--;
    }
    this.cache.set(h, v);
    if (typeof v === 'object' && v !== null) this.known.set(v, word);
    Atomics.add(this.w, H.materialized, 1);
    return v;
  }

  /**
   * Materializes `root` as {@link SharedHeap.read} does, any nesting deep: every cell inside it not
   * materialized yet is read innermost first, so each finds its children cached.
   */
  private readInnermostFirst(root: number): Value {
    const order: number[] = [];
    const seen = new Set<number>([root]);
    const stack: { word: number; kids: readonly number[]; i: number }[] = [{ word: root, kids: this.childWords(this.addr(root >> 1)), i: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.kids.length) {
        const x = top.kids[top.i++]!;
        if (x === 0 || (x & 1) === 1 || seen.has(x) || this.cache.has(x >> 1)) continue;
        seen.add(x);
        stack.push({ word: x, kids: this.childWords(this.addr(x >> 1)), i: 0 });
      } else {
        stack.pop();
        order.push(top.word);
      }
    }
    const saved = this.readDepth;
    this.readDepth = 0;
    try {
      let v: Value = null;
      for (const word of order) v = this.read(word);
      return v;
    } finally {
      this.readDepth = saved;
    }
  }

  /** The value words inside the cell at `a` (none for a scalar). */
  private childWords(a: number): number[] {
    const w = this.w;
    if (a === 0) throw new UnpublishedRead();
    const p = a + 1;
    switch (w[a]! & 0xff) {
      case T.list:
      case T.vec:
      case T.set:
        return Array.from({ length: w[p]! }, (_, i) => w[p + 1 + i]!);
      case T.map:
        return Array.from({ length: 2 * w[p]! }, (_, i) => w[p + 1 + i]!);
      case T.tagged:
        return [w[p]!, w[p + 1]!];
      case T.fn:
        return [w[p]!, ...Array.from({ length: w[p + 2]! }, (_, i) => w[p + 3 + i]!)];
      default:
        return [];
    }
  }

  private decode(a: number): Value {
    const w = this.w;
    if (a === 0) throw new UnpublishedRead();
    const tag = w[a]! & 0xff;
    const p = a + 1;
    switch (tag) {
      case T.bool: return w[p] === 1;
      case T.int:
        return (BigInt(w[p + 1]!) << 32n) | BigInt(w[p]! >>> 0);
      case T.dbl:
        f64w[0] = w[p]!;
        f64w[1] = w[p + 1]!;
        return f64[0]!;
      case T.str: return this.textAt(p);
      case T.kw: { const s = this.textAt(p); const i = s.indexOf('/'); return i > 0 ? Keyword.of(s.slice(i + 1), s.slice(0, i)) : Keyword.of(s); }
      case T.sym: { const s = this.textAt(p); const i = s.indexOf('/'); return i > 0 && s.length > 1 ? Sym.of(s.slice(i + 1), s.slice(0, i)) : Sym.of(s); }
      case T.chr: return new Char(this.textAt(p));
      case T.bytes: return new Bytes(this.bytesAt(p));
      case T.list: return new List(this.items(p));
      case T.vec: return new Vector(this.items(p));
      case T.set: return ESet.adoptSorted(this.items(p));
      case T.map: {
        const n = w[p]!;
        const es: (readonly [Value, Value])[] = [];
        for (let i = 0; i < n; i++) es.push([this.read(w[p + 1 + 2 * i]!), this.read(w[p + 2 + 2 * i]!)]);
        return EMap.adoptSorted(es);
      }
      case T.tagged: return new Tagged(this.read(w[p]!) as string, this.read(w[p + 1]!));
      case T.atom: return new AtomRef(w[p]!);
      case T.fn: {
        if (this.fnCodec === null) throw new Error('this thread cannot rebuild functions');
        const n = w[p + 2]!;
        const caps: Value[] = [];
        for (let i = 0; i < n; i++) caps.push(this.read(w[p + 3 + i]!));
        return this.fnCodec.decode(w[p] === 0 ? null : (this.read(w[p]!) as string), w[p + 1]!, caps);
      }
      default: throw new Error(`corrupt shared cell at ${a} (tag ${tag})`);
    }
  }

  private items(p: number): Value[] {
    const n = this.w[p]!;
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) out[i] = this.read(this.w[p + 1 + i]!);
    return out;
  }
  private bytesAt(p: number): Uint8Array {
    const n = this.w[p]!;
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (this.w[p + 1 + (i >> 2)]! >>> ((i & 3) * 8)) & 0xff;
    return b;
  }
  private textAt(p: number): string {
    return utf8d.decode(this.bytesAt(p));
  }
}

function pack(word: number, stamp: number): bigint {
  return (BigInt(word >>> 0) << 32n) | BigInt(stamp >>> 0);
}
function unpack(x: bigint): readonly [number, number] {
  return [Number(BigInt.asIntN(32, x >> 32n)), Number(BigInt.asUintN(32, x))];
}
