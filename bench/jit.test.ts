import { describe, expect, it } from 'vitest';
import { formatJitReport, JIT_PROGRAMS, JIT_VARIANTS, runJitBenchReport } from './jit.js';

describe('bench jit (quick)', () => {
  it('runs every program in every variant, and every variant that ran gave the same result', async () => {
    const r = await runJitBenchReport(true);
    expect(r.programs.map((p) => p.name)).toEqual(JIT_PROGRAMS.map((p) => p.name));
    expect(r.programs.length).toBeGreaterThanOrEqual(6);
    for (const p of r.programs) {
      for (const v of JIT_VARIANTS) {
        const t = p.variants[v];
        if ('skipped' in t) {
          // Only tier 2 may be missing (not in its subset, or not available here), and it says why.
          expect(v, `${p.name} ${v}`).toBe('tier2');
          expect(t.skipped.length).toBeGreaterThan(0);
          continue;
        }
        expect(t.runs.length, `${p.name} ${v}`).toBe(r.runs);
        if (t.size === p.size) expect(t.value, `${p.name} ${v}`).toBe(p.value);
        else expect(t.size, `${p.name} ${v} ran a capped input`).toBeLessThan(p.size);
      }
      expect(Number.isFinite(p.jitRatio)).toBe(true);
    }
    const text = formatJitReport(r).join('\n');
    for (const p of JIT_PROGRAMS) expect(text).toContain(p.name);
    expect(text).toContain('geomean');
  });
});

describe('bench jit: each variant in its own process', () => {
  // The executor forks the compiled worker (dist/bench/jit-worker.js, built by `npm ci`'s prepare step).
  const dist = new URL('../dist/bench/jit.js', import.meta.url).href;

  it('answers the variant timed in a child process', async () => {
    const { inProcesses } = (await import(dist)) as typeof import('./jit.js');
    const r = await inProcesses({ program: 'fib', variant: 'tier1', size: 15, runs: 2 });
    expect(r.value).toBe('610');
    expect(r.runs).toHaveLength(2);
    expect(r.stats?.compiled).toBeGreaterThan(0);
  });

  it('reports a failure in the child as a clear error', async () => {
    const { inProcesses } = (await import(dist)) as typeof import('./jit.js');
    await expect(inProcesses({ program: 'no-such-program', variant: 'js', size: 1, runs: 1 })).rejects.toThrow('bench jit: no program named no-such-program');
  });
});
