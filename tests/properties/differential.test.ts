// Glue: the bounded CI campaigns (fixed seeds). Generators -> differential oracle.
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../harness/campaign/campaign.js';
import { availableKernels } from '../../harness/engines/registry.js';
import { OP_NAMES } from '../../spec/Kernel.js';
import { createSpecKernel } from '../../spec/SpecEngine.js';

describe('differential campaigns (CI budget)', () => {
  it('the spec and reference kernels agree on 300 operation sequences (seed 11)', async () => {
    const r = await runCampaign({ kernels: ['spec', 'reference'], runs: 300, seed: 11 });
    expect(r.failures.map((f) => `${f.verdict.detail} (replay: ${JSON.stringify(f.shrunk)})`)).toEqual([]);
    expect(r.cases).toBe(300);
  });

  it('every available kernel (optimized and hardware models included) agrees on 40 sequences (seed 13)', async () => {
    const kernels = await availableKernels();
    const r = await runCampaign({ kernels, runs: 40, seed: 13, shrink: false });
    expect(r.failures.map((f) => `${f.verdict.detail} (case ${JSON.stringify(f.original)})`)).toEqual([]);
    expect(r.excluded.every((e) => e.reason.length > 0)).toBe(true);
  });

  it('the default campaign (every available kernel, programs, seed 1) exercises every operation of the Kernel interface', async () => {
    const kernels = await availableKernels();
    const r = await runCampaign({ kernels, runs: 120, seed: 1, programs: true, authority: true, shrink: false });
    expect(r.failures.map((f) => `${f.verdict.detail} (case ${JSON.stringify(f.original)})`)).toEqual([]);
    expect(r.ops).toEqual(OP_NAMES);
    expect(r.coverage.unexercised).toEqual([]);
    // the spec engine judges every operation it supports side by side with the other kernels
    const spec = [...createSpecKernel().supports];
    for (const o of r.coverage.ops) {
      if (!spec.includes(o.op)) continue;
      const withSpec = Object.entries(o.judgedBy).filter(([set]) => set.split(',').includes('spec') && set.includes(','));
      expect(withSpec.length, `${o.op} judged with spec`).toBeGreaterThan(0);
    }
  }, 300_000);

  // Well-formed operations only: the trace validator (specOpStep over spec/KernelActions.ts) does not
  // model malformed fields; the differential comparison with the spec kernel covers those.
  it('the reference kernel also passes trace validation against the TS spec step function on 80 cases (seed 14)', async () => {
    const r = await runCampaign({ kernels: ['spec', 'reference'], runs: 80, seed: 14, trace: true, malformed: false });
    expect(r.failures.map((f) => `${f.verdict.detail} (replay: ${JSON.stringify(f.shrunk)})`)).toEqual([]);
  });

  it('the reference kernel keeps every invariant and is deterministic on 200 cases with programs (seed 12)', async () => {
    const r = await runCampaign({ kernels: ['reference', 'reference'], runs: 200, seed: 12, programs: true, resourceErrors: 'compare' });
    expect(r.failures.map((f) => `${f.verdict.detail} (replay: ${JSON.stringify(f.shrunk)})`)).toEqual([]);
    expect(r.ops).toContain('step');
  });
});
