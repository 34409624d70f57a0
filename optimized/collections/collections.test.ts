import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EMap, ESet, Vector, type Value } from '../../spec/Values.js';
import { printEdn } from '../../spec/codec/Edn.js';
import { Heap } from '../heap/Heap.js';
import { PlainMemory } from '../memory/MemoryBackend.js';
import {
  builderAssoc,
  builderDissoc,
  builderFreeze,
  fromHeap,
  hashWord,
  initImmortals,
  lastFound,
  mapAssoc,
  mapBuilder,
  mapCount,
  mapDissoc,
  mapGet,
  mkInt,
  setConj,
  setDisj,
  setHas,
  smallInt,
  toHeap,
  vecBuilder,
  vecBuilderPush,
  vecFreeze,
  vecNth,
  WORDS,
} from '../heap/values.js';
import { vecAssocN, vecConj } from './vector.js';

function fresh(): Heap {
  const H = new Heap(new PlainMemory({ initialWords: 1 << 18 }));
  initImmortals(H);
  return H;
}

/**
 * Int64 keys whose kernel hashes collide in all 32 bits (found by search, not hard-coded). Small
 * ints never collide (the hash is a bijection on them), so the search walks a stride > 2^32.
 */
function collidingInts(H: Heap, want: number): bigint[] {
  const seen = new Map<number, bigint>();
  const out: bigint[] = [];
  for (let i = 1n; i < 600_000n && out.length < want; i++) {
    const k = i * 4294967311n;
    const h = hashWord(H, mkInt(H, k));
    const j = seen.get(h);
    if (j !== undefined) out.push(j, k);
    else seen.set(h, k);
  }
  return out;
}

/** Keys of the model tests: a small int, or an index into the colliding keys (as -1-i). */
function keyWord(H: Heap, colliding: readonly bigint[], k: number): number {
  return k >= 0 ? smallInt(k) : mkInt(H, colliding[-1 - k]!);
}
function keyValue(colliding: readonly bigint[], k: number): bigint {
  return k >= 0 ? BigInt(k) : colliding[-1 - k]!;
}

type MapOp = { t: 'assoc'; k: number; v: number } | { t: 'dissoc'; k: number };

describe('CHAMP maps and sets against spec EMap/ESet', () => {
  const H0 = fresh();
  const colliding = collidingInts(H0, 6); // keep the heap: keys are reboxed per test heap

  it('finds colliding hashes to exercise collision nodes', () => {
    expect(colliding.length).toBeGreaterThanOrEqual(2);
  });

  const arbOps = (keys: fc.Arbitrary<number>): fc.Arbitrary<MapOp[]> =>
    fc.array(
      fc.oneof(
        fc.record({ t: fc.constant('assoc' as const), k: keys, v: fc.integer({ min: 0, max: 9 }) }),
        fc.record({ t: fc.constant('dissoc' as const), k: keys }),
      ),
      { maxLength: 300 },
    );
  const keyArb = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: -colliding.length, max: -1 }));

  it('persistent assoc/dissoc/get match the model, and old versions never change', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbOps(keyArb), (ops) => {
        let model = EMap.EMPTY;
        let w = WORDS.emptyMap;
        const history: [number, string][] = [];
        for (const op of ops) {
          if (op.t === 'assoc') {
            model = model.assoc(keyValue(colliding, op.k), BigInt(op.v));
            w = mapAssoc(H, w, keyWord(H, colliding, op.k), smallInt(op.v));
          } else {
            model = model.dissoc(keyValue(colliding, op.k));
            w = mapDissoc(H, w, keyWord(H, colliding, op.k));
          }
          expect(mapCount(H, w)).toBe(model.size);
          history.push([w, printEdn(model)]);
        }
        for (const [hw, text] of history) expect(printEdn(fromHeap(H, hw))).toBe(text);
        for (let k = -colliding.length; k < 30; k++) {
          const v = mapGet(H, w, keyWord(H, colliding, k));
          expect(lastFound()).toBe(model.has(keyValue(colliding, k)));
          if (lastFound()) expect(BigInt(v >> 1)).toBe(model.get(keyValue(colliding, k)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('transient builds equal persistent builds (canonical shape: same hash, same print)', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbOps(keyArb), (ops) => {
        const b = mapBuilder(H, 2);
        let w = WORDS.emptyMap;
        for (const op of ops) {
          if (op.t === 'assoc') {
            builderAssoc(H, b, keyWord(H, colliding, op.k), smallInt(op.v));
            w = mapAssoc(H, w, keyWord(H, colliding, op.k), smallInt(op.v));
          } else {
            builderDissoc(H, b, keyWord(H, colliding, op.k));
            w = mapDissoc(H, w, keyWord(H, colliding, op.k));
          }
        }
        const t = builderFreeze(H, b);
        expect(printEdn(fromHeap(H, t))).toBe(printEdn(fromHeap(H, w)));
        expect(hashWord(H, t)).toBe(hashWord(H, w));
      }),
      { numRuns: 60 },
    );
  });

  it('sets: conj/disj/has match ESet', () => {
    const H = fresh();
    fc.assert(
      fc.property(arbOps(keyArb), (ops) => {
        let model = ESet.EMPTY;
        let w = WORDS.emptySet;
        for (const op of ops) {
          if (op.t === 'assoc') {
            model = model.conj(keyValue(colliding, op.k));
            w = setConj(H, w, keyWord(H, colliding, op.k));
          } else {
            model = model.disj(keyValue(colliding, op.k));
            w = setDisj(H, w, keyWord(H, colliding, op.k));
          }
        }
        expect(printEdn(fromHeap(H, w))).toBe(printEdn(model));
        for (let k = -colliding.length; k < 5; k++) expect(setHas(H, w, keyWord(H, colliding, k))).toBe(model.has(keyValue(colliding, k)));
      }),
      { numRuns: 60 },
    );
  });

  it('a 20k-entry transient map and its persistent updates agree with native Map', () => {
    const H = fresh();
    const b = mapBuilder(H, 2);
    const native = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = (i * 2654435761) % 1_000_003;
      builderAssoc(H, b, smallInt(k), smallInt(i));
      native.set(k, i);
    }
    let w = builderFreeze(H, b);
    expect(mapCount(H, w)).toBe(native.size);
    for (const [k, v] of native) expect(mapGet(H, w, smallInt(k))).toBe(smallInt(v));
    const before = w;
    w = mapAssoc(H, w, smallInt(5), smallInt(-1));
    expect(mapGet(H, before, smallInt(5))).toBe(native.has(5) ? smallInt(native.get(5)!) : 0);
  });
});

describe('persistent vectors against spec Vector', () => {
  it('conj, nth, assocN match the model across tree depths; old versions unchanged', () => {
    const H = fresh();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.array(fc.tuple(fc.nat(), fc.integer()), { maxLength: 20 }), (n, updates) => {
        const items: Value[] = [];
        let w = WORDS.emptyVector >>> 1;
        for (let i = 0; i < n; i++) {
          items.push(BigInt(i));
          w = vecConj(H, w, smallInt(i));
        }
        const snapshot = w;
        for (const [i0, x] of updates) {
          if (n === 0) break;
          const i = i0 % n;
          items[i] = BigInt(x % 1000);
          w = vecAssocN(H, w, i, smallInt(x % 1000));
        }
        expect(printEdn(fromHeap(H, w << 1))).toBe(printEdn(new Vector(items)));
        for (let i = 0; i < n; i += 97) expect(vecNth(H, snapshot, i)).toBe(smallInt(i));
      }),
      { numRuns: 40 },
    );
  });

  it('a transient build equals the persistent one', () => {
    const H = fresh();
    for (const n of [0, 1, 31, 32, 33, 1024, 1025, 33 * 32 + 7, 40_000]) {
      const b = vecBuilder(H);
      for (let i = 0; i < n; i++) vecBuilderPush(H, b, smallInt(i));
      const t = vecFreeze(H, b);
      const items = Array.from({ length: n }, (_, i) => BigInt(i));
      expect(printEdn(fromHeap(H, t << 1))).toBe(printEdn(new Vector(items)));
      for (let i = 0; i < n; i += 1 + (n >> 6)) expect(vecNth(H, t, i)).toBe(smallInt(i));
    }
    expect(toHeap(H, new Vector([]))).toBe(WORDS.emptyVector);
  });
});
