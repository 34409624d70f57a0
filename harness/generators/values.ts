/**
 * fast-check arbitraries for ImmutOS {@link Value}s: every kind, weighted towards what programs
 * hold, with full-range int64s, special doubles (NaN, ±Infinity, -0), Unicode strings (lone
 * surrogates included unless turned off), namespaced keywords and symbols with EDN-valid names,
 * tagged values (valid `#inst`/`#uuid` and custom tags) and nested collections.
 *
 * Every generated value (with the defaults) survives `printEdn` → `readEdn` and the binary
 * encoding; functions only appear when asked for, since they have no text or byte form.
 *
 * Also the parts of adversarial values: int64s with a chosen 32-bit hash under the optimized
 * kernel's or the spec's int hash (computed by inverting murmur3's mix and finalizer), groups of
 * them colliding fully or on their first 5…30 bits ({@link hashGroupArb}), and the edges of the
 * integer, double and string representations.
 * @module
 */
import fc from 'fast-check';
import { isValidName } from '../../spec/codec/Edn.js';
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

/** Code points below the surrogates; the index of a code point above them is its value less {@link SURROGATES}. */
const BELOW_SURROGATES = 0xd800;
const SURROGATES = 0x800;

/**
 * One code point, any but a surrogate: the values, shrinking and edge cases of fast-check's
 * `unit: 'binary'` (the same index for the same code point, so the same draws give the same
 * strings), with the inverse computed instead of looked up in a table of every code point, which
 * fast-check builds on first use (a second per process).
 */
export const anyCodePointArb: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (i) => String.fromCodePoint(i < BELOW_SURROGATES ? i : i + SURROGATES),
  (v) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 2) throw new Error('not one code point');
    const c = v.codePointAt(0)!;
    if (String.fromCodePoint(c) !== v || (c >= BELOW_SURROGATES && c < BELOW_SURROGATES + SURROGATES)) throw new Error('not one code point');
    return c < BELOW_SURROGATES ? c : c - SURROGATES;
  },
);

/** Unicode strings: ASCII, any code point, and (optionally) lone surrogates. */
export function stringArb(loneSurrogates = true): fc.Arbitrary<string> {
  const units: fc.Arbitrary<string>[] = [fc.string({ maxLength: 12 }), fc.string({ unit: anyCodePointArb, maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })];
  if (loneSurrogates) units.push(fc.string({ unit: fc.oneof(fc.string({ unit: anyCodePointArb, minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 8 }));
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

// ---------------------------------------------------------------------------------------------
// Adversarial values: chosen hashes, and the edges of every representation
// ---------------------------------------------------------------------------------------------

/** The multiplicative inverse of the odd number `c` modulo 2^32 (Newton's iteration). */
function inverse32(c: number): number {
  let x = c;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(c, x));
  return x;
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const rotr = (x: number, r: number): number => (x >>> r) | (x << (32 - r));
const INV5 = inverse32(5);
const INV_C1 = inverse32(0xcc9e2d51);
const INV_C2 = inverse32(0x1b873593);
const INV_F1 = inverse32(0x85ebca6b);
const INV_F2 = inverse32(0xc2b2ae35);

/** The word `k` such that `murmurMix(h, k) === out` (spec/Hash.ts; `murmurMix(h, ·)` is a bijection). */
export function unmixWord(h: number, out: number): number {
  let x = Math.imul((out - 0xe6546b64) | 0, INV5);
  x = rotr(x, 13) ^ h;
  x = Math.imul(x, INV_C2);
  x = rotr(x, 15);
  return Math.imul(x, INV_C1) | 0;
}

/** The `h` such that `murmurFinalize(h) === out` (spec/Hash.ts; fmix32 is a bijection). */
export function unfinalize(out: number): number {
  let h = out ^ (out >>> 16);
  h = Math.imul(h, INV_F2);
  h = h ^ (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, INV_F1);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * How a kernel hashes an int64 `hi·2^32 + lo`: `finalize(mix(mix(seed, lo), hi) ^ xor)` with
 * spec/Hash.ts's murmur3 primitives. The optimized kernel's `hashInt` (optimized/heap/values.ts,
 * the hash its CHAMP tries index by) and the spec's structural hash (spec/Values.ts `hash`, which
 * the reference kernel uses) both have this shape; the unit test checks the constants against the
 * real functions.
 */
export interface Int64HashShape {
  /** Which hash this is (for messages). */
  readonly name: string;
  /** The running hash's start value. */
  readonly seed: number;
  /** Mixed in after both words, before finalizing. */
  readonly xor: number;
}

/** The optimized kernel's int64 hash (CHAMP maps and sets). */
export const OPTIMIZED_INT_HASH: Int64HashShape = { name: 'optimized', seed: 0x27d4eb2f, xor: 8 };
/** The spec's structural hash of an int64. */
export const SPEC_INT_HASH: Int64HashShape = { name: 'spec', seed: 0x1, xor: 0 };

/** The int64 whose low word is `lo` and whose 32-bit hash under `shape` is `target` (there is exactly one). */
export function int64WithHash(shape: Int64HashShape, target: number, lo: number): bigint {
  const h1 = murmurMixLocal(shape.seed, lo);
  const hi = unmixWord(h1, unfinalize(target) ^ shape.xor);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function murmurMixLocal(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = rotl(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Options of {@link hashGroupArb}. */
export interface HashGroupOptions {
  /** The hash to aim at (default the optimized kernel's). */
  readonly shape?: Int64HashShape;
  /** Fewest and most keys (default 2 to 12). */
  readonly minKeys?: number;
  readonly maxKeys?: number;
}

/**
 * Groups of distinct int64s whose hashes agree on their low `bits` bits (5, 10, … 30: they share
 * that many levels of a 32-way hash trie before they part) or on all 32 (a full collision: a
 * collision node). Keys are computed by inverting the hash, not searched for.
 */
export function hashGroupArb(options: HashGroupOptions = {}): fc.Arbitrary<{ readonly bits: number; readonly keys: readonly bigint[] }> {
  const shape = options.shape ?? OPTIMIZED_INT_HASH;
  return fc
    .record({
      bits: fc.constantFrom(5, 10, 15, 20, 25, 30, 32, 32, 32),
      base: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      highs: fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: options.minKeys ?? 2, maxLength: options.maxKeys ?? 12 }),
      los: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 32, maxLength: 32 }),
    })
    .map(({ bits, base, highs, los }) => {
      const mask = bits >= 32 ? -1 : (1 << bits) - 1;
      const keys = new Set<bigint>();
      highs.forEach((h, i) => {
        const target = bits >= 32 ? base : (base & mask) | ((h << bits) & ~mask);
        keys.add(int64WithHash(shape, target | 0, (los[i % 32]! + i) | 0));
      });
      return { bits, keys: [...keys] };
    });
}

/** Integers at the edge of every representation: one-byte codec forms, int8/16/32, the optimized kernel's unboxed range (±2^30), doubles' exact range, int64. */
export const INT_EDGES: readonly bigint[] = [
  -5n, -4n, 27n, 28n, -128n, -129n, 127n, 128n, -32768n, -32769n, 32767n, 32768n,
  -(2n ** 31n) - 1n, -(2n ** 31n), 2n ** 31n - 1n, 2n ** 31n,
  -(2n ** 30n) - 1n, -(2n ** 30n), 2n ** 30n - 1n, 2n ** 30n,
  2n ** 32n, -(2n ** 32n), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n,
  INT64_MIN, INT64_MIN + 1n, INT64_MAX, INT64_MAX - 1n, -(2n ** 62n), 2n ** 62n,
];

/** Doubles at their edges: -0.0, NaN, infinities, the smallest subnormal, the largest finite, 2^53. */
export const DOUBLE_EDGES: readonly number[] = [-0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53, 2 ** 53 + 2, 0.1, 2.2250738585072014e-308];

/** Strings that stress text handling: astral and combining characters, ZWJ sequences, a BOM, NUL, lengths at 32/64 code units (the codec's fast paths and its interning limit). */
export const trickyStringArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('😀', 'e\u0301', 'a\u0301\u0302\u0303', '👩‍👩‍👧', '🇫🇷', '\ufeff', '\u0000', '\u2028', 'x😀y', '\ud800', '\udfff', 'ǅ', 'ﬀ', 'İ', '\u{10ffff}', '\u{e0001}'),
  fc
    .tuple(fc.constantFrom(31, 32, 33, 62, 63, 64, 65, 66, 127, 128), fc.constantFrom('', '😀', 'é', 'e\u0301', '中'), fc.boolean())
    .map(([n, extra, atEnd]) => {
      const fill = 'a'.repeat(Math.max(0, n - extra.length));
      return atEnd ? fill + extra : extra + fill;
    }),
);
