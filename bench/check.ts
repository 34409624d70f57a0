/**
 * `immutos bench check`: the wall time of the default `immutos check` (every model of the
 * manifest but the big ones, both engines where the manifest says so), run as a user runs it, in
 * a child process; target ≤ 60 s. `--quick` times the TS explorer alone.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './index.js';
import { reportJson, writeResults } from './results.js';

/** What the suite measured. */
export interface CheckBenchReport {
  /** The command timed. */
  readonly command: string;
  /** Wall seconds. */
  readonly seconds: number;
  /** Whether the check passed. */
  readonly ok: boolean;
  /** Its last line (the verdict). */
  readonly verdict: string;
  /** Cores and the 1-minute load average at the start. */
  readonly machine: { readonly cores: number; readonly load: number };
}

/** Runs the suite. */
export async function runCheckBench(ctx: BenchContext): Promise<CheckBenchReport> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const args = ['check', ...(ctx.quick ? ['--engine', 'ts'] : [])];
  const machine = { cores: cpus().length, load: loadavg()[0]! };
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const lines = `${r.stdout}`.trim().split('\n');
  const report: CheckBenchReport = { command: `immutos ${args.join(' ')}`, seconds, ok: r.status === 0, verdict: lines[lines.length - 1] ?? '', machine };
  ctx.out(`${report.command}: ${seconds.toFixed(1)} s, ${report.ok ? 'passed' : `FAILED (exit ${r.status})`} on ${machine.cores} cores, load average ${machine.load.toFixed(1)} at the start`);
  ctx.out(`  ${report.verdict}`);
  ctx.record({ name: `default ${report.command}`, value: seconds, unit: 's', better: 'lower', target: { of: 'value', atMost: 60 } });
  writeResults(ctx, { 'check.json': reportJson(report) });
  return report;
}
