/**
 * The shared heap's collector in the parallel mode (optimized/parallel/collector.ts,
 * docs/adr/0042): a run that publishes far more than the shared heap holds completes with the
 * collector and fails with `SharedHeapExhausted` without it; the heap invariant holds after every
 * collection (checked mode); handles are reused; the stop-the-world peer gives the same results;
 * every worker's pauses are measured. Needs the compiled worker (`npm run build`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { gcOptionsFromEnv, gcTotals, runParallel, type ParallelReport } from '../../optimized/parallel/ParallelRuntime.js';

const CHURN = readFileSync(new URL('./gc/churn.edn', import.meta.url), 'utf8');
/** 16 Ki words per half of the shared heap: the churn program publishes over a hundred times that. */
const SMALL = { cellWords: 1 << 14, handles: 1 << 12 };
const EXPECTED_OUTPUT = ['[[2999 200 56981] [2999 200 56981]]'];

function expectChurnDone(r: ParallelReport): void {
  expect(r.result).toEqual({ ok: true, value: '19900' });
  expect(r.processes[0]!.output).toEqual(EXPECTED_OUTPUT);
  expect(r.processes.every((p) => p.result.ok)).toBe(true);
}

describe('the shared heap collector', () => {
  test('a run publishing far more than the shared heap holds completes with the collector (heap invariant checked after each collection)', { timeout: 120_000 }, async () => {
    const r = await runParallel(CHURN, { workers: 2, sizes: SMALL, gc: { check: true }, timeoutMs: 110_000 });
    expectChurnDone(r);
    expect(r.gc.cycles).toBeGreaterThan(0);
    expect(r.gc.invariantErrors).toEqual([]);
    // Over 6000 maps of 200-element vectors went through a heap of 2 × 16 Ki words.
    expect(r.heap.published).toBeGreaterThan(SMALL.handles * 2);
    expect(r.gc.freedHandles).toBeGreaterThan(SMALL.handles); // handles are reused, or the table would have run out
    expect(r.gc.movedWords).toBeGreaterThan(0);
    expect(r.gc.pauses.map((p) => p.worker)).toEqual([0, 1]);
    for (const p of r.gc.pauses) {
      expect(p.pauses).toBeGreaterThan(0);
      expect(p.maxMs).toBeGreaterThanOrEqual(p.p99Ms);
    }
  });

  test('without the collector the same run fails with SharedHeapExhausted', { timeout: 120_000 }, async () => {
    const r = await runParallel(CHURN, { workers: 2, sizes: SMALL, gc: { enabled: false }, timeoutMs: 110_000 });
    expect(r.gc.enabled).toBe(false);
    expect(r.gc.cycles).toBe(0);
    expect(r.result.ok).toBe(false);
    const failures = r.processes.filter((p) => !p.result.ok).map((p) => (p.result.ok ? '' : p.result.message));
    expect(failures.some((m) => m.includes('SharedHeapExhausted: the shared heap has no room for more'))).toBe(true);
  });

  test('collecting back to back, concurrently and stop-the-world, gives the same results', { timeout: 240_000 }, async () => {
    for (const mode of ['concurrent', 'stop-the-world'] as const) {
      const r = await runParallel(CHURN, { workers: 2, sizes: SMALL, gc: { mode, force: true, check: true }, timeoutMs: 110_000 });
      expectChurnDone(r);
      expect(r.gc.mode).toBe(mode);
      expect(r.gc.cycles).toBeGreaterThan(0);
    }
  });

  test('a collector bug is visible to the checked mode: skipping the handshakes fails the heap invariant or the run', { timeout: 120_000 }, async () => {
    const outcome = await runParallel(CHURN, { workers: 2, sizes: SMALL, gc: { force: true, check: true }, mutants: ['parallel-gc-no-handshake'], timeoutMs: 60_000 }).then(
      (r) => (r.result.ok && r.processes.every((p) => p.result.ok) && r.processes[0]!.output.join() === EXPECTED_OUTPUT.join() ? 'passed' : 'failed'),
      (e: Error) => e.message,
    );
    expect(outcome).not.toBe('passed');
  });

  test('IMMUTOS_PARALLEL_GC names the collector options; an unknown word is a RangeError', () => {
    expect(gcOptionsFromEnv({})).toEqual({ enabled: true, force: false, check: false, mode: 'concurrent' });
    expect(gcOptionsFromEnv({ IMMUTOS_PARALLEL_GC: 'force,check' })).toEqual({ enabled: true, force: true, check: true, mode: 'concurrent' });
    expect(gcOptionsFromEnv({ IMMUTOS_PARALLEL_GC: 'off' }).enabled).toBe(false);
    expect(gcOptionsFromEnv({ IMMUTOS_PARALLEL_GC: 'stw' }).mode).toBe('stop-the-world');
    expect(() => gcOptionsFromEnv({ IMMUTOS_PARALLEL_GC: 'often' })).toThrow(RangeError);
  });
});

// How much this file's runs collected (IMMUTOS_PARALLEL_GC=force,check makes every run collect back to back).
afterAll(() => {
  const t = gcTotals();
  console.log(`shared-heap collections in ${t.runs} parallel run(s) of this file: ${t.collections}`);
});
