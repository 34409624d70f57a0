// Model-based test of the optimized kernel's heap collections against the spec value model
// (spec/Values.ts): every exported collection function — persistent conj/assocN on vectors,
// assoc/dissoc on maps, conj/disj on sets, transient builders, and builders updated after they
// were frozen — runs as a fast-check command sequence over vector sizes on every trie boundary
// (32, 1024, 1056 and ±1), maps deep enough for several CHAMP levels, and keys whose 32-bit
// hashes collide. After each command the new version and the one it came from must equal their
// models (items, lookups, count, printed value, hash and equality with a fresh build); at the end
// every version ever made must still equal its model (nothing is updated in place).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMap, ESet, Keyword, Vector, equals, hash, type Value } from '../../spec/Values.js';
import { Heap } from '../../optimized/heap/Heap.js';
import { PlainMemory } from '../../optimized/memory/MemoryBackend.js';
import {
  builderAssoc,
  builderDissoc,
  builderFreeze,
  eqWords,
  fromHeap,
  hashWord,
  initImmortals,
  lastFound,
  mapAssoc,
  mapBuilder,
  mapCount,
  mapDissoc,
  mapGet,
  setConj,
  setDisj,
  setHas,
  toHeap,
  WORDS,
  type MapBuilder,
} from '../../optimized/heap/values.js';
import { tailOffset, vecAssocN, vecBuilderPush, vecConj, vecCount, vecFreeze, vecNth, vecTransient } from '../../optimized/collections/vector.js';
import { COLLIDING_INTS, DEEP_TRIE_SIZES, TRIE_SIZES } from '../../harness/generators/programs.js';

/** A vector version: its handle and its model. */
interface VecVersion {
  readonly h: number;
  readonly model: Vector;
}
/** A map or set version: its value word and its model. */
interface MapVersion<M> {
  readonly w: number;
  readonly model: M;
}

/** The heap and every version made so far. */
interface Real {
  readonly H: Heap;
  readonly vecs: VecVersion[];
  readonly maps: MapVersion<EMap>[];
  readonly sets: MapVersion<ESet>[];
  /** A builder frozen earlier, still usable (updates after freezing must copy). */
  frozen: { b: MapBuilder; model: EMap } | null;
}

/** Nothing: the model lives in each version. */
type Model = object;

const SIZES = [...TRIE_SIZES, ...DEEP_TRIE_SIZES];
const COLLIDING = COLLIDING_INTS.flat().map((n) => BigInt(n));

/** Keys: small ints (deep CHAMP tries when many), int64 keys with colliding hashes, strings, keywords, vectors. */
const keyArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 200 }).map((n) => BigInt(n)) },
  { weight: 3, arbitrary: fc.constantFrom(...COLLIDING) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => `k${n}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => Keyword.of(`k${n}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => new Vector([BigInt(n)])) },
);
const itemArb: fc.Arbitrary<Value> = fc.oneof(fc.integer({ min: -5, max: 5 }).map((n) => BigInt(n)), fc.constantFrom<Value>(null, 'x', Keyword.of('a'), new Vector([1n, 2n])));

function checkVec(H: Heap, v: VecVersion): void {
  const n = v.model.items.length;
  expect(vecCount(H, v.h)).toBe(n);
  const w = v.h << 1;
  expect(equals(fromHeap(H, w), v.model)).toBe(true);
  const t = tailOffset(n);
  for (const i of new Set([0, n - 1, t - 1, t, t + 1, 31, 32, 1023, 1024, 1055, 1056, n >> 1])) {
    if (i >= 0 && i < n) expect(equals(fromHeap(H, vecNth(H, v.h, i)), v.model.items[i]!)).toBe(true);
  }
  const again = toHeap(H, v.model);
  expect(eqWords(H, w, again)).toBe(true);
  expect(hashWord(H, w)).toBe(hashWord(H, again));
}

function checkMap(H: Heap, m: MapVersion<EMap>, probes: readonly Value[]): void {
  expect(mapCount(H, m.w)).toBe(m.model.size);
  expect(equals(fromHeap(H, m.w), m.model)).toBe(true);
  for (const k of probes) {
    const got = mapGet(H, m.w, toHeap(H, k));
    const want = m.model.get(k);
    expect(lastFound()).toBe(want !== undefined);
    if (want !== undefined) expect(equals(fromHeap(H, got), want)).toBe(true);
  }
  const again = toHeap(H, m.model);
  expect(eqWords(H, m.w, again)).toBe(true);
  expect(hashWord(H, m.w)).toBe(hashWord(H, again));
}

function checkSet(H: Heap, s: MapVersion<ESet>, probes: readonly Value[]): void {
  expect(equals(fromHeap(H, s.w), s.model)).toBe(true);
  for (const k of probes) expect(setHas(H, s.w, toHeap(H, k))).toBe(s.model.has(k));
  const again = toHeap(H, s.model);
  expect(eqWords(H, s.w, again)).toBe(true);
  expect(hashWord(H, s.w)).toBe(hashWord(H, again));
}

const pickOf = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/** Grows vector version `pick` to `size` items (conj one by one, or a transient build), then writes some items. */
class VecGrow implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly size: number,
    readonly transient: boolean,
    readonly item: Value,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const base = pickOf(r.vecs, this.pick);
    const items = [...base.model.items];
    let h = base.h;
    if (this.transient) {
      const b = vecTransient(H, base.h, H.nextEdit++);
      while (items.length < this.size) {
        vecBuilderPush(H, b, toHeap(H, this.item));
        items.push(this.item);
      }
      h = vecFreeze(H, b);
    } else {
      while (items.length < this.size) {
        h = vecConj(H, h, toHeap(H, this.item));
        items.push(this.item);
      }
    }
    const made = { h, model: new Vector(items) };
    r.vecs.push(made);
    checkVec(H, made);
    checkVec(H, base);
  }
  toString(): string {
    return `VecGrow(${this.pick}, ${this.size}, ${this.transient ? 'transient' : 'conj'})`;
  }
}

/** conj one item, or assocN at an index, on vector version `pick` (persistent). */
class VecUpdate implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly index: number | null,
    readonly item: Value,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const base = pickOf(r.vecs, this.pick);
    const n = base.model.items.length;
    let made: VecVersion;
    if (this.index === null || n === 0) made = { h: vecConj(H, base.h, toHeap(H, this.item)), model: new Vector([...base.model.items, this.item]) };
    else {
      const i = this.index % n;
      const items = [...base.model.items];
      items[i] = this.item;
      made = { h: vecAssocN(H, base.h, i, toHeap(H, this.item)), model: new Vector(items) };
    }
    r.vecs.push(made);
    checkVec(H, made);
    checkVec(H, base);
  }
  toString(): string {
    return `VecUpdate(${this.pick}, ${this.index ?? 'conj'})`;
  }
}

/** A transient vector built on version `pick`, frozen, then pushed to again: the frozen value never changes. */
class VecPushAfterFreeze implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly first: number,
    readonly more: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const base = pickOf(r.vecs, this.pick);
    const b = vecTransient(H, base.h, H.nextEdit++);
    const items = [...base.model.items];
    for (let i = 0; i < this.first; i++) {
      vecBuilderPush(H, b, toHeap(H, BigInt(i)));
      items.push(BigInt(i));
    }
    const frozen = { h: vecFreeze(H, b), model: new Vector(items) };
    for (let i = 0; i < this.more; i++) {
      vecBuilderPush(H, b, toHeap(H, Keyword.of('late')));
      items.push(Keyword.of('late'));
    }
    const later = { h: vecFreeze(H, b), model: new Vector(items) };
    r.vecs.push(frozen, later);
    checkVec(H, frozen);
    checkVec(H, later);
    checkVec(H, base);
  }
  toString(): string {
    return `VecPushAfterFreeze(${this.pick}, ${this.first}, ${this.more})`;
  }
}

/** assoc or dissoc one key on map version `pick` (persistent), or many int keys at once. */
class MapUpdate implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly key: Value,
    readonly value: Value,
    readonly op: 'assoc' | 'dissoc' | 'many',
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const base = pickOf(r.maps, this.pick);
    let w = base.w;
    let model = base.model;
    if (this.op === 'dissoc') {
      w = mapDissoc(H, w, toHeap(H, this.key));
      model = model.dissoc(this.key);
    } else if (this.op === 'assoc') {
      w = mapAssoc(H, w, toHeap(H, this.key), toHeap(H, this.value));
      model = model.assoc(this.key, this.value);
    } else {
      for (let i = 0; i < 70; i++) {
        const k = BigInt(i * 37);
        w = mapAssoc(H, w, toHeap(H, k), toHeap(H, this.value));
        model = model.assoc(k, this.value);
      }
    }
    const made = { w, model };
    r.maps.push(made);
    const probes = [this.key, ...COLLIDING, ...model.entries.slice(0, 8).map(([k]) => k)];
    checkMap(H, made, probes);
    checkMap(H, base, probes);
  }
  toString(): string {
    return `MapUpdate(${this.pick}, ${this.op})`;
  }
}

/** A transient map built by assoc/dissoc steps, frozen, then updated persistently and by its dead builder. */
class MapBuild implements fc.Command<Model, Real> {
  constructor(readonly steps: readonly (readonly [Value, boolean])[]) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const b = mapBuilder(H, 2);
    let model = EMap.EMPTY;
    for (const [k, del] of this.steps) {
      if (del) {
        builderDissoc(H, b, toHeap(H, k));
        model = model.dissoc(k);
      } else {
        builderAssoc(H, b, toHeap(H, k), toHeap(H, 1n));
        model = model.assoc(k, 1n);
      }
    }
    const frozen = { w: builderFreeze(H, b), model };
    r.maps.push(frozen);
    const probes = [...this.steps.map(([k]) => k), ...COLLIDING];
    checkMap(H, frozen, probes);
    // the frozen value, updated persistently; then an earlier frozen builder written again
    const k0 = this.steps[0]?.[0] ?? 0n;
    const next = { w: mapAssoc(H, frozen.w, toHeap(H, k0), toHeap(H, 2n)), model: model.assoc(k0, 2n) };
    r.maps.push(next);
    checkMap(H, next, probes);
    if (r.frozen !== null) {
      const old = r.frozen;
      const before = { w: builderFreeze(H, old.b), model: old.model };
      builderAssoc(H, old.b, toHeap(H, k0), toHeap(H, 3n));
      builderDissoc(H, old.b, toHeap(H, COLLIDING[0]!));
      const after = { w: builderFreeze(H, old.b), model: old.model.assoc(k0, 3n).dissoc(COLLIDING[0]!) };
      r.maps.push(before, after);
      checkMap(H, before, probes);
      checkMap(H, after, probes);
      old.model = after.model;
    }
    r.frozen = { b, model };
    checkMap(H, frozen, probes);
  }
  toString(): string {
    return `MapBuild(${this.steps.length} steps)`;
  }
}

/** conj or disj one member on set version `pick` (persistent). */
class SetUpdate implements fc.Command<Model, Real> {
  constructor(
    readonly pick: number,
    readonly key: Value,
    readonly disj: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: Real): void {
    const { H } = r;
    const base = pickOf(r.sets, this.pick);
    const k = toHeap(H, this.key);
    const made = this.disj ? { w: setDisj(H, base.w, k), model: base.model.disj(this.key) } : { w: setConj(H, base.w, k), model: base.model.conj(this.key) };
    r.sets.push(made);
    const probes = [this.key, ...COLLIDING];
    checkSet(H, made, probes);
    checkSet(H, base, probes);
  }
  toString(): string {
    return `SetUpdate(${this.pick}, ${this.disj ? 'disj' : 'conj'})`;
  }
}

const commandArbs = [
  fc.tuple(fc.nat(), fc.constantFrom(...SIZES), fc.boolean(), itemArb).map(([p, n, t, x]) => new VecGrow(p, n, t, x)),
  fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: null }), itemArb).map(([p, i, x]) => new VecUpdate(p, i, x)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 40 })).map(([p, a, b]) => new VecPushAfterFreeze(p, a, b)),
  fc.tuple(fc.nat(), keyArb, itemArb, fc.constantFrom<'assoc' | 'dissoc' | 'many'>('assoc', 'assoc', 'dissoc', 'many')).map(([p, k, v, op]) => new MapUpdate(p, k, v, op)),
  fc.array(fc.tuple(keyArb, fc.boolean()), { maxLength: 60 }).map((steps) => new MapBuild(steps)),
  fc.tuple(fc.nat(), keyArb, fc.boolean()).map(([p, k, d]) => new SetUpdate(p, k, d)),
];

function freshReal(seeded: readonly string[] = []): Real {
  const H = new Heap(new PlainMemory({ initialWords: 1 << 18 }));
  initImmortals(H);
  H.flags.seeded = new Set(seeded);
  H.flags.inPlaceShared = seeded.includes('in-place-update-shared');
  return { H, vecs: [{ h: WORDS.emptyVector >>> 1, model: new Vector([]) }], maps: [{ w: WORDS.emptyMap, model: EMap.EMPTY }], sets: [{ w: WORDS.emptySet, model: ESet.EMPTY }], frozen: null };
}

describe('heap collections against the spec value model (fast-check commands)', () => {
  it('the colliding keys of the generators collide: the first four pairs in the heap hash, the last four in the spec hash', () => {
    const { H } = freshReal();
    COLLIDING_INTS.forEach(([a, b], i) => {
      if (i < 4) expect(hashWord(H, toHeap(H, BigInt(a)))).toBe(hashWord(H, toHeap(H, BigInt(b))));
      else expect(hash(BigInt(a))).toBe(hash(BigInt(b)));
      expect(a).not.toBe(b);
    });
  });

  /** The model property, on a heap with the seeded bugs `seeded` switched on. */
  const property = (seeded: readonly string[]): fc.IPropertyWithHooks<[Iterable<fc.Command<Model, Real>>]> =>
    fc.property(fc.commands(commandArbs, { maxCommands: 25 }), (cmds) => {
      const real = freshReal(seeded);
      fc.modelRun(() => ({ model: {}, real }), cmds);
      const probes = [...COLLIDING, 0n, 37n];
      for (const v of real.vecs) checkVec(real.H, v);
      for (const m of real.maps) checkMap(real.H, m, probes);
      for (const s of real.sets) checkSet(real.H, s, probes);
    });

  it('every version made by conj, assocN, assoc, dissoc, disj and (frozen) transients equals its model, old versions included', () => {
    fc.assert(property([]), { numRuns: 100, seed: 14 });
  });

  it.each(['vec-push-tail-index', 'vec-tail-offset', 'champ-bitmap-index', 'champ-collision-count', 'in-place-update-shared'])('fails with the seeded heap bug %s', (bug) => {
    expect(() => fc.assert(property([bug]), { numRuns: 100, seed: 14 })).toThrow();
  });
});
