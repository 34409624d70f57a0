import { describe, expect, it } from 'vitest';
import { GC, instantiateGC } from './GC.js';
import { bfsMirror, manifestModels, readRepoFile } from '../tests/spec/mirrorHarness.js';
import { cfgConstantsWithModelValues, compareSuccessorsAlongWalk } from '../tests/spec/heapGcModels.js';

const models = manifestModels('GC').filter((m) => !m.big);

describe('GC mirror', () => {
  it('has default and seeded-bug models in the manifest', () => {
    expect(models.filter((m) => m.expect === 'pass').length).toBeGreaterThanOrEqual(2);
    expect(models.filter((m) => m.expect !== 'pass').length).toBeGreaterThanOrEqual(3);
  });
  for (const m of models) {
    it(`${m.name}: ${m.expect === 'pass' ? 'BFS matches the pinned count, invariants hold' : `violates ${m.expect.violation}`}`, () => {
      const inst = GC.instantiate(cfgConstantsWithModelValues(readRepoFile(m.cfg)));
      const r = bfsMirror(inst, { stopAtViolation: m.expect !== 'pass' });
      if (m.expect === 'pass') {
        expect([...r.violated.keys()]).toEqual([]);
        expect(r.distinct).toBe(m.distinctStates);
      } else {
        // The first violated invariant in the cfg's order is the one the TLA+ checker names.
        const order = ['TypeOK', 'Immutable', 'ToSpace', 'ReachableNeverFreed', 'NoDangling'];
        const first = order.find((n) => r.violated.has(n));
        expect(first).toBe(m.expect.violation);
      }
    });
  }
  it('successors agree with tla-checker along a walk (MCGC_small)', async () => {
    const cfg = readRepoFile('spec/tla/MCGC_small.cfg');
    const inst = GC.instantiate(cfgConstantsWithModelValues(cfg));
    const r = await compareSuccessorsAlongWalk(inst, readRepoFile('spec/tla/GC.tla'), cfg, 60, 11);
    expect(r.diff).toBeNull();
    expect(r.checked).toBeGreaterThan(20);
  });
  it('successors agree with tla-checker along a walk (seeded bug swap-before-copy)', async () => {
    const cfg = readRepoFile('spec/tla/MCGC_bug_swap-before-copy.cfg');
    const inst = GC.instantiate(cfgConstantsWithModelValues(cfg));
    const r = await compareSuccessorsAlongWalk(inst, readRepoFile('spec/tla/GC.tla'), cfg, 40, 5);
    expect(r.diff).toBeNull();
  });
  it('keys are compact and distinguish states', () => {
    const inst = instantiateGC({ Procs: ['p1'], NumHandles: 2, NumAddrs: 3, NumAtoms: 1, MaxPayload: 0, MaxKids: 1, Bug: 'none' });
    const s0 = [...inst.init()][0]!;
    const succ = inst.actions.flatMap((a) => [...a.next(s0)]);
    expect(succ.length).toBeGreaterThan(0);
    expect(inst.key(s0).length).toBe(inst.layout.end);
    expect(new Set(succ.map(inst.key)).has(inst.key(s0))).toBe(false);
  });
  it('rejects an unknown bug name', () => {
    expect(() => instantiateGC({ Procs: ['p1'], NumHandles: 2, NumAddrs: 3, NumAtoms: 1, MaxPayload: 0, MaxKids: 1, Bug: 'nope' })).toThrow(/Bug/);
  });
});
