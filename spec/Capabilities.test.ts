import { describe, expect, it } from 'vitest';
import { access, capabilitiesConstants, capabilitiesInit, capabilityIsolation, newAtom, onlyCreatorShares, share, specModule } from './Capabilities.js';
import { ModelConstantsError } from './MirrorSupport.js';
import { bfsMirror, cfgConstants, manifestModels, mirrorStateSet, readRepoFile, tlaStateSet } from '../tests/spec/mirrorHarness.js';

/** Medium models run only with IMMUTOS_SPEC_FULL=1. */
const FULL = process.env.IMMUTOS_SPEC_FULL === '1';
const allModels = manifestModels('Capabilities').filter((m) => !m.big);
const models = allModels.filter((m) => FULL || m.expect !== 'pass' || m.name.endsWith('_small'));

describe('Capabilities mirror: manifest models', () => {
  it('has a pass model and a seeded-bug model for each seeded bug', () => {
    expect(models.some((m) => m.expect === 'pass')).toBe(true);
    expect(allModels.filter((m) => m.expect !== 'pass').map((m) => cfgConstants(readRepoFile(m.cfg)).Bug).sort())
      .toEqual(['deref-any-ref', 'share-by-non-creator']);
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

describe('Capabilities mirror ≡ Capabilities.tla (tla-checker explore_*) on tiny models', () => {
  const tla = readRepoFile('spec/tla/Capabilities.tla');
  const bugCfg = readRepoFile('spec/tla/MCCapabilities_bug_shareByNonCreator.cfg');
  for (const bug of ['none', 'share-by-non-creator', 'deref-any-ref']) {
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
