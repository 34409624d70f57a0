import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Bytes, EMap, ESet, INT64_MAX, INT64_MIN, IntOverflowError, List, Vector, checkInt, compare, equals, hash, int, kw, type Value } from './Values.js';
import { printEdn, readEdn } from './codec/Edn.js';
import { valueArb } from '../harness/generators/values.js';

const RUNS = 10_000;

/** A value and a structurally equal copy built differently (vectors as lists, maps/sets rebuilt in reverse). */
function respell(v: Value): Value {
  if (v instanceof Vector) return new List(v.items.map(respell));
  if (v instanceof List) return new Vector(v.items.map(respell));
  if (v instanceof EMap) return EMap.from(v.entries.slice().reverse().map(([k, x]) => [respell(k), respell(x)] as const));
  if (v instanceof ESet) return ESet.from(v.items.slice().reverse().map(respell));
  if (v instanceof Bytes) return new Bytes(v.data);
  if (typeof v === 'number' && v === 0) return Object.is(v, 0) ? -0 : 0;
  return v;
}

describe('equality, hashing and order laws', () => {
  test(`equal ⇒ same hash, over ${RUNS} values and their re-spelled copies`, () => {
    fc.assert(
      fc.property(valueArb(), (v) => {
        const w = respell(v);
        return equals(v, w) && hash(v) === hash(w) && compare(v, w) === 0;
      }),
      { numRuns: RUNS },
    );
  });

  test('compare is a total order consistent with equals (antisymmetric, transitive)', () => {
    fc.assert(
      fc.property(valueArb(), valueArb(), valueArb(), (a, b, c) => {
        const ab = compare(a, b);
        if (Math.sign(ab) !== -Math.sign(compare(b, a))) return false;
        if ((ab === 0) !== equals(a, b)) return false;
        if (ab === 0 && hash(a) !== hash(b)) return false;
        const sorted = [a, b, c].sort(compare);
        return compare(sorted[0]!, sorted[1]!) <= 0 && compare(sorted[1]!, sorted[2]!) <= 0 && compare(sorted[0]!, sorted[2]!) <= 0;
      }),
      { numRuns: RUNS },
    );
  });

  test('Clojure equality decisions', () => {
    expect(equals(1n, 1)).toBe(false);
    expect(equals(readEdn('[1 2]'), readEdn('(1 2)'))).toBe(true);
    expect(hash(readEdn('[1 2]'))).toBe(hash(readEdn('(1 2)')));
    expect(equals(readEdn('{:a 1 :b 2}'), readEdn('{:b 2 :a 1}'))).toBe(true);
    expect(equals(NaN, NaN)).toBe(true);
    expect(equals(0, -0)).toBe(true);
    expect(hash(0)).toBe(hash(-0));
    expect(equals(readEdn('#{1}'), readEdn('[1]'))).toBe(false);
    expect(equals(kw('a'), readEdn('a'))).toBe(false);
  });

  test('sorting is deterministic for printing: maps print by key order', () => {
    const m = EMap.from([
      [kw('z'), 1n],
      ['s', 2n],
      [3n, 3n],
      [null, 4n],
    ]);
    expect(printEdn(m)).toBe('{nil 4, 3 3, "s" 2, :z 1}');
  });

  test('hashes spread: 10^4 distinct ints give (nearly) distinct hashes', () => {
    const hs = new Set<number>();
    for (let i = 0; i < 10_000; i++) hs.add(hash(BigInt(i) * 4294967296n + BigInt(i)));
    expect(hs.size).toBeGreaterThan(9_990);
  });
});

describe('int64', () => {
  test('overflow is an error, never a wrap', () => {
    expect(() => checkInt(INT64_MAX + 1n)).toThrow(IntOverflowError);
    expect(() => checkInt(INT64_MIN - 1n)).toThrow(IntOverflowError);
    expect(checkInt(INT64_MIN)).toBe(INT64_MIN);
    expect(int(5)).toBe(5n);
  });
});

describe('persistent collections in the value model', () => {
  test('assoc/dissoc return new maps and leave the old one unchanged', () => {
    const a = EMap.from([[kw('a'), 1n]]);
    const b = a.assoc(kw('b'), 2n);
    expect(a.size).toBe(1);
    expect(b.size).toBe(2);
    expect(b.dissoc(kw('b'))).toEqual(a);
    expect(a.get(kw("b"))).toBeUndefined();
  });
  test('byte strings: changing byte 4 yields a new value', () => {
    const b = new Bytes([1, 2, 3, 4, 5]);
    const c = b.assoc(4, 9);
    expect(b.at(4)).toBe(5);
    expect(c.at(4)).toBe(9);
    expect(equals(b, c)).toBe(false);
    expect(() => b.at(5)).toThrow(RangeError);
  });
});

describe('a map adopted as keys and values in one array', () => {
  test('answers size, get, has, entries, assoc and dissoc exactly as the same map built from pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(valueArb({ maxDepth: 1 }), valueArb({ maxDepth: 1 }))), fc.array(valueArb({ maxDepth: 1 }), { maxLength: 5 }), (pairs, probes) => {
        const pairsMap = EMap.from(pairs);
        const flat = EMap.adoptSortedFlat(pairsMap.entries.flatMap(([k, v]) => [k, v]));
        expect(flat.size).toBe(pairsMap.size);
        for (const k of [...probes, ...pairsMap.entries.map((e) => e[0])]) {
          expect(flat.has(k)).toBe(pairsMap.has(k));
          expect(flat.get(k)).toBe(pairsMap.get(k));
        }
        expect(equals(flat, pairsMap)).toBe(true);
        expect(printEdn(flat)).toBe(printEdn(pairsMap));
        const k = probes[0] ?? null;
        expect(printEdn(EMap.adoptSortedFlat(pairsMap.entries.flatMap(([a, b]) => [a, b])).assoc(k, 1n))).toBe(printEdn(pairsMap.assoc(k, 1n)));
        expect(printEdn(EMap.adoptSortedFlat(pairsMap.entries.flatMap(([a, b]) => [a, b])).dissoc(k))).toBe(printEdn(pairsMap.dissoc(k)));
      }),
      { numRuns: 500 },
    );
  });

  test('toEqual compares maps by entries, whichever way each holds them (tests/setup.ts)', () => {
    const read = readEdn('{:b 2 :a 1}');
    expect(read).toEqual(EMap.from([[kw('a'), 1n], [kw('b'), 2n]]));
    expect(read).not.toEqual(EMap.from([[kw('a'), 1n], [kw('b'), 3n]]));
    expect(read).not.toEqual(EMap.from([[kw('a'), 1n]]));
  });
});
