// A case poisoned by a resource limit that only some kernels hit is run again with every resource
// quota ESCALATION_FACTOR times larger: a kernel that still hits its limit where another answers
// diverges (and the saved case, its quotas pinned, replays as a divergence); one that needed
// less than that factor more stays poisoned. The kernel module over-charges fuel by a divisor.
import { afterEach, describe, expect, it } from 'vitest';
import { ESCALATION_FACTOR, escalatedCase, judge, runCampaign } from './campaign.js';
import { replayCase } from './replay.js';
import { build, registerKernelModule } from '../engines/registry.js';
import type { FuzzCase } from '../generators/case.js';
import { DEFAULT_QUOTAS } from '../../spec/Kernel.js';

const module = new URL('../../tests/fixtures/kernels/overcharging.mjs', import.meta.url).pathname;

/** One program of about `rounds` × 4 steps, loaded and run. */
function loopCase(rounds: number, fuel: number): FuzzCase {
  return {
    version: 1,
    seed: 1,
    kernels: ['reference', 'overcharging'],
    ops: [
      { op: 'atom', pid: 0, value: '0' },
      { op: 'load', pid: 0, program: `(loop [i 0] (if (< i ${rounds}) (recur (inc i)) i))` },
      { op: 'run', pid: 0 },
    ],
    quotas: { ...DEFAULT_QUOTAS, fuel, treeFuel: fuel },
  } as unknown as FuzzCase;
}

describe('lopsided resource limits', () => {
  afterEach(() => {
    delete process.env.IMMUTOS_TEST_FUEL_DIVISOR;
  });

  it('escalates every resource quota, keeps the steps up to the poisoned one and the process bounds', () => {
    const c = loopCase(10, 1000);
    const e = escalatedCase(c, 1);
    expect(e.ops).toHaveLength(2);
    expect(e.quotas?.fuel).toBe(1000 * ESCALATION_FACTOR);
    expect(e.quotas?.heapCells).toBe(DEFAULT_QUOTAS.heapCells * ESCALATION_FACTOR);
    expect(e.quotas?.treeOutputChars).toBe(DEFAULT_QUOTAS.treeOutputChars * ESCALATION_FACTOR);
    expect(e.quotas?.treeProcesses).toBe(DEFAULT_QUOTAS.treeProcesses);
    expect(e.quotas?.stackDepth).toBe(DEFAULT_QUOTAS.stackDepth);
  });

  it('a kernel needing twice the fuel stays poisoned; one needing a thousand times diverges', async () => {
    await registerKernelModule(module);
    const handles = await Promise.all(['reference', 'overcharging'].map((n) => build(n)));
    process.env.IMMUTOS_TEST_FUEL_DIVISOR = '2';
    const c = loopCase(20_000, 250_000); // the reference needs 150,000–200,000 steps
    const plain = judge(c, handles, { resourceErrors: 'poison' });
    expect(plain.verdict).toMatchObject({ kind: 'poisoned', kernel: 'overcharging', error: 'fuel-exhausted', lopsided: ['reference'] });
    expect(judge(c, handles, { resourceErrors: 'poison', escalate: true }).verdict.kind).toBe('poisoned');
    process.env.IMMUTOS_TEST_FUEL_DIVISOR = '1000';
    const r = judge(c, handles, { resourceErrors: 'poison', escalate: true });
    expect(r.verdict.kind).toBe('diverged');
    expect(r.verdict.kind === 'diverged' ? r.verdict.detail : '').toContain(`${ESCALATION_FACTOR}× larger`);
    expect(r.escalated?.quotas?.fuel).toBe(250_000 * ESCALATION_FACTOR);
    // without escalation the same case passes as poisoned: what the campaign did before
    expect(judge(c, handles, { resourceErrors: 'poison' }).verdict.kind).toBe('poisoned');
    // the escalated case replays as a divergence (it pins its quotas: resource errors compared)
    expect((await replayCase(r.escalated!)).verdict.kind).toBe('diverged');
  });

  it('a campaign finds a kernel that over-charges fuel through the escalation, and saves a case that replays', async () => {
    await registerKernelModule(module);
    process.env.IMMUTOS_TEST_FUEL_DIVISOR = '1000';
    // every failure, unshrunk: some show the over-charge directly (a spawned process's failure
    // read back as a value), the others only through the escalation
    const res = await runCampaign({ kernels: ['reference', 'overcharging'], runs: 150, seed: 1, programs: true, stopOnFirst: false, shrink: false });
    const escalated = res.failures.filter((f) => f.verdict.detail.includes('larger'));
    expect(escalated.length).toBeGreaterThan(0);
    const f = escalated[0]!;
    expect(f.shrunk.quotas?.fuel).toBe(DEFAULT_QUOTAS.fuel * ESCALATION_FACTOR);
    expect((await replayCase(f.shrunk)).verdict.kind).toBe('diverged');
    // without the escalation those cases passed as poisoned
    expect((await replayCase(f.original, f.original.kernels, 'poison')).verdict.kind).toBe('poisoned');
  }, 120_000);
});
