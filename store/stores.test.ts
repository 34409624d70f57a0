/**
 * Differential tests: the reference MemoryStore and the durable LmdbStore run the same random
 * histories (appends, group commits, crashes, reopens, compactions) and must answer every query
 * identically, the LMDB one also after being closed and reopened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { valueArb } from '../harness/generators/values.js';
import { EMap, ESet, kw, List, Vector, equals, type Value } from '../spec/Values.js';
import { HistoryCompacted, StoreBadInput, StoreClosed, StoreConflict, StoreError, StoreMissingValue, type DurableStore, type Transition } from '../spec/Store.js';
import { LmdbStore } from './LmdbStore.js';
import { MemoryStore } from './MemoryStore.js';
import { hashValue, loadValue, storeValue } from './nodes.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'immutos-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A deterministic clock: both stores stamp the same times. */
const ticks = (): (() => number) => { let n = 1_700_000_000_000; return () => n++; };

const bigValueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: 33, max: 200 }).map((n) => Vector.adopt(Array.from({ length: n }, (_, i) => BigInt(i)))),
  fc.integer({ min: 33, max: 300 }).map((n) => EMap.from(Array.from({ length: n }, (_, i) => [kw(`k${i}`), BigInt(i * 7)] as const))),
  fc.integer({ min: 33, max: 100 }).map((n) => ESet.from(Array.from({ length: n }, (_, i) => `m${i}`))),
  fc.integer({ min: 0, max: 70 }).map((n) => List.adopt(Array.from({ length: n }, (_, i) => 'x'.repeat(i * 5)))),
);
const storeValueArb: fc.Arbitrary<Value> = fc.oneof({ weight: 4, arbitrary: valueArb({ maxDepth: 2, maxLength: 4, fns: false }) }, { weight: 1, arbitrary: bigValueArb });

type Cmd =
  | { readonly op: 'append'; readonly atom: number; readonly value: Value; readonly badStamp: boolean }
  | { readonly op: 'flush' }
  | { readonly op: 'crash' }
  | { readonly op: 'reopen' }
  | { readonly op: 'compact'; readonly keepLast: number; readonly keepSinceBack: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('append' as const), atom: fc.integer({ min: 0, max: 3 }), value: storeValueArb, badStamp: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) }) },
  { weight: 4, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), keepLast: fc.integer({ min: 1, max: 3 }), keepSinceBack: fc.integer({ min: 0, max: 6 }) }) },
);

/** Every answer a store gives, as plain data (errors by class name). */
function answers(s: DurableStore): unknown {
  const basis = s.basis();
  const safe = <T>(f: () => T): T | string => {
    try { return f(); } catch (e) { if (e instanceof StoreError) return e.name; throw e; }
  };
  const out: Record<string, unknown> = { basis, atoms: s.atoms() };
  for (let t = 0; t <= basis + 1; t++) out[`snapshot@${t}`] = safe(() => [...s.snapshot(t)]);
  for (let t = 0; t <= basis + 1; t++) out[`since@${t}`] = s.since(t);
  for (const a of ['a0', 'a1', 'a2', 'a3']) {
    out[`history ${a}`] = s.history(a);
    out[`current ${a}`] = s.current(a) ?? null;
    for (let t = 0; t <= basis; t++) out[`asOf ${a}@${t}`] = safe(() => s.asOf(a, t) ?? null);
  }
  const values = new Map<string, Value>();
  for (const tr of s.since(0)) values.set(tr.hash, s.value(tr.hash));
  out.values = [...values].map(([h, v]) => [h, v]);
  return out;
}

function sameValues(a: unknown, b: unknown): boolean {
  const va = (a as { values: [string, Value][] }).values;
  const vb = (b as { values: [string, Value][] }).values;
  return va.length === vb.length && va.every(([h, v], i) => vb[i]![0] === h && equals(v, vb[i]![1]));
}
const withoutValues = (a: unknown): unknown => ({ ...(a as object), values: undefined });

describe('MemoryStore ≡ LmdbStore on random histories', () => {
  it('same answers after every flush, crash, reopen and compaction (and after a final reopen)', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const dir = join(tmp(), 'db');
        const clockM = ticks();
        const clockL = ticks();
        const mem = new MemoryStore({ clock: clockM });
        let db = await LmdbStore.open(dir, { clock: clockL });
        try {
          const stamp = new Map<string, number>();
          const pendingStamp = new Map<string, number>();
          for (const c of cmds) {
            if (c.op === 'append') {
              const atom = `a${c.atom}`;
              const next = (pendingStamp.get(atom) ?? stamp.get(atom) ?? -1) + 1;
              const input = { atom, stamp: c.badStamp ? next + 1 : next, value: c.value, writer: c.atom };
              if (c.badStamp) {
                expect(() => mem.append(input)).toThrow(StoreConflict);
                expect(() => db.append(input)).toThrow(StoreConflict);
                continue;
              }
              expect(db.append(input)).toEqual(mem.append(input));
              pendingStamp.set(atom, next);
            } else if (c.op === 'flush') {
              expect(db.flush()).toEqual(mem.flush());
              for (const [a, s] of pendingStamp) stamp.set(a, s);
              pendingStamp.clear();
            } else if (c.op === 'crash') {
              mem.crash();
              await db.close(); // staged transitions are dropped, as by a kill
              db = await LmdbStore.open(dir, { clock: clockL });
              pendingStamp.clear();
            } else if (c.op === 'reopen') {
              expect(db.flush()).toEqual(mem.flush());
              for (const [a, s] of pendingStamp) stamp.set(a, s);
              pendingStamp.clear();
              await db.close();
              db = await LmdbStore.open(dir, { clock: clockL });
            } else {
              if (mem.pending() > 0) continue;
              const policy = { keepLast: c.keepLast, keepSince: Math.max(0, mem.basis() - c.keepSinceBack) };
              const [rm, rl] = [await mem.compact(policy), await db.compact(policy)];
              expect(rl.transitionsAfter).toBe(rm.transitionsAfter);
              expect(rl.transitionsBefore).toBe(rm.transitionsBefore);
            }
            const [am, al] = [answers(mem), answers(db)];
            expect(withoutValues(al)).toEqual(withoutValues(am));
            expect(sameValues(al, am)).toBe(true);
          }
          mem.crash();
          await db.close();
          db = await LmdbStore.open(dir, { clock: clockL, create: false });
          const [am, al] = [answers(mem), answers(db)];
          expect(withoutValues(al)).toEqual(withoutValues(am));
          expect(sameValues(al, am)).toBe(true);
        } finally {
          await db.close();
          await mem.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('content addressing', () => {
  it('equal values have equal addresses and load back equal, whatever their history', () => {
    fc.assert(
      fc.property(storeValueArb, (v) => {
        const nodes = new Map<string, Uint8Array>();
        const h = storeValue(v, (k, b) => { nodes.set(k, b); });
        expect(hashValue(v)).toBe(h);
        expect(equals(loadValue(h, (k) => nodes.get(k)), v)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const a = EMap.from(Array.from({ length: 500 }, (_, i) => [BigInt(i), BigInt(i)] as const));
    let b = EMap.EMPTY;
    for (let i = 499; i >= 0; i--) b = b.assoc(BigInt(i), BigInt(i));
    expect(hashValue(b)).toBe(hashValue(a));
  });

  it('a one-key change of a large map adds O(log n) nodes, not O(n)', () => {
    const count = (n: number): { total: number; added: number } => {
      const m = EMap.from(Array.from({ length: n }, (_, i) => [BigInt(i), `v${i}`] as const));
      const seen = new Set<string>();
      storeValue(m, (k) => { seen.add(k); });
      const total = seen.size;
      let added = 0;
      storeValue(m.assoc(BigInt(n >> 1), 'changed'), (k) => { if (!seen.has(k)) { seen.add(k); added++; } });
      return { total, added };
    };
    const small = count(2_000);
    const large = count(60_000);
    // 30 times the entries: the whole tree grows about 30-fold, the path of one change by a level at most
    expect(large.total).toBeGreaterThan(small.total * 10);
    expect(large.added).toBeLessThanOrEqual(small.added + 1);
    expect(large.added).toBeGreaterThan(0);
  });
});

describe('LmdbStore: acknowledgement, group commit and typed errors', () => {
  it('commit() resolves after the durable commit; writes of one turn share it; without group commit each has its own', async () => {
    for (const groupCommit of [true, false]) {
      const db = await LmdbStore.open(join(tmp(), 'db'), { groupCommit });
      const trs = await Promise.all(Array.from({ length: 8 }, (_, i) => db.commit({ atom: `w${i}`, stamp: 0, value: BigInt(i), writer: i })));
      expect(trs.map((t) => t.t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(trs.map((t) => t.tx)).size).toBe(groupCommit ? 1 : 8);
      expect(db.stats().commits).toBe(groupCommit ? 1 : 8);
      expect(db.basis()).toBe(8);
      await db.close();
    }
  });

  it('a staged transition is invisible until flushed and lost when the store closes unflushed', async () => {
    const dir = join(tmp(), 'db');
    let db = await LmdbStore.open(dir);
    db.append({ atom: 'x', stamp: 0, value: 1n, writer: 0 });
    db.flush();
    db.append({ atom: 'x', stamp: 1, value: 2n, writer: 0 });
    expect(db.current('x')!.stamp).toBe(0);
    expect(db.pending()).toBe(1);
    await db.close();
    db = await LmdbStore.open(dir);
    expect(db.history('x').map((t) => t.stamp)).toEqual([0]);
    expect(db.append({ atom: 'x', stamp: 1, value: 3n, writer: 0 }).t).toBe(2);
    await db.close();
    expect(() => db.basis()).toThrow(StoreClosed);
  });

  it('bad input is a typed error', async () => {
    const db = await LmdbStore.open(join(tmp(), 'db'));
    const mem = new MemoryStore();
    for (const s of [db, mem] as DurableStore[]) {
      expect(() => s.append({ atom: '', stamp: 0, value: 1n, writer: 0 })).toThrow(StoreBadInput);
      expect(() => s.append({ atom: 'a', stamp: -1, value: 1n, writer: 0 })).toThrow(StoreBadInput);
      expect(() => s.append({ atom: 'a', stamp: 0, value: 1n, writer: 1.5 })).toThrow(StoreBadInput);
      expect(() => s.append({ atom: 'a'.repeat(300), stamp: 0, value: 1n, writer: 0 })).toThrow(StoreBadInput);
      expect(() => s.append({ atom: 'a', stamp: 1, value: 1n, writer: 0 })).toThrow(StoreConflict);
      expect(() => s.value('00'.repeat(32))).toThrow(StoreMissingValue);
      await expect(s.compact({ keepLast: 0 })).rejects.toThrow(StoreBadInput);
    }
    await db.close();
  });

  it('compaction reclaims unreached values and reports removed history as HistoryCompacted, never a wrong answer', async () => {
    const dir = join(tmp(), 'db');
    const db = await LmdbStore.open(dir);
    const big = (k: number): EMap => EMap.from(Array.from({ length: 200 }, (_, i) => [BigInt(i), BigInt(i * k)] as const));
    for (let s = 0; s < 6; s++) db.append({ atom: 'm', stamp: s, value: big(s), writer: 0 });
    db.append({ atom: 'n', stamp: 0, value: 'kept', writer: 1 });
    db.flush();
    const before = db.stats();
    const asOf6 = db.asOf('m', 6);
    const r = await db.compact({ keepLast: 2 });
    expect(r.transitionsBefore).toBe(7);
    expect(r.transitionsAfter).toBe(3);
    expect(r.nodesAfter).toBeLessThan(before.nodes);
    expect(db.asOf('m', 6)).toEqual(asOf6);
    expect(() => db.asOf('m', 3)).toThrow(HistoryCompacted);
    expect(db.asOf('n', 6)).toBeUndefined();
    expect(equals(db.value(db.current('m')!.hash), big(5))).toBe(true);
    await db.close();
    const again = await LmdbStore.open(dir, { create: false });
    expect(again.history('m').map((t: Transition) => t.stamp)).toEqual([4, 5]);
    expect(() => again.asOf('m', 2)).toThrow(HistoryCompacted);
    await again.close();
  });

  it('a reader holding the old generation keeps its snapshot through a compaction; a new reader sees the compacted store', async () => {
    const dir = join(tmp(), 'db');
    const writer = await LmdbStore.open(dir);
    for (let i = 0; i < 5; i++) { writer.append({ atom: 'x', stamp: i, value: BigInt(i), writer: 0 }); writer.flush(); }
    const reader = await LmdbStore.open(dir);
    const before = reader.history('x');
    await writer.compact({ keepLast: 1 });
    expect(reader.history('x')).toEqual(before);
    expect(reader.value(reader.asOf('x', 2)!.hash)).toBe(1n); // t=2 is the write of stamp 1
    const fresh = await LmdbStore.open(dir);
    expect(fresh.history('x').map((t) => t.t)).toEqual([5]);
    expect(() => fresh.asOf('x', 2)).toThrow(HistoryCompacted);
    for (const s of [writer, reader, fresh]) await s.close();
  });
});
