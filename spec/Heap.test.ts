import { describe, expect, it } from 'vitest';
import { Heap } from './Heap.js';
import { bfsMirror, manifestModels, readRepoFile } from '../tests/spec/mirrorHarness.js';
import { cfgConstantsWithModelValues, compareSuccessorsAlongWalk } from '../tests/spec/heapGcModels.js';

const models = manifestModels('Heap').filter((m) => !m.big);

describe('Heap mirror', () => {
  it('has default models in the manifest', () => {
    expect(models.length).toBeGreaterThanOrEqual(2);
  });
  for (const m of models) {
    it(`${m.name}: BFS matches the pinned count and expected result`, () => {
      const inst = Heap.instantiate(cfgConstantsWithModelValues(readRepoFile(m.cfg)));
      const r = bfsMirror(inst, { stopAtViolation: m.expect !== 'pass' });
      if (m.expect === 'pass') {
        expect([...r.violated.keys()]).toEqual([]);
        expect(r.distinct).toBe(m.distinctStates);
      } else {
        expect([...r.violated.keys()]).toContain(m.expect.violation);
      }
    });
  }
  it('successors agree with tla-checker along a walk (MCHeap_small)', async () => {
    const cfg = readRepoFile('spec/tla/MCHeap_small.cfg');
    const tla = readRepoFile('spec/tla/Heap.tla');
    const inst = Heap.instantiate(cfgConstantsWithModelValues(cfg));
    const r = await compareSuccessorsAlongWalk(inst, tla, cfg, 40, 7);
    expect(r.diff).toBeNull();
    expect(r.checked).toBeGreaterThan(5);
  });
  it('rejects unknown constants', () => {
    expect(() => Heap.instantiate({ Procs: ['p1'], NumHandles: 2, NumAddrs: 2, NumAtoms: 1, MaxPayload: 0, MaxKids: 1, Bogus: 1 })).toThrow(/unknown constant/);
  });
});
