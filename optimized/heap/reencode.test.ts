import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { printEdn } from '../../spec/codec/Edn.js';
import { EMap, Keyword, type Value } from '../../spec/Values.js';
import { createOptimizedKernel } from '../index.js';
import { T_STRUCT } from './layout.js';
import { eqWords, hashWord, mapAssoc, mapGet, lastFound, toHeap, typeOf, fromHeap, smallInt } from './values.js';
import { arbValue } from '../../harness/generators/specValues.js';

describe('struct re-encoding', () => {
  it('maps whose keys are equal in another form ([] and (), [1 2] and (1 2)) keep their own keys', () => {
    // A map re-encoded with another map's shape holds that shape's keys: a shape found by equality
    // alone turned {[] 1} into {() 1} at a collection (found by the fuzzer: ReadsChangeNothing).
    const FORMS: readonly (readonly [string, string])[] = [['[]', '()'], ['[1 2]', '(1 2)'], ['{:a []}', '{:a ()}'], ['#{[]}', '#{()}'], ['[[1]]', '[(1)]']];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: FORMS.length - 1 }), fc.boolean(), fc.integer()), { minLength: 2, maxLength: 6 }), (rows) => {
        const k = createOptimizedKernel({ debug: true, gcEvacuateBelow: 2 });
        const texts = rows.map(([f, second, v]) => `{${FORMS[f]![second ? 1 : 0]} ${v} :k 0}`);
        texts.forEach((t) => k.apply({ op: 'atom', pid: 0, value: t }));
        const before = k.observe().processes[0]!.atoms.map((a) => a.value);
        k.apply({ op: 'gc' });
        k.apply({ op: 'gc' });
        expect(k.observe().processes[0]!.atoms.map((a) => a.value)).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });

  it('maps sharing a key set become structs; their values, equality and hashes are unchanged', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 6 }), fc.array(fc.array(arbValue, { minLength: 6, maxLength: 6 }), { minLength: 2, maxLength: 5 }), (keys, rows) => {
        const k = createOptimizedKernel({ debug: true, gcEvacuateBelow: 2 });
        const maps = rows.map((vals) => EMap.from(keys.map((key, i) => [Keyword.of(key), vals[i]!] as [Value, Value])));
        maps.forEach((m) => k.apply({ op: 'atom', pid: 0, value: printEdn(m) }));
        const H = k.heap;
        const slots = maps.map((_, i) => H.mem.load32(H.atomSlot(i)));
        const hashesBefore = slots.map((w) => hashWord(H, w));
        k.apply({ op: 'gc' });
        k.apply({ op: 'gc' });
        expect(k.collector.reencoder!.stats.structs).toBeGreaterThan(0);
        expect(slots.filter((w) => typeOf(H, w) === T_STRUCT).length).toBeGreaterThanOrEqual(rows.length - 1);
        slots.forEach((w, i) => {
          expect(printEdn(fromHeap(H, w))).toBe(printEdn(maps[i]!));
          expect(hashWord(H, w)).toBe(hashesBefore[i]);
          const fresh = toHeap(H, maps[i]!);
          expect(eqWords(H, w, fresh)).toBe(true);
          expect(eqWords(H, fresh, w)).toBe(true);
          expect(hashWord(H, fresh)).toBe(hashWord(H, w));
          for (const key of keys) {
            mapGet(H, w, toHeap(H, Keyword.of(key)));
            expect(lastFound()).toBe(true);
          }
          // assoc on a struct thaws it into a CHAMP map
          const w2 = mapAssoc(H, w, toHeap(H, Keyword.of('zz')), smallInt(1));
          expect(printEdn(fromHeap(H, w2))).toBe(printEdn(maps[i]!.assoc(Keyword.of('zz'), 1n)));
        });
        const obs = k.observe();
        expect(obs.processes[0]!.atoms.map((a) => a.value)).toEqual(maps.map(printEdn));
        k.checkInvariants();
      }),
      { numRuns: 15 },
    );
  });
});
