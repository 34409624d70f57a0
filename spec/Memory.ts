/**
 * The memory-backend contract: one flat, word-addressed (32-bit) address space behind loads,
 * stores, compare-and-swap, fences and the publication of immutable ranges. The optimized kernel
 * runs on any implementation (optimized/memory/ has a plain `ArrayBuffer` one and a
 * `SharedArrayBuffer` one; hw-model/ implements it on the simulated multicore memory), handed in
 * by the composition root. Documented in docs/optimized.md ("Memory backend") and ADR 0004.
 * @module
 */

/** Raised when a backend cannot provide the memory asked for (mapped to `out-of-memory`). */
export class BackendExhausted extends Error {
  /** Creates the error; `words` is the size that was requested. */
  constructor(readonly words: number) {
    super(`memory backend cannot grow to ${words} words`);
    this.name = 'BackendExhausted';
  }
}

/** A word-addressed memory. Addresses are word indices (0-based); words are signed 32-bit. */
export interface MemoryBackend {
  /** A short name, e.g. `plain`, `shared`, `hw:tso`. */
  readonly name: string;
  /** Current size in words. Addresses `0 … size()-1` are valid. */
  size(): number;
  /**
   * Makes at least `words` words addressable (new words read 0). Existing contents and
   * addresses are preserved. Throws {@link BackendExhausted} when impossible.
   */
  grow(words: number): void;
  /** Reads the word at `addr`. */
  load32(addr: number): number;
  /**
   * Reads the `n` words from `addr` into `out[0 … n)`, with the same results and effects as `n`
   * calls of {@link MemoryBackend.load32} in address order. Optional: without it, a caller reads
   * word by word.
   */
  loadRange?(addr: number, n: number, out: Int32Array): void;
  /** Writes `value` (truncated to int32) at `addr`. */
  store32(addr: number, value: number): void;
  /** Atomically: if the word at `addr` is `expected`, write `value`. Returns the word found. */
  cas32(addr: number, expected: number, value: number): number;
  /** A full (sequentially consistent) fence: earlier accesses complete before later ones. */
  fence(): void;
  /**
   * Declares `[addr, addr+words)` published and immutable until {@link MemoryBackend.retire}:
   * the kernel will not store there, so a cache-coherent model may skip coherence traffic.
   */
  publish(addr: number, words: number): void;
  /** Declares `[addr, addr+words)` free again: it may be written (reused) from now on. */
  retire(addr: number, words: number): void;
  /** Selects the thread/core that issues the following accesses (0 by default). Optional. */
  setCore?(core: number): void;
  /**
   * Number of cores that may issue accesses (valid arguments of `setCore` are `0 … cores-1`).
   * Absent on single-threaded backends, which count as one core.
   */
  readonly cores?: number;
  /**
   * Time passes between two kernel operations: a backend with store buffers may let some
   * buffered stores drain (chosen deterministically from its seed). Optional; a no-op elsewhere.
   */
  tick?(): void;
}
