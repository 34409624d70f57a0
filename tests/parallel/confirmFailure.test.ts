/**
 * A minimized parallel failure is run again before its replay is printed (`confirmFailure`): the
 * smallest case that fails again is chosen, smaller ones that do not are passed over, and the
 * replay asks for more runs the rarer the measured failure (`replayRepeat`). The runner here is
 * a stand-in with known failure patterns, so every branch is reached deterministically.
 */
import { describe, expect, test } from 'vitest';
import { MAX_REPLAY_REPEAT, REPLAY_REPEAT, confirmFailure, replayRepeat } from '../../harness/campaign/parallelCampaign.js';

/** A runner over candidates 0…n-1: candidate k fails on the runs `fails(k, run)` says (run counts from 0 per candidate). */
function runner(fails: (k: number, run: number) => boolean): { run: (k: number) => Promise<string | null>; calls: number[] } {
  const calls: number[] = [];
  const perCandidate = new Map<number, number>();
  return {
    calls,
    run: async (k: number) => {
      calls.push(k);
      const r = perCandidate.get(k) ?? 0;
      perCandidate.set(k, r + 1);
      return fails(k, r) ? `candidate ${k} failed on run ${r}` : null;
    },
  };
}

describe('confirmFailure', () => {
  test('the smallest candidate that fails again is chosen, with its measured rate', async () => {
    const { run, calls } = runner((k) => k >= 2); // candidates 2, 3 fail every time
    const r = await confirmFailure([0, 1, 2, 3], run, { runs: 10, failures: 3 });
    expect(r.chosen).toEqual({ index: 3, reproduction: { runs: 3, failures: 3 }, verdict: 'candidate 3 failed on run 2' });
    expect(calls).toEqual([3, 3, 3]);
    expect(r.runs).toBe(3);
  });

  test('a smallest candidate that never fails again is passed over for the next larger one', async () => {
    const { run, calls } = runner((k, i) => k === 1 && i === 4); // candidate 1 fails once, on its fifth run
    const r = await confirmFailure([0, 1, 2], run, { runs: 6, failures: 3 });
    expect(r.chosen?.index).toBe(1);
    expect(r.chosen?.reproduction).toEqual({ runs: 6, failures: 1 });
    expect(calls.filter((k) => k === 2)).toHaveLength(6);
    expect(calls.filter((k) => k === 0)).toHaveLength(0);
    expect(r.runs).toBe(12);
  });

  test('none chosen when nothing fails again within the budget, which is never exceeded', async () => {
    const { run, calls } = runner(() => false);
    const r = await confirmFailure([0, 1, 2, 3, 4], run, { runs: 4, budget: 10 });
    expect(r.chosen).toBeNull();
    expect(calls).toHaveLength(10);
    expect(r.runs).toBe(10);
    expect(calls).toEqual([4, 4, 4, 4, 3, 3, 3, 3, 2, 2]);
  });
});

describe('replayRepeat', () => {
  test('never below the floor, more runs for rarer failures, capped', () => {
    expect(replayRepeat({ runs: 3, failures: 3 })).toBe(REPLAY_REPEAT);
    const rare = replayRepeat({ runs: 40, failures: 1 });
    expect(rare).toBeGreaterThan(REPLAY_REPEAT);
    // at half the measured rate (1/80), `rare` runs miss the failure about once in a thousand
    expect((1 - 1 / 80) ** rare).toBeLessThanOrEqual(0.001);
    expect(replayRepeat({ runs: 40, failures: 2 })).toBeLessThan(rare);
    expect(replayRepeat({ runs: 40, failures: 0 })).toBe(MAX_REPLAY_REPEAT);
    expect(replayRepeat({ runs: 100_000, failures: 1 })).toBe(MAX_REPLAY_REPEAT);
  });
});
