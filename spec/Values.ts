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
    /** Interning order among the keywords (0, 1, 2, ...): a dense index for tables kept beside them. */
    readonly serial: number,
  ) {
    Object.freeze(this);
  }
  /** Returns the interned keyword `:ns/name` (or `:name`). */
  static of(name: string, ns: string | null = null): Keyword {
    const key = ns === null ? name : `${ns}\u0000${name}`;
    let k = keywordTable.get(key);
    if (k === undefined) {
      k = new Keyword(ns, name, keywordTable.size);
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
    /** Interning order among the symbols (0, 1, 2, ...): a dense index for tables kept beside them. */
    readonly serial: number,
  ) {
    Object.freeze(this);
  }
  /** Returns the interned symbol `ns/name` (or `name`). */
  static of(name: string, ns: string | null = null): Sym {
    const key = ns === null ? name : `${ns}\u0000${name}`;
    let s = symbolTable.get(key);
    if (s === undefined) {
      s = new Sym(ns, name, symbolTable.size);
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
  /**
   * The array the items are read from: item `i` is `storage[i]` for `i <` {@link size}. Never
   * change it; it may be longer than the vector (another vector appended to it), and those items
   * below `size` never change. Unlike {@link items}, reading it leaves the vector free to append in
   * place (a kernel's heap finds the vector a `conj` extended by it).
   */
  get storage(): readonly Value[] {
    return this.arr;
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
  // One of the two is set: the entries as pairs, or (a map adopted from a decoder that has not
  // been asked for its pairs yet) keys and values alternating in one array, in the same order.
  private sorted: readonly (readonly [Value, Value])[] | null;
  private flat: readonly Value[] | null;
  /** A map of `sorted` (owned; see {@link EMap.adoptSorted}); subclasses pass `[]` and keep their own. */
  protected constructor(sorted: readonly (readonly [Value, Value])[]) {
    this.sorted = sorted;
    this.flat = null;
  }
  /** The entries, sorted by key. */
  get entries(): readonly (readonly [Value, Value])[] {
    let sorted = this.sorted;
    if (sorted === null) {
      const flat = this.flat!;
      const pairs: (readonly [Value, Value])[] = new Array(flat.length >> 1);
      for (let i = 0; i < pairs.length; i++) pairs[i] = [flat[2 * i]!, flat[2 * i + 1]!];
      this.sorted = sorted = pairs;
      this.flat = null;
    }
    return sorted;
  }
  /**
   * A map that takes ownership of `entries`, which the caller guarantees are sorted by key in
   * {@link compare} order with no two keys equal (decoders check this), and never changes.
   */
  static adoptSorted(entries: (readonly [Value, Value])[]): EMap {
    return new EMap(entries);
  }
  /**
   * A map that takes ownership of `keysAndValues` (key, value, key, value…), which the caller
   * guarantees are sorted by key as for {@link EMap.adoptSorted}, and never changes. The pairs of
   * {@link EMap.entries} are made on first use.
   */
  static adoptSortedFlat(keysAndValues: Value[]): EMap {
    const m = new EMap(EMPTY_PAIRS);
    m.sorted = null;
    m.flat = keysAndValues;
    return m;
  }
  /** The empty map. */
  static readonly EMPTY: EMap = new EMap([]);
  /** A map of `pairs`; a later duplicate key replaces an earlier one. */
  static from(pairs: Iterable<readonly [Value, Value]>): EMap {
    // A stable sort by key, then the last pair of each run of equal keys: O(n log n).
    const all: (readonly [Value, Value])[] = [];
    for (const [k, v] of pairs) all.push([k, v] as const);
    all.sort((a, b) => compare(a[0], b[0]));
    const sorted: (readonly [Value, Value])[] = [];
    for (const e of all) {
      if (sorted.length > 0 && compare(sorted[sorted.length - 1]![0], e[0]) === 0) sorted[sorted.length - 1] = e;
      else sorted.push(e);
    }
    return new EMap(sorted);
  }
  /** Number of entries. */
  get size(): number {
    return this.sorted !== null ? this.sorted.length : this.flat!.length >> 1;
  }
  /** The value at `k`, or `undefined` when absent. */
  get(k: Value): Value | undefined {
    if (this.sorted === null) {
      const i = searchKeys(this.flat!, k);
      return i >= 0 ? this.flat![2 * i + 1] : undefined;
    }
    const i = search(this.entries, k, (e) => e[0]);
    return i >= 0 ? this.entries[i]![1] : undefined;
  }
  /** Whether `k` is a key. */
  has(k: Value): boolean {
    if (this.sorted === null) return searchKeys(this.flat!, k) >= 0;
    return search(this.entries, k, (e) => e[0]) >= 0;
  }
  /** A new map with `k` bound to `v`. */
  assoc(k: Value, v: Value): EMap {
    const i = search(this.entries, k, (e) => e[0]);
    return new EMap(i >= 0 ? replaced(this.entries, i, [k, v] as const) : inserted(this.entries, -i - 1, [k, v] as const));
  }
  /** A new map without `k`. */
  dissoc(k: Value): EMap {
    const i = search(this.entries, k, (e) => e[0]);
    if (i < 0) return this;
    return new EMap(removed(this.entries, i));
  }
}

const EMPTY_PAIRS: readonly (readonly [Value, Value])[] = [];

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
    // A stable sort, then the first of each run of equal members: O(n log n).
    const all = Array.from(items).sort(compare);
    const sorted: Value[] = [];
    for (const x of all) if (sorted.length === 0 || compare(sorted[sorted.length - 1]!, x) !== 0) sorted.push(x);
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
    return new ESet(inserted(this.items, -i - 1, x));
  }
  /** A new set without `x`. */
  disj(x: Value): ESet {
    const i = search(this.items, x, (e) => e);
    if (i < 0) return this;
    return new ESet(removed(this.items, i));
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

/** The order {@link compare} gives two strings: code-unit order (deterministic, independent of locale). */
export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpNum(a: number, b: number): number {
  // Doubles: all NaNs equal and greatest; -0 equals 0 (see docs/adr/0002-value-model.md).
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order {@link compare} gives two keywords or two symbols (namespace `ans`/`bns`, name `an`/`bn`): no namespace first, then by namespace, then by name. */
export function cmpName(ans: string | null, an: string, bns: string | null, bn: string): number {
  if (ans !== bns) {
    if (ans === null) return -1;
    if (bns === null) return 1;
    const c = cmpStr(ans, bns);
    if (c !== 0) return c;
  }
  return cmpStr(an, bn);
}

/**
 * The total order on values: by kind (nil < boolean < int < double < char < string < keyword <
 * symbol < bytes < list/vector < map < set < tagged < atom < fn), then within a kind:
 * sequences, maps (entry by entry: key, then value) and sets lexicographically, a shorter one
 * first when one is a prefix of the other. `compare(a, b) === 0` exactly when {@link equals}(a, b).
 *
 * Iterative (an explicit stack, no host recursion), so values nested arbitrarily deep compare
 * without exhausting the host's call stack; the stack grows with the nesting depth only. Values
 * that hold one part many times compare in time linear in their distinct parts.
 */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const c = compareShallow(a, b);
  return c === DESCEND ? compareDeep(a, b) : c;
}

/**
 * Collections one {@link compare} or {@link hash} opens before it remembers the pairs (values) it
 * has finished by identity: below it, no bookkeeping; past it, a part met again costs a lookup.
 */
const SHARED_AFTER = 1024;

/**
 * Members (items, keys, values; characters of a hashed string; bytes) the structural walks —
 * {@link compare}, {@link equals}, {@link hash} — have visited in this thread so far. A kernel
 * reads it before and after a built-in to charge the built-in's reading work as fuel
 * (docs/language.md, "Built-ins that read values"); nothing in the value model depends on it.
 */
let visited = 0;

/** The running count of members the structural walks have visited (see `visited` above): only differences of two readings mean anything. */
export function walkWork(): number {
  return visited;
}

/** What {@link compareShallow} answers for two collections of one rank: their members decide. */
const DESCEND = 2;

/** Compares `a` and `b` (never the same object) unless both are collections of one rank (then {@link DESCEND}). */
function compareShallow(a: Value, b: Value): number {
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
      visited += n;
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 'atom':
      return Math.sign((a as AtomRef).ref - (b as AtomRef).ref);
    case 'fn':
      return Math.sign((a as Fn).id - (b as Fn).id);
    default:
      return DESCEND; // list/vector, map, set, tagged
  }
}

/** The number of members a collection is compared (or hashed) by: items, or 2 × entries for a map. */
function memberCount(v: List | Vector | EMap | ESet): number {
  return v instanceof EMap ? 2 * v.size : v instanceof ESet ? v.items.length : v.size;
}

/** Member `i` of a collection: item `i`, or for a map key (even `i`) or value (odd `i`) of entry `i >> 1`. */
function memberAt(v: List | Vector | EMap | ESet, i: number): Value {
  if (v instanceof EMap) {
    const e = v.entries[i >> 1]!;
    return (i & 1) === 0 ? e[0] : e[1];
  }
  // Lists and vectors are read through `at`, which leaves a vector free to append in place.
  return v instanceof ESet ? v.items[i]! : v.at(i)!;
}

/** Two collections of one rank being compared member by member. */
interface CompareFrame {
  readonly a: List | Vector | EMap | ESet;
  readonly b: List | Vector | EMap | ESet;
  /** The next member to compare. */
  i: number;
  /** Members both have. */
  readonly n: number;
  /** The answer when the first `n` members are equal: the shorter collection first. */
  readonly tail: number;
}

/** {@link compare} of two collections of one rank, with an explicit stack of {@link CompareFrame}s. */
function compareDeep(a0: Value, b0: Value): number {
  const stack: CompareFrame[] = [];
  // Past SHARED_AFTER pairs of collections opened, each pair found equal is remembered by
  // identity, so values that hold parts many times compare in time linear in their distinct
  // parts (as in hashDeep).
  let opened = 0;
  let equal = null as Map<object, Set<object>> | null;
  let a = a0;
  let b = b0;
  for (;;) {
    let c = a === b ? 0 : compareShallow(a, b);
    if (c === DESCEND && equal?.get(a as object)?.has(b as object) === true) c = 0;
    if (c === DESCEND) {
      if (a instanceof Tagged) {
        // The tag decides, else the tagged values do (this pair's last comparison: no frame needed).
        const t = b as Tagged;
        c = cmpStr(a.tag, t.tag);
        if (c === 0) {
          a = a.value;
          b = t.value;
          continue;
        }
      } else {
        const x = a as List | Vector | EMap | ESet;
        const y = b as List | Vector | EMap | ESet;
        const la = memberCount(x);
        const lb = memberCount(y);
        stack.push({ a: x, b: y, i: 0, n: Math.min(la, lb), tail: la === lb ? 0 : la < lb ? -1 : 1 });
        if (equal === null && ++opened > SHARED_AFTER) equal = new Map();
        c = 0;
      }
    }
    if (c !== 0) return c;
    // The next pair of members still to compare, or the answer.
    for (;;) {
      const f = stack[stack.length - 1];
      if (f === undefined) return 0;
      if (f.i < f.n) {
        a = memberAt(f.a, f.i);
        b = memberAt(f.b, f.i);
        f.i++;
        visited++;
        break;
      }
      if (f.tail !== 0) return f.tail;
      stack.pop();
      if (equal !== null) {
        const known = equal.get(f.a);
        if (known === undefined) equal.set(f.a, new Set([f.b]));
        else known.add(f.b);
      }
    }
  }
}

/**
 * The number of values `v` is made of counted as a tree: itself, its members, their members and
 * so on, a part held n times counted n times (so `[v v]` nested 60 deep counts about 2^61, though
 * it is 61 collections in memory). Computed in time linear in the distinct parts; a lower bound of
 * the length of its text and of its binary encoding (every value takes at least one character or
 * byte). Iterative, like {@link compare}. With a `cap`, the answer is exact up to `cap` and
 * `cap + 1` above it, found in time linear in `cap`.
 */
export function expandedSize(v: Value, cap = Infinity): number {
  if (!(v instanceof List || v instanceof Vector || v instanceof EMap || v instanceof ESet || v instanceof Tagged)) return 1;
  if (cap !== Infinity) return expandedSizeUpTo(v, cap);
  const size = new Map<object, number>();
  const stack: (List | Vector | EMap | ESet | Tagged)[] = [v];
  while (stack.length > 0) {
    const x = stack[stack.length - 1]!;
    if (size.has(x)) {
      stack.pop();
      continue;
    }
    // Sized once every member is: members not yet sized go on the stack first.
    let total = 1;
    let ready = true;
    const n = x instanceof Tagged ? 1 : memberCount(x);
    for (let i = 0; i < n; i++) {
      const m = x instanceof Tagged ? x.value : memberAt(x, i);
      if (m instanceof List || m instanceof Vector || m instanceof EMap || m instanceof ESet || m instanceof Tagged) {
        const s = size.get(m);
        if (s === undefined) {
          stack.push(m);
          ready = false;
        } else total += s;
      } else total += 1;
    }
    if (ready) {
      stack.pop();
      size.set(x, total);
    }
  }
  return size.get(v)!;
}

/** {@link expandedSize} of `v` when at most `cap`, else `cap + 1`: counted part by part, so in time at most linear in `cap`. */
function expandedSizeUpTo(v: Value, cap: number): number {
  let count = 0;
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (++count > cap) return cap + 1;
    if (x instanceof Tagged) stack.push(x.value);
    else if (x instanceof List || x instanceof Vector || x instanceof EMap || x instanceof ESet) {
      const n = memberCount(x);
      // Members past what the cap can still count are not pushed.
      for (let i = 0; i < n && i <= cap - count; i++) stack.push(memberAt(x, i));
    }
  }
  return count;
}

/** Structural equality (Clojure/EDN): `1` ≠ `1.0`, `[1 2]` = `(1 2)`, maps and sets unordered. Iterative, like {@link compare}. */
export function equals(a: Value, b: Value): boolean {
  return compare(a, b) === 0;
}

// ---- hashing (32-bit, murmur3-style mixing) ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * The structural hash of `v` (a signed 32-bit integer). Law: `equals(a, b) ⇒ hash(a) === hash(b)`.
 *
 * Iterative (an explicit stack, no host recursion), so values nested arbitrarily deep hash
 * without exhausting the host's call stack; values that hold one part many times hash in time
 * linear in their distinct parts.
 */
export function hash(v: Value): number {
  const h = hashScalar(v);
  return h === undefined ? hashDeep(v as List | Vector | EMap | ESet | Tagged) : h;
}

/** The hash of a value that is not a collection or a tagged value; `undefined` for those. */
function hashScalar(v: Value): number | undefined {
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
      visited += (v as string).length;
      return hashString(v as string, 0x3);
    case 'char':
      return hashString((v as Char).ch, 0x4);
    case 'keyword':
      return hashString((v as Keyword).fullName, 0x5);
    case 'symbol':
      return hashString((v as Sym).fullName, 0x6);
    case 'bytes': {
      const d = (v as Bytes).data;
      visited += d.length;
      let h = 0x7;
      for (let i = 0; i < d.length; i++) h = mix(h, d[i]!);
      return fmix(h ^ d.length);
    }
    case 'atom':
      return fmix(mix(0xc, (v as AtomRef).ref));
    case 'fn':
      return fmix(mix(0xd, (v as Fn).id));
    default:
      return undefined; // list, vector, map, set, tagged
  }
}

/** A collection or tagged value whose members are being hashed. */
interface HashFrame {
  readonly v: List | Vector | EMap | ESet | Tagged;
  /** The next member to hash. */
  i: number;
  /** Members: items, 2 × entries for a map, 1 for a tagged value. */
  readonly n: number;
  /** The running hash (sequences) or sum (maps, sets). */
  acc: number;
  /** A map's key hash, waiting for its value's. */
  key: number;
}

/**
 * {@link hash} of a collection or tagged value, with an explicit stack of {@link HashFrame}s:
 * - list, vector: `fmix(mix(…mix(0x8, h0)…, hn-1) ^ n)`;
 * - map: `fmix(mix(0x9, Σ fmix(mix(h(k), h(v)))) ^ size)` (order-independent);
 * - set: `fmix(mix(0xa, Σ h(x)) ^ size)`;
 * - tagged: `fmix(mix(hashString(tag, 0xb), h(value)))`.
 */
function hashDeep(root: List | Vector | EMap | ESet | Tagged): number {
  const stack: HashFrame[] = [];
  // Past SHARED_AFTER values opened, each value hashed is remembered by identity, so a value
  // that holds one part many times (`[v v]` nested n deep: 2^n leaves, n + 1 collections) is
  // hashed in time linear in its distinct parts, not in its expansion as a tree.
  let opened = 0;
  let seen = null as Map<object, number> | null;
  const open = (v: List | Vector | EMap | ESet | Tagged): void => {
    const seq = v instanceof List || v instanceof Vector;
    stack.push({ v, i: 0, n: v instanceof Tagged ? 1 : memberCount(v), acc: seq ? 0x8 : 0, key: 0 });
    if (seen === null && ++opened > SHARED_AFTER) seen = new Map();
  };
  open(root);
  for (;;) {
    const f = stack[stack.length - 1]!;
    let h: number;
    if (f.i < f.n) {
      const m = f.v instanceof Tagged ? f.v.value : memberAt(f.v, f.i);
      f.i++;
      visited++;
      const s = hashScalar(m) ?? seen?.get(m as object);
      if (s === undefined) {
        open(m as List | Vector | EMap | ESet | Tagged);
        continue;
      }
      h = s;
    } else {
      // Every member hashed: this value's hash goes to its container (or is the answer).
      stack.pop();
      const v = f.v;
      h = v instanceof Tagged ? fmix(mix(hashString(v.tag, 0xb), f.acc)) : v instanceof EMap ? fmix(mix(0x9, f.acc) ^ v.size) : v instanceof ESet ? fmix(mix(0xa, f.acc) ^ v.items.length) : fmix(f.acc ^ f.n);
      if (stack.length === 0) return h;
      seen?.set(v, h);
    }
    // Fold the member's hash `h` into the innermost open value.
    const g = stack[stack.length - 1]!;
    const v = g.v;
    if (v instanceof List || v instanceof Vector) g.acc = mix(g.acc, h);
    else if (v instanceof EMap) {
      if ((g.i & 1) === 1) g.key = h;
      else g.acc = (g.acc + fmix(mix(g.key, h))) | 0;
    } else if (v instanceof ESet) g.acc = (g.acc + h) | 0;
    else g.acc = h; // tagged: its one member
  }
}

// Copies with one change, by plain loops (several times faster than `slice` + `splice` on big arrays).

/** A copy of `arr` with `x` inserted at `i`. */
function inserted<T>(arr: readonly T[], i: number, x: T): T[] {
  const n = arr.length;
  const out = new Array<T>(n + 1);
  for (let j = 0; j < i; j++) out[j] = arr[j]!;
  out[i] = x;
  for (let j = i; j < n; j++) out[j + 1] = arr[j]!;
  return out;
}

/** A copy of `arr` with item `i` replaced by `x`. */
function replaced<T>(arr: readonly T[], i: number, x: T): T[] {
  const n = arr.length;
  const out = new Array<T>(n);
  for (let j = 0; j < n; j++) out[j] = arr[j]!;
  out[i] = x;
  return out;
}

/** A copy of `arr` without item `i`. */
function removed<T>(arr: readonly T[], i: number): T[] {
  const n = arr.length;
  const out = new Array<T>(n - 1);
  for (let j = 0; j < i; j++) out[j] = arr[j]!;
  for (let j = i + 1; j < n; j++) out[j - 1] = arr[j]!;
  return out;
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

/** {@link search} over the keys of a key, value, key, value… array: the entry's index if found, else `-(insertionPoint) - 1`. */
function searchKeys(flat: readonly Value[], key: Value): number {
  let lo = 0;
  let hi = (flat.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(flat[2 * mid]!, key);
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
