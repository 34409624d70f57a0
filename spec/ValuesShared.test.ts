// Values that hold one part many times (a DAG in memory, exponentially large as a tree): hash,
// compare, expandedSize and printing give what they give for the same value written out as a
// tree with no part shared, and at 64 levels they answer at once instead of running for ever;
// printing refuses a text longer than MAX_TEXT_CHARS with a typed out-of-memory error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELIDED_CHARS, MAX_TEXT_CHARS, printEdn, printEdnOrElided, readEdn, TextTooLong } from './codec/Edn.js';
import { EMap, ESet, List, Tagged, Vector, compare, equals, expandedSize, hash, kw, type Value } from './Values.js';

/** How one level holds the level below (twice, or once beside a copy of it in a vector). */
const WRAPS: readonly ((v: Value, i: number) => Value)[] = [
  (v) => Vector.adopt([v, v]),
  (v, i) => EMap.from([[kw('a'), v], [kw('b'), v], [kw('i'), BigInt(i)]]),
  (v) => ESet.from([v, Vector.adopt([v])]),
  (v) => List.adopt([v, v]),
  (v) => new Tagged('my/t', Vector.adopt([v, v])),
  (v, i) => EMap.from([[v, BigInt(i)], [Vector.adopt([v]), kw('k')]]),
];

/** A value of `depth` levels, level k built by `WRAPS[kinds[k]]`, shared at every level. */
function shared(kinds: readonly number[], leaf: Value): Value {
  let v = leaf;
  kinds.forEach((k, i) => {
    v = WRAPS[k]!(v, i);
  });
  return v;
}

/** `v` rebuilt with no part shared (every occurrence a new object): the same value as a tree. */
function tree(v: Value): Value {
  if (v instanceof Vector) return Vector.adopt(v.items.map(tree));
  if (v instanceof List) return List.adopt(v.items.map(tree));
  if (v instanceof EMap) return EMap.from(v.entries.map(([k, x]) => [tree(k), tree(x)]));
  if (v instanceof ESet) return ESet.from(v.items.map(tree));
  if (v instanceof Tagged) return new Tagged(v.tag, tree(v.value));
  return v;
}

/** Values in `v` counted as a tree, by recursion over the tree copy. */
function count(v: Value): number {
  if (v instanceof Vector || v instanceof List) return 1 + v.items.reduce((a: number, x) => a + count(x), 0);
  if (v instanceof EMap) return 1 + v.entries.reduce((a: number, [k, x]) => a + count(k) + count(x), 0);
  if (v instanceof ESet) return 1 + v.items.reduce((a: number, x) => a + count(x), 0);
  if (v instanceof Tagged) return 1 + count(v.value);
  return 1;
}

const kindsArb = (min: number, max: number): fc.Arbitrary<number[]> => fc.array(fc.nat({ max: WRAPS.length - 1 }), { minLength: min, maxLength: max });
const leafArb: fc.Arbitrary<Value> = fc.oneof(fc.constant(kw('leaf')), fc.bigInt({ min: -5n, max: 5n }), fc.constant('s'), fc.constant(null));

describe('values that hold one part many times', () => {
  it('hash, compare, print and count as the same value written out as a tree', () => {
    fc.assert(
      fc.property(kindsArb(1, 11), leafArb, (kinds, leaf) => {
        const d = shared(kinds, leaf);
        const t = tree(d);
        expect(hash(d)).toBe(hash(t));
        expect(compare(d, t)).toBe(0);
        expect(compare(t, d)).toBe(0);
        expect(printEdn(d)).toBe(printEdn(t));
        expect(expandedSize(d)).toBe(count(t));
        expect(expandedSize(d, 300)).toBe(Math.min(count(t), 301));
      }),
      { numRuns: 150 },
    );
  });

  it('compare orders two of them as their trees are ordered (a leaf or a level apart)', () => {
    fc.assert(
      fc.property(kindsArb(1, 10), leafArb, leafArb, fc.nat({ max: WRAPS.length - 1 }), (kinds, x, y, last) => {
        const a = shared(kinds, x);
        const b = shared([...kinds.slice(0, -1), last], y);
        const expected = Math.sign(compare(tree(a), tree(b)));
        expect(Math.sign(compare(a, b))).toBe(expected);
        expect(Math.sign(compare(b, a))).toBe(expected === 0 ? 0 : -expected);
        expect(equals(a, b)).toBe(expected === 0);
      }),
      { numRuns: 150 },
    );
  });

  it('64 levels: hashed, compared with one built apart, counted, refused as text, all at once', () => {
    for (let k = 0; k < WRAPS.length; k++) {
      const kinds = Array.from({ length: 64 }, () => k);
      const d = shared(kinds, kw('leaf'));
      const e = shared(kinds, kw('leaf'));
      const other = shared(kinds, kw('other'));
      expect(hash(d)).toBe(hash(e));
      expect(compare(d, e)).toBe(0);
      expect(compare(d, other)).not.toBe(0);
      expect(ESet.from([d, e, other]).items.length).toBe(2);
      expect(expandedSize(d)).toBeGreaterThan(2 ** 64);
      expect(() => printEdn(d)).toThrow(TextTooLong);
      let error: unknown = null;
      try {
        printEdn(Vector.adopt([kw('x'), d]));
      } catch (x) {
        error = x;
      }
      expect(error).toBeInstanceOf(TextTooLong);
      expect((error as TextTooLong).kind).toBe('out-of-memory');
      expect((error as TextTooLong).message).toContain(String(MAX_TEXT_CHARS));
      const shown = printEdnOrElided(d);
      expect(shown.length).toBeLessThan(ELIDED_CHARS + 40);
      const back = readEdn(shown);
      expect(back).toBeInstanceOf(Tagged);
      expect((back as Tagged).tag).toBe('immutos/elided');
    }
  }, 20_000);
});
