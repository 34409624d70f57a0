/**
 * Persistent vectors (Bagwell/Hickey: a 32-way radix tree plus a tail) in the flat heap.
 * `count`, `shift`, `root`, `tail` live in a `T_VEC` cell; nodes are `T_VNODE` cells whose slot
 * count is the cell's capacity (exact for persistent nodes, 32 for transient ones). The tail
 * holds the last `count - tailOffset` items.
 *
 * Transient building (ADR 0005): a {@link VecBuilder} stamps the nodes it creates with its edit
 * token and fills them in place; {@link vecFreeze} seals them (edit 0) and returns a vector cell.
 * @module
 */
import type { Heap } from '../heap/Heap.js';
import type { MemoryBackend } from '../../spec/Memory.js';
import { releaseWords, takeWords } from '../heap/words.js';
import { H_EMPTY_VEC, T_VEC, T_VNODE } from '../heap/layout.js';


/** Index of the first item in the tail of a vector of `count` items. */
export function tailOffset(count: number): number {
  return count < 32 ? 0 : ((count - 1) >>> 5) << 5;
}

function newNode(H: Heap, slots: number, edit: number): number {
  const h = H.alloc(T_VNODE, 3 + slots);
  const a = H.lastAddr;
  H.mem.store32(a + 2, edit);
  for (let i = 0; i < slots; i++) H.mem.store32(a + 3 + i, 0);
  return h;
}

function slots(H: Heap, a: number): number {
  return (H.mem.load32(a) >>> 8) - 3;
}

/** Number of items of the vector cell at handle `v`. */
export function vecCount(H: Heap, v: number): number {
  return H.mem.load32(H.addr(v) + 2);
}

/** The item at `i` (0 ≤ i < count) of the vector at handle `v`. */
export function vecNth(H: Heap, v: number, i: number): number {
  const m = H.mem;
  const a = H.addr(v);
  const count = m.load32(a + 2);
  if (i >= tailOffset(count)) return m.load32(H.addr(m.load32(a + 7) >>> 1) + 3 + (i & 31));
  let node = H.addr(m.load32(a + 6) >>> 1);
  for (let level = m.load32(a + 3); level > 0; level -= 5) node = H.addr(m.load32(node + 3 + ((i >>> level) & 31)) >>> 1);
  return m.load32(node + 3 + (i & 31));
}

function makeVec(H: Heap, count: number, shift: number, root: number, tail: number): number {
  const h = H.alloc(T_VEC, 8);
  const a = H.lastAddr;
  const m = H.mem;
  m.store32(a + 2, count);
  m.store32(a + 3, shift);
  m.store32(a + 4, 0);
  m.store32(a + 5, 0);
  m.store32(a + 6, root << 1);
  m.store32(a + 7, tail << 1);
  return h;
}

/** A transient vector under construction (its fields are handles, not yet a vector cell). */
export interface VecBuilder {
  /** Items so far. */
  count: number;
  /** Tree depth × 5. */
  shift: number;
  /** Root node handle. */
  root: number;
  /** Tail node handle. */
  tail: number;
  /** The edit token stamped on nodes this builder owns (never 0). */
  readonly edit: number;
}

/** Starts a transient vector from the vector cell `v` (its nodes stay shared until written). */
export function vecTransient(H: Heap, v: number, edit: number): VecBuilder {
  const m = H.mem;
  const a = H.addr(v);
  return { count: m.load32(a + 2), shift: m.load32(a + 3), root: m.load32(a + 6) >>> 1, tail: m.load32(a + 7) >>> 1, edit };
}

function owned(H: Heap, h: number, edit: number): boolean {
  return edit !== 0 && H.mem.load32(H.addr(h) + 2) === edit;
}

/** Copies node `h` into a new node with at least `minSlots` slots (capacity 32 when transient). */
function copyNode(H: Heap, h: number, minSlots: number, edit: number): number {
  const a0 = H.addr(h);
  const n = slots(H, a0);
  const cap = edit !== 0 ? 32 : Math.max(n, minSlots);
  const nh = newNode(H, cap, edit);
  const b = H.lastAddr;
  H.copyWords(b + 3, H.addr(h) + 3, Math.min(n, cap));
  return nh;
}

function newPath(H: Heap, level: number, node: number, edit: number): number {
  if (level === 0) return node;
  const r = newNode(H, edit !== 0 ? 32 : 1, edit);
  H.mem.store32(H.lastAddr + 3, newPath(H, level - 5, node, edit) << 1);
  return r;
}

function pushTail(H: Heap, count: number, level: number, parent: number, tailNode: number, edit: number): number {
  // seeded bug `vec-push-tail-index`: the slot of the full tail computed from count, not count - 1
  const subidx = ((H.flags.seeded.has('vec-push-tail-index') ? count : count - 1) >>> level) & 31;
  let ret = parent;
  if (!owned(H, parent, edit) || slots(H, H.addr(parent)) <= subidx) ret = copyNode(H, parent, subidx + 1, edit);
  let insert: number;
  if (level === 5) insert = tailNode;
  else {
    const pa = H.addr(ret);
    const child = subidx < slots(H, pa) ? H.mem.load32(pa + 3 + subidx) : 0;
    // An existing child is a node handle word (never nil): nil (0) means "no child yet".
    insert = child !== 0 ? pushTail(H, count, level - 5, child >>> 1, tailNode, edit) : newPath(H, level - 5, tailNode, edit);
  }
  H.mem.store32(H.addr(ret) + 3 + subidx, insert << 1);
  return ret;
}

/** Appends `x` to the builder (in place where it owns the nodes). */
export function vecBuilderPush(H: Heap, b: VecBuilder, x: number): void {
  const m = H.mem;
  const tlen = b.count - tailOffset(b.count);
  if (tlen < 32) {
    if (!owned(H, b.tail, b.edit) || slots(H, H.addr(b.tail)) <= tlen) b.tail = copyNode(H, b.tail, tlen + 1, b.edit);
    m.store32(H.addr(b.tail) + 3 + tlen, x);
    b.count++;
    return;
  }
  pushFullTail(H, b);
  b.tail = newNode(H, 32, b.edit);
  m.store32(H.lastAddr + 3, x);
  b.count++;
}

function pushFullTail(H: Heap, b: { count: number; shift: number; root: number; tail: number; edit: number }): void {
  const tailNode = b.tail;
  if (b.count >>> 5 > 1 << b.shift) {
    const r = newNode(H, b.edit !== 0 ? 32 : 2, b.edit);
    const ra = H.lastAddr;
    H.mem.store32(ra + 3, b.root << 1);
    H.mem.store32(ra + 4, newPath(H, b.shift, tailNode, b.edit) << 1);
    b.root = r;
    b.shift += 5;
  } else b.root = pushTail(H, b.count, b.shift, b.root, tailNode, b.edit);
}

/** Ends the builder: seals the nodes it owns and returns a vector cell. The builder is dead after. */
export function vecFreeze(H: Heap, b: VecBuilder): number {
  if (b.count === 0) return H_EMPTY_VEC;
  sealTree(H, b.root, b.edit, b.shift);
  sealTree(H, b.tail, b.edit, 0);
  return makeVec(H, b.count, b.shift, b.root, b.tail);
}

function sealTree(H: Heap, h: number, edit: number, level: number): void {
  const m = H.mem;
  const a = H.addr(h);
  if (m.load32(a + 2) !== edit) return;
  m.store32(a + 2, 0);
  if (level > 0) {
    const n = slots(H, a);
    for (let i = 0; i < n; i++) {
      const c = m.load32(a + 3 + i);
      if (c !== 0) sealTree(H, c >>> 1, edit, level - 5);
    }
  }
  H.publish(h);
}

/** The vector `v` with `x` appended (persistent). */
export function vecConj(H: Heap, v: number, x: number): number {
  const b = vecTransient(H, v, 0);
  vecBuilderPush(H, b, x);
  return makeVec(H, b.count, b.shift, b.root, b.tail);
}

/** The vector `v` with item `i` (0 ≤ i < count) replaced by `x` (persistent). */
export function vecAssocN(H: Heap, v: number, i: number, x: number): number {
  const m = H.mem;
  const a = H.addr(v);
  const count = m.load32(a + 2);
  const shift = m.load32(a + 3);
  let root = m.load32(a + 6) >>> 1;
  let tail = m.load32(a + 7) >>> 1;
  if (i >= tailOffset(count)) {
    if (H.flags.inPlaceShared) m.store32(H.addr(tail) + 3 + (i & 31), x);
    else {
      tail = copyNode(H, tail, count - tailOffset(count), 0);
      m.store32(H.addr(tail) + 3 + (i & 31), x);
    }
  } else root = assocPath(H, shift, root, i, x);
  return makeVec(H, count, shift, root, tail);
}

function assocPath(H: Heap, level: number, node: number, i: number, x: number): number {
  const m = H.mem;
  const ret = H.flags.inPlaceShared ? node : copyNode(H, node, 0, 0);
  const ra = H.addr(ret);
  if (level === 0) m.store32(ra + 3 + (i & 31), x);
  else {
    const sub = (i >>> level) & 31;
    m.store32(H.addr(ret) + 3 + sub, assocPath(H, level - 5, m.load32(ra + 3 + sub) >>> 1, i, x) << 1);
  }
  return ret;
}

/** Calls `f(item)` for each item of the vector `v`, in order. */
export function vecForEach(H: Heap, v: number, f: (x: number) => void): void {
  vecForEachAt(H, H.addr(v), f);
}

/** {@link vecForEach} of the vector cell at address `a` (a caller that has just resolved its handle). */
export function vecForEachAt(H: Heap, a: number, f: (x: number) => void): void {
  const m = H.mem;
  // The header: count, shift, …, root, tail (words 2 … 7), read at once where ranges are.
  let count: number, shift: number, root: number, tail: number;
  if (m.loadRange === undefined) {
    count = m.load32(a + 2);
    shift = m.load32(a + 3);
    root = m.load32(a + 6) >>> 1;
    tail = m.load32(a + 7) >>> 1;
  } else {
    const w = takeWords(m, a + 2, 6);
    count = w[0]!;
    shift = w[1]!;
    root = w[4]! >>> 1;
    tail = w[5]! >>> 1;
    releaseWords();
  }
  // seeded bug `vec-tail-offset`: the tail taken to start at count rounded down to 32 (not (count - 1) rounded down)
  const toff = count >= 32 && H.flags.seeded.has('vec-tail-offset') ? (count >>> 5) << 5 : tailOffset(count);
  const walk = (h: number, level: number, remaining: number): number => {
    const na = H.addr(h);
    if (level === 0) {
      const n = Math.min(32, remaining);
      forEachWord(m, na + 3, n, f);
      return n;
    }
    let done = 0;
    const n = slots(H, na);
    if (m.loadRange === undefined) {
      for (let i = 0; i < n && done < remaining; i++) {
        const c = m.load32(na + 3 + i);
        if (c === 0) break;
        done += walk(c >>> 1, level - 5, remaining - done);
      }
      return done;
    }
    // The children needed, read at once (each holds up to 2^level items).
    const k = Math.min(n, Math.ceil(remaining / 2 ** level));
    const cs = takeWords(m, na + 3, k);
    try {
      for (let i = 0; i < k && done < remaining; i++) {
        const c = cs[i]!;
        if (c === 0) break;
        done += walk(c >>> 1, level - 5, remaining - done);
      }
    } finally {
      releaseWords();
    }
    return done;
  };
  if (toff > 0) walk(root, shift, toff);
  forEachWord(m, H.addr(tail) + 3, count - toff, f);
}

/** Calls `f` on each of the `n` words from `addr` (read at once where the backend reads ranges). */
function forEachWord(m: MemoryBackend, addr: number, n: number, f: (x: number) => void): void {
  if (m.loadRange === undefined) {
    for (let i = 0; i < n; i++) f(m.load32(addr + i));
    return;
  }
  const buf = takeWords(m, addr, n);
  try {
    for (let i = 0; i < n; i++) f(buf[i]!);
  } finally {
    releaseWords();
  }
}
