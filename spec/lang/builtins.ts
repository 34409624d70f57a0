/**
 * The pure built-ins of the system language: what each computes from its arguments, in one
 * machine step, written for clarity (docs/language.md, "Core library (pure)"). No built-in can
 * mutate anything; "changing" a collection returns a new one. Higher-order functions (`map`,
 * `filter`, `reduce`, `swap!`, …) are written in the language itself (spec/Prelude.ts), so that
 * calling back into a program stays a machine step.
 *
 * A bad argument raises the catchable `program-error` (spec/lang/errors.ts); a result over the
 * heap quota is `out-of-memory` before it is built. The reference kernel runs these definitions;
 * the optimized kernel runs faster versions of some of them, tested against these.
 * @module
 */
import { printEdn, printEdnPrefix } from '../codec/Edn.js';
import { KernelError } from '../Errors.js';
import { Bytes, Char, EMap, ESet, Fn, IntOverflowError, Keyword, List, Sym, Tagged, Vector, AtomRef, checkInt, compare, equals, hash, kindOf, kw, type Value } from '../Values.js';
import { arityFault, langFault as programError, shortText as short } from './errors.js';

/** A pure built-in: its result from its arguments; raises a `program-error` on bad arguments. */
export type BuiltinFn = (args: readonly Value[]) => Value;

/** Clojure truthiness: everything except nil and false. */
export function truthy(v: Value): boolean {
  return v !== null && v !== false;
}

type NativeFn = BuiltinFn;

function typeName(v: Value): string {
  return kindOf(v);
}

/** The number argument `v` of `op`, or the `expected a number` error. */
export function num(v: Value, op: string): bigint | number {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  return programError(`${op}: expected a number, got ${typeName(v)} ${short(v)}`);
}

/** The integer argument `v` of `op`, or the `expected an integer` error. */
export function int(v: Value, op: string): bigint {
  if (typeof v === 'bigint') return v;
  return programError(`${op}: expected an integer, got ${typeName(v)} ${short(v)}`);
}

/** An integer argument used as an index: -1 stands for anything below -1 or beyond 2^53 - 1. */
export function index(v: Value, op: string): number {
  const i = int(v, op);
  return i < -1n || i > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(i);
}

/** Raises the arity error unless `args` has from `min` to `max` items. */
export function arity(args: readonly Value[], min: number, max: number, name: string): void {
  if (args.length < min || args.length > max) arityFault(args.length, name);
}

/** int64 arithmetic with overflow as a program error; int with double gives a double (Clojure). */
function arith(op: string, a: bigint | number, b: bigint | number, ints: (x: bigint, y: bigint) => bigint, dbl: (x: number, y: number) => number): bigint | number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    try {
      return checkInt(ints(a, b), op);
    } catch (e) {
      if (e instanceof IntOverflowError) programError(`integer overflow in ${op}`);
      throw e;
    }
  }
  return dbl(Number(a), Number(b));
}

/** Numeric comparison (an int against a double compares as doubles); NaN when unordered. */
export function numCmp(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
}

function chain(name: string, ok: (c: number) => boolean): NativeFn {
  return (args) => {
    if (args.length === 0) programError(`wrong number of arguments (0) passed to ${name}`);
    for (let i = 0; i + 1 < args.length; i++) if (!ok(numCmp(num(args[i]!, name), num(args[i + 1]!, name)))) return false;
    if (args.length === 1) num(args[0]!, name);
    return true;
  };
}

/** The items of a seqable value, in order (maps give `[k v]` vectors in canonical order). */
export function seqItems(v: Value, op: string): readonly Value[] {
  if (v === null) return [];
  if (v instanceof List || v instanceof Vector || v instanceof ESet) return v.items;
  if (v instanceof EMap) return v.entries.map(([k, x]) => new Vector([k, x]));
  if (typeof v === 'string') return Array.from(v, (c) => new Char(c));
  if (v instanceof Bytes) return Array.from(v.data, (b) => BigInt(b));
  return programError(`${op}: don't know how to make a sequence from ${typeName(v)} ${short(v)}`);
}

function count(v: Value, op = 'count'): number {
  if (typeof v === 'string') return Array.from(v).length;
  if (v instanceof EMap || v instanceof ESet) return v.size;
  if (v instanceof Bytes) return v.length;
  if (v instanceof List || v instanceof Vector) return v.size; // `size` leaves a vector free to append in place
  return seqItems(v, op).length;
}

function conj1(coll: Value, x: Value): Value {
  if (coll === null) return new List([x]);
  if (coll instanceof Vector) return coll.conj(x); // amortized O(1): shares storage with coll (spec/Values.ts)
  if (coll instanceof List) return prepend(x, coll.items);
  if (coll instanceof ESet) return coll.conj(x);
  if (coll instanceof EMap) {
    if (x instanceof EMap) return x.entries.reduce<EMap>((m, [k, y]) => m.assoc(k, y), coll);
    if ((x instanceof Vector || x instanceof List) && x.items.length === 2) return coll.assoc(x.items[0]!, x.items[1]!);
    return programError(`conj: a map takes [key value] entries, got ${short(x)}`);
  }
  return programError(`conj: cannot add to ${typeName(coll)}`);
}

function strOf(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Char) return v.ch;
  return printEdn(v);
}

function toList(items: readonly Value[]): List {
  return new List(items);
}

/** The list of `x` followed by `items` (one copy, by a plain loop). */
function prepend(x: Value, items: readonly Value[]): List {
  const out = new Array<Value>(items.length + 1);
  out[0] = x;
  for (let i = 0; i < items.length; i++) out[i + 1] = items[i]!;
  return List.adopt(out);
}

/** Number of elements `(range start end step)` has (`step` ≠ 0). */
function rangeCount(start: bigint, end: bigint, step: bigint): bigint {
  const span = step > 0n ? end - start : start - end;
  const stride = step > 0n ? step : -step;
  return span <= 0n ? 0n : (span + stride - 1n) / stride;
}

/** Seeded bugs and hooks of the built-ins. */
export interface BuiltinOptions {
  /** The `collection-off-by-one` mutant: `nth` and `subvec` refuse the last index of a vector. */
  readonly offByOne?: boolean;
  /**
   * Called by `assoc` and `conj` each time they derive a vector `updated` from a vector
   * `original` (once per key/value pair or added item), for the `in-place-update-shared` mutant.
   */
  readonly inPlace?: (original: Vector, updated: Vector) => void;
  /**
   * The most elements (items, entries, characters, bytes) a built-in's result may have (the
   * heap-cell quota; default: no limit): a result of at least 16 elements over it is
   * `out-of-memory` before anything is built, for the built-ins whose result can be much larger
   * than their arguments (`range`, `concat`, `into`, `str`, `pr-str`).
   */
  readonly maxElements?: number;
  /** Raises `out-of-memory` with `message` (default: a {@link KernelError} of that kind). */
  readonly outOfMemory?: (message: string) => never;
}

/** The pure built-ins, by the name a program calls them with. */
export function builtins(opts: BuiltinOptions = {}): ReadonlyMap<string, BuiltinFn> {
  const offByOne = opts.offByOne === true;
  const inPlace = opts.inPlace ?? ((): void => undefined);
  /** The most elements a built-in's result may have. */
  const most = opts.maxElements ?? Infinity;
  const heapCells = most;
  const outOfMemory =
    opts.outOfMemory ??
    ((message: string): never => {
      throw new KernelError('out-of-memory', message);
    });

  /** Refuses (out-of-memory, uncatchable) to build a value of `n` elements for `name` when that is over the quota. */
  const reserve = (name: string, n: number | bigint): void => {
    if (n >= 16 && n > most) outOfMemory(`${name} would build a value of ${n} elements, over the heap quota of ${heapCells} cells`);
  };

  /** The text `str` makes of `a`, refused before it is built when longer than the quota allows. */
  const strChecked = (name: string, a: readonly Value[], text: (v: Value, room: number) => string, sep: string): string => {
    const parts: string[] = [];
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      if (i > 0) n += sep.length;
      const t = text(a[i]!, most - n);
      n += t.length;
      parts.push(t);
      if (n > most) reserve(name, n); // refuses: this much text, or more, is over the quota
    }
    return parts.join(sep);
  };
  // At most `room + 1` characters of a printed value: enough to know it does not fit.
  const strText = (v: Value, room: number): string => (v === null || typeof v === 'string' || v instanceof Char ? strOf(v) : printEdnPrefix(v, room + 1));
  const prText = (v: Value, room: number): string => printEdnPrefix(v, room + 1);

  const nth = (coll: Value, i: number, dflt: Value | undefined): Value => {
    const items = coll instanceof Vector || coll instanceof List || typeof coll === 'string' || coll instanceof Bytes || coll === null ? seqItems(coll, 'nth') : programError(`nth not supported on ${typeName(coll)}`);
    const limit = offByOne && coll instanceof Vector ? items.length - 1 : items.length;
    if (i >= 0 && i < limit) return items[i]!;
    if (dflt !== undefined) return dflt;
    return programError(`index ${i} out of bounds for ${typeName(coll)} of count ${items.length}`);
  };

  const assoc = (coll: Value, k: Value, v: Value): Value => {
    if (coll === null) return EMap.EMPTY.assoc(k, v);
    if (coll instanceof EMap) return coll.assoc(k, v);
    if (coll instanceof Vector) {
      const i = index(k, 'assoc');
      if (i < 0 || i > coll.items.length) programError(`assoc: index ${printEdn(k)} out of bounds for vector of count ${coll.items.length}`);
      const items = coll.items.slice();
      items[i] = v;
      const updated = new Vector(items);
      inPlace(coll, updated);
      return updated;
    }
    return programError(`assoc: not supported on ${typeName(coll)}`);
  };

  const get = (coll: Value, k: Value, dflt: Value = null): Value => {
    if (coll instanceof EMap) return coll.has(k) ? coll.get(k)! : dflt;
    if (coll instanceof ESet) return coll.has(k) ? k : dflt;
    if (coll instanceof Vector || typeof coll === 'string' || coll instanceof Bytes) {
      if (typeof k !== 'bigint') return dflt;
      const items = seqItems(coll, 'get');
      return k >= 0n && k < BigInt(items.length) ? items[Number(k)]! : dflt;
    }
    return dflt;
  };

  const table: Record<string, NativeFn> = {
    '+': (a) => a.reduce<bigint | number>((x, y) => arith('+', x, num(y, '+'), (p, q) => p + q, (p, q) => p + q), 0n),
    '*': (a) => a.reduce<bigint | number>((x, y) => arith('*', x, num(y, '*'), (p, q) => p * q, (p, q) => p * q), 1n),
    '-': (a) => {
      if (a.length === 0) programError('wrong number of arguments (0) passed to -');
      if (a.length === 1) return arith('-', 0n, num(a[0]!, '-'), (p, q) => p - q, (p, q) => p - q);
      return a.slice(1).reduce<bigint | number>((x, y) => arith('-', x, num(y, '-'), (p, q) => p - q, (p, q) => p - q), num(a[0]!, '-'));
    },
    '/': (a) => {
      arity(a, 1, Infinity, '/');
      const all = a.length === 1 ? [1n, a[0]!] : a;
      return all.slice(1).reduce<bigint | number>((x, y) => {
        const d = num(y, '/');
        if (typeof x === 'bigint' && typeof d === 'bigint') {
          if (d === 0n) programError('divide by zero');
          return x % d === 0n ? checkInt(x / d) : Number(x) / Number(d);
        }
        return Number(x) / Number(d);
      }, num(all[0]!, '/'));
    },
    quot: (a) => {
      arity(a, 2, 2, 'quot');
      const [x, y] = [num(a[0]!, 'quot'), num(a[1]!, 'quot')];
      if (typeof y === 'bigint' && y === 0n) programError('divide by zero');
      return arith('quot', x, y, (p, q) => p / q, (p, q) => Math.trunc(p / q));
    },
    rem: (a) => {
      arity(a, 2, 2, 'rem');
      const [x, y] = [num(a[0]!, 'rem'), num(a[1]!, 'rem')];
      if (typeof y === 'bigint' && y === 0n) programError('divide by zero');
      return arith('rem', x, y, (p, q) => p % q, (p, q) => p % q);
    },
    mod: (a) => {
      arity(a, 2, 2, 'mod');
      const [x, y] = [num(a[0]!, 'mod'), num(a[1]!, 'mod')];
      if (typeof y === 'bigint' && y === 0n) programError('divide by zero');
      return arith('mod', x, y, (p, q) => ((p % q) + q) % q, (p, q) => ((p % q) + q) % q);
    },
    inc: (a) => (arity(a, 1, 1, 'inc'), arith('inc', num(a[0]!, 'inc'), 1n, (p, q) => p + q, (p, q) => p + q)),
    dec: (a) => (arity(a, 1, 1, 'dec'), arith('dec', num(a[0]!, 'dec'), 1n, (p, q) => p - q, (p, q) => p - q)),
    abs: (a) => (arity(a, 1, 1, 'abs'), numCmp(num(a[0]!, 'abs'), 0n) < 0 ? arith('abs', 0n, a[0] as bigint | number, (p, q) => p - q, (p, q) => p - q) : a[0]!),
    max: (a) => (arity(a, 1, Infinity, 'max'), a.reduce((x, y) => (numCmp(num(y, 'max'), num(x, 'max')) > 0 ? y : x))),
    min: (a) => (arity(a, 1, Infinity, 'min'), a.reduce((x, y) => (numCmp(num(y, 'min'), num(x, 'min')) < 0 ? y : x))),
    double: (a) => (arity(a, 1, 1, 'double'), Number(num(a[0]!, 'double'))),
    long: (a) => {
      arity(a, 1, 1, 'long');
      const n = num(a[0]!, 'long');
      if (typeof n === 'bigint') return n;
      if (!Number.isFinite(n)) programError(`long: cannot convert ${n} to an integer`);
      try {
        return checkInt(BigInt(Math.trunc(n)));
      } catch {
        return programError('integer overflow in long');
      }
    },
    '<': chain('<', (c) => c < 0),
    '>': chain('>', (c) => c > 0),
    '<=': chain('<=', (c) => c <= 0),
    '>=': chain('>=', (c) => c >= 0),
    '==': chain('==', (c) => c === 0),
    '=': (a) => (arity(a, 1, Infinity, '='), a.every((x) => equals(x, a[0]!))),
    'not=': (a) => (arity(a, 1, Infinity, 'not='), !a.every((x) => equals(x, a[0]!))),
    compare: (a) => (arity(a, 2, 2, 'compare'), BigInt(compare(a[0]!, a[1]!))),
    hash: (a) => (arity(a, 1, 1, 'hash'), BigInt(hash(a[0]!))),
    identity: (a) => (arity(a, 1, 1, 'identity'), a[0]!),
    not: (a) => (arity(a, 1, 1, 'not'), !truthy(a[0]!)),
    'zero?': (a) => (arity(a, 1, 1, 'zero?'), numCmp(num(a[0]!, 'zero?'), 0n) === 0),
    'pos?': (a) => (arity(a, 1, 1, 'pos?'), numCmp(num(a[0]!, 'pos?'), 0n) > 0),
    'neg?': (a) => (arity(a, 1, 1, 'neg?'), numCmp(num(a[0]!, 'neg?'), 0n) < 0),
    'even?': (a) => (arity(a, 1, 1, 'even?'), int(a[0]!, 'even?') % 2n === 0n),
    'odd?': (a) => (arity(a, 1, 1, 'odd?'), int(a[0]!, 'odd?') % 2n !== 0n),
    'nil?': (a) => (arity(a, 1, 1, 'nil?'), a[0] === null),
    'some?': (a) => (arity(a, 1, 1, 'some?'), a[0] !== null),
    'true?': (a) => (arity(a, 1, 1, 'true?'), a[0] === true),
    'false?': (a) => (arity(a, 1, 1, 'false?'), a[0] === false),
    'number?': (a) => (arity(a, 1, 1, 'number?'), typeof a[0] === 'bigint' || typeof a[0] === 'number'),
    'int?': (a) => (arity(a, 1, 1, 'int?'), typeof a[0] === 'bigint'),
    'double?': (a) => (arity(a, 1, 1, 'double?'), typeof a[0] === 'number'),
    'string?': (a) => (arity(a, 1, 1, 'string?'), typeof a[0] === 'string'),
    'keyword?': (a) => (arity(a, 1, 1, 'keyword?'), a[0] instanceof Keyword),
    'symbol?': (a) => (arity(a, 1, 1, 'symbol?'), a[0] instanceof Sym),
    'vector?': (a) => (arity(a, 1, 1, 'vector?'), a[0] instanceof Vector),
    'list?': (a) => (arity(a, 1, 1, 'list?'), a[0] instanceof List),
    'map?': (a) => (arity(a, 1, 1, 'map?'), a[0] instanceof EMap),
    'set?': (a) => (arity(a, 1, 1, 'set?'), a[0] instanceof ESet),
    'fn?': (a) => (arity(a, 1, 1, 'fn?'), a[0] instanceof Fn),
    'bytes?': (a) => (arity(a, 1, 1, 'bytes?'), a[0] instanceof Bytes),
    'atom?': (a) => (arity(a, 1, 1, 'atom?'), a[0] instanceof AtomRef),
    type: (a) => (arity(a, 1, 1, 'type'), kw(typeName(a[0]!))),
    get: (a) => (arity(a, 2, 3, 'get'), get(a[0]!, a[1]!, a[2] ?? null)),
    'get-in': (a) => {
      arity(a, 2, 3, 'get-in');
      let v: Value = a[0]!;
      for (const k of seqItems(a[1]!, 'get-in')) v = get(v, k);
      return v === null && a.length === 3 ? a[2]! : v;
    },
    assoc: (a) => {
      if (a.length < 3 || a.length % 2 === 0) programError(`wrong number of arguments (${a.length}) passed to assoc`);
      let v: Value = a[0]!;
      for (let i = 1; i < a.length; i += 2) v = assoc(v, a[i]!, a[i + 1]!);
      return v;
    },
    dissoc: (a) => {
      arity(a, 1, Infinity, 'dissoc');
      if (a[0] === null) return null;
      if (!(a[0] instanceof EMap)) programError(`dissoc: expected a map, got ${typeName(a[0]!)}`);
      return a.slice(1).reduce<EMap>((m, k) => m.dissoc(k), a[0]);
    },
    disj: (a) => {
      arity(a, 1, Infinity, 'disj');
      if (!(a[0] instanceof ESet)) programError(`disj: expected a set, got ${typeName(a[0]!)}`);
      return a.slice(1).reduce<ESet>((s, x) => s.disj(x), a[0]);
    },
    conj: (a) => {
      arity(a, 1, Infinity, 'conj');
      let coll: Value = a[0]!;
      for (const x of a.slice(1)) {
        const next = conj1(coll, x);
        if (coll instanceof Vector && next instanceof Vector) inPlace(coll, next);
        coll = next;
      }
      return coll;
    },
    count: (a) => (arity(a, 1, 1, 'count'), BigInt(count(a[0]!))),
    nth: (a) => (arity(a, 2, 3, 'nth'), nth(a[0]!, index(a[1]!, 'nth'), a[2])),
    first: (a) => (arity(a, 1, 1, 'first'), seqItems(a[0]!, 'first')[0] ?? null),
    second: (a) => (arity(a, 1, 1, 'second'), seqItems(a[0]!, 'second')[1] ?? null),
    last: (a) => (arity(a, 1, 1, 'last'), seqItems(a[0]!, 'last').at(-1) ?? null),
    rest: (a) => (arity(a, 1, 1, 'rest'), toList(seqItems(a[0]!, 'rest').slice(1))),
    next: (a) => {
      arity(a, 1, 1, 'next');
      const items = seqItems(a[0]!, 'next');
      return items.length <= 1 ? null : toList(items.slice(1));
    },
    seq: (a) => {
      arity(a, 1, 1, 'seq');
      const items = seqItems(a[0]!, 'seq');
      return items.length === 0 ? null : a[0] instanceof List ? a[0] : toList(items);
    },
    cons: (a) => (arity(a, 2, 2, 'cons'), prepend(a[0]!, seqItems(a[1]!, 'cons'))),
    list: (a) => toList(a),
    vector: (a) => new Vector(a),
    vec: (a) => (arity(a, 1, 1, 'vec'), new Vector(seqItems(a[0]!, 'vec'))),
    'hash-map': (a) => {
      if (a.length % 2 !== 0) programError('hash-map: no value supplied for the last key');
      const pairs: [Value, Value][] = [];
      for (let i = 0; i < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
      return EMap.from(pairs);
    },
    'hash-set': (a) => ESet.from(a),
    set: (a) => (arity(a, 1, 1, 'set'), ESet.from(seqItems(a[0]!, 'set'))),
    keys: (a) => {
      arity(a, 1, 1, 'keys');
      if (a[0] !== null && !(a[0] instanceof EMap)) programError(`keys: expected a map, got ${typeName(a[0]!)}`);
      return a[0] === null || a[0].size === 0 ? null : toList(a[0].entries.map((e) => e[0]));
    },
    vals: (a) => {
      arity(a, 1, 1, 'vals');
      if (a[0] !== null && !(a[0] instanceof EMap)) programError(`vals: expected a map, got ${typeName(a[0]!)}`);
      return a[0] === null || a[0].size === 0 ? null : toList(a[0].entries.map((e) => e[1]));
    },
    'contains?': (a) => {
      arity(a, 2, 2, 'contains?');
      const [c, k] = [a[0]!, a[1]!];
      if (c === null) return false;
      if (c instanceof EMap || c instanceof ESet) return c.has(k);
      if (c instanceof Vector || typeof c === 'string' || c instanceof Bytes) return typeof k === 'bigint' && k >= 0n && k < BigInt(count(c));
      return programError(`contains? not supported on ${typeName(c)}`);
    },
    'empty?': (a) => (arity(a, 1, 1, 'empty?'), count(a[0]!) === 0),
    empty: (a) => {
      arity(a, 1, 1, 'empty');
      const c = a[0]!;
      return c instanceof Vector ? new Vector([]) : c instanceof List ? toList([]) : c instanceof EMap ? EMap.EMPTY : c instanceof ESet ? ESet.EMPTY : null;
    },
    range: (a) => {
      arity(a, 1, 3, 'range');
      const [start, end, step] = a.length === 1 ? [0n, int(a[0]!, 'range'), 1n] : [int(a[0]!, 'range'), int(a[1]!, 'range'), a.length === 3 ? int(a[2]!, 'range') : 1n];
      if (step === 0n) programError('range: step must not be 0');
      reserve('range', rangeCount(start, end, step));
      const out: Value[] = [];
      for (let i = start; step > 0n ? i < end : i > end; i += step) {
        out.push(i);
        if (out.length > 10_000_000) programError('range: too many elements');
      }
      return toList(out);
    },
    into: (a) => {
      arity(a, 2, 2, 'into');
      const [to, from] = [a[0]!, a[1]!];
      if (to === null || to instanceof Vector || to instanceof List) reserve('into', (to === null ? 0 : count(to)) + count(from, 'into'));
      return seqItems(from, 'into').reduce<Value>((c, x) => conj1(c, x), to);
    },
    concat: (a) => {
      reserve('concat', a.reduce<number>((n, c) => n + count(c, 'concat'), 0));
      return toList(a.flatMap((c) => seqItems(c, 'concat')));
    },
    reverse: (a) => (arity(a, 1, 1, 'reverse'), toList(seqItems(a[0]!, 'reverse').slice().reverse())),
    sort: (a) => (arity(a, 1, 1, 'sort'), toList(seqItems(a[0]!, 'sort').slice().sort(compare))),
    distinct: (a) => {
      arity(a, 1, 1, 'distinct');
      const seen: Value[] = [];
      for (const x of seqItems(a[0]!, 'distinct')) if (!seen.some((y) => equals(x, y))) seen.push(x);
      return toList(seen);
    },
    take: (a) => (arity(a, 2, 2, 'take'), toList(seqItems(a[1]!, 'take').slice(0, Math.max(0, index(a[0]!, 'take'))))),
    drop: (a) => (arity(a, 2, 2, 'drop'), toList(seqItems(a[1]!, 'drop').slice(Math.max(0, index(a[0]!, 'drop'))))),
    subvec: (a) => {
      arity(a, 2, 3, 'subvec');
      const v = a[0]!;
      if (!(v instanceof Vector)) return programError(`subvec: expected a vector, got ${typeName(v)}`);
      const start = index(a[1]!, 'subvec');
      const end = a.length === 3 ? index(a[2]!, 'subvec') : v.items.length;
      const limit = offByOne ? v.items.length - 1 : v.items.length;
      if (start < 0 || end < start || end > limit) programError(`subvec: range ${start}..${end} out of bounds for vector of count ${v.items.length}`);
      return new Vector(v.items.slice(start, end));
    },
    merge: (a) =>
      a.reduce<Value>((m, x) => {
        if (x === null) return m;
        if (!(x instanceof EMap)) return programError(`merge: expected maps, got ${typeName(x)}`);
        return x.entries.reduce<EMap>((acc, [k, v]) => acc.assoc(k, v), m === null ? EMap.EMPTY : (m as EMap));
      }, null),
    str: (a) => strChecked('str', a, strText, ''),
    'pr-str': (a) => strChecked('pr-str', a, prText, ' '),
    subs: (a) => {
      arity(a, 2, 3, 'subs');
      if (typeof a[0] !== 'string') programError('subs: expected a string');
      const cps = Array.from(a[0]);
      const start = index(a[1]!, 'subs');
      const end = a.length === 3 ? index(a[2]!, 'subs') : cps.length;
      if (start < 0 || end < start || end > cps.length) programError(`subs: range ${start}..${end} out of bounds`);
      return cps.slice(start, end).join('');
    },
    name: (a) => {
      arity(a, 1, 1, 'name');
      const x = a[0]!;
      if (typeof x === 'string') return x;
      if (x instanceof Keyword || x instanceof Sym) return x.name;
      return programError(`name: expected a string, keyword or symbol, got ${typeName(x)}`);
    },
    keyword: (a) => (arity(a, 1, 1, 'keyword'), typeof a[0] === 'string' ? kw(a[0]) : programError('keyword: expected a string')),
    symbol: (a) => (arity(a, 1, 1, 'symbol'), typeof a[0] === 'string' ? Sym.of(a[0]) : programError('symbol: expected a string')),
    tagged: (a) => (arity(a, 2, 2, 'tagged'), typeof a[0] === 'string' ? new Tagged(a[0], a[1]!) : programError('tagged: expected a tag string')),
    bytes: (a) => {
      arity(a, 1, 1, 'bytes');
      const x = a[0]!;
      if (typeof x === 'string') return new Bytes(new TextEncoder().encode(x));
      if (x instanceof Bytes) return x;
      const items = seqItems(x, 'bytes').map((b) => {
        const n = int(b, 'bytes');
        if (n < 0n || n > 255n) programError(`bytes: ${n} is not a byte (0..255)`);
        return Number(n);
      });
      return new Bytes(items);
    },
    'byte-at': (a) => {
      arity(a, 2, 2, 'byte-at');
      if (!(a[0] instanceof Bytes)) return programError(`byte-at: expected bytes, got ${typeName(a[0]!)}`);
      const i = index(a[1]!, 'byte-at');
      if (i < 0 || i >= a[0].length) programError(`byte-at: index ${i} out of bounds for bytes of count ${a[0].length}`);
      return BigInt(a[0].at(i));
    },
    'assoc-byte': (a) => {
      arity(a, 3, 3, 'assoc-byte');
      if (!(a[0] instanceof Bytes)) return programError(`assoc-byte: expected bytes, got ${typeName(a[0]!)}`);
      const i = index(a[1]!, 'assoc-byte');
      const b = int(a[2]!, 'assoc-byte');
      if (i < 0 || i >= a[0].length) programError(`assoc-byte: index ${i} out of bounds for bytes of count ${a[0].length}`);
      if (b < 0n || b > 255n) programError(`assoc-byte: ${b} is not a byte (0..255)`);
      return a[0].assoc(i, Number(b));
    },
    'bytes->string': (a) => {
      arity(a, 1, 1, 'bytes->string');
      if (!(a[0] instanceof Bytes)) return programError('bytes->string: expected bytes');
      return new TextDecoder().decode(a[0].data);
    },
    '%to-list': (a) => (arity(a, 1, 1, '%to-list'), toList(seqItems(a[0]!, '%to-list'))),
  };
  return new Map(Object.entries(table));
}
