/**
 * The watches of one atom in the optimized kernel: a persistent treap ordered by key in the
 * canonical value order (spec/Values.ts `compare`), so watches fire in the same order as in every
 * kernel. Adding or removing a watch copies only the O(log n) nodes on one path (expected), and an
 * older list stays valid: a notification iterating it is not disturbed by a watch function that
 * adds or removes watches. Iterating is O(n).
 *
 * Written independently of the reference kernel's watch table (reference/watches.ts, an AVL
 * tree): the differential tests compare the two by the order in which watches fire.
 * @module
 */
import { compare, type Fn, type Value } from '../../spec/Values.js';
import type { Pid } from '../../spec/Kernel.js';

/** A watch on an atom: a recording watch (`fn` null, the `addWatch` op) or a program's function. */
export interface Watch {
  /** The key it is installed under. */
  readonly key: Value;
  /** The process that installed it. */
  readonly watcher: Pid;
  /** The watch function, or null for a recording watch. */
  readonly fn: Fn | null;
}

/** A treap node; never changed once built. */
interface TNode {
  readonly w: Watch;
  /** Heap priority: a parent's is never below its children's. */
  readonly prio: number;
  readonly l: TNode | null;
  readonly r: TNode | null;
  /** Watches in this subtree. */
  readonly n: number;
}

// Priorities only shape the tree (never the order of watches): a fixed xorshift sequence keeps
// runs reproducible.
let seed = 0x9e3779b9;
function nextPrio(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}

function mk(w: Watch, prio: number, l: TNode | null, r: TNode | null): TNode {
  return { w, prio, l, r, n: (l === null ? 0 : l.n) + (r === null ? 0 : r.n) + 1 };
}

function add(t: TNode | null, w: Watch, prio: number): TNode {
  if (t === null) return mk(w, prio, null, null);
  const c = compare(w.key, t.w.key);
  if (c === 0) return mk(w, t.prio, t.l, t.r); // same key: the new watch takes the old one's place
  if (c < 0) {
    const l = add(t.l, w, prio);
    // Rotate right when the new child outranks this node.
    return l.prio > t.prio ? mk(l.w, l.prio, l.l, mk(t.w, t.prio, l.r, t.r)) : mk(t.w, t.prio, l, t.r);
  }
  const r = add(t.r, w, prio);
  return r.prio > t.prio ? mk(r.w, r.prio, mk(t.w, t.prio, t.l, r.l), r.r) : mk(t.w, t.prio, t.l, r);
}

/** The treap of every watch of `a` then every watch of `b` (all of `a`'s keys sort first). */
function join(a: TNode | null, b: TNode | null): TNode | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.prio > b.prio ? mk(a.w, a.prio, a.l, join(a.r, b)) : mk(b.w, b.prio, join(a, b.l), b.r);
}

function drop(t: TNode | null, key: Value): TNode | null {
  if (t === null) return null;
  const c = compare(key, t.w.key);
  if (c === 0) return join(t.l, t.r);
  if (c < 0) {
    const l = drop(t.l, key);
    return l === t.l ? t : mk(t.w, t.prio, l, t.r);
  }
  const r = drop(t.r, key);
  return r === t.r ? t : mk(t.w, t.prio, t.l, r);
}

/** An immutable list of watches in canonical key order, one per key. */
export class WatchList implements Iterable<Watch> {
  /** The list without watches. */
  static readonly EMPTY: WatchList = new WatchList(null);

  private constructor(private readonly root: TNode | null) {}

  /** `watches` as a list: itself when it is one, else its watches added in order (a later one replaces an equal key). */
  static of(watches: WatchList | readonly Watch[]): WatchList {
    if (watches instanceof WatchList) return watches;
    let out = WatchList.EMPTY;
    for (const w of watches) out = out.with(w);
    return out;
  }

  /** Number of watches. */
  get length(): number {
    return this.root === null ? 0 : this.root.n;
  }

  /** This list with `w` (replacing the watch under an equal key). O(log n) expected. */
  with(w: Watch): WatchList {
    return new WatchList(add(this.root, w, nextPrio()));
  }

  /** This list without the watch under `key` (this very list when there is none). O(log n) expected. */
  without(key: Value): WatchList {
    const root = drop(this.root, key);
    return root === this.root ? this : new WatchList(root);
  }

  /** The watches in key order (a fresh array). */
  toArray(): Watch[] {
    const out: Watch[] = [];
    const path: TNode[] = [];
    let t = this.root;
    while (t !== null || path.length > 0) {
      while (t !== null) {
        path.push(t);
        t = t.l;
      }
      const top = path.pop()!;
      out.push(top.w);
      t = top.r;
    }
    return out;
  }

  /** The watches in key order. */
  [Symbol.iterator](): Iterator<Watch> {
    return this.toArray()[Symbol.iterator]();
  }

  /** Whether some watch satisfies `p`. */
  some(p: (w: Watch) => boolean): boolean {
    return this.toArray().some(p);
  }

  /** The watches that satisfy `p`, as a list. O(n). */
  filter(p: (w: Watch) => boolean): WatchList {
    let out: WatchList = this;
    for (const w of this.toArray()) if (!p(w)) out = out.without(w.key);
    return out;
  }
}

/** `list` (a watch list, or an array of watches with distinct keys, e.g. none) with `w` added under `w.key`, replacing a watch under an equal key. */
export function withWatch(list: WatchList | readonly Watch[], w: Watch): WatchList {
  return WatchList.of(list).with(w);
}

/** `list` (a watch list, or an array of watches with distinct keys) without the watch under `key`. */
export function withoutWatch(list: WatchList | readonly Watch[], key: Value): WatchList {
  return WatchList.of(list).without(key);
}
