/**
 * Versioned maps (optimized/lang/vmap.ts) against the spec's sorted-array map as the model: any
 * sequence of `assoc`/`dissoc`/reads on any mix of old and new versions must answer exactly what
 * the spec's `EMap` answers (entries and their key objects, order, size, lookups, printing,
 * equality and hash), whether a read reroots, detaches or follows a capped table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printEdn } from '../../spec/codec/Edn.js';
import { Char, EMap, compare, hash, kw, list, sym, vec, type Value } from '../../spec/Values.js';
import { REROOT_MAX, VersionedMap } from './vmap.js';

/** Keys that stress each path: primitives, interned names, doubles (NaN, ±0), equal list/vector pairs, composites. */
const KEYS: readonly Value[] = [
  null,
  true,
  false,
  0n,
  1n,
  -1n,
  1.0,
  0,
  -0,
  Number.NaN,
  'a',
  'b',
  '',
  kw('a'),
  kw('x/a'),
  sym('a'),
  new Char('a'),
  vec(1n, 2n),
  list(1n, 2n),
  vec(),
  list(),
  EMap.from([[kw('k'), 1n]]),
];

const keyArb = fc.nat({ max: KEYS.length - 1 }).map((i) => KEYS[i]!);

type Op =
  | { readonly t: 'assoc'; readonly from: number; readonly k: Value; readonly v: bigint }
  | { readonly t: 'dissoc'; readonly from: number; readonly k: Value }
  | { readonly t: 'read'; readonly at: number; readonly k: Value };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('assoc' as const), from: fc.nat(), k: keyArb, v: fc.bigInt({ min: 0n, max: 9n }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('dissoc' as const), from: fc.nat(), k: keyArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('read' as const), at: fc.nat(), k: keyArb }) },
);

/** Checks that `m` answers exactly what `model` does. */
function same(m: EMap, model: EMap, probe: Value): void {
  expect(m.size).toBe(model.size);
  expect(m.get(probe)).toBe(model.get(probe));
  expect(m.has(probe)).toBe(model.has(probe));
  expect(printEdn(m)).toBe(printEdn(model));
  expect(m.entries.length).toBe(model.entries.length);
  m.entries.forEach((e, i) => {
    // The same key objects (the last assoc's key is kept) and values.
    expect(e[0]).toBe(model.entries[i]![0]);
    expect(e[1]).toBe(model.entries[i]![1]);
  });
  expect(compare(m, model)).toBe(0);
  expect(hash(m)).toBe(hash(model));
}

/** Runs `ops` on versioned maps and on the model side by side; every version is checked at the end. */
function play(ops: readonly Op[], start: EMap = EMap.EMPTY): void {
  const versions: VersionedMap[] = [VersionedMap.of(start)];
  const models: EMap[] = [start];
  for (const op of ops) {
    if (op.t === 'read') {
      const i = op.at % versions.length;
      same(versions[i]!, models[i]!, op.k);
      continue;
    }
    const i = op.from % versions.length;
    if (op.t === 'assoc') {
      versions.push(versions[i]!.assoc(op.k, op.v));
      models.push(models[i]!.assoc(op.k, op.v));
    } else {
      const v = versions[i]!.dissoc(op.k);
      const m = models[i]!.dissoc(op.k);
      // An absent key leaves the very map, in both.
      expect(v === versions[i]).toBe(m === models[i]);
      versions.push(v);
      models.push(m);
    }
  }
  versions.forEach((v, i) => same(v, models[i]!, null));
}

describe('versioned maps agree with the spec map', () => {
  it('on random histories over old and new versions', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => play(ops)), { numRuns: 400 });
  });

  it('starting from a converted non-empty map', () => {
    const start = EMap.from(KEYS.slice(0, 12).map((k, i) => [k, BigInt(i)] as const));
    fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => play(ops, start)), { numRuns: 200 });
  });

  it('threaded updates keep one table; a near old version reroots, a far one detaches', () => {
    let m = VersionedMap.of(EMap.EMPTY);
    const history: VersionedMap[] = [m];
    for (let i = 0; i < 40; i++) history.push((m = m.assoc(BigInt(i % 10), BigInt(i))));
    expect(m.holdsTable).toBe(true);
    expect(history.filter((v) => v.holdsTable)).toHaveLength(1);
    // Near: rerooting moves the table to the old version.
    const near = history[history.length - 1 - REROOT_MAX]!;
    expect(near.get(0n)).toBe(30n);
    expect(near.holdsTable).toBe(true);
    expect(m.holdsTable).toBe(false);
    expect(m.get(9n)).toBe(39n);
    // Far: the old version gets its own table; the newest keeps the shared one.
    const far = history[3]!;
    expect(far.size).toBe(3);
    expect(far.get(2n)).toBe(2n);
    expect(far.get(5n)).toBe(undefined);
    expect(far.holdsTable).toBe(true);
    expect(m.holdsTable).toBe(true);
    history.forEach((v, i) => expect(v.size).toBe(Math.min(i, 10)));
  });

  it('long threads past the diff cap stay correct in every version', () => {
    let m = VersionedMap.of(EMap.EMPTY);
    let model = EMap.EMPTY;
    const kept: [VersionedMap, EMap][] = [];
    for (let i = 0; i < 3000; i++) {
      const k = `k${i % 7}`;
      if (i % 5 === 4) {
        m = m.dissoc(k);
        model = model.dissoc(k);
      } else {
        m = m.assoc(k, BigInt(i));
        model = model.assoc(k, BigInt(i));
      }
      if (i % 97 === 0) kept.push([m, model]);
    }
    same(m, model, 'k3');
    for (const [v, mm] of kept.reverse()) same(v, mm, 'k1');
  });
});
