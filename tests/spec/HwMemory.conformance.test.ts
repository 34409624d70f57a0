// The HwMemory mirror reaches exactly the states tla-checker reaches on the small model,
// under the explicit mapping toTla (both the stepping-API path and the display path).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../cli/check/manifest.js';
import { specModule } from '../../spec/HwMemory.js';
import { compareStateSets, mirrorReachableDisplay, mirrorReachableStates, tlaReachableDisplay, tlaReachableStates } from '../oracles/tlaConformance.js';

const read = (f: string): string => readFileSync(join(repoRoot(), f), 'utf8');
const spec = read('spec/tla/HwMemory.tla');
const cfg = read('spec/tla/MCHwMemory_small.cfg');
const inst = specModule.instantiate({ NCores: 2, NAtomLines: 1, NHeapLines: 1, MaxVal: 1, Bug: 'none' });

describe('HwMemory: TS mirror ≡ TLA+ (small model)', () => {
  it('has the same reachable state set (display form, one checker run)', () => {
    const v = compareStateSets(tlaReachableDisplay(spec, cfg), mirrorReachableDisplay(inst));
    expect(v.onlyTla ?? v.onlyMirror).toBeNull();
    expect(v.same).toBe(true);
  });

  it('has the same reachable state set (stepping API, state by state)', () => {
    const tla = tlaReachableStates(spec, cfg);
    const mirror = mirrorReachableStates(inst);
    expect(tla.size).toBe(520);
    expect(mirror.keyCount).toBe(520);
    const v = compareStateSets(tla, mirror.states);
    expect(v.onlyTla ?? v.onlyMirror).toBeNull();
  });

  it('notices a mirror whose Publish forgets the write-back', () => {
    const buggy = specModule.instantiate({ NCores: 2, NAtomLines: 1, NHeapLines: 1, MaxVal: 1, Bug: 'publish-no-writeback' });
    const v = compareStateSets(tlaReachableDisplay(spec, cfg), mirrorReachableDisplay(buggy));
    expect(v.same).toBe(false);
  });
});
