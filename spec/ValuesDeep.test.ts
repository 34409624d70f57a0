/**
 * Equality, order and hashing at their limits: values nested far deeper than the host's call
 * stack (the regression: a 50,000-deep vector made `=` and `hash` throw the host's RangeError),
 * and agreement of the iterative algorithms with the plain recursive definitions they replace.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { murmurFinalize as fmix, murmurMix as mix, murmurString as hashString } from './Hash.js';
import { AtomRef, Bytes, Char, EMap, ESet, Fn, Keyword, List, Sym, Tagged, Vector, compare, equals, hash, kindOf, kw, type Value } from './Values.js';
import { printEdn, printEdnPrefix } from './codec/Edn.js';
import { valueArb } from '../harness/generators/values.js';

/** `[[[… leaf …]]]`, `depth` levels, built bottom-up with a loop (as a program would). */
function nested(depth: number, leaf: Value, wrap: (v: Value) => Value = (v) => new Vector([v])): Value {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

// ---- the recursive definitions (the semantics the iterative code must keep, hash values included) ----

const RANK: Record<string, number> = { nil: 0, boolean: 1, int: 2, double: 3, char: 4, string: 5, keyword: 6, symbol: 7, bytes: 8, list: 9, vector: 9, map: 10, set: 11, tagged: 12, atom: 13, fn: 14 };
const str = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
function recCompare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = RANK[kindOf(a)]!;
  const rb = RANK[kindOf(b)]!;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const seq = (x: readonly Value[], y: readonly Value[]): number => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = recCompare(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    return Math.sign(x.length - y.length);
  };
  if (a instanceof List || a instanceof Vector) return seq(a.items, (b as List | Vector).items);
  if (a instanceof ESet) return seq(a.items, (b as ESet).items);
  if (a instanceof EMap) return seq(a.entries.flat(), (b as EMap).entries.flat());
  if (a instanceof Tagged) return str(a.tag, (b as Tagged).tag) || recCompare(a.value, (b as Tagged).value);
  return compare(a, b); // scalars: not what this file tests
}
function recHash(v: Value): number {
  if (v instanceof List || v instanceof Vector) {
    let h = 0x8;
    for (const x of v.items) h = mix(h, recHash(x));
    return fmix(h ^ v.items.length);
  }
  if (v instanceof EMap) {
    let sum = 0;
    for (const [k, x] of v.entries) sum = (sum + fmix(mix(recHash(k), recHash(x)))) | 0;
    return fmix(mix(0x9, sum) ^ v.size);
  }
  if (v instanceof ESet) {
    let sum = 0;
    for (const x of v.items) sum = (sum + recHash(x)) | 0;
    return fmix(mix(0xa, sum) ^ v.size);
  }
  if (v instanceof Tagged) return fmix(mix(hashString(v.tag, 0xb), recHash(v.value)));
  return hash(v); // scalars
}

describe('compare, equals and hash are iterative: nesting depth is not limited by the host stack', () => {
  test('50,000-deep vectors, lists, maps, sets and tagged values', () => {
    const depth = 50_000;
    const shapes: [string, (v: Value) => Value][] = [
      ['vector', (v) => new Vector([v])],
      ['list', (v) => new List([1n, v])],
      ['map', (v) => EMap.from([[kw('k'), v]])],
      ['set', (v) => ESet.from([v])],
      ['tagged', (v) => new Tagged('t', v)],
    ];
    for (const [name, wrap] of shapes) {
      const a = nested(depth, 0n, wrap);
      const b = nested(depth, 0n, wrap);
      const c = nested(depth, 1n, wrap);
      expect(equals(a, b), name).toBe(true);
      expect(compare(a, b), name).toBe(0);
      expect(compare(a, c), name).toBe(-1);
      expect(compare(c, a), name).toBe(1);
      expect(equals(a, c), name).toBe(false);
      expect(hash(a), name).toBe(hash(b));
      expect(hash(a), name).not.toBe(hash(c));
    }
    // A shorter nesting sorts first.
    expect(compare(nested(depth - 1, 0n), nested(depth, 0n))).toBe(-1);
  });

  test('1,000,000-deep vectors and lists', () => {
    const depth = 1_000_000;
    const a = nested(depth, kw('x'));
    const b = nested(depth, kw('x'), (x) => new List([x]));
    const c = nested(depth, kw('y'));
    // A list nesting equals the same vector nesting, and hashes alike (sequential equality).
    expect(equals(a, b)).toBe(true);
    expect(hash(a)).toBe(hash(b));
    expect(compare(a, c)).toBe(-1);
    expect(hash(a)).not.toBe(hash(c));
  });

  test('printing a deep value does not overflow either (the printer is iterative past 256 levels)', () => {
    const text = printEdn(nested(50_000, 7n));
    expect(text).toBe('['.repeat(50_000) + '7' + ']'.repeat(50_000));
  });

  test('comparing does not stop a vector from appending in place (members are read through `at`)', () => {
    const v = new Vector([1n]).conj(2n);
    expect(equals(v, new Vector([1n, 2n]))).toBe(true);
    hash(v);
    const w = v.conj(3n);
    expect(w.sharesStorageWith(v)).toBe(true);
  });
});

describe('the iterative algorithms give exactly the recursive definitions\' answers', () => {
  test('compare and hash agree with the recursive definitions on generated values', () => {
    fc.assert(
      fc.property(valueArb(), valueArb(), (a, b) => {
        expect(Math.sign(compare(a, b))).toBe(recCompare(a, b));
        expect(hash(a)).toBe(recHash(a));
        expect(compare(a, a)).toBe(0);
      }),
      { numRuns: 3_000 },
    );
  });

  test('hash values are unchanged (they are observable through the `hash` built-in)', () => {
    const samples: Value[] = [
      new Vector([1n, 2n]),
      new List([1n, 2n]),
      EMap.from([[kw('a'), new Vector([1n, 'x'])]]),
      ESet.from([null, true, 2.5]),
      new Tagged('my/t', EMap.from([[Sym.of('s'), new Char('c')]])),
      new Vector([new Bytes([1, 2]), new AtomRef(3), new Fn(7, 'f', null), Keyword.of('k', 'ns')]),
    ];
    for (const s of samples) expect(hash(s)).toBe(recHash(s));
  });
});

describe('printEdnPrefix: the start of printEdn, printing no more than it needs', () => {
  test('equals printEdn(v).slice(0, limit) on generated values and limits', () => {
    fc.assert(
      fc.property(valueArb(), fc.nat({ max: 300 }), (v, limit) => {
        const all = printEdn(v);
        expect(printEdnPrefix(v, Infinity)).toBe(all);
        expect(printEdnPrefix(v, limit)).toBe(all.slice(0, limit));
      }),
      { numRuns: 3_000 },
    );
  });

  test('a value sharing structure (2^60 leaves) prints its first characters at once', () => {
    let v: Value = 1n;
    for (let i = 0; i < 60; i++) v = new Vector([v, v]);
    expect(printEdnPrefix(v, 70)).toBe('['.repeat(60) + '1 1] [1 1]');
    const deep = nested(100_000, kw('k'), (x) => EMap.from([[kw('a'), x]]));
    expect(printEdnPrefix(deep, 12)).toBe('{:a {:a {:a ');
  });
});
