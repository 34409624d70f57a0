/**
 * The parallel engine of the differential fuzzer (harness/campaign/parallelCampaign.ts): random
 * programs on 2 worker threads, judged by linearizability per atom, exact counts and no failed
 * process. The default run is bounded (fixed seed, a few cases); a long campaign runs with
 * `IMMUTOS_PARALLEL_CASES=10000` (and `IMMUTOS_PARALLEL_SEED`). A failure prints its seed and
 * replay command; a failing case is shrunk and its minimized program printed with the replay
 * command of the minimized case (`IMMUTOS_PARALLEL_KEEP`). Every case runs across collections of a
 * small shared heap, collected back to back with its invariant checked after each collection. The
 * seeded bug `publish-after-store` must be caught, and its case shrunk; so must the seeded
 * collector bugs `parallel-gc-no-handshake` and `parallel-gc-missed-root`.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { gcTotals } from '../../optimized/parallel/ParallelRuntime.js';
import { formatParallelFailure, fullKeep, keepText, parallelCampaign, parallelCase, parallelEngine, parseKeep, referenceVerdict } from '../../harness/campaign/parallelCampaign.js';

const seed = Number(process.env.IMMUTOS_PARALLEL_SEED ?? 1);
const cases = Number(process.env.IMMUTOS_PARALLEL_CASES ?? 6);
const mutants = (process.env.IMMUTOS_PARALLEL_MUTANTS ?? '').split(',').filter((m) => m !== '');
const keep = process.env.IMMUTOS_PARALLEL_KEEP === undefined ? undefined : parseKeep(process.env.IMMUTOS_PARALLEL_KEEP);

describe('parallel fuzz (optimized+workers:2)', () => {
  test(`${cases} case(s) from seed ${seed}${keep !== undefined ? ` (part ${keepText(keep)})` : ''}${mutants.length > 0 ? ` with ${mutants.join(',')}` : ''}: every history linearizable, counts exact`, { timeout: Math.max(120_000, cases * 5_000) }, async () => {
    const r = await parallelCampaign(seed, cases, parallelEngine(2, mutants), keep !== undefined ? { keep } : {});
    if (r.failure !== null) console.error(formatParallelFailure(r.failure));
    expect(r.failure).toBeNull();
    if (keep === undefined) expect(r.operations).toBeGreaterThan(cases * 5);
    expect(r.collections).toBeGreaterThan(0);
    console.log(`parallel fuzz: ${r.cases} case(s), ${r.operations} atom operations, ${r.collections} collections of the shared heap`);
  });

  test('a part of a case (what shrinking keeps) is reproducible from its seed and text form', () => {
    const all = fullKeep(42);
    expect(parallelCase(42, all).source).toBe(parallelCase(42).source);
    const part = [[all[1]![0], all[1]![1].slice(1, 3)], [all[0]![0], []]] as const;
    const c = parallelCase(42, parseKeep(keepText(part)));
    expect(c).toEqual(parallelCase(42, part));
    expect(c.source).toContain('(defn proc1 ');
    expect(c.source).not.toContain('(spawn proc2');
    expect(() => parallelCase(42, [[9, []]])).toThrow(RangeError);
    expect(() => parseKeep('0:1,2')).toThrow(RangeError);
  });

  test('the reference kernel is the oracle of every case: it must end with the expected counts', () => {
    for (let seed = 1; seed <= 10; seed++) expect(referenceVerdict(parallelCase(seed)).ok, `seed ${seed}`).toBe(true);
    const c = parallelCase(2);
    const wrong = { ...c, expected: c.expected.replace(/\d+/, (n) => String(Number(n) + 1)) };
    const v = referenceVerdict(wrong);
    expect(v.ok).toBe(false);
    expect(v.reason).toContain(`ends with ${c.expected}`);
  });

  test('cases are reproducible from their seed', () => {
    expect(parallelCase(42)).toEqual(parallelCase(42));
    expect(parallelCase(42).source).not.toBe(parallelCase(43).source);
  });

  test('the seeded publication bug publish-after-store is caught, and its case shrunk while it still fails', { timeout: 180_000 }, async () => {
    const r = await parallelCampaign(100, 20, parallelEngine(2, ['publish-after-store']));
    expect(r.failure).not.toBeNull();
    const f = r.failure!;
    expect(f.replay).toContain(`--seed ${f.seed} --runs 1`);
    expect(f.replay).toContain('--kernels optimized+workers:2+mutant:publish-after-store');
    const s = f.shrunk!;
    expect(s).not.toBeNull();
    expect(s.verdict.ok).toBe(false);
    expect(s.to.processes).toBeLessThanOrEqual(s.from.processes);
    expect(s.to.operations).toBeLessThan(s.from.operations);
    expect(s.replay).toContain(`--seed ${f.seed} --runs 1`);
    expect(s.replay).toContain(`--keep ${keepText(s.case.keep!)}`);
    expect(s.replay).toContain('+mutant:publish-after-store');
    expect(parallelCase(f.seed, parseKeep(keepText(s.case.keep!)))).toEqual(s.case);
    const text = formatParallelFailure(f);
    expect(text).toContain(s.case.source);
    expect(text).toContain(s.replay);
  });

  for (const bug of ['parallel-gc-no-handshake', 'parallel-gc-missed-root', 'parallel-jit-local-namespace']) {
    test(`the seeded bug ${bug} is caught by the campaign, and its case shrunk while it still fails`, { timeout: 300_000 }, async () => {
      // The campaign stops at the first failure; a missed root shows only when a value it held was
      // overwritten meanwhile, and a stale global only when a process reads another's count after
      // its compiled reader cached the global, so they may take more cases than a skipped handshake.
      const r = await parallelCampaign(100, 100, parallelEngine(2, [bug]), { shrink: { budget: 20 } });
      expect(r.failure).not.toBeNull();
      const f = r.failure!;
      console.log(`${bug}: caught at case ${f.seed} (seed ${f.seed}, ${r.cases} case(s) run, ${r.collections} collections): ${f.reason}`);
      expect(f.replay).toContain(`+mutant:${bug}`);
      expect(f.shrunk).not.toBeNull();
      expect(f.shrunk!.verdict.ok).toBe(false);
    });
  }
});

// How much this file's runs collected (IMMUTOS_PARALLEL_GC=force,check makes every run collect back to back).
afterAll(() => {
  const t = gcTotals();
  console.log(`shared-heap collections in ${t.runs} parallel run(s) of this file: ${t.collections}`);
});
