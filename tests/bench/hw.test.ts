import { describe, expect, it } from 'vitest';
import { formatHwReport, hwSvg, runHwBenchReport } from '../../bench/hw.js';

describe('bench hw (smoke, small sizes)', () => {
  const r = runHwBenchReport({ ops: 20_000, seed: 7 });

  it('runs the four workloads under both protocols with the same operations', () => {
    expect(r.workloads.map((w) => w.id)).toEqual(['a', 'b', 'c', 'd']);
    for (const w of r.workloads) {
      expect(w.mesi.ops).toBe(w.immutable.ops);
      expect(w.mesi.ops).toBeGreaterThanOrEqual(20_000);
      // Same cache geometry and same accesses: the protocols differ in messages, not in misses.
      expect(Math.abs(w.mesi.missesPer1k - w.immutable.missesPer1k)).toBeLessThan(1);
    }
  });

  it('the immutable-aware protocol sends fewer coherence messages on read-shared immutable data', () => {
    const a = r.workloads[0];
    expect(a.immutable.coherencePer1k).toBeLessThan(a.mesi.coherencePer1k);
    expect(a.immutable.messages.GetS).toBe(0);
    expect(a.mesi.messages.ImmGet).toBe(0);
    expect(a.reduction.coherence).toBeGreaterThan(0);
  });

  it('prints targets beside the figures and draws one bar per workload, protocol and metric', () => {
    const text = formatHwReport(r).join('\n');
    expect(text).toMatch(/target ≥ 90% fewer/);
    expect(text).toMatch(/target ≥ 2,000,000/);
    const svg = hwSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<rect class="bar"/g) ?? []).length).toBe(4 * 2 * 4);
  });
});
