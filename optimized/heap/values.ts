/**
 * Values in the flat heap: constructors, the kernel's own hash (spreading the whole int64
 * range), structural equality (the spec's, ADR 0002), map/set/vector/list operations that
 * dispatch over representations (CHAMP map or struct), and conversion to and from spec
 * {@link Value}s — used only at the Kernel boundary.
 * @module
 */
import { AtomRef, Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Tagged, Vector, compare, type Value } from '../../spec/Values.js';
import { KernelError } from '../../spec/Errors.js';
import { murmurFinalize as fmix, murmurMix as mix, murmurString as hashUnits } from '../../spec/Hash.js';
import { intText, MAX_TEXT_CHARS, printEdn, printEdnOrElided, TextTooLong } from '../../spec/codec/Edn.js';
import { RegionKind, type Heap } from './Heap.js';
import { releaseWords, takeWords } from './words.js';
import {
  F_HASHED,
  H_EMPTY_CNODE,
  H_EMPTY_LIST,
  H_EMPTY_MAP,
  H_EMPTY_SET,
  H_EMPTY_VEC,
  H_EMPTY_VNODE,
  H_FALSE,
  H_NIL,
  H_TRUE,
  IMMORTAL,
  SMALL_MAX,
  SMALL_MIN,
  T_ATOMREF,
  T_BYTES,
  T_CHAR,
  T_CNODE,
  T_DOUBLE,
  T_FALSE,
  T_FN,
  T_INT,
  T_KEYWORD,
  T_LIST,
  T_MAP,
  T_NIL,
  T_SET,
  T_SHAPE,
  T_STRING,
  T_STRUCT,
  T_SYMBOL,
  T_TAGGED,
  T_TRUE,
  T_VEC,
  T_VNODE,
  W_FALSE,
  W_NIL,
  W_TRUE,
} from './layout.js';
import { added, champAssoc, champDissoc, champEmpty, champForEach, champGet, champSealStride, champUseKeyOps, found, removed } from '../collections/champ.js';
import { vecBuilderPush, vecCount, vecForEach, vecForEachAt, vecFreeze, vecNth, vecTransient, type VecBuilder } from '../collections/vector.js';

// ---- hashing ----

const SEED_INT = 0x27d4eb2f;
const SEED_DOUBLE = 0x165667b1;
const SEED_STRING = 0x3c6ef372;
const SEED_KEYWORD = 0x5be0cd19;
const SEED_SYMBOL = 0x1f83d9ab;
const SEED_BYTES = 0x6a09e667;
const SEED_SEQ = 0x510e527f;
const SEED_MAP = 0x9b05688c;
const SEED_SET = 0x7137449;
const SEED_TAG = 0x3956c25b;
const SEED_CHAR = 0x59f111f1;
const SEED_REF = 0x923f82a4;
const SEED_FN = 0x12835b01;

/** The hash of the int64 `hi·2^32 + lo` (both words mixed: the whole int64 range spreads). */
export function hashInt(lo: number, hi: number): number {
  return fmix(mix(mix(SEED_INT, lo), hi) ^ 8);
}

const f64 = new Float64Array(1);
const u32 = new Int32Array(f64.buffer);

/** Type of the cell a value word names (small integers report `T_INT`). */
export function typeOf(H: Heap, w: number): number {
  if ((w & 1) === 1) return T_INT;
  return H.mem.load32(H.addr(w >>> 1)) & 0xff;
}

/**
 * Nesting past which hashing and equality stop recursing on the host stack: a value may nest up
 * to the codec's limit (2,000 levels), more than the host stack holds at several frames a level.
 */
const DEEP = 48;
let hashDepth = 0;
let eqDepth = 0;

/** The values inside `w` (itself included), each once, each after the values it holds. */
function collectionsWithin(H: Heap, w: number): number[] {
  const out: number[] = [];
  const done = new Set<number>();
  const stack = [w];
  while (stack.length > 0) {
    const x = stack[stack.length - 1]!;
    if (done.has(x)) {
      stack.pop();
      continue;
    }
    // Taken once every member is: members not yet taken go on the stack first.
    let ready = true;
    for (const c of memberWords(H, x)) {
      if ((c & 1) === 0 && !done.has(c)) {
        stack.push(c);
        ready = false;
      }
    }
    if (ready) {
      stack.pop();
      done.add(x);
      out.push(x);
    }
  }
  return out;
}

/** Computes and caches the hash of every collection inside `w`, innermost first, without recursing. */
function prehash(H: Heap, w: number): void {
  const all = collectionsWithin(H, w);
  const saved = hashDepth;
  hashDepth = 0; // each hash below finds its children's hashes cached: one level deep
  try {
    for (const x of all) hashWord(H, x);
  } finally {
    hashDepth = saved;
  }
}

/** The kernel's hash of value word `w`. Law: equal values have equal hashes. */
export function hashWord(H: Heap, w: number): number {
  if ((w & 1) === 1) {
    const n = w >> 1;
    return hashInt(n, n < 0 ? -1 : 0);
  }
  const m = H.mem;
  const a = H.addr(w >>> 1);
  const t = m.load32(a) & 0xff;
  switch (t) {
    case T_NIL:
      return 0x2f0e1b;
    case T_TRUE:
      return 0x4d7a31;
    case T_FALSE:
      return 0x4d5c77;
    case T_INT:
      return hashInt(m.load32(a + 2), m.load32(a + 3));
    case T_DOUBLE:
      return fmix(mix(mix(SEED_DOUBLE, m.load32(a + 2)), m.load32(a + 3)));
    case T_CHAR:
      return fmix(mix(SEED_CHAR, m.load32(a + 2)));
    case T_STRING:
    case T_KEYWORD:
    case T_SYMBOL:
    case T_BYTES:
      return m.load32(a + 3);
    case T_ATOMREF:
      return fmix(mix(SEED_REF, m.load32(a + 2)));
    case T_FN:
      return fmix(mix(SEED_FN, m.load32(a + 2)));
    case T_LIST:
      return cachedHash(H, w, a, 3, 4, () => hashSeq(H, w, H.flags.hashMismatch ? SEED_SEQ + 1 : SEED_SEQ));
    case T_VEC:
      return cachedHash(H, w, a, 4, 5, () => hashSeq(H, w, SEED_SEQ));
    case T_MAP:
    case T_STRUCT:
      return cachedHash(H, w, a, 3, 4, () => {
        let sum = 0;
        mapForEach(H, w, (k, v) => {
          sum = (sum + fmix(mix(hashWord(H, k), hashWord(H, v)))) | 0;
        });
        return fmix(mix(SEED_MAP, sum) ^ mapCount(H, w));
      });
    case T_SET:
      return cachedHash(H, w, a, 3, 4, () => {
        let sum = 0;
        setForEach(H, w, (k) => {
          sum = (sum + hashWord(H, k)) | 0;
        });
        return fmix(mix(SEED_SET, sum) ^ m.load32(a + 2));
      });
    case T_TAGGED:
      return cachedHash(H, w, a, 2, 3, () => fmix(mix(mix(SEED_TAG, hashWord(H, m.load32(a + 4))), hashWord(H, m.load32(a + 5)))));
    default:
      throw new Error(`hashWord: not a value (cell type ${t})`);
  }
}

/**
 * A collection's hash, computed once and cached in the cell. The cache is the one word of a
 * published cell the kernel may write after publication: the write is idempotent (every writer
 * stores the same value), so it is excluded from the `Immutable` check.
 */
function cachedHash(H: Heap, w: number, a: number, hashOff: number, flagsOff: number, compute: () => number): number {
  const m = H.mem;
  const flags = m.load32(a + flagsOff);
  if ((flags & F_HASHED) !== 0) return m.load32(a + hashOff);
  // Past DEEP levels of computing, the rest of the value is hashed innermost first, off the host stack.
  if (hashDepth >= DEEP) {
    prehash(H, w);
    return m.load32(a + hashOff);
  }
  let h: number;
  hashDepth++;
  try {
    h = compute();
  } finally {
    hashDepth--;
  }
  // The cell may have moved while we computed (never inside one op, but be exact anyway).
  m.store32(a + hashOff, h);
  m.store32(a + flagsOff, flags | F_HASHED);
  return h;
}

function hashSeq(H: Heap, w: number, seed: number): number {
  let h = seed;
  let n = 0;
  seqForEach(H, w, (x) => {
    h = mix(h, hashWord(H, x));
    n++;
  });
  return fmix(h ^ n);
}

// ---- equality ----

function isSeqType(t: number): boolean {
  return t === T_LIST || t === T_VEC;
}

function isMapType(t: number): boolean {
  return t === T_MAP || t === T_STRUCT;
}

/** Structural equality of two value words (spec `equals`). */
export function eqWords(H: Heap, x: number, y: number): boolean {
  if (x === y) return true;
  if (((x | y) & 1) === 1) return false; // a small int equals only the same word
  if (eqDepth === 0) {
    eqCompared = 0;
    eqKnown = null;
  } else if (eqKnown?.get(x)?.has(y) === true) return true;
  if (eqDepth >= DEEP) return eqDeep(H, x, y);
  eqDepth++;
  let same: boolean;
  try {
    same = eqShallow(H, x, y);
  } finally {
    eqDepth--;
  }
  if (same) knownEqual(x, y);
  return same;
}

/** Pairs of cells the {@link eqWords} in progress has compared. */
let eqCompared = 0;
/**
 * The pairs of cells the {@link eqWords} in progress has found equal, once it has compared
 * {@link SHARING_AFTER} pairs (null until then): values that hold parts many times compare in time
 * linear in their distinct parts, not in their expansion as trees.
 */
let eqKnown: Map<number, Set<number>> | null = null;

/** Remembers (past SHARING_AFTER pairs) that cells `x` and `y` hold equal values. */
function knownEqual(x: number, y: number): void {
  if (eqKnown === null) {
    if (++eqCompared > SHARING_AFTER) eqKnown = new Map();
    return;
  }
  const s = eqKnown.get(x);
  if (s === undefined) eqKnown.set(x, new Set([y]));
  else s.add(y);
}

/**
 * Equality of deeply nested values on an explicit stack of pairs still to compare: collections
 * are compared by count, hash and membership here, their elements pushed as pairs.
 */
function eqDeep(H: Heap, x0: number, y0: number): boolean {
  const todo = [x0, y0];
  const m = H.mem;
  // Pairs already taken: each compared once, however often the values hold them.
  const taken = new Map<number, Set<number>>();
  while (todo.length > 0) {
    const y = todo.pop()!;
    const x = todo.pop()!;
    if (x === y) continue;
    if (((x | y) & 1) === 1) return false;
    const withX = taken.get(x);
    if (withX === undefined) taken.set(x, new Set([y]));
    else if (withX.has(y)) continue;
    else withX.add(y);
    const ta = m.load32(H.addr(x >>> 1)) & 0xff;
    const tb = m.load32(H.addr(y >>> 1)) & 0xff;
    if (isSeqType(ta) && isSeqType(tb)) {
      if (seqCount(H, x) !== seqCount(H, y) || hashWord(H, x) !== hashWord(H, y)) return false;
      const xs: number[] = [];
      seqForEach(H, x, (v) => xs.push(v));
      let i = 0;
      seqForEach(H, y, (v) => todo.push(xs[i++]!, v));
    } else if (isMapType(ta) && isMapType(tb)) {
      if (mapCount(H, x) !== mapCount(H, y) || hashWord(H, x) !== hashWord(H, y)) return false;
      // Keys are matched by hash and their equality pushed as pairs (a lookup would compare
      // them by recursion); a hash two keys of `y` share falls back to the lookup.
      const byHash = keysByHash(H, y, true);
      let all = true;
      mapForEach(H, x, (k, v) => {
        if (!all) return;
        const c = byHash.get(hashWord(H, k));
        if (c === undefined) all = false;
        else if (c.length === 2) todo.push(k, c[0]!, v, c[1]!);
        else {
          const w = mapGet(H, y, k);
          if (!mapFound) all = false;
          else todo.push(v, w);
        }
      });
      if (!all) return false;
    } else if (ta === T_SET && tb === T_SET) {
      if (m.load32(H.addr(x >>> 1) + 2) !== m.load32(H.addr(y >>> 1) + 2) || hashWord(H, x) !== hashWord(H, y)) return false;
      // Members matched by hash, as map keys above.
      const byHash = keysByHash(H, y, false);
      let all = true;
      setForEach(H, x, (k) => {
        if (!all) return;
        const c = byHash.get(hashWord(H, k));
        if (c === undefined) all = false;
        else if (c.length === 1) todo.push(k, c[0]!);
        else if (!setHas(H, y, k)) all = false;
      });
      if (!all) return false;
    } else if (ta === T_TAGGED && tb === T_TAGGED) {
      const a = H.addr(x >>> 1);
      const b = H.addr(y >>> 1);
      todo.push(m.load32(a + 4), m.load32(b + 4), m.load32(a + 5), m.load32(b + 5));
    } else if (!eqShallow(H, x, y)) return false; // scalars
  }
  return true;
}

/** The keys (with their values when `withValues`) of map or set `w`, by hash: `[k]` or `[k, v]` per hash, more when hashes collide. */
function keysByHash(H: Heap, w: number, withValues: boolean): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const add = (k: number, v: number): void => {
    const h = hashWord(H, k);
    const list = out.get(h);
    if (list === undefined) out.set(h, withValues ? [k, v] : [k]);
    else if (withValues) list.push(k, v);
    else list.push(k);
  };
  if (withValues) mapForEach(H, w, add);
  else setForEach(H, w, (k) => add(k, 0));
  return out;
}

/** Equality of two different heap words (no small int among them), recursing through {@link eqWords}. */
function eqShallow(H: Heap, x: number, y: number): boolean {
  const m = H.mem;
  const a = H.addr(x >>> 1);
  const b = H.addr(y >>> 1);
  const ta = m.load32(a) & 0xff;
  const tb = m.load32(b) & 0xff;
  if (ta !== tb) {
    if (isSeqType(ta) && isSeqType(tb)) return eqSeq(H, x, y);
    if (isMapType(ta) && isMapType(tb)) return eqMap(H, x, y);
    return false;
  }
  switch (ta) {
    case T_NIL:
    case T_TRUE:
    case T_FALSE:
    case T_KEYWORD:
    case T_SYMBOL:
      return false; // immortal or interned: equal only when the same handle
    case T_INT:
      return m.load32(a + 2) === m.load32(b + 2) && m.load32(a + 3) === m.load32(b + 3);
    case T_DOUBLE: {
      const p = doubleAt(H, a);
      const q = doubleAt(H, b);
      return p === q || (Number.isNaN(p) && Number.isNaN(q));
    }
    case T_CHAR:
    case T_ATOMREF:
    case T_FN:
      return m.load32(a + 2) === m.load32(b + 2);
    case T_STRING:
    case T_BYTES: {
      const size = m.load32(a) >>> 8;
      if (size !== m.load32(b) >>> 8) return false;
      for (let i = 2; i < size; i++) if (m.load32(a + i) !== m.load32(b + i)) return false;
      return true;
    }
    case T_LIST:
    case T_VEC:
      return eqSeq(H, x, y);
    case T_MAP:
    case T_STRUCT:
      return eqMap(H, x, y);
    case T_SET: {
      if (m.load32(a + 2) !== m.load32(b + 2)) return false;
      if (hashWord(H, x) !== hashWord(H, y)) return false;
      let all = true;
      setForEach(H, x, (k) => {
        if (all && !setHas(H, y, k)) all = false;
      });
      return all;
    }
    case T_TAGGED:
      return eqWords(H, m.load32(a + 4), m.load32(b + 4)) && eqWords(H, m.load32(a + 5), m.load32(b + 5));
    default:
      return false;
  }
}

function eqSeq(H: Heap, x: number, y: number): boolean {
  if (seqCount(H, x) !== seqCount(H, y)) return false;
  if (hashWord(H, x) !== hashWord(H, y)) return false;
  const xs: number[] = [];
  seqForEach(H, x, (v) => xs.push(v));
  let i = 0;
  let all = true;
  seqForEach(H, y, (v) => {
    if (all && !eqWords(H, xs[i]!, v)) all = false;
    i++;
  });
  return all;
}

function eqMap(H: Heap, x: number, y: number): boolean {
  if (mapCount(H, x) !== mapCount(H, y)) return false;
  if (hashWord(H, x) !== hashWord(H, y)) return false;
  let all = true;
  mapForEach(H, x, (k, v) => {
    if (!all) return;
    const w = mapGet(H, y, k);
    if (!mapFound || !eqWords(H, v, w)) all = false;
  });
  return all;
}

function doubleAt(H: Heap, a: number): number {
  u32[0] = H.mem.load32(a + 2);
  u32[1] = H.mem.load32(a + 3);
  return f64[0]!;
}

// ---- scalars ----

/** Allocates the immortal cells (handles 0 … IMMORTAL-1). Call once on a fresh heap. */
export function initImmortals(H: Heap): void {
  const m = H.mem;
  const simple = (t: number): void => {
    H.alloc(t, 2);
  };
  simple(T_NIL);
  simple(T_TRUE);
  simple(T_FALSE);
  // empty list
  H.alloc(T_LIST, 7);
  let a = H.lastAddr;
  for (let i = 2; i < 7; i++) m.store32(a + i, 0);
  // empty vector (root and tail: the empty vector node, handle 7)
  H.alloc(T_VEC, 8);
  a = H.lastAddr;
  m.store32(a + 2, 0);
  m.store32(a + 3, 5);
  m.store32(a + 4, 0);
  m.store32(a + 5, 0);
  m.store32(a + 6, H_EMPTY_VNODE << 1);
  m.store32(a + 7, H_EMPTY_VNODE << 1);
  for (const t of [T_MAP, T_SET]) {
    H.alloc(t, 6);
    a = H.lastAddr;
    m.store32(a + 2, 0);
    m.store32(a + 3, 0);
    m.store32(a + 4, 0);
    m.store32(a + 5, H_EMPTY_CNODE << 1);
  }
  H.alloc(T_VNODE, 3);
  m.store32(H.lastAddr + 2, 0);
  H.alloc(T_CNODE, 5);
  a = H.lastAddr;
  m.store32(a + 2, 0);
  m.store32(a + 3, 0);
  m.store32(a + 4, 0);
  if (H.nextHandle !== IMMORTAL) throw new Error('immortal cells must be allocated first');
  // The immortals' region is never collected nor evacuated.
  const r = H.allocRegion;
  H.retireAllocRegion();
  H.regionKind[r] = RegionKind.Meta;
}

/** The value word of the int64 `n`. */
export function mkInt(H: Heap, n: bigint): number {
  if (n >= BigInt(SMALL_MIN) && n <= BigInt(SMALL_MAX)) return (Number(n) << 1) | 1;
  const h = H.alloc(T_INT, 4);
  const a = H.lastAddr;
  const u = BigInt.asUintN(64, n);
  H.mem.store32(a + 2, Number(u & 0xffffffffn) | 0);
  H.mem.store32(a + 3, Number(u >> 32n) | 0);
  return h << 1;
}

/** The value word of a small integer (the caller guarantees the range). */
export function smallInt(n: number): number {
  return (n << 1) | 1;
}

/** The value word of the double `d`. */
export function mkDouble(H: Heap, d: number): number {
  const h = H.alloc(T_DOUBLE, 4);
  const a = H.lastAddr;
  f64[0] = d;
  H.mem.store32(a + 2, u32[0]!);
  H.mem.store32(a + 3, u32[1]!);
  return h << 1;
}

function packUnits(H: Heap, a: number, s: string): void {
  for (let i = 0; i < s.length; i += 2) {
    const lo = s.charCodeAt(i);
    const hi = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    H.mem.store32(a + (i >> 1), lo | (hi << 16));
  }
}

function unpackUnits(H: Heap, a: number, len: number): string {
  // Runs of up to 2,048 words (4,096 units), each word read once.
  const parts: string[] = [];
  for (let at = 0; at < len; at += 4096) {
    const units = Math.min(4096, len - at);
    const w = takeWords(H.mem, a + (at >> 1), (units + 1) >> 1);
    const chunk: number[] = new Array(units);
    for (let i = 0; i < units; i++) {
      const x = w[i >> 1]!;
      chunk[i] = (i & 1) === 0 ? x & 0xffff : (x >>> 16) & 0xffff;
    }
    releaseWords();
    parts.push(String.fromCharCode(...chunk));
  }
  return parts.length === 1 ? parts[0]! : parts.join('');
}

/** The value word of the string `s`. */
export function mkString(H: Heap, s: string): number {
  const h = H.alloc(T_STRING, 4 + ((s.length + 1) >> 1));
  const a = H.lastAddr;
  H.mem.store32(a + 2, s.length);
  H.mem.store32(a + 3, hashUnits(s, SEED_STRING));
  packUnits(H, a + 4, s);
  return h << 1;
}

function mkName(H: Heap, t: number, ns: string | null, name: string): number {
  const full = ns === null ? name : `${ns}/${name}`;
  const key = (t === T_KEYWORD ? ':' : "'") + full;
  const known = H.interned.get(key);
  if (known !== undefined) return known << 1;
  const owner = H.owner;
  H.owner = -1;
  const h = H.alloc(t, 5 + ((full.length + 1) >> 1));
  H.owner = owner;
  const a = H.lastAddr;
  H.mem.store32(a + 2, full.length);
  H.mem.store32(a + 3, hashUnits(full, t === T_KEYWORD ? SEED_KEYWORD : SEED_SYMBOL));
  H.mem.store32(a + 4, ns === null ? -1 : ns.length);
  packUnits(H, a + 5, full);
  H.interned.set(key, h);
  return h << 1;
}

/** The value word of the keyword `:ns/name` (interned). */
export function mkKeyword(H: Heap, name: string, ns: string | null = null): number {
  return mkName(H, T_KEYWORD, ns, name);
}

/** The value word of the symbol `ns/name` (interned). */
export function mkSymbol(H: Heap, name: string, ns: string | null = null): number {
  return mkName(H, T_SYMBOL, ns, name);
}

/** The value word of a byte string holding `data`. */
export function mkBytes(H: Heap, data: Uint8Array): number {
  const h = H.alloc(T_BYTES, 4 + ((data.length + 3) >> 2));
  const a = H.lastAddr;
  let hh = SEED_BYTES;
  for (let i = 0; i < data.length; i++) hh = mix(hh, data[i]!);
  H.mem.store32(a + 2, data.length);
  H.mem.store32(a + 3, fmix(hh ^ data.length));
  for (let i = 0; i < data.length; i += 4) {
    H.mem.store32(a + 4 + (i >> 2), (data[i]! | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24)) | 0);
  }
  return h << 1;
}

function mkSimple(H: Heap, t: number, x: number): number {
  const h = H.alloc(t, 3);
  H.mem.store32(H.lastAddr + 2, x);
  return h << 1;
}

/**
 * Function values by identity, per heap: a function cell holds the identity and name (what
 * equality, hashing and printing use); the code (a closure of the kernel's language) stays with
 * the kernel, and {@link fromHeap} hands back the very same function value. An identity is kept
 * while some live cell holds it: {@link forgetFnCell} (called when the collector frees a handle)
 * drops it with its last cell, so code nobody can reach is collected.
 */
interface FnTable {
  readonly byId: Map<number, Fn>;
  readonly cellsOf: Map<number, number>;
  readonly idOfHandle: Map<number, number>;
}
const fnTables = new WeakMap<Heap, FnTable>();

/** The value word of function value `f` (identity and name; its code is kept in a table). */
export function mkFn(H: Heap, f: Fn): number {
  let t = fnTables.get(H);
  if (t === undefined) fnTables.set(H, (t = { byId: new Map(), cellsOf: new Map(), idOfHandle: new Map() }));
  const name = f.name === null ? W_NIL : mkString(H, f.name);
  const h = H.alloc(T_FN, 5);
  const a = H.lastAddr;
  H.mem.store32(a + 2, f.id);
  H.mem.store32(a + 3, 0);
  H.mem.store32(a + 4, name);
  t.byId.set(f.id, f);
  t.cellsOf.set(f.id, (t.cellsOf.get(f.id) ?? 0) + 1);
  t.idOfHandle.set(h, f.id);
  return h << 1;
}

/** Called when handle `h` is freed: forgets a function identity with its last cell. */
export function forgetFnCell(H: Heap, h: number): void {
  const t = fnTables.get(H);
  if (t === undefined) return;
  const id = t.idOfHandle.get(h);
  if (id === undefined) return;
  t.idOfHandle.delete(h);
  const n = (t.cellsOf.get(id) ?? 1) - 1;
  if (n > 0) t.cellsOf.set(id, n);
  else {
    t.cellsOf.delete(id);
    t.byId.delete(id);
  }
}

/** How many function identities the heap's table keeps (tests: unreachable code is dropped). */
export function fnTableSize(H: Heap): number {
  return fnTables.get(H)?.byId.size ?? 0;
}

/** The value word of the list `(head . tail)` (`tail` a list word). */
export function mkCons(H: Heap, head: number, tail: number): number {
  const n = H.mem.load32(H.addr(tail >>> 1) + 2);
  const h = H.alloc(T_LIST, 7);
  const a = H.lastAddr;
  const m = H.mem;
  m.store32(a + 2, n + 1);
  m.store32(a + 3, 0);
  m.store32(a + 4, 0);
  m.store32(a + 5, head);
  m.store32(a + 6, tail);
  return h << 1;
}

/** The value word of `#tag value`. */
export function mkTagged(H: Heap, tag: string, value: number): number {
  const t = mkString(H, tag);
  const h = H.alloc(T_TAGGED, 6);
  const a = H.lastAddr;
  H.mem.store32(a + 2, 0);
  H.mem.store32(a + 3, 0);
  H.mem.store32(a + 4, t);
  H.mem.store32(a + 5, value);
  return h << 1;
}

// ---- sequences ----

/** Number of items of a list or vector. */
export function seqCount(H: Heap, w: number): number {
  return H.mem.load32(H.addr(w >>> 1) + 2);
}

/** Calls `f` on every item of a list or vector, in order. */
export function seqForEach(H: Heap, w: number, f: (x: number) => void): void {
  const m = H.mem;
  if (typeOf(H, w) === T_VEC) return vecForEach(H, w >>> 1, f);
  let a = H.addr(w >>> 1);
  while (m.load32(a + 2) > 0) {
    f(m.load32(a + 5));
    a = H.addr(m.load32(a + 6) >>> 1);
  }
}

/** A transient vector builder (fresh edit token). */
export function vecBuilder(H: Heap): VecBuilder {
  return vecTransient(H, H_EMPTY_VEC, H.nextEdit++);
}

/** Appends to a builder. */
export { vecBuilderPush, vecFreeze, vecNth, vecCount };

// ---- maps and sets ----

/** A transient map or set under construction. */
export interface MapBuilder {
  /** Root CHAMP node. */
  root: number;
  /** Entries so far. */
  count: number;
  /** Edit token (0 once frozen: later updates path-copy, the frozen value never changes). */
  edit: number;
  /** 2 for a map, 1 for a set. */
  readonly stride: number;
}

/** A transient builder for a map (`stride` 2) or set (`stride` 1), starting empty. */
export function mapBuilder(H: Heap, stride: 1 | 2): MapBuilder {
  const edit = H.nextEdit++;
  return { root: champEmpty(H, edit), count: 0, edit, stride };
}

/** Binds `k` to `v` in the builder, in place where it owns the nodes. */
export function builderAssoc(H: Heap, b: MapBuilder, k: number, v: number): void {
  b.root = champAssoc(H, b.root, 0, k, v, hashWord(H, k), b.stride, b.edit);
  if (added) b.count++;
}

/** Removes `k` from the builder. */
export function builderDissoc(H: Heap, b: MapBuilder, k: number): void {
  b.root = champDissoc(H, b.root, 0, k, hashWord(H, k), b.stride, b.edit);
  if (removed) b.count--;
}

/** Ends the builder: seals its nodes and returns a map (or set) value word. */
export function builderFreeze(H: Heap, b: MapBuilder): number {
  const edit = b.edit;
  b.edit = 0; // the token dies with the builder: its nodes are persistent from now on
  if (b.count === 0) return (b.stride === 2 ? H_EMPTY_MAP : H_EMPTY_SET) << 1;
  if (edit !== 0) champSealStride(H, b.root, edit, b.stride);
  return mkMapCell(H, b.stride === 2 ? T_MAP : T_SET, b.count, b.root);
}

function mkMapCell(H: Heap, t: number, count: number, root: number): number {
  if (count === 0) return (t === T_MAP ? H_EMPTY_MAP : H_EMPTY_SET) << 1;
  const h = H.alloc(t, 6);
  const a = H.lastAddr;
  H.mem.store32(a + 2, count);
  H.mem.store32(a + 3, 0);
  H.mem.store32(a + 4, 0);
  H.mem.store32(a + 5, root << 1);
  return h << 1;
}

/** Number of entries of a map (CHAMP or struct) or set. */
export function mapCount(H: Heap, w: number): number {
  return H.mem.load32(H.addr(w >>> 1) + 2);
}

/** The value at `k` in map `w` (nil when absent; {@link lastFound} tells which). */
export function mapGet(H: Heap, w: number, k: number): number {
  const m = H.mem;
  const a = H.addr(w >>> 1);
  if ((m.load32(a) & 0xff) === T_STRUCT) return structGet(H, a, k);
  const v = champGet(H, m.load32(a + 5) >>> 1, k, hashWord(H, k), 2);
  mapFound = found;
  return v;
}

let mapFound = false;

function structGet(H: Heap, a: number, k: number): number {
  const m = H.mem;
  const shape = H.addr(m.load32(a + 5) >>> 1);
  const n = m.load32(shape + 2);
  const hk = hashWord(H, k);
  for (let i = 0; i < n; i++) {
    if (m.load32(shape + 3 + i) !== hk) continue;
    const key = m.load32(shape + 3 + n + i);
    if (key === k || eqWords(H, key, k)) {
      mapFound = true;
      return m.load32(a + 6 + i);
    }
  }
  mapFound = false;
  return 0;
}

/** Whether the last {@link mapGet} found its key. */
export function lastFound(): boolean {
  return mapFound;
}

/** The map `w` with `k` bound to `v` (persistent). */
export function mapAssoc(H: Heap, w: number, k: number, v: number): number {
  const m = H.mem;
  let a = H.addr(w >>> 1);
  if ((m.load32(a) & 0xff) === T_STRUCT) {
    w = structThaw(H, a);
    a = H.addr(w >>> 1);
  }
  const root = m.load32(a + 5) >>> 1;
  const count = m.load32(a + 2);
  const nr = champAssoc(H, root, 0, k, v, hashWord(H, k), 2, 0);
  if (nr === root) return w;
  return mkMapCell(H, T_MAP, added ? count + 1 : count, nr);
}

/** The map `w` without `k` (persistent). */
export function mapDissoc(H: Heap, w: number, k: number): number {
  const m = H.mem;
  let a = H.addr(w >>> 1);
  if ((m.load32(a) & 0xff) === T_STRUCT) {
    w = structThaw(H, a);
    a = H.addr(w >>> 1);
  }
  const root = m.load32(a + 5) >>> 1;
  const nr = champDissoc(H, root, 0, k, hashWord(H, k), 2, 0);
  if (!removed) return w;
  return mkMapCell(H, T_MAP, m.load32(a + 2) - 1, nr);
}

function structThaw(H: Heap, a: number): number {
  const keys: number[] = [];
  const vals: number[] = [];
  mapForEach(H, H.mem.load32(a + 1) << 1, (k, v) => {
    keys.push(k);
    vals.push(v);
  });
  const b = mapBuilder(H, 2);
  for (let i = 0; i < keys.length; i++) builderAssoc(H, b, keys[i]!, vals[i]!);
  return builderFreeze(H, b);
}

/** Calls `f(k, v)` for each entry of map `w` (representation order; sort to observe). */
export function mapForEach(H: Heap, w: number, f: (k: number, v: number) => void): void {
  const m = H.mem;
  const a = H.addr(w >>> 1);
  if ((m.load32(a) & 0xff) === T_STRUCT) {
    const shape = H.addr(m.load32(a + 5) >>> 1);
    const n = m.load32(shape + 2);
    for (let i = 0; i < n; i++) f(m.load32(shape + 3 + n + i), m.load32(a + 6 + i));
    return;
  }
  champForEach(H, m.load32(a + 5) >>> 1, 2, f);
}

/** Whether set `w` has `k`. */
export function setHas(H: Heap, w: number, k: number): boolean {
  champGet(H, H.mem.load32(H.addr(w >>> 1) + 5) >>> 1, k, hashWord(H, k), 1);
  return found;
}

/** The set `w` with `k` added (persistent). */
export function setConj(H: Heap, w: number, k: number): number {
  const a = H.addr(w >>> 1);
  const root = H.mem.load32(a + 5) >>> 1;
  const nr = champAssoc(H, root, 0, k, 0, hashWord(H, k), 1, 0);
  if (nr === root) return w;
  return mkMapCell(H, T_SET, H.mem.load32(H.addr(w >>> 1) + 2) + 1, nr);
}

/** The set `w` without `k` (persistent). */
export function setDisj(H: Heap, w: number, k: number): number {
  const a = H.addr(w >>> 1);
  const nr = champDissoc(H, H.mem.load32(a + 5) >>> 1, 0, k, hashWord(H, k), 1, 0);
  if (!removed) return w;
  return mkMapCell(H, T_SET, H.mem.load32(H.addr(w >>> 1) + 2) - 1, nr);
}

/** Calls `f(k)` for each member of set `w`. */
export function setForEach(H: Heap, w: number, f: (k: number) => void): void {
  champForEach(H, H.mem.load32(H.addr(w >>> 1) + 5) >>> 1, 1, (k) => f(k));
}

// ---- conversion at the Kernel boundary ----

/**
 * Converts a spec value into the heap; returns its value word. Functions cannot cross. When
 * `charge` is a pid, each composite value (list, vector, map, set, tagged value, byte string)
 * charges its head cell to that process, for the heap-cell quota.
 */
export function toHeap(H: Heap, v: Value, charge = -1): number {
  // A collection that occurs more than once in a big `v` (values share their parts) becomes one
  // cell, as it is one value: a value costs about as many cells as it has distinct collections,
  // however often they recur (SHARING_AFTER).
  const saved = converted;
  const savedCount = convertedCount;
  converted = new Map();
  convertedCount = 0;
  try {
    return toHeapRaw(H, v, charge);
  } finally {
    converted = saved;
    convertedCount = savedCount;
  }
}

/** The cells made by the {@link toHeap} in progress, by the collection they were made from (once it has made {@link SHARING_AFTER}). */
let converted: Map<object, number> = new Map();
/** Collections the {@link toHeap} in progress has converted. */
let convertedCount = 0;
/**
 * Collections a conversion makes before it looks for shared parts: a value whose parts recur
 * (`[v v]` nested n deep has 2^n leaves, n + 1 distinct collections) then costs at most about
 * twice this many cells more than its distinct collections.
 */
const SHARING_AFTER = 1024;

function charged(H: Heap, w: number, charge: number): number {
  if (charge >= 0 && (w & 1) === 0 && w >>> 1 >= IMMORTAL) H.charge(w >>> 1, charge);
  return w;
}

/** Nesting past which {@link toHeapRaw} stops recursing and converts the rest deepest first ({@link toHeapDeep}). */
const MAX_TO_HEAP_DEPTH = 400;

/** The values directly inside collection `v` (map entries as key, value, key, value, …), or null for a scalar. */
function childValues(v: Value): readonly Value[] | null {
  if (v === null || typeof v !== 'object') return null;
  switch (v.kind) {
    case 'list':
    case 'vector':
    case 'set':
      return v.items;
    case 'map':
      return v.entries.flat();
    case 'tagged':
      return [v.value];
    default:
      return null;
  }
}

/** Builds collection `v` in the heap from the words of its children (in {@link childValues} order). */
function buildFrom(H: Heap, v: Value, words: readonly number[], charge: number): number {
  switch ((v as { kind: string }).kind) {
    case 'list': {
      let w = H_EMPTY_LIST << 1;
      for (let i = words.length - 1; i >= 0; i--) w = mkCons(H, words[i]!, w);
      return charged(H, w, charge);
    }
    case 'vector': {
      const b = vecBuilder(H);
      for (const x of words) vecBuilderPush(H, b, x);
      return charged(H, vecFreeze(H, b) << 1, charge);
    }
    case 'map': {
      const b = mapBuilder(H, 2);
      for (let i = 0; i < words.length; i += 2) builderAssoc(H, b, words[i]!, words[i + 1]!);
      return charged(H, builderFreeze(H, b), charge);
    }
    case 'set': {
      const b = mapBuilder(H, 1);
      for (const x of words) builderAssoc(H, b, x, 0);
      return charged(H, builderFreeze(H, b), charge);
    }
    default:
      return charged(H, mkTagged(H, (v as Tagged).tag, words[0]!), charge);
  }
}

/**
 * {@link toHeapRaw} for a value nested past {@link MAX_TO_HEAP_DEPTH}: the same cells, made
 * deepest first from an explicit stack, so that any nesting a program builds can be stored (the
 * reference kernel stores any).
 */
function toHeapDeep(H: Heap, root: Value, charge: number): number {
  const stack: { v: Value; kids: readonly Value[]; words: number[] }[] = [];
  let result = 0;
  const enter = (v: Value): void => {
    const kids = childValues(v);
    const made = kids === null ? undefined : converted.get(v as object);
    if (made !== undefined) result = made;
    else if (kids === null || kids.length === 0) result = kids === null ? toHeapRaw(H, v, charge, 0) : buildFrom(H, v, [], charge);
    else stack.push({ v, kids, words: [] });
  };
  enter(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.words.length < top.kids.length) {
      const depth = stack.length;
      enter(top.kids[top.words.length]!);
      if (stack.length === depth) top.words.push(result);
    } else {
      stack.pop();
      result = buildFrom(H, top.v, top.words, charge);
      convertedCount++;
      converted.set(top.v as object, result);
      if (stack.length > 0) stack[stack.length - 1]!.words.push(result);
    }
  }
  return result;
}

function toHeapRaw(H: Heap, v: Value, charge: number, depth = 0): number {
  if (v === null) return W_NIL;
  if (depth > MAX_TO_HEAP_DEPTH && typeof v === 'object' && childValues(v) !== null) return toHeapDeep(H, v, charge);
  switch (typeof v) {
    case 'boolean':
      return v ? W_TRUE : W_FALSE;
    case 'bigint':
      return mkInt(H, v);
    case 'number':
      return mkDouble(H, v);
    case 'string':
      return mkString(H, v);
  }
  if (v.kind === 'list' || v.kind === 'vector' || v.kind === 'map' || v.kind === 'set' || v.kind === 'tagged') {
    // Past SHARING_AFTER collections in one conversion, each is looked up and remembered (below
    // it, a value is small whatever it shares: the lookups would cost more than they save).
    const remember = ++convertedCount > SHARING_AFTER;
    if (remember) {
      const made = converted.get(v);
      if (made !== undefined) return made;
    }
    const w = toHeapCollection(H, v, charge, depth);
    if (remember) converted.set(v, w);
    return w;
  }
  switch (v.kind) {
    case 'char':
      return mkSimple(H, T_CHAR, v.ch.codePointAt(0)!);
    case 'keyword':
      return mkKeyword(H, v.name, v.ns);
    case 'symbol':
      return mkSymbol(H, v.name, v.ns);
    case 'bytes':
      return charged(H, mkBytes(H, v.data), charge);
    case 'atom':
      return mkSimple(H, T_ATOMREF, v.ref);
    case 'fn':
      return charged(H, mkFn(H, v), charge);
  }
  throw new Error(`toHeap: not a value (${String((v as { kind?: unknown }).kind)})`);
}

/** {@link toHeapRaw} of a collection or tagged value met for the first time in this conversion. */
function toHeapCollection(H: Heap, v: List | Vector | EMap | ESet | Tagged, charge: number, depth: number): number {
  switch (v.kind) {
    case 'list': {
      let w = H_EMPTY_LIST << 1;
      for (let i = v.items.length - 1; i >= 0; i--) w = mkCons(H, toHeapRaw(H, v.items[i]!, charge, depth + 1), w);
      return charged(H, w, charge);
    }
    case 'vector': {
      const b = vecBuilder(H);
      for (const x of v.items) vecBuilderPush(H, b, toHeapRaw(H, x, charge, depth + 1));
      return charged(H, vecFreeze(H, b) << 1, charge);
    }
    case 'map': {
      const b = mapBuilder(H, 2);
      for (const [k, x] of v.entries) builderAssoc(H, b, toHeapRaw(H, k, charge, depth + 1), toHeapRaw(H, x, charge, depth + 1));
      return charged(H, builderFreeze(H, b), charge);
    }
    case 'set': {
      const b = mapBuilder(H, 1);
      for (const x of v.items) builderAssoc(H, b, toHeapRaw(H, x, charge, depth + 1), 0);
      return charged(H, builderFreeze(H, b), charge);
    }
    default:
      return charged(H, mkTagged(H, v.tag, toHeapRaw(H, v.value, charge, depth + 1)), charge);
  }
}

function readName(H: Heap, a: number): { ns: string | null; name: string } {
  const len = H.mem.load32(a + 2);
  const nsLen = H.mem.load32(a + 4);
  const full = unpackUnits(H, a + 5, len);
  return nsLen < 0 ? { ns: null, name: full } : { ns: full.slice(0, nsLen), name: full.slice(nsLen + 1) };
}

/** Nesting past which {@link fromHeap} stops recursing and converts deepest first. */
const MAX_FROM_HEAP_DEPTH = 400;
/** Thrown (and caught) inside {@link fromHeap} at {@link MAX_FROM_HEAP_DEPTH}. */
const TOO_DEEP: unique symbol = Symbol('too deep');

/** The value words directly inside the value at word `w` (none for a scalar). */
function memberWords(H: Heap, w: number): number[] {
  if ((w & 1) === 1) return [];
  const m = H.mem;
  const a = H.addr(w >>> 1);
  const out: number[] = [];
  switch (m.load32(a) & 0xff) {
    case T_LIST:
    case T_VEC:
      seqForEach(H, w, (x) => out.push(x));
      break;
    case T_MAP:
    case T_STRUCT:
      mapForEach(H, w, (k, v) => out.push(k, v));
      break;
    case T_SET:
      setForEach(H, w, (k) => out.push(k));
      break;
    case T_TAGGED:
      out.push(m.load32(a + 4), m.load32(a + 5));
      break;
  }
  return out;
}

/**
 * Converts value word `w` into a spec value (maps and sets in canonical order). Values nested any
 * depth convert without deep host recursion.
 */
export function fromHeap(H: Heap, w: number): Value {
  // As in toHeap: past SHARING_AFTER collections, a cell met again gives the value made for it.
  const saved = readBack;
  const savedCount = readBackCount;
  readBack = new Map();
  readBackCount = 0;
  try {
    return fromHeapAt(H, w, 0, null);
  } catch (e) {
    if (e !== TOO_DEEP) throw e;
  } finally {
    readBack = saved;
    readBackCount = savedCount;
  }
  return fromHeapDeep(H, w);
}

/** The values made by the {@link fromHeap} in progress, by word (once it has made {@link SHARING_AFTER} collections); null outside one. */
let readBack: Map<number, Value> | null = null;
/** Cells the {@link fromHeap} in progress has converted. */
let readBackCount = 0;

/** {@link fromHeap} for a value nested past {@link MAX_FROM_HEAP_DEPTH}: every member converted before its container, each word once. */
function fromHeapDeep(H: Heap, w: number): Value {
  const memo = new Map<number, Value>();
  const seen = new Set<number>([w]);
  const stack: { w: number; members: number[] | null }[] = [{ w, members: null }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.members === null) top.members = memberWords(H, top.w).filter((x) => (x & 1) === 0 && !seen.has(x) && (seen.add(x), true));
    const next = top.members.pop();
    if (next !== undefined) stack.push({ w: next, members: null });
    else {
      stack.pop();
      memo.set(top.w, fromHeapAt(H, top.w, 0, memo));
    }
  }
  return memo.get(w)!;
}

/**
 * Value word `w` as canonical EDN text: the text `printEdn(fromHeap(H, w))` gives, printed from the
 * heap without building the value (only map keys and set members are converted, to be put in
 * canonical order; small integers print as they are). Values nested past the depth
 * {@link fromHeap} recurses to go through {@link fromHeap}.
 */
export function heapText(H: Heap, w: number): string {
  if ((w & 1) === 1) return intText(w >> 1);
  const out: TextOut = { s: '' };
  // Map keys and set members are converted sharing their parts, as in fromHeap.
  const saved = readBack;
  const savedCount = readBackCount;
  readBack = new Map();
  readBackCount = 0;
  textCollections = 0;
  textSeen = null;
  try {
    textInto(H, w, 0, out);
    if (out.s.length <= MAX_TEXT_CHARS) return out.s;
  } catch (e) {
    if (e !== TOO_DEEP && e !== TOO_BIG && !(e instanceof RangeError) && !(e instanceof TextTooLong)) throw e;
  } finally {
    readBack = saved;
    readBackCount = savedCount;
    textSeen = null;
  }
  // Too deep or too long to print piece by piece: converted (each part once) and printed, which
  // refuses a text longer than MAX_TEXT_CHARS as printEdn does.
  return printEdn(fromHeap(H, w));
}

/** {@link heapText}, or the elided text {@link printEdnOrElided} gives a value whose text is too long. */
export function heapTextOrElided(H: Heap, w: number): string {
  try {
    return heapText(H, w);
  } catch (e) {
    if (!(e instanceof TextTooLong)) throw e;
    return printEdnOrElided(fromHeap(H, w));
  }
}

/**
 * The text a {@link heapText} in progress has written: one string grown by concatenation (V8 joins
 * the pieces once, when the text is first read, about twice as fast as an array of pieces joined).
 */
interface TextOut {
  s: string;
}
/** Collections the {@link heapText} in progress has printed. */
let textCollections = 0;
/** The collections the {@link heapText} in progress has printed, once past SHARING_AFTER of them (null until then). */
let textSeen: Set<number> | null = null;
/** Thrown by {@link textInto} once the text is longer than {@link MAX_TEXT_CHARS} (or a collection met twice would repeat its text). */
const TOO_BIG: unique symbol = Symbol('too big');

/** Appends the text of value word `w` to `out.s`. */
function textInto(H: Heap, w: number, depth: number, out: TextOut): void {
  if ((w & 1) === 1) {
    out.s += intText(w >> 1);
    return;
  }
  if (depth > MAX_FROM_HEAP_DEPTH) throw TOO_DEEP;
  if (out.s.length > MAX_TEXT_CHARS) throw TOO_BIG;
  const m = H.mem;
  const a = H.addr(w >>> 1);
  const t = m.load32(a) & 0xff;
  if (t === T_LIST || t === T_VEC || t === T_MAP || t === T_STRUCT || t === T_SET || t === T_TAGGED) {
    // Past SHARING_AFTER collections, a collection met twice sends the value the other way
    // (converted sharing its parts, then printed): written out here it could be exponentially long.
    if (textSeen !== null) {
      if (textSeen.has(w)) throw TOO_BIG;
      textSeen.add(w);
    } else if (++textCollections > SHARING_AFTER) textSeen = new Set();
  }
  switch (t) {
    case T_LIST:
    case T_VEC: {
      out.s += t === T_LIST ? '(' : '[';
      let first = true;
      const item = (x: number): void => {
        if (!first) out.s += ' ';
        first = false;
        textInto(H, x, depth + 1, out);
      };
      // The type is known: no second look at the cell.
      if (t === T_VEC) vecForEachAt(H, a, item);
      else seqForEach(H, w, item);
      out.s += t === T_LIST ? ')' : ']';
      return;
    }
    case T_MAP:
    case T_STRUCT: {
      const entries: [Value, number][] = [];
      mapForEach(H, w, (k, v) => entries.push([fromHeapAt(H, k, depth + 1, null), v]));
      entries.sort((p, q) => compare(p[0], q[0]));
      out.s += '{';
      for (let i = 0; i < entries.length; i++) {
        const [k, v] = entries[i]!;
        if (i > 0) out.s += ', ';
        out.s += printEdn(k) + ' ';
        textInto(H, v, depth + 1, out);
      }
      out.s += '}';
      return;
    }
    case T_SET: {
      const items: Value[] = [];
      setForEach(H, w, (k) => items.push(fromHeapAt(H, k, depth + 1, null)));
      items.sort(compare);
      out.s += '#{';
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out.s += ' ';
        out.s += printEdn(items[i]!);
      }
      out.s += '}';
      return;
    }
    case T_TAGGED:
      out.s += `#${fromHeapAt(H, m.load32(a + 4), depth + 1, null) as string} `;
      textInto(H, m.load32(a + 5), depth + 1, out);
      return;
    default:
      out.s += printEdn(fromHeapAt(H, w, depth, null));
  }
}

function fromHeapAt(H: Heap, w: number, depth: number, memo: ReadonlyMap<number, Value> | null): Value {
  if ((w & 1) === 1) return BigInt(w >> 1);
  const known = memo?.get(w);
  if (known !== undefined) return known;
  if (memo === null && readBack !== null && ++readBackCount > SHARING_AFTER) {
    const made = readBack.get(w);
    if (made !== undefined) return made;
    const v = fromHeapCell(H, w, depth, memo);
    readBack.set(w, v);
    return v;
  }
  return fromHeapCell(H, w, depth, memo);
}

/** {@link fromHeapAt} of a cell not converted yet. */
function fromHeapCell(H: Heap, w: number, depth: number, memo: ReadonlyMap<number, Value> | null): Value {
  if (depth > MAX_FROM_HEAP_DEPTH) throw TOO_DEEP;
  const sub = (x: number): Value => fromHeapAt(H, x, depth + 1, memo);
  const m = H.mem;
  const a = H.addr(w >>> 1);
  const t = m.load32(a) & 0xff;
  switch (t) {
    case T_NIL:
      return null;
    case T_TRUE:
      return true;
    case T_FALSE:
      return false;
    case T_INT:
      return BigInt.asIntN(64, (BigInt(m.load32(a + 3) >>> 0) << 32n) | BigInt(m.load32(a + 2) >>> 0));
    case T_DOUBLE:
      return doubleAt(H, a);
    case T_CHAR:
      return new Char(String.fromCodePoint(m.load32(a + 2)));
    case T_STRING:
      return unpackUnits(H, a + 4, m.load32(a + 2));
    case T_KEYWORD: {
      const n = readName(H, a);
      return Keyword.of(n.name, n.ns);
    }
    case T_SYMBOL: {
      const n = readName(H, a);
      return Sym.of(n.name, n.ns);
    }
    case T_BYTES: {
      const len = m.load32(a + 2);
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i++) out[i] = (m.load32(a + 4 + (i >> 2)) >>> ((i & 3) * 8)) & 0xff;
      return new Bytes(out);
    }
    case T_ATOMREF:
      return new AtomRef(m.load32(a + 2));
    case T_FN: {
      const id = m.load32(a + 2);
      const known = fnTables.get(H)?.byId.get(id);
      if (known !== undefined) return known;
      const name = m.load32(a + 4);
      return new Fn(id, name === W_NIL ? null : (sub(name) as string), null);
    }
    case T_LIST: {
      const items: Value[] = [];
      seqForEach(H, w, (x) => items.push(sub(x)));
      return new List(items);
    }
    case T_VEC: {
      const items: Value[] = [];
      seqForEach(H, w, (x) => items.push(sub(x)));
      return new Vector(items);
    }
    case T_MAP:
    case T_STRUCT: {
      const entries: [Value, Value][] = [];
      mapForEach(H, w, (k, v) => entries.push([sub(k), sub(v)]));
      entries.sort((p, q) => compare(p[0], q[0]));
      return EMap.from(entries);
    }
    case T_SET: {
      const items: Value[] = [];
      setForEach(H, w, (k) => items.push(sub(k)));
      items.sort(compare);
      return ESet.from(items);
    }
    case T_TAGGED:
      return new Tagged(sub(m.load32(a + 4)) as string, sub(m.load32(a + 5)));
    default:
      throw new Error(`fromHeap: not a value (cell type ${t})`);
  }
}

/** The well-known value words. */
export const WORDS = { nil: W_NIL, true: W_TRUE, false: W_FALSE, emptyList: H_EMPTY_LIST << 1, emptyVector: H_EMPTY_VEC << 1, emptyMap: H_EMPTY_MAP << 1, emptySet: H_EMPTY_SET << 1 } as const;

/** Handles that must never be collected (immortals). */
export function isImmortal(h: number): boolean {
  return h < IMMORTAL;
}

export { H_NIL, H_TRUE, H_FALSE, T_SHAPE, T_CNODE };

// The tries need the value model's key equality and hash (they cannot import this module: it imports them).
champUseKeyOps({ eq: eqWords, hash: hashWord });
