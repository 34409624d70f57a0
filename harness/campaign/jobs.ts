/**
 * A campaign on several cores: worker processes each running {@link runCampaign} on the cases the
 * main process hands them (in order, a few at a time, to whichever asks), the results merged into
 * one {@link CampaignResult}. Case `k` is generated from `caseSeed(seed, k)` whichever worker runs
 * it, so a campaign of a fixed case count judges exactly the cases, and counts exactly the
 * operations and coverage, of the same campaign on one thread (docs/adr/0046-fuzz-jobs.md).
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { CampaignOptions, CampaignProgress, CampaignResult, Failure } from './campaign.js';
import { caseFromJson, caseId, replayCommand } from '../generators/case.js';
import { mergeCoverage } from '../oracles/coverage.js';
import { registeredKernelModules } from '../engines/registry.js';

/** The options a worker runs with: the campaign's, without the callbacks (the main process hands the cases out). */
export type WorkerCampaignOptions = Omit<CampaignOptions, 'onProgress' | 'shouldStop' | 'onDetected' | 'nextCase' | 'jobs' | 'caseTimeoutSeconds'>;

/** Messages to a campaign worker: its campaign first, then the cases it asks for, possibly a request to stop. */
export type CampaignWorkerRequest =
  | {
      readonly type: 'run';
      /** The worker's campaign (its cases are handed out in `cases` messages). */
      readonly options: WorkerCampaignOptions;
      /** Kernel modules to register before selecting kernels (absolute paths). */
      readonly kernelModules: readonly string[];
    }
  /** The next case indices for the worker; none left when empty. */
  | { readonly type: 'cases'; readonly indices: readonly number[] }
  | { readonly type: 'stop' };

/** Messages from a campaign worker. */
export type CampaignWorkerMessage =
  /** The worker has run the cases it was given and asks for more. */
  | { readonly type: 'more' }
  | { readonly type: 'progress'; readonly progress: CampaignProgress }
  | { readonly type: 'detected'; readonly index: number }
  /** The worker is about to judge case `index` (`json`: the case, as a case file holds it). */
  | { readonly type: 'case'; readonly index: number; readonly json: string }
  | { readonly type: 'done'; readonly result: CampaignResult }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

/** An error a campaign worker raised, carried to the main process with its name and message. */
export class CampaignJobError extends Error {
  /** Creates the error; `name` is the worker-side error's class name (e.g. `EngineUnavailableError`). */
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The most seconds one case of a campaign on several jobs may take by default (`caseTimeoutSeconds`). */
export const DEFAULT_CASE_TIMEOUT_SECONDS = 120;

/**
 * A case a campaign worker did not finish: it ran past the case timeout, or the worker ended
 * (crashed, ran out of host memory) while running it. The campaign stops; the case as generated is
 * saved (not shrunk: every try of a smaller case could hang as well) for `immutos replay`.
 */
export class CaseStalledError extends Error {
  /** Creates the error for case `index` (case seed `caseSeed`), saved to `file` when an output directory was given. */
  constructor(
    /** The case's index in the campaign. */
    readonly index: number,
    /** The case's seed. */
    readonly caseSeed: number,
    /** What happened: `did not finish within N s (…)` or `ended its worker (… exited: SIGABRT) while running it`. */
    readonly reason: string,
    /** Where the case was written (none without an output directory). */
    readonly file: string | undefined,
  ) {
    super(`case ${index} (case seed ${caseSeed}) ${reason}${file !== undefined ? `; saved to ${file}, replay with: ${replayCommand(file)}` : ''}`);
    this.name = 'CaseStalledError';
  }
}

/** A campaign that chooses its worker processes itself runs at most one per this many cases. */
export const CASES_PER_JOB = 250;

/**
 * The worker processes a campaign of `cases` cases runs on when nobody chose (`immutos fuzz
 * --jobs auto`): one per core, at most one per {@link CASES_PER_JOB} cases, so that a short
 * campaign does not pay for starting processes it cannot use; one per core for a campaign
 * bounded by time only (`cases` undefined).
 */
export function autoJobs(cases: number | undefined): number {
  const cores = availableParallelism();
  if (cases === undefined) return cores;
  return Math.max(1, Math.min(cores, Math.floor(cases / CASES_PER_JOB)));
}

/** The compiled campaign worker: beside this file (dist/), else under the repository's dist/. */
export function campaignWorkerModule(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'campaignWorker.js');
  if (existsSync(beside)) return beside;
  const fromSource = join(here, '..', '..', 'dist', 'harness', 'campaign', 'campaignWorker.js');
  if (existsSync(fromSource)) return fromSource;
  throw new CampaignJobError('CampaignJobError', 'a campaign on several jobs needs its compiled worker (dist/harness/campaign/campaignWorker.js): run `npm run build` first, or pass --jobs 1');
}

/** Cases handed to a worker per request: few, so that workers finish together; a request costs far less than a case. */
export const CASES_PER_REQUEST = 2;

/**
 * Runs `options` on `jobs` worker processes and merges their results: counts and coverage summed,
 * failures in case order. The cases of the campaign (or of its shard) are handed out in order, a
 * few at a time, to whichever worker asks, so a worker that drew cheap cases takes more and the
 * workers finish together; every case is still generated from its index alone. With
 * `stopOnFirst` (the default) the first divergence found stops every worker after its current
 * case. Progress is the sum over workers. Processes, not threads: the LLVM bindings of the
 * optimized kernel's tier 2 work in one thread per process only (ADR 0045).
 */
export async function runCampaignJobs(options: CampaignOptions, jobs: number): Promise<CampaignResult> {
  const path = campaignWorkerModule();
  const outer = options.shard ?? { index: 0, count: 1 };
  const { onProgress, shouldStop, onDetected, nextCase: _nextCase, jobs: _jobs, caseTimeoutSeconds: _timeout, ...rest } = options;
  void _timeout; // watched here, not in the worker
  void _jobs;
  if (_nextCase !== undefined) throw new RangeError('a campaign on several jobs hands its cases out itself: nextCase is for one process');
  const t0 = performance.now();
  const latest: CampaignProgress[] = [];
  const zero: CampaignProgress = { cases: 0, ops: 0, seconds: 0, divergences: 0, poisoned: 0 };
  let lastReport = 0;
  const report = (force: boolean): void => {
    if (onProgress === undefined || (!force && performance.now() - lastReport < 100)) return;
    lastReport = performance.now();
    const sum = latest.reduce((a, p) => ({ cases: a.cases + p.cases, ops: a.ops + p.ops, seconds: 0, divergences: a.divergences + p.divergences, poisoned: a.poisoned + p.poisoned }), zero);
    onProgress({ ...sum, seconds: (performance.now() - t0) / 1000 });
  };
  const children: ChildProcess[] = [];
  // the outer shard's case indices, handed out in order
  const limit = options.runs ?? (options.timeSeconds === undefined ? 1000 : Number.POSITIVE_INFINITY);
  let nextIndex = outer.index;
  const handOut = (): number[] => {
    const indices: number[] = [];
    while (!stopped && indices.length < CASES_PER_REQUEST && nextIndex < limit) {
      indices.push(nextIndex);
      nextIndex += outer.count;
    }
    return indices;
  };
  let stopped = false;
  const stopAll = (): void => {
    if (stopped) return;
    stopped = true;
    for (const c of children) if (c.connected) c.send({ type: 'stop' } satisfies CampaignWorkerRequest);
  };
  // the caller's stop request is polled here and passed on to the workers
  const poll = shouldStop === undefined ? undefined : setInterval(() => { if (shouldStop()) stopAll(); }, 50);
  const timeoutMs = (options.caseTimeoutSeconds ?? DEFAULT_CASE_TIMEOUT_SECONDS) * 1000;
  let aborting = false;
  const one = (j: number): Promise<CampaignResult> =>
    new Promise((resolve, reject) => {
      latest[j] = zero;
      const child = fork(path, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let settled = false;
      let done: CampaignResult | undefined;
      // the case the worker is in (from its `case` message until it asks for more or reports)
      let current: { readonly index: number; readonly json: string; readonly since: number } | null = null;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        reject(e);
      };
      const stalled = (reason: string): void => {
        if (settled || aborting) return;
        const c = current!;
        fail(new CaseStalledError(c.index, caseFromJson(c.json).seed, reason, saveStalled(options.outDir, c.json)));
      };
      // a case past the timeout: the worker is stopped, the case reported
      const watch = setInterval(() => {
        if (timeoutMs > 0 && current !== null && performance.now() - current.since > timeoutMs) {
          stalled(`did not finish within ${timeoutMs / 1000} s (campaign worker ${j + 1} of ${jobs} stopped)`);
          child.kill('SIGKILL');
        }
      }, Math.min(1000, Math.max(50, timeoutMs / 4)));
      child.on('message', (raw) => {
        const m = raw as CampaignWorkerMessage;
        if (m.type === 'case') current = { index: m.index, json: m.json, since: performance.now() };
        else if (m.type === 'more') {
          current = null;
          if (child.connected) child.send({ type: 'cases', indices: handOut() } satisfies CampaignWorkerRequest);
        } else if (m.type === 'progress') {
          latest[j] = m.progress;
          report(false);
        } else if (m.type === 'detected') {
          current = null; // judged: shrinking it is not the case running
          onDetected?.(m.index);
          if (options.stopOnFirst !== false) stopAll();
        } else if (m.type === 'done') {
          current = null;
          clearInterval(watch);
          done = m.result;
          latest[j] = { cases: m.result.cases, ops: m.result.applied, seconds: m.result.seconds, divergences: m.result.failures.length, poisoned: m.result.poisoned };
          child.disconnect();
        } else fail(new CampaignJobError(m.name, m.message));
      });
      child.on('error', (e) => fail(new CampaignJobError('CampaignJobError', `campaign worker ${j + 1} of ${jobs} failed: ${e.message}`)));
      // resolved when the worker has exited (its CPU time then counts as the campaign's)
      child.on('exit', (code, signal) => {
        if (done !== undefined && !settled) {
          settled = true;
          clearInterval(watch);
          resolve(done);
        }
        if (current !== null) stalled(`ended its worker (campaign worker ${j + 1} of ${jobs} exited: ${signal ?? `code ${code}`}) while running it`);
        fail(new CampaignJobError('CampaignJobError', `campaign worker ${j + 1} of ${jobs} ended (${signal ?? `code ${code}`}) before reporting`));
      });
      child.send({ type: 'run', options: rest, kernelModules: registeredKernelModules() } satisfies CampaignWorkerRequest);
      if (stopped) child.send({ type: 'stop' } satisfies CampaignWorkerRequest);
    });
  let results: CampaignResult[];
  try {
    results = await Promise.all(Array.from({ length: jobs }, (_, j) => one(j)));
  } catch (e) {
    // the others are stopped: the cases they were in did not stall
    aborting = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    throw e;
  } finally {
    if (poll !== undefined) clearInterval(poll);
  }
  report(true);
  const seconds = (performance.now() - t0) / 1000;
  const first = results[0]!;
  const sum = (f: (r: CampaignResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const applied = sum((r) => r.applied);
  const failures: Failure[] = results.flatMap((r) => r.failures).sort((a, b) => a.index - b.index);
  return {
    kernels: first.kernels,
    ops: first.ops,
    excluded: first.excluded,
    cases: sum((r) => r.cases),
    applied,
    seconds,
    opsPerSecond: seconds > 0 ? applied / seconds : 0,
    poisoned: sum((r) => r.poisoned),
    rerun: sum((r) => r.rerun),
    unjudged: sum((r) => r.unjudged),
    failures,
    coverage: mergeCoverage(results.map((r) => r.coverage)),
    jobs,
  };
}

/** Writes a stalled case (its case-file text) into `outDir` as `stalled-<id>.json` → the path; undefined without a directory. */
function saveStalled(outDir: string | undefined, json: string): string | undefined {
  if (outDir === undefined) return undefined;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `stalled-${caseId(caseFromJson(json))}.json`);
  writeFileSync(file, json);
  return file;
}
