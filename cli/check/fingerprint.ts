/**
 * Compact state fingerprints for the explicit-state explorer: 64-bit hashes (two 32-bit lanes)
 * of a state's canonical key, kept in an open-addressing hash set of typed arrays, so that
 * millions of visited states cost about 20 bytes each and no per-state objects.
 * @module
 */

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h | 0;
}

/** The last fingerprint computed by {@link hashString} / {@link hashWords} (high and low 32 bits). */
export const fp = { hi: 0, lo: 0 };

/** Fingerprints a string key into {@link fp} (two independent 32-bit lanes, xxHash-style rounds per UTF-16 unit). */
export function hashString(key: string): void {
  let a = P5;
  let b = P4 ^ key.length;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    a = (a + Math.imul(c, P2)) | 0;
    a = Math.imul((a << 13) | (a >>> 19), P1);
    b = b ^ Math.imul(c + 0x3c6ef372, P3);
    b = Math.imul((b << 17) | (b >>> 15), P4);
  }
  fp.hi = fmix(a ^ n);
  fp.lo = fmix(b + Math.imul(n, P5));
}

/** Fingerprints the first `n` words of `words` into {@link fp}. */
export function hashWords(words: Int32Array, n: number): void {
  let a = P5;
  let b = P4 ^ n;
  for (let i = 0; i < n; i++) {
    const c = words[i]!;
    a = (a + Math.imul(c, P2)) | 0;
    a = Math.imul((a << 13) | (a >>> 19), P1);
    b = b ^ Math.imul(c + 0x3c6ef372, P3);
    b = Math.imul((b << 17) | (b >>> 15), P4);
  }
  fp.hi = fmix(a ^ n);
  fp.lo = fmix(b + Math.imul(n, P5));
}

/**
 * A set of 64-bit fingerprints that numbers its members 0, 1, 2, … in insertion order and keeps,
 * per member, its parent's number and the index of the action that produced it (for traces).
 */
export class FingerprintSet {
  private cap: number;
  private mask: number;
  private slotsHi: Int32Array;
  private slotsLo: Int32Array;
  private slotsId: Int32Array;
  /** Number of members. */
  size = 0;
  /** High halves of members' fingerprints, by id. */
  idHi: Int32Array;
  /** Low halves, by id. */
  idLo: Int32Array;
  /** Parent id, by id (-1 for an initial state). */
  parent: Int32Array;
  /** Index of the action that first reached the member (-1 for initial states). */
  action: Int16Array;

  /** Creates a set sized for about `expected` members (it grows as needed). */
  constructor(expected = 1 << 16) {
    let cap = 1 << 10;
    while (cap < expected * 2) cap *= 2;
    this.cap = cap;
    this.mask = cap - 1;
    this.slotsHi = new Int32Array(cap);
    this.slotsLo = new Int32Array(cap);
    this.slotsId = new Int32Array(cap).fill(-1);
    const n = cap >>> 1;
    this.idHi = new Int32Array(n);
    this.idLo = new Int32Array(n);
    this.parent = new Int32Array(n);
    this.action = new Int16Array(n);
  }

  /**
   * Adds the fingerprint `(hi, lo)` with its parent and action; returns its new id, or `-1 - id`
   * of the existing member when it was already present.
   */
  add(hi: number, lo: number, parent: number, action: number): number {
    let i = (hi ^ Math.imul(lo, P1)) & this.mask;
    const sh = this.slotsHi;
    const sl = this.slotsLo;
    const sid = this.slotsId;
    for (;;) {
      const id = sid[i]!;
      if (id < 0) break;
      if (sh[i] === hi && sl[i] === lo) return -1 - id;
      i = (i + 1) & this.mask;
    }
    const id = this.size++;
    sh[i] = hi;
    sl[i] = lo;
    sid[i] = id;
    if (id >= this.idHi.length) this.growIds();
    this.idHi[id] = hi;
    this.idLo[id] = lo;
    this.parent[id] = parent;
    this.action[id] = action;
    if (this.size * 2 > this.cap) this.rehash();
    return id;
  }

  private growIds(): void {
    const n = this.idHi.length * 2;
    const grow = <T extends Int32Array | Int16Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a); return b; };
    this.idHi = grow(this.idHi, (k) => new Int32Array(k));
    this.idLo = grow(this.idLo, (k) => new Int32Array(k));
    this.parent = grow(this.parent, (k) => new Int32Array(k));
    this.action = grow(this.action, (k) => new Int16Array(k));
  }

  private rehash(): void {
    const cap = this.cap * 2;
    const mask = cap - 1;
    const sh = new Int32Array(cap);
    const sl = new Int32Array(cap);
    const sid = new Int32Array(cap).fill(-1);
    for (let id = 0; id < this.size; id++) {
      const hi = this.idHi[id]!;
      const lo = this.idLo[id]!;
      let i = (hi ^ Math.imul(lo, P1)) & mask;
      while (sid[i]! >= 0) i = (i + 1) & mask;
      sh[i] = hi;
      sl[i] = lo;
      sid[i] = id;
    }
    this.cap = cap;
    this.mask = mask;
    this.slotsHi = sh;
    this.slotsLo = sl;
    this.slotsId = sid;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.cap * 12 + this.idHi.length * 14;
  }
}
