/**
 * An atom's watch table: a persistent balanced search tree (AVL, path copying) of watches,
 * ordered by key in the canonical value order ({@link compare}), so that watches fire in the same
 * order in every kernel. Adding or removing a watch is O(log n) and leaves the old table as it
 * was, so `fork` and a running notification may keep using it; listing the watches in order is
 * O(n).
 *
 * Keys are told apart by {@link compare} and, among equal keys, by the table's key hash: with the
 * real {@link hash} (equal keys hash alike) that changes nothing, while the `hash-mismatch`
 * mutant's {@link brokenHash} makes a list key and the equal vector key two entries, the bug
 * that mutant seeds (an equal key no longer replaces or removes the watch).
 * @module
 */
import { List, compare, hash, type Fn, type Value } from '../spec/Values.js';
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

/** A tree node: a watch, its key's hash, its subtrees. Never changed once built. */
interface Node {
  readonly w: Watch;
  /** The table's hash of `w.key`. */
  readonly h: number;
  readonly left: Node | null;
  readonly right: Node | null;
  /** Height of the subtree (a leaf is 1). */
  readonly height: number;
  /** Watches in the subtree. */
  readonly size: number;
}

const heightOf = (n: Node | null): number => (n === null ? 0 : n.height);
const sizeOf = (n: Node | null): number => (n === null ? 0 : n.size);

function node(w: Watch, h: number, left: Node | null, right: Node | null): Node {
  return { w, h, left, right, height: Math.max(heightOf(left), heightOf(right)) + 1, size: sizeOf(left) + sizeOf(right) + 1 };
}

/** `node(w, h, left, right)` rebalanced (the subtrees' heights differ by at most 2). */
function balance(w: Watch, h: number, left: Node | null, right: Node | null): Node {
  const diff = heightOf(left) - heightOf(right);
  if (diff > 1) {
    const l = left!;
    if (heightOf(l.left) >= heightOf(l.right)) return node(l.w, l.h, l.left, node(w, h, l.right, right));
    const lr = l.right!;
    return node(lr.w, lr.h, node(l.w, l.h, l.left, lr.left), node(w, h, lr.right, right));
  }
  if (diff < -1) {
    const r = right!;
    if (heightOf(r.right) >= heightOf(r.left)) return node(r.w, r.h, node(w, h, left, r.left), r.right);
    const rl = r.left!;
    return node(rl.w, rl.h, node(w, h, left, rl.left), node(r.w, r.h, rl.right, r.right));
  }
  return node(w, h, left, right);
}

/** Where the key `key` (hash `h`) sorts against node `n`'s: key order, then hash. */
function order(key: Value, h: number, n: Node): number {
  const c = compare(key, n.w.key);
  if (c !== 0) return c;
  return h === n.h ? 0 : h < n.h ? -1 : 1;
}

function insert(n: Node | null, w: Watch, h: number): Node {
  if (n === null) return node(w, h, null, null);
  const c = order(w.key, h, n);
  if (c === 0) return node(w, h, n.left, n.right); // an equal key: the new watch replaces the old
  return c < 0 ? balance(n.w, n.h, insert(n.left, w, h), n.right) : balance(n.w, n.h, n.left, insert(n.right, w, h));
}

/** `n` without its leftmost watch, and that watch's node. */
function removeMin(n: Node): [Node, Node | null] {
  if (n.left === null) return [n, n.right];
  const [min, rest] = removeMin(n.left);
  return [min, balance(n.w, n.h, rest, n.right)];
}

function remove(n: Node | null, key: Value, h: number): Node | null {
  if (n === null) return null;
  const c = order(key, h, n);
  if (c < 0) {
    const left = remove(n.left, key, h);
    return left === n.left ? n : balance(n.w, n.h, left, n.right);
  }
  if (c > 0) {
    const right = remove(n.right, key, h);
    return right === n.right ? n : balance(n.w, n.h, n.left, right);
  }
  if (n.left === null) return n.right;
  if (n.right === null) return n.left;
  const [min, rest] = removeMin(n.right);
  return balance(min.w, min.h, n.left, rest);
}

/** A watch table; immutable (every change returns a new table sharing all but O(log n) nodes), so `fork` may share it. */
export class WatchTable {
  private constructor(
    private readonly root: Node | null,
    private readonly hashOf: (v: Value) => number,
  ) {}

  /** An empty table telling equal keys apart by `hashOf` (the real {@link hash} never does). */
  static empty(hashOf: (v: Value) => number = hash): WatchTable {
    return new WatchTable(null, hashOf);
  }

  /** Number of watches. */
  get size(): number {
    return sizeOf(this.root);
  }

  /** A table with `w` under `w.key` (replacing the watch under an equal key). O(log n). */
  with(w: Watch): WatchTable {
    return new WatchTable(insert(this.root, w, this.hashOf(w.key)), this.hashOf);
  }

  /** A table without the key `key` (this very table when it has no such key). O(log n). */
  without(key: Value): WatchTable {
    const root = remove(this.root, key, this.hashOf(key));
    return root === this.root ? this : new WatchTable(root, this.hashOf);
  }

  /** Every watch, in canonical key order. O(n). */
  list(): Watch[] {
    const out: Watch[] = [];
    const path: Node[] = [];
    for (let n = this.root; n !== null || path.length > 0; ) {
      if (n !== null) {
        path.push(n);
        n = n.left;
      } else {
        const top = path.pop()!;
        out.push(top.w);
        n = top.right;
      }
    }
    return out;
  }

  /** Every key (for the collector's roots). */
  keys(): Value[] {
    return this.list().map((w) => w.key);
  }
}
