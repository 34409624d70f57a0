/**
 * The crash harness, bounded: 20 kills with a fixed seed lose no acknowledged write; and the
 * harness catches a child that acknowledges before its commit (so it can fail). Needs the build
 * (`npm run build`): the child runs the compiled worker. The 1,000-kill run is
 * `immutos store crash --kills 1000` (docs/store.md).
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCrashCampaign } from './crash.js';

describe('crash harness', () => {
  it('20 SIGKILLs, seed 20261205: no acknowledged transition lost, no half-written record, as-of answers unchanged', { timeout: 120_000 }, async () => {
    const r = await runCrashCampaign({ kills: 20, seed: 20261205 });
    if (r.failures.length > 0) console.error(`${r.failures.join('\n')}\nreplay: ${r.replay} (database kept at ${r.dir})`);
    expect(r.failures).toEqual([]);
    expect(r.kills).toBe(20);
    expect(r.lost).toBe(0);
    expect(r.acked).toBeGreaterThan(0);
    expect(r.asOfChecks).toBeGreaterThan(0);
  });

  it('10 SIGKILLs of a child that stages a round of swaps and flushes it (as a kernel scheduler would)', { timeout: 120_000 }, async () => {
    const r = await runCrashCampaign({ kills: 10, seed: 11, mode: 'flush' });
    if (r.failures.length > 0) console.error(`${r.failures.join('\n')}\nreplay: ${r.replay} (database kept at ${r.dir})`);
    expect(r.failures).toEqual([]);
    expect(r.acked).toBeGreaterThan(0);
  });

  it('catches a child that acknowledges a swap before committing it', { timeout: 120_000 }, async () => {
    const r = await runCrashCampaign({ kills: 15, seed: 3, mode: 'ack-before-commit', maxDelayMs: 200 });
    expect(r.lost).toBeGreaterThan(0);
    expect(r.failures.join('\n')).toMatch(/acknowledged t=\d+ .* is missing/);
    expect(r.replay).toContain('--seed 3');
    rmSync(dirname(r.dir), { recursive: true, force: true }); // kept by the failing run
  });
});
