/**
 * Durable values nest at most `MAX_DURABLE_DEPTH` levels: a value at the bound (vectors, maps,
 * lists, sets, tagged values and mixes of them) is stored and read back equal by both stores,
 * the LMDB one also after a reopen; one level more is refused with `StoreBadInput`, and nothing
 * is recorded. The depth is counted without recursion, whatever the value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMap, ESet, List, Tagged, Vector, equals, kw, type Value } from '../spec/Values.js';
import { MAX_DURABLE_DEPTH, StoreBadInput, nestingDepth, type DurableStore } from '../spec/Store.js';
import { LmdbStore } from './LmdbStore.js';
import { MemoryStore } from './MemoryStore.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Wrappers adding one level each (the mixes alternate two of them). */
const WRAPS: Record<string, (v: Value, i: number) => Value> = {
  vector: (v, i) => Vector.adopt([v, BigInt(i)]),
  map: (v, i) => EMap.from([[kw('k'), v], [kw('i'), BigInt(i)]]),
  list: (v) => List.adopt([v]),
  set: (v) => ESet.from([v]),
  tagged: (v) => new Tagged('my/t', v),
  'set of vectors': (v, i) => (i % 2 === 0 ? ESet.from([v]) : Vector.adopt([v, 'x'])),
  'map keyed by maps': (v, i) => (i % 2 === 0 ? EMap.from([[v, BigInt(i)]]) : EMap.from([[kw('v'), v]])),
};

function nest(levels: number, wrap: (v: Value, i: number) => Value): Value {
  let v: Value = kw('leaf');
  for (let i = 0; i < levels; i++) v = wrap(v, i);
  return v;
}

describe('durable values nest at most MAX_DURABLE_DEPTH levels', () => {
  it('nestingDepth counts levels without recursion, and stops counting past its bound', () => {
    expect(nestingDepth(1n)).toBe(0);
    expect(nestingDepth(Vector.adopt([]))).toBe(1);
    expect(nestingDepth(nest(7, WRAPS.map!))).toBe(7);
    expect(nestingDepth(nest(200_000, WRAPS.vector!))).toBe(200_000);
    expect(nestingDepth(nest(200_000, WRAPS.list!), 10)).toBeGreaterThan(10);
    expect(nestingDepth(nest(8, WRAPS.list!), 10)).toBe(8);
    // each collection once, however often it recurs: [v v] nested 60 deep has 2^60 leaves
    expect(nestingDepth(nest(60, (v) => Vector.adopt([v, v])))).toBe(60);
  });

  for (const [shape, wrap] of Object.entries(WRAPS)) {
    it(`${shape}: ${MAX_DURABLE_DEPTH} levels are stored and read back; ${MAX_DURABLE_DEPTH + 1} are refused, recording nothing`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'immutos-depth-'));
      dirs.push(dir);
      const atBound = nest(MAX_DURABLE_DEPTH, wrap);
      const over = nest(MAX_DURABLE_DEPTH + 1, wrap);
      expect(nestingDepth(atBound)).toBe(MAX_DURABLE_DEPTH);
      let lmdb = await LmdbStore.open(dir);
      const stores: DurableStore[] = [new MemoryStore(), lmdb];
      for (const s of stores) {
        const t = s.append({ atom: 'd', stamp: 0, value: atBound, writer: 0 });
        s.flush();
        expect(equals(s.value(t.hash), atBound)).toBe(true);
        expect(() => s.append({ atom: 'd', stamp: 1, value: over, writer: 0 })).toThrow(StoreBadInput);
        expect(() => s.append({ atom: 'd', stamp: 1, value: over, writer: 0 })).toThrow(`nests more than ${MAX_DURABLE_DEPTH} levels`);
        s.flush();
        expect(s.current('d')?.stamp).toBe(0);
      }
      lmdb.close();
      lmdb = await LmdbStore.open(dir);
      const back = lmdb.current('d');
      expect(back?.stamp).toBe(0);
      expect(equals(lmdb.value(back!.hash), atBound)).toBe(true);
      lmdb.close();
    });
  }
});
