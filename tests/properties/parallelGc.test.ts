import { describe, expect, it } from 'vitest';
import { runParallel } from '../../optimized/gc/parallel.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomModel, checkLinearizable, historyPicture, type Operation, type Verdict } from '../../harness/oracles/linearizability.js';
import type { AtomInput, AtomOutput } from '../../spec/AtomHistory.js';

/**
 * Judges a parallel run's atom history; when it is not linearizable, draws it into
 * `.fuzz-out/<name>.lin.html` and returns the verdict with the picture's path for the message.
 */
function judgeHistory(name: string, initial: string, history: readonly Operation<AtomInput, AtomOutput>[]): { verdict: Verdict; picture: string } {
  const verdict = checkLinearizable(atomModel(initial), history);
  if (verdict.ok === true) return { verdict, picture: '' };
  mkdirSync('.fuzz-out', { recursive: true });
  const picture = join('.fuzz-out', `${name}.lin.html`);
  writeFileSync(picture, historyPicture(atomModel(initial), history, name));
  return { verdict, picture };
}

describe('mode (b): collector thread + mutator threads over a SharedArrayBuffer heap', () => {
  it('histories are linearizable, no read sees a freed or stale cell, and the collector freed and moved cells', { timeout: 60_000 }, async () => {
    const run = await runParallel({ mutators: 2, ops: 4000, atoms: 4, seed: 7 });
    expect(run.errors).toEqual([]);
    expect(run.collector.cycles).toBeGreaterThan(0);
    expect(run.collector.freed).toBeGreaterThan(0);
    expect(run.collector.moved).toBeGreaterThan(0);
    const { verdict, picture } = judgeHistory('parallel-gc-seed7', run.initial, run.history);
    expect(verdict.ok, `not linearizable: see ${picture}`).toBe(true);
    // The final value of each atom is the value of its last write in the witness order.
    if (verdict.ok === true) {
      const last = new Map<number, string>();
      for (const i of verdict.order) {
        const op = run.history[i]!;
        if (op.input.op === 'cas' && op.output !== 'stale') last.set(op.object, op.input.value);
      }
      run.finalValues.forEach((v, i) => expect(v).toBe(last.get(i) ?? run.initial));
    }
  });

  it('the checker rejects the same history with one response falsified (the test has teeth)', async () => {
    const run = await runParallel({ mutators: 2, ops: 600, atoms: 2, seed: 3 });
    const i = run.history.findIndex((op) => op.input.op === 'cas' && op.output !== 'stale');
    expect(i).toBeGreaterThanOrEqual(0);
    const forged = run.history.map((op, k) => (k === i ? { ...op, output: { stamp: 999 } } : op));
    const judged = judgeHistory('parallel-gc-forged', run.initial, forged);
    expect(judged.verdict.ok).toBe(false);
    // the failure comes with its picture, the forged operation marked as the one that cannot be placed
    expect(judged.picture).toMatch(/parallel-gc-forged\.lin\.html$/);
    expect(readFileSync(judged.picture, 'utf8')).toContain('class="op stuck"');
  }, 60_000);

  // Stress runs: mutators sleep at random inside operations (between allocating a list and its
  // box, between reading a box and walking its list, between the barrier and the CAS), so that
  // operations straddle the collector's phase changes and handshakes on every run.
  it('under stress, no read sees a freed cell and the history stays linearizable', async () => {
    const run = await runParallel({ mutators: 2, ops: 1500, atoms: 4, seed: 5, stress: true });
    expect(run.errors).toEqual([]);
    const { verdict, picture } = judgeHistory('parallel-gc-stress-seed5', run.initial, run.history);
    expect(verdict.ok, `not linearizable: see ${picture}`).toBe(true);
    expect(run.collector.cycles).toBeGreaterThan(0); // (under heavy load the collector may get one cycle only)
    expect(run.collector.freed).toBeGreaterThan(0);
  }, 60_000);

  it('the stress run catches the old race: a cell coloured by the phase word at allocation (seeded bug colour-from-phase)', async () => {
    // An operation that began before the root handshake allocates its list white and, after the
    // phase changed, its box black; the box is never traced and the sweep frees the list.
    let errors: readonly string[] = [];
    // One stress run shows it about 17 times in 20 here; up to 5 seeds are tried.
    for (let attempt = 0; attempt < 5 && errors.length === 0; attempt++) {
      errors = (await runParallel({ mutators: 2, ops: 1500, atoms: 4, seed: 5 + attempt, stress: true, bug: 'colour-from-phase' })).errors;
    }
    expect(errors.some((e) => /list handle \d+ was freed/.test(e))).toBe(true);
  }, 60_000);

  it('a seeded collector bug (swap before copy) is seen by the mutators', async () => {
    // Readers resolving a handle between the early swap and the copy read an empty cell. One run
    // shows it about two times in three on this machine, so up to 8 seeds are tried (all missing
    // it: ~0.35^8 ≈ 2·10⁻⁴; with 3 it was ~4%, the flake seen in a 60-run loop).
    let errors: readonly string[] = [];
    for (let attempt = 0; attempt < 8 && errors.length === 0; attempt++) {
      errors = (await runParallel({ mutators: 2, ops: 3000, atoms: 2, seed: 11 + attempt, bug: 'swap-before-copy' })).errors;
    }
    expect(errors.length).toBeGreaterThan(0);
  }, 60_000);
});
