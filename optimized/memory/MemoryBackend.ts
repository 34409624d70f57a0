/**
 * The memory backend of the optimized kernel: one flat, word-addressed (32-bit) address space.
 * Every load, store, compare-and-swap and fence the kernel's heap, handle table, atom slots and
 * collector perform goes through this interface, so the same kernel runs on a plain
 * `ArrayBuffer`, on a `SharedArrayBuffer` with `Atomics` (worker threads), or on the
 * hardware-model simulator (hw-model/, handed in from outside by the composition root).
 *
 * The contract is documented in docs/optimized.md ("Memory backend") and ADR 0004.
 * @module
 */

export { BackendExhausted, type MemoryBackend } from '../../spec/Memory.js';
import { BackendExhausted, type MemoryBackend } from '../../spec/Memory.js';

/** Options of the built-in backends. */
export interface BackendOptions {
  /** Initial size in words (default 1 Mi words = 4 MiB). */
  readonly initialWords?: number;
  /** Maximum size in words (default 256 Mi words = 1 GiB). */
  readonly maxWords?: number;
}

const DEFAULT_INITIAL = 1 << 20;

/** ES2024 growable SharedArrayBuffer (Node ≥ 20), typed locally because the project targets ES2022. */
export interface GrowableSab extends SharedArrayBuffer {
  readonly maxByteLength: number;
  grow(bytes: number): void;
}
const GrowableSabCtor = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => GrowableSab;
const DEFAULT_MAX = 1 << 28;

/**
 * Words from which a growing plain backend takes its whole maximum at once (4 MiB): the operating
 * system maps zeroed pages only when they are first written, so the reservation costs address
 * space, not memory, and the heap never again copies itself, nor holds an old and a new copy at once.
 */
const RESERVE_FROM = 1 << 20;

/** `max` zeroed words (untouched pages cost no memory), or `n` when the system refuses that much address space. */
function reserveWords(max: number, n: number): Int32Array {
  try {
    return new Int32Array(max);
  } catch (e) {
    if (e instanceof RangeError) return new Int32Array(n);
    throw e;
  }
}

/** A single-threaded backend over a growable `ArrayBuffer` (plain typed-array accesses). */
export class PlainMemory implements MemoryBackend {
  readonly name = 'plain';
  /** The addressable words: a view of the first {@link PlainMemory.size} words of {@link PlainMemory.store}. */
  private i32: Int32Array;
  /** The allocated words (at least the addressable ones; more after a {@link PlainMemory.clear}). */
  private store: Int32Array;
  private readonly maxWords: number;
  /** Creates the backend. */
  constructor(options: BackendOptions = {}) {
    this.maxWords = options.maxWords ?? DEFAULT_MAX;
    this.store = new Int32Array(Math.min(options.initialWords ?? DEFAULT_INITIAL, this.maxWords));
    this.i32 = this.store;
  }
  size(): number {
    return this.i32.length;
  }
  grow(words: number): void {
    if (words <= this.i32.length) return;
    if (words > this.maxWords) throw new BackendExhausted(words);
    let n = this.i32.length * 2;
    while (n < words) n *= 2;
    n = Math.min(n, this.maxWords);
    if (n <= this.store.length) {
      // words past the old size are zero: clear() zeroes everything it takes back
      this.i32 = this.store.subarray(0, n);
      return;
    }
    const next = n >= RESERVE_FROM ? reserveWords(this.maxWords, n) : new Int32Array(n);
    next.set(this.i32);
    this.store = next;
    this.i32 = next.length === n ? next : next.subarray(0, n);
  }
  load32(addr: number): number {
    return this.i32[addr]!;
  }
  store32(addr: number, value: number): void {
    this.i32[addr] = value;
  }
  cas32(addr: number, expected: number, value: number): number {
    const old = this.i32[addr]!;
    if (old === (expected | 0)) this.i32[addr] = value;
    return old;
  }
  fence(): void {
    /* single thread: program order is the memory order */
  }
  publish(_addr: number, _words: number): void {
    /* no caches to tell */
  }
  retire(_addr: number, _words: number): void {
    /* no caches to tell */
  }
  /**
   * Puts the memory back to `words` zero words, the state `new PlainMemory({ initialWords: words })`
   * starts in (with the same maximum: same size, same words), keeping its allocation for later growth.
   */
  clear(words: number): void {
    const n = Math.min(words, this.maxWords);
    this.i32.fill(0);
    // the allocation is kept: growing again within it reuses these (zeroed) words
    this.i32 = n <= this.store.length ? this.store.subarray(0, n) : (this.store = new Int32Array(n));
  }
  /** Copies `words` words from `src` to `dst` (a bulk path used by evacuation). */
  copy(dst: number, src: number, words: number): void {
    const a = this.i32;
    if (words > 256) a.copyWithin(dst, src, src + words);
    else if (dst < src) for (let i = 0; i < words; i++) a[dst + i] = a[src + i]!;
    else for (let i = words - 1; i >= 0; i--) a[dst + i] = a[src + i]!;
  }
  /** The backing words (replaced by {@link PlainMemory.grow}); see {@link directWords}. */
  get words(): Int32Array {
    return this.i32;
  }
}

const P = PlainMemory.prototype;

/**
 * The words of `mem` when the kernel may read and write them directly instead of calling the
 * backend: `mem` is a {@link PlainMemory} whose accesses, `publish`, `retire` and `copy` are the
 * built-in ones (no side effect beyond the word itself: no caches, no fault checks). Null for
 * every other backend (shared, hw simulator, any subclass that overrides an access), which must
 * see every access. The array is replaced when the memory grows: read it again after anything
 * that may grow the memory (any allocation).
 */
export function directWords(mem: MemoryBackend): Int32Array | null {
  if (!(mem instanceof PlainMemory)) return null;
  if (mem.load32 !== P.load32 || mem.store32 !== P.store32 || mem.cas32 !== P.cas32 || mem.fence !== P.fence) return null;
  if (mem.publish !== P.publish || mem.retire !== P.retire || mem.copy !== P.copy || mem.grow !== P.grow) return null;
  return mem.words;
}

/**
 * A backend over a growable `SharedArrayBuffer`, every access through `Atomics` (sequentially
 * consistent), so several worker threads can run the kernel's heap and collector at once.
 */
export class SharedMemory implements MemoryBackend {
  readonly name = 'shared';
  /** The shared buffer (hand it to workers, then wrap it with {@link SharedMemory.attach}). */
  readonly buffer: GrowableSab;
  private i32: Int32Array;
  /** Creates a fresh shared memory. */
  constructor(options: BackendOptions & { readonly buffer?: SharedArrayBuffer } = {}) {
    const max = options.maxWords ?? DEFAULT_MAX;
    this.buffer = (options.buffer as GrowableSab | undefined) ?? new GrowableSabCtor(Math.min(options.initialWords ?? DEFAULT_INITIAL, max) * 4, { maxByteLength: max * 4 });
    this.i32 = new Int32Array(this.buffer);
  }
  /** Wraps a buffer created by another thread's {@link SharedMemory}. */
  static attach(buffer: SharedArrayBuffer): SharedMemory {
    return new SharedMemory({ buffer });
  }
  private view(): Int32Array {
    // Another thread may have grown the buffer: re-wrap when the length changed.
    if (this.i32.length * 4 !== this.buffer.byteLength) this.i32 = new Int32Array(this.buffer);
    return this.i32;
  }
  size(): number {
    return this.view().length;
  }
  grow(words: number): void {
    if (words * 4 <= this.buffer.byteLength) return;
    if (words * 4 > this.buffer.maxByteLength) throw new BackendExhausted(words);
    let n = this.buffer.byteLength * 2;
    while (n < words * 4) n *= 2;
    try {
      this.buffer.grow(Math.min(n, this.buffer.maxByteLength));
    } catch {
      // another thread grew it first
    }
    this.view();
  }
  load32(addr: number): number {
    const a = this.i32;
    return addr < a.length ? Atomics.load(a, addr) : Atomics.load(this.view(), addr);
  }
  store32(addr: number, value: number): void {
    const a = this.i32;
    if (addr < a.length) Atomics.store(a, addr, value);
    else Atomics.store(this.view(), addr, value);
  }
  cas32(addr: number, expected: number, value: number): number {
    const a = addr < this.i32.length ? this.i32 : this.view();
    return Atomics.compareExchange(a, addr, expected, value);
  }
  fence(): void {
    // Atomics are sequentially consistent; a read-modify-write of word 0 orders everything.
    Atomics.add(this.i32, 0, 0);
  }
  publish(_addr: number, _words: number): void {
    /* coherent hardware: nothing to do */
  }
  retire(_addr: number, _words: number): void {
    /* coherent hardware: nothing to do */
  }
}

/** A plain (single-threaded) backend. */
export function createPlainMemory(options?: BackendOptions): MemoryBackend {
  return new PlainMemory(options);
}

/** A shared-memory backend (SharedArrayBuffer + Atomics). */
export function createSharedMemory(options?: BackendOptions): SharedMemory {
  return new SharedMemory(options);
}
