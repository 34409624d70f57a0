import { describe, expect, it } from 'vitest';
import { formatJitReport, JIT_PROGRAMS, JIT_VARIANTS, runJitBenchReport } from './jit.js';

describe('bench jit (quick)', () => {
  it('runs every program in every variant, and every variant that ran gave the same result', () => {
    const r = runJitBenchReport(true);
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
