// Meta-test of the harness: every seeded bug is caught by the campaign (mutant vs clean kernel)
// within the CI budget. A mutant that survives means the generators are too weak: improve them,
// not the mutant.
import { describe, expect, it } from 'vitest';
import { runMutantCampaign } from '../../harness/campaign/campaign.js';
import { availableKernels, build } from '../../harness/engines/registry.js';

/**
 * Each mutant must be caught within 600 cases (seed 1: deterministic). The seconds only guard
 * against a hung campaign, so a loaded machine does not change the verdict.
 */
const GUARD_SECONDS = 90;
const TIMEOUT = 900_000;

describe('seeded-bug catalogue', () => {
  it('catches every reference mutant within 600 cases each (seed 1)', async () => {
    const handle = await build('reference');
    expect(handle.adapter.mutants.length).toBeGreaterThanOrEqual(12);
    const rows = await runMutantCampaign({ seed: 1, maxCases: 600, maxSeconds: GUARD_SECONDS, shrink: false });
    const missed = rows.filter((r) => !r.caught).map((r) => `${r.mutant} (${r.cases} cases, ${r.seconds.toFixed(1)} s)`);
    expect(missed).toEqual([]);
    expect(rows.map((r) => r.mutant).sort()).toEqual([...handle.adapter.mutants].sort());
  }, TIMEOUT);

  it('catches every optimized-kernel mutant too, when that kernel is available', async (ctx) => {
    if (!(await availableKernels()).includes('optimized')) ctx.skip();
    const handle = await build('optimized');
    const rows = await runMutantCampaign({ base: 'optimized', seed: 1, maxCases: 600, maxSeconds: GUARD_SECONDS, shrink: false });
    expect(rows.filter((r) => !r.caught).map((r) => r.mutant)).toEqual([]);
    expect(rows.length).toBe(handle.adapter.mutants.length);
  }, TIMEOUT);

  it('catches every spec-engine mutant (seed 1)', async () => {
    const handle = await build('spec');
    expect(handle.adapter.mutants.length).toBeGreaterThan(0);
    const rows = await runMutantCampaign({ bases: ['spec'], seed: 1, maxCases: 600, maxSeconds: GUARD_SECONDS, shrink: false });
    expect(rows.filter((r) => !r.caught).map((r) => `${r.mutant} (${r.cases} cases)`)).toEqual([]);
    expect(rows.map((r) => r.mutant).sort()).toEqual([...handle.adapter.mutants].sort());
  }, TIMEOUT);

  it('catches every seeded coherence bug of the hardware model on each model where it can change a value', async (ctx) => {
    const models = (await availableKernels()).filter((k) => k.startsWith('optimized+hw:'));
    if (models.length === 0) ctx.skip();
    const rows = await runMutantCampaign({ bases: models, seed: 1, maxCases: 600, maxSeconds: GUARD_SECONDS, shrink: false });
    expect(rows.filter((r) => !r.caught).map((r) => `${r.base}+mutant:${r.mutant} (${r.cases} cases)`)).toEqual([]);
    // every hardware-model mutant runs on at least one model, and relaxed runs the multi-core ones too
    const hw = (await import('../../hw-model/index.js')).HW_MUTANTS.map((m) => m.name);
    for (const m of hw) expect(rows.some((r) => r.mutant === m), m).toBe(true);
    expect(rows.some((r) => r.mutant === 'drop-publish-fence' && r.base === 'optimized+hw:relaxed')).toBe(models.includes('optimized+hw:relaxed'));
  }, TIMEOUT);
});
