/**
 * A linearizability checker for concurrent histories: Wing & Gong's search with Lowe's
 * memoisation, as in Porcupine. A history is split into partitions by key (P-compositionality);
 * each partition is searched for a total order of its operations that respects real time and that
 * the sequential model accepts. Partitions are searched independently, interleaved under one
 * budget of steps, time and memory, smallest first, so a definite violation in one partition is
 * reported even when another cannot be decided.
 *
 * Operations whose outcome is unknown (output {@link UNKNOWN}) may take effect once between their
 * call and their return, or never; a timed-out request has return time `Infinity`.
 * @module
 */

/** The output of an operation whose outcome is unknown (it may or may not have taken effect). */
export const UNKNOWN: unique symbol = Symbol('unknown outcome');
/** The type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/**
 * A sequential specification of one object (one partition of a history).
 *
 * `step` is given {@link UNKNOWN} as the output of an operation whose outcome is unknown: it
 * answers the state the operation leads to if it takes effect. States are compared with `equal`
 * and `hash` when given; otherwise primitive states (strings, numbers, booleans, bigints) compare
 * by value, and object states by `key` when given, else by identity.
 */
export interface Model<S, I, O> {
  /** The initial state. */
  init(): S;
  /** The state after `input` answered with `output`, or `undefined` if the model forbids that answer. */
  step(state: S, input: I, output: O | Unknown): S | undefined;
  /** A hash of a state (equal states, equal hashes). */
  hash?(state: S): number;
  /** Whether two states are equal. */
  equal?(a: S, b: S): boolean;
  /** A canonical text of a state (equal states, equal texts); used when `hash`/`equal` are absent. */
  key?(state: S): string;
  /** A short text of an operation, for reports and pictures. */
  describeOperation?(input: I, output: O | Unknown): string;
  /** A short text of a state, for reports and pictures. */
  describeState?(state: S): string;
}

/** One operation of a concurrent history. */
export interface Op<I, O> {
  /** The client (thread, process) that issued it. */
  readonly client: number | string;
  /** The partition it belongs to (an object, a key); operations without a key share one partition. */
  readonly key?: unknown;
  /** Invocation time (any totally ordered clock). */
  readonly call: number;
  /** Response time (`ret >= call`); `Infinity` for an operation that never returned. */
  readonly ret: number;
  /** The request. */
  readonly input: I;
  /** The response, or {@link UNKNOWN}. */
  readonly output: O | Unknown;
}

/** Why a partition (or a history) was not decided. */
export type UnknownReason = 'steps' | 'time' | 'memory';

/** What the checker found about one partition. */
export interface PartitionReport {
  /** The partition's key (as given on its operations; `undefined` for keyless ones). */
  readonly key: unknown;
  /** Indices (into the history) of the partition's operations. */
  readonly ops: readonly number[];
  /** Linearizable, not linearizable, or not decided (see `reason`). */
  readonly verdict: 'ok' | 'violation' | 'unknown';
  /** Why the partition was not decided (only for `unknown`). */
  readonly reason?: UnknownReason | 'not-searched';
  /**
   * For `ok`, a witness order (history indices; operations of unknown outcome that need not take
   * effect are left out); otherwise the longest partial linearization found.
   */
  readonly linearization: readonly number[];
  /**
   * For a violation: the history index of the operation whose return the longest partial
   * linearization could not get past (it had to take effect by then and could not).
   */
  readonly stuck?: number;
  /** Search steps spent on this partition. */
  readonly steps: number;
  /** Cache entries this partition holds (distinct (linearized set, state) pairs tried). */
  readonly cacheEntries: number;
}

/** The answer of {@link checkHistory}. */
export interface CheckResult {
  /**
   * `ok`: every partition is linearizable. `violation`: at least one partition is not (whatever
   * the others are). `unknown`: no violation was found and some partitions were not decided.
   */
  readonly verdict: 'ok' | 'violation' | 'unknown';
  /** Every partition, in the order of their keys' first appearance in the history. */
  readonly partitions: readonly PartitionReport[];
  /** For `unknown`: what ran out first. */
  readonly reason?: UnknownReason;
  /** Search steps, all partitions together. */
  readonly steps: number;
  /** Wall time of the check, in milliseconds. */
  readonly elapsedMs: number;
}

/** Limits and choices of {@link checkHistory}. */
export interface CheckOptions {
  /** Stop after this many milliseconds (default: no limit). */
  readonly timeoutMs?: number;
  /** Stop after this many search steps, all partitions together (default: no limit). */
  readonly maxSteps?: number;
  /** Stop once the memoisation caches would hold more than this many bytes (default 512 MiB). */
  readonly maxCacheBytes?: number;
  /** Keep searching the other partitions after a violation is found (default false). */
  readonly allPartitions?: boolean;
}

/** A history the checker cannot read (an operation that returns before it is called). */
export class HistoryError extends Error {
  /** The CLI maps this kind to exit code 2. */
  readonly kind = 'bad-input';
  /** Creates the error with a one-line message. */
  constructor(message: string) {
    super(message);
    this.name = 'HistoryError';
  }
}

import { printEdn } from '../../spec/codec/Edn.js';
import type { Value } from '../../spec/Values.js';

// ---- state hashing ----

/** A 32-bit hash of a string (FNV-1a). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

function hashPrimitive(x: unknown): number {
  switch (typeof x) {
    case 'string':
      return hashString(x);
    case 'number':
      return Number.isInteger(x) ? x | 0 : hashString(String(x));
    case 'bigint':
      return Number(BigInt.asIntN(32, x)) ^ 0x5bd1e995;
    case 'boolean':
      return x ? 1231 : 1237;
    case 'undefined':
      return 7;
    default:
      return x === null ? 3 : 0;
  }
}

interface StateOps<S> {
  hash(s: S): number;
  equal(a: S, b: S): boolean;
}

function stateOps<S, I, O>(model: Model<S, I, O>): StateOps<S> {
  if (model.hash !== undefined && model.equal !== undefined) return { hash: model.hash.bind(model), equal: model.equal.bind(model) };
  const key = model.key?.bind(model);
  if (key !== undefined && model.hash === undefined && model.equal === undefined) {
    // A model that only has a canonical text: compare by text (primitive states need no text).
    return {
      hash: (s) => (typeof s === 'object' && s !== null ? hashString(key(s)) : hashPrimitive(s)),
      equal: (a, b) => a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && key(a) === key(b)),
    };
  }
  return { hash: model.hash?.bind(model) ?? hashPrimitive, equal: model.equal?.bind(model) ?? ((a, b) => a === b) };
}

// ---- the memoisation cache: (linearized set, state) pairs ----

const CHUNK_WORDS = 1 << 20; // bitset pool chunks grow to 2^20 words (4 MiB)

/** Open-addressed hash set of (bitset, state) pairs, bitsets stored in a pool of growing chunks. */
class Cache<S> {
  private slots = new Int32Array(1 << 8);
  private mask = (1 << 8) - 1;
  private hashes: Int32Array = new Int32Array(1 << 7);
  private where: Int32Array = new Int32Array(1 << 7); // each entry's chunk
  private offsets: Int32Array = new Int32Array(1 << 7); // and its offset there, in words
  private states: S[] = [];
  private readonly chunks: Uint32Array[] = [];
  private chunkUsed = 0;
  private chunkBytes = 0;
  count = 0;
  constructor(
    private readonly words: number,
    private readonly ops: StateOps<S>,
  ) {}

  /** Bytes this cache holds (typed arrays; states estimated at 32 bytes each). */
  bytes(): number {
    return this.slots.byteLength + this.hashes.byteLength * 3 + this.chunkBytes + this.count * 40;
  }

  /** Adds (bits, state) unless present; answers whether it was added. */
  add(h: number, bits: Uint32Array, state: S): boolean {
    const { slots, mask, words } = this;
    let i = h & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) break;
      const e = s - 1;
      if (this.hashes[e] === h) {
        const chunk = this.chunks[this.where[e]!]!;
        let off = this.offsets[e]!;
        let same = true;
        for (let w = 0; w < words; w++, off++) {
          if (chunk[off] !== bits[w]) {
            same = false;
            break;
          }
        }
        if (same && this.ops.equal(this.states[e]!, state)) return false;
      }
      i = (i + 1) & mask;
    }
    const e = this.count++;
    if (e >= this.hashes.length) {
      const grow = (a: Int32Array): Int32Array => {
        const g = new Int32Array(a.length * 2);
        g.set(a);
        return g;
      };
      this.hashes = grow(this.hashes);
      this.where = grow(this.where);
      this.offsets = grow(this.offsets);
    }
    this.hashes[e] = h;
    this.states.push(state);
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || this.chunkUsed + words > chunk.length) {
      // Chunks double in size (from 256 bitsets) up to CHUNK_WORDS.
      const size = Math.max(words, Math.min(CHUNK_WORDS, chunk === undefined ? words * 256 : chunk.length * 2));
      chunk = new Uint32Array(size);
      this.chunks.push(chunk);
      this.chunkUsed = 0;
      this.chunkBytes += size * 4;
    }
    chunk.set(bits, this.chunkUsed);
    this.where[e] = this.chunks.length - 1;
    this.offsets[e] = this.chunkUsed;
    this.chunkUsed += words;
    slots[i] = e + 1;
    if (this.count * 2 > slots.length) this.rehash();
    return true;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      let i = this.hashes[e]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

// ---- the search over one partition ----

type Status = 'ok' | 'violation' | 'running';

/** A resumable depth-first search over one partition. */
class Search<S, I, O> {
  readonly n: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head: number;
  private readonly inputs: I[];
  private readonly outputs: (O | Unknown)[];
  private readonly required: Uint8Array;
  private readonly zobrist: Int32Array;
  private readonly bits: Uint32Array;
  private readonly stack: Int32Array;
  private readonly saved: S[];
  private readonly cache: Cache<S>;
  private readonly sops: StateOps<S>;
  private remaining = 0;
  private depth = 0;
  private state: S;
  private entry: number;
  private zhash = 0;
  steps = 0;
  status: Status = 'running';
  best: Int32Array = new Int32Array(0);
  bestStuck = -1;

  constructor(
    private readonly model: Model<S, I, O>,
    ops: readonly Op<I, O>[],
  ) {
    const n = (this.n = ops.length);
    this.head = 2 * n;
    this.next = new Int32Array(2 * n + 1).fill(-1);
    this.prev = new Int32Array(2 * n + 1).fill(-1);
    this.inputs = ops.map((o) => o.input);
    this.outputs = ops.map((o) => o.output);
    this.required = new Uint8Array(n);
    this.zobrist = new Int32Array(n);
    let seed = 0x9e3779b9 | 0;
    for (let i = 0; i < n; i++) {
      const o = ops[i]!;
      this.required[i] = o.output === UNKNOWN ? 0 : 1;
      this.remaining += this.required[i]!;
      // xorshift32: a fixed random word per operation (Zobrist hashing of the linearized set)
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      this.zobrist[i] = seed;
    }
    const time = (e: number): number => ((e & 1) === 0 ? ops[e >> 1]!.call : ops[e >> 1]!.ret);
    const order = Array.from({ length: 2 * n }, (_, e) => e);
    // Calls before returns at equal times (overlapping: the permissive reading).
    order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
    let p = this.head;
    for (const e of order) {
      this.next[p] = e;
      this.prev[e] = p;
      p = e;
    }
    const words = Math.max(1, Math.ceil(n / 32));
    this.bits = new Uint32Array(words);
    this.stack = new Int32Array(n);
    this.saved = new Array<S>(n);
    this.sops = stateOps(model);
    this.cache = new Cache<S>(words, this.sops);
    this.state = model.init();
    this.entry = this.next[this.head]!;
    if (this.remaining === 0) this.status = 'ok';
  }

  get cacheEntries(): number {
    return this.cache.count;
  }

  cacheBytes(): number {
    return this.cache.bytes() + this.n * 24;
  }

  /** The linearization found (ok) as partition-local indices. */
  order(): number[] {
    return Array.from(this.stack.subarray(0, this.depth));
  }

  private lift(e: number): void {
    const { next, prev } = this;
    const r = e + 1;
    next[prev[e]!] = next[e]!;
    if (next[e] !== -1) prev[next[e]!] = prev[e]!;
    next[prev[r]!] = next[r]!;
    if (next[r] !== -1) prev[next[r]!] = prev[r]!;
  }

  private unlift(e: number): void {
    const { next, prev } = this;
    const r = e + 1;
    next[prev[r]!] = r;
    if (next[r] !== -1) prev[next[r]!] = r;
    next[prev[e]!] = e;
    if (next[e] !== -1) prev[next[e]!] = e;
  }

  /** Runs up to `budget` steps; answers the status. */
  run(budget: number): Status {
    if (this.status !== 'running') return this.status;
    const { next, head, bits, zobrist, stack, saved, model, inputs, outputs, required, cache, sops } = this;
    let { depth, state, entry, zhash, remaining } = this;
    let steps = 0;
    let status: Status = 'running';
    while (steps < budget) {
      if (remaining === 0 || next[head] === -1) {
        status = 'ok';
        break;
      }
      steps++;
      if ((entry & 1) === 0) {
        const op = entry >> 1;
        const ns = model.step(state, inputs[op]!, outputs[op]!);
        if (ns !== undefined) {
          const w = op >>> 5;
          const bit = 1 << (op & 31);
          bits[w]! |= bit;
          const zh = zhash ^ zobrist[op]!;
          const h = (zh ^ Math.imul(sops.hash(ns), 0x85ebca6b)) | 0;
          if (cache.add(h, bits, ns)) {
            stack[depth] = op;
            saved[depth] = state;
            depth++;
            state = ns;
            zhash = zh;
            remaining -= required[op]!;
            this.lift(entry);
            entry = next[head]!;
            continue;
          }
          bits[w]! &= ~bit;
        }
        entry = next[entry]!;
      } else {
        // A return whose call is not linearized yet: this prefix is stuck; backtrack.
        if (depth > this.best.length || this.bestStuck < 0) {
          this.best = stack.slice(0, depth);
          this.bestStuck = entry >> 1;
        }
        if (depth === 0) {
          status = 'violation';
          break;
        }
        depth--;
        const op = stack[depth]!;
        state = saved[depth]!;
        saved[depth] = undefined as S;
        bits[op >>> 5]! &= ~(1 << (op & 31));
        zhash ^= zobrist[op]!;
        remaining += required[op]!;
        this.unlift(2 * op);
        entry = next[2 * op]!;
      }
    }
    this.depth = depth;
    this.state = state;
    this.entry = entry;
    this.zhash = zhash;
    this.remaining = remaining;
    this.steps += steps;
    this.status = status;
    return status;
  }
}

// ---- partitions and the scheduler ----

/** A Map key for a partition key: primitives as they are, other values by their text. */
function keyId(k: unknown): unknown {
  if (k === null || typeof k !== 'object') return k;
  if ('kind' in k) return `\u0000${printEdn(k as Value)}`;
  return `\u0001${JSON.stringify(k, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}

/**
 * Groups the operations of `history` by key (in order of first appearance); `keyText` turns a key
 * into a Map key (default: primitives as they are, other values by their text).
 */
export function partition<I, O>(history: readonly Op<I, O>[], keyText: (k: unknown) => unknown = keyId): { key: unknown; ops: number[] }[] {
  const byKey = new Map<unknown, { key: unknown; ops: number[] }>();
  history.forEach((op, i) => {
    const id = keyText(op.key);
    let p = byKey.get(id);
    if (p === undefined) byKey.set(id, (p = { key: op.key, ops: [] }));
    p.ops.push(i);
  });
  return [...byKey.values()];
}

/** Options of {@link checkHistory} that concern partitioning. */
export interface PartitionOptions {
  /** Turns a key into a Map key (default: primitives as they are, objects by their text). */
  readonly keyText?: (k: unknown) => unknown;
}

/**
 * Decides whether `history` is linearizable with respect to `model` (one model instance per
 * partition). Never throws on large histories: when a limit is reached first, the verdict is
 * `unknown` with the reason and the partitions left undecided, unless a violation was found.
 * Throws {@link HistoryError} if an operation returns before it is called.
 */
export function checkHistory<S, I, O>(model: Model<S, I, O>, history: readonly Op<I, O>[], options: CheckOptions & PartitionOptions = {}): CheckResult {
  const started = Date.now();
  history.forEach((op, i) => {
    if (!(op.ret >= op.call) || Number.isNaN(op.call)) throw new HistoryError(`operation ${i} returns (${op.ret}) before it is called (${op.call})`);
  });
  const parts = partition(history, options.keyText);
  const maxSteps = options.maxSteps ?? Infinity;
  const maxBytes = options.maxCacheBytes ?? 512 * 1024 * 1024;
  const deadline = options.timeoutMs === undefined ? Infinity : started + options.timeoutMs;
  const searches: Search<S, I, O>[] = [];
  const reasons = new Map<number, UnknownReason>();
  let reason: UnknownReason | undefined;
  let steps = 0;
  let violation = false;
  // Smallest partitions first; round-robin slices that grow, so small ones finish early.
  const order = parts.map((_, i) => i).sort((a, b) => parts[a]!.ops.length - parts[b]!.ops.length || a - b);
  let active: number[] = [];
  try {
    for (const i of order) {
      searches[i] = new Search(model, parts[i]!.ops.map((k) => history[k]!));
      active.push(i);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    reason = 'memory';
  }
  let slice = 1 << 12;
  while (reason === undefined && active.length > 0 && !(violation && options.allPartitions !== true)) {
    const still: number[] = [];
    for (const i of active) {
      const s = searches[i]!;
      if (violation && options.allPartitions !== true) {
        still.push(i);
        continue;
      }
      if (reason !== undefined) {
        still.push(i);
        continue;
      }
      const budget = Math.min(slice, maxSteps - steps);
      if (budget <= 0) {
        reason = 'steps';
        still.push(i);
        continue;
      }
      const before = s.steps;
      let st: Status;
      try {
        st = s.run(budget);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        reason = 'memory';
        still.push(i);
        continue;
      }
      steps += s.steps - before;
      if (st === 'violation') violation = true;
      if (st === 'running') still.push(i);
      if (Date.now() > deadline) reason = 'time';
      else {
        let bytes = 0;
        for (const x of searches) if (x !== undefined) bytes += x.cacheBytes();
        if (bytes > maxBytes) reason = 'memory';
      }
    }
    active = still;
    if (slice < 1 << 20) slice *= 2;
  }
  for (const i of active) if (reason !== undefined) reasons.set(i, reason);
  const partitions: PartitionReport[] = parts.map((p, i) => {
    const s = searches[i];
    if (s === undefined) return { key: p.key, ops: p.ops, verdict: 'unknown', reason: reason ?? 'memory', linearization: [], steps: 0, cacheEntries: 0 };
    const toHistory = (xs: ArrayLike<number>): number[] => Array.from(xs, (x) => p.ops[x]!);
    if (s.status === 'ok') return { key: p.key, ops: p.ops, verdict: 'ok', linearization: toHistory(s.order()), steps: s.steps, cacheEntries: s.cacheEntries };
    const common = { key: p.key, ops: p.ops, linearization: toHistory(s.best), steps: s.steps, cacheEntries: s.cacheEntries };
    if (s.status === 'violation') return { ...common, verdict: 'violation', stuck: p.ops[s.bestStuck]! };
    return { ...common, verdict: 'unknown', reason: reasons.get(i) ?? 'not-searched' };
  });
  const verdict = violation ? 'violation' : partitions.every((p) => p.verdict === 'ok') ? 'ok' : 'unknown';
  return { verdict, partitions, ...(verdict === 'unknown' ? { reason: reason ?? 'steps' } : {}), steps, elapsedMs: Date.now() - started };
}
