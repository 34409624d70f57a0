/**
 * The optimized kernel's program maps: persistent maps whose newest version updates a hash table
 * in place (Baker's "shallow binding" / rerooting persistent arrays, after Conchon & Filliâtre,
 * "A persistent union-find data structure", 2007). See docs/adr/0021-versioned-maps.md.
 *
 * Versions made from one another by `assoc`/`dissoc` share one mutable {@link Table}. Exactly one
 * version of a family *holds* the table; every other version is a *diff*: "the version `next`,
 * except that key `key` has entry `entry` (or is absent)". So:
 * - `assoc`/`dissoc` on the holder is O(1): update the table, hand it to the new version, and
 *   turn the old holder into a diff towards it. A loop that threads a map (`reduce` with
 *   `assoc`) therefore never copies.
 * - Reading an older version walks its diff chain. A chain of at most {@link REROOT_MAX} steps is
 *   *rerooted* (the diffs are applied to the table and reversed, O(steps)); a longer one is
 *   *detached*: the version gets its own copy of the table, O(size + steps). A detached version
 *   holds its table from then on, so alternating between two versions is never repeated work.
 * - A table takes at most 8 × size + 64 diffs; after that an update copies the table for the new
 *   version (amortized O(1)), so an old version never keeps more than O(size) diffs alive.
 *
 * Every cost above is within what the kernel already charges an `assoc` (fuel ⌊n/16⌋ for a map of
 * n entries, as for a copy), so no sequence of map operations runs longer than its fuel allows.
 * A version's contents never change: `entries` (sorted, as {@link EMap} keeps them) is computed
 * once per version, on first use.
 * @module
 */
import { compare, EMap, equals, hash, Keyword, Sym, type Value } from '../../spec/Values.js';

type Entry = readonly [Value, Value];

/** What a versioned map hands its base class (which it never reads: every member is overridden). */
const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/** Longest diff chain a read reroots; a longer one detaches the version (copies the table). */
export const REROOT_MAX = 8;

/** A key JavaScript's `Map` compares exactly as {@link equals} does (interned keywords and symbols by identity). */
type PrimKey = string | bigint | boolean | null | Keyword | Sym;

/** No key (the empty lookup cache). */
const NONE: unique symbol = Symbol('none');

function primKey(k: Value): PrimKey | undefined {
  if (k === null || typeof k === 'string' || typeof k === 'bigint' || typeof k === 'boolean') return k;
  if (k instanceof Keyword || k instanceof Sym) return k;
  return undefined;
}

/**
 * The mutable hash table a family of versions shares: primitive keys in a `Map` to their values
 * (an equal primitive is the same key, so no entry pair is kept), other keys bucketed by
 * structural hash as entries (the key object an `assoc` used is kept, as {@link EMap} keeps it).
 * Every update leaves what it replaced in {@link oldKey}/{@link oldValue} (undefined: absent).
 */
class Table {
  readonly prim: Map<PrimKey, Value>;
  readonly hashed: Map<number, Entry[]>;
  size: number;
  /** Diffs made against this table by updates (bounded: see {@link VersionedMap.assoc}). */
  diffs = 0;
  /** What the last update replaced: its key object and value (undefined: the key was absent). */
  oldKey: Value = null;
  oldValue: Value | undefined = undefined;
  // The last primitive key looked up or written and its value (undefined: absent), so that the
  // common `(assoc m k (f (get m k)))` looks the key up once.
  private lastKey: PrimKey | typeof NONE = NONE;
  private lastValue: Value | undefined = undefined;

  constructor(prim = new Map<PrimKey, Value>(), hashed = new Map<number, Entry[]>(), size = 0) {
    this.prim = prim;
    this.hashed = hashed;
    this.size = size;
  }

  /** The value at `k`, or undefined. */
  get(k: Value): Value | undefined {
    const p = primKey(k);
    if (p !== undefined) {
      if (p === this.lastKey) return this.lastValue;
      const v = this.prim.get(p);
      this.lastKey = p;
      this.lastValue = v;
      return v;
    }
    const bucket = this.hashed.get(hash(k));
    if (bucket !== undefined) for (const e of bucket) if (equals(e[0], k)) return e[1];
    return undefined;
  }

  /** Binds `k` (this key object) to `v`. */
  set(k: Value, v: Value): void {
    const p = primKey(k);
    if (p !== undefined) {
      const old = p === this.lastKey ? this.lastValue : this.prim.get(p);
      this.prim.set(p, v);
      this.lastKey = p;
      this.lastValue = v;
      if (old === undefined) this.size++;
      this.oldKey = k;
      this.oldValue = old;
      return;
    }
    const e: Entry = [k, v];
    const h = hash(k);
    const bucket = this.hashed.get(h);
    this.oldKey = k;
    this.oldValue = undefined;
    if (bucket === undefined) {
      this.hashed.set(h, [e]);
      this.size++;
      return;
    }
    for (let i = 0; i < bucket.length; i++) {
      const old = bucket[i]!;
      if (equals(old[0], k)) {
        bucket[i] = e;
        this.oldKey = old[0];
        this.oldValue = old[1];
        return;
      }
    }
    bucket.push(e);
    this.size++;
  }

  /** Removes key `k`. */
  delete(k: Value): void {
    this.oldKey = k;
    this.oldValue = undefined;
    const p = primKey(k);
    if (p !== undefined) {
      const old = p === this.lastKey ? this.lastValue : this.prim.get(p);
      if (old !== undefined) {
        this.prim.delete(p);
        this.size--;
      }
      this.lastKey = p;
      this.lastValue = undefined;
      this.oldValue = old;
      return;
    }
    const h = hash(k);
    const bucket = this.hashed.get(h);
    if (bucket === undefined) return;
    for (let i = 0; i < bucket.length; i++) {
      const old = bucket[i]!;
      if (equals(old[0], k)) {
        if (bucket.length === 1) this.hashed.delete(h);
        else bucket.splice(i, 1);
        this.size--;
        this.oldKey = old[0];
        this.oldValue = old[1];
        return;
      }
    }
  }

  /** Puts back what a diff records: key object `k` bound to `v`, or (undefined) no entry for `k`. */
  restore(k: Value, v: Value | undefined): void {
    if (v === undefined) this.delete(k);
    else this.set(k, v);
  }

  copy(): Table {
    const hashed = new Map<number, Entry[]>();
    for (const [h, b] of this.hashed) hashed.set(h, b.slice());
    return new Table(new Map(this.prim), hashed, this.size);
  }

  /** Every entry, in no particular order. */
  all(): Entry[] {
    const out: Entry[] = [];
    for (const [k, v] of this.prim) out.push([k, v]);
    for (const b of this.hashed.values()) for (const e of b) out.push(e);
    return out;
  }
}

/**
 * A persistent map (an {@link EMap}: same contents, order, equality and printing) whose updates
 * are O(1) when made to the newest version. Made by the optimized kernel's `assoc`/`dissoc`
 * ({@link VersionedMap.of} converts any map once).
 */
export class VersionedMap extends EMap {
  /** The table, when this version holds it. */
  private table: Table | null;
  /** Else: this version is {@link next} with key object {@link key} bound to {@link value} (undefined: absent). */
  private next: VersionedMap | null = null;
  private key: Value = null;
  private value: Value | undefined = undefined;
  private readonly n: number;
  private sortedCache: readonly Entry[] | null;
  /** The `vmap-stale-version` seeded bug: a detached old version skips its own diff. */
  private readonly stale: boolean;

  private constructor(table: Table, sorted: readonly Entry[] | null, stale: boolean) {
    super(NO_ENTRIES);
    this.table = table;
    this.stale = stale;
    this.n = table.size;
    this.sortedCache = sorted;
  }

  /**
   * `m` as a versioned map (itself when it is one; else a copy of its entries, O(n)). `stale`
   * switches on the `vmap-stale-version` seeded bug for the new family.
   */
  static of(m: EMap, stale = false): VersionedMap {
    if (m instanceof VersionedMap) return m;
    const t = new Table();
    const sorted = m.entries;
    for (const [k, v] of sorted) t.set(k, v);
    return new VersionedMap(t, sorted, stale);
  }

  /** The entries, sorted by key (computed once per version). */
  override get entries(): readonly Entry[] {
    if (this.sortedCache === null) this.sortedCache = this.hold().all().sort((a, b) => compare(a[0], b[0]));
    return this.sortedCache;
  }

  /** Number of entries. */
  override get size(): number {
    return this.n;
  }

  /** The value at `k`, or `undefined` when absent. */
  override get(k: Value): Value | undefined {
    return this.hold().get(k);
  }

  /** Whether `k` is a key. */
  override has(k: Value): boolean {
    return this.hold().get(k) !== undefined;
  }

  /** A new version with `k` bound to `v` (the key `k` itself is kept, as {@link EMap.assoc} keeps it). */
  override assoc(k: Value, v: Value): VersionedMap {
    return this.update(k, v);
  }

  /** A new version without `k` (this one when `k` is absent, as {@link EMap.dissoc} answers). */
  override dissoc(k: Value): VersionedMap {
    const t = this.hold();
    if (t.get(k) === undefined) return this;
    return this.update(k, undefined);
  }

  /** Whether this version holds its family's table (for tests). */
  get holdsTable(): boolean {
    return this.table !== null;
  }

  /** A new version with `k` bound to `v` (undefined: without `k`). */
  private update(k: Value, v: Value | undefined): VersionedMap {
    let t = this.hold();
    if (t.diffs >= 8 * t.size + 64) {
      // This table has given out enough diffs: the new version starts a family of its own.
      t = t.copy();
      t.restore(k, v);
      return new VersionedMap(t, null, this.stale);
    }
    t.restore(k, v);
    t.diffs++;
    const made = new VersionedMap(t, null, this.stale);
    this.becomeDiff(made, t.oldKey, t.oldValue);
    return made;
  }

  private becomeDiff(next: VersionedMap, k: Value, v: Value | undefined): void {
    this.table = null;
    this.next = next;
    this.key = k;
    this.value = v;
  }

  /** Makes this version readable: answers the table it holds, rerooting or detaching first. */
  private hold(): Table {
    if (this.table !== null) return this.table;
    // The chain to the version holding the table.
    const path: VersionedMap[] = [this];
    let v = this.next!;
    while (v.table === null) {
      path.push(v);
      v = v.next!;
    }
    const t = v.table;
    if (path.length <= REROOT_MAX) {
      // Reroot: from the step nearest the holder back to this one, apply each diff and reverse it.
      let holder = v;
      for (let i = path.length - 1; i >= 0; i--) {
        const d = path[i]!;
        t.restore(d.key, d.value);
        holder.becomeDiff(d, t.oldKey, t.oldValue);
        d.table = t;
        d.next = null;
        d.key = null;
        d.value = undefined;
        holder = d;
      }
      return t;
    }
    // Detach: a copy of the holder's table, with the chain's diffs applied.
    const own = t.copy();
    // seeded bug `vmap-stale-version`: the version's own diff (the last one) is not applied
    for (let i = path.length - 1; i >= (this.stale ? 1 : 0); i--) own.restore(path[i]!.key, path[i]!.value);
    this.table = own;
    this.next = null;
    this.key = null;
    this.value = undefined;
    return own;
  }
}
