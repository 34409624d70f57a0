import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EMap, ESet, Keyword, List, Vector, compare, equals, hash, type Value } from '../../spec/Values.js';
import { arbValue } from '../../harness/generators/specValues.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { Heap } from './Heap.js';
import { PlainMemory } from '../memory/MemoryBackend.js';
import { eqWords, fromHeap, hashWord, heapText, initImmortals, toHeap } from './values.js';

function fresh(): Heap {
  const H = new Heap(new PlainMemory({ initialWords: 1 << 18 }));
  initImmortals(H);
  return H;
}

describe('heap values against spec/Values.ts', () => {
  it('round-trips every value (printed canonically)', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbValue, (v) => {
        const back = fromHeap(H, toHeap(H, v));
        expect(printEdn(back)).toBe(printEdn(v));
        expect(equals(back, v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('prints every value from the heap as the spec printer prints the value', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbValue, (v) => {
        expect(heapText(H, toHeap(H, v))).toBe(printEdn(v));
      }),
      { numRuns: 500 },
    );
  });

  it('prints values nested past the recursion depth, maps and sets included', () => {
    const H = fresh();
    let v: Value = new Vector([1n, 'x']);
    for (let i = 0; i < 1500; i++) v = i % 3 === 0 ? EMap.from([[BigInt(i), v], [Keyword.of('k', null), new List([BigInt(i)])]]) : i % 3 === 1 ? new Vector([v, BigInt(-i)]) : ESet.from([v, BigInt(i)]);
    expect(heapText(H, toHeap(H, v))).toBe(printEdn(v));
  });

  it('equality agrees with spec equals, and equal values hash alike', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbValue, arbValue, (a, b) => {
        const wa = toHeap(H, a);
        const wb = toHeap(H, b);
        expect(eqWords(H, wa, wb)).toBe(equals(a, b));
        const wa2 = toHeap(H, a);
        expect(eqWords(H, wa, wa2)).toBe(true);
        expect(hashWord(H, wa)).toBe(hashWord(H, wa2));
      }),
      { numRuns: 300 },
    );
  });

  it('sequential equality: a list equals the vector of the same items, with the same hash', () => {
    const H = fresh();
    const items = [1n, 2n, 'x'];
    const l = toHeap(H, new List(items));
    const v = toHeap(H, new Vector(items));
    expect(eqWords(H, l, v)).toBe(true);
    expect(hashWord(H, l)).toBe(hashWord(H, v));
    expect(hash(new List(items))).toBe(hash(new Vector(items))); // the spec's law, for comparison
  });

  it('the int hash spreads 64-bit keys that differ only in the high word', () => {
    const H = fresh();
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(hashWord(H, toHeap(H, BigInt(i) << 32n)));
    expect(seen.size).toBeGreaterThan(995);
  });

  it('maps print in canonical (compare) order whatever the trie order', () => {
    const H = fresh();
    const entries: [Value, Value][] = [];
    for (let i = 0; i < 200; i++) entries.push([BigInt((i * 7919) % 1000), String(i)]);
    const m = EMap.from(entries);
    const back = fromHeap(H, toHeap(H, m)) as EMap;
    const keys = back.entries.map((e) => e[0]);
    const sorted = [...keys].sort(compare);
    expect(keys).toEqual(sorted);
  });
});
