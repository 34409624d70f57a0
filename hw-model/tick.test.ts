// `tick()`: the background draining between two kernel operations (docs/hw-model.md).
import { describe, expect, it } from 'vitest';
import { createHwMemory } from './index.js';

/** Core 1 buffers stores to `n` addresses; returns the memory and what core 0 then sees. */
function run(model: 'tso' | 'relaxed', seed: number, ticks: number): { seen: number[]; buffered: number } {
  const m = createHwMemory(model, { seed, initialWords: 256 });
  m.setCore(1);
  for (let a = 0; a < 6; a++) m.store32(16 * a, a + 1); // six lines, one store each
  for (let i = 0; i < ticks; i++) m.tick();
  m.setCore(0);
  const seen = [0, 1, 2, 3, 4, 5].map((a) => m.load32(16 * a));
  return { seen, buffered: m.hw.buffered(1) };
}

describe('HwKernelMemory.tick', () => {
  it('drains buffered stores over time, deterministically for a seed, in an order the model allows', () => {
    for (const model of ['tso', 'relaxed'] as const) {
      expect(run(model, 7, 3)).toEqual(run(model, 7, 3));
      // Enough ticks drain everything; no tick leaves something buffered.
      expect(run(model, 7, 200)).toEqual({ seen: [1, 2, 3, 4, 5, 6], buffered: 0 });
      expect(run(model, 7, 0).buffered).toBeGreaterThan(0);
    }
    // TSO drains in order: what another core sees is always a prefix of the stores.
    for (let seed = 1; seed <= 30; seed++) {
      const { seen } = run('tso', seed, 1);
      const k = seen.findIndex((v) => v === 0);
      if (k >= 0) expect(seen.slice(k).every((v) => v === 0)).toBe(true);
    }
    // Relaxed may drain out of order: some seed shows a later store without an earlier one.
    const gaps = Array.from({ length: 30 }, (_, i) => run('relaxed', i + 1, 1).seen).filter((s) => s.some((v, i) => v === 0 && s.slice(i).some((w) => w !== 0)));
    expect(gaps.length).toBeGreaterThan(0);
  });
});
