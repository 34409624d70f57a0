// A case a campaign worker never finishes (a kernel that loops, or that ends its process) stops
// the campaign with CaseStalledError naming the case, whose file holds exactly the case as
// generated, instead of a campaign that hangs or dies without saying which case. The workers run
// the compiled harness (dist/), as the CLI does.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caseSeed, runCampaign } from './campaign.js';
import { CaseStalledError } from './jobs.js';
import { caseFromJson } from '../generators/case.js';
import { registerKernelModule } from '../engines/registry.js';

const module = new URL('../../tests/fixtures/kernels/stalling.mjs', import.meta.url).pathname;

describe('campaign jobs: cases that never finish', () => {
  afterEach(() => {
    delete process.env.IMMUTOS_TEST_STALL;
  });

  /** Runs a two-job campaign of the reference against the stalling kernel → the error it fails with. */
  async function stalled(caseTimeoutSeconds: number): Promise<{ error: CaseStalledError; out: string }> {
    await registerKernelModule(module);
    const out = mkdtempSync(join(tmpdir(), 'immutos-stall-'));
    const t0 = performance.now();
    const error = await runCampaign({ kernels: ['reference', 'stalling'], runs: 200, seed: 3, jobs: 2, caseTimeoutSeconds, outDir: out }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CaseStalledError);
    // one case reported: the other worker is stopped without a report of its own
    expect(readdirSync(out).filter((f) => f.startsWith('stalled-'))).toHaveLength(1);
    // the other worker is stopped too: the campaign ends soon after the timeout
    expect(performance.now() - t0).toBeLessThan(60_000);
    return { error: error as CaseStalledError, out };
  }

  it('a case past the timeout is reported with its index and seed, saved as generated', async () => {
    const { error, out } = await stalled(2);
    expect(error.reason).toMatch(/did not finish within 2 s/);
    expect(error.caseSeed).toBe(caseSeed(3, error.index));
    expect(error.file).toBeDefined();
    expect(error.file!.startsWith(out)).toBe(true);
    const c = caseFromJson(readFileSync(error.file!, 'utf8'));
    expect(c.seed).toBe(error.caseSeed);
    expect(c.kernels).toContain('stalling');
    // the case holds the operation the kernel never answered
    expect(c.ops.some((o) => o.op === 'deref')).toBe(true);
    expect(error.message).toContain(`npx immutos replay ${error.file}`);
  }, 90_000);

  it('with one job, a case timeout runs the campaign on one worker, watched the same way', async () => {
    await registerKernelModule(module);
    const error = await runCampaign({ kernels: ['reference', 'stalling'], runs: 200, seed: 3, caseTimeoutSeconds: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CaseStalledError);
    expect((error as CaseStalledError).reason).toMatch(/did not finish within 2 s \(campaign worker 1 of 1 stopped\)/);
  }, 90_000);

  it('a worker that ends in a case names the case and how the worker ended', async () => {
    process.env.IMMUTOS_TEST_STALL = 'crash';
    const { error } = await stalled(120);
    expect(error.reason).toMatch(/exited: code 70/);
    expect(existsSync(error.file!)).toBe(true);
    expect(caseFromJson(readFileSync(error.file!, 'utf8')).seed).toBe(caseSeed(3, error.index));
  }, 90_000);
});
