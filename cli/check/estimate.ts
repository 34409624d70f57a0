/**
 * Duration estimates for check jobs: from the seconds recorded per (model, engine) in
 * `spec/tla/durations.json`, else from the model's pinned distinct-state count and a typical
 * states/s rate of the engine. Used to announce how long a check will take and to show
 * estimated progress for engines that report none while they run (tla-checker).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineName } from './result.js';
import type { Job } from './runner.js';

/** Recorded seconds, by model name then engine. */
export type RecordedDurations = ReadonlyMap<string, Readonly<Partial<Record<EngineName, number>>>>;

/** Typical states/s of each engine, for a model without a recorded duration. */
export const TYPICAL_STATES_PER_SECOND: Readonly<Record<EngineName, number>> = { 'tla-checker': 500, ts: 30_000, tlc: 5_000 };

/** The recorded durations file of a repository (`spec/tla/durations.json`). */
export function durationsPath(root: string): string {
  return join(root, 'spec', 'tla', 'durations.json');
}

/** Reads recorded durations; a missing or malformed file gives none (estimates then use state counts). */
export function loadDurations(path: string): RecordedDurations {
  if (!existsSync(path)) return new Map();
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { seconds?: Record<string, Partial<Record<EngineName, number>>> };
    return new Map(Object.entries(json.seconds ?? {}));
  } catch {
    return new Map();
  }
}

/** Typical seconds per compared state of a sampled tla-checker run (each state is one call of its stepping API). */
export const SAMPLED_SECONDS_PER_STATE = 0.005;

/** Estimated seconds of one job (at least 0.1 s). */
export function estimateJobSeconds(job: Job, recorded: RecordedDurations): number {
  if (job.sampled !== undefined) return Math.max(0.1, job.sampled.states * SAMPLED_SECONDS_PER_STATE);
  const s = recorded.get(job.model.name)?.[job.engine];
  if (s !== undefined) return Math.max(0.1, s);
  const states = job.model.distinctStates ?? 1_000;
  return Math.max(0.1, states / TYPICAL_STATES_PER_SECOND[job.engine]);
}

/** Estimated wall-clock seconds of jobs run in this order on `lanes` parallel workers (each lane takes the next job when free). */
export function estimateMakespan(seconds: readonly number[], lanes: number): number {
  const free = new Array<number>(Math.max(1, lanes)).fill(0);
  for (const s of seconds) {
    let i = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[i]!) i = j;
    free[i]! += s;
  }
  return Math.max(...free);
}

/** Formats a duration for people: `45 s`, `3 min 20 s`. */
export function fmtDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
}
