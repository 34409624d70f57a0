/**
 * The memory backend a kernel runs on: per-core store buffers in front of the coherent
 * {@link MemorySystem}, under one of three memory models.
 *
 * - `sc`: no buffering; every access is performed at once, in program order.
 * - `tso` (x86-TSO): a FIFO store buffer per core, loads forward from the newest buffered store to
 *   the same address, MFENCE (`fence('full')`) and locked CAS drain the buffer.
 * - `relaxed` (ARMv8-like): a store buffer that drains out of order (stores to different addresses
 *   reorder; stores to one address stay in order), a release store (STLR) drains only after every
 *   older store, an acquire load (LDAR) waits for older release stores (RCsc), DMB
 *   (`fence('full')`) drains everything, a plain CAS is ordered only with same-address stores and
 *   an `acq_rel` CAS (CASAL) drains everything.
 *
 * Loads are performed when issued (this is an interactive adapter: a load returns its value), so
 * the adapter's `relaxed` mode produces the store-side reorderings of ARMv8 (SB, MP's writer,
 * 2+2W) but not load→load or load→store reordering (IRIW's readers, LB); the exhaustive litmus
 * engine in `models/relaxed.ts` has the full model, and a test checks the adapter only produces
 * outcomes that engine allows. See docs/hw-model.md.
 *
 * When buffered stores drain is chosen by a seeded PRNG: the same seed and the same sequence of
 * calls give the same interleaving.
 * @module
 */
import { HwFault } from './errors.js';
import { MemorySystem, type MemStats, type MemorySystemConfig } from './memsys.js';
import { hwMutantsAt } from './mutants.js';
import { createRestorableRng, type RestorableRng } from './rng.js';
import { copyFields, restoreFields, type FieldsCopy } from './checkpoint.js';

/** The three memory models. */
export type MemoryModel = 'sc' | 'tso' | 'relaxed';

/** Every memory model, in order of strength. */
export const MEMORY_MODELS: readonly MemoryModel[] = ['sc', 'tso', 'relaxed'];

/** Ordering annotation of an access: plain, acquire (LDAR), release (STLR), both (CASAL). */
export type AccessOrder = 'plain' | 'acquire' | 'release' | 'acq_rel';

/** Configuration of a {@link HwMemoryBackend}. */
export interface HwBackendConfig extends MemorySystemConfig {
  /** The memory model. */
  readonly model: MemoryModel;
  /** Seed of the drain scheduler. Default 1. */
  readonly seed?: number;
  /** Store-buffer entries per core. Default 8. */
  readonly storeBufferSize?: number;
  /**
   * Probability that, after an access, one buffered store of that core drains (models the
   * buffer draining in the background). Default 0.25.
   */
  readonly drainProbability?: number;
}

/** Counters of the backend: the memory system's plus the store buffers'. */
export interface HwBackendStats extends MemStats {
  /** Loads answered from the core's own store buffer. */
  readonly forwards: number;
  /** Buffered stores written to the memory system. */
  readonly drains: number;
  /** Loads, stores, CASes and fences issued by cores. */
  readonly issued: number;
}

const REL = 1;

/** The fields of a backend its checkpoint copies its own way: the memory system and the scheduler. */
const BACKEND_SKIP: ReadonlySet<string> = new Set(['memory', 'rng']);

/** A copy of a {@link HwMemoryBackend}'s whole state (see {@link HwMemoryBackend.checkpoint}). */
export interface HwBackendCheckpoint {
  /** The memory system's state. */
  readonly memory: FieldsCopy;
  /** The store buffers, counters and configuration. */
  readonly own: FieldsCopy;
  /** The drain scheduler's state. */
  readonly rng: number;
}

/**
 * A simulated memory backend: load/store/CAS/fence per core, immutable-line declarations
 * (`beginInit`, `markImmutable`, `reclaim`), a seeded drain scheduler and statistics.
 */
export class HwMemoryBackend {
  /** The memory model. */
  readonly model: MemoryModel;
  /** The coherent memory system behind the store buffers. */
  readonly memory: MemorySystem;
  private readonly rng: RestorableRng;
  private readonly cap: number;
  private readonly drainP: number;
  private readonly sbAddr: Int32Array;
  private readonly sbVal: Float64Array;
  private readonly sbFlag: Uint8Array;
  private readonly sbCount: Int32Array;
  private nForwards = 0;
  private nDrains = 0;
  private nIssued = 0;
  // Seeded bugs (mutants.ts), off normally.
  private readonly bugFenceNoop: boolean;
  private readonly bugNoForwarding: boolean;

  /** Builds a backend with cold caches, zeroed memory and empty store buffers. */
  constructor(config: HwBackendConfig) {
    if (!['sc', 'tso', 'relaxed'].includes(config.model)) throw new HwFault('bad-config', `unknown memory model ${String(config.model)}`);
    this.model = config.model;
    const bugs = hwMutantsAt(config.mutants, 'backend');
    this.bugFenceNoop = bugs.has('hw-fence-noop');
    this.bugNoForwarding = bugs.has('hw-no-forwarding');
    this.memory = new MemorySystem(config);
    this.rng = createRestorableRng(config.seed ?? 1);
    this.cap = config.storeBufferSize ?? 8;
    if (!Number.isInteger(this.cap) || this.cap < 1) throw new HwFault('bad-config', 'storeBufferSize must be ≥ 1');
    this.drainP = config.drainProbability ?? 0.25;
    const n = this.memory.cores * this.cap;
    this.sbAddr = new Int32Array(n);
    this.sbVal = new Float64Array(n);
    this.sbFlag = new Uint8Array(n);
    this.sbCount = new Int32Array(this.memory.cores);
  }

  /** Number of cores. */
  get cores(): number {
    return this.memory.cores;
  }

  /** A copy of the whole state: memory system, store buffers, the drain scheduler's position, counters. */
  checkpoint(): HwBackendCheckpoint {
    return { memory: this.memory.checkpoint(), own: copyFields(this, BACKEND_SKIP), rng: this.rng.state };
  }

  /** Puts the backend back in the state `cp` was taken in (on a backend of the same configuration). */
  restore(cp: HwBackendCheckpoint): void {
    this.memory.restore(cp.memory);
    restoreFields(this, cp.own, []);
    this.rng.state = cp.rng;
  }

  // ---- store buffer internals --------------------------------------------------------------

  /** Writes entry `i` of core's buffer to memory and removes it. */
  private drainAt(core: number, i: number): void {
    const base = core * this.cap;
    this.memory.write(core, this.sbAddr[base + i], this.sbVal[base + i]);
    this.nDrains++;
    const n = this.sbCount[core];
    for (let k = base + i; k < base + n - 1; k++) {
      this.sbAddr[k] = this.sbAddr[k + 1];
      this.sbVal[k] = this.sbVal[k + 1];
      this.sbFlag[k] = this.sbFlag[k + 1];
    }
    this.sbCount[core] = n - 1;
  }

  /** Whether entry `i` may drain now under the model. */
  private eligible(core: number, i: number): boolean {
    if (i === 0) return true;
    if (this.model !== 'relaxed') return false;
    const base = core * this.cap;
    if (this.sbFlag[base + i] & REL) return false;
    const a = this.sbAddr[base + i];
    for (let j = 0; j < i; j++) if (this.sbAddr[base + j] === a) return false;
    return true;
  }

  /** Drains one eligible entry of `core` chosen by the PRNG; false if the buffer is empty. */
  private drainOne(core: number): boolean {
    const n = this.sbCount[core];
    if (n === 0) return false;
    if (this.model !== 'relaxed') {
      this.drainAt(core, 0);
      return true;
    }
    // Pick uniformly among eligible entries (entry 0 always is).
    let pick = 0;
    let seen = 0;
    for (let i = 0; i < n; i++) {
      if (this.eligible(core, i)) {
        seen++;
        if (this.rng.int(seen) === 0) pick = i;
      }
    }
    this.drainAt(core, pick);
    return true;
  }

  /** Drains entries of `core` (oldest first) until entry index `upto` (inclusive) is gone. */
  private drainPrefix(core: number, upto: number): void {
    for (let k = 0; k <= upto; k++) this.drainAt(core, 0);
  }

  private maybeDrain(core: number): void {
    if (this.sbCount[core] > 0 && this.rng.next() < this.drainP) this.drainOne(core);
  }

  private checkCore(core: number): void {
    if (!(core >= 0 && core < this.memory.cores && (core | 0) === core)) throw new HwFault('bad-core', `core ${core} out of range`, core);
  }

  // ---- the backend interface ------------------------------------------------------------------

  /**
   * Loads the word at `addr` on `core`: from the core's newest buffered store to `addr` if any,
   * else from the memory system. `acquire` (LDAR) first drains older release stores (relaxed).
   */
  load(core: number, addr: number, order: AccessOrder = 'plain'): number {
    this.checkCore(core);
    this.nIssued++;
    const n = this.sbCount[core];
    // An empty buffer: nothing to forward from, drain first or drain after (no draw of the PRNG).
    if (n === 0) return this.memory.read(core, addr);
    const base = core * this.cap;
    if (this.model === 'relaxed' && (order === 'acquire' || order === 'acq_rel')) {
      let lastRel = -1;
      for (let i = 0; i < n; i++) if (this.sbFlag[base + i] & REL) lastRel = i;
      if (lastRel >= 0) this.drainPrefix(core, lastRel);
    }
    for (let i = this.bugNoForwarding ? -1 : this.sbCount[core] - 1; i >= 0; i--) {
      if (this.sbAddr[base + i] === addr) {
        this.nForwards++;
        const v = this.sbVal[base + i];
        this.maybeDrain(core);
        return v;
      }
    }
    const v = this.memory.read(core, addr);
    this.maybeDrain(core);
    return v;
  }

  /**
   * Loads the `n` words from `addr` on `core` into `out[0 … n)`: the same as `n` calls of
   * {@link HwMemoryBackend.load} in address order (with an empty store buffer, one range read of
   * the memory system).
   */
  loadRange(core: number, addr: number, n: number, out: Int32Array): void {
    this.checkCore(core);
    // With nothing buffered to forward from, the memory system reads a valid range at once;
    // otherwise (a buffered store, or a word out of range: a fault part-way) word by word.
    if (this.sbCount[core] === 0 && this.memory.readRange(core, addr, n, out)) {
      this.nIssued += n;
      return;
    }
    for (let i = 0; i < n; i++) out[i] = this.load(core, addr + i);
  }

  /**
   * Stores `value` at `addr` on `core`. Faults at once if the line is immutable or in another
   * core's initialising window. Under TSO/relaxed the store is buffered; `release` (STLR) keeps
   * it behind every older store (relaxed).
   */
  store(core: number, addr: number, value: number, order: AccessOrder = 'plain'): void {
    this.checkCore(core);
    this.memory.assertWritable(core, addr);
    this.nIssued++;
    if (this.model === 'sc') {
      this.memory.write(core, addr, value);
      return;
    }
    if (this.sbCount[core] === this.cap) this.drainOne(core);
    const i = core * this.cap + this.sbCount[core];
    this.sbAddr[i] = addr;
    this.sbVal[i] = value;
    this.sbFlag[i] = order === 'release' || order === 'acq_rel' ? REL : 0;
    this.sbCount[core]++;
    this.maybeDrain(core);
  }

  /**
   * Atomic compare-and-swap: returns the old value, writes `desired` if it equals `expected`.
   * TSO: a locked instruction, drains the buffer. Relaxed: `acq_rel` (default, CASAL) drains
   * the buffer; other orders drain only up to the newest buffered store to the same address.
   */
  cas(core: number, addr: number, expected: number, desired: number, order: AccessOrder = 'acq_rel'): number {
    this.checkCore(core);
    this.memory.assertWritable(core, addr);
    this.nIssued++;
    const n = this.sbCount[core];
    if (n > 0) {
      if (this.model === 'tso' || order !== 'plain') this.drainPrefix(core, n - 1);
      else {
        const base = core * this.cap;
        let last = -1;
        for (let i = 0; i < n; i++) if (this.sbAddr[base + i] === addr) last = i;
        if (last >= 0) this.drainPrefix(core, last);
      }
    }
    return this.memory.cas(core, addr, expected, desired);
  }

  /** A full fence (MFENCE on TSO, DMB SY on relaxed, nothing on SC): drains the core's buffer. */
  fence(core: number): void {
    this.checkCore(core);
    this.nIssued++;
    const n = this.sbCount[core];
    if (n > 0 && !this.bugFenceNoop) this.drainPrefix(core, n - 1);
  }

  /** Opens an initialising window for `core` on a line-aligned range (see {@link MemorySystem.beginInit}). */
  beginInit(core: number, addr: number, len: number): void {
    this.memory.beginInit(core, addr, len);
  }

  /**
   * Publishes a line-aligned range immutable. Buffered stores into the range drain first (a
   * publish is a release for the initialising core), then writes to it fault.
   */
  markImmutable(addr: number, len: number): void {
    for (let c = 0; c < this.memory.cores; c++) {
      const base = c * this.cap;
      let last = -1;
      for (let i = 0; i < this.sbCount[c]; i++) {
        const a = this.sbAddr[base + i];
        if (a >= addr && a < addr + len) last = i;
      }
      if (last >= 0) this.drainPrefix(c, last);
    }
    this.memory.markImmutable(addr, len);
  }

  /** Returns immutable lines to the mutable pool (see {@link MemorySystem.reclaim}). */
  reclaim(addr: number, len: number): void {
    this.memory.reclaim(addr, len);
  }

  /** Drains one buffered store of a PRNG-chosen core; false if every buffer is empty. */
  step(): boolean {
    const cores = this.memory.cores;
    const start = this.rng.int(cores);
    for (let k = 0; k < cores; k++) {
      const c = (start + k) % cores;
      if (this.sbCount[c] > 0) return this.drainOne(c);
    }
    return false;
  }

  /**
   * Background draining between two kernel operations: for each core, as many PRNG draws as it
   * has buffered stores; each draw drains one eligible entry with the drain probability.
   * Deterministic for a given seed and call sequence.
   */
  tick(): void {
    for (let c = 0; c < this.memory.cores; c++) {
      for (let k = this.sbCount[c]; k > 0; k--) {
        if (this.sbCount[c] > 0 && this.rng.next() < this.drainP) this.drainOne(c);
      }
    }
  }

  /** Drains every store buffer. */
  drainAll(): void {
    for (let c = 0; c < this.memory.cores; c++) {
      const n = this.sbCount[c];
      if (n > 0) this.drainPrefix(c, n - 1);
    }
  }

  /** Number of stores buffered by `core`. */
  buffered(core: number): number {
    this.checkCore(core);
    return this.sbCount[core];
  }

  /** Counters: memory system plus store buffers. */
  stats(): HwBackendStats {
    return { ...this.memory.stats(), forwards: this.nForwards, drains: this.nDrains, issued: this.nIssued };
  }
}
