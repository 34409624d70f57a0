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
const H = {
  magic: 0,
  allocTop: 1,
  nextHandle: 2,
  nextPid: 3,
  nextAtom: 4,
  clock: 5,
  wake: 6,
  handleBase: 8,
  handleCap: 9,
  cellBase: 10,
  cellCap: 11,
  atomBase: 12, // index into the BigInt64Array view
  atomCap: 13,
  procBase: 14,
  procCap: 15,
  published: 16,
  materialized: 17,
  metaBase: 18,
} as const;
/** Words per process in the process table (see {@link P}). */
const PROC_WORDS = 8;
/** Word offsets of a process-table entry. */
const P = { status: 0, result: 1, tableHead: 2, exited: 3, charged: 4, registers: 5 } as const;
/** Words per atom of the atom metadata (see {@link M}). */
const META_WORDS = 4;
/** Word offsets of an atom's metadata. */
const M = { creator: 0, shared: 1, validator: 2, watches: 3 } as const;
const HEADER_WORDS = 32;
const MAGIC = 0x494d4d50; // "IMMP"

/** Cell tags (the low 8 bits of a cell's header; the rest is the payload size in words). */
const T = { int: 1, dbl: 2, str: 3, kw: 4, sym: 5, chr: 6, bytes: 7, list: 8, vec: 9, set: 10, map: 11, tagged: 12, atom: 13, fn: 14, bool: 15 } as const;

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
  /** Words for cells (default 8 Mi = 32 MiB). */
  readonly cellWords?: number;
  /** Handles (default 2 Mi). */
  readonly handles?: number;
  /** Atoms (default 64 Ki). */
  readonly atoms?: number;
  /** Processes (default 16 Ki). */
  readonly processes?: number;
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

/** How a function value is published: by name (built-ins, prelude) or as a closure of a lambda. */
export interface FnCodec {
  /** The word form of a function: `[kind, lambda id or name, captured values]`, or null if it cannot be published. */
  encode(f: Fn): { readonly name: string | null; readonly lambda: number; readonly caps: readonly Value[] } | null;
  /** Rebuilds a function in this worker from its published form. */
  decode(name: string | null, lambda: number, caps: readonly Value[]): Fn;
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
  private readonly cache = new Map<number, Value>();
  private readonly known = new WeakMap<object, number>();
  /** Set by the worker: how functions are published and rebuilt. */
  fnCodec: FnCodec | null = null;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.w = new Int32Array(buffer);
    this.a64 = new BigInt64Array(buffer);
    if (Atomics.load(this.w, H.magic) !== MAGIC) throw new Error('not a shared heap buffer');
  }

  /** Creates a fresh shared heap. */
  static create(sizes: SharedHeapSizes = {}): SharedHeap {
    const cellWords = sizes.cellWords ?? 8 << 20;
    const handles = sizes.handles ?? 2 << 20;
    const atoms = sizes.atoms ?? 64 << 10;
    const procs = sizes.processes ?? 16 << 10;
    const handleBase = HEADER_WORDS;
    const procBase = handleBase + handles;
    const metaBase = procBase + PROC_WORDS * procs;
    const atomWordBase = (metaBase + META_WORDS * atoms + 1) & ~1; // 8-byte aligned
    const cellBase = atomWordBase + 2 * atoms;
    const total = cellBase + cellWords;
    const buf = new SharedArrayBuffer(total * 4);
    const w = new Int32Array(buf);
    w[H.handleBase] = handleBase;
    w[H.handleCap] = handles;
    w[H.cellBase] = cellBase;
    w[H.cellCap] = cellWords;
    w[H.atomBase] = atomWordBase >> 1;
    w[H.atomCap] = atoms;
    w[H.procBase] = procBase;
    w[H.procCap] = procs;
    w[H.metaBase] = metaBase;
    w[H.allocTop] = cellBase;
    w[H.nextHandle] = 1; // handle 0 is nil
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
  /** Cells published (values copied into the shared heap) and values materialized, heap-wide. */
  counters(): { readonly published: number; readonly materialized: number; readonly cellWords: number } {
    return { published: Atomics.load(this.w, H.published), materialized: Atomics.load(this.w, H.materialized), cellWords: Atomics.load(this.w, H.allocTop) - this.w[H.cellBase]! };
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
    Atomics.store(this.w, at + P.result, word);
    Atomics.store(this.w, at, status);
    this.wakeAll();
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
    Atomics.store(this.w, this.meta(id) + M.validator, word);
  }
  /** CAS of atom `id`'s watches word: succeeds iff it still holds `expected`. */
  casWatchesWord(id: number, expected: number, word: number): boolean {
    return Atomics.compareExchange(this.w, this.meta(id) + M.watches, expected, word) === expected;
  }

  // ------------------------------------------------------------------ per-process state

  private proc(pid: number): number {
    return this.w[H.procBase]! + PROC_WORDS * pid;
  }
  /**
   * Adds `ref → id` to the atom table of `pid`: an entry appended to the cell space and prepended
   * to the process's list by CAS on its head, so any worker may grant it (share!, spawn, fork).
   */
  grant(pid: number, ref: number, id: number): void {
    const at = Atomics.add(this.w, H.allocTop, 3);
    if (at + 3 > this.w[H.cellBase]! + this.w[H.cellCap]!) throw new SharedHeapExhausted('cells');
    Atomics.store(this.w, at, ref);
    Atomics.store(this.w, at + 1, id);
    const head = this.proc(pid) + P.tableHead;
    for (;;) {
      const old = Atomics.load(this.w, head);
      Atomics.store(this.w, at + 2, old);
      if (Atomics.compareExchange(this.w, head, old, at) === old) return;
    }
  }
  /** The head of `pid`'s atom table (changes whenever an entry is added). */
  tableHead(pid: number): number {
    return Atomics.load(this.w, this.proc(pid) + P.tableHead);
  }
  /** The entries `[ref, id]` of `pid`'s table added after the head `since` was read, newest first. */
  tableSince(pid: number, since: number): { readonly head: number; readonly entries: readonly (readonly [number, number])[] } {
    const head = this.tableHead(pid);
    const entries: (readonly [number, number])[] = [];
    for (let at = head; at !== since && at !== 0; at = Atomics.load(this.w, at + 2)) entries.push([Atomics.load(this.w, at), Atomics.load(this.w, at + 1)]);
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
      if (k !== undefined) return k;
    }
    const word = this.encode(v);
    if (typeof v === 'object') this.known.set(v, word);
    return word;
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
    const at = Atomics.add(this.w, H.allocTop, size + 1);
    if (at + size + 1 > this.w[H.cellBase]! + this.w[H.cellCap]!) throw new SharedHeapExhausted('cells');
    const w = this.w;
    w[at] = tag | (size << 8);
    for (let i = 0; i < size; i++) w[at + 1 + i] = payload[i]!;
    const h = Atomics.add(w, H.nextHandle, 1);
    if (h >= w[H.handleCap]!) throw new SharedHeapExhausted('handles');
    // The handle entry is stored with Atomics after the cell's words: whoever reads the handle
    // through an atomic load (atom word, process table, message) sees the cell's words.
    Atomics.store(w, w[H.handleBase]! + h, at);
    Atomics.add(w, H.published, 1);
    return h << 1;
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
    const v = this.decode(this.addr(h));
    this.cache.set(h, v);
    if (typeof v === 'object' && v !== null) this.known.set(v, word);
    Atomics.add(this.w, H.materialized, 1);
    return v;
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
