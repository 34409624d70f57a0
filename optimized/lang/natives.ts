/**
 * The optimized kernel's pure core library: every built-in function of the system language
 * (docs/language.md, "Core library (pure)") that computes a value from values in one step.
 *
 * Written independently of the reference kernel (which is this module's oracle in the
 * differential tests): same names, same argument checking, same results and the same error
 * messages (a program can catch a built-in's failure and read its `:message`). Where the
 * reference materializes whole sequences (`count`, `nth`, `first`, `get` on strings and maps,
 * `into`, `merge`, `distinct`, `range`), this module answers without copying or in linear time;
 * integer arithmetic on two ints takes a fast path.
 *
 * Failures raise {@link fault} (a catchable `program-error`).
 * @module
 */
import { printEdn, printEdnPrefix } from '../../spec/codec/Edn.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, INT64_MAX, INT64_MIN, Keyword, List, Sym, Tagged, Vector, compare, equals, hash, kindOf, kw, type Value } from '../../spec/Values.js';
import { QuotaExceeded, fault } from './errors.js';
import { arityFault, shortText as short } from '../../spec/lang/errors.js';
import { VersionedMap } from './vmap.js';

/** A pure built-in: its result from its arguments; raises a `program-error` on bad arguments. */
export type NativeFn = (args: readonly Value[]) => Value;

/** Seeded bugs and hooks of the core library. */
export interface NativeOptions {
  /** The `collection-off-by-one` mutant: `nth` and `subvec` refuse the last index of a vector. */
  readonly offByOne: boolean;
  /**
   * Called by `assoc` and `conj` each time they derive a vector `updated` from a vector
   * `original` (once per key/value pair or added item), for the `in-place-update-shared` mutant.
   */
  readonly inPlace: (original: Vector, updated: Vector) => void;
  /**
   * The most elements (items, entries, characters, bytes) a built-in's result may have: a
   * built-in that can build a value much larger than its arguments (`range`, `concat`, `into`,
   * `str`, `pr-str`) computes the size first, and a result of at least 16 elements over this is
   * `out-of-memory` before anything is built. Default: no limit (the kernel passes its heap-cell
   * quota, or no limit under the `quota-not-enforced` mutant).
   */
  readonly maxElements?: number;
  /** The `vmap-stale-version` mutant: maps built by `assoc`/`dissoc` read some old versions one update late. */
  readonly staleVersions?: boolean;
}

type Num = bigint | number;
type Entry = readonly [Value, Value];

// ---------------------------------------------------------------------------------------------
// Argument checking and messages
// ---------------------------------------------------------------------------------------------

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether `v` counts as true in a test: every value but nil and false. */
export function truthy(v: Value): boolean {
  return !(v === false || v === null);
}

/** Fails with the arity error of `name` unless `min ≤ args.length ≤ max`. */
function arity(args: readonly Value[], min: number, max: number, name: string): void {
  const n = args.length;
  if (n >= min && n <= max) return;
  arityFault(n, name);
}

/** `v` when it is a number (int or double), else the error `op` reports for a non-number. */
function num(v: Value, op: string): Num {
  switch (typeof v) {
    case 'bigint':
    case 'number':
      return v;
    default:
      return fault(`${op}: expected a number, got ${kindOf(v)} ${short(v)}`);
  }
}

/** `v` when it is an int, else the error `op` reports for a non-integer. */
function int(v: Value, op: string): bigint {
  if (typeof v !== 'bigint') fault(`${op}: expected an integer, got ${kindOf(v)} ${short(v)}`);
  return v;
}

/** The int argument `v` of `op` as an index: -1 for any int below -1 or above 2^53 - 1 (out of range either way). */
function index(v: Value, op: string): number {
  const i = int(v, op);
  if (i >= -1n && i <= MAX_SAFE) return Number(i);
  return -1;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b` (an int and a double compare as doubles); NaN when they are unordered. */
function numCmp(a: Num, b: Num): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b ? 0 : a < b ? -1 : 1;
  const x = Number(a);
  const y = Number(b);
  if (x === y) return 0;
  if (x < y) return -1;
  return x > y ? 1 : NaN;
}

/**
 * The items of the seqable value `v` in order: nil has none, a string its characters (code
 * points), bytes their values as ints, a map its entries as `[k v]` vectors in key order.
 */
export function seqItems(v: Value, op: string): readonly Value[] {
  if (v instanceof Vector || v instanceof List || v instanceof ESet) return v.items;
  if (v === null) return [];
  if (v instanceof EMap) return v.entries.map(entryVector);
  if (typeof v === 'string') {
    const out: Char[] = [];
    for (const c of v) out.push(new Char(c));
    return out;
  }
  if (v instanceof Bytes) {
    const out: bigint[] = new Array<bigint>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = BigInt(v.at(i));
    return out;
  }
  return notSeqable(v, op);
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

function overflow(op: string): never {
  return fault(`integer overflow in ${op}`);
}

function inRange(r: bigint, op: string): bigint {
  if (r > INT64_MAX || r < INT64_MIN) overflow(op);
  return r;
}

function add(op: string, a: Num, b: Num): Num {
  return typeof a === 'bigint' && typeof b === 'bigint' ? inRange(a + b, op) : Number(a) + Number(b);
}

function sub(op: string, a: Num, b: Num): Num {
  return typeof a === 'bigint' && typeof b === 'bigint' ? inRange(a - b, op) : Number(a) - Number(b);
}

function mul(a: Num, b: Num): Num {
  return typeof a === 'bigint' && typeof b === 'bigint' ? inRange(a * b, '*') : Number(a) * Number(b);
}

/** `(op a b c …)` holds when `ok` holds for every adjacent pair; stops at the first pair that fails. */
function chain(name: string, ok: (c: number) => boolean): NativeFn {
  return (a) => {
    const n = a.length;
    if (n === 2) {
      const x = a[0]!;
      const y = a[1]!;
      if (typeof x === 'bigint' && typeof y === 'bigint') return ok(x < y ? -1 : x > y ? 1 : 0);
    }
    if (n === 0) arityFault(0, name);
    if (n === 1) {
      num(a[0]!, name);
      return true;
    }
    for (let i = 0; i + 1 < n; i++) if (!ok(numCmp(num(a[i]!, name), num(a[i + 1]!, name)))) return false;
    return true;
  };
}

/** `/`: exact when an int divides an int, else a double. */
function divide(x: Num, y: Num): Num {
  if (typeof x === 'bigint' && typeof y === 'bigint') {
    if (y === 0n) fault('divide by zero');
    if (x % y !== 0n) return Number(x) / Number(y);
    const q = x / y;
    // The reference reports this overflow (only INT64_MIN / -1) with its generic wording.
    if (q > INT64_MAX) overflow('integer');
    return q;
  }
  return Number(x) / Number(y);
}

/** Two-operand integer-or-double operation shared by quot, rem and mod. */
function division(op: string, ints: (p: bigint, q: bigint) => bigint, dbl: (p: number, q: number) => number): NativeFn {
  return (a) => {
    arity(a, 2, 2, op);
    const x = num(a[0]!, op);
    const y = num(a[1]!, op);
    if (y === 0n) fault('divide by zero');
    if (typeof x === 'bigint' && typeof y === 'bigint') return inRange(ints(x, y), op);
    return dbl(Number(x), Number(y));
  };
}

/** `max`/`min`: the first argument that no later one beats (`better(c)` on the comparison). */
function extreme(name: string, better: (c: number) => boolean): NativeFn {
  return (a) => {
    arity(a, 1, Infinity, name);
    let best = a[0]!;
    for (let i = 1; i < a.length; i++) {
      const y = a[i]!;
      if (better(numCmp(num(y, name), num(best, name)))) best = y;
    }
    return best;
  };
}

function toLong(v: Value): Value {
  const n = num(v, 'long');
  if (typeof n === 'bigint') return n;
  if (!Number.isFinite(n)) fault(`long: cannot convert ${n} to an integer`);
  const r = BigInt(Math.trunc(n));
  if (r > INT64_MAX || r < INT64_MIN) overflow('long');
  return r;
}

// ---------------------------------------------------------------------------------------------
// Strings, by code point (a lone surrogate counts as one character)
// ---------------------------------------------------------------------------------------------

const SURROGATE = /[\uD800-\uDFFF]/;
let lastScanned = '';
let lastHadSurrogates = false;

/** Whether `s` holds any surrogate code unit (so code points and code units differ). */
function hasSurrogates(s: string): boolean {
  if (s.length < 64) return SURROGATE.test(s);
  // Loops over one long string (nth, get) ask repeatedly: remember the last answer.
  if (s !== lastScanned) {
    lastScanned = s;
    lastHadSurrogates = SURROGATE.test(s);
  }
  return lastHadSurrogates;
}

/** Code units taken by the code point starting at unit `j` (2 for a well-formed pair, else 1). */
function cpWidth(s: string, j: number): number {
  const c = s.charCodeAt(j);
  if (c >= 0xd800 && c <= 0xdbff && j + 1 < s.length) {
    const d = s.charCodeAt(j + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** Number of code points of `s`. */
function cpCount(s: string): number {
  if (!hasSurrogates(s)) return s.length;
  let n = 0;
  for (let j = 0; j < s.length; j += cpWidth(s, j)) n++;
  return n;
}

/** The code unit offset of code point `i` of `s` (or `s.length` past the end). */
function cpOffset(s: string, i: number): number {
  if (!hasSurrogates(s)) return Math.min(i, s.length);
  let j = 0;
  for (let k = 0; k < i && j < s.length; k++) j += cpWidth(s, j);
  return j;
}

/** Code point `i` of `s` as a character; `undefined` when out of range. */
function cpAt(s: string, i: number): Char | undefined {
  if (i < 0) return undefined;
  if (!hasSurrogates(s)) return i < s.length ? new Char(s[i]!) : undefined;
  const j = cpOffset(s, i);
  return j < s.length ? new Char(s.slice(j, j + cpWidth(s, j))) : undefined;
}

function strOf(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Char) return v.ch;
  return printEdn(v);
}

// ---------------------------------------------------------------------------------------------
// Sequences
// ---------------------------------------------------------------------------------------------

function notSeqable(v: Value, op: string): never {
  return fault(`${op}: don't know how to make a sequence from ${kindOf(v)} ${short(v)}`);
}

function entryVector(e: Entry): Vector {
  return Vector.adopt([e[0], e[1]]);
}

/** Number of items of a seqable value; raises naming `count` otherwise. */
function count(v: Value): number {
  return countOf(v, 'count');
}

/** Number of items of a seqable value; raises naming `op` otherwise. */
function countOf(v: Value, op: string): number {
  if (v === null) return 0;
  if (v instanceof List || v instanceof Vector) return v.size;
  if (v instanceof ESet) return v.items.length;
  if (v instanceof EMap) return v.size;
  if (typeof v === 'string') return cpCount(v);
  if (v instanceof Bytes) return v.length;
  return notSeqable(v, op);
}

/** Item `i` of a seqable value (undefined past the end), without materializing it. */
function itemAt(v: Value, i: number, op: string): Value | undefined {
  if (v === null) return undefined;
  if (v instanceof List || v instanceof Vector) return v.at(i);
  if (v instanceof ESet) return v.items[i];
  if (v instanceof EMap) {
    const e = v.entries[i];
    return e === undefined ? undefined : entryVector(e);
  }
  if (typeof v === 'string') return cpAt(v, i);
  if (v instanceof Bytes) {
    const b = v.data[i];
    return b === undefined ? undefined : BigInt(b);
  }
  return notSeqable(v, op);
}

/** The items of a seqable value from index `from` on, as a new array the caller owns. */
function itemsFrom(v: Value, from: number, op: string): Value[] {
  if (v instanceof List || v instanceof Vector || v instanceof ESet) return v.items.slice(from);
  if (typeof v === 'string' && !hasSurrogates(v)) {
    const out: Value[] = [];
    for (let j = from; j < v.length; j++) out.push(new Char(v[j]!));
    return out;
  }
  const items = seqItems(v, op);
  return from === 0 ? items.slice() : items.slice(from);
}

// ---------------------------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------------------------

/** Entries of `a` and then `b` (both sorted by key), later ones replacing earlier equal keys. */
function mergeEntries(a: readonly Entry[], b: readonly Entry[]): EMap {
  if (b.length === 0) return a.length === 0 ? EMap.EMPTY : EMap.adoptSorted(a.slice());
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compare(a[i]![0], b[j]![0]);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else {
      out.push(b[j++]!);
      i++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return EMap.adoptSorted(out);
}

/** The `[key value]` pair `x` adds to a map, or a fault. */
function mapEntryOf(x: Value): Entry {
  if ((x instanceof Vector || x instanceof List) && x.items.length === 2) return [x.items[0]!, x.items[1]!];
  return fault(`conj: a map takes [key value] entries, got ${short(x)}`);
}

/** `coll` with `x` added where its kind adds (vectors at the end, lists in front, …). */
function conj1(coll: Value, x: Value): Value {
  if (coll instanceof Vector) return coll.conj(x);
  if (coll === null) return List.adopt([x]);
  if (coll instanceof List) {
    const items = coll.items.slice();
    items.unshift(x);
    return List.adopt(items);
  }
  if (coll instanceof ESet) return coll.conj(x);
  if (coll instanceof EMap) {
    if (x instanceof EMap) return mergeEntries(coll.entries, x.entries);
    const [k, v] = mapEntryOf(x);
    return VersionedMap.of(coll).assoc(k, v);
  }
  return fault(`conj: cannot add to ${kindOf(coll)}`);
}

/** `(into to from)`: every item of `from` conj'ed onto `to`, in one pass. */
function into(to: Value, fromColl: Value): Value {
  const items = seqItems(fromColl, 'into');
  const n = items.length;
  if (n === 0) return to;
  if (to instanceof Vector) return Vector.adopt(to.items.concat(items));
  if (to === null || to instanceof List) {
    const base = to === null ? [] : to.items;
    const out = new Array<Value>(n + base.length);
    for (let i = 0; i < n; i++) out[n - 1 - i] = items[i]!;
    for (let i = 0; i < base.length; i++) out[n + i] = base[i]!;
    return List.adopt(out);
  }
  if (to instanceof ESet) return ESet.from(to.items.concat(items));
  if (to instanceof EMap) {
    const pairs: Entry[] = to.entries.slice();
    for (const x of items) {
      if (x instanceof EMap) for (const e of x.entries) pairs.push(e);
      else pairs.push(mapEntryOf(x));
    }
    return EMap.from(pairs);
  }
  return fault(`conj: cannot add to ${kindOf(to)}`);
}

/** `(get coll k dflt)`. */
function get(coll: Value, k: Value, dflt: Value): Value {
  if (coll instanceof EMap) {
    const v = coll.get(k);
    return v === undefined ? dflt : v;
  }
  if (coll instanceof ESet) return coll.has(k) ? k : dflt;
  if (coll instanceof Vector || typeof coll === 'string' || coll instanceof Bytes) {
    if (typeof k !== 'bigint' || k < 0n || k > MAX_SAFE) return dflt;
    const v = itemAt(coll, Number(k), 'get');
    return v === undefined ? dflt : v;
  }
  return dflt;
}

/** The first occurrence of every distinct item, in order (equal by {@link equals}). */
function distinct(items: readonly Value[]): Value[] {
  const buckets = new Map<number, Value[]>();
  const out: Value[] = [];
  for (const x of items) {
    const h = hash(x);
    const seen = buckets.get(h);
    if (seen === undefined) buckets.set(h, [x]);
    else if (seen.some((y) => equals(x, y))) continue;
    else seen.push(x);
    out.push(x);
  }
  return out;
}

const RANGE_LIMIT = 10_000_000n;

/** `(range start end step)` as a list; at most ten million items, and at most `most` (else out-of-memory, before building). */
function range(start: bigint, end: bigint, step: bigint, most: number): List {
  if (step === 0n) fault('range: step must not be 0');
  const span = step > 0n ? end - start : start - end;
  const stride = step > 0n ? step : -step;
  const n = span <= 0n ? 0n : (span + stride - 1n) / stride;
  refuseOver('range', n, most);
  if (n > RANGE_LIMIT) fault('range: too many elements');
  const out = new Array<Value>(Number(n));
  let x = start;
  for (let i = 0; i < out.length; i++, x += step) out[i] = x;
  return List.adopt(out);
}

/** Raises `out-of-memory` (uncatchable) when a result of `n` elements (at least 16) would be over `most`. */
function refuseOver(name: string, n: number | bigint, most: number): void {
  if (n >= 16 && n > most) throw new QuotaExceeded('out-of-memory', `${name} would build a value of ${n} elements, over the heap quota of ${most} cells`);
}

/**
 * The concatenated text of `a` (separated by `sep`), each value's text from `text(v, room)`,
 * which may stop past `room` characters: once the total is over `most`, out-of-memory.
 */
function boundedText(name: string, a: readonly Value[], sep: string, most: number, text: (v: Value, room: number) => string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out += sep;
    out += text(a[i]!, most - out.length);
    if (out.length > most) refuseOver(name, out.length, most);
  }
  return out;
}

/** A byte from an int argument, or the `<op>: n is not a byte` fault. */
function byteOf(v: Value, op: string): number {
  const n = int(v, op);
  if (n < 0n || n > 255n) fault(`${op}: ${n} is not a byte (0..255)`);
  return Number(n);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function predicate(name: string, test: (v: Value) => boolean): NativeFn {
  return (a) => {
    if (a.length !== 1) arityFault(a.length, name);
    return test(a[0]!);
  };
}

/** One numeric argument compared with zero. */
function signTest(name: string, ok: (c: number) => boolean): NativeFn {
  return predicate(name, (v) => {
    const n = num(v, name);
    return ok(typeof n === 'bigint' ? (n < 0n ? -1 : n > 0n ? 1 : 0) : numCmp(n, 0n));
  });
}

/** Whether every argument equals the first. */
function allEqual(a: readonly Value[]): boolean {
  const first = a[0]!;
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    if (x === first) continue;
    const t = typeof x;
    if ((t === 'bigint' || t === 'string' || t === 'boolean') && t === typeof first) return false;
    if (!equals(x, first)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

/**
 * The pure built-ins, by the name a program calls them with: the same set of names, results and
 * error messages as the reference kernel's core library, with `opts` selecting the
 * `collection-off-by-one` mutant and the `in-place-update-shared` hook.
 */
export function createNatives(opts: NativeOptions): ReadonlyMap<string, NativeFn> {
  const { offByOne, inPlace } = opts;
  const stale = opts.staleVersions === true;
  const most = opts.maxElements ?? Infinity;
  // At most `room + 1` characters of a printed value: enough to know whether it fits.
  const strText = (v: Value, room: number): string => (v === null || typeof v === 'string' || v instanceof Char ? strOf(v) : printEdnPrefix(v, room + 1));
  const prText = (v: Value, room: number): string => printEdnPrefix(v, room + 1);

  const nth = (coll: Value, i: number, dflt: Value | undefined): Value => {
    let n: number;
    if (coll instanceof Vector || coll instanceof List) n = coll.size;
    else if (typeof coll === 'string') n = cpCount(coll);
    else if (coll instanceof Bytes) n = coll.length;
    else if (coll === null) n = 0;
    else return fault(`nth not supported on ${kindOf(coll)}`);
    const limit = offByOne && coll instanceof Vector ? n - 1 : n;
    if (i >= 0 && i < limit) return itemAt(coll, i, 'nth')!;
    if (dflt !== undefined) return dflt;
    return fault(`index ${i} out of bounds for ${kindOf(coll)} of count ${n}`);
  };

  const assoc1 = (coll: Value, k: Value, v: Value): Value => {
    // Maps a program updates become versioned maps (O(1) updates of the newest version).
    if (coll instanceof EMap) return VersionedMap.of(coll, stale).assoc(k, v);
    if (coll === null) return VersionedMap.of(EMap.EMPTY, stale).assoc(k, v);
    if (coll instanceof Vector) {
      const i = index(k, 'assoc');
      const n = coll.items.length;
      if (i < 0 || i > n) fault(`assoc: index ${printEdn(k)} out of bounds for vector of count ${n}`);
      const items = coll.items.slice();
      items[i] = v;
      const updated = Vector.adopt(items);
      inPlace(coll, updated);
      return updated;
    }
    return fault(`assoc: not supported on ${kindOf(coll)}`);
  };

  const table: Record<string, NativeFn> = {
    '+': (a) => {
      if (a.length === 2) {
        const x = a[0]!;
        const y = a[1]!;
        if (typeof x === 'bigint' && typeof y === 'bigint') return inRange(x + y, '+');
      }
      let acc: Num = 0n;
      for (const y of a) acc = add('+', acc, num(y, '+'));
      return acc;
    },
    '*': (a) => {
      if (a.length === 2) {
        const x = a[0]!;
        const y = a[1]!;
        if (typeof x === 'bigint' && typeof y === 'bigint') return inRange(x * y, '*');
      }
      let acc: Num = 1n;
      for (const y of a) acc = mul(acc, num(y, '*'));
      return acc;
    },
    '-': (a) => {
      const n = a.length;
      if (n === 2) {
        const x = a[0]!;
        const y = a[1]!;
        if (typeof x === 'bigint' && typeof y === 'bigint') return inRange(x - y, '-');
      }
      if (n === 0) arityFault(0, '-');
      if (n === 1) return sub('-', 0n, num(a[0]!, '-'));
      let acc = num(a[0]!, '-');
      for (let i = 1; i < n; i++) acc = sub('-', acc, num(a[i]!, '-'));
      return acc;
    },
    '/': (a) => {
      arity(a, 1, Infinity, '/');
      if (a.length === 1) return divide(1n, num(a[0]!, '/'));
      let acc = num(a[0]!, '/');
      for (let i = 1; i < a.length; i++) acc = divide(acc, num(a[i]!, '/'));
      return acc;
    },
    quot: division(
      'quot',
      (p, q) => p / q,
      (p, q) => Math.trunc(p / q),
    ),
    rem: division(
      'rem',
      (p, q) => p % q,
      (p, q) => p % q,
    ),
    mod: division(
      'mod',
      (p, q) => ((p % q) + q) % q,
      (p, q) => ((p % q) + q) % q,
    ),
    inc: (a) => {
      if (a.length !== 1) arityFault(a.length, 'inc');
      const x = a[0]!;
      return typeof x === 'bigint' ? inRange(x + 1n, 'inc') : (num(x, 'inc') as number) + 1;
    },
    dec: (a) => {
      if (a.length !== 1) arityFault(a.length, 'dec');
      const x = a[0]!;
      return typeof x === 'bigint' ? inRange(x - 1n, 'dec') : (num(x, 'dec') as number) - 1;
    },
    abs: (a) => {
      if (a.length !== 1) arityFault(a.length, 'abs');
      const x = num(a[0]!, 'abs');
      if (typeof x === 'bigint') return x < 0n ? inRange(-x, 'abs') : x;
      return x < 0 ? 0 - x : x;
    },
    max: extreme('max', (c) => c > 0),
    min: extreme('min', (c) => c < 0),
    long: (a) => (arity(a, 1, 1, 'long'), toLong(a[0]!)),
    '<': chain('<', (c) => c < 0),
    '>': chain('>', (c) => c > 0),
    '<=': chain('<=', (c) => c <= 0),
    '>=': chain('>=', (c) => c >= 0),
    '==': chain('==', (c) => c === 0),
    '=': (a) => (arity(a, 1, Infinity, '='), allEqual(a)),
    'not=': (a) => (arity(a, 1, Infinity, 'not='), !allEqual(a)),
    not: predicate('not', (v) => v === null || v === false),
    'zero?': signTest('zero?', (c) => c === 0),
    'pos?': signTest('pos?', (c) => c > 0),
    'neg?': signTest('neg?', (c) => c < 0),
    'even?': predicate('even?', (v) => (int(v, 'even?') & 1n) === 0n),
    'odd?': predicate('odd?', (v) => (int(v, 'odd?') & 1n) !== 0n),
    'nil?': predicate('nil?', (v) => v === null),
    'some?': predicate('some?', (v) => v !== null),
    'true?': predicate('true?', (v) => v === true),
    'false?': predicate('false?', (v) => v === false),
    'number?': predicate('number?', (v) => typeof v === 'bigint' || typeof v === 'number'),
    'int?': predicate('int?', (v) => typeof v === 'bigint'),
    'double?': predicate('double?', (v) => typeof v === 'number'),
    'string?': predicate('string?', (v) => typeof v === 'string'),
    'keyword?': predicate('keyword?', (v) => v instanceof Keyword),
    'symbol?': predicate('symbol?', (v) => v instanceof Sym),
    'vector?': predicate('vector?', (v) => v instanceof Vector),
    'list?': predicate('list?', (v) => v instanceof List),
    'map?': predicate('map?', (v) => v instanceof EMap),
    'set?': predicate('set?', (v) => v instanceof ESet),
    'fn?': predicate('fn?', (v) => v instanceof Fn),
    'bytes?': predicate('bytes?', (v) => v instanceof Bytes),
    'atom?': predicate('atom?', (v) => v instanceof AtomRef),
    get: (a) => {
      if (a.length < 2 || a.length > 3) arityFault(a.length, 'get');
      return get(a[0]!, a[1]!, a.length === 3 ? a[2]! : null);
    },
    assoc: (a) => {
      if (a.length < 3 || a.length % 2 === 0) arityFault(a.length, 'assoc');
      let v: Value = a[0]!;
      for (let i = 1; i < a.length; i += 2) v = assoc1(v, a[i]!, a[i + 1]!);
      return v;
    },
    dissoc: (a) => {
      arity(a, 1, Infinity, 'dissoc');
      const m = a[0]!;
      if (m === null) return null;
      if (!(m instanceof EMap)) return fault(`dissoc: expected a map, got ${kindOf(m)}`);
      let out: EMap = m;
      // An absent key leaves the very map (as the spec's dissoc does), converted or not.
      for (let i = 1; i < a.length; i++) if (out.has(a[i]!)) out = VersionedMap.of(out, stale).dissoc(a[i]!);
      return out;
    },
    disj: (a) => {
      arity(a, 1, Infinity, 'disj');
      const s = a[0]!;
      if (!(s instanceof ESet)) return fault(`disj: expected a set, got ${kindOf(s)}`);
      let out = s;
      for (let i = 1; i < a.length; i++) out = out.disj(a[i]!);
      return out;
    },
    conj: (a) => {
      arity(a, 1, Infinity, 'conj');
      let coll: Value = a[0]!;
      for (let i = 1; i < a.length; i++) {
        const next = conj1(coll, a[i]!);
        if (coll instanceof Vector) inPlace(coll, next as Vector);
        coll = next;
      }
      return coll;
    },
    count: (a) => (arity(a, 1, 1, 'count'), BigInt(count(a[0]!))),
    nth: (a) => {
      if (a.length < 2 || a.length > 3) arityFault(a.length, 'nth');
      const coll = a[0]!;
      const k = a[1]!;
      // Fast path: an in-range int index into a vector.
      if (coll instanceof Vector && typeof k === 'bigint' && k >= 0n) {
        const n = coll.size;
        if (k < BigInt(offByOne ? n - 1 : n)) return coll.at(Number(k))!;
      }
      return nth(coll, index(k, 'nth'), a[2]);
    },
    first: (a) => (arity(a, 1, 1, 'first'), itemAt(a[0]!, 0, 'first') ?? null),
    second: (a) => (arity(a, 1, 1, 'second'), itemAt(a[0]!, 1, 'second') ?? null),
    last: (a) => {
      arity(a, 1, 1, 'last');
      const c = a[0]!;
      if (c instanceof List || c instanceof Vector) return c.size === 0 ? null : (c.at(c.size - 1) ?? null);
      if (c instanceof ESet) return c.items.at(-1) ?? null;
      if (c instanceof EMap) return c.size === 0 ? null : entryVector(c.entries[c.size - 1]!);
      return seqItems(c, 'last').at(-1) ?? null;
    },
    rest: (a) => {
      arity(a, 1, 1, 'rest');
      const c = a[0]!;
      // A list's rest shares its storage (O(1)): walking a sequence is linear.
      if (c instanceof List) return c.size <= 1 ? List.adopt([]) : c.drop(1);
      return List.adopt(itemsFrom(c, 1, 'rest'));
    },
    next: (a) => {
      arity(a, 1, 1, 'next');
      const c = a[0]!;
      if (c instanceof List) return c.size <= 1 ? null : c.drop(1);
      const items = itemsFrom(c, 1, 'next');
      return items.length === 0 ? null : List.adopt(items);
    },
    seq: (a) => {
      arity(a, 1, 1, 'seq');
      const c = a[0]!;
      if (c instanceof List) return c.size === 0 ? null : c;
      // A vector's array, once handed out, never changes: the list can share it (O(1)).
      if (c instanceof Vector) return c.size === 0 ? null : List.adopt(c.items as Value[]);
      const items = itemsFrom(c, 0, 'seq');
      return items.length === 0 ? null : List.adopt(items);
    },
    cons: (a) => {
      arity(a, 2, 2, 'cons');
      const items = itemsFrom(a[1]!, 0, 'cons');
      items.unshift(a[0]!);
      return List.adopt(items);
    },
    list: (a) => List.adopt(a.slice()),
    vector: (a) => Vector.adopt(a.slice()),
    vec: (a) => (arity(a, 1, 1, 'vec'), Vector.adopt(itemsFrom(a[0]!, 0, 'vec'))),
    set: (a) => {
      arity(a, 1, 1, 'set');
      const c = a[0]!;
      return c instanceof ESet ? c : ESet.from(seqItems(c, 'set'));
    },
    range: (a) => {
      arity(a, 1, 3, 'range');
      if (a.length === 1) return range(0n, int(a[0]!, 'range'), 1n, most);
      const start = int(a[0]!, 'range');
      const end = int(a[1]!, 'range');
      return range(start, end, a.length === 3 ? int(a[2]!, 'range') : 1n, most);
    },
    into: (a) => {
      arity(a, 2, 2, 'into');
      const to = a[0]!;
      // Sequential targets keep every item: the size is known before building.
      if (to === null || to instanceof Vector || to instanceof List) refuseOver('into', (to === null ? 0 : to.size) + countOf(a[1]!, 'into'), most);
      return into(to, a[1]!);
    },
    concat: (a) => {
      let n = 0;
      for (const c of a) n += countOf(c, 'concat');
      refuseOver('concat', n, most);
      const out: Value[] = [];
      for (const c of a) {
        const items = c instanceof List || c instanceof Vector || c instanceof ESet ? c.items : seqItems(c, 'concat');
        for (const x of items) out.push(x);
      }
      return List.adopt(out);
    },
    reverse: (a) => (arity(a, 1, 1, 'reverse'), List.adopt(itemsFrom(a[0]!, 0, 'reverse').reverse())),
    sort: (a) => (arity(a, 1, 1, 'sort'), List.adopt(itemsFrom(a[0]!, 0, 'sort').sort(compare))),
    distinct: (a) => (arity(a, 1, 1, 'distinct'), List.adopt(distinct(seqItems(a[0]!, 'distinct')))),
    take: (a) => {
      arity(a, 2, 2, 'take');
      const coll = a[1]!;
      const items = coll instanceof List || coll instanceof Vector || coll instanceof ESet ? coll.items : seqItems(coll, 'take');
      return List.adopt(items.slice(0, Math.max(0, index(a[0]!, 'take'))));
    },
    drop: (a) => {
      arity(a, 2, 2, 'drop');
      const coll = a[1]!;
      const items = coll instanceof List || coll instanceof Vector || coll instanceof ESet ? coll.items : seqItems(coll, 'drop');
      return List.adopt(items.slice(Math.max(0, index(a[0]!, 'drop'))));
    },
    merge: (a) => {
      let m: EMap | null = null;
      for (const x of a) {
        if (x === null) continue;
        if (!(x instanceof EMap)) return fault(`merge: expected maps, got ${kindOf(x)}`);
        m = m === null ? x : mergeEntries(m.entries, x.entries);
      }
      return m;
    },
    str: (a) => {
      if (a.length === 1 && (a[0] === null || typeof a[0] === 'string' || a[0] instanceof Char)) return strOf(a[0]);
      return boundedText('str', a, '', most, strText);
    },
    'pr-str': (a) => boundedText('pr-str', a, ' ', most, prText),
    subs: (a) => {
      arity(a, 2, 3, 'subs');
      const s = a[0]!;
      if (typeof s !== 'string') return fault('subs: expected a string');
      const n = cpCount(s);
      const start = index(a[1]!, 'subs');
      const end = a.length === 3 ? index(a[2]!, 'subs') : n;
      if (start < 0 || end < start || end > n) fault(`subs: range ${start}..${end} out of bounds`);
      if (!hasSurrogates(s)) return s.slice(start, end);
      const from = cpOffset(s, start);
      return s.slice(from, from + cpOffset(s.slice(from), end - start));
    },
    bytes: (a) => {
      arity(a, 1, 1, 'bytes');
      const x = a[0]!;
      if (typeof x === 'string') return new Bytes(encoder.encode(x));
      if (x instanceof Bytes) return x;
      const items = x instanceof List || x instanceof Vector || x instanceof ESet ? x.items : seqItems(x, 'bytes');
      const data = new Uint8Array(items.length);
      for (let i = 0; i < items.length; i++) data[i] = byteOf(items[i]!, 'bytes');
      return new Bytes(data);
    },
    '%to-list': (a) => (arity(a, 1, 1, '%to-list'), List.adopt(itemsFrom(a[0]!, 0, '%to-list'))),
    double: (a) => {
      arity(a, 1, 1, 'double');
      const x = num(a[0]!, 'double');
      return typeof x === 'number' ? x : Number(x);
    },
    compare: (a) => (arity(a, 2, 2, 'compare'), BigInt(compare(a[0]!, a[1]!))),
    hash: (a) => (arity(a, 1, 1, 'hash'), BigInt(hash(a[0]!))),
    identity: (a) => (arity(a, 1, 1, 'identity'), a[0]!),
    type: (a) => (arity(a, 1, 1, 'type'), kw(kindOf(a[0]!))),
    'get-in': (a) => {
      arity(a, 2, 3, 'get-in');
      const path = a[1]!;
      const keys = path instanceof Vector || path instanceof List ? path.items : seqItems(path, 'get-in');
      let v: Value = a[0]!;
      for (let i = 0; i < keys.length; i++) v = get(v, keys[i]!, null);
      // The default stands for a nil result, whether a key was missing or held nil.
      if (v === null && a.length === 3) return a[2]!;
      return v;
    },
    'hash-map': (a) => {
      if ((a.length & 1) === 1) fault('hash-map: no value supplied for the last key');
      const pairs: [Value, Value][] = new Array<[Value, Value]>(a.length >> 1);
      for (let i = 0; i < pairs.length; i++) pairs[i] = [a[2 * i]!, a[2 * i + 1]!];
      return EMap.from(pairs);
    },
    'hash-set': (a) => ESet.from(a),
    keys: (a) => mapPart(a, 'keys', 0),
    vals: (a) => mapPart(a, 'vals', 1),
    'contains?': (a) => {
      arity(a, 2, 2, 'contains?');
      const c = a[0]!;
      const k = a[1]!;
      if (c instanceof EMap) return c.get(k) !== undefined;
      if (c instanceof ESet) return c.has(k);
      if (c === null) return false;
      if (c instanceof Vector || c instanceof Bytes || typeof c === 'string') return typeof k === 'bigint' && k >= 0n && k < BigInt(count(c));
      return fault(`contains? not supported on ${kindOf(c)}`);
    },
    'empty?': (a) => (arity(a, 1, 1, 'empty?'), count(a[0]!) === 0),
    empty: (a) => {
      arity(a, 1, 1, 'empty');
      const c = a[0]!;
      if (c instanceof Vector) return Vector.adopt([]);
      if (c instanceof List) return List.adopt([]);
      if (c instanceof EMap) return EMap.EMPTY;
      if (c instanceof ESet) return ESet.EMPTY;
      return null;
    },
    subvec: (a) => {
      arity(a, 2, 3, 'subvec');
      const v = a[0]!;
      if (!(v instanceof Vector)) return fault(`subvec: expected a vector, got ${kindOf(v)}`);
      const n = v.size;
      const from = index(a[1]!, 'subvec');
      const to = a.length === 2 ? n : index(a[2]!, 'subvec');
      if (from < 0 || to < from || to > (offByOne ? n - 1 : n)) fault(`subvec: range ${from}..${to} out of bounds for vector of count ${n}`);
      return Vector.adopt(v.items.slice(from, to));
    },
    name: (a) => {
      arity(a, 1, 1, 'name');
      const x = a[0]!;
      if (x instanceof Keyword || x instanceof Sym) return x.name;
      if (typeof x === 'string') return x;
      return fault(`name: expected a string, keyword or symbol, got ${kindOf(x)}`);
    },
    keyword: (a) => {
      arity(a, 1, 1, 'keyword');
      const s = a[0]!;
      return typeof s === 'string' ? kw(s) : fault('keyword: expected a string');
    },
    symbol: (a) => {
      arity(a, 1, 1, 'symbol');
      const s = a[0]!;
      return typeof s === 'string' ? Sym.of(s) : fault('symbol: expected a string');
    },
    tagged: (a) => {
      arity(a, 2, 2, 'tagged');
      const tag = a[0]!;
      return typeof tag === 'string' ? new Tagged(tag, a[1]!) : fault('tagged: expected a tag string');
    },
    'byte-at': (a) => {
      arity(a, 2, 2, 'byte-at');
      const b = bytesArg(a[0]!, 'byte-at');
      return BigInt(b.at(byteIndex(b, a[1]!, 'byte-at')));
    },
    'assoc-byte': (a) => {
      arity(a, 3, 3, 'assoc-byte');
      const b = bytesArg(a[0]!, 'assoc-byte');
      const i = index(a[1]!, 'assoc-byte');
      const x = int(a[2]!, 'assoc-byte');
      if (i < 0 || i >= b.length) fault(`assoc-byte: index ${i} out of bounds for bytes of count ${b.length}`);
      if (x < 0n || x > 255n) fault(`assoc-byte: ${x} is not a byte (0..255)`);
      return b.assoc(i, Number(x));
    },
    'bytes->string': (a) => {
      arity(a, 1, 1, 'bytes->string');
      const b = a[0]!;
      return b instanceof Bytes ? decoder.decode(b.data) : fault('bytes->string: expected bytes');
    },
  };
  return new Map(Object.entries(table));
}

/** `keys` (`part` 0) or `vals` (`part` 1) of a map: a list in key order, nil for nil or an empty map. */
function mapPart(a: readonly Value[], name: string, part: 0 | 1): Value {
  arity(a, 1, 1, name);
  const m = a[0]!;
  if (m === null) return null;
  if (!(m instanceof EMap)) return fault(`${name}: expected a map, got ${kindOf(m)}`);
  if (m.size === 0) return null;
  return List.adopt(m.entries.map((e) => e[part]));
}

/** The bytes argument `v` of `op`, or its error. */
function bytesArg(v: Value, op: string): Bytes {
  if (v instanceof Bytes) return v;
  return fault(`${op}: expected bytes, got ${kindOf(v)}`);
}

/** The index argument `k` of `op` into `b`, or the out-of-bounds error. */
function byteIndex(b: Bytes, k: Value, op: string): number {
  const i = index(k, op);
  if (i >= 0 && i < b.length) return i;
  return fault(`${op}: index ${i} out of bounds for bytes of count ${b.length}`);
}
