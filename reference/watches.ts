/**
 * An atom's watch table: a small hash table keyed by values (the kernel's own hashed
 * structure). Lookups go by {@link hash} then {@link equals}; iteration is in canonical key order
 * so that watches fire in the same order in every kernel.
 * @module
 */
import { List, compare, equals, hash, type Fn, type Value } from '../spec/Values.js';
import type { Pid } from '../spec/Kernel.js';

/** One watch. */
export interface Watch {
  /** The key it was added under. */
  readonly key: Value;
  /** The process that added it (records go to its output). */
  readonly watcher: Pid;
  /** A program's watch function `(fn [key ref old new] …)`, or null for a recording watch (the `addWatch` op). */
  readonly fn: Fn | null;
}

/** The hash the `hash-mismatch` mutant uses: lists and vectors no longer agree. */
export function brokenHash(v: Value): number {
  return v instanceof List ? hash(v) ^ 0x5bd1e995 : hash(v);
}

/** A watch table; immutable in use (every change returns a new table), so `fork` may share it. */
export class WatchTable {
  private constructor(
    private readonly buckets: ReadonlyMap<number, readonly Watch[]>,
    private readonly hashOf: (v: Value) => number,
  ) {}

  /** An empty table hashing keys with `hashOf`. */
  static empty(hashOf: (v: Value) => number = hash): WatchTable {
    return new WatchTable(new Map(), hashOf);
  }

  /** A table with `w` under `w.key` (replacing an equal key). */
  with(w: Watch): WatchTable {
    const h = this.hashOf(w.key);
    const bucket = (this.buckets.get(h) ?? []).filter((x) => !equals(x.key, w.key));
    const next = new Map(this.buckets);
    next.set(h, [...bucket, w]);
    return new WatchTable(next, this.hashOf);
  }

  /** A table without the key `key`. */
  without(key: Value): WatchTable {
    const h = this.hashOf(key);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) return this;
    const next = new Map(this.buckets);
    const rest = bucket.filter((x) => !equals(x.key, key));
    if (rest.length === 0) next.delete(h);
    else next.set(h, rest);
    return new WatchTable(next, this.hashOf);
  }

  /** Every watch, in canonical key order. */
  list(): Watch[] {
    return [...this.buckets.values()].flat().sort((a, b) => compare(a.key, b.key));
  }

  /** Every key (for the collector's roots). */
  keys(): Value[] {
    return this.list().map((w) => w.key);
  }
}
