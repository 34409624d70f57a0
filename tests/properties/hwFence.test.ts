// The optimized kernel on the hardware memory model (issue 8, item 4): mutators and the collector
// run on different cores, so the fences of docs/optimized.md ("Fences") matter. The seeded bug
// `drop-publish-fence` (no fence between writing an evacuated copy and swapping its handle) must
// be caught by the differential fuzzer under `relaxed`, where stores drain out of order, and be
// harmless under `sc` — on the very cases that catch it under `relaxed`, and on a bounded campaign.
// Fixed seeds; about 30 s on a shared machine (CI budget 60 s).
import { describe, expect, it } from 'vitest';
import { judge, MUTANT_QUOTAS, runCampaign } from '../../harness/campaign/campaign.js';
import { build } from '../../harness/engines/registry.js';
import { createHwMemory } from '../../hw-model/index.js';
import { createOptimizedKernel } from '../../optimized/index.js';
import type { Op } from '../../spec/Kernel.js';

const MUTANT = 'drop-publish-fence';
const SEED = 2;

describe('optimized kernel on several cores of the hardware model', () => {
  it('runs each process on its own core and the collector on the last one; an operation ends with its core drained', () => {
    const mem = createHwMemory('tso');
    const k = createOptimizedKernel({ memory: mem, gcStepBudget: 64, gcEvacuateBelow: 2 });
    expect(k.collectorCore).toBe(mem.cores - 1);
    expect(new Set([0, 1, 2].map((p) => k.coreOf(p))).size).toBe(3);
    expect(k.coreOf(mem.cores - 1)).not.toBe(k.collectorCore);
    const ops: Op[] = [{ op: 'spawn', pid: 0 }, { op: 'atom', pid: 0, value: '[1 2]' }, { op: 'atom', pid: 1, value: '{:a 1}' }];
    for (let i = 0; i < 20; i++) ops.push({ op: 'reset', pid: i % 2, ref: i % 2, value: `[${i} "s${i}"]` });
    let collectorBuffered = 0;
    for (let i = 0; i < 40; i++) ops.push({ op: 'gcStep' });
    for (const op of ops) {
      expect(k.apply(op).ok).toBe(true);
      // A mutator's stores are all visible when its operation returns (the safepoint fence) …
      for (const pid of [0, 1]) expect(mem.hw.buffered(k.coreOf(pid))).toBe(0);
      // … while the collector's may still sit in its store buffer after a slice.
      if (op.op === 'gcStep') collectorBuffered = Math.max(collectorBuffered, mem.hw.buffered(k.collectorCore));
    }
    expect(k.collector.stats.moved).toBeGreaterThan(0);
    expect(collectorBuffered).toBeGreaterThan(0);
    expect(k.observe().processes.map((p) => p.atoms.map((a) => a.value))).toEqual([['[18 "s18"]'], ['[19 "s19"]']]);
  });

  it(`${MUTANT} is offered on optimized+hw only, never on the single-core optimized engine`, async () => {
    expect((await build('optimized+hw:relaxed')).adapter.mutants).toContain(MUTANT);
    expect((await build('optimized')).adapter.mutants).not.toContain(MUTANT);
  });

  it(`is caught under relaxed (seed ${SEED}, ≤ 300 cases) and harmless under sc on the same cases`, async () => {
    const relaxed = await runCampaign({ kernels: ['reference', `optimized+hw:relaxed+mutant:${MUTANT}`], runs: 300, seed: SEED, shrink: false });
    expect(relaxed.failures.length).toBe(1);
    const caught = relaxed.failures[0]!;
    // The failing case agrees once the fence is back, and under SC with the fence dropped.
    for (const kernels of [['reference', 'optimized+hw:relaxed'], ['reference', `optimized+hw:sc+mutant:${MUTANT}`]]) {
      const handles = await Promise.all(kernels.map((n) => build(n)));
      const v = judge({ ...caught.original, kernels }, handles).verdict;
      expect(v.kind === 'diverged' ? `${kernels[1]}: ${v.detail}` : 'agree').toBe('agree');
    }
    // Every case up to (and past) the detection agrees under SC with the fence dropped.
    const sc = await runCampaign({ kernels: ['reference', `optimized+hw:sc+mutant:${MUTANT}`], runs: Math.max(150, caught.index + 1), seed: SEED, shrink: false });
    expect(sc.failures.map((f) => f.verdict.detail)).toEqual([]);
    expect(sc.cases).toBeGreaterThan(caught.index);
  });

  it('without the mutant, tso and relaxed agree with the reference (bounded campaigns, debug heap checks, small quotas)', async () => {
    // Small quotas make collections run inside operations (a mutator handing over to the
    // collector core); debug mode checks the heap invariants from the collector core.
    for (const model of ['tso', 'relaxed']) {
      for (const debug of [false, true]) {
        // With quotas, resource errors are compared: against the same kernel on one core (the
        // reference counts heap cells its own way).
        const r = await runCampaign({ kernels: [debug ? 'optimized' : 'reference', `optimized+hw:${model}`], runs: 60, seed: SEED, shrink: false, debug, ...(debug ? { quotas: MUTANT_QUOTAS, resourceErrors: 'compare' as const } : {}) });
        expect(r.failures.map((f) => f.verdict.detail)).toEqual([]);
        expect(r.cases).toBe(60);
      }
    }
  });
});
