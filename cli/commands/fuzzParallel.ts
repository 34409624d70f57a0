/**
 * `immutos fuzz --kernels optimized+workers:N[+mutant:NAME…]`: the parallel engine of the
 * differential fuzzer. Random programs run on N worker threads over one shared heap; each case is
 * judged by linearizability per atom, by exact counts (no lost update, every watch saw every
 * store) and by no failed process. A failure is shrunk, written under `--out` and reported with
 * its seed and replay commands. See docs/fuzzing.md "The parallel engine".
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress, type Progress } from '../progress.js';
import { intFlag, secondsFlag } from '../flags.js';
import { CheckFailed, UsageError } from '../errors.js';
import { formatParallelFailure, parallelCampaign, parallelCase, parseKeep, parseParallelKernel, type ParallelCampaignReport, type ParallelEngine, type ParallelKeep, type ParallelProgress } from '../../harness/campaign/parallelCampaign.js';

/** The flags of `immutos fuzz` the parallel engine reads. */
export interface ParallelFuzzFlags {
  /** The kernel list: exactly one `optimized+workers…` name. */
  readonly kernels?: string;
  /** Cases. */
  readonly runs?: string;
  /** Seconds. */
  readonly time?: string;
  /** First case's seed. */
  readonly seed?: string;
  /** The part of each case to run (a minimized case's replay). */
  readonly keep?: string;
  /** Runs of each case (stress). */
  readonly repeat?: string;
  /** A stress campaign: runs of each case ({@link STRESS_REPEAT} when given without a number). */
  readonly stress?: string | boolean;
  /** Print one JSON object. */
  readonly json?: boolean;
  /** Where a failing case is written. */
  readonly out: string;
}

/** Cases a parallel campaign runs when neither `--runs` nor `--time` is given. */
export const DEFAULT_PARALLEL_CASES = 100;

/**
 * The parallel engine named in a `--kernels` list → its workers and seeded bugs, or undefined
 * when the list names none. It must be the only kernel of the list: its cases are judged by
 * linearizability and exact counts, not against another kernel.
 * @throws UsageError for a mixed list, a bad worker count or an unknown seeded bug.
 */
export function parallelSelection(kernels: string | undefined): (ParallelEngine & { readonly name: string }) | undefined {
  if (kernels === undefined) return undefined;
  const names = kernels.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const parallel = names.filter((n) => /^optimized\+workers(:|\+|$)/.test(n));
  if (parallel.length === 0) return undefined;
  if (names.length > 1) throw new UsageError(`'${parallel[0]}' is the parallel engine, judged by linearizability and exact counts on its own: name it alone in --kernels (got '${kernels}')`);
  try {
    const p = parseParallelKernel(parallel[0]!);
    if (p === undefined) throw new RangeError(`'${parallel[0]}' is not a kernel name of the parallel engine (expected optimized+workers:N, then +tier:T and any +mutant:NAME)`);
    return { ...p, name: parallel[0]! };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs of each case in a stress campaign (`--stress` without a number). */
export const STRESS_REPEAT = 20;

/** The parallel campaign's progress: cases and atom operations judged. */
function parallelProgress(total: number | undefined, quiet: boolean): Progress<ParallelProgress> {
  const rate = (p: ParallelProgress): number => Math.round(p.operations / Math.max(p.seconds, 1e-3));
  return progress<ParallelProgress>({
    total,
    quiet,
    done: (p) => p.cases,
    bar: 'parallel cases | {opsps} atom ops/s',
    fields: (p) => ({ opsps: p === null ? 0 : rate(p) }),
    line: (p) => `${p.cases} parallel cases, ${p.operations} atom operations judged`,
    every: 10,
  });
}

/**
 * Runs a parallel campaign as `immutos fuzz` does for an `optimized+workers` kernel, prints its
 * report, writes a failing case under `flags.out`, and returns the report.
 * @throws CheckFailed when a case fails (its seed and replay command in the message).
 */
export async function fuzzParallel(flags: ParallelFuzzFlags, print: (s: string) => void = (s) => process.stdout.write(s)): Promise<ParallelCampaignReport> {
  const sel = parallelSelection(flags.kernels);
  if (sel === undefined) throw new UsageError('the parallel engine needs --kernels optimized+workers:N');
  const runs = intFlag(flags.runs, '--runs', 1);
  const time = secondsFlag(flags.time, '--time');
  if (flags.repeat !== undefined && flags.stress !== undefined) throw new UsageError('--stress N is --repeat N: give one of them');
  const repeat = flags.stress === true ? STRESS_REPEAT : (intFlag(flags.repeat ?? (typeof flags.stress === 'string' ? flags.stress : undefined), flags.stress !== undefined ? '--stress' : '--repeat', 1) ?? 1);
  const seed = intFlag(flags.seed, '--seed') ?? Math.floor(Math.random() * 0x7fffffff);
  let keep: ParallelKeep | undefined;
  try {
    keep = flags.keep === undefined ? undefined : parseKeep(flags.keep);
  } catch (e) {
    throw new UsageError(`--keep: ${(e as Error).message}`);
  }
  const cases = runs ?? (time === undefined ? DEFAULT_PARALLEL_CASES : Number.MAX_SAFE_INTEGER);
  const quiet = flags.json === true;
  if (!quiet) print(`parallel fuzz: ${sel.name}, seed ${seed}, ${runs !== undefined ? `${runs} cases` : time !== undefined ? `${time} s` : `${cases} cases`}${repeat > 1 ? `, each run ${repeat} times` : ''}${keep !== undefined ? `, part ${flags.keep}` : ''}\n`);
  const bar = parallelProgress(runs ?? (time === undefined ? cases : undefined), quiet);
  let report: ParallelCampaignReport;
  try {
    report = await parallelCampaign(seed, cases, sel, { ...(keep !== undefined ? { keep } : {}), ...(time !== undefined ? { seconds: time } : {}), repeat, onProgress: bar.update });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  } finally {
    bar.stop();
  }
  const f = report.failure;
  let file: string | null = null;
  if (f !== null) {
    mkdirSync(flags.out, { recursive: true });
    file = join(flags.out, `parallel-${f.seed}.edn`);
    // the minimized program, else the case as run (a failure on the reference kernel is not shrunk)
    const program = f.shrunk?.case.source ?? parallelCase(f.seed, keep).source;
    const header = [`;; parallel fuzz failure at seed ${f.seed} on ${sel.name}: ${f.reason}`, `;; replay: ${f.replay}`, ...(f.shrunk !== null ? [`;; minimized: ${f.shrunk.verdict.reason}`, `;; failed again in ${f.shrunk.reproduction.failures} of ${f.shrunk.reproduction.runs} runs`, `;; replay the minimized case: ${f.shrunk.replay}`] : []), ...(f.unconfirmed !== undefined ? [`;; not minimized: no smaller case failed again in ${f.unconfirmed.runs} runs`] : [])];
    writeFileSync(file, `${header.join('\n')}\n${program}\n`);
  }
  const rate = Math.round(report.operations / Math.max(report.seconds, 1e-3));
  if (quiet) {
    print(`${JSON.stringify({ kernel: sel.name, seed, cases: report.cases, runs: report.runs, operations: report.operations, collections: report.collections, seconds: report.seconds, failure: f === null ? null : { seed: f.seed, reason: f.reason, replay: f.replay, minimizedReplay: f.shrunk?.replay ?? null, minimizedReproduction: f.shrunk?.reproduction ?? null, file } })}\n`);
  } else {
    print(`${sel.name}: ${report.cases} cases (${report.runs} runs), ${report.operations} atom operations judged, ${report.collections} collections of the shared heap, ${rate} ops/s, ${report.seconds.toFixed(1)} s, ${f === null ? 'every history linearizable, every count exact' : '1 failure'}\n`);
    if (f !== null) print(`${formatParallelFailure(f)}\nwritten: ${file}\n`);
  }
  if (f !== null) throw new CheckFailed(`parallel case of seed ${f.seed} failed: ${f.reason}; replay: ${f.shrunk?.replay ?? f.replay}`);
  return report;
}
