/**
 * The hardware memory model as a memory backend for the optimized kernel: 32-bit words,
 * `load32`/`store32`/`cas32`/`fence`, `publish`/`retire` of immutable ranges, `setCore`, `grow`.
 * It implements the memory-backend contract of spec/Memory.ts; the composition root
 * (harness/engines/registry.ts) hands it to the optimized kernel.
 *
 * The kernel publishes cells of any size at any word, while the simulator marks whole lines.
 * This adapter keeps a published bit per word (one bit mask per line): a line becomes immutable
 * in the simulator when every word of it is published, and is reclaimed when one of them is
 * retired.
 *
 * A store or CAS to a published word is handled by `publishedWrites`:
 * - `demote` (default): the word stops being published; if its line was an immutable line, the
 *   line is reclaimed (every copy dropped, a `Reclaim` notice per core) and goes back to MESI.
 *   This is what hardware must do for the optimized kernel's idempotent hash cache, which is
 *   written into published cells (optimized/heap/values.ts `cachedHash`); `demotions` counts it.
 * - `fault`: the store faults (`immutable-write`), even while the line is still partly mutable,
 *   so a kernel that must never write after publishing is caught at the word.
 * @module
 */
import { HwMemoryBackend, type MemoryModel } from './backend.js';
import { HwFault } from './errors.js';
import { BackendExhausted, type MemoryBackend } from '../spec/Memory.js';

/** Options of {@link HwKernelMemory}. */
export interface HwKernelMemoryOptions {
  /** Memory model of the store buffers. */
  readonly model: MemoryModel;
  /** Cores (the kernel selects one with `setCore`). Default 4. */
  readonly cores?: number;
  /** Initial size in words. Default 65,536. */
  readonly initialWords?: number;
  /** Maximum size in words. Default 16 Mi words. */
  readonly maxWords?: number;
  /** Words per line: 16 (64-byte lines of 32-bit words) by default. */
  readonly lineWords?: number;
  /** Seed of the drain scheduler. Default 1. */
  readonly seed?: number;
  /** Immutable-aware protocol (default) or plain MESI. */
  readonly immutableAware?: boolean;
  /** What a store or CAS to a published word does: `demote` (default) or `fault`. */
  readonly publishedWrites?: 'demote' | 'fault';
  /** Builds the error thrown when `grow` would exceed `maxWords` (default: the contract's `BackendExhausted`, which kernels answer as out-of-memory). */
  readonly exhausted?: (words: number) => Error;
  /** Seeded hardware bugs to switch on (names from `HW_MUTANTS`). Default none. */
  readonly mutants?: readonly string[];
}

/** A word-addressed 32-bit memory running on the simulated memory system. */
export class HwKernelMemory implements MemoryBackend {
  /** `hw:<model>`. */
  readonly name: string;
  /** The simulated backend (caches, directory, store buffers): its `stats()` are the figures. */
  readonly hw: HwMemoryBackend;
  private readonly lineWords: number;
  private readonly maxWords: number;
  private readonly exhausted: (words: number) => Error;
  private readonly strict: boolean;
  private core = 0;
  private nDemotions = 0;
  /** Bit `k` of entry `l`: word `k` of line `l` is published. */
  private published: Uint32Array;
  private readonly fullMask: number;

  /** Creates the memory: all words 0, nothing published, caches cold. */
  constructor(options: HwKernelMemoryOptions) {
    this.lineWords = options.lineWords ?? 16;
    if (!(this.lineWords >= 1 && this.lineWords <= 32)) throw new HwFault('bad-config', `lineWords must be 1..32 for the kernel backend, got ${this.lineWords}`);
    this.fullMask = this.lineWords === 32 ? 0xffffffff : (1 << this.lineWords) - 1;
    const initial = roundUp(options.initialWords ?? 1 << 16, this.lineWords);
    this.maxWords = options.maxWords ?? 1 << 24;
    this.exhausted = options.exhausted ?? ((w) => new BackendExhausted(w));
    this.name = `hw:${options.model}`;
    this.strict = options.publishedWrites === 'fault';
    this.hw = new HwMemoryBackend({
      model: options.model,
      cores: options.cores ?? 4,
      memWords: initial,
      lineWords: this.lineWords,
      seed: options.seed ?? 1,
      ...(options.immutableAware !== undefined ? { immutableAware: options.immutableAware } : {}),
      ...(options.mutants !== undefined ? { mutants: options.mutants } : {}),
    });
    this.published = new Uint32Array(initial / this.lineWords);
  }

  /** Current size in words. */
  size(): number {
    return this.hw.memory.memWords;
  }

  /** Makes at least `words` words addressable (new words read 0); throws the exhaustion error past the maximum. */
  grow(words: number): void {
    if (words <= this.size()) return;
    if (words > this.maxWords) throw this.exhausted(words);
    let n = this.size();
    while (n < words) n *= 2;
    n = Math.min(roundUp(n, this.lineWords), roundUp(this.maxWords, this.lineWords));
    // Buffered stores stay valid: addresses are unchanged.
    this.hw.memory.grow(n);
    const p = new Uint32Array(n / this.lineWords);
    p.set(this.published);
    this.published = p;
  }

  /** Number of cores (`setCore` accepts `0 … cores-1`). */
  get cores(): number {
    return this.hw.cores;
  }

  /**
   * Time passes between two kernel operations: each buffered store (of any core) drains with
   * the backend's drain probability, in the order the model allows, chosen by the seeded PRNG.
   * Nothing is forced out: a store the model lets linger may stay buffered across operations.
   */
  tick(): void {
    this.hw.tick();
  }

  /** Selects the core that issues the following accesses. */
  setCore(core: number): void {
    if (!(Number.isInteger(core) && core >= 0 && core < this.hw.cores)) throw new HwFault('bad-core', `core ${core} out of range`, core);
    this.core = core;
  }

  /** Loads the word at `addr` on the current core. */
  load32(addr: number): number {
    return this.hw.load(this.core, addr);
  }

  /** Stores `value` (truncated to int32) at `addr` on the current core (see `publishedWrites`). */
  store32(addr: number, value: number): void {
    if (this.isPublished(addr)) this.writePublished(addr);
    this.hw.store(this.core, addr, value | 0);
  }

  /** Atomic CAS on the current core (acquire-release); returns the word found (see `publishedWrites`). */
  cas32(addr: number, expected: number, value: number): number {
    if (this.isPublished(addr)) this.writePublished(addr);
    return this.hw.cas(this.core, addr, expected | 0, value | 0);
  }

  /** A full fence on the current core (MFENCE / DMB SY). */
  fence(): void {
    this.hw.fence(this.core);
  }

  /** Declares `[addr, addr+words)` published and immutable; lines fully published become immutable lines. */
  publish(addr: number, words: number): void {
    this.checkRange(addr, words);
    const lw = this.lineWords;
    const end = addr + words;
    for (let a = addr; a < end; ) {
      const line = Math.floor(a / lw);
      const stop = Math.min(end, (line + 1) * lw);
      const before = this.published[line];
      const after = (before | rangeMask(a - line * lw, stop - a)) >>> 0;
      if (after !== before) {
        this.published[line] = after;
        if (after === this.fullMask) this.hw.markImmutable(line * lw, lw);
      }
      a = stop;
    }
  }

  /** Declares `[addr, addr+words)` free again; immutable lines touched are reclaimed (every copy dropped). */
  retire(addr: number, words: number): void {
    this.checkRange(addr, words);
    const lw = this.lineWords;
    let runStart = -1;
    let runEnd = -1;
    const flush = (): void => {
      if (runStart >= 0) this.hw.reclaim(runStart, runEnd - runStart);
      runStart = -1;
    };
    const end = addr + words;
    for (let a = addr; a < end; ) {
      const line = Math.floor(a / lw);
      const stop = Math.min(end, (line + 1) * lw);
      const before = this.published[line];
      const after = (before & ~rangeMask(a - line * lw, stop - a)) >>> 0;
      a = stop;
      if (after === before) continue;
      this.published[line] = after;
      if (before === this.fullMask) {
        // The line was an immutable line: reclaim it (batched over contiguous lines).
        const start = line * lw;
        if (runStart >= 0 && start === runEnd) runEnd += lw;
        else {
          flush();
          runStart = start;
          runEnd = start + lw;
        }
      }
    }
    flush();
  }

  /** Whether the word at `addr` is published. */
  isPublished(addr: number): boolean {
    const lw = this.lineWords;
    const line = Math.floor(addr / lw);
    return ((this.published[line] >>> (addr - line * lw)) & 1) === 1;
  }

  private checkRange(addr: number, words: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(words) || addr < 0 || words < 0 || addr + words > this.size()) {
      throw new HwFault('bad-range', `range [${addr}, ${addr + words}) out of bounds`, this.core, addr);
    }
  }

  /** Published words written since creation (`demote` mode). */
  get demotions(): number {
    return this.nDemotions;
  }

  /** A write to a published word: fault, or demote the word (and reclaim its immutable line). */
  private writePublished(addr: number): void {
    if (this.strict) this.fault(addr);
    const lw = this.lineWords;
    const line = Math.floor(addr / lw);
    if (this.published[line] === this.fullMask) this.hw.reclaim(line * lw, lw);
    this.published[line] = (this.published[line] & ~(1 << (addr - line * lw))) >>> 0;
    this.nDemotions++;
  }

  private fault(addr: number): never {
    throw new HwFault('immutable-write', `core ${this.core} stored to published word ${addr}`, this.core, addr);
  }
}

/** The bit mask of `count` bits starting at bit `from` (1 ≤ count, from + count ≤ 32). */
function rangeMask(from: number, count: number): number {
  return count === 32 ? 0xffffffff : (((1 << count) - 1) << from) >>> 0;
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
