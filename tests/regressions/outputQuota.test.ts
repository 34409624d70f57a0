// The output quota (ADR 0057): a process that prints without bound used to be held to nothing.
// `(let [v (vec (range 100000))] (loop [i 0] (if (< i 3000) (do (println v) (recur (inc i))) i)))`
// made every kernel keep every line until the host process died of V8's "heap out of memory"
// (about 4 GB after 44 s), taking every other process with it. A tree's output is now bounded by
// `treeOutputChars`: a `println` or `prn` over it is `out-of-memory`, a kernel notice over it is
// not recorded, and the fuzzer's invariant `OutputWithinQuota` holds every kernel to it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUOTAS, outputCharsOf } from '../../spec/Kernel.js';
import { PROGRAM_KERNELS as KERNELS, runPrograms as run } from '../support/programs.js';
import { runParallel } from '../../optimized/parallel/ParallelRuntime.js';
import { InvariantChecker } from '../../harness/oracles/invariants.js';
import { MUTANT_QUOTAS, runCampaign } from '../../harness/campaign/campaign.js';

const chars = (lines: readonly string[]): number => lines.reduce((n, l) => n + outputCharsOf(l), 0);

const CHATTY = '(let [v (vec (range 100))] (loop [i 0] (if (< i 1000) (do (println i v) (recur (inc i))) :done)))';

describe('the output quota', () => {
  it('defaults to 2^24 characters per tree', () => {
    expect(DEFAULT_QUOTAS.treeOutputChars).toBe(16_777_216);
    expect(outputCharsOf('')).toBe(1);
  });

  for (const [name, make] of KERNELS) {
    describe(`${name} kernel`, () => {
      it('a process printing without bound ends with out-of-memory, its lines so far kept, and another tree goes on printing', () => {
        const quota = 20_000;
        const r = run(make, [CHATTY, '(loop [i 0] (if (< i 50) (do (prn :other i) (recur (inc i))) :other-done))'], { quotas: { treeOutputChars: quota } });
        const o = r.outcome(0);
        expect(o).toMatchObject({ ok: false, error: 'out-of-memory' });
        expect(o !== null && o !== undefined && !o.ok ? o.message : '').toMatch(/over treeOutputChars 20000/);
        const lines = r.output(0);
        expect(chars(lines)).toBeLessThanOrEqual(quota);
        // It stopped at the first line that did not fit: one more would have gone over.
        expect(chars(lines) + outputCharsOf(`${lines.length} ${lines[0]!.split(' ').slice(1).join(' ')}`)).toBeGreaterThan(quota);
        expect(lines.length).toBeGreaterThan(10);
        expect(r.outcome(r.roots[1]!)).toMatchObject({ ok: true, value: ':other-done' });
        expect(r.output(r.roots[1]!)).toHaveLength(50);
      });

      it('a fork shares its tree\'s quota: parent and child together stay within it', () => {
        const quota = 5_000;
        const prog = '(let [c (fork)] (loop [i 0] (if (< i 400) (do (prn (if (nil? c) :child :parent) i) (recur (inc i))) :done)))';
        const r = run(make, [prog], { quotas: { treeOutputChars: quota } });
        const all = r.k.processList().filter((p) => p.pid !== -1);
        expect(all.length).toBe(2);
        expect(chars(all.flatMap((p) => p.output))).toBeLessThanOrEqual(quota);
        expect(r.k.results().some((x) => x.outcome !== null && !x.outcome.ok && x.outcome.error === 'out-of-memory')).toBe(true);
      });

      it('watch notices past the quota are not recorded; the writes they report stand', () => {
        const k = make({ quotas: { treeOutputChars: 300 } });
        const a = k.apply({ op: 'atom', pid: 0, value: '0' });
        expect(a.ok).toBe(true);
        const ref = Number(a.ok ? a.value.replace('#atom ', '') : -1);
        expect(k.apply({ op: 'spawn', pid: 0 }).ok).toBe(true);
        expect(k.apply({ op: 'addWatch', pid: 0, ref, key: ':w' }).ok).toBe(true);
        const big = `[${Array.from({ length: 30 }, (_, i) => i).join(' ')}]`;
        for (let i = 0; i < 20; i++) expect(k.apply({ op: 'reset', pid: 0, ref, value: i % 2 === 0 ? big : String(i) }).ok).toBe(true);
        const p0 = k.observe().processes.find((p) => p.pid === 0)!;
        expect(p0.atoms.find((x) => x.ref === ref)!.stamp).toBe(20);
        expect(p0.output.length).toBeGreaterThan(0);
        expect(p0.output.length).toBeLessThan(20);
        expect(chars(p0.output)).toBeLessThanOrEqual(300);
      });

      it('with the quota-not-enforced seeded bug the lines pile up, and the fuzzer\'s invariant says so', () => {
        const r = run(make, [CHATTY], { quotas: { treeOutputChars: 20_000 }, mutants: ['quota-not-enforced'] });
        expect(r.outcome(0)).toMatchObject({ ok: true, value: ':done' });
        const after = r.k.observe();
        const v = new InvariantChecker({ treeOutputChars: 20_000 }).check({ op: 'run', pid: 0 }, { ok: true, value: ':done' }, { processes: [] }, after);
        expect(v).toMatch(/^OutputWithinQuota: process 0 holds \d+ characters of output, over treeOutputChars 20000$/);
      });
    });
  }

  it('parallel mode: a process printing without bound ends with out-of-memory', { timeout: 60_000 }, async () => {
    const r = await runParallel(CHATTY, { workers: 1, outputChars: 20_000, timeoutMs: 50_000 });
    expect(r.result).toMatchObject({ ok: false, error: 'out-of-memory' });
    const p0 = r.processes.find((p) => p.pid === 0)!;
    expect(chars(p0.output)).toBeLessThanOrEqual(20_000);
    expect(p0.output.length).toBeGreaterThan(10);
  });

  it('the mutant campaigns\' quotas bound output, and a campaign over a kernel that ignores it finds OutputWithinQuota', { timeout: 180_000 }, async () => {
    expect(MUTANT_QUOTAS.treeOutputChars).toBe(2_048);
    // The same seeded kernel on both sides: the two always agree, so only the invariant can tell.
    const kernel = 'reference+mutant:quota-not-enforced';
    const r = await runCampaign({ kernels: [kernel, kernel], runs: 1000, seed: 1, programs: true, quotas: MUTANT_QUOTAS, resourceErrors: 'compare', stopOnFirst: true, shrink: false });
    expect(r.failures.length).toBe(1);
    const v = r.failures[0]!.verdict;
    expect(v.kind === 'diverged' ? v.detail : '').toMatch(/OutputWithinQuota: process \d+ holds \d+ characters of output, over treeOutputChars 2048/);
  });
});
