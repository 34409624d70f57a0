/**
 * fast-check arbitraries for ImmutOS {@link Value}s: every kind, weighted towards what programs
 * hold, with full-range int64s, special doubles (NaN, ±Infinity, -0), Unicode strings (lone
 * surrogates included unless turned off), namespaced keywords and symbols with EDN-valid names,
 * tagged values (valid `#inst`/`#uuid` and custom tags) and nested collections.
 *
 * Every generated value (with the defaults) survives `printEdn` → `readEdn` and the binary
 * encoding; functions only appear when asked for, since they have no text or byte form.
 * @module
 */
import fc from 'fast-check';
import { isValidName } from '../../spec/Edn.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, INT64_MAX, INT64_MIN, Keyword, List, Sym, Tagged, Vector, type Value } from '../../spec/Values.js';

/** Options of {@link valueArb}. */
export interface ValueArbOptions {
  /** Deepest collection nesting (default 4; 0 gives scalars only). */
  readonly maxDepth?: number;
  /** Most items in one collection (default 6). */
  readonly maxLength?: number;
  /** Include atom references (default true). */
  readonly atoms?: boolean;
  /** Include function values (default false: they cannot be printed and read back, nor encoded). */
  readonly fns?: boolean;
  /** Include strings and characters that hold lone surrogates (default true). */
  readonly loneSurrogates?: boolean;
  /** Relative weight of collections against scalars at each level (default 1: about a third are collections). */
  readonly collectionWeight?: number;
}

/** Any int64, biased to small magnitudes and to the range's edges. */
export const int64Arb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100, max: 100 }).map(BigInt) },
  { weight: 3, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(BigInt) },
  { weight: 1, arbitrary: fc.constantFrom(INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n, 0n, -1n, 127n, -128n, 128n, 32767n, -32768n, 2n ** 31n, -(2n ** 31n) - 1n) },
);

/** Any double, including NaN, ±Infinity, -0, subnormals and integral values. */
export const doubleArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1.5, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((n) => n / 4) },
);

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Unicode strings: ASCII, any code point, and (optionally) lone surrogates. */
export function stringArb(loneSurrogates = true): fc.Arbitrary<string> {
  const units: fc.Arbitrary<string>[] = [fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })];
  if (loneSurrogates) units.push(fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 8 }));
  return fc.oneof({ weight: 1, arbitrary: fc.string({ maxLength: 300 }) }, ...units.map((arbitrary) => ({ weight: 3, arbitrary })));
}

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*!_?-+.<>=$%&|';

/** EDN-valid symbol/keyword names (no `/`), mostly short identifiers, some with Unicode letters. */
export const nameArb: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'x', 'y', 'foo', 'bar', 'map', 'get', 'assoc', 'user-id', 'ok?', 'swap!', '+', '-', '->', 'née', 'λ', 'данные') },
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 10 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...NAME_CHARS, 'é', 'ß', '中', 'Ω', '😀'), minLength: 1, maxLength: 6 }) },
  )
  .filter(isValidName);

/** Keywords, about a third of them namespaced. */
export const keywordArb: fc.Arbitrary<Keyword> = fc.tuple(fc.option(nameArb, { freq: 2 }), nameArb).map(([ns, name]) => Keyword.of(name, ns));

/** Symbols, about a third of them namespaced. */
export const symbolArb: fc.Arbitrary<Sym> = fc.tuple(fc.option(nameArb, { freq: 2 }), nameArb).map(([ns, name]) => Sym.of(name, ns));

/** Characters: any code point (surrogate code points only when `loneSurrogates`). */
export function charArb(loneSurrogates = true): fc.Arbitrary<Char> {
  const cp = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0x10ffff }));
  return (loneSurrogates ? cp : cp.filter((c) => c < 0xd800 || c > 0xdfff)).map((c) => new Char(String.fromCodePoint(c)));
}

/** Byte strings, mostly short. */
export const bytesArb: fc.Arbitrary<Bytes> = fc.uint8Array({ maxLength: 40 }).map((d) => new Bytes(d));

const hex = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });

/** `#uuid` values in their canonical lower-case form (as the EDN reader produces them). */
export const uuidArb: fc.Arbitrary<Tagged> = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => new Tagged('uuid', p.join('-')));

/** `#inst` values with valid RFC 3339 timestamps. */
export const instArb: fc.Arbitrary<Tagged> = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => new Tagged('inst', d.toISOString()));

const RESERVED_TAGS = new Set(['inst', 'uuid', 'bytes', 'atom', 'fn']);

/** Tag names for custom tagged values (optionally namespaced, never a reserved tag). */
export const tagArb: fc.Arbitrary<string> = fc
  .tuple(fc.option(nameArb, { freq: 2 }), nameArb)
  .map(([ns, name]) => (ns === null ? name : `${ns}/${name}`))
  .filter((t) => !RESERVED_TAGS.has(t) && /^[A-Za-z]/.test(t));

/** Every scalar kind (no collections, no custom tagged values). */
export function scalarArb(options: ValueArbOptions = {}): fc.Arbitrary<Value> {
  const lone = options.loneSurrogates ?? true;
  const arbs: fc.WeightedArbitrary<Value>[] = [
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 8, arbitrary: int64Arb },
    { weight: 4, arbitrary: doubleArb },
    { weight: 8, arbitrary: stringArb(lone) },
    { weight: 2, arbitrary: charArb(lone) },
    { weight: 6, arbitrary: keywordArb },
    { weight: 6, arbitrary: symbolArb },
    { weight: 2, arbitrary: bytesArb },
    { weight: 1, arbitrary: uuidArb },
    { weight: 1, arbitrary: instArb },
  ];
  if (options.atoms ?? true) arbs.push({ weight: 1, arbitrary: fc.nat().map((n) => new AtomRef(n)) });
  if (options.fns ?? false) arbs.push({ weight: 1, arbitrary: fc.tuple(fc.nat(), fc.option(nameArb)).map(([id, name]) => new Fn(id, name, null)) });
  return fc.oneof(...arbs);
}

/**
 * Any value, nested up to `maxDepth`: scalars of every kind, lists, vectors, maps (keys of any
 * kind), sets and custom tagged values.
 */
export function valueArb(options: ValueArbOptions = {}): fc.Arbitrary<Value> {
  const maxDepth = options.maxDepth ?? 4;
  const maxLength = options.maxLength ?? 6;
  const cw = options.collectionWeight ?? 1;
  const scalar = scalarArb(options);
  if (maxDepth <= 0) return scalar;
  const { value } = fc.letrec<{ value: Value }>((tie) => {
    const items = fc.array(tie('value'), { maxLength });
    return {
      value: fc.oneof(
        { maxDepth, depthIdentifier: 'value' },
        { weight: 20, arbitrary: scalar },
        { weight: 2 * cw, arbitrary: items.map((xs) => new List(xs)) },
        { weight: 2 * cw, arbitrary: items.map((xs) => new Vector(xs)) },
        { weight: 2 * cw, arbitrary: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength }).map((es) => EMap.from(es)) },
        { weight: 1 * cw, arbitrary: items.map((xs) => ESet.from(xs)) },
        { weight: 1 * cw, arbitrary: fc.tuple(tagArb, tie('value')).map(([t, v]) => new Tagged(t, v)) },
      ),
    };
  });
  return value;
}
