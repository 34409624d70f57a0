/**
 * `immutos start`: the main job on the embedded defaults (what `npm start` runs).
 * Says first what each stage will run and roughly how long, then runs each stage in turn (model
 * checking, then a short differential-fuzz campaign) and prints one summary. `--full` runs every
 * model on every engine. Stages register themselves in `cli/stages.ts`.
 * @module
 */
import type { Command } from 'commander';
import { stages, type StageOptions } from '../stages.js';
import { fmtDuration } from '../check/estimate.js';
import { CheckFailed } from '../errors.js';

/** The announcement printed before the main job runs: each stage's plan and the estimated total. */
export function planText(opts: StageOptions): string {
  const lines: string[] = [`The main job${opts.full ? ' (--full)' : ''} runs ${stages.length} stages:`];
  let total = 0;
  for (const stage of stages) {
    const p = stage.plan?.(opts);
    if (p === undefined) { lines.push(`  ${stage.name}`); continue; }
    total += p.seconds;
    lines.push(`  ${stage.name} (about ${fmtDuration(p.seconds)}):`);
    for (const l of p.lines) lines.push(`    ${l}`);
  }
  lines.push(`Estimated total: about ${fmtDuration(total)} (estimates from recorded durations, spec/tla/durations.json).`);
  return lines.join('\n') + '\n';
}

/** Registers `immutos start`. */
export function register(program: Command): void {
  program
    .command('start')
    .description('run the main job: model checking, then a short differential fuzz campaign')
    .option('--full', 'check every model on every engine (the default leaves the slow models to the TS explorer)')
    .action(async (o: { full?: boolean }) => {
      const opts: StageOptions = { full: o.full === true };
      process.stdout.write(planText(opts));
      const results: { name: string; ok: boolean; summary: string; seconds: number }[] = [];
      for (const stage of stages) {
        process.stdout.write(`\n== ${stage.name} ==\n`);
        const t0 = performance.now();
        const r = await stage.run(opts);
        results.push({ name: stage.name, ok: r.ok, summary: r.summary, seconds: (performance.now() - t0) / 1000 });
      }
      process.stdout.write('\n== summary ==\n');
      for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(12)} ${r.seconds.toFixed(1).padStart(7)}s  ${r.summary}\n`);
      const total = results.reduce((s, r) => s + r.seconds, 0);
      process.stdout.write(`total ${fmtDuration(total)}\n`);
      if (results.some((r) => !r.ok)) throw new CheckFailed('the main job failed (see the summary above)');
    });
}
