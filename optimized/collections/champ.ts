/**
 * CHAMP tries (Steindorfer & Vinju, "Optimizing Hash-Array Mapped Tries…", OOPSLA 2015) in the
 * flat heap: the hash maps and hash sets of the optimized kernel. A node keeps its inline
 * entries (datamap) and its sub-nodes (nodemap) in two bitmaps; deletion re-inlines a sub-node
 * left with one entry, so a set of entries has one canonical trie shape. Stride 2 (key, value)
 * for maps, stride 1 for sets. Hashes are the kernel's own 32-bit hash (`hashWord` of optimized/heap/values.ts),
 * 5 bits a level; beyond 32 bits, a collision node.
 *
 * Updates take an `edit` token: 0 is persistent (path copying); a live token (Clojure-style
 * transient, ADR 0005) lets the owner update nodes stamped with that token in place; a node that
 * outgrows its cell moves to a bigger cell under the same handle, so its parent is untouched.
 * @module
 */
import type { Heap } from '../heap/Heap.js';
import { HANDLE_CHUNK, HANDLE_CHUNK_SHIFT, T_CNODE, T_COLL } from '../heap/layout.js';
import { releaseWords, takeWords } from '../heap/words.js';

/** Key equality and hashing of heap words: the value model's (optimized/heap/values.ts), handed in by {@link champUseKeyOps}. */
export interface ChampKeyOps {
  /** Structural equality of two heap words. */
  eq(H: Heap, a: number, b: number): boolean;
  /** The kernel's 32-bit hash of a heap word. */
  hash(H: Heap, w: number): number;
}

let eqWords: ChampKeyOps['eq'] = () => {
  throw new Error('champ: key operations not set (optimized/heap/values.ts sets them when it loads)');
};
let hashWord: ChampKeyOps['hash'] = () => {
  throw new Error('champ: key operations not set (optimized/heap/values.ts sets them when it loads)');
};

/**
 * Sets the key equality and hash the tries use. The value model calls it once when it loads:
 * equality of maps needs tries and tries need equality of keys, so one side hands its functions
 * to the other instead of importing it.
 */
export function champUseKeyOps(ops: ChampKeyOps): void {
  eqWords = ops.eq;
  hashWord = ops.hash;
}

/** Set by {@link champAssoc} when an entry was added (not replaced). */
export let added = false;
/** Set by {@link champDissoc} when an entry was removed. */
export let removed = false;
/** Set by {@link champGet} when the key was found. */
export let found = false;

const SK = new Int32Array(34);
const SV = new Int32Array(34);
const SC = new Int32Array(34);
let DC = 0;
let CC = 0;

function popcnt(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 63;
}

function keq(H: Heap, a: number, b: number): boolean {
  return a === b || ((a & 1) === 0 && (b & 1) === 0 && eqWords(H, a, b));
}

/** Allocates an empty CHAMP node (for a fresh transient root). */
export function champEmpty(H: Heap, edit: number): number {
  const h = H.alloc(T_CNODE, 5);
  const a = H.lastAddr;
  H.mem.store32(a + 2, edit);
  H.mem.store32(a + 3, 0);
  H.mem.store32(a + 4, 0);
  return h;
}

const HMASK = HANDLE_CHUNK - 1;

/**
 * Moves `n` words from `src` to `dst` within `w` (overlap allowed). A typed-array loop pays a
 * bounds check a word; `copyWithin` is a memmove whose call costs more than a short loop.
 */
function move(w: Int32Array, dst: number, src: number, n: number): void {
  if (n >= 16) w.copyWithin(dst, src, src + n);
  else if (dst < src) for (let i = 0; i < n; i++) w[dst + i] = w[src + i]!;
  else for (let i = n - 1; i >= 0; i--) w[dst + i] = w[src + i]!;
}

/** Looks `key` (with hash `hash`) up in the trie at `root`; sets {@link found}; returns the value word. */
export function champGet(H: Heap, root: number, key: number, hash: number, s: number): number {
  const w = H.raw;
  if (w !== null) return getDirect(H, w, root, key, hash, s);
  const m = H.mem;
  let nh = root;
  let shift = 0;
  for (;;) {
    const a = H.addr(nh);
    if ((m.load32(a) & 0xff) === T_COLL) {
      const n = m.load32(a + 4);
      for (let i = 0; i < n; i++) {
        if (keq(H, m.load32(a + 5 + s * i), key)) {
          found = true;
          return s === 2 ? m.load32(a + 6 + 2 * i) : 0;
        }
      }
      found = false;
      return 0;
    }
    const dm = m.load32(a + 3);
    const bit = 1 << ((hash >>> shift) & 31);
    if ((dm & bit) !== 0) {
      const ka = a + 5 + s * popcnt(dm & (bit - 1));
      const k0 = m.load32(ka);
      if (keq(H, k0, key)) {
        found = true;
        return s === 2 ? m.load32(ka + 1) : 0;
      }
      found = false;
      return 0;
    }
    const nm = m.load32(a + 4);
    if ((nm & bit) === 0) {
      found = false;
      return 0;
    }
    nh = m.load32(a + 5 + s * popcnt(dm) + popcnt(nm & (bit - 1))) >>> 1;
    shift += 5;
  }
}

/** {@link champGet} on a plain backend's words (same steps, no backend calls). */
function getDirect(H: Heap, w: Int32Array, root: number, key: number, hash: number, s: number): number {
  const hc = H.handleChunks;
  let nh = root;
  let shift = 0;
  for (;;) {
    const a = w[hc[nh >>> HANDLE_CHUNK_SHIFT]! + 3 * (nh & HMASK)]!;
    if ((w[a]! & 0xff) === T_COLL) {
      const n = w[a + 4]!;
      for (let i = 0; i < n; i++) {
        if (keq(H, w[a + 5 + s * i]!, key)) {
          found = true;
          return s === 2 ? w[a + 6 + 2 * i]! : 0;
        }
      }
      found = false;
      return 0;
    }
    const dm = w[a + 3]!;
    const bit = 1 << ((hash >>> shift) & 31);
    if ((dm & bit) !== 0) {
      const ka = a + 5 + s * popcnt(dm & (bit - 1));
      const k0 = w[ka]!;
      if (k0 === key || keq(H, k0, key)) {
        found = true;
        return s === 2 ? w[ka + 1]! : 0;
      }
      found = false;
      return 0;
    }
    const nm = w[a + 4]!;
    if ((nm & bit) === 0) {
      found = false;
      return 0;
    }
    nh = w[a + 5 + s * popcnt(dm) + popcnt(nm & (bit - 1))]! >>> 1;
    shift += 5;
  }
}

function loadNode(H: Heap, a: number, s: number): void {
  const m = H.mem;
  const dm = m.load32(a + 3);
  const nm = m.load32(a + 4);
  DC = popcnt(dm);
  CC = popcnt(nm);
  let p = a + 5;
  for (let i = 0; i < DC; i++) {
    SK[i] = m.load32(p++);
    if (s === 2) SV[i] = m.load32(p++);
  }
  for (let j = 0; j < CC; j++) SC[j] = m.load32(p++);
}

/** Writes the scratch node (DC entries, CC children) as node `nh` (in place if owned) or a new node. */
function emit(H: Heap, nh: number, owned: boolean, dm: number, nm: number, s: number, edit: number): number {
  const m = H.mem;
  const len = 5 + s * DC + CC;
  let a: number;
  let cap = len;
  let out = nh;
  if (owned) {
    a = H.addr(nh);
    cap = m.load32(a) >>> 8;
    if (cap < len) {
      cap = len + Math.min(len, 24);
      a = H.realloc(nh, T_CNODE, cap);
    }
  } else {
    out = H.alloc(T_CNODE, len);
    a = H.lastAddr;
  }
  m.store32(a + 2, edit);
  m.store32(a + 3, dm);
  m.store32(a + 4, nm);
  let p = a + 5;
  for (let i = 0; i < DC; i++) {
    m.store32(p++, SK[i]!);
    if (s === 2) m.store32(p++, SV[i]!);
  }
  for (let j = 0; j < CC; j++) m.store32(p++, SC[j]!);
  while (p < a + cap) m.store32(p++, 0);
  return out;
}

function mergeTwo(H: Heap, k0: number, v0: number, h0: number, k1: number, v1: number, h1: number, shift: number, s: number, edit: number): number {
  const m = H.mem;
  if (shift > 30) {
    const h = H.alloc(T_COLL, 5 + 2 * s);
    const a = H.lastAddr;
    m.store32(a + 2, edit);
    m.store32(a + 3, h0);
    // seeded bug `champ-collision-count`: a new collision node records one entry, not two
    m.store32(a + 4, H.flags.seeded.has('champ-collision-count') ? 1 : 2);
    m.store32(a + 5, k0);
    if (s === 2) {
      m.store32(a + 6, v0);
      m.store32(a + 7, k1);
      m.store32(a + 8, v1);
    } else m.store32(a + 6, k1);
    return h;
  }
  const f0 = (h0 >>> shift) & 31;
  const f1 = (h1 >>> shift) & 31;
  if (f0 === f1) {
    const sub = mergeTwo(H, k0, v0, h0, k1, v1, h1, shift + 5, s, edit);
    const h = H.alloc(T_CNODE, 6);
    const a = H.lastAddr;
    m.store32(a + 2, edit);
    m.store32(a + 3, 0);
    m.store32(a + 4, 1 << f0);
    m.store32(a + 5, sub << 1);
    return h;
  }
  const h = H.alloc(T_CNODE, 5 + 2 * s);
  const a = H.lastAddr;
  m.store32(a + 2, edit);
  m.store32(a + 3, (1 << f0) | (1 << f1));
  m.store32(a + 4, 0);
  const first = f0 < f1;
  m.store32(a + 5, first ? k0 : k1);
  if (s === 2) {
    m.store32(a + 6, first ? v0 : v1);
    m.store32(a + 7, first ? k1 : k0);
    m.store32(a + 8, first ? v1 : v0);
  } else m.store32(a + 6, first ? k1 : k0);
  return h;
}

function collAssoc(H: Heap, nh: number, key: number, val: number, s: number, edit: number): number {
  const m = H.mem;
  const a = H.addr(nh);
  const n = m.load32(a + 4);
  for (let i = 0; i < n; i++) {
    if (keq(H, m.load32(a + 5 + s * i), key)) {
      if (s === 1 || m.load32(a + 6 + 2 * i) === val) return nh;
      const size = 5 + s * n;
      const h = H.alloc(T_COLL, size);
      const b = H.lastAddr;
      H.copyWords(b + 2, a + 2, size - 2);
      m.store32(b + 2, edit);
      m.store32(b + 6 + 2 * i, val);
      return h;
    }
  }
  added = true;
  const size = 5 + s * (n + 1);
  const h = H.alloc(T_COLL, size);
  const b = H.lastAddr;
  H.copyWords(b + 2, a + 2, 5 + s * n - 2);
  m.store32(b + 2, edit);
  m.store32(b + 4, n + 1);
  m.store32(b + 5 + s * n, key);
  if (s === 2) m.store32(b + 6 + 2 * n, val);
  return h;
}

/**
 * Binds `key` (hash `hash`) to `val` in the trie at `nh` (level `shift`); returns the new node's
 * handle (the same handle when nothing changed or the node was updated in place). Sets {@link added}.
 */
export function champAssoc(H: Heap, nh: number, shift: number, key: number, val: number, hash: number, s: number, edit: number): number {
  if (shift === 0) added = false;
  if (H.raw !== null) return assocDirect(H, nh, shift, key, val, hash, s, edit);
  const m = H.mem;
  let a = H.addr(nh);
  if ((m.load32(a) & 0xff) === T_COLL) return collAssoc(H, nh, key, val, s, edit);
  const owned = edit !== 0 && m.load32(a + 2) === edit;
  const dm = m.load32(a + 3);
  const nm = m.load32(a + 4);
  const bit = 1 << ((hash >>> shift) & 31);
  if ((dm & bit) !== 0) {
    const idx = popcnt(dm & (bit - 1));
    const ka = a + 5 + s * idx;
    const k0 = m.load32(ka);
    if (keq(H, k0, key)) {
      if (s === 1) return nh;
      if (m.load32(ka + 1) === val) return nh;
      if (owned || H.flags.inPlaceShared) {
        m.store32(ka + 1, val);
        return nh;
      }
      const len = 5 + 2 * popcnt(dm) + popcnt(nm);
      const h = H.alloc(T_CNODE, len);
      const b = H.lastAddr;
      H.copyWords(b + 2, a + 2, len - 2);
      m.store32(b + 2, edit);
      m.store32(b + 5 + 2 * idx + 1, val);
      return h;
    }
    const v0 = s === 2 ? m.load32(ka + 1) : 0;
    const sub = mergeTwo(H, k0, v0, hashWord(H, k0), key, val, hash, shift + 5, s, edit);
    added = true;
    a = H.addr(nh);
    loadNode(H, a, s);
    for (let i = idx; i < DC - 1; i++) {
      SK[i] = SK[i + 1]!;
      SV[i] = SV[i + 1]!;
    }
    DC--;
    const j = popcnt(nm & (bit - 1));
    for (let c = CC; c > j; c--) SC[c] = SC[c - 1]!;
    SC[j] = sub << 1;
    CC++;
    return emit(H, nh, owned, dm & ~bit, nm | bit, s, edit);
  }
  if ((nm & bit) !== 0) {
    const j = popcnt(nm & (bit - 1));
    const off = 5 + s * popcnt(dm) + j;
    const ch = m.load32(a + off) >>> 1;
    const nch = champAssoc(H, ch, shift + 5, key, val, hash, s, edit);
    if (nch === ch) return nh;
    a = H.addr(nh);
    if (owned) {
      m.store32(a + off, nch << 1);
      return nh;
    }
    const len = 5 + s * popcnt(dm) + popcnt(nm);
    const h = H.alloc(T_CNODE, len);
    const b = H.lastAddr;
    H.copyWords(b + 2, a + 2, len - 2);
    m.store32(b + 2, edit);
    m.store32(b + off, nch << 1);
    return h;
  }
  added = true;
  // seeded bug `champ-bitmap-index`: below the root, the new entry's index counts the bits of dm & bit (not dm & (bit - 1))
  const idx = popcnt(dm & (shift > 0 && H.flags.seeded.has('champ-bitmap-index') ? bit : bit - 1));
  const dcount = popcnt(dm);
  const ccount = popcnt(nm);
  const len = 5 + s * (dcount + 1) + ccount;
  if (owned) {
    const cap = m.load32(a) >>> 8;
    if (cap < len) {
      const old = a;
      const ncap = len + Math.min(len, 24);
      a = H.realloc(nh, T_CNODE, ncap);
      H.copyWords(a + 2, old + 2, len - s - 2);
      for (let p = a + len; p < a + ncap; p++) m.store32(p, 0);
    }
    // shift the tail (data after idx, then children) right by s words
    const from = 5 + s * idx;
    for (let p = len - 1; p >= from + s; p--) m.store32(a + p, m.load32(a + p - s));
    m.store32(a + from, key);
    if (s === 2) m.store32(a + from + 1, val);
    m.store32(a + 3, dm | bit);
    return nh;
  }
  const h = H.alloc(T_CNODE, len);
  const b = H.lastAddr;
  const from = 5 + s * idx;
  H.copyWords(b + 2, a + 2, from - 2);
  m.store32(b + 2, edit);
  m.store32(b + 3, dm | bit);
  m.store32(b + from, key);
  if (s === 2) m.store32(b + from + 1, val);
  H.copyWords(b + from + s, a + from, len - s - from);
  return h;
}

/**
 * {@link champAssoc} on a plain backend's words: the same cells, written in the same order, with
 * no backend calls (node copies and shifts are plain array moves). The words array is read
 * again after every allocation (growing the memory replaces it).
 */
function assocDirect(H: Heap, nh: number, shift: number, key: number, val: number, hash: number, s: number, edit: number): number {
  let w = H.raw!;
  const hc = H.handleChunks;
  let a = w[hc[nh >>> HANDLE_CHUNK_SHIFT]! + 3 * (nh & HMASK)]!;
  if ((w[a]! & 0xff) === T_COLL) return collAssoc(H, nh, key, val, s, edit);
  const owned = edit !== 0 && w[a + 2] === edit;
  const dm = w[a + 3]!;
  const nm = w[a + 4]!;
  const bit = 1 << ((hash >>> shift) & 31);
  const dc = popcnt(dm);
  if ((dm & bit) !== 0) {
    const idx = popcnt(dm & (bit - 1));
    const ka = a + 5 + s * idx;
    const k0 = w[ka]!;
    if (k0 === key || keq(H, k0, key)) {
      if (s === 1 || w[ka + 1] === val) return nh;
      if (owned || H.flags.inPlaceShared) {
        w[ka + 1] = val;
        return nh;
      }
      const len = 5 + 2 * dc + popcnt(nm);
      const h = H.alloc(T_CNODE, len);
      w = H.raw!;
      const b = H.lastAddr;
      move(w, b + 3, a + 3, len - 3);
      w[b + 2] = edit;
      w[b + 6 + 2 * idx] = val;
      return h;
    }
    // The slot holds another key: both move down into a new sub-node at this bit.
    const v0 = s === 2 ? w[ka + 1]! : 0;
    const sub = mergeDirect(H, k0, v0, hashWord(H, k0), key, val, hash, shift + 5, s, edit);
    added = true;
    w = H.raw!;
    a = w[hc[nh >>> HANDLE_CHUNK_SHIFT]! + 3 * (nh & HMASK)]!;
    const cc = popcnt(nm);
    const j = popcnt(nm & (bit - 1));
    const dataEnd = 5 + s * dc; // where the children start
    const at = dataEnd - s + j; // the new child's offset
    if (owned) {
      // In place: the node shrinks by s - 1 words; the freed word (s = 2) is zeroed.
      move(w, a + 5 + s * idx, a + 5 + s * (idx + 1), dataEnd + j - 5 - s * (idx + 1));
      if (s === 2) {
        move(w, a + dataEnd + j - 1, a + dataEnd + j, cc - j);
        w[a + dataEnd + cc - 1] = 0;
      }
      w[a + at] = sub << 1;
      w[a + 3] = dm & ~bit;
      w[a + 4] = nm | bit;
      return nh;
    }
    const len = dataEnd - s + cc + 1;
    const h = H.alloc(T_CNODE, len);
    w = H.raw!;
    const b = H.lastAddr;
    w[b + 2] = edit;
    w[b + 3] = dm & ~bit;
    w[b + 4] = nm | bit;
    const from = 5 + s * idx;
    move(w, b + 5, a + 5, from - 5);
    move(w, b + from, a + from + s, dataEnd + j - from - s);
    w[b + at] = sub << 1;
    move(w, b + dataEnd + j - s + 1, a + dataEnd + j, cc - j);
    return h;
  }
  if ((nm & bit) !== 0) {
    const off = 5 + s * dc + popcnt(nm & (bit - 1));
    const ch = w[a + off]! >>> 1;
    const nch = assocDirect(H, ch, shift + 5, key, val, hash, s, edit);
    if (nch === ch) return nh;
    w = H.raw!;
    a = w[hc[nh >>> HANDLE_CHUNK_SHIFT]! + 3 * (nh & HMASK)]!;
    if (owned) {
      w[a + off] = nch << 1;
      return nh;
    }
    const len = 5 + s * dc + popcnt(nm);
    const h = H.alloc(T_CNODE, len);
    w = H.raw!;
    const b = H.lastAddr;
    move(w, b + 3, a + 3, len - 3);
    w[b + 2] = edit;
    w[b + off] = nch << 1;
    return h;
  }
  added = true;
  const from = 5 + s * popcnt(dm & (shift > 0 && H.flags.seeded.has('champ-bitmap-index') ? bit : bit - 1));
  const len = 5 + s * (dc + 1) + popcnt(nm);
  if (owned) {
    const cap = w[a]! >>> 8;
    if (cap < len) {
      const old = a;
      const ncap = len + Math.min(len, 24);
      a = H.realloc(nh, T_CNODE, ncap);
      w = H.raw!;
      move(w, a + 2, old + 2, len - s - 2);
      w.fill(0, a + len, a + ncap);
    }
    move(w, a + from + s, a + from, len - s - from);
    w[a + from] = key;
    if (s === 2) w[a + from + 1] = val;
    w[a + 3] = dm | bit;
    return nh;
  }
  const h = H.alloc(T_CNODE, len);
  w = H.raw!;
  const b = H.lastAddr;
  w[b + 2] = edit;
  w[b + 3] = dm | bit;
  w[b + 4] = nm;
  move(w, b + 5, a + 5, from - 5);
  w[b + from] = key;
  if (s === 2) w[b + from + 1] = val;
  move(w, b + from + s, a + from, len - s - from);
  return h;
}

/** {@link mergeTwo} on a plain backend's words. */
function mergeDirect(H: Heap, k0: number, v0: number, h0: number, k1: number, v1: number, h1: number, shift: number, s: number, edit: number): number {
  if (shift > 30) return mergeTwo(H, k0, v0, h0, k1, v1, h1, shift, s, edit);
  const f0 = (h0 >>> shift) & 31;
  const f1 = (h1 >>> shift) & 31;
  if (f0 === f1) {
    const sub = mergeDirect(H, k0, v0, h0, k1, v1, h1, shift + 5, s, edit);
    const h = H.alloc(T_CNODE, 6);
    const w = H.raw!;
    const a = H.lastAddr;
    w[a + 2] = edit;
    w[a + 3] = 0;
    w[a + 4] = 1 << f0;
    w[a + 5] = sub << 1;
    return h;
  }
  const h = H.alloc(T_CNODE, 5 + 2 * s);
  const w = H.raw!;
  const a = H.lastAddr;
  w[a + 2] = edit;
  w[a + 3] = (1 << f0) | (1 << f1);
  w[a + 4] = 0;
  const first = f0 < f1;
  w[a + 5] = first ? k0 : k1;
  if (s === 2) {
    w[a + 6] = first ? v0 : v1;
    w[a + 7] = first ? k1 : k0;
    w[a + 8] = first ? v1 : v0;
  } else w[a + 6] = first ? k1 : k0;
  return h;
}

/** Removes `key` from the trie at `nh`; returns the new node handle. Sets {@link removed}. */
export function champDissoc(H: Heap, nh: number, shift: number, key: number, hash: number, s: number, edit: number): number {
  if (shift === 0) removed = false;
  const m = H.mem;
  let a = H.addr(nh);
  if ((m.load32(a) & 0xff) === T_COLL) {
    const n = m.load32(a + 4);
    for (let i = 0; i < n; i++) {
      if (keq(H, m.load32(a + 5 + s * i), key)) {
        removed = true;
        const size = 5 + s * (n - 1);
        const h = H.alloc(T_COLL, size);
        const b = H.lastAddr;
        m.store32(b + 2, edit);
        m.store32(b + 3, m.load32(a + 3));
        m.store32(b + 4, n - 1);
        let q = b + 5;
        for (let k = 0; k < n; k++) {
          if (k === i) continue;
          m.store32(q++, m.load32(a + 5 + s * k));
          if (s === 2) m.store32(q++, m.load32(a + 6 + 2 * k));
        }
        return h;
      }
    }
    return nh;
  }
  const owned = edit !== 0 && m.load32(a + 2) === edit;
  const dm = m.load32(a + 3);
  const nm = m.load32(a + 4);
  const bit = 1 << ((hash >>> shift) & 31);
  if ((dm & bit) !== 0) {
    const idx = popcnt(dm & (bit - 1));
    if (!keq(H, m.load32(a + 5 + s * idx), key)) return nh;
    removed = true;
    loadNode(H, a, s);
    for (let i = idx; i < DC - 1; i++) {
      SK[i] = SK[i + 1]!;
      SV[i] = SV[i + 1]!;
    }
    DC--;
    return emit(H, nh, owned, dm & ~bit, nm, s, edit);
  }
  if ((nm & bit) === 0) return nh;
  const j = popcnt(nm & (bit - 1));
  const off = 5 + s * popcnt(dm) + j;
  const ch = m.load32(a + off) >>> 1;
  const nch = champDissoc(H, ch, shift + 5, key, hash, s, edit);
  if (!removed) return nh;
  a = H.addr(nh);
  // Canonical shape: a sub-node left with a single entry and no sub-nodes is inlined here.
  const ca = H.addr(nch);
  const single = singleEntry(H, ca, s);
  if (single) {
    const k = m.load32(ca + 5);
    const v = s === 2 ? m.load32(ca + 6) : 0;
    loadNode(H, a, s);
    for (let c = j; c < CC - 1; c++) SC[c] = SC[c + 1]!;
    CC--;
    const idx = popcnt(dm & (bit - 1));
    for (let i = DC; i > idx; i--) {
      SK[i] = SK[i - 1]!;
      SV[i] = SV[i - 1]!;
    }
    SK[idx] = k;
    SV[idx] = v;
    DC++;
    return emit(H, nh, owned, dm | bit, nm & ~bit, s, edit);
  }
  if (nch === ch) return nh;
  if (owned) {
    m.store32(a + off, nch << 1);
    return nh;
  }
  const len = 5 + s * popcnt(dm) + popcnt(nm);
  const h = H.alloc(T_CNODE, len);
  const b = H.lastAddr;
  H.copyWords(b + 2, a + 2, len - 2);
  m.store32(b + 2, edit);
  m.store32(b + off, nch << 1);
  return h;
}

function singleEntry(H: Heap, ca: number, s: number): boolean {
  const m = H.mem;
  if ((m.load32(ca) & 0xff) === T_COLL) return m.load32(ca + 4) === 1;
  const dm = m.load32(ca + 3);
  return m.load32(ca + 4) === 0 && dm !== 0 && (dm & (dm - 1)) === 0;
}

/** Calls `f(key, value)` for every entry of the trie at `nh` (trie order, not canonical order). */
export function champForEach(H: Heap, nh: number, s: number, f: (k: number, v: number) => void): void {
  const m = H.mem;
  const a = H.addr(nh);
  if ((m.load32(a) & 0xff) === T_COLL) {
    const n = m.load32(a + 4);
    for (let i = 0; i < n; i++) f(m.load32(a + 5 + s * i), s === 2 ? m.load32(a + 6 + 2 * i) : 0);
    return;
  }
  const dc = popcnt(m.load32(a + 3));
  const cc = popcnt(m.load32(a + 4));
  if (m.loadRange === undefined) {
    for (let i = 0; i < dc; i++) f(m.load32(a + 5 + s * i), s === 2 ? m.load32(a + 6 + s * i) : 0);
    const base = a + 5 + s * dc;
    for (let j = 0; j < cc; j++) champForEach(H, m.load32(base + j) >>> 1, s, f);
    return;
  }
  // The entries and the children, read at once.
  const w = takeWords(m, a + 5, s * dc + cc);
  try {
    for (let i = 0; i < dc; i++) f(w[s * i]!, s === 2 ? w[2 * i + 1]! : 0);
    for (let j = 0; j < cc; j++) champForEach(H, w[s * dc + j]! >>> 1, s, f);
  } finally {
    releaseWords();
  }
}

/**
 * Seals the nodes a builder owned (`edit`) in the trie at `nh`, of stride `s`: publishes each to
 * the backend. The nodes keep their token: a token is never issued twice and the builder drops it
 * when it freezes, so nobody owns them any more (ADR 0006). On a plain backend publishing is a
 * no-op, so the walk is skipped.
 */
export function champSealStride(H: Heap, nh: number, edit: number, s: number): void {
  if (H.raw !== null) return;
  const m = H.mem;
  const a = H.addr(nh);
  if (m.load32(a + 2) !== edit) return;
  if ((m.load32(a) & 0xff) === T_COLL) {
    H.publish(nh);
    return;
  }
  const dc = popcnt(m.load32(a + 3));
  const cc = popcnt(m.load32(a + 4));
  const base = a + 5 + s * dc;
  for (let j = 0; j < cc; j++) champSealStride(H, m.load32(base + j) >>> 1, edit, s);
  H.publish(nh);
}

/** Calls `f(address)` for every node of the trie at `nh` (stride `s`), parents first. */
export function champForEachNode(H: Heap, nh: number, s: number, f: (address: number) => void): void {
  const m = H.mem;
  const a = H.addr(nh);
  f(a);
  if ((m.load32(a) & 0xff) === T_COLL) return;
  const base = a + 5 + s * popcnt(m.load32(a + 3));
  const cc = popcnt(m.load32(a + 4));
  for (let j = 0; j < cc; j++) champForEachNode(H, m.load32(base + j) >>> 1, s, f);
}

/** Number of words the trie at `nh` occupies (for memory-per-entry figures). */
export function champWords(H: Heap, nh: number, s: number): number {
  const m = H.mem;
  const a = H.addr(nh);
  const size = m.load32(a) >>> 8;
  if ((m.load32(a) & 0xff) === T_COLL) return size;
  const dc = popcnt(m.load32(a + 3));
  const cc = popcnt(m.load32(a + 4));
  let w = size;
  const base = a + 5 + s * dc;
  for (let j = 0; j < cc; j++) w += champWords(H, m.load32(base + j) >>> 1, s);
  return w;
}

export { popcnt };
