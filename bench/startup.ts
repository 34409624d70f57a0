/**
 * The `startup` benchmark suite: how long the light `immutos` commands take to start and finish,
 * each run as a child process, against `node -e 0` (Node's own start). Target: each within
 * 2.0× of `node -e 0` (docs/adr/0028-lazy-command-loading.md).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './index.js';

import { median, spreadOf } from './rows.js';
import { reportJson, writeResults } from './results.js';

/** Ratio to `node -e 0` above which a command is flagged. */
export const STARTUP_TARGET = 2.0;

/** The small EDN value piped to `immutos encode`. */
export const STARTUP_EDN = '{:a [1 2 #{3}] :b "text" :c 4.5}\n';

/** Options of {@link runStartupBench}. */
export interface StartupBenchOptions {
  /** The CLI entry (default: `dist/cli/main.js` of this repository). */
  readonly cli?: string;
  /** Timed runs per command, after the warm-up (default 5). */
  readonly reps?: number;
  /** Untimed warm-up runs per command (default 1). */
  readonly warmup?: number;
}

/** One measured command. */
export interface StartupRow {
  /** What ran, as a user would type it. */
  readonly command: string;
  /** Median wall-clock time from spawn to exit, ms. */
  readonly medianMs: number;
  /** Every timed run, ms. */
  readonly runsMs: readonly number[];
  /** Median divided by the median of `node -e 0`. */
  readonly ratio: number;
  /** The ratio is above {@link STARTUP_TARGET}. */
  readonly slow: boolean;
}

/** The result of {@link runStartupBench}. */
export interface StartupReport {
  /** When the run finished (ISO 8601). */
  readonly date: string;
  /** Node version and CPU model of the machine. */
  readonly machine: { readonly node: string; readonly cpu: string; readonly cores: number };
  /** Timed runs and warm-up runs per command. */
  readonly reps: number;
  /** Untimed warm-up runs per command. */
  readonly warmup: number;
  /** The target ratio. */
  readonly target: number;
  /** One row per command, `node -e 0` first. */
  readonly rows: readonly StartupRow[];
}

/** The repository's compiled CLI entry, `dist/cli/main.js` (whether this module runs from `dist/` or from source). */
export function defaultCliPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (package.json)');
    dir = up;
  }
  return join(dir, 'dist', 'cli', 'main.js');
}

interface Case {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: Uint8Array | string;
}

/** Runs `args` under node once and answers the wall-clock time, ms; a non-zero exit is an error. */
function timeOnce(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args as string[], { input: c.input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${c.command} exited with ${r.status}: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
  return ms;
}

/** Measures `node -e 0` and the light `immutos` commands (each a child process) and answers the report. */
export function runStartupBench(opts: StartupBenchOptions = {}): StartupReport {
  const cli = opts.cli ?? defaultCliPath();
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build first (npm run build)`);
  const reps = opts.reps ?? 5;
  const warmup = opts.warmup ?? 1;
  const encoded = spawnSync(process.execPath, [cli, 'encode'], { input: STARTUP_EDN });
  if (encoded.status !== 0) throw new Error(`immutos encode exited with ${encoded.status}: ${encoded.stderr.toString().trim()}`);
  const cases: Case[] = [
    { command: 'node -e 0', args: ['-e', '0'] },
    { command: 'immutos --version', args: [cli, '--version'] },
    { command: 'immutos --help', args: [cli, '--help'] },
    { command: 'immutos encode', args: [cli, 'encode'], input: STARTUP_EDN },
    { command: 'immutos decode', args: [cli, 'decode'], input: encoded.stdout },
  ];
  const measured = cases.map((c) => {
    for (let i = 0; i < warmup; i++) timeOnce(c);
    const runsMs = Array.from({ length: reps }, () => timeOnce(c));
    return { command: c.command, runsMs, medianMs: median(runsMs) };
  });
  const base = measured[0]!.medianMs;
  return {
    date: new Date().toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    reps,
    warmup,
    target: STARTUP_TARGET,
    rows: measured.map((m) => ({ ...m, ratio: m.medianMs / base, slow: m.medianMs / base > STARTUP_TARGET })),
  };
}

/** The human-readable table of a report, one line per command, then a verdict. */
export function formatStartupReport(r: StartupReport): string[] {
  const lines = [
    `startup: median of ${r.reps} runs after ${r.warmup} warm-up, each a child process (${r.machine.node}, ${r.machine.cores} cores)`,
    `${'command'.padEnd(20)} ${'median ms'.padStart(10)} ${'vs node -e 0'.padStart(13)}`,
  ];
  for (const row of r.rows) {
    lines.push(`${row.command.padEnd(20)} ${row.medianMs.toFixed(1).padStart(10)} ${(row.ratio.toFixed(2) + '×').padStart(13)}${row.slow ? `  SLOW (> ${r.target.toFixed(1)}×)` : ''}`);
  }
  const slow = r.rows.filter((row) => row.slow);
  lines.push(slow.length === 0 ? `every command within ${r.target.toFixed(1)}× of node -e 0` : `${slow.length} command(s) above ${r.target.toFixed(1)}× of node -e 0: ${slow.map((row) => row.command).join(', ')}`);
  return lines;
}

/** The suite as `immutos bench startup` runs it (quick: 3 runs per command). */
export async function runStartupSuite(ctx: BenchContext): Promise<StartupReport> {
  const report = runStartupBench(ctx.quick ? { reps: 3 } : {});
  for (const line of formatStartupReport(report)) ctx.out(line);
  const node = report.rows[0]!;
  const version = report.rows.find((r) => r.command === 'immutos --version');
  if (version !== undefined) ctx.record({ name: 'CLI start (immutos --version)', value: version.medianMs, unit: 'ms', better: 'lower', spread: spreadOf(version.runsMs), peer: { name: node.command, value: node.medianMs }, target: { of: 'ratio', atMost: report.target } });
  writeResults(ctx, { 'startup.json': reportJson(report) });
  return report;
}
