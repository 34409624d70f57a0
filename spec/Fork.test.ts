import { describe, expect, it } from 'vitest';
import { fork, forkConstants, forkInit, forkIsolation, holders, newAtom, specModule, write } from './Fork.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { bfsMirror, cfgConstants, manifestModels, mirrorStateSet, readRepoFile, tlaStateSet } from '../tests/spec/mirrorHarness.js';

/** Medium models run only with IMMUTOS_SPEC_FULL=1. */
const FULL = process.env.IMMUTOS_SPEC_FULL === '1';
const allModels = manifestModels('Fork').filter((m) => !m.big);
const models = allModels.filter((m) => FULL || m.expect !== 'pass' || m.name.endsWith('_small'));

describe('Fork mirror: manifest models', () => {
  it('has a pass model and the seeded-bug model', () => {
    expect(models.some((m) => m.expect === 'pass')).toBe(true);
    expect(allModels.filter((m) => m.expect !== 'pass').map((m) => cfgConstants(readRepoFile(m.cfg)).Bug)).toEqual(['fork-shares-private']);
  });
  for (const m of models) {
    it(`${m.name}: ${typeof m.expect === 'string' ? `${m.distinctStates} states, invariants hold` : `violates ${m.expect.violation}`}`, () => {
      const inst = specModule.instantiate(cfgConstants(readRepoFile(m.cfg)));
      if (m.expect === 'pass') {
        const r = bfsMirror(inst);
        expect([...r.violated.keys()]).toEqual([]);
        expect(r.distinct).toBe(m.distinctStates);
      } else {
        const r = bfsMirror(inst, { stopAtViolation: true });
        expect([...r.violated.keys()]).toEqual([m.expect.violation]);
      }
    });
  }
});

describe('Fork mirror ≡ Fork.tla (tla-checker explore_*) on tiny models', () => {
  const tla = readRepoFile('spec/tla/Fork.tla');
  const bugCfg = readRepoFile('spec/tla/MCFork_bug_forkSharesPrivate.cfg');
  for (const bug of ['none', 'fork-shares-private']) {
    it(`same reachable states, Bug = ${bug}`, async () => {
      const cfg = bugCfg.replace(/Bug = "[^"]*"/, `Bug = "${bug}"`);
      const ts = mirrorStateSet(specModule.instantiate(cfgConstants(cfg)));
      const tl = await tlaStateSet(tla, cfg);
      expect(ts.size).toBeGreaterThan(20);
      expect([...ts].filter((x) => !tl.has(x))).toEqual([]);
      expect([...tl].filter((x) => !ts.has(x))).toEqual([]);
    });
  }
});

describe('Fork mirror: scenarios', () => {
  const c = forkConstants({ NumProcs: 2, NumShared: 1, MaxRefs: 2, MaxAtoms: 3, MaxVal: 1, MaxStamp: 2, Bug: 'none' });
  it('the child gets a new atom for a private ref (same value and stamp) and the same atom for a shared ref', () => {
    const s = write(c, newAtom(c, forkInit(c), 1, 1)!, 1, 1, 0)!; // private atom 1: value 0, stamp 1
    const f = fork(c, s, 1)!;
    expect(f.table[1]![0]).toBe(0); // shared atom 0: the same atom
    expect(f.table[1]![1]).toBe(2); // private: a new atom
    expect([f.val[2], f.stamp[2], f.creator[2]]).toEqual([0, 1, 2]);
    const w = write(c, f, 2, 1, 1)!; // the child writes its copy
    expect(w.val[1]).toBe(0); // the parent's atom is untouched
    expect(holders(c, w, 1)).toBe(1); // bit of process 1 only
    expect(forkIsolation(c, w)).toBe(true);
  });
  it('the seeded bug fork-shares-private lets a write reach the other process', () => {
    const b = { ...c, Bug: 'fork-shares-private' as const };
    const f = fork(b, newAtom(b, forkInit(b), 1, 1)!, 1)!;
    expect(forkIsolation(b, write(b, f, 2, 1, 0)!)).toBe(false);
  });
  it('rejects bad constants', () => {
    expect(() => forkConstants({ NumProcs: 2, NumShared: 1, MaxRefs: 2, MaxAtoms: 3, MaxVal: 1, MaxStamp: 2, Bug: 'nope' })).toThrow(ModelConstantsError);
  });
});
