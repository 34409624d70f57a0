/**
 * `immutos check` as a library: selects manifest models, plans (model, engine) jobs, runs them
 * in parallel with progress, and judges every result against the manifest.
 * @module
 */
import cliProgress from 'cli-progress';
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { durationsPath, estimateJobSeconds, estimateMakespan, loadDurations } from './estimate.js';
import { defaultManifestPath, loadManifest, repoRoot, type ModelEntry } from './manifest.js';
import { runJobs } from './pool.js';
import { describeResult, speedComparison, type CheckReport } from './report.js';
import type { EngineName } from './result.js';
import { fmtInt, type Job, type JobProgress } from './runner.js';
import { assertTlcUsable } from './tlc.js';

/** Which engines to run: the TLA+ engine (tla-checker, or TLC with a jar), the TS explorer, or both. */
export type EngineChoice = 'tla' | 'ts' | 'both';

/** Options of {@link runCheck}. */
export interface CheckOptions {
  /** Model names to run (default: every model, minus `big` ones unless {@link CheckOptions.big}). */
  readonly models?: readonly string[];
  /** Include `big: true` models in the default set. */
  readonly big?: boolean;
  /** Engines (default `both`). */
  readonly engine?: EngineChoice;
  /** TLC jar: when set, the TLA+ engine is TLC instead of tla-checker. */
  readonly tlcJar?: string | null;
  /** Manifest file (default `spec/tla/manifest.json`). */
  readonly manifest?: string;
  /** Root the manifest's paths are relative to (default: the repository root). */
  readonly root?: string;
  /** Worker threads (default: available cores). */
  readonly parallel?: number;
  /** State limit for every engine. */
  readonly maxStates?: number;
  /** Progress output: `auto` (bars on a TTY, periodic lines otherwise), `plain`, or `none`. */
  readonly progress?: 'auto' | 'plain' | 'none';
  /** Where progress goes (default: stderr). */
  readonly progressStream?: NodeJS.WriteStream;
  /**
   * Run tla-checker in full on every model. Without it (the default), a passing model the manifest
   * marks `slowTla` gets a sampled tla-checker run instead (its mirror and module compared at
   * {@link CheckOptions.samples} states), beside the TS explorer's full run. No effect with TLC.
   */
  readonly full?: boolean;
  /** States compared by a sampled run (default {@link DEFAULT_SAMPLES}). */
  readonly samples?: number;
  /** Seed of a sampled run's random walks (default 1). */
  readonly sampleSeed?: number;
}

/** States a sampled tla-checker run compares by default. */
export const DEFAULT_SAMPLES = 200;


/** What a check will run, before it runs. */
export interface CheckPlan {
  /** Absolute repository root. */
  readonly root: string;
  /** The loaded manifest's path. */
  readonly manifest: string;
  /** The selected models, in manifest order. */
  readonly models: readonly ModelEntry[];
  /** The jobs in the order they start. */
  readonly jobs: readonly Job[];
  /** Estimated seconds of each job (same order as {@link CheckPlan.jobs}). */
  readonly estimates: readonly number[];
  /** Worker threads. */
  readonly lanes: number;
  /** Estimated wall-clock seconds of the whole check. */
  readonly seconds: number;
}

/** Selects the models to run. @throws UsageError on an unknown model name (listing the valid ones). */
export function selectModels(all: readonly ModelEntry[], names: readonly string[] | undefined, big: boolean): ModelEntry[] {
  if (names === undefined || names.length === 0) return all.filter((m) => big || !m.big);
  const unknown = names.filter((n) => !all.some((m) => m.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid models: ${all.map((m) => m.name).join(', ')}`);
  return all.filter((m) => names.includes(m.name));
}

/**
 * Plans the jobs: the TLA+ engine for every model, the TS explorer for models with a mirror;
 * longest first (by `estimate`, else by pinned state count). With `sample` (null: every model in
 * full), the TLA+ engine runs so on passing `slowTla` models that have a mirror (tla-checker
 * only: TLC always runs in full).
 */
export function planJobs(models: readonly ModelEntry[], root: string, engine: EngineChoice, tlcJar: string | null, maxStates?: number, sample: Job['sampled'] | null = null, estimate?: (j: Job) => number): Job[] {
  const jobs: Job[] = [];
  const tlaEngine: EngineName = tlcJar !== null ? 'tlc' : 'tla-checker';
  for (const m of models) {
    const extra = { ...(maxStates !== undefined ? { maxStates } : {}) };
    const sampled = sample !== null && tlaEngine === 'tla-checker' && m.slowTla === true && m.mirror !== null && m.expect === 'pass';
    if (engine !== 'ts') jobs.push({ model: m, root, engine: tlaEngine, ...(tlcJar !== null ? { tlcJar } : {}), ...extra, ...(sampled ? { sampled: sample } : {}) });
    if (engine !== 'tla' && m.mirror !== null) jobs.push({ model: m, root, engine: 'ts', ...extra });
  }
  // Largest first, so the long jobs start early and the pool stays busy (TS jobs are faster: after TLA+ ones of the same size).
  const size = estimate ?? ((j: Job): number => (j.model.distinctStates ?? 0) * (j.engine === 'ts' ? 0.1 : 1));
  return jobs.map((j, i) => ({ j, i })).sort((a, b) => size(b.j) - size(a.j) || a.i - b.i).map(({ j }) => j);
}

/** Plans the check `opts` describe (models, jobs, estimated durations) without running it. */
export function planCheck(opts: CheckOptions = {}): CheckPlan {
  const root = opts.root ?? repoRoot();
  const manifest = loadManifest(opts.manifest ?? defaultManifestPath(), root);
  const models = selectModels(manifest.models, opts.models, opts.big ?? false);
  const tlcJar = opts.tlcJar ?? null;
  const recorded = loadDurations(durationsPath(root));
  const estimate = (j: Job): number => estimateJobSeconds(j, recorded);
  const sample = opts.full === true ? null : { states: opts.samples ?? DEFAULT_SAMPLES, seed: opts.sampleSeed ?? 1 };
  const jobs = planJobs(models, root, opts.engine ?? 'both', tlcJar, opts.maxStates, sample, estimate);
  const estimates = jobs.map(estimate);
  const lanes = Math.max(1, Math.min(opts.parallel ?? availableParallelism(), jobs.length));
  return { root, manifest: manifest.path, models, jobs, estimates, lanes, seconds: estimateMakespan(estimates, lanes) };
}

/** Runs the check and returns the judged report (it prints progress, not the report). */
export async function runCheck(opts: CheckOptions = {}): Promise<CheckReport> {
  const t0 = performance.now();
  const tlcJar = opts.tlcJar ?? null;
  if (tlcJar !== null && opts.engine !== 'ts') assertTlcUsable(tlcJar);
  const plan = planCheck(opts);
  const { models, jobs } = plan;
  const manifest = { path: plan.manifest };
  const progress = makeProgress(jobs, plan.estimates, opts.progress ?? 'auto', opts.progressStream ?? process.stderr);
  let runs;
  try {
    runs = await runJobs(jobs, { ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}), onStart: progress.start, onProgress: progress.update, onDone: (i, r) => progress.done(i, `${r.mismatches.length === 0 ? 'ok  ' : 'FAIL'} ${r.model} [${r.result.engine}] ${describeResult(r.result)}, ${r.result.distinctStates === null ? '?' : fmtInt(r.result.distinctStates)} states, ${r.result.seconds.toFixed(1)}s`) });
  } finally {
    progress.stop();
  }
  // Report in manifest order, TLA+ engine before TS.
  const order = new Map(models.map((m, i) => [m.name, i]));
  const sorted = [...runs].sort((a, b) => order.get(a.model)! - order.get(b.model)! || (a.result.engine === 'ts' ? 1 : 0) - (b.result.engine === 'ts' ? 1 : 0));
  return {
    ok: sorted.every((j) => j.mismatches.length === 0),
    manifest: manifest.path,
    models,
    runs: sorted,
    speed: speedComparison(sorted),
    seconds: (performance.now() - t0) / 1000,
  };
}

interface Progress {
  readonly start: (i: number) => void;
  readonly update: (i: number, p: JobProgress) => void;
  readonly done: (i: number, line: string) => void;
  readonly stop: () => void;
}

/**
 * Progress: cli-progress bars on a TTY (states, states/s, elapsed), else one plain line every
 * 10 s (jobs done, estimated time left, each running job). An engine that reports no progress
 * while it runs (tla-checker) shows states estimated from the model's pinned count and its
 * estimated duration, marked "estimated"; estimates are rescaled by how long finished jobs took.
 */
function makeProgress(jobs: readonly Job[], estimates: readonly number[], mode: 'auto' | 'plain' | 'none', stream: NodeJS.WriteStream): Progress {
  if (mode === 'none') return { start: () => {}, update: () => {}, done: () => {}, stop: () => {} };
  const t0 = performance.now();
  const running = new Map<number, { t0: number; states: number | null; bar?: cliProgress.SingleBar }>();
  let doneCount = 0;
  let doneEstimated = 0;
  let doneActual = 0;
  // How much slower (> 1) or faster than estimated this machine is, judged on finished jobs of a second or more.
  const factor = (): number => (doneEstimated >= 2 ? Math.min(5, Math.max(0.2, doneActual / doneEstimated)) : 1);
  const label = (i: number): string => `${jobs[i]!.model.name} [${jobs[i]!.engine}]`;
  const view = (i: number): { label: string; states: string; speed: string; elapsed: string; value: number } => {
    const r = running.get(i)!;
    const secs = (performance.now() - r.t0) / 1000;
    const pinned = jobs[i]!.model.distinctStates;
    const est = estimates[i]! * factor();
    if (r.states !== null) {
      return { label: label(i), states: `${fmtInt(r.states)}${pinned !== null ? `/${fmtInt(pinned)}` : ''} states`, speed: secs > 0 ? `${fmtInt(r.states / secs)} states/s` : '', elapsed: `${secs.toFixed(0)}s`, value: r.states };
    }
    const guess = pinned === null ? null : Math.round(pinned * Math.min(0.99, secs / est));
    return {
      label: label(i),
      states: guess === null ? 'running' : `~${fmtInt(guess)}/${fmtInt(pinned!)} states (estimated)`,
      speed: '',
      elapsed: `${secs.toFixed(0)}s of ~${Math.max(1, Math.round(est))}s${guess === null ? ' (estimated)' : ''}`,
      value: guess ?? 0,
    };
  };
  const finished = (i: number, seconds: number): void => {
    doneCount++;
    if (estimates[i]! >= 1) { doneEstimated += estimates[i]!; doneActual += seconds; }
  };
  if (mode === 'auto' && stream.isTTY) {
    const multi = new cliProgress.MultiBar({
      format: ' {label}  {states}  {speed}  {elapsed}', hideCursor: true, clearOnComplete: true, stopOnComplete: false, stream, fps: 4,
    }, cliProgress.Presets.legacy);
    const tick = setInterval(() => { for (const [i, r] of running) { const v = view(i); r.bar?.update(v.value, v); } }, 500);
    return {
      start: (i) => { running.set(i, { t0: performance.now(), states: null }); const r = running.get(i)!; r.bar = multi.create(jobs[i]!.model.distinctStates ?? 0, 0, view(i)); },
      update: (i, p) => { const r = running.get(i); if (r) { r.states = p.distinctStates; const v = view(i); r.bar?.update(v.value, v); } },
      done: (i, line) => { const r = running.get(i); if (r?.bar) multi.remove(r.bar); if (r) finished(i, (performance.now() - r.t0) / 1000); running.delete(i); multi.log(line + '\n'); },
      stop: () => { clearInterval(tick); multi.stop(); },
    };
  }
  const tick = setInterval(() => {
    const f = factor();
    const lanes = Math.max(1, running.size);
    let left = 0;
    for (const [i, r] of running) left += Math.max(0, estimates[i]! * f - (performance.now() - r.t0) / 1000);
    for (let i = 0; i < jobs.length; i++) if (!running.has(i) && i >= doneCount + running.size) left += estimates[i]! * f;
    const parts = [...running.keys()].map((i) => { const v = view(i); return `${v.label} ${v.states}${v.speed ? `, ${v.speed}` : ''}, ${v.elapsed}`; });
    stream.write(`[check] ${((performance.now() - t0) / 1000).toFixed(0)}s: ${doneCount}/${jobs.length} jobs done, ~${Math.round(left / lanes)}s left (estimated); ${parts.join('; ')}\n`);
  }, 10_000);
  tick.unref();
  return {
    start: (i) => { running.set(i, { t0: performance.now(), states: null }); stream.write(`[check] start ${label(i)} (~${Math.max(1, Math.round(estimates[i]! * factor()))}s estimated)\n`); },
    update: (i, p) => { const r = running.get(i); if (r) r.states = p.distinctStates; },
    done: (i, line) => { const r = running.get(i); if (r) finished(i, (performance.now() - r.t0) / 1000); running.delete(i); stream.write(`[check] ${line}\n`); },
    stop: () => clearInterval(tick),
  };
}
