import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printEdn, readEdn } from '../../spec/codec/Edn.js';
import { Fn, kindOf, type Kind, type Value } from '../../spec/Values.js';
import { difference } from '../oracles/identical.js';
import { murmurFinalize, murmurMix } from '../../spec/Hash.js';
import { OPTIMIZED_INT_HASH, SPEC_INT_HASH, anyCodePointArb, hashGroupArb, int64WithHash, valueArb } from './values.js';

function kindsIn(v: Value, into: Set<Kind>): void {
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    into.add(kindOf(x));
    if (x !== null && typeof x === 'object') {
      if (x.kind === 'list' || x.kind === 'vector' || x.kind === 'set') stack.push(...x.items);
      else if (x.kind === 'map') for (const [k, y] of x.entries) stack.push(k, y);
      else if (x.kind === 'tagged') stack.push(x.value);
    }
  }
}

describe('valueArb', () => {
  it('generates every kind (functions only when asked), special doubles, big ints, namespaces', () => {
    const kinds = new Set<Kind>();
    const sample = fc.sample(valueArb({ fns: true }), { seed: 1, numRuns: 2000 });
    for (const v of sample) kindsIn(v, kinds);
    expect([...kinds].sort()).toEqual(['atom', 'boolean', 'bytes', 'char', 'double', 'fn', 'int', 'keyword', 'list', 'map', 'nil', 'set', 'string', 'symbol', 'tagged', 'vector'].sort());
    const flat = fc.sample(valueArb({ maxDepth: 0 }), { seed: 2, numRuns: 5000 });
    expect(flat.some((v) => typeof v === 'number' && Number.isNaN(v))).toBe(true);
    expect(flat.some((v) => Object.is(v, -0))).toBe(true);
    expect(flat.some((v) => typeof v === 'bigint' && (v > 2n ** 53n || v < -(2n ** 53n)))).toBe(true);
    expect(flat.some((v) => v !== null && typeof v === 'object' && v.kind === 'keyword' && v.ns !== null)).toBe(true);
    expect(flat.some((v) => typeof v === 'string' && /[\ud800-\udbff](?![\udc00-\udfff])/.test(v))).toBe(true);
    expect(fc.sample(valueArb(), { seed: 3, numRuns: 2000 }).some((v) => v instanceof Fn)).toBe(false);
  });

  it('its values (without functions) survive EDN printing and reading', () => {
    fc.assert(
      fc.property(valueArb(), (v) => {
        expect(difference(readEdn(printEdn(v)), v)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe('adversarial values', () => {
  it('hashGroupArb: keys are distinct and their hashes share the low bits asked for (optimized hashInt, spec hash)', async () => {
    const { hashInt } = await import('../../optimized/heap/values.js');
    const { hash } = await import('../../spec/Values.js');
    const optimized = (k: bigint): number => hashInt(Number(BigInt.asIntN(32, k)), Number(k >> 32n));
    const shapes = [
      { shape: OPTIMIZED_INT_HASH, h: optimized },
      { shape: SPEC_INT_HASH, h: hash },
    ];
    let full = 0;
    for (const { shape, h } of shapes) {
      for (const { bits, keys } of fc.sample(hashGroupArb({ shape }), { seed: 7, numRuns: 300 })) {
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.length).toBeGreaterThanOrEqual(2);
        const mask = bits >= 32 ? -1 : (1 << bits) - 1;
        const hs = keys.map((k) => h(k) & mask);
        expect(new Set(hs).size).toBe(1);
        if (bits === 32) full++;
        else if (bits <= 25) expect(new Set(keys.map((k) => h(k))).size).toBeGreaterThan(1);
      }
    }
    expect(full).toBeGreaterThan(0);
  });

  it('int64WithHash hits any target hash', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (target, lo) => {
        const k = int64WithHash(SPEC_INT_HASH, target, lo);
        expect(Number(BigInt.asIntN(32, k))).toBe(lo);
        expect(murmurFinalize(murmurMix(murmurMix(1, lo), Number(k >> 32n)))).toBe(target);
      }),
      { numRuns: 500 },
    );
  });
});

describe('anyCodePointArb', () => {
  it("draws, for every seed, exactly what fast-check's unit 'binary' draws, alone and inside another unit", () => {
    const pairs = [
      [fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: anyCodePointArb, maxLength: 12 })],
      [fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constant('\ud800')), maxLength: 8 }), fc.string({ unit: fc.oneof(fc.string({ unit: anyCodePointArb, minLength: 1, maxLength: 1 }), fc.constant('\ud800')), maxLength: 8 })],
    ] as const;
    for (const [binary, ours] of pairs) for (let seed = 0; seed < 200; seed++) expect(fc.sample(ours, { seed, numRuns: 20 })).toEqual(fc.sample(binary, { seed, numRuns: 20 }));
  });
  it('maps a code point back to its index and refuses anything else', () => {
    for (const s of ['a', '\u{10ffff}', '\ue000', '\ud7ff']) expect(anyCodePointArb.canShrinkWithoutContext(s)).toBe(true);
    for (const s of ['', 'ab', '\ud800', '\udfff', '\ud800x', 1]) expect(anyCodePointArb.canShrinkWithoutContext(s)).toBe(false);
  });
});
