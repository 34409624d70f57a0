/**
 * `immutos start`: the main job on the embedded defaults (what `npm start` runs).
 * Runs each available stage in turn (model checking, then a short differential-fuzz campaign)
 * and prints one summary. Stages register themselves in `cli/stages.ts`.
 * @module
 */
import type { Command } from 'commander';
import { stages } from '../stages.js';
import { CheckFailed } from '../errors.js';

/** Registers `immutos start`. */
export function register(program: Command): void {
  program
    .command('start')
    .description('run the main job: model checking, then a short differential fuzz campaign')
    .action(async () => {
      const results: { name: string; ok: boolean; summary: string; seconds: number }[] = [];
      for (const stage of stages) {
        process.stdout.write(`\n== ${stage.name} ==\n`);
        const t0 = performance.now();
        const r = await stage.run();
        results.push({ name: stage.name, ok: r.ok, summary: r.summary, seconds: (performance.now() - t0) / 1000 });
      }
      process.stdout.write('\n== summary ==\n');
      for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(12)} ${r.seconds.toFixed(1).padStart(7)}s  ${r.summary}\n`);
      if (results.some((r) => !r.ok)) throw new CheckFailed('the main job failed (see the summary above)');
    });
}
