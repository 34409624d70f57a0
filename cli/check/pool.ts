/**
 * Runs check jobs in parallel on worker threads (one job at a time per worker, as many workers
 * as cores), or in-process when no compiled worker exists (running from TypeScript source, e.g.
 * under vitest) or when asked for one thread.
 * @module
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runJob, type Job, type JobProgress, type JudgedResult } from './runner.js';
import type { WorkerMessage, WorkerRequest } from './worker.js';

/** Options of {@link runJobs}. */
export interface PoolOptions {
  /** Worker count (default: available cores, at most the job count). 1 runs in-process. */
  readonly parallel?: number;
  /** A job started. */
  readonly onStart?: (index: number) => void;
  /** A job reported progress. */
  readonly onProgress?: (index: number, p: JobProgress) => void;
  /** A job finished. */
  readonly onDone?: (index: number, r: JudgedResult) => void;
}

/** The compiled worker beside this module, or null when running from source. */
export function compiledWorker(): URL | null {
  const url = new URL('./worker.js', import.meta.url);
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(url)) ? url : null;
}

/** Runs every job and returns the judged results in job order. */
export async function runJobs(jobs: readonly Job[], opts: PoolOptions = {}): Promise<JudgedResult[]> {
  const results: JudgedResult[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(opts.parallel ?? availableParallelism(), jobs.length));
  const workerUrl = compiledWorker();
  if (n === 1 || workerUrl === null) {
    for (let i = 0; i < jobs.length; i++) {
      opts.onStart?.(i);
      results[i] = await runJob(jobs[i]!, (p) => opts.onProgress?.(i, p));
      opts.onDone?.(i, results[i]!);
    }
    return results;
  }
  let nextJob = 0;
  const crashed = (i: number, message: string): JudgedResult => ({
    model: jobs[i]!.model.name,
    result: { engine: jobs[i]!.engine, status: 'error', violated: null, message, distinctStates: null, seconds: 0, statesPerSecond: null, warnings: [], trace: null },
    mismatches: [`error: ${message}`],
  });
  // One lane per core; a lane replaces its worker if it dies (e.g. out of memory) and records the job as an error.
  const runLane = (): Promise<void> => new Promise((resolveLane) => {
    let w: Worker | null = null;
    let current = -1;
    const finish = (i: number, r: JudgedResult): void => { results[i] = r; opts.onDone?.(i, r); };
    const spawnWorker = (): Worker => {
      const worker = new Worker(workerUrl);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') opts.onProgress?.(m.id, { distinctStates: m.distinctStates, seconds: m.seconds });
        else if (m.type === 'done') { finish(m.id, m.judged); feed(); }
        else { finish(m.id, crashed(m.id, `internal error: ${m.message}`)); feed(); }
      });
      worker.on('error', (e) => {
        if (current >= 0 && results[current] === undefined) finish(current, crashed(current, `worker died: ${e.message}`));
        w = null;
        feed();
      });
      return worker;
    };
    const feed = (): void => {
      if (nextJob >= jobs.length) { if (w !== null) void w.terminate(); resolveLane(); return; }
      current = nextJob++;
      opts.onStart?.(current);
      if (w === null) w = spawnWorker();
      w.postMessage({ type: 'job', id: current, job: jobs[current]! } satisfies WorkerRequest);
    };
    feed();
  });
  await Promise.all(Array.from({ length: n }, runLane));
  return results;
}
