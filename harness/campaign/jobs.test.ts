// A campaign on several worker processes judges exactly the cases of the same campaign on one
// thread: the same counts and coverage, and a divergence found by a worker is a real one, shrunk
// and saved with its replay file. The workers run the compiled harness (dist/), as the CLI does.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge, parseShard, runCampaign, select } from './campaign.js';
import { caseFromJson } from '../generators/case.js';

describe('campaign jobs', () => {
  it('two jobs judge the same cases, count the same operations and report the same coverage as one', async () => {
    const options = { kernels: ['spec', 'reference', 'optimized'], runs: 40, seed: 11, programs: true, authority: true } as const;
    const one = await runCampaign(options);
    const two = await runCampaign({ ...options, jobs: 2 });
    expect(two.jobs).toBe(2);
    expect(two.cases).toBe(one.cases);
    expect(two.applied).toBe(one.applied);
    expect(two.poisoned).toBe(one.poisoned);
    expect(two.unjudged).toBe(one.unjudged);
    expect(two.failures).toEqual([]);
    expect(two.coverage).toEqual(one.coverage);
    // within a shard of the campaign too: the jobs share exactly the shard's cases
    const shard = parseShard('2/3');
    const oneShard = await runCampaign({ ...options, shard });
    const twoShard = await runCampaign({ ...options, shard, jobs: 2 });
    expect(twoShard.cases).toBe(oneShard.cases);
    expect(twoShard.applied).toBe(oneShard.applied);
    expect(twoShard.coverage).toEqual(oneShard.coverage);
  }, 180_000);

  it('a divergence found by one job stops the others, and is shrunk, saved and real', async () => {
    const out = mkdtempSync(join(tmpdir(), 'immutos-jobs-'));
    const kernels = ['reference+mutant:cas-compares-values', 'reference'];
    const progress: number[] = [];
    const detected: number[] = [];
    const r = await runCampaign({ kernels, runs: 2000, seed: 1, programs: true, jobs: 2, outDir: out, onProgress: (p) => progress.push(p.cases), onDetected: (k) => detected.push(k) });
    expect(r.failures.length).toBeGreaterThanOrEqual(1);
    expect(r.cases).toBeLessThan(2000);
    expect(progress.length).toBeGreaterThan(0);
    const f = r.failures[0]!;
    expect(detected).toContain(f.index);
    const saved = caseFromJson(readFileSync(f.file!, 'utf8'));
    expect(saved.expect).toBe('diverged');
    const sel = await select(saved.kernels, true);
    expect(judge(saved, sel.handles).verdict.kind).toBe('diverged');
  }, 120_000);

  it('refuses a job count that is not a positive integer', async () => {
    await expect(runCampaign({ kernels: ['spec'], runs: 1, seed: 1, jobs: 0 })).rejects.toThrow(/jobs must be a positive integer/);
  });
});
