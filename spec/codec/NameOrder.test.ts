// NameOrder (spec/codec/Edn.ts) orders names by rank exactly as `compare` orders them, whatever it
// has learned before: literals that are all ranked, partly ranked (learned or refused), past the
// most it ranks (starting over), with duplicates; keywords and symbols alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Keyword, Sym, compare } from '../Values.js';
import { NameOrder } from './Edn.js';

const nameArb = fc.tuple(fc.constantFrom(null, 'a', 'b', 'ab'), fc.stringMatching(/^[a-d]{1,3}$/));

describe('NameOrder', () => {
  it('answers compare order and finds duplicates, or declines, over any sequence of literals', () => {
    let ranked = 0;
    let declined = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 200 }),
        fc.boolean(),
        fc.array(fc.array(nameArb, { minLength: 1, maxLength: 120 }), { minLength: 1, maxLength: 12 }),
        (max, keywords, literals) => {
          const order = new NameOrder(max);
          for (const lit of literals) {
            const names = lit.map(([ns, n]) => (keywords ? Keyword.of(n, ns) : Sym.of(n, ns)));
            const r = order.order(names);
            if (r === null) {
              declined++;
              continue;
            }
            ranked++;
            expect(order.size).toBeLessThanOrEqual(max);
            const hasDup = new Set(names).size !== names.length;
            expect(r.dup).toBe(hasDup);
            if (hasDup) continue;
            expect([...r.perm].sort((x, y) => x - y)).toEqual(names.map((_, i) => i));
            const sorted = r.perm.map((i) => names[i]!);
            for (let k = 1; k < sorted.length; k++) expect(compare(sorted[k - 1]!, sorted[k]!)).toBe(-1);
          }
        },
      ),
      { numRuns: 400, seed: 41 },
    );
    // Both outcomes were exercised.
    expect(ranked).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(10);
  });
});
