/**
 * Durable values that hold one part many times (`[v v]` nested 60 deep: 61 collections, 2^60
 * leaves): the store writes each part once and reads the value back sharing its parts, equal to
 * what was written, in both stores; a part the store writes as one blob (a tagged value, a map
 * key, a set member) of more than `MAX_DURABLE_BLOB` values counted as a tree is refused with
 * `StoreBadInput`, recording nothing; at most that many it is stored as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMap, ESet, Tagged, Vector, equals, kw, type Value } from '../spec/Values.js';
import { MAX_DURABLE_BLOB, StoreBadInput, type DurableStore } from '../spec/Store.js';
import { LmdbStore } from './LmdbStore.js';
import { MemoryStore } from './MemoryStore.js';
import { storeValue } from './nodes.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function twice(levels: number, wrap: (v: Value, i: number) => Value): Value {
  let v: Value = kw('leaf');
  for (let i = 0; i < levels; i++) v = wrap(v, i);
  return v;
}

const vectors = (v: Value): Value => Vector.adopt([v, v]);
const maps = (v: Value, i: number): Value => EMap.from([[kw('a'), v], [kw('b'), v], [kw('i'), BigInt(i)]]);

async function stores(): Promise<DurableStore[]> {
  const dir = mkdtempSync(join(tmpdir(), 'immutos-shared-'));
  dirs.push(dir);
  return [new MemoryStore(), await LmdbStore.open(dir)];
}

describe('durable values that hold one part many times', () => {
  for (const [shape, wrap] of [['vectors', vectors], ['maps', maps]] as const) {
    it(`${shape} 60 deep are written part by part and read back equal`, async () => {
      const v = twice(60, wrap);
      let nodes = 0;
      storeValue(v, () => nodes++);
      expect(nodes).toBeLessThan(200); // a few nodes a level, not 2^60
      for (const s of await stores()) {
        const t = s.append({ atom: 'd', stamp: 0, value: v, writer: 0 });
        s.flush();
        expect(equals(s.value(t.hash), v)).toBe(true);
        await s.close();
      }
    }, 30_000);
  }

  const blobs: [string, (v: Value, i: number) => Value][] = [
    ['a tagged value', (v) => new Tagged('my/t', Vector.adopt([v, v]))],
    ['a map key', (v, i) => EMap.from([[Vector.adopt([v, v]), BigInt(i)]])],
    ['a set member', (v) => ESet.from([Vector.adopt([v, v]), kw('x')])],
  ];
  for (const [what, wrap] of blobs) {
    it(`${what} of more than MAX_DURABLE_BLOB values counted as a tree is refused; one of fewer is stored`, async () => {
      // 2^19 leaves (about 2^20 values) at 18 levels fit; 60 levels do not
      const small = twice(17, wrap);
      const big = twice(60, wrap);
      for (const s of await stores()) {
        const t = s.append({ atom: 'ok', stamp: 0, value: small, writer: 0 });
        s.flush();
        expect(equals(s.value(t.hash), small)).toBe(true);
        expect(() => s.append({ atom: 'big', stamp: 0, value: big, writer: 0 })).toThrow(StoreBadInput);
        expect(() => s.append({ atom: 'big', stamp: 0, value: big, writer: 0 })).toThrow(String(MAX_DURABLE_BLOB));
        expect(s.history('big')).toEqual([]);
        await s.close();
      }
    }, 60_000);
  }
});
