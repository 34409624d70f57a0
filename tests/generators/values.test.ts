import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printEdn, readEdn } from '../../spec/Edn.js';
import { Fn, kindOf, type Kind, type Value } from '../../spec/Values.js';
import { difference } from '../oracles/identical.js';
import { valueArb } from './values.js';

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
