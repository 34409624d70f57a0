/**
 * The durable-store contract: what a kernel is handed (as it is handed a {@link MemoryBackend})
 * to make atoms survive the process. A store holds immutable values, content-addressed, and an
 * append-only log of atom transitions; it answers Datomic-like queries over that log (the value
 * of an atom now, as of a past basis `t`, the transitions since `t`, an atom's whole history).
 *
 * The state machine behind it is `spec/tla/Durable.tla` (mirrored by `spec/Durable.ts`):
 * - {@link DurableStore.append} is the TLA+ action `Stage`: the transition gets the next log
 *   position `t`, but it is not durable yet and no query sees it;
 * - {@link DurableStore.flush} is `Flush` followed by `Acknowledge`: every staged transition is
 *   written in one durable commit (group commit), and only then is it acknowledged and visible;
 * - {@link DurableStore.commit} is `Stage` whose acknowledgement arrives with the next group commit;
 * - closing without flushing, or a process killed at any point, is `Crash`; reopening is
 *   `Recover`, which yields a prefix of the log holding every acknowledged transition.
 *
 * Implementations: `store/MemoryStore.ts` (the reference: plain maps and arrays) and
 * `store/LmdbStore.ts` (durable, on LMDB). Design: docs/adr/0036-durable-store.md.
 * @module
 */
import { EMap, ESet, List, Tagged, Vector, expandedSize, type Value } from './Values.js';

/** The content address of a stored value: 64 lower-case hex digits of a SHA-256. */
export type ValueHash = string;

/** A transition a writer asks the store to record. */
export interface TransitionInput {
  /** The durable atom's name (1 to {@link MAX_ATOM_NAME_BYTES} bytes of UTF-8). */
  readonly atom: string;
  /** The atom's stamp after this write: 0 for the atom's first transition (its creation), then +1 per write. */
  readonly stamp: number;
  /** The atom's new value (functions have no durable form). */
  readonly value: Value;
  /** The process that wrote it (a pid, a non-negative integer). */
  readonly writer: number;
}

/** One entry of the log: an atom pointed at a value. Immutable once acknowledged. */
export interface Transition {
  /** Log position (the basis a query names): 1, 2, 3, …, never reused, kept by compaction. */
  readonly t: number;
  /** The commit that made it durable: transitions of one group commit share it. */
  readonly tx: number;
  /** The atom's name. */
  readonly atom: string;
  /** The atom's stamp after this transition. */
  readonly stamp: number;
  /** The content address of the atom's new value. */
  readonly hash: ValueHash;
  /** Transaction wall-clock time, milliseconds since the epoch (from the store's clock). */
  readonly time: number;
  /** The process that wrote it. */
  readonly writer: number;
}

/**
 * Which history a compaction keeps. A transition is retained when it is its atom's current
 * transition, or its `t` is at least `keepSince`, or it is among its atom's last `keepLast`
 * transitions. Omitted fields retain nothing by themselves (so `{}` keeps current values only).
 */
export interface RetentionPolicy {
  /** Keep every transition with `t >= keepSince`. */
  readonly keepSince?: number;
  /** Keep each atom's last `keepLast` transitions (at least 1: the current one is always kept). */
  readonly keepLast?: number;
}

/** What a compaction did. */
export interface CompactionReport {
  /** Transitions in the log before and after. */
  readonly transitionsBefore: number;
  /** Transitions in the log after compaction. */
  readonly transitionsAfter: number;
  /** Stored nodes (value pieces) before. */
  readonly nodesBefore: number;
  /** Stored nodes after: only those a retained transition reaches. */
  readonly nodesAfter: number;
}

/** Counters of a store, for benches and reports. */
export interface StoreStats {
  /** Acknowledged transitions in the log. */
  readonly transitions: number;
  /** Distinct stored nodes. */
  readonly nodes: number;
  /** Total bytes of the stored nodes (encoded). */
  readonly nodeBytes: number;
  /** Durable commits made so far by this handle. */
  readonly commits: number;
}

/**
 * A durable store of atom histories. Reads are synchronous and see acknowledged transitions only;
 * every method throws {@link StoreClosed} after {@link DurableStore.close}.
 */
export interface DurableStore {
  /** `memory` or `lmdb`. */
  readonly kind: string;
  /** The basis: `t` of the last acknowledged transition (0 for an empty log). */
  basis(): number;
  /**
   * Stages a transition: it gets the next `t`, is not durable, and no query sees it until a
   * flush acknowledges it. Its value's nodes are staged with it.
   * @throws StoreConflict when `stamp` is not the atom's next stamp (staged transitions count).
   * @throws StoreBadInput for a bad atom name, stamp or writer, or a value with no durable form.
   * @see Durable.tla Stage
   */
  append(input: TransitionInput): Transition;
  /**
   * Makes every staged transition durable in one commit (with a sync to the disk), then
   * acknowledges them: returns them in log order, now visible to queries.
   * @see Durable.tla Flush
   * @see Durable.tla Acknowledge
   */
  flush(): readonly Transition[];
  /**
   * Appends and resolves once the transition is durable. Writes arriving while a commit is in
   * flight share the next commit (group commit), unless the store was opened without it.
   * @see Durable.tla Stage
   * @see Durable.tla Acknowledge
   */
  commit(input: TransitionInput): Promise<Transition>;
  /** Staged transitions not yet acknowledged. */
  pending(): number;
  /**
   * The value stored under `hash`.
   * @throws StoreMissingValue when no acknowledged (or staged) value has that hash.
   * @throws StoreCorrupt when a stored piece of it is missing or does not match its hash.
   */
  value(hash: ValueHash): Value;
  /** The content address `value` would be stored under (nothing is written). */
  hashOf(value: Value): ValueHash;
  /** The names of the atoms with an acknowledged transition, sorted. */
  atoms(): readonly string[];
  /** The atom's latest acknowledged transition, or undefined for an unknown atom. */
  current(atom: string): Transition | undefined;
  /**
   * The atom's transition in effect at basis `t` (the latest with position ≤ t), or undefined
   * when the atom had none by then. Never changes once `t` ≤ {@link DurableStore.basis}.
   * @throws HistoryCompacted when compaction removed the answer.
   * @see Durable.tla AsOf
   */
  asOf(atom: string, t: number): Transition | undefined;
  /**
   * The database as of `t`: every atom's transition in effect at `t`, by atom name.
   * @throws HistoryCompacted when compaction removed part of the answer.
   */
  snapshot(t: number): ReadonlyMap<string, Transition>;
  /** The retained acknowledged transitions with position > `t`, in log order (optionally of one atom). */
  since(t: number, atom?: string): readonly Transition[];
  /** The retained transitions of one atom, oldest first. */
  history(atom: string): readonly Transition[];
  /**
   * Reclaims every transition the policy does not retain and every node no retained transition
   * reaches; afterwards an as-of query into removed history throws {@link HistoryCompacted}, and
   * every other query answers as before. Readers that hold an older handle keep seeing the old contents.
   * @throws StoreBadInput when transitions are staged (flush first) or the policy is malformed.
   */
  compact(policy: RetentionPolicy): Promise<CompactionReport>;
  /** Counters. */
  stats(): StoreStats;
  /** Closes the store; staged transitions are dropped (as a crash would). */
  close(): Promise<void>;
}

/** The largest atom name, in UTF-8 bytes. */
export const MAX_ATOM_NAME_BYTES = 255;

/** Why a store operation failed. */
export type StoreErrorCode = 'corrupt' | 'closed' | 'conflict' | 'bad-input' | 'missing-value' | 'history-compacted';

/** A typed store failure; `code` says which. */
export class StoreError extends Error {
  /** Creates the error. */
  constructor(
    /** The failure's code. */
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The database is damaged (bad header, truncated file, missing node, hash mismatch, bad record): nothing is answered from it. */
export class StoreCorrupt extends StoreError {
  /** Creates the error; `where` names the file or the record. */
  constructor(
    /** The file, node or record found damaged. */
    readonly where: string,
    detail: string,
  ) {
    super('corrupt', `store corrupt (${where}): ${detail}`);
    this.name = 'StoreCorrupt';
  }
}

/** The store was closed. */
export class StoreClosed extends StoreError {
  /** Creates the error. */
  constructor() {
    super('closed', 'store is closed');
    this.name = 'StoreClosed';
  }
}

/** An append whose stamp is not the atom's next stamp: somebody else wrote the atom since. */
export class StoreConflict extends StoreError {
  /** Creates the error. */
  constructor(
    /** The atom. */
    readonly atom: string,
    /** The stamp the store expected. */
    readonly expected: number,
    /** The stamp the writer gave. */
    readonly given: number,
  ) {
    super('conflict', `atom ${JSON.stringify(atom)}: stamp ${given} given, ${expected} expected`);
    this.name = 'StoreConflict';
  }
}

/** A malformed request (atom name, stamp, writer, policy, or a value with no durable form). */
export class StoreBadInput extends StoreError {
  /** Creates the error. */
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'StoreBadInput';
  }
}

/** No value is stored under this hash. */
export class StoreMissingValue extends StoreError {
  /** Creates the error. */
  constructor(
    /** The hash asked for. */
    readonly hash: ValueHash,
  ) {
    super('missing-value', `no value stored under ${hash}`);
    this.name = 'StoreMissingValue';
  }
}

/** An as-of query reaches back before what compaction retained for the atom. */
export class HistoryCompacted extends StoreError {
  /** Creates the error. */
  constructor(
    /** The atom. */
    readonly atom: string,
    /** The basis asked for. */
    readonly t: number,
    /** The oldest retained position of the atom. */
    readonly horizon: number,
  ) {
    super('history-compacted', `atom ${JSON.stringify(atom)}: history before t=${horizon} was compacted (asked for t=${t})`);
    this.name = 'HistoryCompacted';
  }
}

/**
 * Checks a transition input.
 * @throws StoreBadInput naming the bad field.
 */
/**
 * How deep a durable value may nest (a scalar nests 0 levels, a collection or tagged value one
 * more than its deepest member). Values in memory nest as deep as programs build them; a store
 * refuses a deeper one with {@link StoreBadInput} (a bound like a document database's nesting
 * limit). The stores walk a value on the host's stack, about twice this deep at most on a main
 * thread for the hungriest shapes (vectors and maps of two members per level), and a blob of the
 * binary format is read back only up to 2,000 levels: without the bound, a deep tagged value was
 * written and then could not be read back.
 */
export const MAX_DURABLE_DEPTH = 500;

/**
 * The most values (counted as a tree: a part held n times counts n times, see `expandedSize` of
 * spec/Values.ts) in any part of a durable value the store writes as one blob: a tagged value,
 * a map key, a set member, a scalar. A value that holds one part many times is small in memory
 * (`[v v]` nested 60 deep is 61 collections) but written out whole it would be 2^61 values; such a
 * part is refused, not written. Collections elsewhere in the value are stored as nodes that
 * share their parts, whatever their size.
 */
export const MAX_DURABLE_BLOB = 2 ** 20;

/**
 * Refuses `v`, a part of a durable value written as one blob, when it is more than
 * {@link MAX_DURABLE_BLOB} values counted as a tree.
 * @throws StoreBadInput naming the bound.
 */
export function checkDurableBlob(v: Value): void {
  if (expandedSize(v, MAX_DURABLE_BLOB) > MAX_DURABLE_BLOB) {
    throw new StoreBadInput(`a tagged value, map key or set member of more than ${MAX_DURABLE_BLOB} values counted as a tree (parts held more than once counted each time) has no durable form`);
  }
}

/** The values directly inside `v` (map entries as key, value, …), or null for a scalar. */
function membersOf(v: Value): readonly Value[] | null {
  if (v instanceof Vector || v instanceof List || v instanceof ESet) return v.items;
  if (v instanceof EMap) return v.entries.flat();
  if (v instanceof Tagged) return [v.value];
  return null;
}

/**
 * The nesting depth of `v` (see {@link MAX_DURABLE_DEPTH}), counted without recursion, each
 * collection once however often it recurs in `v`; stops counting past `stopAbove` (the answer
 * is then some depth above it).
 */
export function nestingDepth(v: Value, stopAbove = Number.MAX_SAFE_INTEGER): number {
  const depthOf = new Map<object, number>();
  const stack: { v: object; members: readonly Value[]; i: number; deepest: number }[] = [];
  const enter = (x: Value): number | null => {
    if (x === null || typeof x !== 'object') return 0;
    const known = depthOf.get(x);
    if (known !== undefined) return known;
    const members = membersOf(x);
    if (members === null) return 0;
    if (stack.length >= stopAbove) return stack.length + 1; // past the bound: no need to go on
    stack.push({ v: x, members, i: 0, deepest: 0 });
    return null;
  };
  let result = enter(v);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i < top.members.length) {
      const d = enter(top.members[top.i++]!);
      if (d !== null && d > top.deepest) top.deepest = d;
      if (d !== null && d > stopAbove) return d + stack.length;
    } else {
      stack.pop();
      const d = top.deepest + 1;
      depthOf.set(top.v, d);
      if (stack.length > 0) {
        const parent = stack[stack.length - 1]!;
        if (d > parent.deepest) parent.deepest = d;
      } else result = d;
    }
  }
  return result ?? 0;
}

/**
 * Refuses a value nested deeper than {@link MAX_DURABLE_DEPTH}.
 * @throws StoreBadInput naming the bound.
 */
export function checkDurableDepth(v: Value): void {
  const d = nestingDepth(v, MAX_DURABLE_DEPTH);
  if (d > MAX_DURABLE_DEPTH) throw new StoreBadInput(`value nests more than ${MAX_DURABLE_DEPTH} levels deep (a durable value nests at most ${MAX_DURABLE_DEPTH})`);
}

export function checkTransitionInput(input: TransitionInput): void {
  if (typeof input !== 'object' || input === null) throw new StoreBadInput('a transition must be an object { atom, stamp, value, writer }');
  const { atom, stamp, writer } = input;
  if (typeof atom !== 'string' || atom.length === 0) throw new StoreBadInput('atom name must be a non-empty string');
  if (new TextEncoder().encode(atom).length > MAX_ATOM_NAME_BYTES) throw new StoreBadInput(`atom name longer than ${MAX_ATOM_NAME_BYTES} bytes of UTF-8`);
  if (!Number.isSafeInteger(stamp) || stamp < 0) throw new StoreBadInput(`stamp must be a non-negative integer, got ${String(stamp)}`);
  if (!Number.isSafeInteger(writer) || writer < 0) throw new StoreBadInput(`writer must be a non-negative integer pid, got ${String(writer)}`);
}

/**
 * Checks a retention policy.
 * @throws StoreBadInput for a negative or non-integer field.
 */
export function checkRetentionPolicy(policy: RetentionPolicy): void {
  if (typeof policy !== 'object' || policy === null) throw new StoreBadInput('a retention policy must be an object { keepSince?, keepLast? }');
  for (const k of Object.keys(policy)) if (k !== 'keepSince' && k !== 'keepLast') throw new StoreBadInput(`unknown retention field ${JSON.stringify(k)} (known: keepSince, keepLast)`);
  if (policy.keepSince !== undefined && (!Number.isSafeInteger(policy.keepSince) || policy.keepSince < 0)) throw new StoreBadInput('keepSince must be a non-negative integer');
  if (policy.keepLast !== undefined && (!Number.isSafeInteger(policy.keepLast) || policy.keepLast < 1)) throw new StoreBadInput('keepLast must be a positive integer');
}

/**
 * The positions of one atom's history a policy retains: its current transition, those at or
 * after `keepSince`, and its last `keepLast`. `history` is oldest first.
 */
export function retainedOf(policy: RetentionPolicy, history: readonly Transition[]): Transition[] {
  const n = history.length;
  const keepLast = Math.max(1, policy.keepLast ?? 1);
  return history.filter((tr, i) => i >= n - keepLast || (policy.keepSince !== undefined && tr.t >= policy.keepSince));
}

/**
 * What a retained history answers for `asOf(atom, t)`: the transition in effect at `t`, or
 * undefined before the atom's first transition.
 * @param firstT position of the atom's first transition ever (kept by compaction).
 * @param retained the retained transitions, oldest first.
 * @throws HistoryCompacted when `t` falls where transitions were removed.
 */
export function asOfRetained(atom: string, t: number, firstT: number, retained: readonly Transition[]): Transition | undefined {
  if (t < firstT || retained.length === 0) return undefined;
  // binary search: the last retained transition with position <= t
  let lo = 0;
  let hi = retained.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (retained[mid]!.t <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  // retainedOf keeps a suffix of the history, so what was removed lies before retained[0]: a t
  // between the first transition ever and the first retained one asks for a removed answer.
  if (found < 0) throw new HistoryCompacted(atom, t, retained[0]!.t);
  return retained[found];
}
