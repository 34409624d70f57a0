/**
 * Small EDN values for operation sequences, as text. Each value comes in two spellings that
 * denote the same value (a vector written as a list, map and set entries reordered, `0.0` as
 * `-0.0`, ints with an `N`), so compare-and-set, watch keys and hashing meet equal values with
 * different shapes. Values are kept small so a case runs fast; a small pool makes repeats (and so
 * ABA histories and equal keys) common.
 *
 * A fraction comes from the full value arbitrary (`values.ts`, every kind, unicode included), and
 * a fraction is adversarial ({@link adversarialValueArb}): int64 keys with colliding hashes,
 * collections on every size boundary of the optimized vector, CHAMP tries and the binary codec,
 * nesting at the depth limit, large byte strings, astral and combining characters, -0.0 and NaN.
 * @module
 */
import fc from 'fast-check';
import { MAX_DEPTH, printEdn } from '../../spec/codec/Edn.js';
import { shuffle } from '../../spec/Random.js';
import { AtomRef, Bytes, Char, EMap, ESet, INT64_MAX, List, Tagged, Vector, type Value } from '../../spec/Values.js';
import { DOUBLE_EDGES, INT_EDGES, SPEC_INT_HASH, bytesArb, doubleArb, hashGroupArb, instArb, keywordArb, stringArb, symbolArb, tagArb, trickyStringArb, uuidArb, valueArb } from './values.js';

/** A value as a tree, so it can be spelled two ways. */
export type ValueTree =
  | { readonly t: 'lit'; readonly text: string }
  | { readonly t: 'dbl'; readonly v: number }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'vec'; readonly items: readonly ValueTree[] }
  | { readonly t: 'map'; readonly entries: readonly (readonly [string, ValueTree])[] }
  | { readonly t: 'set'; readonly items: readonly string[] };

/** Spells `v`: `variant` false gives the plain spelling, true an equal value spelled differently. */
export function spell(v: ValueTree, variant: boolean): string {
  switch (v.t) {
    case 'lit':
      return v.text;
    case 'int':
      return variant && v.v >= 0n ? `${v.v}N` : String(v.v);
    case 'dbl': {
      const d = variant && v.v === 0 ? -0 : v.v;
      if (Object.is(d, -0)) return '-0.0';
      const s = String(d);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case 'vec': {
      const inner = v.items.map((x) => spell(x, variant)).join(' ');
      return variant ? `(${inner})` : `[${inner}]`;
    }
    case 'map': {
      const es = v.entries.map(([k, x]) => `${k} ${spell(x, variant)}`);
      return `{${(variant ? es.slice().reverse() : es).join(' ')}}`;
    }
    case 'set':
      return `#{${(variant ? v.items.slice().reverse() : v.items).join(' ')}}`;
  }
}

/** Scalar spellings that are valid as map keys and set members (all pairwise unequal). */
const KEYS = [':a', ':b', ':c', ':ns/k', '0', '1', '2', '-1', '"x"', '"y"', 'nil', 'true', 'false', 'sym', '\\c'] as const;

const scalarArb: fc.Arbitrary<ValueTree> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 6 }).map((n): ValueTree => ({ t: 'int', v: BigInt(n) })) },
  { weight: 1, arbitrary: fc.constantFrom(9223372036854775807n, -9223372036854775808n, 4611686018427387904n).map((v): ValueTree => ({ t: 'int', v })) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1.5, -2.25, 1e300).map((v): ValueTree => ({ t: 'dbl', v })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...KEYS, '"héllo"', '"a\\nb"', '#bytes "00ff10"', '#inst "1985-04-12T23:20:50.520Z"', '#my/tag [1 2]')
      .map((text): ValueTree => ({ t: 'lit', text })),
  },
);

/** A small value tree (depth ≤ 2, ≤ 4 items per collection). */
export const valueTreeArb: fc.Arbitrary<ValueTree> = fc.letrec<{ v: ValueTree }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalarArb },
    { weight: 2, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((items): ValueTree => ({ t: 'vec', items })) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('v')), { maxLength: 3, selector: (e) => e[0] })
        .map((entries): ValueTree => ({ t: 'map', entries })),
    },
    { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 4 }).map((items): ValueTree => ({ t: 'set', items })) },
  ),
})).v;

/** Spelled values: a tree plus whether to use the variant spelling. */
export const ednTextArb: fc.Arbitrary<string> = fc.tuple(valueTreeArb, fc.boolean()).map(([v, variant]) => spell(v, variant));

/** A fixed pool of small values, so that operations often write the same value again (ABA). */
export const POOL: readonly ValueTree[] = [
  { t: 'int', v: 0n },
  { t: 'int', v: 1n },
  { t: 'lit', text: ':a' },
  { t: 'vec', items: [{ t: 'int', v: 1n }, { t: 'int', v: 2n }] },
  { t: 'map', entries: [[':a', { t: 'int', v: 1n }], [':b', { t: 'vec', items: [] }]] },
  { t: 'set', items: [':a', '1'] },
  { t: 'dbl', v: 0 },
  { t: 'lit', text: 'nil' },
];

/** A value from {@link POOL}, in either spelling (cheap; repeats often). */
export const poolValueArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...POOL), fc.boolean()).map(([v, variant]) => spell(v, variant));

/** Any printable value of the value model (every kind but functions), small, printed canonically. */
export const anyValueTextArb: fc.Arbitrary<string> = valueArb({ maxDepth: 2, maxLength: 3, fns: false }).map(printEdn);

// ---------------------------------------------------------------------------------------------
// Adversarial values (as text): every representation boundary of the kernels and the codec
// ---------------------------------------------------------------------------------------------

const ints = (from: number, n: number): string => Array.from({ length: n }, (_, i) => String(from + i)).join(' ');

/** Scalars at their edges: int64 and codec integer forms, special doubles, tricky strings, astral characters, byte strings around word and varint sizes. */
export const edgeScalarTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INT_EDGES).map((v) => printEdn(v)) },
  { weight: 2, arbitrary: fc.constantFrom(...DOUBLE_EDGES).map((v) => printEdn(v)) },
  { weight: 3, arbitrary: trickyStringArb.map((v) => printEdn(v)) },
  { weight: 1, arbitrary: fc.constantFrom(0x1f600, 0x10ffff, 0x10000, 0xffff, 0x301, 0x0, 0xd7ff, 0xe000).map((cp) => printEdn(new Char(String.fromCodePoint(cp)))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 1, 3, 4, 5, 7, 8, 9, 127, 128, 255, 256), fc.nat(255)).map(([n, b]) => printEdn(new Bytes(Uint8Array.from({ length: n }, (_, i) => (b + i * 37) & 0xff)))) },
);

/** A small value for the inside of adversarial collections (nil often: maps with nil values). */
const smallTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constant('nil') },
  { weight: 2, arbitrary: fc.integer({ min: -3, max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom(':x', '"s"', '[]', '{}', '[nil]', '{:a nil}', '-0.0', '##NaN') },
  { weight: 1, arbitrary: edgeScalarTextArb },
);

/** Maps and sets of int64 keys whose 32-bit hashes collide (fully, or on their first 5…30 bits) in the optimized kernel's CHAMP tries or in the spec's hash. */
export const collidingTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: hashGroupArb() }, { weight: 1, arbitrary: hashGroupArb({ shape: SPEC_INT_HASH }) }), fc.constantFrom('map', 'map', 'set', 'vector'), fc.array(smallTextArb, { minLength: 12, maxLength: 12 }))
  .map(([{ keys }, kind, vals]) => {
    const ks = keys.map(String);
    if (kind === 'set') return `#{${ks.join(' ')}}`;
    if (kind === 'vector') return `[${ks.join(' ')}]`;
    return `{${ks.map((k, i) => `${k} ${vals[i % vals.length]!}`).join(' ')}}`;
  });

/** Collections at the codec's short-form limits (lists of 15/16, vectors of 7/8, maps of 3/4 entries) and at the optimized vector's leaf size (31–33, 63–65). */
export const boundaryCollectionTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('list', 'vector', 'map', 'set'), fc.constantFrom(0, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65), fc.integer({ min: -10, max: 1000 }), fc.array(smallTextArb, { minLength: 8, maxLength: 8 }))
  .map(([kind, n, from, vals]) => {
    switch (kind) {
      case 'list':
        return `(${ints(from, n)})`;
      case 'vector':
        return `[${Array.from({ length: n }, (_, i) => (i % 5 === 4 ? vals[i % 8]! : String(from + i))).join(' ')}]`;
      case 'set':
        return `#{${ints(from, n)}}`;
      default:
        return `{${Array.from({ length: n }, (_, i) => `:k${from + i} ${vals[i % 8]!}`).join(' ')}}`;
    }
  });

/** Vectors around the optimized vector's two-level limits: 1024 (a full root of leaves), 1056 (that plus a full tail), 2080. Large: rare. */
export const bigVectorTextArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(1023, 1024, 1025, 1055, 1056, 1057, 1088, 1089, 2079, 2080, 2081), fc.integer({ min: -5, max: 5 })).map(([n, from]) => `[${ints(from, n)}]`);

/** Maps and sets across CHAMP node sizes and depths (up to 700 keys: every first level full, many second levels). */
export const bigHashTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('map', 'set', 'kmap'), fc.constantFrom(100, 129, 300, 700), fc.integer({ min: -1000, max: 1000 }))
  .map(([kind, n, from]) => (kind === 'set' ? `#{${ints(from, n)}}` : kind === 'map' ? `{${Array.from({ length: n }, (_, i) => `${from + i} ${i % 7 === 0 ? 'nil' : String(i)}`).join(' ')}}` : `{${Array.from({ length: n }, (_, i) => `:k${i} ${i}`).join(' ')}}`));

/** Values whose binary encoding fills the codec's intern table past its one-byte (128) references. */
export const internTextArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(127, 128, 129, 200), fc.constantFrom(':k', 'sym', '"s')).map(([n, p]) => `[${Array.from({ length: n }, (_, i) => (p === '"s' ? `"s${i}"` : `${p}${i}`)).join(' ')}]`);

/**
 * Depths of {@link deepTextArb}: deep values, values right at the reader's and the codec's limit
 * ({@link MAX_DEPTH}), and one past it (refused alike as bad-input).
 */
export const DEEP_DEPTHS: readonly number[] = [100, 500, 1000, 1500, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1];

/** Depths right at the limit ({@link MAX_DEPTH} - 2 … {@link MAX_DEPTH}), all valid. */
export const NEAR_LIMIT_DEPTHS: readonly number[] = [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH];

/**
 * Nested values of {@link DEEP_DEPTHS}, mixing every collection and a tag: as often past the limit
 * as within it, since a refusal is cheap and its path (every kernel, every reader) is the attack.
 */
export const deepTextArb: fc.Arbitrary<string> = fc.oneof(deepArb(DEEP_DEPTHS.filter((d) => d <= MAX_DEPTH)), deepArb(DEEP_DEPTHS.filter((d) => d > MAX_DEPTH)));

/** Nested values of `depths`, mixing every collection and a tag. */
export function deepArb(depths: readonly number[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...depths), fc.array(fc.constantFrom('[', '(', '{:k ', '#{', '#my/t '), { minLength: 1, maxLength: 5 }), fc.constantFrom('1', 'nil', '[]', '"x"'))
    .map(([depth, openers, leaf]) => {
      const close: Record<string, string> = { '[': ']', '(': ')', '{:k ': '}', '#{': '}', '#my/t ': '' };
      let open = '';
      let shut = '';
      // the leaf counts as a level when it prints as a collection
      const levels = leaf === '[]' ? depth - 1 : depth;
      for (let i = 0; i < levels; i++) {
        const o = openers[i % openers.length]!;
        open += o;
        shut = close[o]! + shut;
      }
      return open + leaf + shut;
    });
}

/** Byte strings of several kilobytes. Large: rare. */
export const bigBytesTextArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(1024, 4095, 4096, 8193), fc.nat(255)).map(([n, b]) => printEdn(new Bytes(Uint8Array.from({ length: n }, (_, i) => (b + i * 131) & 0xff))));

/**
 * Adversarial values (see each part): scalar edges and colliding hashes often, collections at
 * the codec's and the optimized collections' size limits, big vectors, maps and byte strings,
 * and nesting at the depth limit rarely (they cost parsing and printing at every step).
 */
export const adversarialValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: edgeScalarTextArb },
  { weight: 6, arbitrary: collidingTextArb },
  { weight: 6, arbitrary: boundaryCollectionTextArb },
  { weight: 1, arbitrary: bigVectorTextArb },
  { weight: 1, arbitrary: bigHashTextArb },
  { weight: 1, arbitrary: internTextArb },
  { weight: 2, arbitrary: deepTextArb },
  { weight: 1, arbitrary: bigBytesTextArb },
);

/** A value for an operation: often from {@link POOL} (either spelling), sometimes fresh, now and then of any kind or {@link adversarialValueArb adversarial}. */
export const opValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: poolValueArb },
  { weight: 4, arbitrary: ednTextArb },
  { weight: 1, arbitrary: anyValueTextArb },
  { weight: 1, arbitrary: adversarialValueArb },
);

const int = (min: bigint, max: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min, max });
const signed = (lo: bigint, hi: bigint): fc.Arbitrary<bigint> => fc.tuple(int(lo, hi), fc.boolean()).map(([n, neg]) => (neg ? -n - 1n : n));

/**
 * One value holding every form of the binary format with random payloads: integers of every
 * width and sign (one-byte, int8, int16, int32, int64), doubles (any, NaN, -0.0), characters
 * (ASCII, other BMP, astral), strings (short, long, not well-formed), keywords and symbols with
 * and without namespace, a byte string, `#uuid`, `#inst`, a custom tag, an atom reference,
 * lists, vectors and maps in their short and long forms (maps with nil values), a set. So every
 * branch of the decoder runs on every binary program that holds it.
 */
export const codecCoverageTextArb: fc.Arbitrary<string> = fc
  .record({
    small: int(-4n, 27n),
    i8: signed(28n, 127n),
    i16: signed(128n, 32767n),
    i32: signed(32768n, 2147483647n),
    i64: signed(2147483648n, INT64_MAX),
    dbl: doubleArb,
    bmp: fc.integer({ min: 0x80, max: 0xd7ff }),
    astral: fc.integer({ min: 0x10000, max: 0x10ffff }),
    short: stringArb(false),
    long: fc.string({ unit: 'grapheme', minLength: 65, maxLength: 90 }),
    lone: fc.tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 0xd800, max: 0xdfff })).map(([a, c]) => a + String.fromCharCode(c)),
    kw: keywordArb,
    sym: symbolArb,
    bytes: bytesArb,
    uuid: uuidArb,
    inst: instArb,
    tag: tagArb,
    ref: fc.nat(1000),
    items: fc.array(int(-1000n, 1000n), { minLength: 16, maxLength: 20 }),
  })
  .map((r) => {
    const scalars: Value[] = [r.small, r.i8, r.i16, r.i32, r.i64, r.dbl, NaN, -0, new Char(String.fromCodePoint(r.bmp)), new Char(String.fromCodePoint(r.astral)), r.short, r.long, r.lone, r.kw, r.sym, r.bytes, r.uuid, r.inst, new Tagged(r.tag, r.i64), new AtomRef(r.ref), null, true, false];
    const short = EMap.from([[r.kw, null], [r.i64, r.small]]);
    const long = EMap.from(scalars.slice(0, 8).map((k, i) => [k, i % 2 === 0 ? null : scalars[i + 8]!] as const));
    return printEdn(new Vector([new List(scalars), new Vector(r.items), new List(r.items), short, long, ESet.from(scalars), new Vector(scalars.slice(0, 5))]));
  });

/**
 * A program whose binary form fills the codec's intern table past its two-byte references
 * (entries 128–8319) into the long form (8320 on), with repeats referring back to entries on each
 * side of every limit. Large: rare.
 */
export const internProgramArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(4223, 4224, 4225, 4353, 8319, 8320, 8321, 8400), fc.constantFrom(':k', 's', '"'), fc.nat(99))
  .map(([n, kind, salt]) => {
    const name = (i: number): string => (kind === '"' ? `"t${salt}-${i}"` : `${kind}${salt}-${i}`);
    const repeats = [n - 1, n - 2, 8320, 8319, 4224, 4223, 4096, 128, 127, 0].filter((i) => i < n);
    return `(count (quote [${Array.from({ length: n }, (_, i) => name(i)).join(' ')} ${repeats.map(name).join(' ')}]))`;
  });

/**
 * Programs whose code carries values (quoted, so they are returned, written and held as they
 * are): what a program loaded as binary holds goes through the kernel's decoder, and what it
 * returns and writes is compared across kernels. Adversarial values are frequent here.
 */
export const valueProgramArb: fc.Arbitrary<string> = fc.oneof({ weight: 30, arbitrary: quotingProgramArb() }, { weight: 1, arbitrary: internProgramArb });

function quotingProgramArb(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.oneof({ weight: 2, arbitrary: adversarialValueArb }, { weight: 2, arbitrary: codecCoverageTextArb }, { weight: 1, arbitrary: anyValueTextArb }, { weight: 1, arbitrary: ednTextArb }), fc.oneof(adversarialValueArb, anyValueTextArb, ednTextArb), fc.nat(3))
    .map(([v, w, t]) => {
      switch (t) {
        case 0:
          return `[(quote ${v}) (reset! $A (quote ${w}))]`;
        case 1:
          return `(do (hold! 1 (quote ${v})) [(held 1) (quote ${w})])`;
        case 2:
          return `(let [v (quote ${v})] [v (= v (quote ${w})) (quote ${w})])`;
        default:
          return `{:v (quote ${v}) :w [(quote ${w}) nil] :n nil}`;
      }
    });
}

/** Writes `v` as EDN with map entries and set members shuffled by `rand` (not canonical order). */
export function printShuffled(v: Value, rand: () => number): string {
  const out: string[] = [];
  const go = (x: Value): void => {
    if (x instanceof EMap) {
      const es = shuffle(x.entries.slice(), rand);
      out.push('{');
      es.forEach(([k, val], i) => {
        if (i > 0) out.push(', ');
        go(k);
        out.push(' ');
        go(val);
      });
      out.push('}');
    } else if (x instanceof ESet) {
      out.push('#{');
      shuffle(x.items.slice(), rand).forEach((m, i) => {
        if (i > 0) out.push(' ');
        go(m);
      });
      out.push('}');
    } else if (x instanceof List || x instanceof Vector) {
      out.push(x instanceof List ? '(' : '[');
      x.items.forEach((m, i) => {
        if (i > 0) out.push(' ');
        go(m);
      });
      out.push(x instanceof List ? ')' : ']');
    } else if (x instanceof Tagged) {
      out.push(`#${x.tag} `);
      go(x.value);
    } else out.push(printEdn(x));
  };
  go(v);
  return out.join('');
}

