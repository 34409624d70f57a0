// Glue: random op sequences on the spec kernel alone, held to the invariants (generators -> oracles).
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../harness/campaign/campaign.js';

describe('spec kernel under the invariant oracle', () => {
  it('agrees with itself and keeps every invariant over 200 cases (seed 7)', async () => {
    const r = await runCampaign({ kernels: ['spec'], runs: 200, seed: 7, shrink: true });
    expect(r.failures.map((f) => f.verdict.detail)).toEqual([]);
    expect(r.cases).toBe(200);
  });
});
