/**
 * `immutos bench fuzz`: the default differential campaign (`immutos fuzz` with its defaults:
 * every available kernel, programs and authority blocks, seed 1) in operations per second, in
 * three modes: as `immutos fuzz` runs it (its default 1,000 cases, kernels built over the previous
 * case's memory, the worker processes `--jobs auto` chooses: `jobs`), and on fewer cases on one
 * thread with kernels reused (`reuse`) and with every kernel built afresh per case (`fresh`), the
 * two that say what reuse is worth. The modes run alternately, several rounds; the report gives
 * the median and spread of each, per wall-clock second and per second of CPU obtained (worker
 * processes included; the machine is shared), and the target.
 * @module
 */
import type { BenchContext } from './index.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { median, spreadOf } from './rows.js';
import { reportJson, writeResults } from './results.js';
import { runCampaign } from '../harness/campaign/campaign.js';
import { autoJobs } from '../harness/campaign/jobs.js';
import { availableKernels } from '../harness/engines/registry.js';

/** Operations per second the default campaign is meant to reach. */
export const FUZZ_TARGET_OPS_PER_SECOND = 5_000;

/** The modes measured. */
export type FuzzMode = 'jobs' | 'reuse' | 'fresh';

const MODES: readonly FuzzMode[] = ['jobs', 'reuse', 'fresh'];

let ticksPerSecond: number | undefined;

/** The clock ticks per second `/proc/self/stat` counts in (`getconf CLK_TCK`; 100, Linux's usual value, if that fails). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    let t = NaN;
    try {
      t = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      t = NaN;
    }
    ticksPerSecond = Number.isFinite(t) && t > 0 ? t : 100;
  }
  return ticksPerSecond;
}

/** CPU seconds of this process and of its waited-for children (Linux: /proc/self/stat), else of this process only. */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // fields after the command's closing parenthesis: state is field 3, cutime and cstime fields 16 and 17
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) / clockTicks();
  } catch {
    children = 0;
  }
  return (own.user + own.system) / 1e6 + (Number.isFinite(children) ? children : 0);
}

/** One mode's measurements. */
export interface FuzzModeRow {
  /** `jobs` (as `immutos fuzz` runs: its default case count on the worker processes `--jobs auto` chooses), `reuse` (one thread) or `fresh` (one thread, every kernel built per case). */
  readonly mode: FuzzMode;
  /** Operations per wall-clock second, one per round. */
  readonly opsPerSecond: readonly number[];
  /** Operations per second of CPU time the process obtained, one per round. */
  readonly opsPerCpuSecond: readonly number[];
  /** Median of {@link FuzzModeRow.opsPerSecond}. */
  readonly medianOpsPerSecond: number;
  /** Median of {@link FuzzModeRow.opsPerCpuSecond}. */
  readonly medianOpsPerCpuSecond: number;
  /** Divergences found (must be 0). */
  readonly divergences: number;
}

/** The suite's results. */
export interface FuzzBenchReport {
  /** The kernels of the campaign. */
  readonly kernels: readonly string[];
  /** Cases per round of the one-thread modes. */
  readonly cases: number;
  /** Operations per round of the one-thread modes. */
  readonly operations: number;
  /** Cases per round of the `jobs` mode (the default campaign's). */
  readonly asRunCases: number;
  /** Rounds per mode. */
  readonly rounds: number;
  /** Worker processes of the `jobs` mode. */
  readonly jobs: number;
  /** The modes. */
  readonly rows: readonly FuzzModeRow[];
  /** Median reuse ÷ median fresh, per CPU second. */
  readonly speedup: number;
  /** The target, operations per second. */
  readonly target: number;
}

/** Runs the suite. */
export async function runFuzzBench(ctx: BenchContext): Promise<FuzzBenchReport> {
  const kernels = await availableKernels();
  // as `immutos fuzz` runs: its default case count, on the jobs it chooses; the one-thread modes on fewer
  const asRunCases = ctx.quick ? 250 : 1000;
  const cases = ctx.quick ? 20 : 150;
  const rounds = ctx.quick ? 2 : 3;
  const jobs = autoJobs(asRunCases);
  ctx.out(`default fuzz campaign: ${kernels.join(', ')}; seed 1, programs; as \`immutos fuzz\` runs it: ${asRunCases} cases on ${jobs} worker process${jobs === 1 ? '' : 'es'}; one thread: ${cases} cases; ${rounds} rounds per mode (alternating)`);
  const runs: Record<FuzzMode, { wall: number[]; cpu: number[]; divergences: number }> = { jobs: { wall: [], cpu: [], divergences: 0 }, reuse: { wall: [], cpu: [], divergences: 0 }, fresh: { wall: [], cpu: [], divergences: 0 } };
  let operations = 0;
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['fresh', 'reuse', 'jobs'] as const) {
      const c0 = cpuSeconds();
      const r = await runCampaign({ kernels, runs: mode === 'jobs' ? asRunCases : cases, seed: 1, programs: true, authority: true, shrink: false, reuseKernels: mode !== 'fresh', jobs: mode === 'jobs' ? jobs : 1 });
      const cpu = cpuSeconds() - c0;
      if (mode !== 'jobs') operations = r.applied;
      runs[mode].wall.push(r.opsPerSecond);
      runs[mode].cpu.push(cpu > 0 ? r.applied / cpu : 0);
      runs[mode].divergences += r.failures.length;
      ctx.out(`  round ${round + 1} ${mode.padEnd(5)}: ${r.cases} cases, ${r.applied} operations in ${r.seconds.toFixed(2)} s = ${Math.round(r.opsPerSecond)} ops/s; ${cpu.toFixed(2)} s CPU (${Math.round((100 * cpu) / Math.max(r.seconds, 1e-9))}% of one core) = ${Math.round(r.applied / Math.max(cpu, 1e-9))} ops per CPU-second`);
    }
  }
  const rows: FuzzModeRow[] = MODES.map((mode) => ({
    mode,
    opsPerSecond: runs[mode].wall,
    opsPerCpuSecond: runs[mode].cpu,
    medianOpsPerSecond: median(runs[mode].wall),
    medianOpsPerCpuSecond: median(runs[mode].cpu),
    divergences: runs[mode].divergences,
  }));
  const [asRun, reuse, fresh] = rows as [FuzzModeRow, FuzzModeRow, FuzzModeRow];
  const speedup = fresh.medianOpsPerCpuSecond > 0 ? reuse.medianOpsPerCpuSecond / fresh.medianOpsPerCpuSecond : 0;
  ctx.out('');
  ctx.out('mode    ops/s (median, min–max)        ops per CPU-second (median, min–max)   divergences');
  for (const r of rows) {
    ctx.out(`${r.mode.padEnd(7)} ${String(Math.round(r.medianOpsPerSecond)).padStart(6)} (${Math.round(Math.min(...r.opsPerSecond))}–${Math.round(Math.max(...r.opsPerSecond))})`.padEnd(40) + `${String(Math.round(r.medianOpsPerCpuSecond)).padStart(6)} (${Math.round(Math.min(...r.opsPerCpuSecond))}–${Math.round(Math.max(...r.opsPerCpuSecond))})`.padEnd(39) + String(r.divergences));
  }
  const met = asRun.medianOpsPerSecond >= FUZZ_TARGET_OPS_PER_SECOND;
  ctx.out(`reuse vs fresh: ${speedup.toFixed(2)}× per CPU-second; as run (${jobs} job${jobs === 1 ? '' : 's'}, ${asRunCases} cases) vs one thread (${cases} cases): ${(asRun.medianOpsPerSecond / Math.max(reuse.medianOpsPerSecond, 1e-9)).toFixed(2)}× per wall-clock second`);
  ctx.out(`target ≥ ${FUZZ_TARGET_OPS_PER_SECOND} ops/s as \`immutos fuzz\` runs (${asRunCases} cases, ${jobs} job${jobs === 1 ? '' : 's'}): ${met ? 'met' : 'NOT met'} (${Math.round(asRun.medianOpsPerSecond)} ops/s; one thread ${Math.round(reuse.medianOpsPerSecond)} ops/s, ${Math.round(reuse.medianOpsPerCpuSecond)} per CPU-second)`);
  ctx.record({ name: `default fuzz campaign as \`immutos fuzz\` runs it (${asRunCases} cases, ${jobs} job${jobs === 1 ? '' : 's'}, kernels reused)`, value: asRun.medianOpsPerSecond, unit: 'ops/s', better: 'higher', spread: spreadOf(asRun.opsPerSecond), peer: { name: 'one thread', value: reuse.medianOpsPerSecond }, target: { of: 'value', atLeast: FUZZ_TARGET_OPS_PER_SECOND } });
  const report: FuzzBenchReport = { kernels, cases, operations, asRunCases, rounds, jobs, rows, speedup, target: FUZZ_TARGET_OPS_PER_SECOND };
  writeResults(ctx, { 'fuzz.json': reportJson(report) });
  return report;
}
