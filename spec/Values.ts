/**
 * The ImmutOS value model: every value any kernel can hold, with structural equality,
 * hashing ("equal ⇒ same hash") and a total order (so printing is deterministic).
 *
 * Representation (chosen for clarity; see docs/adr/0002-value-model.md):
 * - nil → `null`; booleans → `boolean`; doubles → `number`; strings → `string`;
 * - 64-bit signed integers → `bigint` kept inside [-2^63, 2^63-1] (overflow is an error);
 * - every other kind is a class instance with a `kind` tag and `readonly` fields. Instances are
 *   not `Object.freeze`d (freezing costs several times the allocation); immutability is enforced
 *   by the types and, in the kernels' debug modes, by the heap's `Immutable` checks.
 *
 * Maps and sets keep their members in the canonical {@link compare} order, so their iteration
 * order is part of the semantics and identical in every kernel.
 *
 * @see Values.tla (values are opaque constants there)
 * @module
 */
import { murmurFinalize as fmix, murmurMix as mix, murmurString as hashString } from './Hash.js';

/** Smallest int64. */
export const INT64_MIN = -(1n << 63n);
/** Largest int64. */
export const INT64_MAX = (1n << 63n) - 1n;

/** Any ImmutOS value. */
export type Value =
  | null
  | boolean
  | bigint
  | number
  | string
  | Char
  | Keyword
  | Sym
  | Bytes
  | List
  | Vector
  | EMap
  | ESet
  | Tagged
  | AtomRef
  | Fn;

/** The kind names, in the order they sort (see {@link compare}). */
export type Kind =
  | 'nil'
  | 'boolean'
  | 'int'
  | 'double'
  | 'char'
  | 'string'
  | 'keyword'
  | 'symbol'
  | 'bytes'
  | 'list'
  | 'vector'
  | 'map'
  | 'set'
  | 'tagged'
  | 'atom'
  | 'fn';

/** Raised when an integer operation leaves the int64 range. */
export class IntOverflowError extends RangeError {
  /** Creates the error for the operation `op`. */
  constructor(op: string) {
    super(`integer overflow in ${op}`);
    this.name = 'IntOverflowError';
  }
}

/** Returns `n` if it is an int64, else throws {@link IntOverflowError}. */
export function checkInt(n: bigint, op = 'integer'): bigint {
  if (n < INT64_MIN || n > INT64_MAX) throw new IntOverflowError(op);
  return n;
}

/** A character, e.g. `\a` or `\newline`; holds one Unicode code point. */
export class Char {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'char';
  /** Creates a character from a one-code-point string. */
  constructor(readonly ch: string) {}
}

const keywordTable = new Map<string, Keyword>();
const symbolTable = new Map<string, Sym>();

/** A keyword such as `:a` or `:ns/a`; interned, so equal keywords are the same object. */
export class Keyword {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'keyword';
  private constructor(
    /** Namespace, or null. */
    readonly ns: string | null,
    /** Name. */
    readonly name: string,
  ) {
    Object.freeze(this);
  }
  /** Returns the interned keyword `:ns/name` (or `:name`). */
  static of(name: string, ns: string | null = null): Keyword {
    const key = ns === null ? name : `${ns}\u0000${name}`;
    let k = keywordTable.get(key);
    if (k === undefined) {
      k = new Keyword(ns, name);
      keywordTable.set(key, k);
    }
    return k;
  }
  /** The keyword's text without the colon, e.g. `ns/a`. */
  get fullName(): string {
    return this.ns === null ? this.name : `${this.ns}/${this.name}`;
  }
}

/** A symbol such as `x` or `ns/x`; interned. */
export class Sym {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'symbol';
  private constructor(
    /** Namespace, or null. */
    readonly ns: string | null,
    /** Name. */
    readonly name: string,
  ) {
    Object.freeze(this);
  }
  /** Returns the interned symbol `ns/name` (or `name`). */
  static of(name: string, ns: string | null = null): Sym {
    const key = ns === null ? name : `${ns}\u0000${name}`;
    let s = symbolTable.get(key);
    if (s === undefined) {
      s = new Sym(ns, name);
      symbolTable.set(key, s);
    }
    return s;
  }
  /** The symbol's text, e.g. `ns/x`. */
  get fullName(): string {
    return this.ns === null ? this.name : `${this.ns}/${this.name}`;
  }
}

/** An immutable byte string. "Changing byte 4" is {@link Bytes.assoc}, which yields a new value. */
export class Bytes {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'bytes';
  /** The bytes; never mutate (the constructor copies its input). */
  readonly data: Uint8Array;
  /** Creates a byte string holding a copy of `data`. */
  constructor(data: Uint8Array | readonly number[]) {
    this.data = Uint8Array.from(data);
  }
  /** Number of bytes. */
  get length(): number {
    return this.data.length;
  }
  /** The byte at `i` (0–255). */
  at(i: number): number {
    const b = this.data[i];
    if (b === undefined) throw new RangeError(`byte index ${i} out of range 0..${this.data.length - 1}`);
    return b;
  }
  /** A new byte string equal to this one except byte `i`, which is `b`. */
  assoc(i: number, b: number): Bytes {
    if (i < 0 || i >= this.data.length) throw new RangeError(`byte index ${i} out of range 0..${this.data.length - 1}`);
    const copy = Uint8Array.from(this.data);
    copy[i] = b & 0xff;
    return new Bytes(copy);
  }
}

/** Set only inside `List.adopt`/`Vector.adopt`: the constructor then keeps its argument. */
let adopting = false;

/** A list `(a b c)`. Sequentially equal to a vector with the same items, as in Clojure. */
export class List {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'list';
  // A list may be a suffix of another one's storage (`base` from `start` on): `drop` is O(1), so
  // walking a sequence with `next` is linear. `items` materializes a suffix once, on first use.
  private base: readonly Value[];
  private start: number;
  /** Creates a list of `items` (copied). */
  constructor(items: readonly Value[]) {
    this.base = adopting ? items : items.slice();
    this.start = 0;
  }
  /** The items, in order. */
  get items(): readonly Value[] {
    if (this.start !== 0) {
      this.base = this.base.slice(this.start);
      this.start = 0;
    }
    return this.base;
  }
  /** Whether this list shares another list's storage (made by {@link List.drop}, not yet materialized). */
  get isSuffix(): boolean {
    return this.start !== 0;
  }
  /** Number of items (without materializing a suffix). */
  get size(): number {
    return this.base.length - this.start;
  }
  /** Item `i`, or undefined past the end (without materializing a suffix). */
  at(i: number): Value | undefined {
    return i >= 0 ? this.base[this.start + i] : undefined;
  }
  /** The array the items are read from, from {@link offset} to its end (never changed: compiled code walks it without allocating). */
  get storage(): readonly Value[] {
    return this.base;
  }
  /** Where the items start in {@link storage}. */
  get offset(): number {
    return this.start;
  }
  /** The list without its first `k` items (`0 <= k <= size`), sharing this list's storage: O(1). */
  drop(k: number): List {
    const l = List.adopt(this.base as Value[]);
    l.start = this.start + k;
    return l;
  }
  /** A list that takes ownership of `items`: the caller must never change the array afterwards. */
  static adopt(items: Value[]): List {
    adopting = true;
    const l = new List(items);
    adopting = false;
    return l;
  }
}

/** A vector `[a b c]`. */
export class Vector {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'vector';
  // A vector may be a prefix of a longer array another vector appended to (`conj` shares the
  // storage when this vector owns its end, as Go slices do): appending in a loop is amortized
  // O(1). Items below `n` never change. Once `items` has handed the array out, the vector is
  // `exposed` and never appends in place again, so an array a reader holds never grows.
  private arr: Value[];
  private n: number;
  private exposed = false;
  /** Creates a vector of `items` (copied). */
  constructor(items: readonly Value[]) {
    this.arr = adopting ? (items as Value[]) : items.slice();
    this.n = this.arr.length;
  }
  /** The items, in order. */
  get items(): readonly Value[] {
    if (this.arr.length !== this.n) this.arr = this.arr.slice(0, this.n);
    this.exposed = true;
    return this.arr;
  }
  /** Number of items. */
  get size(): number {
    return this.n;
  }
  /** Item `i`, or undefined outside the vector. */
  at(i: number): Value | undefined {
    return i >= 0 && i < this.n ? this.arr[i] : undefined;
  }
  /** This vector with `x` appended: shares storage when nobody appended to (or read out) this vector's array before (amortized O(1)). */
  conj(x: Value): Vector {
    if (!this.exposed && this.arr.length === this.n) {
      this.arr.push(x);
      const v = Vector.adopt(this.arr);
      v.n = this.n + 1;
      return v;
    }
    const items = this.arr.slice(0, this.n);
    items.push(x);
    return Vector.adopt(items);
  }
  /** Whether this vector and `o` share storage (one was made from the other by an O(1) {@link Vector.conj}). */
  sharesStorageWith(o: Vector): boolean {
    return this.arr === o.arr;
  }
  /** A vector that takes ownership of `items`: the caller must never change the array afterwards. */
  static adopt(items: Value[]): Vector {
    adopting = true;
    const v = new Vector(items);
    adopting = false;
    return v;
  }
}

/**
 * A map `{k v}`; entries kept sorted by key in {@link compare} order, keys unique by {@link equals}.
 *
 * A kernel may subclass it to represent maps differently (the optimized kernel's program maps,
 * optimized/lang/vmap.ts): a subclass overrides every public member and must answer exactly
 * what this class answers for the same contents. Everything in `spec/` reads a map only through
 * `entries`, `size`, `get`, `has`, `assoc` and `dissoc`.
 */
export class EMap {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'map';
  private readonly sorted: readonly (readonly [Value, Value])[];
  /** A map of `sorted` (owned; see {@link EMap.adoptSorted}); subclasses pass `[]` and keep their own. */
  protected constructor(sorted: readonly (readonly [Value, Value])[]) {
    this.sorted = sorted;
  }
  /** The entries, sorted by key. */
  get entries(): readonly (readonly [Value, Value])[] {
    return this.sorted;
  }
  /**
   * A map that takes ownership of `entries`, which the caller guarantees are sorted by key in
   * {@link compare} order with no two keys equal (decoders check this), and never changes.
   */
  static adoptSorted(entries: (readonly [Value, Value])[]): EMap {
    return new EMap(entries);
  }
  /** The empty map. */
  static readonly EMPTY: EMap = new EMap([]);
  /** A map of `pairs`; a later duplicate key replaces an earlier one. */
  static from(pairs: Iterable<readonly [Value, Value]>): EMap {
    const sorted: (readonly [Value, Value])[] = [];
    for (const [k, v] of pairs) {
      const i = search(sorted, k, (e) => e[0]);
      if (i >= 0) sorted[i] = [k, v] as const;
      else sorted.splice(-i - 1, 0, [k, v] as const);
    }
    return new EMap(sorted);
  }
  /** Number of entries. */
  get size(): number {
    return this.entries.length;
  }
  /** The value at `k`, or `undefined` when absent. */
  get(k: Value): Value | undefined {
    const i = search(this.entries, k, (e) => e[0]);
    return i >= 0 ? this.entries[i]![1] : undefined;
  }
  /** Whether `k` is a key. */
  has(k: Value): boolean {
    return search(this.entries, k, (e) => e[0]) >= 0;
  }
  /** A new map with `k` bound to `v`. */
  assoc(k: Value, v: Value): EMap {
    const i = search(this.entries, k, (e) => e[0]);
    const next = this.entries.slice();
    if (i >= 0) next[i] = [k, v] as const;
    else next.splice(-i - 1, 0, [k, v] as const);
    return new EMap(next);
  }
  /** A new map without `k`. */
  dissoc(k: Value): EMap {
    const i = search(this.entries, k, (e) => e[0]);
    if (i < 0) return this;
    const next = this.entries.slice();
    next.splice(i, 1);
    return new EMap(next);
  }
}

/** A set `#{a b}`; members kept sorted in {@link compare} order. */
export class ESet {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'set';
  /** The members, sorted. */
  readonly items: readonly Value[];
  private constructor(sorted: readonly Value[]) {
    this.items = sorted;
  }
  /**
   * A set that takes ownership of `items`, which the caller guarantees are strictly ascending in
   * {@link compare} order, and never changes.
   */
  static adoptSorted(items: Value[]): ESet {
    return new ESet(items);
  }
  /** The empty set. */
  static readonly EMPTY: ESet = new ESet([]);
  /** A set of `items` (duplicates collapse). */
  static from(items: Iterable<Value>): ESet {
    const sorted: Value[] = [];
    for (const x of items) {
      const i = search(sorted, x, (e) => e);
      if (i < 0) sorted.splice(-i - 1, 0, x);
    }
    return new ESet(sorted);
  }
  /** Number of members. */
  get size(): number {
    return this.items.length;
  }
  /** Whether `x` is a member. */
  has(x: Value): boolean {
    return search(this.items, x, (e) => e) >= 0;
  }
  /** A new set with `x`. */
  conj(x: Value): ESet {
    const i = search(this.items, x, (e) => e);
    if (i >= 0) return this;
    const next = this.items.slice();
    next.splice(-i - 1, 0, x);
    return new ESet(next);
  }
  /** A new set without `x`. */
  disj(x: Value): ESet {
    const i = search(this.items, x, (e) => e);
    if (i < 0) return this;
    const next = this.items.slice();
    next.splice(i, 1);
    return new ESet(next);
  }
}

/** A tagged value `#tag value`, e.g. `#inst "1985-04-12T23:20:50.52Z"`, `#uuid "…"`, `#my/point [1 2]`. */
export class Tagged {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'tagged';
  /** Creates `#tag value`; `tag` is a symbol name such as `inst` or `my/point`. */
  constructor(
    /** The tag's symbol text. */
    readonly tag: string,
    /** The tagged value. */
    readonly value: Value,
  ) {}
}

/**
 * A reference to an atom, as a process sees it: a process-local name resolved through the
 * process's atom table (so `fork` can re-point private atoms without copying any value).
 * Printed `#atom N`. Two refs are equal when their names are equal.
 */
export class AtomRef {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'atom';
  /** Creates the reference named `ref`. */
  constructor(
    /** The process-local atom name (a non-negative integer issued by the kernel). */
    readonly ref: number,
  ) {}
}

/**
 * A function value (code is a value). Kernels build their own closures; the value model only
 * fixes how a function is observed: by a stable identity `id` issued by the kernel
 * (deterministic across kernels) and an optional name. Printed `#fn [id name]`.
 */
export class Fn {
  /** The kind tag (on the prototype, so instances stay small). */
  declare readonly kind: 'fn';
  /** Creates a function value; `impl` is the kernel's private representation. */
  constructor(
    /** Deterministic identity (creation order within the kernel). */
    readonly id: number,
    /** The name from `defn`/named `fn`, or null. */
    readonly name: string | null,
    /** The kernel's implementation; never compared, hashed or printed. */
    readonly impl: unknown,
  ) {}
}

// Kind tags live on the prototypes: one less field per value, and values cannot lose them.
for (const [cls, k] of [
  [Char, 'char'],
  [Keyword, 'keyword'],
  [Sym, 'symbol'],
  [Bytes, 'bytes'],
  [List, 'list'],
  [Vector, 'vector'],
  [EMap, 'map'],
  [ESet, 'set'],
  [Tagged, 'tagged'],
  [AtomRef, 'atom'],
  [Fn, 'fn'],
] as const) {
  Object.defineProperty(cls.prototype, 'kind', { value: k, enumerable: false, writable: false });
}

/** The kind of any value. */
export function kindOf(v: Value): Kind {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    default:
      return v.kind;
  }
}

const KIND_RANK: Record<Kind, number> = {
  nil: 0,
  boolean: 1,
  int: 2,
  double: 3,
  char: 4,
  string: 5,
  keyword: 6,
  symbol: 7,
  bytes: 8,
  list: 9,
  vector: 9, // lists and vectors are sequentially equal, so they sort together
  map: 10,
  set: 11,
  tagged: 12,
  atom: 13,
  fn: 14,
};

/** Whether `v` is a list or a vector. */
export function isSequential(v: Value): v is List | Vector {
  return v instanceof List || v instanceof Vector;
}

function cmpStr(a: string, b: string): number {
  // Code-unit order: deterministic and independent of locale.
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNum(a: number, b: number): number {
  // Doubles: all NaNs equal and greatest; -0 equals 0 (see docs/adr/0002-value-model.md).
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpName(ans: string | null, an: string, bns: string | null, bn: string): number {
  if (ans !== bns) {
    if (ans === null) return -1;
    if (bns === null) return 1;
    const c = cmpStr(ans, bns);
    if (c !== 0) return c;
  }
  return cmpStr(an, bn);
}

function cmpSeq(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/**
 * The total order on values: by kind (nil < boolean < int < double < char < string < keyword <
 * symbol < bytes < list/vector < map < set < tagged < atom < fn), then within a kind.
 * `compare(a, b) === 0` exactly when {@link equals}(a, b).
 */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ra = KIND_RANK[ka];
  const rb = KIND_RANK[kb];
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ka) {
    case 'nil':
      return 0;
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'int':
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case 'double':
      return cmpNum(a as number, b as number);
    case 'string':
      return cmpStr(a as string, b as string);
    case 'char':
      return cmpStr((a as Char).ch, (b as Char).ch);
    case 'keyword':
    case 'symbol': {
      const x = a as Keyword | Sym;
      const y = b as Keyword | Sym;
      return cmpName(x.ns, x.name, y.ns, y.name);
    }
    case 'bytes': {
      const x = (a as Bytes).data;
      const y = (b as Bytes).data;
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 'list':
    case 'vector':
      return cmpSeq((a as List | Vector).items, (b as List | Vector).items);
    case 'map': {
      const x = (a as EMap).entries;
      const y = (b as EMap).entries;
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]![0], y[i]![0]) || compare(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 'set':
      return cmpSeq((a as ESet).items, (b as ESet).items);
    case 'tagged': {
      const x = a as Tagged;
      const y = b as Tagged;
      return cmpStr(x.tag, y.tag) || compare(x.value, y.value);
    }
    case 'atom':
      return Math.sign((a as AtomRef).ref - (b as AtomRef).ref);
    case 'fn':
      return Math.sign((a as Fn).id - (b as Fn).id);
  }
}

/** Structural equality (Clojure/EDN): `1` ≠ `1.0`, `[1 2]` = `(1 2)`, maps and sets unordered. */
export function equals(a: Value, b: Value): boolean {
  return compare(a, b) === 0;
}

// ---- hashing (32-bit, murmur3-style mixing) ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The structural hash of `v` (a signed 32-bit integer). Law: `equals(a, b) ⇒ hash(a) === hash(b)`. */
export function hash(v: Value): number {
  switch (kindOf(v)) {
    case 'nil':
      return 0x2a;
    case 'boolean':
      return v ? 0x4d7 : 0x4d5;
    case 'int': {
      const n = BigInt.asUintN(64, v as bigint);
      return fmix(mix(mix(0x1, Number(n & 0xffffffffn)), Number(n >> 32n)));
    }
    case 'double': {
      let d = v as number;
      if (Number.isNaN(d)) d = NaN;
      if (d === 0) d = 0; // -0 → 0
      f64[0] = d;
      return fmix(mix(mix(0x2, u32[0]!), u32[1]!));
    }
    case 'string':
      return hashString(v as string, 0x3);
    case 'char':
      return hashString((v as Char).ch, 0x4);
    case 'keyword':
      return hashString((v as Keyword).fullName, 0x5);
    case 'symbol':
      return hashString((v as Sym).fullName, 0x6);
    case 'bytes': {
      const d = (v as Bytes).data;
      let h = 0x7;
      for (let i = 0; i < d.length; i++) h = mix(h, d[i]!);
      return fmix(h ^ d.length);
    }
    case 'list':
    case 'vector': {
      const items = (v as List | Vector).items;
      let h = 0x8;
      for (const x of items) h = mix(h, hash(x));
      return fmix(h ^ items.length);
    }
    case 'map': {
      // Order-independent: sum of entry hashes.
      let sum = 0;
      for (const [k, x] of (v as EMap).entries) sum = (sum + fmix(mix(hash(k), hash(x)))) | 0;
      return fmix(mix(0x9, sum) ^ (v as EMap).size);
    }
    case 'set': {
      let sum = 0;
      for (const x of (v as ESet).items) sum = (sum + hash(x)) | 0;
      return fmix(mix(0xa, sum) ^ (v as ESet).size);
    }
    case 'tagged':
      return fmix(mix(hashString((v as Tagged).tag, 0xb), hash((v as Tagged).value)));
    case 'atom':
      return fmix(mix(0xc, (v as AtomRef).ref));
    case 'fn':
      return fmix(mix(0xd, (v as Fn).id));
  }
}

/** Binary search in a `compare`-sorted array: index if found, else `-(insertionPoint) - 1`. */
function search<T>(arr: readonly T[], key: Value, get: (t: T) => Value): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(get(arr[mid]!), key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

// ---- small constructors, for readable code and tests ----

/** The keyword `:name` (or `:ns/name` when written `ns/name`). */
export function kw(text: string): Keyword {
  const i = text.indexOf('/');
  return i > 0 && text.length > 1 ? Keyword.of(text.slice(i + 1), text.slice(0, i)) : Keyword.of(text);
}

/** The symbol `name` (or `ns/name`). */
export function sym(text: string): Sym {
  const i = text.indexOf('/');
  return i > 0 && text.length > 1 ? Sym.of(text.slice(i + 1), text.slice(0, i)) : Sym.of(text);
}

/** The vector of `items`. */
export function vec(...items: Value[]): Vector {
  return new Vector(items);
}

/** The list of `items`. */
export function list(...items: Value[]): List {
  return new List(items);
}

/** The int64 `n` (throws on overflow or a non-integer number). */
export function int(n: number | bigint): bigint {
  return checkInt(typeof n === 'number' ? BigInt(n) : n);
}
