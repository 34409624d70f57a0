import { describe, expect, it } from 'vitest';
import { planText } from './start.js';

describe('immutos start: the announcement', () => {
  it('says what each stage runs, with which engine, and roughly how long', () => {
    const text = planText({ full: false });
    expect(text).toMatch(/check \(about [\d a-z]+\):/);
    expect(text).toMatch(/tla-checker on \d+ model\(s\): .*MCAtoms_small/);
    expect(text).toMatch(/ts on \d+ model\(s\): .*MCAtoms_medium/);
    expect(text).toMatch(/tla-checker by sampling \(200 states\) on 5 model\(s\): MCAtoms_medium, MCCapabilities_medium, MCHeap_medium, MCGC_medium, MCKernel_small/);
    expect(text).toMatch(/--full runs tla-checker in full on the sampled models too/);
    expect(text).toMatch(/fuzz \(about [\d a-z]+\):\n .*over every available kernel for \d+ s/);
    expect(text).toMatch(/Estimated total: about /);
  });

  it('--full runs every model on tla-checker', () => {
    const text = planText({ full: true });
    expect(text).toMatch(/tla-checker on \d+ model\(s\): .*MCAtoms_medium.*MCKernel_small/);
    expect(text).not.toMatch(/by sampling/);
  });
});
