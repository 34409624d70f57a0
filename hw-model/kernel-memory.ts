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
import { HwMemoryBackend, type HwBackendCheckpoint, type MemoryModel } from './backend.js';
import { copyFields, restoreFields, type FieldsCopy } from './checkpoint.js';
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
  /** The calls being recorded (op, a, b, result per call), or null. */
  private recording: number[] | null = null;
  /** The calls being replayed, or null (then accesses run on the simulator). */
  private replaying: readonly number[] | null = null;
  /** Next call of {@link HwKernelMemory.replaying}. */
  private replayAt = 0;

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
    if (this.replaying !== null) return this.next(C_SIZE, 0, 0, 0);
    const n = this.hw.memory.memWords;
    this.recording?.push(C_SIZE, 0, 0, 0, n);
    return n;
  }

  /** Makes at least `words` words addressable (new words read 0); throws the exhaustion error past the maximum. */
  grow(words: number): void {
    if (this.replaying !== null) {
      this.next(C_GROW, words, 0, 0);
      return;
    }
    this.recording?.push(C_GROW, words, 0, 0, 0);
    if (words <= this.hw.memory.memWords) return;
    if (words > this.maxWords) throw this.exhausted(words);
    let n = this.hw.memory.memWords;
    while (n < words) n *= 2;
    n = Math.min(roundUp(n, this.lineWords), roundUp(this.maxWords, this.lineWords));
    // Buffered stores stay valid: addresses are unchanged.
    this.hw.memory.grow(n);
    // The table has room past the memory's size (all zero: nothing published there) and keeps it across restores.
    const lines = n / this.lineWords;
    if (lines > this.published.length) {
      const p = new Uint32Array(Math.max(lines, 2 * this.published.length));
      p.set(this.published);
      this.published = p;
    }
  }

  /** Number of cores (`setCore` accepts `0 … cores-1`). */
  get cores(): number {
    if (this.replaying !== null) return this.next(C_CORES, 0, 0, 0);
    this.recording?.push(C_CORES, 0, 0, 0, this.hw.cores);
    return this.hw.cores;
  }

  /**
   * Time passes between two kernel operations: each buffered store (of any core) drains with
   * the backend's drain probability, in the order the model allows, chosen by the seeded PRNG.
   * Nothing is forced out: a store the model lets linger may stay buffered across operations.
   */
  tick(): void {
    if (this.replaying !== null) {
      this.next(C_TICK, 0, 0, 0);
      return;
    }
    this.recording?.push(C_TICK, 0, 0, 0, 0);
    this.hw.tick();
  }

  /** Selects the core that issues the following accesses. */
  setCore(core: number): void {
    if (this.replaying !== null) {
      this.next(C_SET_CORE, core, 0, 0);
      return;
    }
    this.recording?.push(C_SET_CORE, core, 0, 0, 0);
    if (!(Number.isInteger(core) && core >= 0 && core < this.hw.cores)) throw new HwFault('bad-core', `core ${core} out of range`, core);
    this.core = core;
  }

  /** Loads the word at `addr` on the current core. */
  load32(addr: number): number {
    if (this.replaying !== null) return this.next(C_LOAD, addr, 0, 0);
    const v = this.hw.load(this.core, addr);
    this.recording?.push(C_LOAD, addr, 0, 0, v);
    return v;
  }

  /** Reads the `n` words from `addr` into `out[0 … n)`: the same as `n` calls of `load32` in address order. */
  loadRange(addr: number, n: number, out: Int32Array): void {
    if (this.replaying !== null || this.recording !== null) {
      for (let i = 0; i < n; i++) out[i] = this.load32(addr + i);
      return;
    }
    this.hw.loadRange(this.core, addr, n, out);
  }

  /** Stores `value` (truncated to int32) at `addr` on the current core (see `publishedWrites`). */
  store32(addr: number, value: number): void {
    if (this.replaying !== null) {
      this.next(C_STORE, addr, value | 0, 0);
      return;
    }
    this.recording?.push(C_STORE, addr, value | 0, 0, 0);
    if (this.isPublishedWord(addr)) this.writePublished(addr);
    this.hw.store(this.core, addr, value | 0);
  }

  /** Atomic CAS on the current core (acquire-release); returns the word found (see `publishedWrites`). */
  cas32(addr: number, expected: number, value: number): number {
    if (this.replaying !== null) return this.next(C_CAS, addr, expected | 0, value | 0);
    if (this.isPublishedWord(addr)) this.writePublished(addr);
    const old = this.hw.cas(this.core, addr, expected | 0, value | 0);
    this.recording?.push(C_CAS, addr, expected | 0, value | 0, old);
    return old;
  }

  /** A full fence on the current core (MFENCE / DMB SY). */
  fence(): void {
    if (this.replaying !== null) {
      this.next(C_FENCE, 0, 0, 0);
      return;
    }
    this.recording?.push(C_FENCE, 0, 0, 0, 0);
    this.hw.fence(this.core);
  }

  /** Declares `[addr, addr+words)` published and immutable; lines fully published become immutable lines. */
  publish(addr: number, words: number): void {
    if (this.replaying !== null) {
      this.next(C_PUBLISH, addr, words, 0);
      return;
    }
    this.recording?.push(C_PUBLISH, addr, words, 0, 0);
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
    if (this.replaying !== null) {
      this.next(C_RETIRE, addr, words, 0);
      return;
    }
    this.recording?.push(C_RETIRE, addr, words, 0, 0);
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
    if (this.replaying !== null) return this.next(C_IS_PUBLISHED, addr, 0, 0) === 1;
    const p = this.isPublishedWord(addr);
    this.recording?.push(C_IS_PUBLISHED, addr, 0, 0, p ? 1 : 0);
    return p;
  }

  private isPublishedWord(addr: number): boolean {
    const lw = this.lineWords;
    const line = Math.floor(addr / lw);
    return ((this.published[line] >>> (addr - line * lw)) & 1) === 1;
  }

  private checkRange(addr: number, words: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(words) || addr < 0 || words < 0 || addr + words > this.hw.memory.memWords) {
      throw new HwFault('bad-range', `range [${addr}, ${addr + words}) out of bounds`, this.core, addr);
    }
  }

  /** Published words written since creation (`demote` mode). */
  get demotions(): number {
    if (this.replaying !== null) return this.next(C_DEMOTIONS, 0, 0, 0);
    this.recording?.push(C_DEMOTIONS, 0, 0, 0, this.nDemotions);
    return this.nDemotions;
  }

  // ---- checkpoints and recorded constructions (a campaign reuses one memory across cases) ----

  /** A copy of the whole state: the simulator's (caches, directory, store buffers, scheduler, counters) and this adapter's. */
  checkpoint(): HwKernelCheckpoint {
    if (this.recording !== null || this.replaying !== null) throw new HwFault('bad-config', 'checkpoint while recording or replaying calls');
    return { hw: this.hw.checkpoint(), own: copyFields(this, KERNEL_MEMORY_SKIP, { unused: PUBLISHED_TABLE, used: this.hw.memory.memWords / this.lineWords }) };
  }

  /**
   * Puts the memory back in the state `cp` was taken in, by {@link HwKernelMemory.checkpoint} on
   * a memory created with the same options; its arrays are reused (nothing is allocated unless
   * the memory grew since). Ends any recording or replay.
   */
  restore(cp: HwKernelCheckpoint): void {
    this.recording = null;
    this.replaying = null;
    this.hw.restore(cp.hw);
    restoreFields(this, cp.own, [], PUBLISHED_TABLE);
  }

  /** Starts recording every call made to this memory (with what loads answered), until {@link HwKernelMemory.endRecording}. */
  startRecording(): void {
    this.recording = [];
  }

  /** Stops recording and returns the calls recorded since {@link HwKernelMemory.startRecording}. */
  endRecording(): HwCallRecord {
    const calls = this.recording;
    if (calls === null) throw new HwFault('bad-config', 'endRecording without startRecording');
    this.recording = null;
    return { calls };
  }

  /**
   * Answers the following calls from `record` instead of simulating them: each call must be the
   * next recorded one with the same arguments (else {@link CallsDiverged} is thrown), and a load
   * answers what it answered when recorded. Used to rebuild a kernel's own tables from a
   * recorded construction; {@link HwKernelMemory.endReplay} then puts the simulator in the state
   * that construction left.
   */
  startReplay(record: HwCallRecord): void {
    this.replaying = record.calls;
    this.replayAt = 0;
  }

  /**
   * Ends a replay started by {@link HwKernelMemory.startReplay}: every recorded call must have
   * been made (else {@link CallsDiverged}); then the memory is restored to `end`, the state the
   * recorded calls left it in.
   */
  endReplay(end: HwKernelCheckpoint): void {
    const calls = this.replaying;
    if (calls === null) throw new HwFault('bad-config', 'endReplay without startReplay');
    if (this.replayAt !== calls.length) {
      this.replaying = null;
      throw new CallsDiverged(`the replay made ${this.replayAt / CALL_WIDTH} of the ${calls.length / CALL_WIDTH} recorded calls`);
    }
    this.restore(end);
  }

  /** The next recorded call, which must be `op(a, b)`: returns its recorded result. */
  private next(op: number, a: number, b: number, c: number): number {
    const calls = this.replaying!;
    const i = this.replayAt;
    if (i >= calls.length || calls[i] !== op || calls[i + 1] !== a || calls[i + 2] !== b || calls[i + 3] !== c) {
      this.replaying = null;
      throw new CallsDiverged(`call ${i / CALL_WIDTH}: ${CALL_NAMES[op]}(${a}, ${b}, ${c}) where ${i >= calls.length ? 'no call' : `${CALL_NAMES[calls[i]!]}(${calls[i + 1]}, ${calls[i + 2]}, ${calls[i + 3]})`} was recorded`);
    }
    this.replayAt = i + CALL_WIDTH;
    return calls[i + 4]!;
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

/** Numbers per recorded call. */
const CALL_WIDTH = 5;
/** The memory's calls, as recorded. */
const C_SIZE = 0;
const C_GROW = 1;
const C_CORES = 2;
const C_TICK = 3;
const C_SET_CORE = 4;
const C_LOAD = 5;
const C_STORE = 6;
const C_CAS = 7;
const C_FENCE = 8;
const C_PUBLISH = 9;
const C_RETIRE = 10;
const C_IS_PUBLISHED = 11;
const C_DEMOTIONS = 12;
const CALL_NAMES = ['size', 'grow', 'cores', 'tick', 'setCore', 'load32', 'store32', 'cas32', 'fence', 'publish', 'retire', 'isPublished', 'demotions'];

/** The per-line table that grows with memory and keeps its room across restores, and the value of a line with nothing published. */
const PUBLISHED_TABLE: ReadonlyMap<string, number> = new Map([['published', 0]]);

/** The adapter's fields a checkpoint leaves alone: the simulator (copied its own way), the exhaustion error's factory, recording and replay. */
const KERNEL_MEMORY_SKIP: ReadonlySet<string> = new Set(['hw', 'exhausted', 'recording', 'replaying', 'replayAt']);

/** A copy of a {@link HwKernelMemory}'s whole state (see {@link HwKernelMemory.checkpoint}). */
export interface HwKernelCheckpoint {
  /** The simulator's state. */
  readonly hw: HwBackendCheckpoint;
  /** The adapter's: published words, current core, counters. */
  readonly own: FieldsCopy;
}

/** Every call made to a memory between {@link HwKernelMemory.startRecording} and {@link HwKernelMemory.endRecording}. */
export interface HwCallRecord {
  /** Five numbers per call: the call, up to three arguments (0 for the missing ones), its result. */
  readonly calls: readonly number[];
}

/** A replayed call differs from the recorded one (the code replayed is not the code recorded, or not deterministic). */
export class CallsDiverged extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'CallsDiverged';
  }
}
