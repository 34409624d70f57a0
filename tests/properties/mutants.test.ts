// Meta-test of the harness: every seeded bug is caught by the campaign (mutant vs clean kernel)
// within the CI budget. A mutant that survives means the generators are too weak: improve them,
// not the mutant.
import { describe, expect, it } from 'vitest';
import { runMutantCampaign } from '../../cli/fuzz/campaign.js';
import { availableKernels, build } from '../engines/registry.js';

describe('seeded-bug catalogue', () => {
  it('catches every reference mutant within 600 cases / 20 s each (seed 1)', async () => {
    const handle = await build('reference');
    expect(handle.adapter.mutants.length).toBeGreaterThanOrEqual(12);
    const rows = await runMutantCampaign({ seed: 1, maxCases: 600, maxSeconds: 20, shrink: false });
    const missed = rows.filter((r) => !r.caught).map((r) => `${r.mutant} (${r.cases} cases, ${r.seconds.toFixed(1)} s)`);
    expect(missed).toEqual([]);
    expect(rows.map((r) => r.mutant).sort()).toEqual([...handle.adapter.mutants].sort());
  });

  it('catches every optimized-kernel mutant too, when that kernel is available', async (ctx) => {
    if (!(await availableKernels()).includes('optimized')) ctx.skip();
    const handle = await build('optimized');
    const rows = await runMutantCampaign({ base: 'optimized', seed: 1, maxCases: 600, maxSeconds: 20, shrink: false });
    expect(rows.filter((r) => !r.caught).map((r) => r.mutant)).toEqual([]);
    expect(rows.length).toBe(handle.adapter.mutants.length);
  });
});
