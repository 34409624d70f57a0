/**
 * The parallel engine of the differential fuzzer (harness/campaign/parallelCampaign.ts): random
 * programs on 2 worker threads, judged by linearizability per atom, exact counts and no failed
 * process. The default run is bounded (fixed seed, a few cases); a long campaign runs with
 * `IMMUTOS_PARALLEL_CASES=10000` (and `IMMUTOS_PARALLEL_SEED`). A failure prints its seed and
 * replay command. The seeded bug `publish-after-store` must be caught.
 */
import { describe, expect, test } from 'vitest';
import { parallelCampaign, parallelCase } from '../../harness/campaign/parallelCampaign.js';

const seed = Number(process.env.IMMUTOS_PARALLEL_SEED ?? 1);
const cases = Number(process.env.IMMUTOS_PARALLEL_CASES ?? 6);
const mutants = (process.env.IMMUTOS_PARALLEL_MUTANTS ?? '').split(',').filter((m) => m !== '');

describe('parallel fuzz (optimized+workers:2)', () => {
  test(`${cases} case(s) from seed ${seed}${mutants.length > 0 ? ` with ${mutants.join(',')}` : ''}: every history linearizable, counts exact`, { timeout: Math.max(120_000, cases * 5_000) }, async () => {
    const r = await parallelCampaign(seed, cases, 2, mutants);
    if (r.failure !== null) console.error(`parallel fuzz failure at seed ${r.failure.seed}: ${r.failure.reason}\nreplay: ${r.failure.replay}`);
    expect(r.failure).toBeNull();
    expect(r.operations).toBeGreaterThan(cases * 5);
  });

  test('cases are reproducible from their seed', () => {
    expect(parallelCase(42)).toEqual(parallelCase(42));
    expect(parallelCase(42).source).not.toBe(parallelCase(43).source);
  });

  test('the seeded publication bug publish-after-store is caught', { timeout: 120_000 }, async () => {
    const r = await parallelCampaign(100, 20, 2, ['publish-after-store']);
    expect(r.failure).not.toBeNull();
    expect(r.failure!.replay).toContain(`IMMUTOS_PARALLEL_SEED=${r.failure!.seed}`);
  });
});
