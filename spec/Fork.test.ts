import { describe, expect, it } from 'vitest';
import { fork, forkConstants, forkInit, forkIsolation, holders, newAtom, specModule, write } from './Fork.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Fork', specModule, { bugs: ['fork-shares-private'] });

const forkBugCfg = readRepoFile('spec/tla/MCFork_bug_forkSharesPrivate.cfg');
describeTlaEquivalence('Fork', specModule, (bug) => forkBugCfg.replace(/Bug = "[^"]*"/, `Bug = "${bug}"`), ['none', 'fork-shares-private']);

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
