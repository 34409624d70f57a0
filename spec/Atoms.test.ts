import { describe, expect, it } from 'vitest';
import {
  atomsInit, atomsConstants, cas, deref, reset, specModule, swapCommit, swapRead, staleStampNeverWrites,
  type AtomsConstants,
} from './Atoms.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { bfsMirror, cfgConstants, manifestModels, mirrorStateSet, readRepoFile, tlaStateSet } from '../tests/spec/mirrorHarness.js';

/** Medium models run only with IMMUTOS_SPEC_FULL=1 (they take tens of seconds on a loaded machine). */
const FULL = process.env.IMMUTOS_SPEC_FULL === '1';
const allModels = manifestModels('Atoms').filter((m) => !m.big);
const models = allModels.filter((m) => FULL || m.expect !== 'pass' || m.name.endsWith('_small'));

describe('Atoms mirror: manifest models', () => {
  it('has a pass model and a seeded-bug model for each seeded bug', () => {
    expect(models.some((m) => m.expect === 'pass')).toBe(true);
    expect(allModels.filter((m) => m.expect !== 'pass').map((m) => cfgConstants(readRepoFile(m.cfg)).Bug).sort())
      .toEqual(['cas-ignores-stamp', 'reset-keeps-stamp']);
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

describe('Atoms mirror ≡ Atoms.tla (tla-checker explore_*) on tiny models', () => {
  const base = readRepoFile('spec/tla/MCAtoms_small.cfg');
  const tla = readRepoFile('spec/tla/Atoms.tla');
  // 1 atom; 2 writes per atom for the correct model, 1 for the seeded bugs (to keep explore_* calls few)
  const tiny = (bug: string): string => base.replace(/MaxAtoms = \d+/, 'MaxAtoms = 1')
    .replace(/MaxStamp = \d+/, `MaxStamp = ${bug === 'none' ? 2 : 1}`).replace(/Bug = "[^"]*"/, `Bug = "${bug}"`);
  for (const bug of ['none', 'cas-ignores-stamp', 'reset-keeps-stamp']) {
    it(`same reachable states, Bug = ${bug}`, async () => {
      const cfg = tiny(bug);
      const ts = mirrorStateSet(specModule.instantiate(cfgConstants(cfg)));
      const tl = await tlaStateSet(tla, cfg);
      expect(ts.size).toBeGreaterThan(20);
      expect([...ts].filter((x) => !tl.has(x))).toEqual([]);
      expect([...tl].filter((x) => !ts.has(x))).toEqual([]);
    });
  }
});

describe('Atoms mirror: scenarios', () => {
  const c: AtomsConstants = atomsConstants({ NumProcs: 2, NumShared: 1, MaxAtoms: 1, MaxVal: 2, ValidMax: 1, MaxStamp: 3, Bug: 'none' });
  it('a CAS with a stale stamp does not write; with the fresh stamp it does', () => {
    const s1 = deref(c, atomsInit(c), 1, 0)!;
    const s2 = reset(c, s1, 2, 0, 1)!;
    expect(cas(c, s2, 1, 0)).toBeUndefined();
    const s3 = deref(c, s2, 1, 0)!;
    const s4 = cas(c, s3, 1, 0)!;
    expect(s4.val[0]).toBe(0);
    expect(s4.stamp[0]).toBe(2);
  });
  it('a swap whose commit meets a newer stamp retries from SwapRead, then commits F(new value)', () => {
    const r1 = swapRead(c, atomsInit(c), 1, 0)!;
    const w = reset(c, r1, 2, 0, 1)!;
    const retry = swapCommit(c, w, 1)!;
    expect(retry.pc[0]).toBe('retry');
    expect(retry.val).toEqual(w.val);
    expect(swapRead(c, retry, 1, 1)).toBeUndefined(); // retry re-reads the same ref only
    const r2 = swapRead(c, retry, 1, 0)!;
    const done = swapCommit(c, r2, 1)!;
    // F(1) = 2 is rejected by the validator (ValidMax = 1): the swap ends without a write
    expect(done.pc[0]).toBe('idle');
    expect(done.stamp[0]).toBe(1);
  });
  it('the seeded bug cas-ignores-stamp writes with a stale stamp and breaks StaleStampNeverWrites', () => {
    const b = { ...c, Bug: 'cas-ignores-stamp' as const };
    const s = cas(b, reset(b, deref(b, atomsInit(b), 1, 0)!, 2, 0, 1)!, 1, 0)!;
    expect(s).toBeDefined();
    expect(staleStampNeverWrites(s)).toBe(false);
  });
  it('rejects unknown, missing and out-of-range constants', () => {
    expect(() => atomsConstants({ NumProcs: 2 })).toThrow(ModelConstantsError);
    expect(() => atomsConstants({ NumProcs: 2, NumShared: 1, MaxAtoms: 1, MaxVal: 2, ValidMax: 3, MaxStamp: 3, Bug: 'none' })).toThrow(/ValidMax/);
    expect(() => atomsConstants({ NumProcs: 2, NumShared: 1, MaxAtoms: 1, MaxVal: 2, ValidMax: 1, MaxStamp: 3, Bug: 'none', X: 1 })).toThrow(/unknown/);
  });
});
