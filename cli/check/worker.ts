/**
 * Worker-thread entry of `immutos check`: receives {@link Job}s one at a time, runs each with
 * {@link runJob}, and posts progress and the judged result back. Loaded as compiled JS from
 * `dist/` (the pool runs jobs in-process when it finds no compiled worker).
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './runner.js';

/** Messages a worker posts. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly id: number; readonly distinctStates: number | null; readonly seconds: number }
  | { readonly type: 'done'; readonly id: number; readonly judged: Awaited<ReturnType<typeof runJob>> }
  | { readonly type: 'crash'; readonly id: number; readonly message: string };

/** Messages a worker receives. */
export type WorkerRequest = { readonly type: 'job'; readonly id: number; readonly job: Job };

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (msg: WorkerRequest) => {
    if (msg.type !== 'job') return;
    runJob(msg.job, (p) => port.postMessage({ type: 'progress', id: msg.id, distinctStates: p.distinctStates, seconds: p.seconds } satisfies WorkerMessage)).then(
      (judged) => port.postMessage({ type: 'done', id: msg.id, judged } satisfies WorkerMessage),
      (e: unknown) => port.postMessage({ type: 'crash', id: msg.id, message: String((e as Error)?.stack ?? e) } satisfies WorkerMessage),
    );
  });
}
