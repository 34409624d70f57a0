/**
 * `immutos check` as a library: selects manifest models, plans (model, engine) jobs, runs them
 * in parallel with progress, and judges every result against the manifest.
 * @module
 */
import cliProgress from 'cli-progress';
import { UsageError } from '../errors.js';
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
}

/** Selects the models to run. @throws UsageError on an unknown model name (listing the valid ones). */
export function selectModels(all: readonly ModelEntry[], names: readonly string[] | undefined, big: boolean): ModelEntry[] {
  if (names === undefined || names.length === 0) return all.filter((m) => big || !m.big);
  const unknown = names.filter((n) => !all.some((m) => m.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid models: ${all.map((m) => m.name).join(', ')}`);
  return all.filter((m) => names.includes(m.name));
}

/** Plans the jobs: the TLA+ engine for every model, the TS explorer for models with a mirror; largest first. */
export function planJobs(models: readonly ModelEntry[], root: string, engine: EngineChoice, tlcJar: string | null, maxStates?: number): Job[] {
  const jobs: Job[] = [];
  const tlaEngine: EngineName = tlcJar !== null ? 'tlc' : 'tla-checker';
  for (const m of models) {
    const extra = { ...(maxStates !== undefined ? { maxStates } : {}) };
    if (engine !== 'ts') jobs.push({ model: m, root, engine: tlaEngine, ...(tlcJar !== null ? { tlcJar } : {}), ...extra });
    if (engine !== 'tla' && m.mirror !== null) jobs.push({ model: m, root, engine: 'ts', ...extra });
  }
  // Largest first, so the long jobs start early and the pool stays busy (TS jobs are faster: after TLA+ ones of the same size).
  const size = (j: Job): number => (j.model.distinctStates ?? 0) * (j.engine === 'ts' ? 0.1 : 1);
  return jobs.map((j, i) => ({ j, i })).sort((a, b) => size(b.j) - size(a.j) || a.i - b.i).map(({ j }) => j);
}

/** Runs the check and returns the judged report (it prints progress, not the report). */
export async function runCheck(opts: CheckOptions = {}): Promise<CheckReport> {
  const t0 = performance.now();
  const root = opts.root ?? repoRoot();
  const manifest = loadManifest(opts.manifest ?? defaultManifestPath(), root);
  const models = selectModels(manifest.models, opts.models, opts.big ?? false);
  const tlcJar = opts.tlcJar ?? null;
  if (tlcJar !== null && opts.engine !== 'ts') assertTlcUsable(tlcJar);
  const jobs = planJobs(models, root, opts.engine ?? 'both', tlcJar, opts.maxStates);
  const progress = makeProgress(jobs, opts.progress ?? 'auto', opts.progressStream ?? process.stderr);
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

/** Progress: cli-progress bars on a TTY (states, states/s, elapsed), else a plain line per running job every 10 s. */
function makeProgress(jobs: readonly Job[], mode: 'auto' | 'plain' | 'none', stream: NodeJS.WriteStream): Progress {
  if (mode === 'none') return { start: () => {}, update: () => {}, done: () => {}, stop: () => {} };
  const running = new Map<number, { t0: number; states: number | null; bar?: cliProgress.SingleBar }>();
  const label = (i: number): string => `${jobs[i]!.model.name} [${jobs[i]!.engine}]`;
  const payload = (i: number): Record<string, string> => {
    const r = running.get(i)!;
    const secs = (performance.now() - r.t0) / 1000;
    return {
      label: label(i),
      states: r.states === null ? 'running' : `${fmtInt(r.states)} states`,
      speed: r.states === null || secs <= 0 ? '' : `${fmtInt(r.states / secs)} states/s`,
      elapsed: `${secs.toFixed(0)}s`,
    };
  };
  if (mode === 'auto' && stream.isTTY) {
    const multi = new cliProgress.MultiBar({
      format: ' {label}  {states}  {speed}  {elapsed}', hideCursor: true, clearOnComplete: true, stopOnComplete: false, stream, fps: 4,
    }, cliProgress.Presets.legacy);
    const tick = setInterval(() => { for (const [i, r] of running) r.bar?.update(r.states ?? 0, payload(i)); }, 500);
    return {
      start: (i) => { running.set(i, { t0: performance.now(), states: null }); const r = running.get(i)!; r.bar = multi.create(jobs[i]!.model.distinctStates ?? 0, 0, payload(i)); },
      update: (i, p) => { const r = running.get(i); if (r) { r.states = p.distinctStates; r.bar?.update(p.distinctStates ?? 0, payload(i)); } },
      done: (i, line) => { const r = running.get(i); if (r?.bar) multi.remove(r.bar); running.delete(i); multi.log(line + '\n'); },
      stop: () => { clearInterval(tick); multi.stop(); },
    };
  }
  const tick = setInterval(() => {
    for (const i of running.keys()) { const p = payload(i); stream.write(`[check] ${p.label}: ${p.states}${p.speed ? `, ${p.speed}` : ''}, ${p.elapsed}\n`); }
  }, 10_000);
  tick.unref();
  return {
    start: (i) => { running.set(i, { t0: performance.now(), states: null }); stream.write(`[check] start ${label(i)}\n`); },
    update: (i, p) => { const r = running.get(i); if (r) r.states = p.distinctStates; },
    done: (i, line) => { running.delete(i); stream.write(`[check] ${line}\n`); },
    stop: () => clearInterval(tick),
  };
}
