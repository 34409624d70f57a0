import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { SpecInstance } from '../../spec/SpecModule.js';
import { explore } from './explorer.js';
import { FingerprintSet, fp, hashString, hashWords } from './fingerprint.js';
import { specModule as toy, type ToyState } from '../../tests/fixtures/check/Toy.js';
import { specModule as miniAtoms } from '../../tests/fixtures/check/MiniAtoms.js';

/** An independent reference: BFS with a Set of string keys; returns the distinct count. */
function referenceCount<S>(inst: SpecInstance<S>): number {
  const seen = new Set<string>();
  let frontier: S[] = [];
  for (const s of inst.init()) if (!seen.has(inst.key(s))) { seen.add(inst.key(s)); frontier.push(s); }
  while (frontier.length > 0) {
    const next: S[] = [];
    for (const s of frontier) for (const a of inst.actions) for (const t of a.next(s)) if (!seen.has(inst.key(t))) { seen.add(inst.key(t)); next.push(t); }
    frontier = next;
  }
  return seen.size;
}

const toyInst = toy.instantiate({ N: 3, Procs: ['p1', 'p2'] });
const atoms = miniAtoms.instantiate({ Procs: ['p1', 'p2'], Atoms: ['a1', 'a2'], MaxVal: 1, MaxStamp: 3 });

describe('explorer', () => {
  test('counts the same distinct states as a plain Set-based BFS, by key and by keyInto', () => {
    const safe = { invariants: ['TypeOK', 'Bounded'] };
    expect(explore(toyInst, safe).distinctStates).toBe(referenceCount(toyInst));
    const byWords = explore(atoms);
    const byString = explore({ ...atoms, keyInto: undefined });
    expect(byWords.outcome.kind).toBe('pass');
    expect(byWords.distinctStates).toBe(referenceCount(atoms));
    expect(byString.distinctStates).toBe(byWords.distinctStates);
    expect(byWords.depth).toBe(byString.depth);
  });

  test('a violation ends with a shortest, replayable trace naming the invariant', () => {
    const r = explore(toyInst, { invariants: ['TypeOK', 'NotTwo'] });
    expect(r.outcome.kind).toBe('violation');
    if (r.outcome.kind !== 'violation') return;
    expect(r.outcome.invariant).toBe('NotTwo');
    const tr = r.outcome.trace;
    expect(tr.map((s) => s.action)).toEqual(['Init', 'Inc', 'Inc']);
    expect(tr[tr.length - 1]!.state.x).toBe(2);
    // each step is a real successor by the named action
    for (let i = 1; i < tr.length; i++) {
      const act = toyInst.actions.find((a) => a.name === tr[i]!.action)!;
      expect([...act.next(tr[i - 1]!.state)].map(toyInst.key)).toContain(toyInst.key(tr[i]!.state));
    }
  });

  test('deadlock is an error only when asked; constraint stops expansion but counts the state', () => {
    const stuck: SpecInstance<ToyState> = { ...toyInst, actions: toyInst.actions.filter((a) => a.name !== 'Reset') };
    expect(explore(stuck, { invariants: [] }).outcome.kind).toBe('pass');
    const d = explore(stuck, { invariants: [], checkDeadlock: true });
    expect(d.outcome.kind).toBe('deadlock');
    if (d.outcome.kind === 'deadlock') expect(d.outcome.trace[d.outcome.trace.length - 1]!.state.x).toBe(3);
    const constrained = explore({ ...toyInst, constraint: (s) => s.x < 1 }, { invariants: [] });
    expect(constrained.distinctStates).toBe(1 + 2); // Init, then the two Inc successors (not expanded)
  });

  test('max-states stops the search as a distinct outcome', () => {
    const r = explore(atoms, { maxStates: 100 });
    expect(r.outcome).toEqual({ kind: 'max-states', limit: 100 });
  });

  test('an exception in the mirror is an error outcome with a trace, not a crash', () => {
    const boom: SpecInstance<ToyState> = { ...toyInst, actions: [...toyInst.actions, { name: 'Boom', next: (s) => { if (s.x === 1) throw new Error('bad'); return []; } }] };
    const r = explore(boom, { invariants: [] });
    expect(r.outcome.kind).toBe('error');
    if (r.outcome.kind === 'error') expect(r.outcome.message).toMatch(/Boom threw: bad/);
  });

  test('rejects an invariant name the mirror lacks', () => {
    expect(() => explore(toyInst, { invariants: ['Nope'] })).toThrow(/no invariant named Nope/);
  });

  test('reports progress', () => {
    const seen: number[] = [];
    explore(atoms, { progressEveryMs: 0, onProgress: (p) => seen.push(p.distinctStates) });
    expect(seen.length).toBeGreaterThan(0);
  });
});

describe('fingerprints', () => {
  test('FingerprintSet agrees with a Set, across growth', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3000 }), (keys) => {
      const set = new FingerprintSet(4);
      const ref = new Map<string, number>();
      for (const k of keys) {
        hashString(k);
        const r = set.add(fp.hi, fp.lo, 7, 1);
        if (ref.has(k)) expect(r).toBe(-1 - ref.get(k)!);
        else { expect(r).toBe(ref.size); ref.set(k, r); }
      }
      expect(set.size).toBe(ref.size);
    }), { numRuns: 30 });
  });

  test('no 64-bit collisions among 200,000 similar keys and word vectors', () => {
    const s = new Set<string>();
    const w = new Int32Array(4);
    for (let i = 0; i < 100_000; i++) {
      hashString(`${i % 7},${i >> 3}|${i}`);
      s.add(`${fp.hi}:${fp.lo}`);
      w[0] = i & 3; w[1] = i >> 2; w[2] = 0; w[3] = i;
      hashWords(w, 4);
      s.add(`w${fp.hi}:${fp.lo}`);
    }
    expect(s.size).toBe(200_000);
  });
});
