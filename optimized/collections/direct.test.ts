import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { printEdn } from '../../spec/codec/Edn.js';
import { Heap } from '../heap/Heap.js';
import { PlainMemory } from '../memory/MemoryBackend.js';
import { champForEachNode } from './champ.js';
import { builderAssoc, builderDissoc, builderFreeze, fromHeap, hashWord, initImmortals, mapAssoc, mapBuilder, mapDissoc, mapGet, mkInt, setConj, smallInt, WORDS } from '../heap/values.js';

/** A plain memory whose accesses are overridden (identically): the kernel must take the backend path. */
class ViaBackend extends PlainMemory {
  loads = 0;
  override load32(addr: number): number {
    this.loads++;
    return super.load32(addr);
  }
  override store32(addr: number, value: number): void {
    super.store32(addr, value);
  }
  readonly published = new Set<number>();
  override publish(addr: number, words: number): void {
    this.published.add(addr);
    super.publish(addr, words);
  }
}

function heapOver(mem: PlainMemory): Heap {
  const H = new Heap(mem);
  initImmortals(H);
  return H;
}

/** Int64 keys whose kernel hashes collide in all 32 bits (searched once, so collision nodes are exercised). */
function collidingInts(want: number): bigint[] {
  const H = heapOver(new PlainMemory({ initialWords: 1 << 18 }));
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

/** The first index where two word arrays differ (-1: none). */
function firstDifference(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

type Op = { t: 'assoc' | 'dissoc' | 'tassoc' | 'tdissoc' | 'conj'; k: number; v: number } | { t: 'freeze' };

/** Runs `ops` on heap `H`; returns the value words produced (persistent map, builder results, set). */
function run(H: Heap, ops: readonly Op[], colliding: readonly bigint[]): number[] {
  const boxed = colliding.map((k) => mkInt(H, k));
  const key = (k: number): number => (k < 0 ? boxed[(-1 - k) % boxed.length]! : smallInt(k));
  let m = WORDS.emptyMap;
  let s = WORDS.emptySet;
  let b = mapBuilder(H, 2);
  const out: number[] = [];
  for (const op of ops) {
    switch (op.t) {
      case 'assoc':
        m = mapAssoc(H, m, key(op.k), smallInt(op.v));
        break;
      case 'dissoc':
        m = mapDissoc(H, m, key(op.k));
        break;
      case 'tassoc':
        builderAssoc(H, b, key(op.k), smallInt(op.v));
        break;
      case 'tdissoc':
        builderDissoc(H, b, key(op.k));
        break;
      case 'conj':
        s = setConj(H, s, key(op.k));
        break;
      case 'freeze':
        out.push(builderFreeze(H, b));
        b = mapBuilder(H, 2);
        break;
    }
  }
  out.push(m, s, builderFreeze(H, b));
  return out;
}

describe('CHAMP on a plain backend: the direct path writes what the backend path writes', () => {
  it('takes the direct path only on an unmodified plain backend', () => {
    expect(heapOver(new PlainMemory({ initialWords: 1 << 18 })).raw).not.toBeNull();
    expect(heapOver(new ViaBackend({ initialWords: 1 << 18 })).raw).toBeNull();
  });

  it('same operations, same memory word for word (growth, collisions, transients, in-place splits)', () => {
    const colliding = collidingInts(4);
    expect(colliding.length).toBeGreaterThanOrEqual(2);
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constantFrom('assoc' as const, 'dissoc' as const, 'tassoc' as const, 'tdissoc' as const, 'conj' as const), k: fc.integer({ min: -8, max: 3000 }), v: fc.integer({ min: 0, max: 5 }) }) },
      { weight: 1, arbitrary: fc.constant({ t: 'freeze' as const }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 600, size: 'max' }), (ops) => {
        // A small initial memory, so the direct path also crosses growth (its array is replaced).
        const direct = heapOver(new PlainMemory({ initialWords: 1 << 18 }));
        const backend = new ViaBackend({ initialWords: 1 << 18 });
        const viaBackend = heapOver(backend);
        const loadsBefore = backend.loads;
        const r1 = run(direct, ops, colliding);
        const r2 = run(viaBackend, ops, colliding);
        if (ops.length > 0) expect(backend.loads).toBeGreaterThan(loadsBefore);
        expect(r1).toEqual(r2);
        expect(direct.mem.size()).toBe(viaBackend.mem.size());
        expect(firstDifference(direct.raw!, backend.words)).toBe(-1);
        for (let i = 0; i < r1.length; i++) expect(printEdn(fromHeap(direct, r1[i]!))).toBe(printEdn(fromHeap(viaBackend, r2[i]!)));
      }),
      { numRuns: 40, seed: 6 },
    );
  });

  it('grows the memory in the middle of a build and reads the new words afterwards', () => {
    const H = heapOver(new PlainMemory({ initialWords: 1 << 18 }));
    const before = H.raw;
    const b = mapBuilder(H, 2);
    for (let i = 0; i < 60_000; i++) builderAssoc(H, b, smallInt(i * 7919), smallInt(i));
    const m = builderFreeze(H, b);
    expect(H.raw).not.toBe(before); // the memory grew: the array was replaced
    for (let i = 0; i < 60_000; i += 37) expect(mapGet(H, m, smallInt(i * 7919))).toBe(smallInt(i));
  });

  it('a frozen builder no longer owns its nodes: later builder updates leave the value unchanged', () => {
    for (const mem of [new PlainMemory({ initialWords: 1 << 18 }), new ViaBackend({ initialWords: 1 << 18 })]) {
      const H = heapOver(mem);
      const b = mapBuilder(H, 2);
      for (let i = 0; i < 500; i++) builderAssoc(H, b, smallInt(i), smallInt(i));
      const frozen = builderFreeze(H, b);
      const text = printEdn(fromHeap(H, frozen));
      for (let i = 0; i < 500; i++) builderAssoc(H, b, smallInt(i), smallInt(-i));
      for (let i = 500; i < 600; i++) builderAssoc(H, b, smallInt(i), smallInt(i));
      expect(printEdn(fromHeap(H, frozen))).toBe(text);
      expect(mapGet(H, builderFreeze(H, b), smallInt(7))).toBe(smallInt(-7));
    }
  });

  it('freezing a builder publishes every node it built on a backend that listens', () => {
    const mem = new ViaBackend({ initialWords: 1 << 18 });
    const H = heapOver(mem);
    const b = mapBuilder(H, 2);
    for (let i = 0; i < 3000; i++) builderAssoc(H, b, smallInt(i * 7919), smallInt(i));
    const m = builderFreeze(H, b);
    let nodes = 0;
    champForEachNode(H, H.mem.load32(H.addr(m >>> 1) + 5) >>> 1, 2, (a) => {
      nodes++;
      expect(mem.published.has(a)).toBe(true);
    });
    expect(nodes).toBeGreaterThan(32);
  });
});
