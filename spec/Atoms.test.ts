import { describe, expect, it } from 'vitest';
import {
  atomsInit, atomsConstants, cas, deref, reset, specModule, swapCommit, swapRead, staleStampNeverWrites,
  type AtomsConstants,
} from './Atoms.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Atoms', specModule, { bugs: ['cas-ignores-stamp', 'reset-keeps-stamp'] });

// 1 atom; 2 writes per atom for the correct model, 1 for the seeded bugs (to keep explore_* calls few)
const atomsBase = readRepoFile('spec/tla/MCAtoms_small.cfg');
const atomsTiny = (bug: string): string => atomsBase.replace(/MaxAtoms = \d+/, 'MaxAtoms = 1')
  .replace(/MaxStamp = \d+/, `MaxStamp = ${bug === 'none' ? 2 : 1}`).replace(/Bug = "[^"]*"/, `Bug = "${bug}"`);
describeTlaEquivalence('Atoms', specModule, atomsTiny, ['none', 'cas-ignores-stamp', 'reset-keeps-stamp']);

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
