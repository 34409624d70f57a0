/**
 * `immutos bench lin`: the linearizability checker on its corpus (harness/lin/corpus.ts):
 * correct and broken registers, CAS registers and 10-key stores, up to thousands of operations
 * with timed-out ones. Prints, per history, the verdict, search steps, time and steps per second.
 * @module
 */
import type { BenchContext } from './index.js';
import { reportJson, writeResults } from './results.js';
import { CORPUS, corpusHistory } from '../harness/lin/corpus.js';
import { checkHistory } from '../harness/lin/checker.js';
import { readHistory } from '../harness/lin/formats.js';
import { builtinModel } from '../harness/lin/models.js';

/** One measured history. */
export interface LinBenchRow {
  /** The corpus entry. */
  readonly name: string;
  /** Operations. */
  readonly ops: number;
  /** Partitions (keys). */
  readonly partitions: number;
  /** The known verdict. */
  readonly expected: string;
  /** The checker's verdict. */
  readonly verdict: string;
  /** Search steps (all partitions; every partition is decided). */
  readonly steps: number;
  /** Median time of the check, in milliseconds. */
  readonly ms: number;
  /** Steps per second. */
  readonly stepsPerSecond: number;
}

/** Runs the suite. */
export async function runLinBench(ctx: BenchContext): Promise<LinBenchRow[]> {
  const reps = ctx.quick ? 1 : 5;
  const rows: LinBenchRow[] = [];
  ctx.out(`${'history'.padEnd(34)} ${'ops'.padStart(5)} ${'keys'.padStart(4)}  verdict     ${'steps'.padStart(9)} ${'ms'.padStart(8)} ${'steps/s'.padStart(10)}`);
  for (const e of CORPUS) {
    if (ctx.quick && e.sim.ops > 2000) continue;
    const { edn, history } = corpusHistory(e);
    const ops = readHistory(edn, { model: e.model }).ops;
    const model = builtinModel(e.model);
    const times: number[] = [];
    let r = checkHistory(model, ops, { allPartitions: true, timeoutMs: 60_000 });
    for (let k = 0; k < reps; k++) {
      const t = performance.now();
      r = checkHistory(model, ops, { allPartitions: true, timeoutMs: 60_000 });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const ms = times[times.length >> 1]!;
    const row: LinBenchRow = { name: e.name, ops: ops.length, partitions: r.partitions.length, expected: history.expected, verdict: r.verdict, steps: r.steps, ms: Math.round(ms * 100) / 100, stepsPerSecond: Math.round(r.steps / (ms / 1000)) };
    rows.push(row);
    const mark = row.verdict === row.expected ? '' : `  (expected ${row.expected})`;
    ctx.out(`${e.name.padEnd(34)} ${String(row.ops).padStart(5)} ${String(row.partitions).padStart(4)}  ${row.verdict.padEnd(10)} ${String(row.steps).padStart(9)} ${row.ms.toFixed(1).padStart(8)} ${(row.stepsPerSecond / 1e6).toFixed(2).padStart(8)} M${mark}`);
  }
  const steps = rows.reduce((a, r) => a + r.steps, 0);
  const ms = rows.reduce((a, r) => a + r.ms, 0);
  ctx.out(`total: ${steps} steps in ${ms.toFixed(0)} ms, ${(steps / (ms / 1000) / 1e6).toFixed(2)} M steps/s; ${rows.filter((r) => r.verdict === r.expected).length}/${rows.length} verdicts right`);
  writeResults(ctx, { 'lin.json': reportJson({ rows }) });
  return rows;
}
