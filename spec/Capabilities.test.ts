import { describe, expect, it } from 'vitest';
import { access, capabilitiesConstants, capabilitiesInit, capabilityIsolation, newAtom, onlyCreatorShares, share, specModule } from './Capabilities.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { describeManifestModels, describeTlaEquivalence, readRepoFile } from '../tests/spec/mirrorHarness.js';

describeManifestModels('Capabilities', specModule, { bugs: ['deref-any-ref', 'share-by-non-creator'] });

const capBugCfg = readRepoFile('spec/tla/MCCapabilities_bug_shareByNonCreator.cfg');
describeTlaEquivalence('Capabilities', specModule, (bug) => capBugCfg.replace(/Bug = "[^"]*"/, `Bug = "${bug}"`), ['none', 'share-by-non-creator', 'deref-any-ref']);

describe('Capabilities mirror: scenarios', () => {
  const c = capabilitiesConstants({ NumProcs: 3, MaxRefs: 4, MaxAtoms: 2, Bug: 'none' });
  it('only the creator shares; the target gets a fresh ref, once', () => {
    const s = share(c, newAtom(c, capabilitiesInit(c), 1)!, 1, 0, 2)!;
    expect(s.table[1]![1]).toBe(0);
    expect(s.shared[0]).toBe(true);
    expect(share(c, s, 2, 1, 3)).toBeUndefined(); // process 2 is not the creator
    expect(share(c, s, 1, 0, 2)!.nextRef).toBe(s.nextRef); // already held: no new ref
  });
  it('a ref outside the caller\'s table is denied (no step)', () => {
    const s = newAtom(c, capabilitiesInit(c), 1)!;
    expect(access(c, s, 2, 0)).toEqual([]);
    expect(access(c, s, 1, 0).map((t) => capabilityIsolation(c, t))).toEqual([true]);
  });
  it('the seeded bugs break their invariants', () => {
    const nc = { ...c, Bug: 'share-by-non-creator' as const };
    const s = share(nc, newAtom(nc, capabilitiesInit(nc), 1)!, 1, 0, 2)!;
    expect(onlyCreatorShares(share(nc, s, 2, 1, 3)!)).toBe(false);
    const any = { ...c, Bug: 'deref-any-ref' as const };
    const t = access(any, newAtom(any, capabilitiesInit(any), 1)!, 2, 0);
    expect(t.map((x) => capabilityIsolation(any, x))).toEqual([false]);
  });
  it('rejects bad constants', () => {
    expect(() => capabilitiesConstants({ NumProcs: 0, MaxRefs: 4, MaxAtoms: 2, Bug: 'none' })).toThrow(ModelConstantsError);
  });
});
