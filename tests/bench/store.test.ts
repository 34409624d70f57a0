import { describe, expect, it } from 'vitest';
import { runStoreBenchReport } from '../../bench/store.js';

describe('bench store (quick sizes)', () => {
  it('measures every row, group commit shares commits, and a one-key update grows like log n while the map grows like n', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const r = await runStoreBenchReport(true, (l) => lines.push(l));
    expect(r.swaps.map((s) => s.name)).toHaveLength(4);
    const [group, single] = r.swaps;
    expect(group!.commits).toBeLessThan(single!.commits);
    expect(single!.commits).toBe(single!.swaps);
    expect(r.asOf.every((a) => a.medianUs > 0)).toBe(true);
    const [small, large] = [r.maps[0]!, r.maps[r.maps.length - 1]!];
    expect(large.fullNodeBytes / small.fullNodeBytes).toBeGreaterThan(20);
    expect(large.updateNodeBytes / small.updateNodeBytes).toBeLessThan(3);
    expect(lines.join('\n')).toMatch(/O\(log n\)/);
  });
});
